//! The workspace index: one pass over each parsed file collects the facts
//! rules need, as plain data. Syntax trees are dropped right after; rules
//! query these facts and never walk files themselves.

pub mod functions;
pub mod modules;
pub mod roles;
pub mod views;

pub use functions::{
    ArgFact, BlockKind, CallSite, Callee, Comparison, ConstDef, EventFact, EventField, FieldInit,
    FunctionDef, IterFact, IterKind, LetFact, Param, PlaceRead, StructLiteral, StructRest,
};
pub use roles::{Grant, GrantKind, MappingForm, PermissionList, RoleEntry, RoleMapping, RoleName};

use crate::diagnostic::FileId;
use crate::names::ident_name;
pub use crate::names::Name;
use crate::source::{
    field_span, fn_item_span, ident_span, impl_fn_span, impl_item_span, item_span, span_of,
    span_of_tokens, trait_fn_span, trait_item_span, variant_span, with_fast_spans, LineIndex, Span,
};
use crate::suppression::{self, Directive};
use foldhash::{HashMap, HashMapExt as _};
use std::sync::Arc;
use syn::punctuated::Punctuated;
use syn::visit::{self, Visit};

/// A simplified type, enough to ask "is this text-like" or "does it contain
/// a `Masked<…>` anywhere".
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TypeRef {
    /// `a::b::C<Args>`; `segments` are the path's identifiers.
    Path {
        segments: Vec<Name>,
        args: Vec<TypeRef>,
    },
    Reference(Box<TypeRef>),
    Slice(Box<TypeRef>),
    Array(Box<TypeRef>),
    Tuple(Vec<TypeRef>),
    Other,
}

/// Types that hold one value and lend its methods (by `Deref` or by being unwrapped).
pub const WRAPPER_TYPES: &[&str] = &[
    "Arc",
    "Rc",
    "Box",
    "Cow",
    "Pin",
    "Option",
    "Mutex",
    "RwLock",
    "RefCell",
    "MutexGuard",
    "RwLockReadGuard",
    "RwLockWriteGuard",
    "State",
    "Extension",
    "Data",
];

/// Types nest at most this deep in the index; deeper parts become `Other`,
/// so no walk over a type can recurse without bound.
const MAX_TYPE_DEPTH: usize = 32;

impl TypeRef {
    pub fn from_syn(ty: &syn::Type) -> TypeRef {
        Self::convert(ty, 0)
    }

    fn convert(ty: &syn::Type, depth: usize) -> TypeRef {
        if depth > MAX_TYPE_DEPTH {
            return TypeRef::Other;
        }
        let inner = |ty: &syn::Type| Box::new(Self::convert(ty, depth + 1));
        match ty {
            syn::Type::Path(path) => {
                let segments = functions::segment_names(&path.path);
                let args = path
                    .path
                    .segments
                    .last()
                    .map(|last| match &last.arguments {
                        syn::PathArguments::AngleBracketed(generic) => {
                            // Room for every argument, lifetimes too: no more than that.
                            let mut args = Vec::with_capacity(generic.args.len());
                            args.extend(generic.args.iter().filter_map(|arg| match arg {
                                syn::GenericArgument::Type(ty) => {
                                    Some(Self::convert(ty, depth + 1))
                                }
                                _ => None,
                            }));
                            args
                        }
                        _ => Vec::new(),
                    })
                    .unwrap_or_default();
                TypeRef::Path { segments, args }
            }
            syn::Type::Reference(reference) => TypeRef::Reference(inner(&reference.elem)),
            syn::Type::Slice(slice) => TypeRef::Slice(inner(&slice.elem)),
            syn::Type::Array(array) => TypeRef::Array(inner(&array.elem)),
            syn::Type::Paren(paren) => Self::convert(&paren.elem, depth + 1),
            syn::Type::Group(group) => Self::convert(&group.elem, depth + 1),
            syn::Type::Tuple(tuple) => TypeRef::Tuple(functions::exact(
                tuple.elems.iter().map(|ty| Self::convert(ty, depth + 1)),
            )),
            _ => TypeRef::Other,
        }
    }

    /// The last path segment (`String` for `std::string::String`), looking
    /// through references.
    pub fn name(&self) -> Option<&str> {
        match self {
            TypeRef::Path { segments, .. } => segments.last().map(Name::as_str),
            TypeRef::Reference(inner) => inner.name(),
            _ => None,
        }
    }

    pub fn args(&self) -> &[TypeRef] {
        match self {
            TypeRef::Path { args, .. } => args,
            TypeRef::Reference(inner) => inner.args(),
            _ => &[],
        }
    }

    /// The type a value of this one holds and lends its methods to, once references and
    /// single-value wrappers are taken off: `&Arc<Mutex<RedisCache>>`, `State<AppState>`
    /// and `Box<StoreError>` hold `RedisCache`, `AppState` and `StoreError`.
    pub fn held(&self) -> &TypeRef {
        let mut current = self;
        for _ in 0..=MAX_TYPE_DEPTH {
            match current {
                TypeRef::Reference(inner) => current = inner,
                TypeRef::Path { segments, args }
                    if segments
                        .last()
                        .is_some_and(|name| WRAPPER_TYPES.contains(&name.as_str())) =>
                {
                    match args.first() {
                        Some(inner) => current = inner,
                        None => break,
                    }
                }
                _ => break,
            }
        }
        current
    }

    /// Whether any type inside this one (itself included) satisfies `predicate`.
    pub fn any(&self, predicate: &mut impl FnMut(&TypeRef) -> bool) -> bool {
        if predicate(self) {
            return true;
        }
        match self {
            TypeRef::Path { args, .. } | TypeRef::Tuple(args) => {
                args.iter().any(|arg| arg.any(predicate))
            }
            TypeRef::Reference(inner) | TypeRef::Slice(inner) | TypeRef::Array(inner) => {
                inner.any(predicate)
            }
            TypeRef::Other => false,
        }
    }
}

/// Field-level `#[serde(...)]` settings that decide whether a value is written out.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SerdeField {
    pub skip: bool,
    pub skip_serializing: bool,
    pub serialize_with: Option<String>,
    /// `#[serde(with = "module")]`: the module's `serialize` is used.
    pub with: Option<String>,
    pub rename: Option<String>,
    pub flatten: bool,
}

impl SerdeField {
    pub fn never_serialized(&self) -> bool {
        self.skip || self.skip_serializing
    }
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FieldDef {
    /// `None` for tuple fields.
    pub name: Option<String>,
    pub ty: TypeRef,
    pub serde: SerdeField,
    /// From the visibility or name to the end of the type.
    pub span: Span,
    /// Where an attribute for this field is inserted: after its existing attributes.
    pub attribute_insert_at: u32,
    /// The first line of its doc comment, when it has one: what the author says it holds.
    #[serde(default)]
    pub doc: Option<Box<str>>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VariantDef {
    pub name: String,
    pub name_span: Span,
    pub fields: Vec<FieldDef>,
    /// The `thiserror` message: the text of `#[error("…")]`, or
    /// `transparent` for `#[error(transparent)]`.
    pub error_message: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TypeKind {
    Struct,
    Enum,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Derive {
    /// Last path segment: `Serialize` for `serde::Serialize`.
    pub name: String,
    pub span: Span,
}

/// A struct or enum definition.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TypeDef {
    pub name: String,
    pub kind: TypeKind,
    pub name_span: Span,
    pub derives: Vec<Derive>,
    /// A struct's fields; empty for enums.
    pub fields: Vec<FieldDef>,
    /// An enum's variants; empty for structs.
    pub variants: Vec<VariantDef>,
    /// A struct's `thiserror` message (see [`VariantDef::error_message`]).
    pub error_message: Option<String>,
}

impl TypeDef {
    pub fn derive(&self, trait_name: &str) -> Option<&Derive> {
        self.derives.iter().find(|derive| derive.name == trait_name)
    }

    /// A single unnamed field: `struct ApiToken(String)`.
    pub fn newtype_field(&self) -> Option<&FieldDef> {
        match self.fields.as_slice() {
            [field] if field.name.is_none() && self.kind == TypeKind::Struct => Some(field),
            _ => None,
        }
    }
}

/// An `impl Trait for Type` block.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TraitImpl {
    /// Last segment of the trait path (`Debug` for `fmt::Debug`).
    pub trait_name: String,
    /// Last segment of the implementing type's path.
    pub self_type: String,
    pub span: Span,
    /// Fields of `self` whose values the impl's bodies read (`self.password`,
    /// `let Self { password, .. } = self`), except reads that reveal nothing
    /// about the value (`self.password.is_some()`, `.len()`, `.is_empty()`).
    pub self_field_reads: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ItemKind {
    Fn,
    Struct,
    Enum,
    Union,
    Impl,
    Trait,
    Mod,
    Const,
    Static,
    TypeAlias,
    Macro,
    Use,
    /// A struct, union or variant field.
    Field,
    Variant,
    Other,
}

/// An item's extent, attributes included, for item-level suppressions.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ItemExtent {
    pub kind: ItemKind,
    pub span: Span,
}

/// Why a file has no syntax facts.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileProblem {
    pub message: String,
    pub span: Span,
}

/// What a file is, by its name.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum FileKind {
    #[default]
    Rust,
    /// A `.cypher` file: one or more queries.
    Cypher,
    /// A template (`templates/**/*.html`, `*.askama`, `*.j2`, `*.jinja`, `*.jinja2`,
    /// `*.tera`, `*.hbs`).
    Template,
    /// A roles file (`roles.toml`, `*.roles.toml`, `roles.yaml`, `*.roles.yaml`, `roles.json`).
    Roles,
}

