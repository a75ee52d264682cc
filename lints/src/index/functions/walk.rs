//! The body walker: one pass over a function body that records its blocks, calls,
//! bindings, literals, loops, closures, patterns and reads.

use super::events;
use super::facts::*;
use super::syntax::*;
use crate::index::TypeRef;
use crate::names::{exact, ident_name, segment_names, Name};
use crate::positions::Span;
use crate::source::{
    block_span, call_span, expr_path_span, expr_span, ident_span, macro_span, method_call_span,
    span_between, span_of, span_of_tokens,
};
use syn::punctuated::Punctuated;
use syn::visit::{self, Visit};

/// The context a function is declared in.
pub struct FnContext<'a> {
    pub module_path: &'a [Name],
    pub impl_type: Option<&'a str>,
    pub trait_name: Option<&'a str>,
}

pub fn function_def(
    context: &FnContext<'_>,
    attrs: &[syn::Attribute],
    sig: &syn::Signature,
    body: &syn::Block,
    item_span: Span,
) -> FunctionDef {
    function_def_and_macros(context, attrs, sig, body, item_span).0
}

/// A macro's arguments parsed as comma-separated expressions (`None` when
/// they are not), by [`macro_key`].
pub type ParsedMacros = std::collections::HashMap<(u32, u32), Option<MacroArgs>>;

pub type MacroArgs = Punctuated<syn::Expr, syn::Token![,]>;

/// [`function_def`], and the arguments of every macro in the body as the
/// walk parsed them, for the file-wide visitor to reuse.
pub fn function_def_and_macros(
    context: &FnContext<'_>,
    attrs: &[syn::Attribute],
    sig: &syn::Signature,
    body: &syn::Block,
    item_span: Span,
) -> (FunctionDef, ParsedMacros) {
    let mut params = Vec::with_capacity(sig.inputs.len());
    let mut has_self = false;
    for input in &sig.inputs {
        match input {
            syn::FnArg::Receiver(_) => has_self = true,
            syn::FnArg::Typed(typed) => params.push(Param {
                name: pattern_name(&typed.pat),
                ty: TypeRef::from_syn(&typed.ty),
                span: crate::source::pat_type_span(typed),
                bounds: param_bounds(&sig.generics, &typed.ty),
                unwrapped: unwraps_a_tuple_struct(&typed.pat),
            }),
        }
    }
    let mut walker = BodyWalker {
        self_type: context.impl_type.map(str::to_string),
        ..BodyWalker::default()
    };
    walker.blocks.push(BlockFact {
        parent: None,
        kind: BlockKind::Body,
        span: block_span(body),
    });
    if let Some(syn::Stmt::Expr(tail, None)) = body.stmts.last() {
        walker.exit_through(tail);
    }
    walker.walk_block_contents(body);
    let parsed_macros = std::mem::take(&mut walker.parsed_macros);
    let def = FunctionDef {
        name: ident_name(&sig.ident),
        name_span: ident_span(&sig.ident),
        span: item_span,
        module_path: context.module_path.to_vec(),
        impl_type: context.impl_type.map(Name::from),
        trait_name: context.trait_name.map(Name::from),
        has_self,
        params,
        return_type: return_type(sig),
        attributes: attribute_facts(attrs),
        blocks: fitted(walker.blocks),
        calls: fitted(walker.calls),
        lets: fitted(walker.lets),
        struct_literals: fitted(walker.struct_literals),
        value_paths: fitted(walker.value_paths),
        comparisons: fitted(walker.comparisons),
        iterations: fitted(walker.iterations),
        closures: fitted(walker.closures),
        patterns: fitted(walker.patterns),
        status_tuples: fitted(walker.status_tuples),
        reads: {
            let mut reads = walker.reads;
            reads.sort_by_key(|read| (read.span.start, read.span.end));
            fitted(reads)
        },
        type_lookups: fitted(walker.type_lookups),
    };
    (def, parsed_macros)
}

/// Methods that make a result harmless: a check whose result goes through
/// one of these enforces nothing.
const DISCARDING_METHODS: &[&str] = &[
    "ok",
    "err",
    "unwrap_or",
    "unwrap_or_default",
    "unwrap_or_else",
    "is_ok",
    "is_err",
];

/// Methods that compare their receiver with their argument for equality.
const EQUALITY_METHODS: &[&str] = &["eq", "ne", "eq_ignore_ascii_case"];

