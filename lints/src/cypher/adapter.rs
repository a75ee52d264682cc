//! The only file that knows decypher's types: it walks decypher's AST into [`QueryFacts`].
//!
//! Variables are resolved here rather than with decypher's HIR, because HIR node patterns carry
//! no spans to tie them back to the AST, and HIR rejects queries with semantic errors that a
//! linter still wants to inspect.

use decypher::ast::clause::{Delete, Match, Merge, RemoveItem, Return, SetItem, With};
use decypher::ast::expr::{
    BinaryOperator, ComparisonOperator, ExistsInner, Expression, Literal, NumberLiteral,
    UnaryOperator,
};
use decypher::ast::pattern::{
    LabelExpression, NodePattern as AstNode, Pattern, PatternElement, Properties,
    RelationshipDirection, RelationshipPattern,
};
use decypher::ast::query::{
    CallSubquery, QueryBody, ReadingClause, RegularQuery, SinglePartBody, SinglePartQuery,
    SingleQuery, SingleQueryKind, UpdatingClause,
};
use decypher::ast::schema::SchemaCommand;
use decypher::ast::visit::{walk_expression, Visit};
use decypher::ast::{clause::ForeachUpdate, names::Variable};

use super::facts::*;
use super::prepass::{first_token_span, token_text, tokenize, CallImport};
use super::rewrite::{Detached, DetachedKind};

/// A text the parser rejected: the error to report, and where the parser stopped.
///
/// The two differ when decypher accepts the syntax but cannot build its tree from it
/// (`SET x` with no value, an unknown first word): that error is reported as a missing
/// clause at the first token, while `at` keeps the place decypher names, so a caller can
/// still tell what the parser stopped at.
#[derive(Debug)]
pub(crate) struct Rejected {
    pub error: CypherError,
    pub at: Span,
}

/// A query prepared for the parser, and what the pre-passes and rewrites took out of it.
pub(crate) struct Input<'a> {
    /// The prepared text: original bytes, maybe followed by a synthetic tail.
    pub text: &'a str,
    pub original_len: usize,
    pub template_holes: &'a [Span],
    pub call_imports: &'a [CallImport],
    pub detached: &'a [Detached],
    pub repeated: &'a [Span],
}

pub(crate) fn extract(input: &Input<'_>) -> Result<QueryFacts, Rejected> {
    let Input {
        text,
        original_len,
        template_holes,
        call_imports,
        detached,
        repeated,
    } = *input;
    let query = parse(text, original_len)?;
    let mut pending = Vec::new();
    let mut path_predicates = Vec::new();
    for clause in detached {
        match &clause.kind {
            DetachedKind::PathPredicate { predicate } => {
                path_predicates.push((clause.clause, fragment_expression(predicate)?));
            }
            _ => pending.push(DetachedClause::parse(clause)?),
        }
    }
    // Taken from the back, in text order.
    pending.sort_by_key(|clause| std::cmp::Reverse(clause.span.start));
    let mut extractor = Extractor {
        text,
        original_len,
        call_imports,
        pending,
        repeated,
        path_predicates,
        inline_predicates: Vec::new(),
        failure: None,
        facts: QueryFacts {
            template_holes: template_holes.to_vec(),
            ..QueryFacts::default()
        },
        scopes: vec![Vec::new()],
        clause: 0,
        within: None,
        in_predicate: false,
        conditional: false,
        required: true,
        negated: false,
        alternative: false,
        pattern: 0,
        patterns: 0,
        variable_length: false,
        returned: Vec::new(),
    };
    for statement in &query.statements {
        extractor.scopes = vec![Vec::new()];
        extractor.statement(statement);
    }
    extractor.detached_before(usize::MAX);
    // A path predicate outside any MATCH pattern still counts, as a predicate of the query.
    for (_, predicate) in std::mem::take(&mut extractor.path_predicates) {
        extractor.predicate(&predicate);
    }
    if let Some(failure) = extractor.failure {
        return Err(failure);
    }
    extractor.facts.shrink_to_fit();
    Ok(extractor.facts)
}

/// The fast path answers only when its AST is exactly decypher's; everything else, errors
/// included, goes through decypher.
fn parse(text: &str, original_len: usize) -> Result<decypher::Query, Rejected> {
    match super::fast::parse(text) {
        Some(query) => Ok(query),
        None => parse_with_decypher(text, original_len),
    }
}

/// The RETURN clause of a text made of one (see [`DetachedKind`]).
fn fragment_return(text: &str) -> Result<Return, Rejected> {
    let query = parse(text, text.len())?;
    let body = query
        .statements
        .into_iter()
        .next()
        .and_then(|statement| match statement {
            QueryBody::SingleQuery(SingleQuery {
                kind: SingleQueryKind::SinglePart(part),
                ..
            }) => match part.body {
                SinglePartBody::Return(ret) if part.reading_clauses.is_empty() => Some(ret),
                _ => None,
            },
            _ => None,
        });
    body.ok_or_else(|| {
        let span = first_token_span(text);
        Rejected {
            error: CypherError {
                message: "the parser read this as more than one expression".to_owned(),
                span,
                kind: CypherErrorKind::Syntax,
            },
            at: span,
        }
    })
}

/// A [`Detached`] clause with its expressions parsed.
struct DetachedClause {
    span: Span,
    kind: DetachedClauseKind,
}

enum DetachedClauseKind {
    Let(Vec<(String, Span, Expression)>),
    Filter(Expression),
    Paging(Box<Return>),
}

/// The one expression a text of `RETURN e` returns.
fn fragment_expression(text: &str) -> Result<Expression, Rejected> {
    let ret = fragment_return(text)?;
    ret.items
        .into_iter()
        .next()
        .map(|item| item.expression)
        .ok_or_else(|| {
            let span = first_token_span(text);
            Rejected {
                error: CypherError {
                    message: "expected an expression".to_owned(),
                    span,
                    kind: CypherErrorKind::Syntax,
                },
                at: span,
            }
        })
}