impl FileKind {
    /// The kind of a workspace-relative path, or `None` for files the analysis does not read.
    pub fn of_path(path: &str) -> Option<FileKind> {
        let name = path.rsplit('/').next().unwrap_or(path);
        let in_templates = path.split('/').any(|part| part == "templates");
        if name.ends_with(".rs") {
            Some(FileKind::Rust)
        } else if name.ends_with(".cypher") {
            Some(FileKind::Cypher)
        } else if matches!(
            name,
            "roles.toml" | "roles.yaml" | "roles.yml" | "roles.json"
        ) || name.ends_with(".roles.toml")
            || name.ends_with(".roles.yaml")
            || name.ends_with(".roles.yml")
        {
            Some(FileKind::Roles)
        } else if [".askama", ".j2", ".jinja", ".jinja2", ".tera", ".hbs"]
            .iter()
            .any(|ext| name.ends_with(ext))
            || (in_templates && name.ends_with(".html"))
        {
            Some(FileKind::Template)
        } else {
            None
        }
    }
}

/// Everything the analysis keeps of one file.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct FileFacts {
    /// Relative to the workspace root, `/`-separated.
    pub path: String,
    pub kind: FileKind,
    /// The module path the file's items live in (Rust files).
    pub module_path: Vec<Name>,
    /// Not cached: the caller has the text already (it hashes it to find the facts).
    #[serde(skip)]
    pub text: Arc<str>,
    pub line_index: LineIndex,
    /// Set when the file could not be read or parsed (reported as PS000).
    pub problem: Option<FileProblem>,
    /// Set when indexing itself failed (reported as PS003).
    pub internal_error: Option<String>,
    pub items: Vec<ItemExtent>,
    pub types: Vec<TypeDef>,
    pub trait_impls: Vec<TraitImpl>,
    pub functions: Vec<FunctionDef>,
    pub consts: Vec<ConstDef>,
    /// String literals whose text looks like Cypher (queries kept in tables).
    pub cypher_literals: Vec<Span>,
    /// Role-to-permission mappings: `match`es on roles, tables, literal maps.
    pub role_mappings: Vec<RoleMapping>,
    /// `const`/`static` permission lists, for tables that name them.
    pub permission_lists: Vec<PermissionList>,
    pub directives: Vec<Directive>,
    /// Components, view bodies, routes and templates.
    pub views: views::ViewFacts,
    /// `use` declarations, one per imported name (globs included).
    pub imports: Vec<Import>,
    /// `mod name;` declarations and `include!`s: the files this one makes the compiler load.
    pub module_links: Vec<modules::ModuleLink>,
    /// Items only the test harness builds (RULES.md R6): an item under exactly
    /// `#[cfg(test)]` (`cfg(any(test, …))` is built elsewhere too), and a function with a
    /// test attribute (`#[test]`, `#[tokio::test]`, `#[rstest]`, `#[bench]`).
    pub test_code: Vec<Span>,
}

/// One name a `use` declaration brings into scope: `use redis::aio::ConnectionManager`
/// → `ConnectionManager` = `redis::aio::ConnectionManager`; `use fred::prelude::*`
/// → a glob of `fred::prelude`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Import {
    /// The name in scope (the alias for `as`); `None` for a glob.
    pub name: Option<Name>,
    /// The full path as written, `self`/`crate` segments included.
    pub path: Vec<Name>,
}

impl FileFacts {
    /// The full path a type or function name written as `segments` refers
    /// to in this file: the first segment expanded through the file's `use`
    /// declarations (`Cache` → `moka::future::Cache`). Globs are not
    /// expanded: the name stays as written.
    pub fn expand_path(&self, segments: &[Name]) -> Vec<Name> {
        let Some(first) = segments.first() else {
            return Vec::new();
        };
        match self
            .imports
            .iter()
            .find(|import| import.name.as_deref() == Some(first.as_str()))
        {
            Some(import) => import
                .path
                .iter()
                .chain(segments.iter().skip(1))
                .cloned()
                .collect(),
            None => segments.to_vec(),
        }
    }

    /// Paths this file glob-imports from (`fred::prelude` for `use fred::prelude::*`).
    pub fn glob_imports(&self) -> impl Iterator<Item = &[Name]> {
        self.imports
            .iter()
            .filter(|import| import.name.is_none())
            .map(|import| import.path.as_slice())
    }

    /// A file's path and text, without its facts: what reporting and fixing read of a file,
    /// for a run that reuses the last run's findings because nothing changed.
    pub fn text_only(path: String, text: Arc<str>) -> FileFacts {
        FileFacts {
            kind: FileKind::of_path(&path).unwrap_or(FileKind::Rust),
            line_index: LineIndex::new(&text),
            path,
            text,
            ..FileFacts::default()
        }
    }

    /// Facts for a file whose text could not be obtained.
    pub fn unreadable(path: String, message: String) -> FileFacts {
        FileFacts {
            path,
            problem: Some(FileProblem {
                message,
                span: Span::default(),
            }),
            ..FileFacts::default()
        }
    }

    pub fn line_col(&self, offset: u32) -> crate::source::LineCol {
        self.line_index.line_col(&self.text, offset)
    }

    /// Whether the file says, in a comment among its first lines, that a tool wrote it
    /// (`// @generated`, `/* This file is @generated by … */`). Anyone can write that
    /// line, so it only ever makes the tool more careful (fixes are not applied there),
    /// never quieter.
    /// Whether the byte at `offset` lies in an item only the test harness builds.
    pub fn is_test_code(&self, offset: u32) -> bool {
        self.test_code
            .iter()
            .any(|span| span.start <= offset && offset < span.end)
    }

    pub fn is_marked_generated(&self) -> bool {
        self.text.lines().take(GENERATED_MARKER_LINES).any(|line| {
            let line = line.trim_start();
            (line.starts_with("//") || line.starts_with("/*") || line.starts_with('*'))
                && line.contains("@generated")
        })
    }
}

/// How far from the top of a file a `@generated` marker is looked for.
const GENERATED_MARKER_LINES: usize = 10;

/// Nesting deeper than this is refused before syn sees the file: syn's parser
/// and our walks recurse, and a stack overflow aborts the whole process.
pub const MAX_NESTING: usize = 512;

/// Operators (and `.`, `?`) one statement may chain before the file is
/// refused: each makes the syntax tree one level deeper, and spans are found
/// by walking down such chains, so their length bounds the indexing cost.
pub const MAX_CHAIN: usize = 512;