/// Macros that assert two arguments are equal (or not).
const EQUALITY_MACROS: &[&str] = &[
    "assert_eq",
    "assert_ne",
    "debug_assert_eq",
    "debug_assert_ne",
    "prop_assert_eq",
    "prop_assert_ne",
    "ensure_eq",
];

/// Iterator and stream methods whose closure runs once per item.
const PER_ITEM_METHODS: &[&str] = &[
    "map",
    "then",
    "for_each",
    "try_for_each",
    "for_each_concurrent",
    "try_for_each_concurrent",
    "filter_map",
    "flat_map",
    "and_then",
    "map_ok",
];

#[derive(Default)]
struct BodyWalker {
    /// The `impl` type, for `Self { … }` literals.
    self_type: Option<String>,
    blocks: Vec<BlockFact>,
    calls: Vec<CallSite>,
    lets: Vec<LetFact>,
    struct_literals: Vec<StructLiteral>,
    value_paths: Vec<(Vec<Name>, Span)>,
    comparisons: Vec<Comparison>,
    iterations: Vec<IterFact>,
    closures: Vec<ClosureFact>,
    patterns: Vec<PatternFact>,
    status_tuples: Vec<StatusTuple>,
    /// Closures seen as call arguments whose body block is not created yet.
    pending_closures: Vec<ClosureFact>,
    reads: Vec<PlaceRead>,
    type_lookups: Vec<TypeLookup>,
    current: usize,
    /// Calls whose result is discarded, by span.
    discarded: Vec<Span>,
    /// Calls whose failure leaves the function, by span (see [`CallSite::exits_on_failure`]).
    exiting: foldhash::HashSet<(u32, u32)>,
    parsed_macros: ParsedMacros,
    /// Macros whose arguments are being walked, around the one at hand.
    macro_depth: usize,
}

/// Macros nested deeper than this inside the arguments of others (`vec![vec![…]]`) keep their
/// arguments unparsed: each level parses the tokens of every level inside it again, which on
/// a deep nest would take time quadratic in its depth. Real code nests a few.
pub(crate) const MAX_MACRO_NESTING: usize = 16;

impl BodyWalker {
    fn walk_block_contents(&mut self, block: &syn::Block) {
        for stmt in &block.stmts {
            self.visit_stmt(stmt);
        }
    }

    fn in_block<T>(&mut self, kind: BlockKind, span: Span, walk: impl FnOnce(&mut Self) -> T) -> T {
        let saved = self.current;
        self.enter_block(kind, span);
        let result = walk(self);
        self.current = saved;
        result
    }

    /// Opens a block inside the current one; the caller restores `current` when it ends.
    fn enter_block(&mut self, kind: BlockKind, span: Span) {
        self.blocks.push(BlockFact {
            parent: Some(self.current),
            kind,
            span,
        });
        self.current = self.blocks.len() - 1;
    }

    fn record_call(
        &mut self,
        callee: Callee,
        name_span: Span,
        span: Span,
        args: Vec<ArgFact>,
        receiver: Option<ArgFact>,
        event: Option<EventFact>,
    ) {
        let result_discarded = self.discarded.contains(&span);
        let exits_on_failure = self.exiting.contains(&(span.start, span.end));
        self.calls.push(CallSite {
            callee_name: callee.name().clone(),
            callee,
            name_span,
            span,
            args,
            receiver: receiver.map(Box::new),
            block: self.current,
            result_discarded,
            exits_on_failure,
            event: event.map(Box::new),
        });
    }

    /// A destructuring pattern whose names are in scope in block `scope`
    /// (the next block to be created).
    fn record_pattern(&mut self, pat: &syn::Pat, scope: usize) {
        // Outer patterns first, nested ones after; bounded by the nesting limit.
        let mut pending = vec![pat];
        while let Some(pat) = pending.pop() {
            if let Some((path, bindings)) = path_pattern(pat) {
                self.patterns.push(PatternFact {
                    path,
                    bindings: fitted(bindings),
                    scope,
                    span: crate::source::pat_span(pat),
                });
            }
            pending.extend(nested_patterns(pat).into_iter().rev());
        }
    }