impl DetachedClause {
    fn parse(clause: &Detached) -> Result<Self, Rejected> {
        let first_item = fragment_expression;
        let kind = match &clause.kind {
            DetachedKind::Let(items) => DetachedClauseKind::Let(
                items
                    .iter()
                    .map(|item| Ok((item.name.clone(), item.name_span, first_item(&item.value)?)))
                    .collect::<Result<_, Rejected>>()?,
            ),
            DetachedKind::Filter { predicate } => {
                DetachedClauseKind::Filter(first_item(predicate)?)
            }
            DetachedKind::Paging { body } => {
                DetachedClauseKind::Paging(Box::new(fragment_return(body)?))
            }
            DetachedKind::PathPredicate { predicate } => {
                DetachedClauseKind::Filter(first_item(predicate)?)
            }
        };
        Ok(DetachedClause {
            span: clause.clause,
            kind,
        })
    }
}

/// decypher's AST, or its first error mapped onto the caller's text.
fn parse_with_decypher(text: &str, original_len: usize) -> Result<decypher::Query, Rejected> {
    let query = decypher::parse(text).map_err(|error| rejected(text, original_len, &error))?;
    match unread_statement(text, query.statements.len()) {
        None => Ok(query),
        Some(span) => {
            let error = CypherError {
                message: "expected a Cypher clause such as MATCH, CREATE or RETURN".to_owned(),
                span,
                kind: CypherErrorKind::Syntax,
            };
            Err(Rejected { error, at: span })
        }
    }
}

/// The first token of the first statement decypher did not read, if any: it stops at a
/// statement that starts with a word it does not know as a clause (`…; INSERT (x)`, `…; FOO`)
/// and returns the statements before it as the whole query. Statements end only at a `;`
/// outside brackets, so the statements written are counted here the same way.
fn unread_statement(text: &str, parsed: usize) -> Option<Span> {
    let mut depth = 0usize;
    let mut written = 0usize;
    let mut in_statement = false;
    for token in tokenize(text).filter(|t| !t.is_trivia()) {
        let token_text = token_text(text, token);
        if !in_statement && token_text != ";" {
            if written == parsed {
                return Some(Span::new(token.start, token.end));
            }
            written += 1;
            in_statement = true;
        }
        match token_text {
            "(" | "[" | "{" => depth += 1,
            ")" | "]" | "}" => depth = depth.saturating_sub(1),
            ";" if depth == 0 => in_statement = false,
            _ => {}
        }
    }
    None
}

/// A decypher error on the prepared text, mapped onto the caller's text.
fn rejected(text: &str, original_len: usize, error: &decypher::CypherError) -> Rejected {
    let clamp = |offset: usize| offset.min(original_len);
    let span = Span::new(clamp(error.span().start), clamp(error.span().end));
    if let decypher::ErrorKind::Internal { .. } = error.kind() {
        // decypher's answer to an unknown first keyword (`MACTH`) is "empty source file",
        // at 0..0; its other internal errors name the part it could not build.
        let error = CypherError {
            message: "expected a Cypher clause such as MATCH, CREATE or RETURN".to_owned(),
            span: first_token_span(text),
            kind: CypherErrorKind::Syntax,
        };
        let at = if span == Span::default() {
            error.span
        } else {
            span
        };
        return Rejected { error, at };
    }
    Rejected {
        error: CypherError {
            message: error.kind().to_string(),
            span,
            kind: CypherErrorKind::Syntax,
        },
        at: span,
    }
}

/// Variables visible at a point: frames from outermost to innermost.
type Scopes = Vec<Vec<(String, BindingId)>>;

struct Extractor<'a> {
    text: &'a str,
    original_len: usize,
    call_imports: &'a [CallImport],
    /// Detached clauses not yet walked, the next one last.
    pending: Vec<DetachedClause>,
    /// See [`super::rewrite::Rewrite::repeated`].
    repeated: &'a [Span],
    /// Predicates of parenthesised paths (`((a)-->(b) WHERE …)+`) that a rewrite took out,
    /// with where they were written, until the pattern they are in is walked.
    path_predicates: Vec<(Span, Expression)>,
    /// Inline predicates (`(n WHERE …)`) of the pattern being walked, walked after it.
    inline_predicates: Vec<Expression>,
    /// The first inline predicate that did not parse.
    failure: Option<Rejected>,
    facts: QueryFacts,
    scopes: Scopes,
    clause: usize,
    within: Option<usize>,
    in_predicate: bool,
    conditional: bool,
    /// Holds for every row of the current clause (see [`RelPattern::required_by_clause`]).
    required: bool,
    /// Under an odd number of NOTs: a label predicate here names labels a node lacks.
    negated: bool,
    /// Under OR, XOR or CASE: a label predicate here is one alternative.
    alternative: bool,
    /// The pattern being walked, and how many were started (see [`RelPattern::pattern`]).
    pattern: usize,
    patterns: usize,
    variable_length: bool,
    /// Columns of the last RETURN, for the variables a CALL subquery exports.
    returned: Vec<(String, Option<BindingId>)>,
}