/// Parses and indexes one file. Never panics out: a failure inside the
/// indexer becomes `internal_error`.
pub fn index_file(path: String, text: Arc<str>) -> FileFacts {
    let kind = FileKind::of_path(&path).unwrap_or(FileKind::Rust);
    let line_index = LineIndex::new(&text);
    if kind != FileKind::Rust {
        let mut views = views::ViewFacts::default();
        if kind == FileKind::Template {
            views.template = Some(views::scan_template(&text));
        }
        return FileFacts {
            path,
            kind,
            text,
            line_index,
            views,
            ..FileFacts::default()
        };
    }
    let directives = suppression::scan(&text, &line_index);
    let module_path = functions::module_path_of_file(&path);
    let mut facts = FileFacts {
        path,
        text: text.clone(),
        line_index,
        directives,
        module_path,
        ..FileFacts::default()
    };
    if let Some(problem) = nesting_problem(&text) {
        facts.problem = Some(problem);
        return facts;
    }
    let source = without_shebang(&text);
    let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // Every span is turned into offsets before the invalidation below.
        let result = with_fast_spans(&text, &facts.line_index, || {
            syn::parse_file(&source)
                .map(|file| {
                    let mut indexer = Indexer {
                        text: text.clone(),
                        module_stack: facts.module_path.clone(),
                        ..Indexer::default()
                    };
                    indexer.visit_file(&file);
                    indexer
                })
                .map_err(|error| FileProblem {
                    message: error.to_string(),
                    span: span_of(error.span()),
                })
        });
        // Positions are extracted; drop proc-macro2's per-thread copy of the
        // source so memory stays flat over a large workspace.
        proc_macro2::extra::invalidate_current_thread_spans();
        result
    }));
    match parsed {
        Ok(Ok(indexer)) => {
            use functions::fitted;
            facts.items = fitted(indexer.items);
            facts.types = fitted(indexer.types);
            facts.trait_impls = fitted(indexer.trait_impls);
            facts.functions = fitted(indexer.functions);
            facts.consts = fitted(indexer.consts);
            facts.cypher_literals = fitted(indexer.cypher_literals);
            facts.role_mappings = fitted(indexer.roles.mappings);
            facts.permission_lists = fitted(indexer.roles.permission_lists);
            facts.views = indexer.views.facts;
            facts.imports = fitted(indexer.imports);
            let test_code = fitted(indexer.test_code);
            let mut module_links = indexer.module_links;
            for link in &mut module_links {
                link.test_only = test_code
                    .iter()
                    .any(|span| span.start <= link.span.start && link.span.end <= span.end);
            }
            facts.module_links = fitted(module_links);
            facts.test_code = test_code;
            name_aliased_literals(&mut facts);
        }
        Ok(Err(problem)) => facts.problem = Some(problem),
        Err(payload) => {
            proc_macro2::extra::invalidate_current_thread_spans();
            facts.internal_error = Some(panic_message(payload.as_ref()));
        }
    }
    facts
}

/// Struct literals written with a name that a `use … as` brings in are literals of the
/// imported type: after `use crate::services::LicenseAuditEntry as ServiceAuditEntry;`,
/// `ServiceAuditEntry { … }` is a `LicenseAuditEntry`, which is the name every rule looks
/// types, impls and patterns up by. Imports are kept per file, not per module, so a file
/// that also defines a type of the alias's name (in another `mod` of it) keeps the name
/// as written: the local type may be the one meant.
fn name_aliased_literals(facts: &mut FileFacts) {
    let aliases: Vec<(Name, Name)> = facts
        .imports
        .iter()
        .filter_map(|import| {
            let alias = import.name.as_ref()?;
            let imported = import.path.last()?;
            (alias != imported && !facts.types.iter().any(|def| def.name == alias.as_str()))
                .then(|| (alias.clone(), imported.clone()))
        })
        .collect();
    if aliases.is_empty() {
        return;
    }
    let text = facts.text.clone();
    for literal in facts
        .functions
        .iter_mut()
        .flat_map(|function| function.struct_literals.iter_mut())
    {
        // Only a path of the alias alone: in `alias::Type { … }` the alias is a module.
        let written = text.get(literal.path_span.range()).unwrap_or("");
        if let Some((_, imported)) = aliases.iter().find(|(alias, _)| alias == written) {
            literal.type_name = imported.clone();
        }
    }
}