    /// A loop or per-item closure over what `walked` iterates (`next_methods`: through the
    /// `next()` a `while let` pulls items with), whose body is the next block to be created
    /// and binds the names of `patterns`.
    fn record_iteration<'p>(
        &mut self,
        kind: IterKind,
        span: Span,
        walked: &syn::Expr,
        next_methods: bool,
        patterns: impl IntoIterator<Item = &'p syn::Pat>,
    ) {
        let (source, take) = iteration_source(walked, next_methods);
        let mut bindings = Vec::new();
        for pat in patterns {
            pattern_bindings(pat, &mut bindings);
        }
        self.iterations.push(IterFact {
            kind,
            span,
            source: arg_fact(source),
            take,
            body: self.blocks.len(),
            bindings: fitted(bindings),
        });
    }

    /// Closure arguments of a call, recorded before the call's arguments are visited.
    fn record_closures(
        &mut self,
        callee: &str,
        args: &Punctuated<syn::Expr, syn::Token![,]>,
        receiver: Option<Span>,
    ) {
        for arg in args {
            if let syn::Expr::Closure(closure) = arg {
                let mut params = Vec::new();
                closure
                    .inputs
                    .iter()
                    .for_each(|input| pattern_bindings(input, &mut params));
                // The body block is created when the closure is visited.
                self.pending_closures.push(ClosureFact {
                    callee: callee.to_string(),
                    params: fitted(params),
                    body: 0,
                    span: expr_span(arg),
                    receiver,
                });
            }
        }
    }

    /// Marks the call whose value `expr` is as one whose result is discarded.
    fn discard(&mut self, expr: &syn::Expr) {
        if let Some(call) = result_call(expr, Trace::Value) {
            self.discarded.push(expr_span(call));
        }
    }

    /// Marks the call whose outcome `expr` carries as one whose failure leaves the function.
    fn exit_through(&mut self, expr: &syn::Expr) {
        if let Some(call) = result_call(expr, Trace::Outcome) {
            let span = expr_span(call);
            self.exiting.insert((span.start, span.end));
        }
    }
}

/// How far back from an expression the call it comes from is traced.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Trace {
    /// Through `.await`, `?` and parentheses: the expression is the call's value.
    Value,
    /// Also through what keeps the call's outcome: `!`, groups, a `let`, `match` or `if`
    /// on it, and the methods of [`OUTCOME_KEEPING_METHODS`].
    Outcome,
}

/// The call, method call or macro whose result `expr` carries, traced as `trace` says.
fn result_call(expr: &syn::Expr, trace: Trace) -> Option<&syn::Expr> {
    let outcome = trace == Trace::Outcome;
    let mut current = expr;
    // Each step goes one level into the expression: bounded by its depth.
    loop {
        current = match current {
            syn::Expr::Await(inner) => &inner.base,
            syn::Expr::Try(inner) => &inner.expr,
            syn::Expr::Paren(inner) => &inner.expr,
            syn::Expr::Group(inner) if outcome => &inner.expr,
            syn::Expr::Unary(inner) if outcome && matches!(inner.op, syn::UnOp::Not(_)) => {
                &inner.expr
            }
            syn::Expr::Let(inner) if outcome => &inner.expr,
            // A tail `match`/`if` on the outcome answers with it.
            syn::Expr::Match(inner) if outcome => &inner.expr,
            syn::Expr::If(inner) if outcome => &inner.cond,
            syn::Expr::MethodCall(call)
                if outcome
                    && OUTCOME_KEEPING_METHODS.contains(&call.method.to_string().as_str()) =>
            {
                &call.receiver
            }
            syn::Expr::Call(_) | syn::Expr::MethodCall(_) | syn::Expr::Macro(_) => {
                return Some(current)
            }
            _ => return None,
        };
    }
}

/// Methods whose result still tells the check's outcome: the error mapped, wrapped or
/// turned into a boolean.
const OUTCOME_KEEPING_METHODS: &[&str] = &[
    "map_err",
    "map",
    "context",
    "with_context",
    "wrap_err",
    "wrap_err_with",
    "ok_or",
    "ok_or_else",
    "and_then",
    "is_ok",
    "is_err",
    "is_some",
    "is_none",
    "into",
];

impl<'ast> Visit<'ast> for BodyWalker {
    fn visit_item(&mut self, _item: &'ast syn::Item) {
        // Nested items are indexed as items of their own.
    }

    fn visit_expr_field(&mut self, expr: &'ast syn::ExprField) {
        // The longest chain is the read; its base is not read separately.
        match place_of_field_chain(expr) {
            Some(place) => self.reads.push(PlaceRead {
                place,
                span: crate::source::expr_field_span(expr),
            }),
            None => visit::visit_expr_field(self, expr),
        }
    }