impl Extractor<'_> {
    fn statement(&mut self, statement: &QueryBody) {
        match statement {
            QueryBody::SingleQuery(single) => self.single_query(single),
            QueryBody::Regular(regular) => self.regular_query(regular),
            QueryBody::Standalone(call) => {
                let name = qualified_name(&call.call.name.name);
                self.push_clause(ClauseKind::CallProcedure { name }, call.span);
                self.values(&call.call.name.arguments);
            }
            QueryBody::Use(use_clause) => {
                self.push_clause(ClauseKind::Use, use_clause.span);
            }
            QueryBody::SchemaCommand(command) => {
                let span = match command {
                    SchemaCommand::CreateIndex(c) => c.span,
                    SchemaCommand::DropIndex(c) => c.span,
                    SchemaCommand::CreateConstraint(c) => c.span,
                    SchemaCommand::DropConstraint(c) => c.span,
                };
                self.push_clause(ClauseKind::Other, span);
            }
            QueryBody::Show(show) => {
                self.push_clause(ClauseKind::Other, show.span);
            }
        }
    }

    fn regular_query(&mut self, query: &RegularQuery) {
        let entry_scopes = self.scopes.clone();
        self.single_query(&query.single_query);
        for union in &query.unions {
            self.scopes = entry_scopes.clone();
            self.push_clause(ClauseKind::Union { all: union.all }, union.span);
            self.single_query(&union.single_query);
        }
    }

    fn single_query(&mut self, query: &SingleQuery) {
        if let Some(use_clause) = &query.use_clause {
            self.push_clause(ClauseKind::Use, use_clause.span);
        }
        match &query.kind {
            SingleQueryKind::SinglePart(part) => self.single_part(part),
            SingleQueryKind::MultiPart(multi) => {
                for part in &multi.parts {
                    part.reading_clauses.iter().for_each(|c| self.reading(c));
                    part.updating_clauses.iter().for_each(|c| self.updating(c));
                    self.with(&part.with);
                }
                self.single_part(&multi.final_part);
            }
        }
    }

    fn single_part(&mut self, part: &SinglePartQuery) {
        part.reading_clauses.iter().for_each(|c| self.reading(c));
        match &part.body {
            SinglePartBody::Return(ret) => self.return_clause(ret),
            SinglePartBody::Updating {
                updating,
                return_clause,
            } => {
                updating.iter().for_each(|c| self.updating(c));
                self.returned.clear();
                if let Some(ret) = return_clause {
                    self.return_clause(ret);
                }
            }
            SinglePartBody::Finish(_) => self.returned.clear(),
        }
    }

    fn reading(&mut self, clause: &ReadingClause) {
        match clause {
            ReadingClause::Match(m) => self.match_clause(m),
            ReadingClause::Unwind(unwind) => {
                self.push_clause(ClauseKind::Unwind, unwind.span);
                self.value(&unwind.expression);
                self.bind_new(&unwind.variable);
            }
            ReadingClause::InQueryCall(call) => {
                let name = qualified_name(&call.call.name.name);
                self.push_clause(ClauseKind::CallProcedure { name }, call.span);
                self.values(&call.call.name.arguments);
                for item in call.yield_items.iter().flat_map(|y| &y.items) {
                    let (name, span) = match &item.alias {
                        Some(alias) => (&alias.name.name, alias.name.span),
                        None => (&item.procedure_field.name, item.procedure_field.span),
                    };
                    self.bind_name(name, to_span(span));
                }
                if let Some(filter) = call
                    .yield_items
                    .as_ref()
                    .and_then(|y| y.where_clause.as_ref())
                {
                    self.predicate(filter);
                }
            }
            ReadingClause::CallSubquery(call) => self.call_subquery(call),
            ReadingClause::LoadCsv(load) => {
                self.push_clause(ClauseKind::LoadCsv, load.span);
                self.value(&load.source);
                self.bind_new(&load.variable);
            }
        }
    }

    fn match_clause(&mut self, m: &Match) {
        self.push_clause(
            ClauseKind::Match {
                optional: m.optional,
            },
            m.span,
        );
        let outer_conditional = self.conditional;
        self.conditional |= m.optional;
        self.pattern(&m.pattern);
        if let Some(filter) = &m.where_clause {
            self.predicate(filter);
        }
        self.conditional = outer_conditional;
    }

    fn updating(&mut self, clause: &UpdatingClause) {
        match clause {
            UpdatingClause::Create(create) => {
                self.push_clause(ClauseKind::Create, create.span);
                self.pattern(&create.pattern);
            }
            UpdatingClause::Merge(merge) => self.merge(merge),
            UpdatingClause::Delete(delete) => self.delete(delete),
            UpdatingClause::Set(set) => {
                let clause = self.push_clause(ClauseKind::Set, set.span);
                self.set_items(clause, &set.items);
            }
            UpdatingClause::Remove(remove) => {
                let clause = self.push_clause(ClauseKind::Remove, remove.span);
                for item in &remove.items {
                    let write = match item {
                        RemoveItem::Labels { variable, labels } => Some(WriteItem {
                            target: self.variable_ref(variable),
                            property: None,
                            labels: labels.iter().map(|l| l.name.clone()).collect(),
                            value: PropValue::Other,
                        }),
                        RemoveItem::Property(property) => self.property_write(property, None),
                    };
                    self.add_write(clause, write);
                }
            }
            UpdatingClause::Foreach(foreach) => {
                let clause = self.push_clause(ClauseKind::Foreach, foreach.span);
                self.value(&foreach.list);
                let outer_within = self.within.replace(clause);
                self.scopes.push(Vec::new());
                self.bind_new(&foreach.variable);
                for update in &foreach.updates {
                    self.updating(&foreach_update(update));
                }
                self.scopes.pop();
                self.within = outer_within;
            }
        }
    }

    fn merge(&mut self, merge: &Merge) {
        let clause = self.push_clause(ClauseKind::Merge, merge.span);
        self.pattern_parts(std::slice::from_ref(&merge.pattern));
        for action in &merge.actions {
            self.set_items(clause, &action.set_items);
        }
    }

    fn delete(&mut self, delete: &Delete) {
        let clause = self.push_clause(
            ClauseKind::Delete {
                detach: delete.detach,
            },
            delete.span,
        );
        self.values(&delete.targets);
        for target in &delete.targets {
            if let Expression::Variable(variable) = target {
                let reference = self.variable_ref(variable);
                if let Some(c) = self.facts.clauses.get_mut(clause) {
                    c.deletes.push(reference);
                }
            }
        }
    }

    fn set_items(&mut self, clause: usize, items: &[SetItem]) {
        for item in items {
            let write = match item {
                SetItem::Property {
                    property, value, ..
                } => {
                    self.value(value);
                    self.property_write(property, Some(value))
                }
                SetItem::Variable {
                    variable, value, ..
                } => {
                    self.value(value);
                    Some(WriteItem {
                        target: self.variable_ref(variable),
                        property: None,
                        labels: Vec::new(),
                        value: self.prop_value(value),
                    })
                }
                SetItem::DynamicProperty {
                    property,
                    key,
                    value,
                    ..
                } => {
                    self.values([property, key, value]);
                    self.property_write(property, Some(value))
                        .map(|w| WriteItem {
                            property: None,
                            ..w
                        })
                }
                SetItem::Labels { variable, labels } => Some(WriteItem {
                    target: self.variable_ref(variable),
                    property: None,
                    labels: labels.iter().map(|l| l.name.clone()).collect(),
                    value: PropValue::Other,
                }),
            };
            self.add_write(clause, write);
        }
    }

    /// `n.key` (or plain `n` for dynamic keys) as a write target.
    fn property_write(&self, target: &Expression, value: Option<&Expression>) -> Option<WriteItem> {
        let (variable, property) = match target {
            Expression::PropertyLookup { base, property, .. } => match base.as_ref() {
                Expression::Variable(v) => (v, Some(property.name.name.clone())),
                _ => return None,
            },
            Expression::Variable(v) => (v, None),
            _ => return None,
        };
        Some(WriteItem {
            target: self.variable_ref(variable),
            property,
            labels: Vec::new(),
            value: value.map_or(PropValue::Other, |v| self.prop_value(v)),
        })
    }

    fn add_write(&mut self, clause: usize, write: Option<WriteItem>) {
        if let (Some(c), Some(write)) = (self.facts.clauses.get_mut(clause), write) {
            c.writes.push(write);
        }
    }

    fn with(&mut self, with: &With) {
        let clause = self.push_clause(ClauseKind::With, with.span);
        self.mark_paging(clause, with.skip.is_some(), with.limit.is_some());
        let projected = self.projection(&with.items);
        self.values(
            with.order
                .iter()
                .flat_map(|o| &o.items)
                .map(|s| &s.expression),
        );
        self.values(with.skip.iter().chain(&with.limit));
        let mut frame: Vec<(String, BindingId)> = if with.star {
            self.scopes.pop().unwrap_or_default()
        } else {
            Vec::new()
        };
        for (name, binding, span) in projected {
            let binding = binding.unwrap_or_else(|| self.new_binding(Some(name.clone()), span));
            frame.push((name, binding));
        }
        if with.star {
            self.scopes.push(frame);
        } else if let Some(top) = self.scopes.last_mut() {
            *top = frame;
        }
        if let Some(filter) = &with.where_clause {
            self.predicate(filter);
        }
    }

    fn return_clause(&mut self, ret: &Return) {
        if to_span(ret.span).start >= self.original_len {
            // The synthetic `RETURN 1` appended after a trailing unit subquery.
            self.returned.clear();
            return;
        }
        let clause = self.push_clause(ClauseKind::Return, ret.span);
        self.mark_paging(clause, ret.skip.is_some(), ret.limit.is_some());
        self.returned = self
            .projection(&ret.items)
            .into_iter()
            .map(|(n, b, _)| (n, b))
            .collect();
        self.values(
            ret.order
                .iter()
                .flat_map(|o| &o.items)
                .map(|s| &s.expression),
        );
        self.values(ret.skip.iter().chain(&ret.limit));
    }

    /// Walks projection items; returns each column with the binding it aliases, if any.
    fn projection(
        &mut self,
        items: &[decypher::ast::clause::ProjectionItem],
    ) -> Vec<(String, Option<BindingId>, Span)> {
        let mut columns = Vec::new();
        for item in items {
            self.value(&item.expression);
            let aliased = match &item.expression {
                Expression::Variable(v) => self.lookup(&v.name.name),
                _ => None,
            };
            match (&item.alias, &item.expression) {
                (Some(alias), _) => {
                    columns.push((alias.name.name.clone(), aliased, to_span(alias.name.span)))
                }
                (None, Expression::Variable(v)) => {
                    columns.push((v.name.name.clone(), aliased, to_span(v.name.span)))
                }
                _ => {}
            }
        }
        columns
    }

    fn mark_paging(&mut self, clause: usize, skip: bool, limit: bool) {
        if let Some(c) = self.facts.clauses.get_mut(clause) {
            c.has_skip = skip;
            c.has_limit = limit;
        }
    }

    fn call_subquery(&mut self, call: &CallSubquery) {
        let kind = ClauseKind::CallSubquery {
            in_transactions: call.in_transactions.is_some(),
        };
        let clause = self.push_clause(kind, call.span);
        self.values(call.in_transactions.iter().flat_map(|t| &t.of_rows));

        // Only imported variables are visible inside: `CALL (a, b) {` (blanked by the lexer and
        // recorded there) or a leading `WITH a, b`.
        let scope_list = self
            .call_imports
            .iter()
            .find(|i| i.call_start == call.span.start);
        let mut imported: Vec<(String, BindingId)> = if scope_list.is_some_and(|i| i.all) {
            self.scopes.iter().flatten().cloned().collect()
        } else {
            let mut names: Vec<&str> = importing_with_names(&call.query);
            names.extend(scope_list.iter().flat_map(|i| &i.names).map(String::as_str));
            names
                .iter()
                .filter_map(|n| Some((n.to_string(), self.lookup(n)?)))
                .collect()
        };
        imported.dedup();
        let outer_scopes = std::mem::replace(&mut self.scopes, vec![imported]);
        let outer_within = self.within.replace(clause);
        self.returned.clear();
        self.regular_query(&call.query);
        self.within = outer_within;
        self.scopes = outer_scopes;
        self.clause = clause;
        for (name, binding) in std::mem::take(&mut self.returned) {
            let binding =
                binding.unwrap_or_else(|| self.new_binding(Some(name.clone()), to_span(call.span)));
            if let Some(top) = self.scopes.last_mut() {
                top.push((name, binding));
            }
        }
    }

    /// A nested query inside an expression (EXISTS/COUNT/COLLECT): sees the outer variables,
    /// its own do not leak out.
    fn nested_query(&mut self, query: &RegularQuery) {
        let outer_within = self.within.replace(self.clause);
        let outer_clause = self.clause;
        let outer_scopes = self.scopes.clone();
        // Its clauses hold or not on their own terms; how the whole subquery is used (under
        // NOT, as a value) is in `conditional`.
        let outer = self.expression_context();
        (self.required, self.alternative) = (true, false);
        self.scopes.push(Vec::new());
        self.regular_query(query);
        self.scopes = outer_scopes;
        self.clause = outer_clause;
        self.within = outer_within;
        self.restore_expression_context(outer);
        self.returned.clear();
    }

    /// Runs `walk` as a new pattern (see [`RelPattern::pattern`]).
    /// Its inline predicates (`(n WHERE …)`) are walked after it, as part of it.
    fn in_new_pattern<T>(&mut self, walk: impl FnOnce(&mut Self) -> T) -> T {
        self.patterns += 1;
        let outer = std::mem::replace(&mut self.pattern, self.patterns);
        let kept = self.inline_predicates.len();
        let result = walk(self);
        for predicate in self.inline_predicates.split_off(kept) {
            self.predicate(&predicate);
        }
        self.pattern = outer;
        result
    }

    fn pattern(&mut self, pattern: &Pattern) {
        self.pattern_parts(&pattern.parts);
    }

    fn pattern_parts(&mut self, parts: &[decypher::ast::pattern::PatternPart]) {
        self.in_new_pattern(|this| this.pattern_parts_here(parts));
    }

    fn pattern_parts_here(&mut self, parts: &[decypher::ast::pattern::PatternPart]) {
        if let (Some(first), Some(last)) = (parts.first(), parts.last()) {
            let (start, end) = (first.span.start, last.span.end);
            let (within, elsewhere) = std::mem::take(&mut self.path_predicates)
                .into_iter()
                .partition(|(at, _)| start <= at.start && at.end <= end);
            self.path_predicates = elsewhere;
            self.inline_predicates.extend(
                within
                    .into_iter()
                    .map(|(_, predicate): (Span, Expression)| predicate),
            );
        }
        let mut previous: Option<(usize, Span)> = None;
        for part in parts {
            if let Some(path) = &part.variable {
                self.bind_name(&path.name.name, to_span(path.name.span));
            }
            let Some((first, last)) = self.element(&part.anonymous.element) else {
                continue;
            };
            let span = to_span(part.span);
            // Parts written side by side without a comma are one path (quantified path patterns).
            if let Some((previous_last, previous_span)) = previous {
                let between = self.text.get(previous_span.end..span.start).unwrap_or(",");
                if !between.contains(',') && !self.conditional {
                    self.facts.path_joins.push((previous_last, first));
                }
            }
            previous = Some((last, span));
        }
    }

    /// Returns the indices of the first and last node of the element.
    fn element(&mut self, element: &PatternElement) -> Option<(usize, usize)> {
        match element {
            PatternElement::Path { start, chains } => {
                let first = self.node(start);
                let mut last = first;
                for chain in chains {
                    let next = self.node(&chain.node);
                    self.relationship(&chain.relationship, last, next);
                    last = next;
                }
                Some((first, last))
            }
            PatternElement::Parenthesized(inner) => self.element(inner),
            PatternElement::Quantified { element, .. } => {
                let outer = std::mem::replace(&mut self.variable_length, true);
                let ends = self.element(element);
                self.variable_length = outer;
                ends
            }
        }
    }

    fn node(&mut self, node: &AstNode) -> usize {
        let binding = self.bind_or_anonymous(node.variable.as_ref(), to_span(node.span));
        let mut labels = LabelSummary::default();
        for label in &node.labels {
            self.summarise_labels(label, false, &mut labels);
        }
        let (properties, properties_parameter) = self.properties(node.properties.as_ref());
        self.facts.nodes.push(NodePattern {
            binding,
            variable: node.variable.as_ref().map(|v| v.name.name.clone()),
            labels: labels.names,
            label_predicate: false,
            label_alternatives: labels.alternatives,
            dynamic_label: labels.dynamic,
            properties,
            properties_parameter,
            span: to_span(node.span),
            clause: self.clause,
            pattern: self.pattern,
            in_predicate: self.in_predicate,
            conditional: self.conditional,
        });
        self.keep_inline_predicate(to_span(node.span), "(");
        self.facts.nodes.len() - 1
    }

    fn relationship(&mut self, rel: &RelationshipPattern, left: usize, right: usize) {
        let detail = rel.detail.as_ref();
        let binding =
            self.bind_or_anonymous(detail.and_then(|d| d.variable.as_ref()), to_span(rel.span));
        let mut types = LabelSummary::default();
        if let Some(expression) = detail.and_then(|d| d.types.as_ref()) {
            self.summarise_labels(expression, false, &mut types);
        }
        let (properties, properties_parameter) =
            self.properties(detail.and_then(|d| d.properties.as_ref()));
        self.facts.relationships.push(RelPattern {
            binding,
            variable: detail
                .and_then(|d| d.variable.as_ref())
                .map(|v| v.name.name.clone()),
            types: types.names,
            dynamic_type: types.dynamic,
            direction: match rel.direction {
                RelationshipDirection::Left => Direction::Left,
                RelationshipDirection::Right => Direction::Right,
                RelationshipDirection::Both => Direction::Both,
                RelationshipDirection::Undirected => Direction::Undirected,
            },
            variable_length: self.variable_length
                || rel.quantifier.is_some()
                || detail.is_some_and(|d| d.range.is_some())
                || self.repeated_by_blanked_quantifier(to_span(rel.span)),
            properties,
            properties_parameter,
            left,
            right,
            span: to_span(rel.span),
            clause: self.clause,
            pattern: self.pattern,
            in_predicate: self.in_predicate,
            conditional: self.conditional,
            required_by_clause: self.required,
        });
        self.keep_inline_predicate(to_span(rel.span), "[");
    }

    fn properties(&mut self, properties: Option<&Properties>) -> (Vec<Property>, Option<String>) {
        match properties {
            None => (Vec::new(), None),
            Some(Properties::Parameter(parameter)) => {
                self.visit_parameter(parameter);
                (Vec::new(), Some(parameter.name.name.clone()))
            }
            Some(Properties::Map(map)) => {
                let mut found = Vec::new();
                for (key, value) in &map.entries {
                    self.value(value);
                    let key_span = to_span(key.name.span);
                    let value_end = expression_end(value).filter(|&end| end > key_span.end);
                    found.push(Property {
                        key: key.name.name.clone(),
                        value: self.prop_value(value),
                        span: Span::new(key_span.start, value_end.unwrap_or(key_span.end)),
                    });
                }
                (found, None)
            }
        }
    }

    fn summarise_labels(&mut self, label: &LabelExpression, negated: bool, out: &mut LabelSummary) {
        match label {
            LabelExpression::Static(name) if self.in_template_hole(to_span(name.span)) => {
                out.dynamic = true
            }
            LabelExpression::Static(name) if !negated => out.names.push(name.name.clone()),
            LabelExpression::Static(_) => {}
            LabelExpression::Wildcard { .. } => out.dynamic = true,
            LabelExpression::Dynamic { expression, .. } => {
                out.dynamic = true;
                self.value(expression);
            }
            LabelExpression::Or { lhs, rhs, .. } | LabelExpression::And { lhs, rhs, .. } => {
                out.alternatives |= matches!(label, LabelExpression::Or { .. });
                self.summarise_labels(lhs, negated, out);
                self.summarise_labels(rhs, negated, out);
            }
            LabelExpression::Not { inner, .. } => self.summarise_labels(inner, !negated, out),
            LabelExpression::Group { inner, .. } => self.summarise_labels(inner, negated, out),
        }
    }

    fn prop_value(&self, value: &Expression) -> PropValue {
        match value {
            Expression::Parameter(p) => PropValue::Parameter(p.name.name.clone()),
            Expression::Variable(v) if self.in_template_hole(to_span(v.name.span)) => {
                PropValue::TemplateHole
            }
            Expression::Variable(v) => PropValue::Variable {
                name: v.name.name.clone(),
                binding: self.lookup(&v.name.name),
            },
            Expression::PropertyLookup { base, property, .. } => match base.as_ref() {
                Expression::Variable(v) => PropValue::PropertyOf {
                    variable: v.name.name.clone(),
                    binding: self.lookup(&v.name.name),
                    key: property.name.name.clone(),
                },
                _ => PropValue::Other,
            },
            Expression::Literal(literal) => match literal {
                Literal::String(s) => PropValue::Literal(s.value.clone()),
                Literal::Number(NumberLiteral::Integer(i)) => PropValue::Literal(i.to_string()),
                Literal::Number(NumberLiteral::Float(f)) => PropValue::Literal(f.to_string()),
                Literal::Boolean(b) => PropValue::Literal(b.to_string()),
                Literal::Null => PropValue::Literal("null".to_owned()),
                Literal::List(_) | Literal::Map(_) => PropValue::Other,
            },
            _ => PropValue::Other,
        }
    }

    /// A WHERE-style filter: patterns in it are predicates.
    fn predicate(&mut self, expression: &Expression) {
        let outer = std::mem::replace(&mut self.in_predicate, true);
        self.visit_expression(expression);
        self.in_predicate = outer;
    }

    /// An expression computing a value: patterns in it do not restrict the result rows.
    fn value(&mut self, expression: &Expression) {
        let outer = (self.conditional, self.required);
        (self.conditional, self.required) = (true, false);
        self.visit_expression(expression);
        (self.conditional, self.required) = outer;
    }

    fn values<'e>(&mut self, expressions: impl IntoIterator<Item = &'e Expression>) {
        expressions.into_iter().for_each(|e| self.value(e));
    }

    fn record_filter(&mut self, lhs: &Expression, rhs: &Expression, operator: FilterOperator) {
        let (property, value) = match (lhs, rhs) {
            (Expression::PropertyLookup { .. }, _) => (lhs, rhs),
            (_, Expression::PropertyLookup { .. }) if operator == FilterOperator::Equals => {
                (rhs, lhs)
            }
            _ => return,
        };
        let Expression::PropertyLookup {
            base,
            property: key,
            span,
        } = property
        else {
            return;
        };
        let Expression::Variable(variable) = base.as_ref() else {
            return;
        };
        self.facts.property_filters.push(PropertyFilter {
            variable: variable.name.name.clone(),
            binding: self.lookup(&variable.name.name),
            key: key.name.name.clone(),
            operator,
            value: self.prop_value(value),
            span: to_span(*span),
            clause: self.clause,
            conditional: self.conditional,
        });
    }

    fn push_clause(&mut self, kind: ClauseKind, span: decypher::Span) -> usize {
        self.push_clause_at(kind, to_span(span))
    }

    /// Detached clauses written before `span` come first (see [`Self::detached_before`]).
    fn push_clause_at(&mut self, kind: ClauseKind, span: Span) -> usize {
        self.detached_before(span.start);
        let span = span_of(self.text, span.start, span.end.min(self.original_len));
        self.facts.clauses.push(Clause {
            kind,
            span,
            within: self.within,
            has_skip: false,
            has_limit: false,
            writes: Vec::new(),
            deletes: Vec::new(),
        });
        self.clause = self.facts.clauses.len() - 1;
        self.clause
    }

    /// Walks the detached clauses written before `offset`, each as the `WITH *` it stands for,
    /// where the parser's clauses around them are walked.
    fn detached_before(&mut self, offset: usize) {
        while self
            .pending
            .last()
            .is_some_and(|clause| clause.span.start < offset)
        {
            let Some(clause) = self.pending.pop() else {
                break;
            };
            // Its own span: the text at it is blanked for the parser, and not to be trimmed.
            let index = self.push_clause_at(ClauseKind::With, clause.span);
            if let Some(pushed) = self.facts.clauses.get_mut(index) {
                pushed.span = clause.span;
            }
            match clause.kind {
                DetachedClauseKind::Let(items) => {
                    for (name, span, value) in items {
                        self.value(&value);
                        self.bind_fresh(&name, span);
                    }
                }
                DetachedClauseKind::Filter(predicate) => self.predicate(&predicate),
                DetachedClauseKind::Paging(paging) => {
                    self.mark_paging(index, paging.skip.is_some(), paging.limit.is_some());
                    self.values(
                        paging
                            .order
                            .iter()
                            .flat_map(|o| &o.items)
                            .map(|s| &s.expression),
                    );
                    self.values(paging.skip.iter().chain(&paging.limit));
                }
            }
        }
    }

    /// The inline predicate of the node or relationship pattern at `span` (`(n:A WHERE …)`,
    /// `-[r WHERE …]->`), kept for the end of its pattern. decypher parses it and leaves it
    /// out of its tree, so it is found in the text: the `WHERE` at the pattern's own bracket
    /// depth, up to the bracket that closes the pattern.
    fn keep_inline_predicate(&mut self, span: Span, open: &str) {
        let Some(written) = self.text.get(span.range()) else {
            return;
        };
        // Most patterns have no predicate: one pass over the bytes settles it.
        let mentions_where = written
            .as_bytes()
            .windows(5)
            .any(|window| window.eq_ignore_ascii_case(b"WHERE"));
        if !mentions_where {
            return;
        }
        let tokens: Vec<_> = tokenize(written).filter(|t| !t.is_trivia()).collect();
        let Some(open_at) = tokens.iter().position(|t| token_text(written, *t) == open) else {
            return;
        };
        let mut depth = 0usize;
        let mut predicate_start = None;
        for (i, token) in tokens.iter().enumerate().skip(open_at) {
            match token_text(written, *token) {
                "(" | "[" | "{" => depth += 1,
                ")" | "]" | "}" => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        let Some(first) = predicate_start.and_then(|p: usize| tokens.get(p)) else {
                            return;
                        };
                        let Some(last) = i.checked_sub(1).and_then(|l| tokens.get(l)) else {
                            return;
                        };
                        let predicate = Span::new(span.start + first.start, span.start + last.end);
                        self.parse_inline_predicate(predicate);
                        return;
                    }
                }
                word if depth == 1
                    && predicate_start.is_none()
                    && token.kind == super::prepass::TokenKind::Word
                    && word.eq_ignore_ascii_case("WHERE") =>
                {
                    predicate_start = Some(i + 1);
                }
                _ => {}
            }
        }
    }

    fn parse_inline_predicate(&mut self, predicate: Span) {
        const LEAD: &str = "RETURN";
        let Some(written) = self.text.get(predicate.range()) else {
            return;
        };
        // Inside a pattern the predicate is at least `(WHERE ` in, room for the lead.
        let Some(padding) = predicate.start.checked_sub(LEAD.len()) else {
            return;
        };
        let fragment = format!("{LEAD}{}{written}", " ".repeat(padding));
        let parsed = fragment_return(&fragment).and_then(|ret| {
            ret.items
                .into_iter()
                .next()
                .map(|item| item.expression)
                .ok_or(Rejected {
                    error: CypherError {
                        message: "expected a predicate after WHERE".to_owned(),
                        span: predicate,
                        kind: CypherErrorKind::Syntax,
                    },
                    at: predicate,
                })
        });
        match parsed {
            Ok(expression) => self.inline_predicates.push(expression),
            Err(rejected) => {
                self.failure.get_or_insert(rejected);
            }
        }
    }

    fn lookup(&self, name: &str) -> Option<BindingId> {
        self.scopes
            .iter()
            .rev()
            .flat_map(|frame| frame.iter().rev())
            .find(|(n, _)| n == name)
            .map(|(_, b)| *b)
    }

    fn new_binding(&mut self, name: Option<String>, span: Span) -> BindingId {
        self.facts.bindings.push(Binding { name, span });
        self.facts.bindings.len() - 1
    }

    /// The visible binding of `name`, or a new one in the innermost frame.
    fn bind_name(&mut self, name: &str, span: Span) -> BindingId {
        if let Some(existing) = self.lookup(name) {
            return existing;
        }
        self.bind_fresh(name, span)
    }

    fn bind_fresh(&mut self, name: &str, span: Span) -> BindingId {
        let binding = self.new_binding(Some(name.to_owned()), span);
        if let Some(top) = self.scopes.last_mut() {
            top.push((name.to_owned(), binding));
        }
        binding
    }

    /// UNWIND/LOAD CSV/FOREACH variables always start a new binding.
    fn bind_new(&mut self, variable: &Variable) -> BindingId {
        self.bind_fresh(&variable.name.name, to_span(variable.name.span))
    }

    fn bind_or_anonymous(&mut self, variable: Option<&Variable>, span: Span) -> BindingId {
        match variable {
            Some(v) => self.bind_name(&v.name.name, to_span(v.name.span)),
            None => self.new_binding(None, span),
        }
    }

    fn variable_ref(&self, variable: &Variable) -> VariableRef {
        VariableRef {
            name: variable.name.name.clone(),
            binding: self.lookup(&variable.name.name),
            span: to_span(variable.name.span),
        }
    }

    /// A relationship inside a parenthesised path, or right before a quantifier, that a
    /// rewrite blanked (`((a)-->(b))+`, `-[:R]->+`; the parser's span of the relationship may
    /// take in the blank).
    fn repeated_by_blanked_quantifier(&self, relationship: Span) -> bool {
        self.repeated.iter().any(|quantified| {
            relationship.overlaps(*quantified)
                || (relationship.end <= quantified.start
                    && self
                        .text
                        .get(relationship.end..quantified.start)
                        .is_some_and(|gap| gap.trim().is_empty()))
        })
    }

    fn in_template_hole(&self, span: Span) -> bool {
        self.facts
            .template_holes
            .iter()
            .any(|hole| hole.overlaps(span))
    }
}