/// syn drops a `#!` line and then reports positions relative to what is
/// left; blanking it instead keeps every offset true to the file.
pub(crate) fn without_shebang(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with("#!") && !text.starts_with("#![") {
        let end = text.find('\n').unwrap_or(text.len());
        let mut blanked = " ".repeat(end);
        blanked.push_str(&text[end..]);
        std::borrow::Cow::Owned(blanked)
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(message) = payload.downcast_ref::<&str>() {
        message.to_string()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        "panic with a non-string payload".to_string()
    }
}

/// How [`nesting_problem`] treats a byte: most are [`WORD`] or [`SPACE`] bytes.
const LOUD: u8 = 0;
const WORD: u8 = 1;
const SPACE: u8 = 2;
const QUIET_BYTES: [u8; 256] = {
    let mut classes = [LOUD; 256];
    let mut byte = 0;
    while byte < 256 {
        classes[byte] = match byte as u8 {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' => WORD,
            b' ' | b'\t' | b'\n' | b'\r' => SPACE,
            _ => LOUD,
        };
        byte += 1;
    }
    classes
};

/// A conservative estimate of how deep syn would recurse on this text:
/// bracket nesting, plus runs of `<` (generic types) and prefix operators.
/// Strings and comments are skipped by the same scanner suppressions use.
fn nesting_problem(text: &str) -> Option<FileProblem> {
    // Operators and postfix chains within one statement (`1 + 1 + …`,
    // `x.f().g()…`) parse in a loop but build a tree as deep as the chain is
    // long, which our visitors and the tree's drop then walk recursively.
    let mut chain_run: usize = 0;
    let mut chain_start = 0;
    let mut longest_chain = 0;
    let mut longest_chain_at = 0;
    let mut depth: usize = 0;
    let mut angle_run: usize = 0;
    let mut prefix_run: usize = 0;
    let mut deepest = 0;
    let mut deepest_at = 0;
    let mut previous = b' ';
    let bytes = text.as_bytes();
    let mut runs = suppression::code_runs(text).peekable();
    while let Some(run) = runs.next() {
        let after_run = runs.peek().map_or(b' ', |next_run| bytes[next_run.start]);
        let mut offset = run.start;
        while offset < run.end {
            // Most bytes are letters, digits and spaces, which change no count and cannot raise
            // the estimate (a word ends a prefix run): they are passed over in a tight loop, and
            // only the operator bytes go the long way.
            let quiet_end = bytes[offset..run.end]
                .iter()
                .position(|&byte| QUIET_BYTES[usize::from(byte)] == LOUD)
                .map_or(run.end, |quiet| offset + quiet);
            if let Some(&word) = bytes[offset..quiet_end]
                .iter()
                .rev()
                .find(|&&byte| QUIET_BYTES[usize::from(byte)] == WORD)
            {
                prefix_run = 0;
                previous = word;
            }
            offset = quiet_end;
            if offset == run.end {
                break;
            }
            let byte = bytes[offset];
            let next = if offset + 1 < run.end {
                bytes[offset + 1]
            } else {
                after_run
            };
            match byte {
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
            match byte {
                // `<<`, `<=`, `>=`, `->` and `=>` are operators, not generics. A
                // `>>` closes two generics (`Vec<Vec<u8>>`); as a shift it can only
                // lower the estimate.
                b'<' if next == b'<' || next == b'=' || previous == b'<' => {}
                b'>' if previous == b'=' => angle_run = 0,
                b'>' if previous == b'-' || next == b'=' => {}
                b'<' => angle_run += 1,
                b'>' => angle_run = angle_run.saturating_sub(1),
                b';' | b'{' | b'}' => angle_run = 0,
                _ => {}
            }
            match byte {
                b'!' | b'-' | b'*' | b'&' | b'|' => prefix_run += 1,
                _ => prefix_run = 0,
            }
            match byte {
                // `&&`, `||`, `..` and `->` are one operator, not two.
                b'|' | b'&' | b'.' if previous == byte => {}
                b'+' | b'-' | b'*' | b'/' | b'%' | b'^' | b'|' | b'&' | b'.' | b'?' => {
                    if chain_run == 0 {
                        chain_start = offset;
                    }
                    chain_run += 1;
                }
                b';' | b',' | b'{' | b'}' => chain_run = 0,
                _ => {}
            }
            if chain_run > longest_chain {
                longest_chain = chain_run;
                longest_chain_at = chain_start;
            }
            let estimate = depth + angle_run + prefix_run;
            if estimate > deepest {
                deepest = estimate;
                deepest_at = offset;
            }
            if !byte.is_ascii_whitespace() {
                previous = byte;
            }
            offset += 1;
        }
    }
    if longest_chain > MAX_CHAIN {
        return Some(FileProblem {
            message: format!(
                "an expression chains more than {MAX_CHAIN} operators in one statement; the file is not analysed, to keep the run safe"
            ),
            span: Span::new(longest_chain_at, longest_chain_at + 1),
        });
    }
    (deepest > MAX_NESTING).then(|| FileProblem {
        message: format!(
            "nesting is deeper than {MAX_NESTING} levels; the file is not analysed, to keep the run safe"
        ),
        span: Span::new(deepest_at, deepest_at + 1),
    })
}

#[derive(Default)]
struct Indexer {
    /// The file's text, to read literal tokens without decoding them.
    text: Arc<str>,
    items: Vec<ItemExtent>,
    types: Vec<TypeDef>,
    trait_impls: Vec<TraitImpl>,
    functions: Vec<FunctionDef>,
    consts: Vec<ConstDef>,
    cypher_literals: Vec<Span>,
    module_stack: Vec<Name>,
    /// `impl` blocks being visited: (self type, trait).
    impl_stack: Vec<(Option<String>, Option<String>)>,
    roles: roles::RoleCollector,
    views: views::ViewCollector,
    imports: Vec<Import>,
    module_links: Vec<modules::ModuleLink>,
    /// The folders the inline modules being visited stand for (see [`modules::ModuleLink`]).
    inline_dirs: Vec<String>,
    /// See [`FileFacts::test_code`].
    test_code: Vec<Span>,
    /// Macro arguments in function bodies, parsed by the body walker; each is
    /// taken out when this visitor reaches its macro.
    parsed_macros: functions::ParsedMacros,
}

impl Indexer {
    fn record_function(
        &mut self,
        attrs: &[syn::Attribute],
        sig: &syn::Signature,
        body: &syn::Block,
        item_span: Span,
    ) {
        let (impl_type, trait_name) = self.impl_stack.last().cloned().unwrap_or((None, None));
        let context = functions::FnContext {
            module_path: &self.module_stack,
            impl_type: impl_type.as_deref(),
            trait_name: trait_name.as_deref(),
        };
        let (def, parsed_macros) =
            functions::function_def_and_macros(&context, attrs, sig, body, item_span);
        self.functions.push(def);
        self.parsed_macros.extend(parsed_macros);
    }

    /// Tells the role collector about the function just recorded, from its facts (its name
    /// and return type are not converted twice).
    fn enter_recorded_fn(&mut self) {
        let recorded = self.functions.last();
        self.roles.enter_fn(
            recorded.map_or("", |def| def.name.as_str()),
            recorded.and_then(|def| def.return_type.as_ref()),
        );
    }

    fn record_const(&mut self, ident: &syn::Ident, expr: &syn::Expr, item: &impl quote::ToTokens) {
        self.consts.push(ConstDef {
            name: ident.to_string(),
            module_path: self.module_stack.clone(),
            impl_type: self.impl_stack.last().and_then(|(ty, _)| ty.clone()),
            span: span_of_tokens(item),
            value: crate::strings::str_expr(expr),
            int: functions::int_literal(expr),
        });
    }

    fn impl_type(&self) -> Option<String> {
        current_impl_type(&self.impl_stack).map(str::to_string)
    }

    /// Visits a `const`/`static` with the role collector told what it is named.
    fn visit_const_like(
        &mut self,
        ident: &syn::Ident,
        ty: &syn::Type,
        expr: &syn::Expr,
        visit_inner: impl FnOnce(&mut Self),
    ) {
        let mappings_before = self.roles.mappings.len();
        self.roles.enter_binding(&ident.to_string(), Some(ty));
        visit_inner(self);
        self.roles.leave_binding();
        let impl_type = self.impl_type();
        self.roles
            .record_const(ident, expr, mappings_before, impl_type.as_deref());
    }

    fn record_item(&mut self, kind: ItemKind, span: Span) {
        self.items.push(ItemExtent { kind, span });
    }
}

/// Attributes of a test function: the harness builds it only for `cargo test`/`bench`.
const TEST_FUNCTION_ATTRIBUTES: &[&str] = &["test", "rstest", "test_case", "bench"];

/// Whether attributes make their item test code: exactly `#[cfg(test)]`, or (on a
/// function) a test attribute, whatever crate it comes from (`#[tokio::test]`).
fn is_test_only(attrs: &[syn::Attribute], function: bool) -> bool {
    attrs.iter().any(|attr| {
        if attr.path().is_ident("cfg") {
            return attr
                .parse_args::<syn::Ident>()
                .is_ok_and(|predicate| predicate == "test");
        }
        function
            && attr.path().segments.last().is_some_and(|segment| {
                TEST_FUNCTION_ATTRIBUTES.contains(&segment.ident.to_string().as_str())
            })
    })
}

fn item_attributes(item: &syn::Item) -> Option<&[syn::Attribute]> {
    Some(match item {
        syn::Item::Const(item) => &item.attrs,
        syn::Item::Enum(item) => &item.attrs,
        syn::Item::ExternCrate(item) => &item.attrs,
        syn::Item::Fn(item) => &item.attrs,
        syn::Item::ForeignMod(item) => &item.attrs,
        syn::Item::Impl(item) => &item.attrs,
        syn::Item::Macro(item) => &item.attrs,
        syn::Item::Mod(item) => &item.attrs,
        syn::Item::Static(item) => &item.attrs,
        syn::Item::Struct(item) => &item.attrs,
        syn::Item::Trait(item) => &item.attrs,
        syn::Item::TraitAlias(item) => &item.attrs,
        syn::Item::Type(item) => &item.attrs,
        syn::Item::Union(item) => &item.attrs,
        syn::Item::Use(item) => &item.attrs,
        _ => return None,
    })
}

/// The type of the innermost `impl` block, borrowed from the stack rather than cloned, as
/// every method call, `match` and array asks for it.
fn current_impl_type(impl_stack: &[(Option<String>, Option<String>)]) -> Option<&str> {
    impl_stack.last().and_then(|(ty, _)| ty.as_deref())
}

impl<'ast> Visit<'ast> for Indexer {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let kind = match item {
            syn::Item::Fn(_) => ItemKind::Fn,
            syn::Item::Struct(_) => ItemKind::Struct,
            syn::Item::Enum(_) => ItemKind::Enum,
            syn::Item::Union(_) => ItemKind::Union,
            syn::Item::Impl(_) => ItemKind::Impl,
            syn::Item::Trait(_) => ItemKind::Trait,
            syn::Item::Mod(_) => ItemKind::Mod,
            syn::Item::Const(_) => ItemKind::Const,
            syn::Item::Static(_) => ItemKind::Static,
            syn::Item::Type(_) => ItemKind::TypeAlias,
            syn::Item::Macro(_) => ItemKind::Macro,
            syn::Item::Use(_) => ItemKind::Use,
            _ => ItemKind::Other,
        };
        let span = item_span(item);
        self.record_item(kind, span);
        let test_only = match item {
            syn::Item::Fn(function) => is_test_only(&function.attrs, true),
            other => item_attributes(other).is_some_and(|attrs| is_test_only(attrs, false)),
        };
        if test_only {
            self.test_code.push(span);
        }
        visit::visit_item(self, item);
    }

    fn visit_item_fn(&mut self, function: &'ast syn::ItemFn) {
        self.views.item_fn(function);
        let span = fn_item_span(function);
        self.record_function(&function.attrs, &function.sig, &function.block, span);
        self.enter_recorded_fn();
        visit::visit_item_fn(self, function);
        self.roles.leave_fn();
    }

    // Fields, variants and associated items carry suppressions among their attributes as
    // items do (R10); functions record their extent below.
    fn visit_field(&mut self, field: &'ast syn::Field) {
        self.record_item(ItemKind::Field, field_span(field));
        visit::visit_field(self, field);
    }

    fn visit_variant(&mut self, variant: &'ast syn::Variant) {
        self.record_item(ItemKind::Variant, variant_span(variant));
        visit::visit_variant(self, variant);
    }

    fn visit_impl_item(&mut self, item: &'ast syn::ImplItem) {
        let kind = match item {
            syn::ImplItem::Fn(_) => None, // recorded with the function
            syn::ImplItem::Const(_) => Some(ItemKind::Const),
            syn::ImplItem::Type(_) => Some(ItemKind::TypeAlias),
            syn::ImplItem::Macro(_) => Some(ItemKind::Macro),
            _ => Some(ItemKind::Other),
        };
        if let Some(kind) = kind {
            self.record_item(kind, impl_item_span(item));
        }
        visit::visit_impl_item(self, item);
    }

    fn visit_trait_item(&mut self, item: &'ast syn::TraitItem) {
        let kind = match item {
            syn::TraitItem::Fn(_) => None, // recorded with the function
            syn::TraitItem::Const(_) => Some(ItemKind::Const),
            syn::TraitItem::Type(_) => Some(ItemKind::TypeAlias),
            syn::TraitItem::Macro(_) => Some(ItemKind::Macro),
            _ => Some(ItemKind::Other),
        };
        if let Some(kind) = kind {
            self.record_item(kind, trait_item_span(item));
        }
        visit::visit_trait_item(self, item);
    }

    fn visit_impl_item_fn(&mut self, function: &'ast syn::ImplItemFn) {
        let span = impl_fn_span(function);
        self.record_item(ItemKind::Fn, span);
        if is_test_only(&function.attrs, true) {
            self.test_code.push(span);
        }
        self.record_function(&function.attrs, &function.sig, &function.block, span);
        self.enter_recorded_fn();
        visit::visit_impl_item_fn(self, function);
        self.roles.leave_fn();
    }

    fn visit_trait_item_fn(&mut self, function: &'ast syn::TraitItemFn) {
        let span = trait_fn_span(function);
        self.record_item(ItemKind::Fn, span);
        match &function.default {
            Some(body) => {
                self.record_function(&function.attrs, &function.sig, body, span);
                self.enter_recorded_fn();
            }
            None => {
                let returns = functions::return_type(&function.sig);
                self.roles
                    .enter_fn(&function.sig.ident.to_string(), returns.as_ref());
            }
        }
        visit::visit_trait_item_fn(self, function);
        self.roles.leave_fn();
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        let name = match &local.pat {
            syn::Pat::Ident(ident) => Some(ident.ident.to_string()),
            syn::Pat::Type(typed) => match &*typed.pat {
                syn::Pat::Ident(ident) => Some(ident.ident.to_string()),
                _ => None,
            },
            _ => None,
        };
        let ty = match &local.pat {
            syn::Pat::Type(typed) => Some(&*typed.ty),
            _ => None,
        };
        self.roles
            .enter_binding(name.as_deref().unwrap_or_default(), ty);
        visit::visit_local(self, local);
        self.roles.leave_binding();
    }

    fn visit_expr_match(&mut self, expr: &'ast syn::ExprMatch) {
        self.roles
            .match_expr(expr, current_impl_type(&self.impl_stack));
        self.views.match_expr(expr);
        visit::visit_expr_match(self, expr);
    }

    fn visit_expr_array(&mut self, expr: &'ast syn::ExprArray) {
        self.roles.table(
            &expr.elems,
            || span_of_tokens(expr),
            current_impl_type(&self.impl_stack),
        );
        visit::visit_expr_array(self, expr);
    }

    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        self.roles
            .method_call(call, current_impl_type(&self.impl_stack));
        visit::visit_expr_method_call(self, call);
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        collect_imports(&item.tree, &mut Vec::new(), &mut self.imports);
    }

    fn visit_item_mod(&mut self, module: &'ast syn::ItemMod) {
        let (paths, default) = modules::path_attributes(&module.attrs);
        if module.content.is_none() {
            self.module_links.push(modules::ModuleLink {
                kind: modules::LinkKind::Mod {
                    name: ident_name(&module.ident),
                    paths,
                    default,
                },
                inline_dirs: self.inline_dirs.clone(),
                span: span_of_tokens(module),
                test_only: false,
            });
            return;
        }
        let dir = paths.into_iter().next().unwrap_or_else(|| {
            module
                .ident
                .to_string()
                .trim_start_matches("r#")
                .to_string()
        });
        self.inline_dirs.push(dir);
        self.module_stack.push(ident_name(&module.ident));
        visit::visit_item_mod(self, module);
        self.module_stack.pop();
        self.inline_dirs.pop();
    }

    fn visit_item_macro(&mut self, item: &'ast syn::ItemMacro) {
        modules::links_in_tokens(
            item.mac.tokens.clone(),
            &self.inline_dirs,
            &mut self.module_links,
        );
        visit::visit_item_macro(self, item);
    }

    fn visit_item_const(&mut self, item: &'ast syn::ItemConst) {
        self.record_const(&item.ident, &item.expr, item);
        self.visit_const_like(&item.ident, &item.ty, &item.expr, |indexer| {
            visit::visit_item_const(indexer, item)
        });
    }

    fn visit_item_static(&mut self, item: &'ast syn::ItemStatic) {
        self.record_const(&item.ident, &item.expr, item);
        self.visit_const_like(&item.ident, &item.ty, &item.expr, |indexer| {
            visit::visit_item_static(indexer, item)
        });
    }

    fn visit_impl_item_const(&mut self, item: &'ast syn::ImplItemConst) {
        self.record_const(&item.ident, &item.expr, item);
        self.visit_const_like(&item.ident, &item.ty, &item.expr, |indexer| {
            visit::visit_impl_item_const(indexer, item)
        });
    }

    fn visit_lit_str(&mut self, literal: &'ast syn::LitStr) {
        // Decoding every literal to read its first word cost more than the rest of this
        // visitor; the token in the file rules most out (messages, keys, templates).
        let span = span_of(literal.span());
        let token = self.text.get(span.range()).unwrap_or_default();
        if crate::cypher::literal_may_be_cypher(token)
            && match crate::cypher::literal::undecoded_value(token) {
                Some(value) => crate::cypher::looks_like_cypher(value),
                None => crate::cypher::looks_like_cypher(&literal.value()),
            }
        {
            self.cypher_literals.push(span);
        }
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.views.macro_call(mac);
        if let Some(path) = modules::include_path(mac) {
            self.module_links.push(modules::ModuleLink {
                kind: modules::LinkKind::Include { path },
                inline_dirs: self.inline_dirs.clone(),
                span: span_of_tokens(mac),
                test_only: false,
            });
        }
        // Macro bodies are tokens to syn; strings in `concat!`/`format!`/`vec!` may be queries.
        let args = match self.parsed_macros.remove(&functions::macro_key(mac)) {
            Some(parsed) => parsed,
            None => mac
                .parse_body_with(Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
                .ok(),
        };
        if let Some(args) = args {
            if mac.path.is_ident("vec") {
                // `vec![(role, perms), …]` is a table like `[(role, perms), …]`.
                self.roles.table(
                    &args,
                    || span_of_tokens(mac),
                    current_impl_type(&self.impl_stack),
                );
            }
            for arg in &args {
                self.visit_expr(arg);
            }
        }
    }

    fn visit_item_struct(&mut self, item: &'ast syn::ItemStruct) {
        self.types.push(TypeDef {
            name: item.ident.to_string(),
            kind: TypeKind::Struct,
            name_span: ident_span(&item.ident),
            derives: derives(&item.attrs),
            fields: fields(&item.fields),
            variants: Vec::new(),
            error_message: error_message(&item.attrs),
        });
        self.views.item_struct(item);
        visit::visit_item_struct(self, item);
    }

    fn visit_item_enum(&mut self, item: &'ast syn::ItemEnum) {
        let variants = functions::exact(item.variants.iter().map(|variant| VariantDef {
            name: variant.ident.to_string(),
            name_span: ident_span(&variant.ident),
            fields: fields(&variant.fields),
            error_message: error_message(&variant.attrs),
        }));
        self.types.push(TypeDef {
            name: item.ident.to_string(),
            kind: TypeKind::Enum,
            name_span: ident_span(&item.ident),
            derives: derives(&item.attrs),
            fields: Vec::new(),
            variants,
            error_message: None,
        });
        self.views.item_enum(item);
        visit::visit_item_enum(self, item);
    }

    fn visit_item_impl(&mut self, item: &'ast syn::ItemImpl) {
        let trait_name = item
            .trait_
            .as_ref()
            .and_then(|(_, path, _)| path.segments.last())
            .map(|s| s.ident.to_string());
        self.impl_stack.push((type_name(&item.self_ty), trait_name));
        self.record_trait_impl(item);
        visit::visit_item_impl(self, item);
        self.impl_stack.pop();
    }
}

impl Indexer {
    fn record_trait_impl(&mut self, item: &syn::ItemImpl) {
        if let (Some((_, trait_path, _)), Some(self_type)) =
            (&item.trait_, type_name(&item.self_ty))
        {
            if let Some(trait_name) = trait_path.segments.last() {
                let mut reads = SelfFieldReads::default();
                for impl_item in &item.items {
                    reads.visit_impl_item(impl_item);
                }
                let mut self_field_reads = reads.fields;
                self_field_reads.sort();
                self_field_reads.dedup();
                self.trait_impls.push(TraitImpl {
                    trait_name: trait_name.ident.to_string(),
                    self_type,
                    span: crate::source::path_span(trait_path)
                        .cover(crate::source::type_span(&item.self_ty)),
                    self_field_reads,
                });
            }
        }
    }
}

/// The `thiserror` message of an item: `#[error("tenant {0} not found")]`
/// gives its text, `#[error(transparent)]` gives `transparent`.
fn error_message(attrs: &[syn::Attribute]) -> Option<String> {
    let attr = attrs.iter().find(|attr| attr.path().is_ident("error"))?;
    let syn::Meta::List(list) = &attr.meta else {
        return None;
    };
    let first = list.tokens.clone().into_iter().next()?;
    match syn::parse2::<syn::Lit>(first.clone().into()) {
        Ok(syn::Lit::Str(text)) => Some(text.value()),
        _ => match first {
            proc_macro2::TokenTree::Ident(ident) => Some(ident.to_string()),
            _ => None,
        },
    }
}

/// `prefix` and then `last`, in a vector of exactly that length: every import is kept.
fn prefix_then(prefix: &[Name], last: Name) -> Vec<Name> {
    let mut path = Vec::with_capacity(prefix.len() + 1);
    path.extend_from_slice(prefix);
    path.push(last);
    path
}

/// The names a `use` tree imports; `prefix` is the path down to `tree`.
fn collect_imports(tree: &syn::UseTree, prefix: &mut Vec<Name>, out: &mut Vec<Import>) {
    // A `use` tree nests as deep as its braces, which the nesting check bounds.
    match tree {
        syn::UseTree::Path(path) => {
            prefix.push(ident_name(&path.ident));
            collect_imports(&path.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(name) => {
            let ident = ident_name(&name.ident);
            // `use a::b::{self}` imports `b`.
            let (name, path) = if ident == "self" {
                (prefix.last().cloned(), prefix.clone())
            } else {
                (Some(ident.clone()), prefix_then(prefix, ident))
            };
            if name.is_some() {
                out.push(Import { name, path });
            }
        }
        syn::UseTree::Rename(rename) => {
            let ident = ident_name(&rename.ident);
            let path = if ident == "self" {
                prefix.clone()
            } else {
                prefix_then(prefix, ident)
            };
            out.push(Import {
                name: Some(ident_name(&rename.rename)),
                path,
            });
        }
        syn::UseTree::Glob(_) => out.push(Import {
            name: None,
            path: prefix.clone(),
        }),
        syn::UseTree::Group(group) => {
            for item in &group.items {
                collect_imports(item, prefix, out);
            }
        }
    }
}

fn type_name(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(path) => path
            .path
            .segments
            .last()
            .map(|segment| segment.ident.to_string()),
        syn::Type::Reference(reference) => type_name(&reference.elem),
        _ => None,
    }
}

fn fields(fields: &syn::Fields) -> Vec<FieldDef> {
    functions::exact(fields.iter().map(|field| {
        let start_token = match (&field.vis, &field.ident) {
            (syn::Visibility::Inherited, Some(ident)) => ident_span(ident),
            (syn::Visibility::Inherited, None) => crate::source::type_span(&field.ty),
            (vis, _) => span_of_tokens(vis),
        };
        FieldDef {
            name: field.ident.as_ref().map(ToString::to_string),
            ty: TypeRef::from_syn(&field.ty),
            serde: serde_field(&field.attrs),
            span: start_token.cover(crate::source::type_span(&field.ty)),
            attribute_insert_at: start_token.start,
            doc: first_doc_line(&field.attrs),
        }
    }))
}

/// The first non-empty line of the `///` (or `#[doc = "…"]`) comment among `attrs`.
fn first_doc_line(attrs: &[syn::Attribute]) -> Option<Box<str>> {
    attrs.iter().find_map(|attr| {
        if !attr.path().is_ident("doc") {
            return None;
        }
        let syn::Meta::NameValue(name_value) = &attr.meta else {
            return None;
        };
        let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(text),
            ..
        }) = &name_value.value
        else {
            return None;
        };
        let value = text.value();
        let line = value.lines().map(str::trim).find(|line| !line.is_empty())?;
        Some(line.chars().take(200).collect::<String>().into_boxed_str())
    })
}

