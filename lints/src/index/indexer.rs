//! The indexer: lexes, guards, parses and walks one file into its `FileFacts`, a run of
//! items at a time, on a stack that fits its nesting.

use super::*;
use crate::names::{ident_name, Name};
use crate::positions::{LineIndex, Span};
use crate::source::{
    field_span, fn_item_span, ident_span, impl_fn_span, impl_item_span, item_span, span_of,
    span_of_tokens, trait_fn_span, trait_item_span, variant_span, with_fast_spans,
};
use crate::suppression;
use std::sync::Arc;
use syn::punctuated::Punctuated;
use syn::visit::{self, Visit};

/// The most stack a file may need (by the guard's bound) to be indexed on the calling thread:
/// every thread has this much to spare (a spawned thread gets 2 MiB unless told otherwise).
/// A file that needs more is indexed on a thread of its own, given twice what it needs.
const IN_PLACE_STACK: usize = 512 * 1024;

/// Parses and indexes one file. Never panics out: a failure inside the
/// indexer becomes `internal_error`. Safe on any thread: a file nested too deep for the
/// parser's stack is refused before it is parsed, and one nested deeper than the calling
/// thread's stack is sure to hold is parsed on a thread with a stack that fits.
pub fn index_file(path: String, text: Arc<str>) -> FileFacts {
    index(path, text, None)
}

fn index(path: String, text: Arc<str>, needed: Option<BodiesNeeded<'_>>) -> FileFacts {
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
    match syntax_facts(&text, &facts.line_index, &facts.module_path, false, needed) {
        Ok(syntax) => {
            syntax.fill(&mut facts);
            name_aliased_literals(&mut facts);
        }
        Err(Failure::Problem(problem)) => facts.problem = Some(problem),
        Err(Failure::Internal(message)) => facts.internal_error = Some(message),
    }
    facts
}

/// Which function bodies to parse: given the function, its body's place in the text and the
/// file's text, whether the body is needed.
pub type BodiesNeeded<'a> = &'a (dyn Fn(&skeleton::FnPath, Span, &str) -> bool + Sync);

/// As [`index_file`], parsing only the function bodies `needed` asks for, and every body
/// that may hold items of its own (see [`skeleton::strip_unneeded`]). The file is lexed and
/// measured whole, as [`index_file`] does, so it is refused on the same terms; the other
/// bodies are emptied before the parse, so the facts are exactly those of the full parse
/// with those bodies empty.
///
/// A syntax error inside a body that is not parsed is not seen (see SECURITY.md).
pub fn index_file_choosing(path: String, text: Arc<str>, needed: BodiesNeeded<'_>) -> FileFacts {
    index(path, text, Some(needed))
}

/// Why a Rust file has no syntax facts.
pub(super) enum Failure {
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
pub(super) fn syntax_facts(
    text: &Arc<str>,
    lines: &LineIndex,
    module_path: &[Name],
    own_thread: bool,
    needed: Option<BodiesNeeded<'_>>,
) -> Result<SyntaxFacts, Failure> {
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // Every span is turned into offsets before the invalidation below.
        with_fast_spans(text, lines, || {
            let source = crate::source::without_shebang(text);
            let stream = match source.parse::<proc_macro2::TokenStream>() {
                Ok(stream) => stream,
                Err(error) => return Indexed::Refused(lex_error::explain(&source, lines, &error)),
            };
            let mut measured = match guard::measure(stream) {
                Ok(measured) => measured,
                Err(problem) => return Indexed::Refused(problem),
            };
            if !own_thread && measured.stack_bytes() > IN_PLACE_STACK {
                return Indexed::NeedsStack(measured.stack_bytes());
            }
            let mut skipped_bodies = 0;
            if let Some(needed) = needed {
                let tokens = std::mem::take(&mut measured.tokens);
                let (tokens, skipped) =
                    skeleton::strip_unneeded(tokens, &source, module_path, &|function, body| {
                        needed(function, body, text)
                    });
                measured.tokens = tokens;
                skipped_bodies = skipped;
            }
            match parse_and_index(measured, text, module_path) {
                Ok(mut facts) => {
                    facts.skipped_bodies = skipped_bodies;
                    Indexed::Facts(Box::new(facts))
                }
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
                    .spawn_scoped(scope, || syntax_facts(text, lines, module_path, true, needed))
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
pub(super) struct SyntaxFacts {
    items: Vec<ItemExtent>,
    types: Vec<TypeDef>,
    trait_impls: Vec<TraitImpl>,
    pub(super) functions: Vec<FunctionDef>,
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
    skipped_bodies: u32,
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
            skipped_bodies: 0,
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
        facts.skipped_bodies = self.skipped_bodies;
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

/// The name an `impl`'s type goes by in the index: a path's last segment, through
/// references. Phase 1's skeleton names methods with it too, so both phases agree.
pub(super) fn type_name(ty: &syn::Type) -> Option<String> {
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