impl<'ast> Visit<'ast> for Extractor<'_> {
    fn visit_parameter(&mut self, parameter: &'ast decypher::ast::expr::Parameter) {
        let span = to_span(parameter.span);
        if span.start < self.original_len {
            self.facts
                .parameters
                .push((parameter.name.name.clone(), span));
        }
    }

    fn visit_expression(&mut self, expression: &'ast Expression) {
        let outer = self.expression_context();
        match expression {
            Expression::UnaryOp {
                op: UnaryOperator::Not,
                ..
            } => {
                (self.conditional, self.required) = (true, false);
                self.negated = !self.negated;
                walk_expression(self, expression);
            }
            Expression::BinaryOp {
                op: BinaryOperator::Or | BinaryOperator::Xor,
                ..
            }
            | Expression::Case(_) => {
                (self.conditional, self.required, self.alternative) = (true, false, true);
                walk_expression(self, expression);
            }
            Expression::NodeLabels { base, labels, .. } if self.in_predicate => {
                self.label_predicate(base, labels);
            }
            Expression::Comparison { lhs, operators, .. } if self.in_predicate => {
                if let [(ComparisonOperator::Eq, rhs)] = operators.as_slice() {
                    self.record_filter(lhs, rhs, FilterOperator::Equals);
                }
                walk_expression(self, expression);
            }
            Expression::In { lhs, rhs, .. } if self.in_predicate => {
                self.record_filter(lhs, rhs, FilterOperator::In);
                walk_expression(self, expression);
            }
            Expression::Exists(exists) => {
                self.in_predicate = true;
                self.exists_inner(&exists.inner);
            }
            Expression::CountSubquery(count) => {
                (self.in_predicate, self.conditional, self.required) = (true, true, false);
                self.exists_inner(&count.inner);
            }
            Expression::CollectSubquery(collect) => {
                (self.in_predicate, self.conditional, self.required) = (true, true, false);
                self.nested_query(&collect.query);
            }
            Expression::Pattern(pattern) => {
                self.in_predicate = true;
                self.scopes.push(Vec::new());
                self.in_new_pattern(|this| this.element_from_relationships(pattern));
                self.scopes.pop();
            }
            Expression::PatternComprehension(comprehension) => {
                (self.in_predicate, self.conditional, self.required) = (true, true, false);
                self.scopes.push(Vec::new());
                if let Some(path) = &comprehension.variable {
                    self.bind_new(path);
                }
                self.in_new_pattern(|this| this.element_from_relationships(&comprehension.pattern));
                if let Some(filter) = &comprehension.where_clause {
                    self.visit_expression(filter);
                }
                self.visit_expression(&comprehension.map);
                self.scopes.pop();
            }
            _ => walk_expression(self, expression),
        }
        self.restore_expression_context(outer);
    }
}