/// `#[derive(...)]`, also inside `#[cfg_attr(predicate, derive(...))]`.
fn derives(attrs: &[syn::Attribute]) -> Vec<Derive> {
    let mut found = Vec::new();
    for attr in attrs {
        if attr.path().is_ident("derive") {
            collect_derive_list(&attr.meta, &mut found);
        } else if attr.path().is_ident("cfg_attr") {
            let nested =
                attr.parse_args_with(Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated);
            if let Ok(nested) = nested {
                for meta in nested.iter().skip(1) {
                    if meta.path().is_ident("derive") {
                        collect_derive_list(meta, &mut found);
                    }
                }
            }
        }
    }
    found
}

fn collect_derive_list(meta: &syn::Meta, found: &mut Vec<Derive>) {
    let syn::Meta::List(list) = meta else { return };
    let paths = list.parse_args_with(Punctuated::<syn::Path, syn::Token![,]>::parse_terminated);
    for path in paths.into_iter().flatten() {
        if let Some(last) = path.segments.last() {
            found.push(Derive {
                name: last.ident.to_string(),
                span: crate::source::path_span(&path),
            });
        }
    }
}

fn serde_field(attrs: &[syn::Attribute]) -> SerdeField {
    let mut serde = SerdeField::default();
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("serde")) {
        // A malformed serde attribute is serde's problem to report; keep what parsed.
        let _ = attr.parse_nested_meta(|meta| {
            let key = meta
                .path
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            match key.as_str() {
                "skip" => serde.skip = true,
                "skip_serializing" => serde.skip_serializing = true,
                "flatten" => serde.flatten = true,
                "serialize_with" | "with" | "rename" => {
                    if meta.input.peek(syn::Token![=]) {
                        let value: syn::LitStr = meta.value()?.parse()?;
                        let value = Some(value.value());
                        match key.as_str() {
                            "serialize_with" => serde.serialize_with = value,
                            "with" => serde.with = value,
                            _ => serde.rename = value,
                        }
                    } else {
                        // `rename(serialize = "…", deserialize = "…")`
                        meta.parse_nested_meta(|inner| {
                            let value: syn::LitStr = inner.value()?.parse()?;
                            if inner.path.is_ident("serialize") {
                                serde.rename = Some(value.value());
                            }
                            Ok(())
                        })?;
                    }
                }
                _ => skip_meta_value(&meta)?,
            }
            Ok(())
        });
    }
    serde
}

