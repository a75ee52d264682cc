//! The workspace index: one pass over each parsed file collects the facts
//! rules need, as plain data. Syntax trees are dropped right after; rules
//! query these facts and never walk files themselves.

pub mod functions;
mod guard;
mod lex_error;
pub mod macros;
pub mod modules;
pub mod roles;
pub mod routers;
pub mod skeleton;
pub mod views;

pub use functions::{
    Amount, ArgFact, BlockKind, CallSite, Callee, Comparison, ConstDef, EventFact, EventField,
    FieldInit, FunctionDef, IterFact, IterKind, LetFact, Param, PlaceRead, StructLiteral,
    StructRest, TypeLookup,
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
                let segments = crate::names::segment_names(&path.path);
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
            syn::Type::Tuple(tuple) => TypeRef::Tuple(crate::names::exact(
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
    /// `#[graphql(skip)]` / `#[graphql(skip_output)]`: left out of a GraphQL object.
    pub graphql_skip: bool,
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
    /// `macro_rules!` definitions whose `key = value` arguments reach other field names.
    pub macro_keys: Vec<macros::MacroKeys>,
    pub directives: Vec<Directive>,
    /// Components, view bodies, routes and templates.
    pub views: views::ViewFacts,
    /// Router chains and tonic interceptors: which handlers run behind which middleware.
    pub routers: routers::RouterFacts,
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

pub use guard::{MAX_DEPTH, MAX_FILE_TOKENS, MAX_ITEM_TOKENS};

/// How far from the top of a file a `@generated` marker is looked for.
const GENERATED_MARKER_LINES: usize = 10;

/// The most stack a file may need (by the guard's bound) to be indexed on the calling thread:
/// every thread has this much to spare (a spawned thread gets 2 MiB unless told otherwise).
/// A file that needs more is indexed on a thread of its own, given twice what it needs.
const IN_PLACE_STACK: usize = 512 * 1024;

/// Parses and indexes one file. Never panics out: a failure inside the
/// indexer becomes `internal_error`. Safe on any thread: a file nested too deep for the
/// parser's stack is refused before it is parsed, and one nested deeper than the calling
/// thread's stack is sure to hold is parsed on a thread with a stack that fits.
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
    match syntax_facts(&text, &facts.line_index, &facts.module_path, false) {
        Ok(syntax) => {
            syntax.fill(&mut facts);
            name_aliased_literals(&mut facts);
        }
        Err(Failure::Problem(problem)) => facts.problem = Some(problem),
        Err(Failure::Internal(message)) => facts.internal_error = Some(message),
    }
    facts
}

/// Why a Rust file has no syntax facts.
enum Failure {
    /// Not Rust the tool can read, or beyond its limits (PS000).
    Problem(FileProblem),
    /// A failure of the indexer itself (PS003).
    Internal(String),
}

/// What a step of indexing ends with.
enum Indexed {
    Facts(Box<SyntaxFacts>),
    Refused(FileProblem),
    /// The file needs this many bytes of stack, more than the calling thread is sure to have.
    NeedsStack(usize),
}

/// Lexes, measures, parses and indexes a file's text, on a thread of its own when its nesting
/// needs more stack than the calling thread is sure to have (`own_thread` is set on that one).
fn syntax_facts(
    text: &Arc<str>,
    lines: &LineIndex,
    module_path: &[Name],
    own_thread: bool,
) -> Result<SyntaxFacts, Failure> {
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // Every span is turned into offsets before the invalidation below.
        with_fast_spans(text, lines, || {
            let source = crate::source::without_shebang(text);
            let stream = match source.parse::<proc_macro2::TokenStream>() {
                Ok(stream) => stream,
                Err(error) => return Indexed::Refused(lex_error::explain(&source, lines, &error)),
            };
            let measured = match guard::measure(stream) {
                Ok(measured) => measured,
                Err(problem) => return Indexed::Refused(problem),
            };
            if !own_thread && measured.stack_bytes() > IN_PLACE_STACK {
                return Indexed::NeedsStack(measured.stack_bytes());
            }
            match parse_and_index(measured, text, module_path) {
                Ok(facts) => Indexed::Facts(Box::new(facts)),
                Err(problem) => Indexed::Refused(problem),
            }
        })
    }));
    // Positions are extracted; drop proc-macro2's per-thread copy of the
    // source so memory stays flat over a large workspace.
    proc_macro2::extra::invalidate_current_thread_spans();
    match outcome {
        Ok(Indexed::Facts(facts)) => Ok(*facts),
        Ok(Indexed::Refused(problem)) => Err(Failure::Problem(problem)),
        Ok(Indexed::NeedsStack(bytes)) => {
            let stack = bytes.saturating_mul(2).saturating_add(IN_PLACE_STACK);
            std::thread::scope(|scope| {
                std::thread::Builder::new()
                    .name("partner-safety-deep-file".into())
                    .stack_size(stack)
                    .spawn_scoped(scope, || syntax_facts(text, lines, module_path, true))
                    .map_err(|error| {
                        Failure::Internal(format!(
                            "cannot start a thread with a {} MiB stack for this deeply nested file: {error}",
                            stack >> 20
                        ))
                    })?
                    .join()
                    .unwrap_or_else(|payload| Err(Failure::Internal(panic_message(payload.as_ref()))))
            })
        }
        Err(payload) => Err(Failure::Internal(panic_message(payload.as_ref()))),
    }
}