/// What [`Extractor::visit_expression`] changes while inside a subexpression.
#[derive(Clone, Copy)]
struct ExpressionContext {
    in_predicate: bool,
    conditional: bool,
    required: bool,
    negated: bool,
    alternative: bool,
}

impl Extractor<'_> {
    fn expression_context(&self) -> ExpressionContext {
        ExpressionContext {
            in_predicate: self.in_predicate,
            conditional: self.conditional,
            required: self.required,
            negated: self.negated,
            alternative: self.alternative,
        }
    }

    fn restore_expression_context(&mut self, context: ExpressionContext) {
        self.in_predicate = context.in_predicate;
        self.conditional = context.conditional;
        self.required = context.required;
        self.negated = context.negated;
        self.alternative = context.alternative;
    }

    /// `t:Tenant` (or `t IS Tenant`, `t:A|B`) in a filter: the labels of `t`, as a node pattern
    /// of its own (see [`NodePattern::label_predicate`]). Under NOT it names labels `t` lacks,
    /// so nothing is recorded; a dynamic label expression is still walked for its parameters.
    fn label_predicate(&mut self, base: &Expression, labels: &[LabelExpression]) {
        let mut summary = LabelSummary::default();
        for label in labels {
            self.summarise_labels(label, false, &mut summary);
        }
        let Expression::Variable(variable) = base else {
            self.visit_expression(base);
            return;
        };
        let Some(binding) = self.lookup(&variable.name.name).filter(|_| !self.negated) else {
            return;
        };
        // decypher's span of the whole predicate starts at the colon and takes in the
        // whitespace after it: from the variable to the last label instead.
        let start = variable.name.span.start;
        let end = labels
            .iter()
            .map(label_expression_end)
            .max()
            .unwrap_or(variable.name.span.end);
        let span = Span::new(start, end.max(start));
        self.facts.nodes.push(NodePattern {
            binding,
            variable: Some(variable.name.name.clone()),
            labels: summary.names,
            label_predicate: true,
            label_alternatives: summary.alternatives || self.alternative,
            dynamic_label: summary.dynamic,
            properties: Vec::new(),
            properties_parameter: None,
            span,
            clause: self.clause,
            pattern: self.pattern,
            in_predicate: true,
            conditional: self.conditional,
        });
    }
}