fn skip_meta_value(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        let _: syn::Expr = meta.value()?.parse()?;
    } else if meta.input.peek(syn::token::Paren) {
        let _group: proc_macro2::TokenTree = meta.input.parse()?;
    }
    Ok(())
}

/// Methods whose result says nothing about the value they are called on.
const NON_REVEALING_METHODS: &[&str] =
    &["is_some", "is_none", "is_empty", "len", "is_ok", "is_err"];

#[derive(Default)]
struct SelfFieldReads {
    fields: Vec<String>,
}

fn self_field(expr: &syn::Expr) -> Option<String> {
    match expr {
        syn::Expr::Field(field) => self_field_of(field),
        _ => None,
    }
}

/// A `self` field behind borrowing views: `self.password.as_ref()`.
fn self_field_through_views(expr: &syn::Expr) -> Option<String> {
    match expr {
        syn::Expr::MethodCall(call)
            if call.args.is_empty()
                && matches!(
                    call.method.to_string().as_str(),
                    "as_ref" | "as_deref" | "as_mut" | "as_deref_mut"
                ) =>
        {
            self_field_through_views(&call.receiver)
        }
        syn::Expr::Reference(reference) => self_field_through_views(&reference.expr),
        syn::Expr::Paren(paren) => self_field_through_views(&paren.expr),
        other => self_field(other),
    }
}

fn self_field_of(field: &syn::ExprField) -> Option<String> {
    let syn::Expr::Path(base) = &*field.base else {
        return None;
    };
    if !base.path.is_ident("self") {
        return None;
    }
    match &field.member {
        syn::Member::Named(ident) => Some(ident.to_string()),
        syn::Member::Unnamed(index) => Some(index.index.to_string()),
    }
}