/// The facts syn's tree gives, plain data: they outlive the tree and may cross threads.
struct SyntaxFacts {
    items: Vec<ItemExtent>,
    types: Vec<TypeDef>,
    trait_impls: Vec<TraitImpl>,
    functions: Vec<FunctionDef>,
    consts: Vec<ConstDef>,
    cypher_literals: Vec<Span>,
    role_mappings: Vec<RoleMapping>,
    permission_lists: Vec<PermissionList>,
    macro_keys: Vec<macros::MacroKeys>,
    views: views::ViewFacts,
    routers: routers::RouterFacts,
    imports: Vec<Import>,
    module_links: Vec<modules::ModuleLink>,
    test_code: Vec<Span>,
}

impl SyntaxFacts {
    fn of(indexer: Indexer) -> SyntaxFacts {
        use functions::fitted;
        SyntaxFacts {
            items: fitted(indexer.items),
            types: fitted(indexer.types),
            trait_impls: fitted(indexer.trait_impls),
            functions: fitted(indexer.functions),
            consts: fitted(indexer.consts),
            cypher_literals: fitted(indexer.cypher_literals),
            role_mappings: fitted(indexer.roles.mappings),
            permission_lists: fitted(indexer.roles.permission_lists),
            macro_keys: fitted(indexer.macro_keys),
            views: indexer.views.facts,
            routers: indexer.routers.facts,
            imports: fitted(indexer.imports),
            module_links: fitted(indexer.module_links),
            test_code: fitted(indexer.test_code),
        }
    }

    fn fill(self, facts: &mut FileFacts) {
        facts.items = self.items;
        facts.types = self.types;
        facts.trait_impls = self.trait_impls;
        facts.functions = self.functions;
        facts.consts = self.consts;
        facts.cypher_literals = self.cypher_literals;
        facts.role_mappings = self.role_mappings;
        facts.permission_lists = self.permission_lists;
        facts.macro_keys = self.macro_keys;
        facts.views = self.views;
        facts.routers = self.routers;
        facts.imports = self.imports;
        let mut module_links = self.module_links;
        for link in &mut module_links {
            link.test_only = self
                .test_code
                .iter()
                .any(|span| span.start <= link.span.start && link.span.end <= span.end);
        }
        facts.module_links = module_links;
        facts.test_code = self.test_code;
    }
}

/// Parses the measured tokens a run of items at a time and indexes each run, so that only one
/// run's syntax tree is ever in memory.
fn parse_and_index(
    measured: guard::Measured,
    text: &Arc<str>,
    module_path: &[Name],
) -> Result<SyntaxFacts, FileProblem> {
    let mut indexer = Indexer {
        text: text.clone(),
        module_stack: module_path.to_vec(),
        ..Indexer::default()
    };
    let guard::Measured { tokens, runs, .. } = measured;
    let mut tokens = tokens.into_iter();
    for (number, run) in runs.iter().enumerate() {
        let stream: proc_macro2::TokenStream = tokens.by_ref().take(run.len()).collect();
        // Sharing the run's groups, not copying them: what follows it is needed again only
        // when the run does not parse.
        let kept = stream.clone();
        let file_start = number == 0;
        let parsed = match parse_items(stream, file_start) {
            Ok(parsed) => parsed,
            Err(_) => {
                // The tokens may have been cut inside an item, or the error is real: what is
                // left parses (or fails) exactly as it would in one piece.
                let rest: proc_macro2::TokenStream = kept.into_iter().chain(tokens).collect();
                let (attrs, items) =
                    parse_items(rest, file_start).map_err(|error| FileProblem {
                        message: error.to_string(),
                        span: span_of(error.span()),
                    })?;
                indexer.visit_items(&attrs, &items);
                return Ok(SyntaxFacts::of(indexer));
            }
        };
        indexer.visit_items(&parsed.0, &parsed.1);
        drop(parsed);
        crate::source::forget_spines();
    }
    Ok(SyntaxFacts::of(indexer))
}

/// A run of items: the file's inner attributes first when it starts the file.
fn parse_items(
    stream: proc_macro2::TokenStream,
    file_start: bool,
) -> syn::Result<(Vec<syn::Attribute>, Vec<syn::Item>)> {
    use syn::parse::Parser as _;
    let parser = |input: syn::parse::ParseStream<'_>| {
        let attrs = if file_start {
            input.call(syn::Attribute::parse_inner)?
        } else {
            Vec::new()
        };
        let mut items = Vec::new();
        while !input.is_empty() {
            items.push(input.parse::<syn::Item>()?);
        }
        Ok((attrs, items))
    };
    parser.parse2(stream)
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

pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(message) = payload.downcast_ref::<&str>() {
        message.to_string()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        "panic with a non-string payload".to_string()
    }
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
    macro_keys: Vec<macros::MacroKeys>,
    views: views::ViewCollector,
    routers: routers::RouterCollector,
    /// The function whose body is being visited, by index in `functions`.
    current_fn: Option<usize>,
    imports: Vec<Import>,
    module_links: Vec<modules::ModuleLink>,
    /// The folders the inline modules being visited stand for (see [`modules::ModuleLink`]).
    inline_dirs: Vec<String>,
    /// See [`FileFacts::test_code`].
    test_code: Vec<Span>,
    /// Macro arguments in function bodies, parsed by the body walker; each is
    /// taken out when this visitor reaches its macro.
    parsed_macros: functions::ParsedMacros,
    /// Macros whose arguments are being visited, around the one at hand.
    macro_depth: usize,
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

    /// The file's inner attributes and a run of its items, in order, as `visit_file` would.
    fn visit_items(&mut self, attrs: &[syn::Attribute], items: &[syn::Item]) {
        for attr in attrs {
            self.visit_attribute(attr);
        }
        for item in items {
            self.visit_item(item);
        }
    }

    fn record_const(&mut self, ident: &syn::Ident, expr: &syn::Expr, span: Span) {
        self.consts.push(ConstDef {
            name: ident.to_string(),
            module_path: self.module_stack.clone(),
            impl_type: self.impl_stack.last().and_then(|(ty, _)| ty.clone()),
            span,
            value: crate::strings::str_expr(expr),
            int: functions::int_literal(expr),
            amount: functions::amount_of(expr),
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
        self.roles.enter_const(&ident.to_string(), Some(ty));
        visit_inner(self);
        self.roles.leave_const();
        let impl_type = self.impl_type();
        self.roles
            .record_const(ident, expr, mappings_before, impl_type.as_deref());
    }

    fn record_item(&mut self, kind: ItemKind, span: Span) {
        self.items.push(ItemExtent { kind, span });
    }
}

/// Visits an `if` and the `else if`s chained to it as syn's `visit_expr_if` would, one arm
/// after the other: syn's walk recurses once per arm, and the depth guard does not count arms
/// as levels of stack (see `guard::STACK_PER_ARM`). Every visitor of syntax trees from
/// linted files walks `if`s through here.
pub(crate) fn visit_if_chain<'ast, V: Visit<'ast> + ?Sized>(
    visitor: &mut V,
    expr: &'ast syn::ExprIf,
) {
    let mut arm = expr;
    loop {
        for attr in &arm.attrs {
            visitor.visit_attribute(attr);
        }
        visitor.visit_expr(&arm.cond);
        visitor.visit_block(&arm.then_branch);
        match arm.else_branch.as_ref().map(|(_, otherwise)| &**otherwise) {
            Some(syn::Expr::If(next)) => arm = next,
            Some(otherwise) => {
                visitor.visit_expr(otherwise);
                return;
            }
            None => return,
        }
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
    fn visit_expr_if(&mut self, expr: &'ast syn::ExprIf) {
        visit_if_chain(self, expr);
    }

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
        let outer_fn = self.current_fn.replace(self.functions.len() - 1);
        visit::visit_item_fn(self, function);
        self.current_fn = outer_fn;
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
        let outer_fn = self.current_fn.replace(self.functions.len() - 1);
        visit::visit_impl_item_fn(self, function);
        self.current_fn = outer_fn;
        self.roles.leave_fn();
    }

    fn visit_trait_item_fn(&mut self, function: &'ast syn::TraitItemFn) {
        let outer_fn = self.current_fn;
        let span = trait_fn_span(function);
        self.record_item(ItemKind::Fn, span);
        match &function.default {
            Some(body) => {
                self.record_function(&function.attrs, &function.sig, body, span);
                self.enter_recorded_fn();
                self.current_fn = Some(self.functions.len() - 1);
            }
            None => {
                let returns = functions::return_type(&function.sig);
                self.roles
                    .enter_fn(&function.sig.ident.to_string(), returns.as_ref());
            }
        }
        visit::visit_trait_item_fn(self, function);
        self.current_fn = outer_fn;
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
        self.routers.method_call(call, self.current_fn);
        visit::visit_expr_method_call(self, call);
    }

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        self.routers.call(call);
        visit::visit_expr_call(self, call);
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
        self.macro_keys.extend(macros::macro_rules_keys(item));
        modules::links_in_tokens(
            item.mac.tokens.clone(),
            &self.inline_dirs,
            &mut self.module_links,
        );
        visit::visit_item_macro(self, item);
    }

    fn visit_item_const(&mut self, item: &'ast syn::ItemConst) {
        let span = crate::source::item_like_span(
            &item.attrs,
            Some(&item.vis),
            item.const_token.span,
            item.semi_token.span,
        );
        self.record_const(&item.ident, &item.expr, span);
        self.visit_const_like(&item.ident, &item.ty, &item.expr, |indexer| {
            visit::visit_item_const(indexer, item)
        });
    }

    fn visit_item_static(&mut self, item: &'ast syn::ItemStatic) {
        let span = crate::source::item_like_span(
            &item.attrs,
            Some(&item.vis),
            item.static_token.span,
            item.semi_token.span,
        );
        self.record_const(&item.ident, &item.expr, span);
        self.visit_const_like(&item.ident, &item.ty, &item.expr, |indexer| {
            visit::visit_item_static(indexer, item)
        });
    }

    fn visit_impl_item_const(&mut self, item: &'ast syn::ImplItemConst) {
        let first = item
            .defaultness
            .map_or(item.const_token.span, |token| token.span);
        let span = crate::source::item_like_span(
            &item.attrs,
            Some(&item.vis),
            first,
            item.semi_token.span,
        );
        self.record_const(&item.ident, &item.expr, span);
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
            && match crate::rust_literal::undecoded_value(token) {
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
            None if self.macro_depth < functions::MAX_MACRO_NESTING => mac
                .parse_body_with(Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
                .ok(),
            None => None,
        };
        self.macro_depth += 1;
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
        } else if self.macro_depth > functions::MAX_MACRO_NESTING {
            // Bodies nested this deep in macros are not read, as above.
        } else if let Some(statics) = roles::lazy_statics(mac) {
            for item in &statics {
                self.visit_item_static(item);
            }
        } else if let Some(entries) = roles::map_macro_entries(mac) {
            self.roles.map_entries(
                &entries,
                || span_of_tokens(mac),
                current_impl_type(&self.impl_stack),
            );
            for (key, value) in &entries {
                self.visit_expr(key);
                self.visit_expr(value);
            }
        }
        self.macro_depth -= 1;
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
        let variants = crate::names::exact(item.variants.iter().map(|variant| VariantDef {
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
    crate::names::exact(fields.iter().map(|field| {
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
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("graphql")) {
        // Only the keys that hide a field from the schema matter here.
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("skip") || meta.path.is_ident("skip_output") {
                serde.graphql_skip = true;
            }
            skip_meta_value(&meta)
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
    /// Macros whose arguments are being visited, around the one at hand.
    macro_depth: usize,
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
    fn visit_expr_if(&mut self, expr: &'ast syn::ExprIf) {
        visit_if_chain(self, expr);
    }

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
        if self.macro_depth >= functions::MAX_MACRO_NESTING {
            return;
        }
        // `write!(f, "{}", self.password)`: macro arguments are plain tokens to syn.
        if let Ok(args) =
            mac.parse_body_with(Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
        {
            self.macro_depth += 1;
            for arg in &args {
                self.visit_expr(arg);
            }
            self.macro_depth -= 1;
        }
    }
}

/// A function of the workspace: its file and index in that file's functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FnId {
    pub file: FileId,
    pub index: usize,
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
    macro_keys_by_name: HashMap<String, Vec<(FileId, usize)>>,
    consts_by_name: HashMap<String, Vec<(FileId, usize)>>,
}

impl Workspace {
    pub fn new(files: Vec<FileFacts>) -> Self {
        let mut types_by_name: HashMap<String, Vec<(FileId, usize)>> = HashMap::new();
        let mut impls_by_type: HashMap<String, Vec<(FileId, usize)>> = HashMap::new();
        let mut permission_lists_by_name: HashMap<String, Vec<(FileId, usize)>> = HashMap::new();
        let mut macro_keys_by_name: HashMap<String, Vec<(FileId, usize)>> = HashMap::new();
        let mut consts_by_name: HashMap<String, Vec<(FileId, usize)>> = HashMap::new();
        for (file_id, file) in files.iter().enumerate() {
            for (i, constant) in file.consts.iter().enumerate() {
                consts_by_name
                    .entry(constant.name.clone())
                    .or_default()
                    .push((file_id, i));
            }
            for (i, keys) in file.macro_keys.iter().enumerate() {
                macro_keys_by_name
                    .entry(keys.name.clone())
                    .or_default()
                    .push((file_id, i));
            }
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
            macro_keys_by_name,
            consts_by_name,
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

    /// `macro_rules!` definitions with this name that forward keys to other field names.
    pub fn macro_keys_named<'a>(
        &'a self,
        name: &str,
    ) -> impl Iterator<Item = &'a macros::MacroKeys> + 'a {
        self.macro_keys_by_name
            .get(name)
            .into_iter()
            .flatten()
            .map(|&(file, i)| &self.files[file].macro_keys[i])
    }

    /// `const`s and `static`s with this name, anywhere in the workspace, with their files.
    pub fn consts_named<'a>(
        &'a self,
        name: &str,
    ) -> impl Iterator<Item = (FileId, &'a ConstDef)> + 'a {
        self.consts_by_name
            .get(name)
            .into_iter()
            .flatten()
            .map(|&(file, i)| (file, &self.files[file].consts[i]))
    }

    pub fn file(&self, id: FileId) -> &FileFacts {
        &self.files[id]
    }

    /// The type of the value a parameter's name holds: its declared type, or, for a
    /// name bound inside a workspace tuple struct with one field (`TenantPath(tenant_id):
    /// TenantPath` with `struct TenantPath(pub TenantId)`), that field's type. A struct of
    /// that name defined more than once is not looked through, nor a generic one
    /// (`Json(body): Json<CreateReq>` with the workspace's own `struct Json<T>(pub T)`):
    /// its type arguments already say what it holds.
    pub fn bound_type<'a>(&'a self, param: &'a functions::Param) -> &'a TypeRef {
        if !param.unwrapped || !param.ty.args().is_empty() {
            return &param.ty;
        }
        let Some(name) = param.ty.name() else {
            return &param.ty;
        };
        let mut defs = self.types_named(name);
        match (defs.next(), defs.next()) {
            (Some(def), None)
                if def.kind == TypeKind::Struct
                    && def.fields.len() == 1
                    && def.fields[0].name.is_none() =>
            {
                &def.fields[0].ty
            }
            _ => &param.ty,
        }
    }

    /// The function `id` names. Ids come from the workspace's own files, so it is there.
    pub fn function(&self, id: FnId) -> &FunctionDef {
        &self.files[id.file].functions[id.index]
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

    /// Every construct the depth guard counts, nested `n` deep.
    fn nested(n: usize) -> Vec<(&'static str, String)> {
        let r = |text: &str, count: usize| text.repeat(count);
        let body = |expr: String| format!("fn main() {{ let _ = {expr}; }}\n");
        vec![
            ("parentheses", body(format!("{}a{}", r("(", n), r(")", n)))),
            ("brackets", body(format!("{}a{}", r("[", n), r("]", n)))),
            ("blocks", body(format!("{}a{}", r("{", n), r("}", n)))),
            ("if", body(format!("{}a{}", r("if a { ", n), r(" }", n)))),
            (
                "if conditions",
                body(format!("{}a{}", r("if ", n), r(" {}", n))),
            ),
            (
                "match",
                body(format!("{}a{}", r("match a { _ => ", n), r(" }", n))),
            ),
            ("loops", body(format!("{}a{}", r("loop { ", n), r(" }", n)))),
            ("closures", body(format!("{}a", r("|| ", n)))),
            (
                "closures with parameters",
                body(format!("{}a", r("|x, y| ", n))),
            ),
            ("move closures", body(format!("{}a", r("move |x| ", n)))),
            (
                "closure blocks",
                body(format!("{}a{}", r("|| { ", n), r(" }", n))),
            ),
            ("return", body(format!("{}a", r("return ", n)))),
            (
                "break with a label",
                body(format!("{}a", r("break 'a ", n))),
            ),
            ("not", body(format!("{}a", r("!", n)))),
            ("negation", body(format!("{}a", r("- ", n)))),
            ("dereference", body(format!("{}a", r("*", n)))),
            ("references", body(format!("{}a", r("&", n)))),
            ("mutable references", body(format!("{}a", r("&mut ", n)))),
            ("ranges", body(format!("{}a", r(".. ", n)))),
            ("additions", body(format!("a{}", r(" + a", n)))),
            ("conjunctions", body(format!("a{}", r(" && a", n)))),
            (
                "assignments",
                format!("fn main() {{ a{} = a; }}\n", r(" = a", n)),
            ),
            ("method calls", body(format!("a{}", r(".f(x)", n)))),
            ("fields", body(format!("a{}", r(".f", n)))),
            ("tuple fields", body(format!("a{}", r(".0.1", n)))),
            ("indexing", body(format!("a{}", r("[0]", n)))),
            ("calls", body(format!("f{}", r("()", n)))),
            ("try", body(format!("a{}", r("?", n)))),
            (
                "await",
                format!("async fn main() {{ let _ = a{}; }}\n", r(".await", n)),
            ),
            ("casts", body(format!("a{}", r(" as u8", n)))),
            (
                "let chains",
                body(format!("if let a = a{} {{}}", r(" && let a = a", n))),
            ),
            (
                "async blocks",
                body(format!("{}a{}", r("async { ", n), r(" }", n))),
            ),
            (
                "unsafe blocks",
                body(format!("{}a{}", r("unsafe { ", n), r(" }", n))),
            ),
            (
                "struct literals",
                body(format!("{}a{}", r("S { a: ", n), r(" }", n))),
            ),
            (
                "reference types",
                format!("fn main() {{ let _: {}u8; }}\n", r("& ", n)),
            ),
            (
                "pointer types",
                format!("fn main() {{ let _: {}u8; }}\n", r("*const ", n)),
            ),
            (
                "generic types",
                format!("fn main() {{ let _: {}u8{}; }}\n", r("Vec<", n), r(">", n)),
            ),
            (
                "array types",
                format!("fn main() {{ let _: {}u8{}; }}\n", r("[", n), r("; 1]", n)),
            ),
            (
                "tuple types",
                format!("fn main() {{ let _: {}u8{}; }}\n", r("(", n), r(",)", n)),
            ),
            (
                "function types",
                format!("type T = {}u8;\n", r("fn() -> ", n)),
            ),
            (
                "impl Fn types",
                format!("fn f() -> {}u8 {{}}\n", r("impl Fn() -> ", n)),
            ),
            (
                "dyn types",
                format!("type T = {}u8{};\n", r("Box<dyn Fn(", n), r(")>", n)),
            ),
            (
                "qualified paths",
                format!("type T = {}T{};\n", r("<", n), r(" as A>::B", n)),
            ),
            (
                "turbofish",
                body(format!("f::<{}u8{}>()", r("Vec<", n), r(">", n))),
            ),
            (
                "reference patterns",
                format!("fn main() {{ let {}a = 1; }}\n", r("& ", n)),
            ),
            (
                "tuple patterns",
                format!("fn main() {{ let {}a{} = 1; }}\n", r("(", n), r(",)", n)),
            ),
            (
                "slice patterns",
                format!("fn main() {{ let {}a{} = 1; }}\n", r("[", n), r("]", n)),
            ),
            (
                "struct patterns",
                format!(
                    "fn main() {{ let {}a{} = 1; }}\n",
                    r("S { a: ", n),
                    r(" }", n)
                ),
            ),
            (
                "binding patterns",
                format!("fn main() {{ let {}a = 1; }}\n", r("a @ ", n)),
            ),
            (
                "use trees",
                format!("use {}a{};\n", r("a::{", n), r("}", n)),
            ),
            (
                "modules",
                format!("{}fn f() {{}}{}\n", r("mod a { ", n), r(" }", n)),
            ),
            (
                "impl blocks in functions",
                format!("{}{}\n", r("fn f() { impl A { ", n), r("} }", n)),
            ),
            (
                "macro tokens",
                body(format!("m!{}a{}", r("(", n), r(")", n))),
            ),
            (
                "vec! in vec!",
                body(format!("{}a{}", r("vec![", n), r("]", n))),
            ),
            (
                "format! in format!",
                body(format!("{}a{}", r("format!(\"{}\", ", n), r(")", n))),
            ),
            (
                "json! objects",
                body(format!("json!({}1{})", r("{\"a\": ", n), r("}", n))),
            ),
            (
                "attributes",
                format!("#[a{}]\nfn f() {{}}\n", r("(a", n) + &r(")", n)),
            ),
        ]
    }

    /// The guard's bound of `source`, in levels, or its refusal.
    fn levels(source: &str) -> Result<usize, String> {
        let text: Arc<str> = source.into();
        let lines = LineIndex::new(&text);
        let measured = with_fast_spans(&text, &lines, || {
            let stream: proc_macro2::TokenStream = text.parse().map_err(|_| "not tokens")?;
            guard::measure(stream)
                .map(|measured| measured.levels)
                .map_err(|problem| problem.message)
                .map_err(|message| message.leak() as &str)
        });
        proc_macro2::extra::invalidate_current_thread_spans();
        measured.map_err(str::to_string)
    }

    /// The constant the guard sizes stacks by holds for every construct: each, nested some
    /// hundred levels, is parsed, indexed and dropped within its levels' worth of stack (the
    /// spawned thread gets twice that). An overflow would abort this test binary. Frames are
    /// largest in a debug build, which the tests run.
    #[test]
    fn every_construct_fits_in_its_levels_worth_of_stack() {
        for (name, source) in nested(400) {
            let levels = levels(&source).unwrap_or_else(|message| panic!("{name}: {message}"));
            assert!(levels >= 400, "{name}: {levels}");
            let text: Arc<str> = source.into();
            let lines = LineIndex::new(&text);
            let stack = levels * guard::STACK_PER_LEVEL + 256 * 1024;
            let indexed = std::thread::scope(|scope| {
                std::thread::Builder::new()
                    .stack_size(stack)
                    .spawn_scoped(scope, || syntax_facts(&text, &lines, &[], true).is_ok())
                    .expect("a thread")
                    .join()
                    .expect("no panic")
            });
            assert!(indexed, "{name}");
        }
    }

    /// A file nested deeper than a small thread's stack holds is indexed on a thread of its
    /// own, whatever thread asks.
    #[test]
    fn deep_files_are_indexed_on_a_stack_that_fits() {
        let source = format!(
            "fn f() {{ let _ = {}a{}; }}",
            "(".repeat(4_000),
            ")".repeat(4_000)
        );
        let facts = std::thread::scope(|scope| {
            std::thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn_scoped(scope, || index(&source))
                .expect("a thread")
                .join()
                .expect("no panic")
        });
        assert_eq!(facts.problem, None);
        assert_eq!(facts.internal_error, None);
        assert_eq!(facts.functions.len(), 1);
    }

    /// The problem of a refused file: its message, line and column.
    fn refusal(source: &str) -> (String, u32, u32) {
        let facts = index(source);
        let problem = facts.problem.clone().expect("refused");
        let at = facts.line_col(problem.span.start);
        (problem.message, at.line, at.column)
    }

    #[test]
    fn nesting_beyond_the_limit_is_refused_where_it_is_deepest() {
        let nesting = |levels: &str, innermost: (u32, u32)| {
            (
                format!("brackets, blocks, generics or closures nest at least {levels} levels deep here (this is the innermost), more than the 8,000 this tool can parse without risking a stack overflow; move the inner parts into their own functions, types or `let` bindings"),
                innermost.0,
                innermost.1,
            )
        };
        assert_eq!(
            refusal(&format!(
                "fn f() {{\n    let _ = {}1{};\n}}",
                "(".repeat(9_000),
                ")".repeat(9_000)
            )),
            nesting("8,001", (2, 12 + 8_000))
        );
        assert_eq!(
            refusal(&format!(
                "type T = {}u8{};",
                "Vec<".repeat(9_000),
                ">".repeat(9_000)
            )),
            nesting("8,001", (1, 10 + 4 * 8_000 + 3))
        );
        assert_eq!(
            refusal(&format!(
                "fn f() {{ {}{} }}",
                "{".repeat(9_000),
                "}".repeat(9_000)
            )),
            nesting("8,001", (1, 10 + 7_999))
        );
    }

    #[test]
    fn chains_beyond_the_limit_are_refused_where_they_start() {
        let chain = |chain: &str, levels: &str, column: u32| {
            (
                format!("a chain of {chain} operators, calls, casts or keywords starts here and nests {levels} levels deep, more than the 8,000 this tool can parse without risking a stack overflow; split it into smaller expressions (with `let` bindings or helper functions)"),
                2,
                column,
            )
        };
        let statement = |expr: String| format!("fn f() {{\n    let _ = {expr};\n}}");
        // `let` and `=` start the chain; 300,000 `[0]` are 300,000 indexing operations.
        assert_eq!(
            refusal(&statement(format!("a{}", "[0]".repeat(300_000)))),
            chain("300,002", "300,006", 5)
        );
        assert_eq!(
            refusal(&statement(format!("f{}", "()".repeat(1_000_000)))),
            chain("1,000,002", "1,000,006", 5)
        );
        assert_eq!(
            refusal(&statement(format!("1{}", " as u8".repeat(10_000)))),
            chain("10,002", "10,005", 5)
        );
        assert_eq!(
            refusal(&statement(format!("a{}", " + a".repeat(10_000)))),
            chain("10,002", "10,005", 5)
        );
        assert_eq!(
            refusal(&statement(format!("{}a", "!".repeat(10_000)))),
            chain("10,002", "10,005", 5)
        );
        assert_eq!(
            refusal(&statement(format!("{}a", "|| ".repeat(10_000)))),
            chain("10,002", "10,005", 5)
        );
        assert_eq!(
            refusal(&statement(format!("{}a", "return ".repeat(10_000)))),
            chain("10,002", "10,005", 5)
        );
    }

    /// An `else if` chain is walked one arm after the other, so only the drop of its tree
    /// recurses per arm: a chain of 20,000 arms is indexed within its arms' worth of stack
    /// (`guard::STACK_PER_ARM` each) on top of its levels'. An overflow would abort this test
    /// binary.
    #[test]
    fn else_if_chains_fit_in_their_arms_worth_of_stack() {
        let arms: String = (1..=20_000)
            .map(|arm| format!(" else if x == {arm} {{ g({arm}) }}"))
            .collect();
        let source =
            format!("fn f(x: u32) -> u32 {{\n    if x == 0 {{ g(0) }}{arms} else {{ 1 }}\n}}\n");
        let text: Arc<str> = source.into();
        let lines = LineIndex::new(&text);
        let stream: proc_macro2::TokenStream = text.parse().expect("tokens");
        let measured = guard::measure(stream).unwrap_or_else(|problem| panic!("{problem:?}"));
        proc_macro2::extra::invalidate_current_thread_spans();
        assert_eq!(measured.arms, 20_000);
        assert!(measured.levels < 10, "{}", measured.levels);
        let stack = measured.stack_bytes() + 256 * 1024;
        let facts = std::thread::scope(|scope| {
            std::thread::Builder::new()
                .stack_size(stack)
                .spawn_scoped(scope, || syntax_facts(&text, &lines, &[], true))
                .expect("a thread")
                .join()
                .expect("no panic")
        });
        let Ok(facts) = facts else {
            panic!("not indexed");
        };
        let [function] = &facts.functions[..] else {
            panic!("{} functions", facts.functions.len());
        };
        // Every call is seen, each in its arm's block; each `else` is a branch in the one
        // before, so the last call is 20,000 `else` blocks (and its own) below the body.
        assert_eq!(function.calls.len(), 20_001);
        let last = function.calls.last().expect("a call");
        let mut depth = 0;
        let mut block = Some(last.block);
        while let Some(index) = block {
            depth += 1;
            block = function.blocks[index].parent;
        }
        assert_eq!(depth, 1 + 20_000 + 1);
        assert!(index(&text).problem.is_none());
    }

    #[test]
    fn realistic_code_is_analysed() {
        for (name, source) in [
            ("comparisons", format!("fn f() {{ let _ = [{}]; }}", "a < 1, ".repeat(100_000))),
            ("shifts and casts", format!("const FLAGS: [u64; 1000] = [{}];", "1 << 3, 1 >> 2, (x < y) as u64, a <= b,".repeat(250))),
            ("statements", format!("fn f() {{ {} }}", "let a = (1) + (2);\n".repeat(10_000))),
            ("fields", format!("struct S {{ {} }}", "a: Vec<Vec<u8>>, b: Option<&'static str>,\n".repeat(1_000))),
            ("match arms", format!("fn f(x: u8) {{ match x {{ {} _ => {{}} }} }}", "n if n < 5 => {}\n".repeat(10_000))),
            ("else if chain", format!("fn f(x: u8) -> u8 {{ if x == 0 {{ 0 }}{} else {{ 1 }} }}", (1..2_000).map(|n| format!(" else if x == {n} {{ {n} }}")).collect::<String>())),
            ("builder chain", format!("fn app() -> Router {{ Router::new(){} }}", (0..1_000).map(|n| format!(".route(\"/r{n}\", get(h{n}))")).collect::<String>())),
            ("condition", format!("fn f() -> bool {{ {} }}", (0..500).map(|n| format!("a{n} > {n}")).collect::<Vec<_>>().join(" && "))),
            ("generic-heavy types", "type Handler = Arc<Mutex<HashMap<String, Vec<Box<dyn Fn(&Request<Body>) -> Pin<Box<dyn Future<Output = Result<Response<Body>, Box<dyn std::error::Error + Send + Sync>>> + Send>> + Send + Sync>>>>>;".repeat(100)),
            ("deep real nesting", format!("fn f() {{ {}x{} }}", "if a { for b in c { match d { _ => { ".repeat(50), " } } } }".repeat(50))),
            ("items", "pub fn f(a: Vec<u8>) -> Option<u8> { a.first().copied() }\n".repeat(5_000)),
            ("long string", format!("const S: &str = \"{}\";", "MATCH (n) ".repeat(100_000))),
        ] {
            let facts = index(&source);
            assert_eq!(facts.problem, None, "{name}");
            assert_eq!(facts.internal_error, None, "{name}");
        }
        assert_eq!(
            index(&"pub fn f(a: Vec<u8>) -> Option<u8> { a.first().copied() }\n".repeat(5_000))
                .functions
                .len(),
            5_000
        );
    }

    #[test]
    fn a_syntax_tree_too_large_for_memory_is_refused() {
        let item = format!("fn f() {{\n{}}}\n", ";".repeat(500_001));
        assert_eq!(
            refusal(&format!("struct A;\n{item}")),
            ("this item has 500,005 tokens, more than the 500,000 this tool parses in one item (its syntax tree could exhaust memory); split it into smaller items".to_string(), 2, 1)
        );
        let too_many = ("the file has more than 5,000,000 tokens, the most this tool parses in one file (a syntax tree that large could exhaust memory); split it into smaller files".to_string(), 1, 1);
        // Too many at the top level or inside one group (both refused before they are
        // collected: the stress bench measures the memory this saves), or in many groups.
        assert_eq!(refusal(&"struct S;\n".repeat(1_666_667)), too_many);
        assert_eq!(
            refusal(&format!(
                "mod m {{\n{}}}\n",
                "struct S;\n".repeat(1_666_666)
            )),
            too_many
        );
        assert_eq!(refusal(&"mod m { struct S; }\n".repeat(833_334)), too_many);
        // Just under both limits: analysed.
        assert_eq!(
            index(&format!("fn f() {{\n{}}}\n", ";".repeat(499_990))).problem,
            None
        );
    }

    #[test]
    fn items_are_parsed_a_run_at_a_time_as_in_one_piece() {
        // Inner attributes and doc comments of the file, then many runs of items.
        let mut source = "#![allow(dead_code)]\n//! MATCH (t:Tenant) RETURN t\n".to_string();
        for n in 0..3_000 {
            source.push_str(&format!(
                "pub fn f{n}() {{ let q = \"MATCH (n) RETURN n\"; }}\n"
            ));
        }
        let facts = index(&source);
        assert_eq!(facts.problem, None);
        assert_eq!(facts.functions.len(), 3_000);
        assert_eq!(facts.functions[2_999].name, "f2999");
        assert_eq!(
            facts.line_col(facts.functions[2_999].span.start).line,
            3_002
        );
        assert_eq!(facts.cypher_literals.len(), 3_001);
        // A syntax error far into the file, or inner attributes after an item, are syn's
        // errors where syn puts them when it parses the file in one piece.
        source.push_str("fn broken() { let x = ; }\n");
        for source in [
            source.as_str(),
            "fn a() {}\n#![allow(x)]\n",
            "fn a() {} fn b() {} impl",
        ] {
            let facts = index(source);
            let problem = facts.problem.clone().expect("a parse error");
            let Err(whole) = syn::parse_file(source) else {
                panic!("{source} parses");
            };
            let start = whole.span().start();
            assert_eq!(problem.message, whole.to_string());
            let at = facts.line_col(problem.span.start);
            assert_eq!(
                (at.line as usize, at.column as usize - 1),
                (start.line, start.column)
            );
        }
    }

    #[test]
    fn text_that_is_not_rust_tokens_says_why() {
        let why = |source: &str| {
            let facts = index(source);
            let problem = facts.problem.clone().expect("refused");
            let at = facts.line_col(problem.span.start);
            (
                problem.message,
                at.line,
                at.column,
                source[problem.span.range()].to_string(),
            )
        };
        assert_eq!(
            why("fn f() {\n    let s = \"abc;\n}\n").0,
            "this string literal is never closed: no `\"` ends it"
        );
        assert_eq!(why("fn f() {\n    let s = \"abc;\n}\n").1, 2);
        assert_eq!(
            why("fn f() {\n    let s = r##\"abc\"#;\n}\n").0,
            "this raw string literal is never closed: no `\"##` ends it"
        );
        assert_eq!(
            why("fn f() { let s = \"a\\qb\"; }"),
            ("`\\\\q` is not an escape Rust knows in this string literal (`\\n`, `\\r`, `\\t`, `\\\\`, `\\0`, `\\'`, `\\\"`, `\\x7F`, `\\u{…}`)".to_string(), 1, 20, "\\q".to_string())
        );
        assert_eq!(
            why("fn f() { let c = '\\q'; }").0,
            "`\\\\q` is not an escape Rust knows in a character literal"
        );
        assert_eq!(
            why("fn f() { let c = ' ;\n}").0,
            "this character literal is never closed: no `'` ends it on this line"
        );
        assert_eq!(why("fn f() {}\n/* a /* b */\nfn g() {}\n").0, "this block comment is never closed: no `*/` ends it (block comments nest, so each `/*` inside needs its own `*/`)");
        assert_eq!(why("fn f() {\n    let a = (1;\n}\n"), ("this `}` does not close the `(` opened at line 2, column 13, which needs a `)` first".to_string(), 3, 1, "}".to_string()));
        assert_eq!(
            why("fn f() {\n    g(1);\n"),
            (
                "this `{` is never closed: the file ends before its `}`".to_string(),
                1,
                8,
                "{".to_string()
            )
        );
        assert_eq!(
            why("fn f() {}\n}\n"),
            (
                "this `}` closes nothing: no bracket is open before it".to_string(),
                2,
                1,
                "}".to_string()
            )
        );
        assert_eq!(
            why("fn f() { let a = 1 € 2; }").0,
            "`€` (U+20AC) cannot appear in Rust code outside a string or comment"
        );
        assert_eq!(
            why("fn f() { let a = 1 \u{7} 2; }").0,
            "`\\u{7}` (U+0007) cannot appear in Rust code outside a string or comment"
        );
    }
}