impl Extractor<'_> {
    fn exists_inner(&mut self, inner: &ExistsInner) {
        match inner {
            ExistsInner::RegularQuery(query) => self.nested_query(query),
            ExistsInner::Pattern(pattern, filter) => {
                self.scopes.push(Vec::new());
                self.pattern(pattern);
                if let Some(filter) = filter {
                    self.visit_expression(filter);
                }
                self.scopes.pop();
            }
        }
    }

    fn element_from_relationships(
        &mut self,
        pattern: &decypher::ast::pattern::RelationshipsPattern,
    ) {
        let mut last = self.node(&pattern.start);
        for chain in &pattern.chains {
            let next = self.node(&chain.node);
            self.relationship(&chain.relationship, last, next);
            last = next;
        }
    }
}

#[derive(Default)]
struct LabelSummary {
    names: Vec<String>,
    alternatives: bool,
    dynamic: bool,
}

/// Where the last label of `label` ends. Composite expressions' spans may take in the
/// whitespace after them; a name's never does.
fn label_expression_end(label: &LabelExpression) -> usize {
    match label {
        LabelExpression::Static(name) => name.span.end,
        LabelExpression::Or { rhs, .. } | LabelExpression::And { rhs, .. } => {
            label_expression_end(rhs)
        }
        LabelExpression::Not { inner, .. } => label_expression_end(inner),
        LabelExpression::Wildcard { span }
        | LabelExpression::Dynamic { span, .. }
        | LabelExpression::Group { span, .. } => span.end,
    }
}