    fn visit_expr_path(&mut self, expr: &'ast syn::ExprPath) {
        let span = expr_path_span(expr);
        let segments = segment_names(&expr.path);
        if segments.len() >= 2 {
            self.value_paths.push((segments.clone(), span));
        }
        if expr.qself.is_none() {
            self.reads.push(PlaceRead {
                place: segments,
                span,
            });
        }
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        if let (syn::Pat::Wild(_), Some(init)) = (&local.pat, &local.init) {
            self.discard(&init.expr);
        }
        if let Some(init) = local.init.as_ref().filter(|init| init.diverge.is_some()) {
            self.exit_through(&init.expr);
        }
        let name = match &local.pat {
            syn::Pat::Ident(ident) => Some(ident_name(&ident.ident)),
            syn::Pat::Type(typed) => match &*typed.pat {
                syn::Pat::Ident(ident) => Some(ident_name(&ident.ident)),
                _ => None,
            },
            _ => None,
        };
        if let Some(name) = name {
            self.lets.push(LetFact {
                name,
                span: span_between(local.let_token.span, local.semi_token.span),
                block: self.current,
                init: local.init.as_ref().map(|init| arg_fact(&init.expr)),
            });
        }
        visit::visit_local(self, local);
    }

    fn visit_block(&mut self, block: &'ast syn::Block) {
        self.in_block(BlockKind::Plain, block_span(block), |walker| {
            walker.walk_block_contents(block)
        });
    }

    /// Each arm's block is a branch, and everything after an `else` is a branch nested in
    /// the one before (an `else if`'s condition runs only when the conditions before failed).
    /// The arms are walked one after the other, not recursively (see `visit_if_chain`).
    fn visit_expr_if(&mut self, expr: &'ast syn::ExprIf) {
        let outside = self.current;
        let mut arm = expr;
        loop {
            let else_exits = match arm.else_branch.as_ref().map(|(_, otherwise)| &**otherwise) {
                Some(syn::Expr::Block(block)) => block_exits(&block.block),
                _ => false,
            };
            if else_exits || block_exits(&arm.then_branch) {
                self.exit_through(&arm.cond);
            }
            self.visit_expr(&arm.cond);
            if let syn::Expr::Let(condition) = &*arm.cond {
                self.record_pattern(&condition.pat, self.blocks.len());
            }
            self.in_block(BlockKind::Branch, block_span(&arm.then_branch), |walker| {
                walker.walk_block_contents(&arm.then_branch)
            });
            let Some((_, otherwise)) = &arm.else_branch else {
                break;
            };
            self.enter_block(BlockKind::Branch, expr_span(otherwise));
            match &**otherwise {
                syn::Expr::If(next) => arm = next,
                syn::Expr::Block(block) => {
                    self.walk_block_contents(&block.block);
                    break;
                }
                other => {
                    self.visit_expr(other);
                    break;
                }
            }
        }
        self.current = outside;
    }

    fn visit_expr_match(&mut self, expr: &'ast syn::ExprMatch) {
        if expr.arms.iter().any(|arm| exits(&arm.body)) {
            self.exit_through(&expr.expr);
        }
        visit::visit_expr_match(self, expr);
    }

    fn visit_expr_try(&mut self, expr: &'ast syn::ExprTry) {
        self.exit_through(&expr.expr);
        visit::visit_expr_try(self, expr);
    }

    fn visit_expr_return(&mut self, expr: &'ast syn::ExprReturn) {
        if let Some(value) = &expr.expr {
            self.exit_through(value);
        }
        visit::visit_expr_return(self, expr);
    }

    fn visit_arm(&mut self, arm: &'ast syn::Arm) {
        self.record_pattern(&arm.pat, self.blocks.len());
        self.in_block(
            BlockKind::Branch,
            crate::source::pat_span(&arm.pat).cover(expr_span(&arm.body)),
            |walker| {
                if let Some((_, guard)) = &arm.guard {
                    walker.visit_expr(guard);
                }
                match &*arm.body {
                    syn::Expr::Block(block) => walker.walk_block_contents(&block.block),
                    body => walker.visit_expr(body),
                }
            },
        );
    }

    fn visit_expr_tuple(&mut self, tuple: &'ast syn::ExprTuple) {
        if tuple.elems.first().is_some_and(is_status_code) {
            self.status_tuples.push(StatusTuple {
                span: span_of_tokens(tuple),
                parts: tuple.elems.iter().skip(1).map(arg_fact).collect(),
                block: self.current,
            });
        }
        visit::visit_expr_tuple(self, tuple);
    }