impl<'ast> Visit<'ast> for SelfFieldReads {
    fn visit_expr_field(&mut self, expr: &'ast syn::ExprField) {
        if let Some(name) = self_field_of(expr) {
            self.fields.push(name);
        }
        visit::visit_expr_field(self, expr);
    }

    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        let method = call.method.to_string();
        if self_field(&call.receiver).is_some() && NON_REVEALING_METHODS.contains(&method.as_str())
        {
            for arg in &call.args {
                self.visit_expr(arg);
            }
            return;
        }
        // `self.password.as_ref().map(|_| "[REDACTED]")`: the value is dropped
        // unread, only whether there is one shows.
        if method == "map"
            && self_field_through_views(&call.receiver).is_some()
            && call.args.len() == 1
            && matches!(call.args.first(), Some(syn::Expr::Closure(closure))
                if closure.inputs.iter().all(|input| matches!(input, syn::Pat::Wild(_))))
        {
            for arg in &call.args {
                self.visit_expr(arg);
            }
            return;
        }
        visit::visit_expr_method_call(self, call);
    }

    fn visit_pat_struct(&mut self, pat: &'ast syn::PatStruct) {
        for field in &pat.fields {
            if matches!(&*field.pat, syn::Pat::Wild(_)) {
                continue;
            }
            if let syn::Member::Named(ident) = &field.member {
                self.fields.push(ident.to_string());
            }
        }
        visit::visit_pat_struct(self, pat);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        // `write!(f, "{}", self.password)`: macro arguments are plain tokens to syn.
        if let Ok(args) =
            mac.parse_body_with(Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
        {
            for arg in &args {
                self.visit_expr(arg);
            }
        }
    }
}

/// The whole analysed workspace: every file's facts, with cross-file lookups.
#[derive(Debug, Default)]
pub struct Workspace {
    pub files: Vec<FileFacts>,
    /// What the compiler builds each file for, one per file (see [`modules::resolve`]);
    /// every file counts as compiled until the shell says otherwise.
    pub roles: Vec<modules::FileRole>,
    /// Modules the compiler would load from outside the workspace root: not analysed.
    pub outside_links: Vec<modules::OutsideLink>,
    types_by_name: HashMap<String, Vec<(FileId, usize)>>,
    impls_by_type: HashMap<String, Vec<(FileId, usize)>>,
    permission_lists_by_name: HashMap<String, Vec<(FileId, usize)>>,
}

impl Workspace {
    pub fn new(files: Vec<FileFacts>) -> Self {
        let mut types_by_name: HashMap<String, Vec<(FileId, usize)>> = HashMap::new();
        let mut impls_by_type: HashMap<String, Vec<(FileId, usize)>> = HashMap::new();
        let mut permission_lists_by_name: HashMap<String, Vec<(FileId, usize)>> = HashMap::new();
        for (file_id, file) in files.iter().enumerate() {
            for (i, list) in file.permission_lists.iter().enumerate() {
                permission_lists_by_name
                    .entry(list.name.clone())
                    .or_default()
                    .push((file_id, i));
            }
            for (i, ty) in file.types.iter().enumerate() {
                types_by_name
                    .entry(ty.name.clone())
                    .or_default()
                    .push((file_id, i));
            }
            for (i, imp) in file.trait_impls.iter().enumerate() {
                impls_by_type
                    .entry(imp.self_type.clone())
                    .or_default()
                    .push((file_id, i));
            }
        }
        Workspace {
            roles: vec![modules::FileRole::Compiled; files.len()],
            outside_links: Vec::new(),
            files,
            types_by_name,
            impls_by_type,
            permission_lists_by_name,
        }
    }

    /// The workspace with the roles and outside links of its module tree.
    pub fn with_module_tree(mut self, tree: modules::ModuleTree) -> Self {
        if tree.roles.len() == self.files.len() {
            self.roles = tree.roles;
        }
        self.outside_links = tree.outside;
        self
    }

    /// Whether the code at `offset` of a file is test code (RULES.md R6): the file is
    /// reached only from test and bench targets, or the item there is test-only.
    pub fn is_test_code(&self, file: FileId, offset: u32) -> bool {
        self.role(file) == modules::FileRole::TestOnly
            || self
                .files
                .get(file)
                .is_some_and(|facts| facts.is_test_code(offset))
    }

    /// What the compiler builds a file for.
    pub fn role(&self, id: FileId) -> modules::FileRole {
        self.roles
            .get(id)
            .copied()
            .unwrap_or(modules::FileRole::Compiled)
    }