fn foreach_update(update: &ForeachUpdate) -> UpdatingClause {
    match update.clone() {
        ForeachUpdate::Create(c) => UpdatingClause::Create(c),
        ForeachUpdate::Merge(m) => UpdatingClause::Merge(m),
        ForeachUpdate::Delete(d) => UpdatingClause::Delete(d),
        ForeachUpdate::Set(s) => UpdatingClause::Set(s),
        ForeachUpdate::Remove(r) => UpdatingClause::Remove(r),
        ForeachUpdate::Foreach(f) => UpdatingClause::Foreach(f),
    }
}

/// Variables a subquery imports with a leading `WITH a, b` (before any other clause).
fn importing_with_names(query: &RegularQuery) -> Vec<&str> {
    let branches =
        std::iter::once(&query.single_query).chain(query.unions.iter().map(|u| &u.single_query));
    branches
        .filter_map(|single| match &single.kind {
            SingleQueryKind::MultiPart(multi) => multi.parts.first(),
            SingleQueryKind::SinglePart(_) => None,
        })
        .filter(|part| part.reading_clauses.is_empty() && part.updating_clauses.is_empty())
        .flat_map(|part| &part.with.items)
        .filter_map(|item| match &item.expression {
            Expression::Variable(v) => Some(v.name.name.as_str()),
            _ => None,
        })
        .collect()
}

fn qualified_name(parts: &[decypher::ast::names::SymbolicName]) -> String {
    parts
        .iter()
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join(".")
}

fn to_span(span: decypher::Span) -> Span {
    Span::new(span.start, span.end)
}

/// Clause spans from the parser include trailing whitespace and comments' newlines.
fn span_of(text: &str, start: usize, end: usize) -> Span {
    let end = end.max(start);
    let trimmed = text
        .get(start..end)
        .map_or(0, |s| s.len() - s.trim_end().len());
    Span::new(start, end - trimmed)
}

/// End offset of an expression when the parser records one (numbers and booleans have none).
fn expression_end(expression: &Expression) -> Option<usize> {
    let span = match expression {
        Expression::Parameter(p) => p.span,
        Expression::Variable(v) => v.name.span,
        Expression::Literal(Literal::String(s)) => s.span,
        Expression::PropertyLookup { span, .. } | Expression::BinaryOp { span, .. } => *span,
        Expression::FunctionCall(call) => call.span,
        _ => return None,
    };
    Some(span.end)
}