    fn visit_expr_while(&mut self, expr: &'ast syn::ExprWhile) {
        self.visit_expr(&expr.cond);
        if let syn::Expr::Let(condition) = &*expr.cond {
            self.record_pattern(&condition.pat, self.blocks.len());
            self.record_iteration(
                IterKind::WhileLet,
                span_of(expr.while_token.span).cover(expr_span(&condition.expr)),
                &condition.expr,
                true,
                [&*condition.pat],
            );
        }
        self.in_block(BlockKind::Loop, block_span(&expr.body), |walker| {
            walker.walk_block_contents(&expr.body)
        });
    }

    fn visit_expr_for_loop(&mut self, expr: &'ast syn::ExprForLoop) {
        self.visit_expr(&expr.expr);
        self.record_iteration(
            IterKind::For,
            span_of(expr.for_token.span).cover(expr_span(&expr.expr)),
            &expr.expr,
            false,
            [&*expr.pat],
        );
        self.in_block(BlockKind::Loop, block_span(&expr.body), |walker| {
            walker.walk_block_contents(&expr.body)
        });
    }

    fn visit_expr_loop(&mut self, expr: &'ast syn::ExprLoop) {
        self.in_block(BlockKind::Loop, block_span(&expr.body), |walker| {
            walker.walk_block_contents(&expr.body)
        });
    }

    fn visit_expr_closure(&mut self, expr: &'ast syn::ExprClosure) {
        let span = crate::source::closure_span(expr);
        if let Some(at) = self
            .pending_closures
            .iter()
            .position(|pending| pending.span == span)
        {
            let mut fact = self.pending_closures.swap_remove(at);
            fact.body = self.blocks.len();
            self.closures.push(fact);
        }
        self.in_block(BlockKind::Deferred, expr_span(&expr.body), |walker| {
            walker.visit_expr(&expr.body)
        });
    }