    /// `const`/`static` permission lists with this name, anywhere in the workspace.
    pub fn permission_lists_named<'a>(
        &'a self,
        name: &str,
    ) -> impl Iterator<Item = (FileId, &'a PermissionList)> + 'a {
        self.permission_lists_by_name
            .get(name)
            .into_iter()
            .flatten()
            .map(|&(file, i)| (file, &self.files[file].permission_lists[i]))
    }

    pub fn file(&self, id: FileId) -> &FileFacts {
        &self.files[id]
    }

    /// Type definitions with this name, anywhere in the workspace.
    pub fn types_named<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a TypeDef> + 'a {
        self.types_by_name
            .get(name)
            .into_iter()
            .flatten()
            .map(|&(file, i)| &self.files[file].types[i])
    }

    /// Type definitions with this name and the files they are in.
    pub fn type_defs_named<'a>(
        &'a self,
        name: &str,
    ) -> impl Iterator<Item = (FileId, &'a TypeDef)> + 'a {
        self.types_by_name
            .get(name)
            .into_iter()
            .flatten()
            .map(|&(file, i)| (file, &self.files[file].types[i]))
    }

    /// `impl Trait for Type` blocks for a type name, anywhere in the workspace.
    pub fn trait_impls_for<'a>(
        &'a self,
        type_name: &str,
        trait_name: &'a str,
    ) -> impl Iterator<Item = (FileId, &'a TraitImpl)> + 'a {
        self.impls_by_type
            .get(type_name)
            .into_iter()
            .flatten()
            .map(|&(file, i)| (file, &self.files[file].trait_impls[i]))
            .filter(move |(_, imp)| imp.trait_name == trait_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(source: &str) -> FileFacts {
        index_file("src/lib.rs".into(), source.into())
    }

    #[test]
    fn test_code_is_what_only_the_test_harness_builds() {
        let facts = index(
            r#"fn production() {}
#[cfg(test)]
mod tests { fn helper() {} }
#[test]
fn unit() {}
#[tokio::test]
async fn integration() {}
#[cfg(any(test, feature = "fixtures"))]
fn shared() {}
#[cfg(not(test))]
fn not_test() {}
mod tests_by_name { fn helper() {} }
#[cfg(test)]
mod support;
mod api;
impl Server { #[test] fn method_test() {} fn method() {} }
"#,
        );
        let test_functions: Vec<&str> = facts
            .functions
            .iter()
            .filter(|function| facts.is_test_code(function.span.start))
            .map(|function| function.name.as_str())
            .collect();
        assert_eq!(
            test_functions,
            ["helper", "unit", "integration", "method_test"]
        );
        let test_links: Vec<bool> = facts
            .module_links
            .iter()
            .map(|link| link.test_only)
            .collect();
        assert_eq!(test_links, [true, false]);
    }

    /// The look at a literal's token never rules out a literal that reads as Cypher: every
    /// clause keyword, in any case, after whitespace, comments and escapes, plain or raw.
    #[test]
    fn literal_look_ahead_keeps_every_query() {
        use crate::cypher::literal_may_be_cypher;
        let keywords = [
            "MATCH",
            "UNWIND",
            "WITH",
            "CALL",
            "RETURN",
            "FOREACH",
            "USE",
            "CREATE",
            "MERGE",
            "OPTIONAL MATCH",
            "LOAD CSV",
        ];
        let mut values = Vec::new();
        for keyword in keywords {
            for word in [keyword.to_owned(), keyword.to_lowercase()] {
                for lead in ["", "  ", "\n\t ", "\u{a0}", "// c\n", "/* c */ "] {
                    values.push(format!("{lead}{word} (n) RETURN n"));
                }
            }
        }
        values
            .extend(["SELECT 1", "user logged in", "", "{} items", "42", "-- x"].map(String::from));
        let mut queries = 0;
        for value in &values {
            for token in [format!("{value:?}"), format!("r#\"{value}\"#")] {
                let literal: syn::LitStr = syn::parse_str(&token).unwrap();
                let cypher = crate::cypher::looks_like_cypher(&literal.value());
                queries += usize::from(cypher);
                assert!(!cypher || literal_may_be_cypher(&token), "{token}");
            }
        }
        assert!(queries > 200, "{queries}");
        // An escape first: the decoded text decides.
        assert!(literal_may_be_cypher(r#""\u{4d}ATCH (n)""#));
        assert!(literal_may_be_cypher(r#""MA\u{54}CH (n)""#));
        for token in [
            r#""SELECT 1""#,
            r#""Failed to load tenant""#,
            r#""matches: {}""#,
            r#""""#,
            r#""42""#,
        ] {
            assert!(!literal_may_be_cypher(token), "{token}");
        }
    }

    #[test]
    fn cypher_literals_found_through_escapes_and_raw_strings() {
        let facts = index(
            r##"
            //! Failed to load
            //! MATCH (n) RETURN n
            const A: &str = "\nMATCH (t:Tenant) RETURN t";
            const B: &str = r#"  // why
                CREATE (n:Note)"#;
            const C: &str = "\u{4d}ATCH (n) RETURN n";
            const D: &str = "match made in heaven";
            const E: &str = "user logged in";
            /// MATCH (n) RETURN n
            /** CREATE (n) */
            struct Documented;
            "##,
        );
        let found: Vec<&str> = facts
            .cypher_literals
            .iter()
            .map(|span| &facts.text[span.range()])
            .collect();
        assert_eq!(
            found,
            [
                "//! MATCH (n) RETURN n",
                "\"\\nMATCH (t:Tenant) RETURN t\"",
                "r#\"  // why\n                CREATE (n:Note)\"#",
                "\"\\u{4d}ATCH (n) RETURN n\"",
                "\"match made in heaven\"",
                "/// MATCH (n) RETURN n",
                "/** CREATE (n) */",
            ]
        );
    }

    #[test]
    fn collects_fields_derives_and_serde_attributes() {
        let facts = index(
            r#"
            #[derive(Debug, serde::Serialize)]
            #[cfg_attr(feature = "x", derive(Clone))]
            pub struct Settings {
                #[serde(rename = "apiKey", skip_serializing_if = "Option::is_none")]
                pub api_key: Option<String>,
                #[serde(skip_serializing)]
                password: String,
                #[serde(serialize_with = "redact")]
                token: String,
            }
            "#,
        );
        assert_eq!(facts.problem, None);
        let ty = &facts.types[0];
        let derive_names: Vec<_> = ty.derives.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(derive_names, ["Debug", "Serialize", "Clone"]);
        assert_eq!(ty.fields[0].serde.rename.as_deref(), Some("apiKey"));
        assert!(!ty.fields[0].serde.never_serialized());
        assert_eq!(ty.fields[0].ty.name(), Some("Option"));
        assert_eq!(ty.fields[0].ty.args()[0].name(), Some("String"));
        assert!(ty.fields[1].serde.skip_serializing);
        assert_eq!(ty.fields[2].serde.serialize_with.as_deref(), Some("redact"));
        let span = ty.fields[0].span;
        assert_eq!(&facts.text[span.range()], "pub api_key: Option<String>");
    }

    #[test]
    fn trait_impls_record_revealing_self_field_reads_only() {
        let facts = index(
            r#"
            impl std::fmt::Debug for Settings {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    write!(f, "{} {}", self.name, self.password.is_some())?;
                    let Self { region, token: _, .. } = self;
                    f.debug_struct("S").field("key", &self.api_key.len())
                        .field("pass", &self.pass.as_ref().map(|_| format_args!("***")))
                        .field("user", &self.user.as_ref().map(|u| u.len()))
                        .finish()
                }
            }
            "#,
        );
        let imp = &facts.trait_impls[0];
        assert_eq!(imp.trait_name, "Debug");
        assert_eq!(imp.self_type, "Settings");
        assert_eq!(imp.self_field_reads, ["name", "region", "user"]);
    }

    #[test]
    fn imports_expand_names_to_their_paths() {
        let facts = index(
            "use redis::{aio::ConnectionManager, Commands as _, self};\nuse moka::future::Cache as MokaCache;\nuse fred::prelude::*;\nfn f() { use std::collections::HashMap; }",
        );
        let expand = |name: &str| facts.expand_path(&[Name::from(name)]).join("::");
        assert_eq!(expand("ConnectionManager"), "redis::aio::ConnectionManager");
        assert_eq!(expand("MokaCache"), "moka::future::Cache");
        assert_eq!(expand("redis"), "redis");
        assert_eq!(expand("HashMap"), "std::collections::HashMap");
        assert_eq!(expand("Client"), "Client");
        let globs: Vec<String> = facts.glob_imports().map(|path| path.join("::")).collect();
        assert_eq!(globs, ["fred::prelude"]);
    }

    #[test]
    fn literals_through_a_use_alias_take_the_imported_name() {
        let literal_names = |source: &str| -> Vec<String> {
            index(source).functions[0]
                .struct_literals
                .iter()
                .map(|literal| literal.type_name.to_string())
                .collect()
        };
        assert_eq!(
            literal_names(
                "use crate::services::LicenseAuditEntry as ServiceAuditEntry;\nuse crate::services as svc;\nfn f() { ServiceAuditEntry { a: 1 }; svc::LicenseAuditEntry { a: 1 }; svc::ServiceAuditEntry { a: 1 }; LicenseAuditEntry { a: 1 }; }"
            ),
            ["LicenseAuditEntry", "LicenseAuditEntry", "ServiceAuditEntry", "LicenseAuditEntry"]
        );
        // A type of the alias's name defined in the file may be the one meant.
        assert_eq!(
            literal_names(
                "fn f() { ServiceAuditEntry { a: 1 }; }\npub struct ServiceAuditEntry { a: u8 }\nmod old { use crate::services::LicenseAuditEntry as ServiceAuditEntry; }"
            ),
            ["ServiceAuditEntry"]
        );
    }

    #[test]
    fn parse_errors_point_at_syn_error() {
        let facts = index("fn main() {\n    let x = ;\n}\n");
        let problem = facts.problem.clone().expect("a parse error");
        assert_eq!(problem.message, "expected an expression");
        assert_eq!(facts.line_col(problem.span.start).line, 2);
    }

    #[test]
    fn refuses_nesting_that_could_overflow_the_stack() {
        let deep_parens = format!(
            "fn f() {{ let x = {}1{}; }}",
            "(".repeat(100_000),
            ")".repeat(100_000)
        );
        let deep_generics = format!("type T = {}u8{};", "Vec<".repeat(5_000), ">".repeat(5_000));
        let deep_unary = format!("fn f() {{ let x = {}y; }}", "!".repeat(100_000));
        // Literals and comments between the brackets do not hide them.
        let deep_between_literals = format!(
            "fn f() {{ let x = {}1{}; }}",
            "( \"a\" /* b */ 'c', r#\"d\"#, ".repeat(1_000),
            ")".repeat(1_000)
        );
        let spaced_unary = format!("fn f() {{ let x = {}y; }}", "! - * ".repeat(200));
        for source in [
            deep_parens,
            deep_generics,
            deep_unary,
            deep_between_literals,
            spaced_unary,
        ] {
            let problem = index(&source).problem.expect("refused");
            assert!(
                problem
                    .message
                    .starts_with("nesting is deeper than 512 levels"),
                "{}",
                problem.message
            );
        }
        let chain_through_literals =
            format!("fn f() {{ let x = {}1; }}", "\"a\".len() + ".repeat(600));
        let problem = index(&chain_through_literals).problem.expect("refused");
        assert!(problem
            .message
            .starts_with("an expression chains more than 512 operators"));
        // Ordinary code with long flat runs is analysed.
        let flat = format!("fn f() {{ {} }}", "let a = (1) + (2);\n".repeat(10_000));
        assert_eq!(index(&flat).problem, None);
        let many_fields = format!(
            "struct S {{ {} }}",
            "a: Vec<Vec<u8>>, b: Option<&'static str>,\n".repeat(1_000)
        );
        assert_eq!(index(&many_fields).problem, None);
        let shifts = format!(
            "const FLAGS: [u64; 1000] = [{}];",
            "1 << 3, 1 >> 2, (x < y) as u64, a <= b,".repeat(250)
        );
        assert_eq!(index(&shifts).problem, None);
        let match_arms = format!(
            "fn f(x: u8) {{ match x {{ {} _ => {{}} }} }}",
            "n if n < 5 => {}\n".repeat(1_000)
        );
        assert_eq!(index(&match_arms).problem, None);
    }
}