    fn visit_expr_async(&mut self, expr: &'ast syn::ExprAsync) {
        self.in_block(BlockKind::Deferred, block_span(&expr.block), |walker| {
            walker.walk_block_contents(&expr.block)
        });
    }

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        if let syn::Expr::Path(path) = &*call.func {
            let segments: Vec<Name> = segment_names(&path.path);
            let name_span = path
                .path
                .segments
                .last()
                .map_or_else(|| span_of_tokens(path), |s| ident_span(&s.ident));
            self.record_call(
                Callee::Path(segments),
                name_span,
                call_span(call),
                exact(call.args.iter().map(arg_fact)),
                None,
                None,
            );
            let name = path
                .path
                .segments
                .last()
                .map(|s| s.ident.to_string())
                .unwrap_or_default();
            self.record_closures(&name, &call.args, None);
        }
        visit::visit_expr_call(self, call);
    }

    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        let method = ident_name(&call.method);
        if DISCARDING_METHODS.contains(&method.as_str()) {
            self.discard(&call.receiver);
        }
        if let (true, Some(other)) = (
            EQUALITY_METHODS.contains(&method.as_str()),
            call.args.first(),
        ) {
            self.comparisons.push(Comparison {
                span: method_call_span(call),
                block: self.current,
                left: comparison_side(&call.receiver),
                right: comparison_side(other),
            });
        }
        self.record_call(
            Callee::Method(method.clone()),
            ident_span(&call.method),
            method_call_span(call),
            exact(call.args.iter().map(arg_fact)),
            Some(arg_fact(&call.receiver)),
            None,
        );
        self.record_closures(&method, &call.args, Some(expr_span(&call.receiver)));
        let type_argument = call.turbofish.as_ref().and_then(|turbofish| {
            turbofish.args.iter().find_map(|arg| match arg {
                syn::GenericArgument::Type(ty) => Some(TypeRef::from_syn(ty)),
                _ => None,
            })
        });
        if let Some(ty) = type_argument {
            self.type_lookups.push(TypeLookup {
                method: method.clone(),
                ty,
                span: method_call_span(call),
            });
        }
        if !PER_ITEM_METHODS.contains(&method.as_str()) {
            visit::visit_expr_method_call(self, call);
            return;
        }
        // A per-item closure: record it with the block its body becomes.
        self.visit_expr(&call.receiver);
        for arg in &call.args {
            if let syn::Expr::Closure(closure) = arg {
                self.record_iteration(
                    IterKind::Closure(method.clone()),
                    method_call_span(call),
                    &call.receiver,
                    false,
                    &closure.inputs,
                );
            }
            self.visit_expr(arg);
        }
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let segments: Vec<Name> = segment_names(&mac.path);
        let name_span = mac
            .path
            .segments
            .last()
            .map_or_else(|| span_of_tokens(&mac.path), |s| ident_span(&s.ident));
        // Macro arguments are tokens to syn; most macros take expressions.
        let parse = self.macro_depth < MAX_MACRO_NESTING;
        let args = parse
            .then(|| {
                mac.parse_body_with(Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
                    .ok()
            })
            .flatten();
        let arg_facts: Vec<ArgFact> = args
            .as_ref()
            .map(|args| exact(args.iter().map(arg_fact)))
            .unwrap_or_default();
        // Event macros, and macros written as `name = value` pairs, are read
        // with the event grammar as well (`target: "audit"`, `a = %b`).
        let name = segments.last().map_or("", Name::as_str);
        let key_value = args.as_ref().is_some_and(|args| {
            !args.is_empty() && args.iter().all(|arg| matches!(arg, syn::Expr::Assign(_)))
        });
        if let (true, Some(args)) = (EQUALITY_MACROS.contains(&name), &args) {
            if let (Some(left), Some(right)) = (args.get(0), args.get(1)) {
                self.comparisons.push(Comparison {
                    span: macro_span(mac),
                    block: self.current,
                    left: comparison_side(left),
                    right: comparison_side(right),
                });
            }
        }
        let event = (parse && (events::EVENT_MACROS.contains(&name) || key_value))
            .then(|| events::parse(mac.tokens.clone(), name == "event"))
            .flatten();
        // `json!({"error": e.to_string()})`: the values are expressions.
        let args = match (args, name) {
            (None, "json") if parse => {
                let mut values = Vec::new();
                json_values(mac.tokens.clone(), &mut values, 0);
                Some(
                    values
                        .into_iter()
                        .collect::<Punctuated<syn::Expr, syn::Token![,]>>(),
                )
            }
            (args, _) => args,
        };
        let arg_facts = match (&args, name) {
            (Some(values), "json") => exact(values.iter().map(arg_fact)),
            _ => arg_facts,
        };
        self.record_call(
            Callee::Macro(segments),
            name_span,
            macro_span(mac),
            arg_facts,
            None,
            event.as_ref().map(|parsed| parsed.fact.clone()),
        );
        self.macro_depth += 1;
        match (&args, &event) {
            (Some(args), _) => {
                for arg in args {
                    self.visit_expr(arg);
                }
            }
            (None, Some(parsed)) => {
                for expr in &parsed.exprs {
                    self.visit_expr(expr);
                }
            }
            (None, None) => {}
        }
        self.macro_depth -= 1;
        self.parsed_macros.insert(macro_key(mac), args);
    }

    fn visit_expr_binary(&mut self, expr: &'ast syn::ExprBinary) {
        if matches!(expr.op, syn::BinOp::Eq(_) | syn::BinOp::Ne(_)) {
            self.comparisons.push(Comparison {
                span: expr_span(&expr.left).cover(expr_span(&expr.right)),
                block: self.current,
                left: comparison_side(&expr.left),
                right: comparison_side(&expr.right),
            });
        }
        visit::visit_expr_binary(self, expr);
    }

    fn visit_expr_struct(&mut self, literal: &'ast syn::ExprStruct) {
        let written = literal
            .path
            .segments
            .last()
            .map(|segment| ident_name(&segment.ident))
            .unwrap_or_default();
        let type_name = match (written.as_str(), &self.self_type) {
            ("Self", Some(self_type)) => Name::from(self_type.as_str()),
            _ => written,
        };
        let fields = exact(literal.fields.iter().map(|field| FieldInit {
            name: member_name(&field.member),
            span: crate::source::member_span(&field.member).cover(expr_span(&field.expr)),
            value: arg_fact(&field.expr),
        }));
        let rest = literal.rest.as_ref().map(|rest| StructRest {
            span: expr_span(rest),
            is_default: is_default_call(rest),
        });
        let path_span = crate::source::path_span(&literal.path);
        self.struct_literals.push(StructLiteral {
            type_name,
            path_span,
            span: path_span.cover(span_of(literal.brace_token.span.close())),
            block: self.current,
            fields,
            rest,
        });
        visit::visit_expr_struct(self, literal);
    }
}
