//! A direct parser for the common shapes of Cypher, building decypher's typed AST.
//!
//! decypher parses in two steps: a rowan syntax tree first, then the typed AST from it. Most of
//! its cost is building and walking the syntax tree, which the lint pack never looks at. This
//! parser builds the same typed AST straight from the text for the shapes application code
//! writes most (`MATCH … WHERE … RETURN …`, `CREATE`, `MERGE`, `SET`, `DELETE`, `WITH`,
//! `UNWIND`, `UNION`) and answers `None` for everything else: `CALL`, `FOREACH`, subqueries,
//! comprehensions, quoted names, label expressions beyond `A|B`, hex and octal numbers, and
//! every syntax or semantic error. The caller then asks decypher, which stays the reference
//! grammar and the only source of error messages.
//!
//! An answer must equal decypher's, spans included. decypher's spans come from its syntax
//! tree, whose nodes take in whatever whitespace the grammar skips before closing them, and
//! whose binary operators start at the operator. Each function below therefore skips
//! whitespace exactly where the matching decypher grammar rule does, and takes a node's span
//! from where that rule opens and closes it.
//!
//! The input is untrusted: the parser only slices at ASCII token boundaries, bounds its
//! recursion, and reads each byte a bounded number of times.

use decypher::ast::clause::{
    Create, Delete, Match, Merge, MergeAction, Order, ProjectionItem, Remove, RemoveItem, Return,
    Set, SetItem, SetOperator, SortDirection, SortItem, Unwind, With,
};
use decypher::ast::expr::{
    BinaryOperator, CaseAlternative, CaseExpression, ComparisonOperator, Expression,
    FunctionInvocation, ListLiteral, Literal, MapLiteral, MapProjection, MapProjectionItem,
    NumberLiteral, Parameter, StringLiteral, UnaryOperator,
};
use decypher::ast::names::{PropertyKeyName, SymbolicName, Variable};
use decypher::ast::pattern::{
    AnonymousPatternPart, LabelExpression, NodePattern, Pattern, PatternElement,
    PatternElementChain, PatternPart, Properties, RangeLiteral, RelationshipDetail,
    RelationshipDirection, RelationshipPattern,
};
use decypher::ast::query::{
    MultiPartQuery, MultiPartQueryPart, Query, QueryBody, ReadingClause, RegularQuery,
    SinglePartBody, SinglePartQuery, SingleQuery, SingleQueryKind, Union, UpdatingClause,
};
use decypher::Span;
use lexer::{is_keyword, is_literal_keyword, lex, unescape, Kind, Token};

mod lexer;
#[cfg(test)]
mod tests;

/// Deeper expressions are left to decypher, which has its own guard.
const MAX_DEPTH: u32 = 64;

/// decypher's binding powers (`Prec` in its expression grammar).
const PREC_MIN: u8 = 0;
const PREC_OR: u8 = 1;
const PREC_XOR: u8 = 2;
const PREC_AND: u8 = 3;
const PREC_NOT: u8 = 4;
const PREC_COMPARISON: u8 = 5;
const PREC_ADD_SUB: u8 = 6;
const PREC_MUL_DIV_MOD: u8 = 7;
const PREC_UNARY: u8 = 9;
const PREC_POSTFIX: u8 = 10;

/// The typed AST `decypher::parse(text)` would return, when `text` is within this parser's
/// subset and valid; `None` otherwise, including for every error.
pub(crate) fn parse(text: &str) -> Option<Query> {
    let mut parser = Parser::new(text);
    let mut statements = Vec::new();
    loop {
        parser.skip_trivia();
        if parser.at(Kind::End) {
            break;
        }
        if parser.eat(Kind::Semicolon) {
            continue;
        }
        statements.push(parser.statement()?);
    }
    // An empty text is an error.
    if statements.is_empty() {
        return None;
    }
    Some(Query {
        statements,
        span: Span::new(0, text.len()),
    })
}

/// One parsed clause, before the clauses are grouped into query parts.
enum Clause {
    Match(Match),
    Unwind(Unwind),
    Create(Create),
    Merge(Merge),
    Set(Set),
    Remove(Remove),
    Delete(Delete),
    With(With),
    Return(Return),
}

struct Parser<'a> {
    text: &'a str,
    current: Token,
    depth: u32,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        Parser {
            text,
            current: lex(text.as_bytes(), 0),
            depth: 0,
        }
    }

    /// Where the next node would start, and where an open one would end: everything before
    /// the current token has been consumed.
    fn pos(&self) -> usize {
        self.current.start
    }

    fn bump(&mut self) {
        self.current = lex(self.text.as_bytes(), self.current.end);
    }

    /// Consumes the current token and the whitespace and comments after it.
    fn bump_past_trivia(&mut self) {
        self.bump();
        self.skip_trivia();
    }

    /// The span of a node that opened at `start` and ends where the current token starts.
    fn span_from(&self, start: usize) -> Span {
        Span::new(start, self.pos())
    }

    fn skip_trivia(&mut self) {
        while self.at(Kind::Space) || self.at(Kind::Comment) {
            self.bump();
        }
    }

    fn at(&self, kind: Kind) -> bool {
        self.current.kind == kind
    }

    fn eat(&mut self, kind: Kind) -> bool {
        let found = self.at(kind);
        if found {
            self.bump();
        }
        found
    }

    fn expect(&mut self, kind: Kind) -> Option<()> {
        self.eat(kind).then_some(())
    }

    /// Items separated by commas, from the first: `item` is called after any whitespace
    /// following each comma. With `space_before_comma` the whitespace after an item is
    /// skipped before looking for a comma (and after the last item); without it the comma
    /// must follow at once, where decypher's item takes in the whitespace after it.
    fn comma_separated<T>(
        &mut self,
        space_before_comma: bool,
        mut item: impl FnMut(&mut Self) -> Option<T>,
    ) -> Option<Vec<T>> {
        let mut items = vec![item(self)?];
        loop {
            if space_before_comma {
                self.skip_trivia();
            }
            if !self.eat(Kind::Comma) {
                return Some(items);
            }
            self.skip_trivia();
            items.push(item(self)?);
        }
    }

    fn token_text(&self, token: Token) -> &'a str {
        self.text.get(token.start..token.end).unwrap_or_default()
    }

    fn current_word(&self) -> Option<&'a [u8]> {
        self.at(Kind::Word)
            .then(|| self.token_text(self.current).as_bytes())
    }

    fn at_keyword(&self, keyword: &str) -> bool {
        self.current_word()
            .is_some_and(|word| word.eq_ignore_ascii_case(keyword.as_bytes()))
    }

    fn eat_keyword(&mut self, keyword: &str) -> bool {
        let found = self.at_keyword(keyword);
        if found {
            self.bump();
        }
        found
    }

    /// Consumes `keyword` and the trivia after it, or declines the query when `keyword` is
    /// not next.
    fn expect_keyword(&mut self, keyword: &str) -> Option<()> {
        if !self.eat_keyword(keyword) {
            return None;
        }
        self.skip_trivia();
        Some(())
    }

    /// The first token after the current one that is not whitespace. Like decypher's
    /// lookaheads, it stops at a comment.
    fn peek_significant(&self) -> Token {
        self.significant_from(self.current.end)
    }

    fn significant_from(&self, at: usize) -> Token {
        let mut token = lex(self.text.as_bytes(), at);
        while token.kind == Kind::Space {
            token = lex(self.text.as_bytes(), token.end);
        }
        token
    }

    /// The current token as a name, consumed.
    fn name(&mut self) -> SymbolicName {
        let name = SymbolicName {
            name: self.token_text(self.current).to_owned(),
            span: Span::new(self.current.start, self.current.end),
        };
        self.bump();
        name
    }

    /// A name where decypher also accepts keywords (labels, property keys, aliases):
    /// any word but a literal keyword.
    fn keyword_or_name(&mut self) -> Option<SymbolicName> {
        let word = self.current_word()?;
        (!is_literal_keyword(word)).then(|| self.name())
    }

    /// A variable. decypher takes most keywords as variables too; this parser takes none,
    /// which keeps clause and operator keywords unambiguous.
    fn plain_name(&mut self) -> Option<SymbolicName> {
        let word = self.current_word()?;
        (!is_keyword(word)).then(|| self.name())
    }

    fn variable(&mut self) -> Option<Variable> {
        self.plain_name().map(|name| Variable { name })
    }

    /// Clauses up to `;` or the end, with any `UNION [ALL]` branches.
    fn statement(&mut self) -> Option<QueryBody> {
        let first = single_query(self.query_body()?)?;
        let mut unions = Vec::new();
        while self.at_keyword("UNION") {
            let start = self.pos();
            self.bump_past_trivia();
            let all = self.eat_keyword("ALL");
            if !all {
                self.eat_keyword("DISTINCT");
            }
            self.skip_trivia();
            let clauses = self.query_body()?;
            unions.push(Union {
                all,
                single_query: single_query(clauses)?,
                span: self.span_from(start),
            });
        }
        Some(if unions.is_empty() {
            QueryBody::SingleQuery(first)
        } else {
            QueryBody::Regular(RegularQuery {
                single_query: first,
                unions,
            })
        })
    }

    fn query_body(&mut self) -> Option<Vec<Clause>> {
        let mut clauses = Vec::new();
        loop {
            self.skip_trivia();
            if self.at(Kind::End) || self.at(Kind::Semicolon) || self.at_keyword("UNION") {
                return Some(clauses);
            }
            clauses.push(self.clause()?);
        }
    }

    fn clause(&mut self) -> Option<Clause> {
        let word = self.current_word()?;
        let is = |keyword: &str| word.eq_ignore_ascii_case(keyword.as_bytes());
        if is("MATCH") || is("OPTIONAL") {
            self.match_clause().map(Clause::Match)
        } else if is("RETURN") {
            self.return_clause().map(Clause::Return)
        } else if is("WITH") {
            self.with_clause().map(Clause::With)
        } else if is("UNWIND") {
            self.unwind_clause().map(Clause::Unwind)
        } else if is("CREATE") {
            self.create_clause().map(Clause::Create)
        } else if is("MERGE") {
            self.merge_clause().map(Clause::Merge)
        } else if is("DELETE") || is("DETACH") {
            self.delete_clause().map(Clause::Delete)
        } else if is("SET") {
            self.set_clause().map(Clause::Set)
        } else if is("REMOVE") {
            self.remove_clause().map(Clause::Remove)
        } else {
            None
        }
    }

    fn match_clause(&mut self) -> Option<Match> {
        let start = self.pos();
        let optional = self.eat_keyword("OPTIONAL");
        self.skip_trivia();
        self.expect_keyword("MATCH")?;
        let pattern = self.pattern()?;
        self.skip_trivia();
        let mut where_clause = None;
        if self.eat_keyword("WHERE") {
            self.skip_trivia();
            where_clause = Some(self.expression(PREC_MIN)?);
            self.skip_trivia();
        }
        Some(Match {
            optional,
            pattern,
            where_clause,
            span: self.span_from(start),
        })
    }

    fn return_clause(&mut self) -> Option<Return> {
        let start = self.pos();
        self.bump();
        let body = self.projection_body()?;
        Some(Return {
            distinct: body.distinct,
            star: false,
            items: body.items,
            order: body.order,
            skip: body.skip,
            limit: body.limit,
            span: self.span_from(start),
        })
    }

    fn with_clause(&mut self) -> Option<With> {
        let start = self.pos();
        self.bump();
        let body = self.projection_body()?;
        self.skip_trivia();
        let mut where_clause = None;
        if self.eat_keyword("WHERE") {
            self.skip_trivia();
            where_clause = Some(self.expression(PREC_MIN)?);
        }
        Some(With {
            distinct: body.distinct,
            star: false,
            items: body.items,
            order: body.order,
            skip: body.skip,
            limit: body.limit,
            where_clause,
            span: self.span_from(start),
        })
    }

    fn unwind_clause(&mut self) -> Option<Unwind> {
        let start = self.pos();
        self.bump_past_trivia();
        let expression = self.expression(PREC_MIN)?;
        self.skip_trivia();
        self.expect_keyword("AS")?;
        let variable = self.variable()?;
        Some(Unwind {
            expression,
            variable,
            span: self.span_from(start),
        })
    }

    fn create_clause(&mut self) -> Option<Create> {
        let start = self.pos();
        self.bump_past_trivia();
        let pattern = self.pattern()?;
        Some(Create {
            pattern,
            span: self.span_from(start),
        })
    }

    fn merge_clause(&mut self) -> Option<Merge> {
        let start = self.pos();
        self.bump_past_trivia();
        let pattern = self.pattern_part()?;
        self.skip_trivia();
        let mut actions = Vec::new();
        while self.at_keyword("ON") {
            actions.push(self.merge_action()?);
            self.skip_trivia();
        }
        Some(Merge {
            pattern,
            actions,
            span: self.span_from(start),
        })
    }

    /// `ON MATCH SET …` or `ON CREATE SET …`.
    fn merge_action(&mut self) -> Option<MergeAction> {
        let start = self.pos();
        self.bump_past_trivia();
        let on_match = if self.eat_keyword("MATCH") {
            true
        } else if self.eat_keyword("CREATE") {
            false
        } else {
            return None;
        };
        self.skip_trivia();
        self.expect_keyword("SET")?;
        // decypher reads the comma right after the item, whose value took in any whitespace.
        let set_items = self.comma_separated(false, |p| p.set_item())?;
        Some(MergeAction {
            on_match,
            set_items,
            span: self.span_from(start),
        })
    }

    fn delete_clause(&mut self) -> Option<Delete> {
        let start = self.pos();
        let detach = self.eat_keyword("DETACH");
        self.skip_trivia();
        self.expect_keyword("DELETE")?;
        let targets = self.comma_separated(true, |p| p.expression(PREC_MIN))?;
        Some(Delete {
            detach,
            targets,
            span: self.span_from(start),
        })
    }

    fn set_clause(&mut self) -> Option<Set> {
        let start = self.pos();
        self.bump_past_trivia();
        let items = self.comma_separated(true, |p| p.set_item())?;
        Some(Set {
            items,
            span: self.span_from(start),
        })
    }

    /// `n.key = value`, `n.key += value`, `n = value` or `n += value`.
    fn set_item(&mut self) -> Option<SetItem> {
        let variable = self.variable()?;
        self.skip_trivia();
        if self.at(Kind::Colon) {
            let labels = self.item_labels(Self::keyword_or_name)?;
            return Some(SetItem::Labels { variable, labels });
        }
        let mut target = Expression::Variable(variable.clone());
        let mut lookups = 0;
        while self.at(Kind::Dot) {
            target = self.property_lookup(target)?;
            lookups += 1;
            self.skip_trivia();
        }
        let operator = if self.eat(Kind::Eq) {
            SetOperator::Assign
        } else if self.eat(Kind::PlusEq) {
            SetOperator::Add
        } else {
            return None;
        };
        self.skip_trivia();
        let value = self.expression(PREC_MIN)?;
        Some(if lookups == 0 {
            SetItem::Variable {
                variable,
                value,
                operator,
            }
        } else {
            SetItem::Property {
                property: target,
                value,
                operator,
            }
        })
    }

    /// The `:A:B` of `SET n:A:B` or `REMOVE n:A:B`: plain names, not label expressions.
    fn item_labels(
        &mut self,
        label_name: fn(&mut Self) -> Option<SymbolicName>,
    ) -> Option<Vec<SymbolicName>> {
        let mut labels = Vec::new();
        while self.eat(Kind::Colon) {
            self.skip_trivia();
            labels.push(label_name(self)?);
            self.skip_trivia();
        }
        Some(labels)
    }

    fn remove_clause(&mut self) -> Option<Remove> {
        let start = self.pos();
        self.bump_past_trivia();
        let items = self.comma_separated(false, |p| p.remove_item())?;
        Some(Remove {
            items,
            span: self.span_from(start),
        })
    }

    /// `n:A:B` or `n.key`; property keys here must be plain identifiers, as in decypher.
    fn remove_item(&mut self) -> Option<RemoveItem> {
        let variable = self.variable()?;
        self.skip_trivia();
        if self.at(Kind::Colon) {
            let labels = self.item_labels(Self::keyword_or_name)?;
            // decypher would take a `.key` after the labels into the same item.
            if self.at(Kind::Dot) {
                return None;
            }
            return Some(RemoveItem::Labels { variable, labels });
        }
        let mut target = Expression::Variable(variable);
        while self.at(Kind::Dot) {
            let start = self.pos();
            self.bump_past_trivia();
            let property = PropertyKeyName {
                name: self.plain_name()?,
            };
            target = Expression::PropertyLookup {
                base: Box::new(target),
                property,
                span: self.span_from(start),
            };
            self.skip_trivia();
        }
        Some(RemoveItem::Property(target))
    }

    fn projection_body(&mut self) -> Option<ProjectionBody> {
        self.skip_trivia();
        let distinct = self.eat_keyword("DISTINCT");
        self.skip_trivia();
        // `*` and a projection without items (an error after RETURN) are left to decypher.
        if self.at(Kind::Star) || self.at(Kind::End) || self.at_clause_end() {
            return None;
        }
        let items = self.comma_separated(true, |p| p.projection_item())?;
        self.skip_trivia();
        let mut order = None;
        if self.eat_keyword("ORDER") {
            self.skip_trivia();
            self.expect_keyword("BY")?;
            let sort_items = self.comma_separated(false, |p| p.sort_item())?;
            order = Some(Order { items: sort_items });
            self.skip_trivia();
        }
        let skip = self.projection_bound("SKIP")?;
        let limit = self.projection_bound("LIMIT")?;
        Some(ProjectionBody {
            distinct,
            items,
            order,
            skip,
            limit,
        })
    }

    /// Words after which decypher's projection has no items.
    fn at_clause_end(&self) -> bool {
        ["ORDER", "SKIP", "LIMIT", "UNION", "END"]
            .iter()
            .any(|keyword| self.at_keyword(keyword))
    }

    /// `SKIP n` or `LIMIT n`: `Some(None)` when absent, `None` when not understood.
    fn projection_bound(&mut self, keyword: &str) -> Option<Option<Expression>> {
        if !self.eat_keyword(keyword) {
            return Some(None);
        }
        self.skip_trivia();
        let bound = self.expression(PREC_MIN)?;
        self.skip_trivia();
        Some(Some(bound))
    }

    fn projection_item(&mut self) -> Option<ProjectionItem> {
        let expression = self.expression(PREC_MIN)?;
        self.skip_trivia();
        let mut alias = None;
        if self.eat_keyword("AS") {
            self.skip_trivia();
            alias = Some(Variable {
                name: self.keyword_or_name()?,
            });
        }
        Some(ProjectionItem { expression, alias })
    }

    fn sort_item(&mut self) -> Option<SortItem> {
        let expression = self.expression(PREC_MIN)?;
        self.skip_trivia();
        let direction = if self.eat_keyword("ASC") || self.eat_keyword("ASCENDING") {
            Some(SortDirection::Ascending)
        } else if self.eat_keyword("DESC") || self.eat_keyword("DESCENDING") {
            Some(SortDirection::Descending)
        } else {
            None
        };
        Some(SortItem {
            expression,
            direction,
        })
    }

    fn pattern(&mut self) -> Option<Pattern> {
        let start = self.pos();
        let parts = self.comma_separated(true, |p| p.pattern_part())?;
        // Parts juxtaposed without a comma (quantified path patterns) are left to decypher.
        if self.at(Kind::LParen) {
            return None;
        }
        Some(Pattern {
            parts,
            span: self.span_from(start),
        })
    }

    /// `(a)-[:R]->(b)`, optionally named: `p = (a)-->(b)`.
    fn pattern_part(&mut self) -> Option<PatternPart> {
        let start = self.pos();
        let mut variable = None;
        if self.at(Kind::Word) {
            if self.peek_significant().kind != Kind::Eq {
                return None;
            }
            variable = Some(self.variable()?);
            self.skip_trivia();
            self.bump_past_trivia();
        }
        let element = self.pattern_element()?;
        Some(PatternPart {
            variable,
            anonymous: AnonymousPatternPart { element },
            span: self.span_from(start),
        })
    }

    fn pattern_element(&mut self) -> Option<PatternElement> {
        // `((a)-->(b))` is a parenthesised element.
        if !self.at(Kind::LParen) || self.peek_significant().kind == Kind::LParen {
            return None;
        }
        let start = self.node_pattern()?;
        self.skip_trivia();
        let mut chains = Vec::new();
        while matches!(self.current.kind, Kind::Lt | Kind::Gt | Kind::Minus) {
            chains.push(self.pattern_element_chain()?);
            self.skip_trivia();
        }
        // A quantifier `{m,n}` after the element.
        if self.at(Kind::LBrace) {
            return None;
        }
        Some(PatternElement::Path { start, chains })
    }

    fn pattern_element_chain(&mut self) -> Option<PatternElementChain> {
        let start = self.pos();
        let left = self.eat(Kind::Lt);
        self.skip_trivia();
        self.expect(Kind::Minus)?;
        self.skip_trivia();
        let mut detail = None;
        if self.at(Kind::LBracket) {
            detail = Some(self.relationship_detail()?);
            self.skip_trivia();
        }
        self.expect(Kind::Minus)?;
        self.skip_trivia();
        let right = self.eat(Kind::Gt);
        self.skip_trivia();
        if self.at(Kind::LBrace) {
            return None;
        }
        let direction = match (left, right) {
            (true, true) => RelationshipDirection::Both,
            (true, false) => RelationshipDirection::Left,
            (false, true) => RelationshipDirection::Right,
            (false, false) => RelationshipDirection::Undirected,
        };
        let relationship = RelationshipPattern {
            direction,
            detail,
            quantifier: None,
            span: self.span_from(start),
        };
        self.skip_trivia();
        let node = self.node_pattern()?;
        Some(PatternElementChain { relationship, node })
    }

    /// `[r:TYPE {key: value}]`.
    fn relationship_detail(&mut self) -> Option<RelationshipDetail> {
        let start = self.pos();
        self.bump_past_trivia();
        let mut variable = None;
        if self.at(Kind::Word) {
            variable = Some(self.variable()?);
            self.skip_trivia();
        }
        let mut types = None;
        if self.eat(Kind::Colon) {
            self.skip_trivia();
            types = Some(self.label_expression(true)?);
        }
        let mut range = None;
        if self.at(Kind::Star) {
            range = Some(self.range_literal()?);
            self.skip_trivia();
        }
        let properties = self.properties()?;
        self.expect(Kind::RBracket)?;
        Some(RelationshipDetail {
            variable,
            types,
            range,
            properties,
            span: self.span_from(start),
        })
    }

    /// A node's or relationship's `{key: value}` or `$map`: `Some(None)` when there is none.
    fn properties(&mut self) -> Option<Option<Properties>> {
        let properties = match self.current.kind {
            Kind::LBrace => Properties::Map(self.map_literal()?),
            Kind::Dollar => match self.atom()? {
                Expression::Parameter(parameter) => Properties::Parameter(parameter),
                _ => return None,
            },
            _ => return Some(None),
        };
        self.skip_trivia();
        Some(Some(properties))
    }

    /// `*`, `*2`, `*1..3`, `*..3` or `*2..`; `*2` is `*2..2`.
    fn range_literal(&mut self) -> Option<RangeLiteral> {
        let start = self.pos();
        self.bump_past_trivia();
        let mut lower = None;
        if self.at(Kind::Integer) {
            lower = Some(self.integer()?);
            self.skip_trivia();
        }
        let mut upper = None;
        if self.eat(Kind::DotDot) {
            self.skip_trivia();
            if self.at(Kind::Integer) {
                upper = Some(self.integer()?);
            }
        } else {
            upper = lower;
        }
        Some(RangeLiteral {
            start: lower,
            end: upper,
            span: self.span_from(start),
        })
    }

    /// The current integer token, consumed; `None` if it overflows, which decypher reports.
    fn integer(&mut self) -> Option<i64> {
        let value = self.token_text(self.current).parse::<i64>().ok()?;
        self.bump();
        Some(value)
    }

    /// `(n:Label:Other {key: value})`.
    fn node_pattern(&mut self) -> Option<NodePattern> {
        let start = self.pos();
        self.expect(Kind::LParen)?;
        self.skip_trivia();
        let mut variable = None;
        if self.at(Kind::Word) {
            variable = Some(self.variable()?);
            self.skip_trivia();
        }
        let mut labels = Vec::new();
        while self.eat(Kind::Colon) {
            self.skip_trivia();
            labels.push(self.label_expression(false)?);
            self.skip_trivia();
        }
        let properties = self.properties()?;
        self.expect(Kind::RParen)?;
        Some(NodePattern {
            variable,
            labels,
            properties,
            span: self.span_from(start),
        })
    }

    /// A label or relationship type, or alternatives `A|B` (for types also `:A|:B`); `A&B`,
    /// `!A` and other label expressions are left to decypher.
    fn label_expression(&mut self, relationship: bool) -> Option<LabelExpression> {
        let start = self.pos();
        let mut alternatives = vec![self.label()?];
        while self.eat(Kind::Pipe) {
            self.skip_trivia();
            if relationship && self.eat(Kind::Colon) {
                self.skip_trivia();
            }
            alternatives.push(self.label()?);
        }
        // decypher gives every level of the left-nested alternatives the span of the whole.
        let span = self.span_from(start);
        let mut alternatives = alternatives.into_iter();
        let first = alternatives.next()?;
        Some(alternatives.fold(first, |lhs, rhs| LabelExpression::Or {
            lhs: Box::new(lhs),
            rhs: Box::new(rhs),
            span,
        }))
    }

    fn label(&mut self) -> Option<LabelExpression> {
        if self.at_keyword("WHERE") {
            return None;
        }
        let name = self.keyword_or_name()?;
        self.skip_trivia();
        // `&` and the like lex as `Unknown`, which nothing after a label accepts.
        Some(LabelExpression::Static(name))
    }

    fn map_literal(&mut self) -> Option<MapLiteral> {
        let start = self.pos();
        self.bump_past_trivia();
        let entries = if self.at(Kind::RBrace) {
            Vec::new()
        } else {
            self.comma_separated(true, |p| p.map_entry())?
        };
        self.expect(Kind::RBrace)?;
        Some(MapLiteral {
            entries,
            span: self.span_from(start),
        })
    }

    fn map_entry(&mut self) -> Option<(PropertyKeyName, Expression)> {
        // Keys may be any word, `null`, `true` and `false` included.
        self.current_word()?;
        let key = PropertyKeyName { name: self.name() };
        self.skip_trivia();
        self.expect(Kind::Colon)?;
        self.skip_trivia();
        let value = self.expression(PREC_MIN)?;
        Some((key, value))
    }

    /// `.key` after `base`; the lookup's span starts at the dot, as decypher's does.
    fn property_lookup(&mut self, base: Expression) -> Option<Expression> {
        let start = self.pos();
        self.bump_past_trivia();
        let property = PropertyKeyName {
            name: self.keyword_or_name()?,
        };
        Some(Expression::PropertyLookup {
            base: Box::new(base),
            property,
            span: self.span_from(start),
        })
    }

    /// decypher's Pratt loop, for the operators of this subset.
    fn expression(&mut self, min_bp: u8) -> Option<Expression> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return None;
        }
        let mut lhs = if self.at_keyword("NOT") {
            let start = self.pos();
            self.bump_past_trivia();
            let operand = self.expression(PREC_NOT)?;
            Expression::UnaryOp {
                op: UnaryOperator::Not,
                operand: Box::new(operand),
                span: self.span_from(start),
            }
        } else if let Some(op) = self.sign() {
            let start = self.pos();
            self.bump_past_trivia();
            // decypher folds `-9223372036854775808` into one literal; its magnitude does not
            // fit an i64, so the integer is declined below.
            let operand = self.expression(PREC_UNARY)?;
            Expression::UnaryOp {
                op,
                operand: Box::new(operand),
                span: self.span_from(start),
            }
        } else {
            self.atom()?
        };
        loop {
            self.skip_trivia();
            let start = self.pos();
            if let Some((bp, operator)) = self.infix_operator() {
                if bp < min_bp {
                    break;
                }
                self.bump_past_trivia();
                let rhs = self.expression(bp + 1)?;
                lhs = operator.apply(lhs, rhs, self.span_from(start));
            } else if self.at(Kind::Dot) {
                lhs = self.property_lookup(lhs)?;
            } else if self.at_keyword("IS") {
                self.bump_past_trivia();
                let negated = self.eat_keyword("NOT");
                self.skip_trivia();
                // `IS NORMALIZED`, `IS TYPED`, `IS :: T` and label predicates are left to
                // decypher.
                if !self.eat_keyword("NULL") {
                    return None;
                }
                lhs = Expression::IsNull {
                    operand: Box::new(lhs),
                    negated,
                    span: self.span_from(start),
                };
            } else if let Some(operator) = self.string_operator() {
                let needs_with = !self.at_keyword("CONTAINS");
                self.bump();
                if needs_with {
                    self.skip_trivia();
                    if !self.eat_keyword("WITH") {
                        return None;
                    }
                }
                self.skip_trivia();
                let rhs = self.expression(PREC_POSTFIX)?;
                lhs = Expression::Comparison {
                    lhs: Box::new(lhs),
                    operators: vec![(operator, Box::new(rhs))],
                    span: self.span_from(start),
                };
            } else if self.at_keyword("IN") {
                self.bump_past_trivia();
                let rhs = self.expression(PREC_POSTFIX)?;
                lhs = Expression::In {
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                    span: self.span_from(start),
                };
            } else if self.at(Kind::Colon) {
                lhs = self.label_predicate(lhs)?;
            } else if self.at(Kind::LBracket) {
                // Indexing and slicing are left to decypher.
                return None;
            } else {
                break;
            }
        }
        self.depth -= 1;
        Some(lhs)
    }

    /// `n:A:B` in an expression. decypher reads a colon as a label predicate only before a
    /// name-like token; this parser takes plain label names there and declines the rest.
    fn label_predicate(&mut self, base: Expression) -> Option<Expression> {
        let next = self.peek_significant();
        let word = self.token_text(next).as_bytes();
        if next.kind != Kind::Word
            || is_literal_keyword(word)
            || word.eq_ignore_ascii_case(b"WHERE")
        {
            return None;
        }
        let start = self.pos();
        let mut labels = Vec::new();
        while self.eat(Kind::Colon) {
            self.skip_trivia();
            labels.push(self.label_expression(false)?);
            self.skip_trivia();
        }
        Some(Expression::NodeLabels {
            base: Box::new(base),
            labels,
            span: self.span_from(start),
        })
    }

    fn sign(&self) -> Option<UnaryOperator> {
        match self.current.kind {
            Kind::Minus => Some(UnaryOperator::Negate),
            Kind::Plus => Some(UnaryOperator::Plus),
            _ => None,
        }
    }

    fn infix_operator(&self) -> Option<(u8, Infix)> {
        let comparison = |operator| Some((PREC_COMPARISON, Infix::Comparison(operator)));
        let binary = |bp, operator| Some((bp, Infix::Binary(operator)));
        match self.current.kind {
            Kind::Eq => comparison(ComparisonOperator::Eq),
            Kind::RegexMatch => comparison(ComparisonOperator::RegexMatch),
            Kind::Ne => comparison(ComparisonOperator::Ne),
            Kind::Lt => comparison(ComparisonOperator::Lt),
            Kind::Gt => comparison(ComparisonOperator::Gt),
            Kind::Le => comparison(ComparisonOperator::Le),
            Kind::Ge => comparison(ComparisonOperator::Ge),
            Kind::Plus => binary(PREC_ADD_SUB, BinaryOperator::Add),
            Kind::Minus => binary(PREC_ADD_SUB, BinaryOperator::Subtract),
            Kind::Star => binary(PREC_MUL_DIV_MOD, BinaryOperator::Multiply),
            Kind::Slash => binary(PREC_MUL_DIV_MOD, BinaryOperator::Divide),
            Kind::Percent => binary(PREC_MUL_DIV_MOD, BinaryOperator::Modulo),
            Kind::Word if self.at_keyword("AND") => binary(PREC_AND, BinaryOperator::And),
            Kind::Word if self.at_keyword("OR") => binary(PREC_OR, BinaryOperator::Or),
            Kind::Word if self.at_keyword("XOR") => binary(PREC_XOR, BinaryOperator::Xor),
            _ => None,
        }
    }

    fn string_operator(&self) -> Option<ComparisonOperator> {
        if self.at_keyword("STARTS") {
            Some(ComparisonOperator::StartsWith)
        } else if self.at_keyword("ENDS") {
            Some(ComparisonOperator::EndsWith)
        } else if self.at_keyword("CONTAINS") {
            Some(ComparisonOperator::Contains)
        } else {
            None
        }
    }

    fn atom(&mut self) -> Option<Expression> {
        match self.current.kind {
            Kind::Integer => Some(Expression::Literal(Literal::Number(
                NumberLiteral::Integer(self.integer()?),
            ))),
            Kind::Float => {
                let value = self.token_text(self.current).parse::<f64>().ok()?;
                // decypher reports an overflow to infinity.
                if !value.is_finite() {
                    return None;
                }
                self.bump();
                Some(Expression::Literal(Literal::Number(NumberLiteral::Float(
                    value,
                ))))
            }
            Kind::Str => {
                let token = self.current;
                let raw = self.token_text(token);
                // The lexer guarantees ASCII quotes at both ends.
                let value = unescape(raw.get(1..raw.len().saturating_sub(1))?)?;
                self.bump();
                Some(Expression::Literal(Literal::String(StringLiteral {
                    value,
                    span: Span::new(token.start, token.end),
                    raw: Some(raw.to_owned()),
                })))
            }
            Kind::Dollar => {
                let start = self.pos();
                self.bump_past_trivia();
                let name = self.keyword_or_name()?;
                Some(Expression::Parameter(Parameter {
                    name,
                    span: self.span_from(start),
                }))
            }
            Kind::LBrace => Some(Expression::Literal(Literal::Map(self.map_literal()?))),
            Kind::LBracket => self.list_literal(),
            Kind::LParen => self.parenthesized(),
            Kind::Word => self.word_atom(),
            _ => None,
        }
    }

    /// `[a, b]`; comprehensions `[x IN list …]` and `[(a)-->(b) | …]` are left to decypher.
    fn list_literal(&mut self) -> Option<Expression> {
        // decypher decides from the first token after `[` (past whitespace only) and, for a
        // name, the one after it (past comments too).
        let first = self.peek_significant();
        match first.kind {
            Kind::LParen => return None,
            Kind::Word if !is_literal_keyword(self.token_text(first).as_bytes()) => {
                let after = self.significant_or_comment_from(first.end);
                let in_keyword =
                    after.kind == Kind::Word && self.token_text(after).eq_ignore_ascii_case("IN");
                if in_keyword || matches!(after.kind, Kind::Eq | Kind::Unknown) {
                    return None;
                }
            }
            _ => {}
        }
        let start = self.pos();
        self.bump_past_trivia();
        let elements = if self.at(Kind::RBracket) {
            Vec::new()
        } else {
            self.comma_separated(true, |p| p.expression(PREC_MIN))?
        };
        self.expect(Kind::RBracket)?;
        Some(Expression::Literal(Literal::List(ListLiteral {
            elements,
            span: self.span_from(start),
        })))
    }

    /// `(expression)`, unless decypher would read a relationship pattern `(a)-->(b)` here.
    fn parenthesized(&mut self) -> Option<Expression> {
        if self.relationship_pattern_may_follow() {
            return None;
        }
        self.bump_past_trivia();
        let inner = self.expression(PREC_MIN)?;
        self.skip_trivia();
        self.expect(Kind::RParen)?;
        Some(Expression::Parenthesized(Box::new(inner)))
    }

    /// decypher's test after `(`: find the matching `)`, then look at the next three tokens
    /// past whitespace and comments. Answers `true` (so the caller declines) whenever a token
    /// on the way is one this lexer does not know, as decypher may count it differently.
    fn relationship_pattern_may_follow(&self) -> bool {
        let mut depth = 1usize;
        let mut at = self.current.end;
        while depth > 0 {
            let token = lex(self.text.as_bytes(), at);
            match token.kind {
                Kind::LParen => depth += 1,
                Kind::RParen => depth -= 1,
                Kind::End => return false,
                Kind::Unknown => return true,
                _ => {}
            }
            at = token.end;
        }
        let mut ahead = [Kind::End; 3];
        for slot in &mut ahead {
            let token = self.significant_or_comment_from(at);
            *slot = token.kind;
            at = token.end;
        }
        use Kind::{Gt, LBracket, LParen, Lt, Minus, Unknown};
        // ASCII arrows lex as separate `<`, `-`, `>`: a relationship goes on with `[`, a
        // second dash or an arrowhead, which `(a) - 1` and `(a) < -1` do not.
        matches!(
            ahead,
            [Unknown, ..]
                | [_, Unknown, _]
                | [_, _, Unknown]
                | [Lt, Minus, LBracket | Minus]
                | [Minus, LBracket | Gt, _]
                | [Minus, Minus, LParen | Gt]
        )
    }

    /// The first token at or after `at` that is neither whitespace nor a comment.
    fn significant_or_comment_from(&self, at: usize) -> Token {
        let mut token = lex(self.text.as_bytes(), at);
        while matches!(token.kind, Kind::Space | Kind::Comment) {
            token = lex(self.text.as_bytes(), token.end);
        }
        token
    }

    fn word_atom(&mut self) -> Option<Expression> {
        let word = self.current_word()?;
        let is = |keyword: &str| word.eq_ignore_ascii_case(keyword.as_bytes());
        if is("TRUE") || is("FALSE") {
            self.bump();
            return Some(Expression::Literal(Literal::Boolean(is("TRUE"))));
        }
        if is("NULL") {
            self.bump();
            return Some(Expression::Literal(Literal::Null));
        }
        if is("CASE") {
            return self.case_expression();
        }
        let next = self.peek_significant();
        if is("COUNT") {
            if self.count_star_follows() {
                return self.count_star();
            }
            return match next.kind {
                Kind::LParen => self.function_call(),
                _ => None,
            };
        }
        // Other keywords in expression position have meanings of their own in decypher.
        if is_keyword(word) || self.qualified_call_follows() {
            return None;
        }
        match next.kind {
            Kind::LParen => self.function_call(),
            // A `COLLECT { … }` subquery.
            Kind::LBrace if is("COLLECT") => None,
            Kind::LBrace => self.map_projection(),
            _ => Some(Expression::Variable(self.variable()?)),
        }
    }

    /// `CASE [x] WHEN … THEN … [ELSE …] END`.
    fn case_expression(&mut self) -> Option<Expression> {
        let start = self.pos();
        self.bump_past_trivia();
        let mut scrutinee = None;
        if !self.at_keyword("WHEN") {
            scrutinee = Some(Box::new(self.expression(PREC_MIN)?));
            self.skip_trivia();
        }
        let mut alternatives = Vec::new();
        while self.eat_keyword("WHEN") {
            self.skip_trivia();
            let when = self.expression(PREC_MIN)?;
            self.skip_trivia();
            self.expect_keyword("THEN")?;
            let then = self.expression(PREC_MIN)?;
            self.skip_trivia();
            alternatives.push(CaseAlternative { when, then });
        }
        let mut default = None;
        if self.eat_keyword("ELSE") {
            self.skip_trivia();
            default = Some(Box::new(self.expression(PREC_MIN)?));
            self.skip_trivia();
        }
        if !self.eat_keyword("END") {
            return None;
        }
        Some(Expression::Case(CaseExpression {
            scrutinee,
            alternatives,
            default,
            span: self.span_from(start),
        }))
    }

    /// `n {.key, .*, key: value, variable}`.
    fn map_projection(&mut self) -> Option<Expression> {
        let start = self.pos();
        let base = self.variable()?;
        self.skip_trivia();
        self.expect(Kind::LBrace)?;
        self.skip_trivia();
        let items = if self.at(Kind::RBrace) {
            Vec::new()
        } else {
            self.comma_separated(true, |p| p.map_projection_item())?
        };
        self.expect(Kind::RBrace)?;
        Some(Expression::MapProjection(Box::new(MapProjection {
            base,
            items,
            span: self.span_from(start),
        })))
    }

    fn map_projection_item(&mut self) -> Option<MapProjectionItem> {
        if self.at(Kind::Dot) {
            let start = self.pos();
            self.bump();
            // decypher takes the key right after the dot, without skipping whitespace.
            if self.eat(Kind::Star) {
                return Some(MapProjectionItem::AllProperties {
                    span: self.span_from(start),
                });
            }
            let property = PropertyKeyName {
                name: self.keyword_or_name()?,
            };
            return Some(MapProjectionItem::PropertyLookup { property });
        }
        self.current_word()?;
        match self.peek_significant().kind {
            Kind::Colon => {
                let key = PropertyKeyName {
                    name: self.keyword_or_name()?,
                };
                self.skip_trivia();
                self.bump_past_trivia();
                let value = self.expression(PREC_MIN)?;
                // decypher reads `key: key` as the shorthand `.key`.
                Some(match value {
                    Expression::Variable(variable) if variable.name.name == key.name.name => {
                        MapProjectionItem::PropertyLookup { property: key }
                    }
                    value => MapProjectionItem::Literal { key, value },
                })
            }
            // An expression item such as `n.key` or `f(x)`, which decypher rejects.
            Kind::LParen | Kind::Dot => None,
            _ => Some(MapProjectionItem::Variable {
                variable: Variable {
                    name: self.keyword_or_name()?,
                },
            }),
        }
    }

    /// Whether `.name(.name)* (` follows, which decypher reads as a namespaced function call.
    fn qualified_call_follows(&self) -> bool {
        let mut token = self.peek_significant();
        let mut dots = 0;
        loop {
            match token.kind {
                Kind::Dot => {
                    let name = self.significant_from(token.end);
                    if name.kind != Kind::Word {
                        return false;
                    }
                    dots += 1;
                    token = self.significant_from(name.end);
                }
                Kind::LParen => return dots > 0,
                _ => return false,
            }
        }
    }

    /// Whether `( [DISTINCT] *` follows `count`, decypher's test for `count(*)`.
    fn count_star_follows(&self) -> bool {
        let open = self.peek_significant();
        if open.kind != Kind::LParen {
            return false;
        }
        let mut inside = self.significant_from(open.end);
        if inside.kind == Kind::Word && self.token_text(inside).eq_ignore_ascii_case("DISTINCT") {
            inside = self.significant_from(inside.end);
        }
        inside.kind == Kind::Star
    }

    fn count_star(&mut self) -> Option<Expression> {
        let start = self.pos();
        self.bump_past_trivia();
        self.expect(Kind::LParen)?;
        self.skip_trivia();
        self.eat_keyword("DISTINCT");
        self.skip_trivia();
        self.expect(Kind::Star)?;
        self.skip_trivia();
        self.expect(Kind::RParen)?;
        Some(Expression::CountStar {
            span: self.span_from(start),
        })
    }

    /// `name(args)`, `name()` or `name(DISTINCT args)`.
    fn function_call(&mut self) -> Option<Expression> {
        let start = self.pos();
        let name = self.name();
        self.skip_trivia();
        self.expect(Kind::LParen)?;
        self.skip_trivia();
        let distinct = self.eat_keyword("DISTINCT");
        self.skip_trivia();
        let arguments = if self.at(Kind::RParen) {
            Vec::new()
        } else {
            self.comma_separated(true, |p| p.expression(PREC_MIN))?
        };
        self.expect(Kind::RParen)?;
        Some(Expression::FunctionCall(FunctionInvocation {
            name: vec![name],
            distinct,
            arguments,
            span: self.span_from(start),
        }))
    }
}

struct ProjectionBody {
    distinct: bool,
    items: Vec<ProjectionItem>,
    order: Option<Order>,
    skip: Option<Expression>,
    limit: Option<Expression>,
}

#[derive(Clone, Copy)]
enum Infix {
    Comparison(ComparisonOperator),
    Binary(BinaryOperator),
}

impl Infix {
    fn apply(self, lhs: Expression, rhs: Expression, span: Span) -> Expression {
        match self {
            Infix::Comparison(operator) => Expression::Comparison {
                lhs: Box::new(lhs),
                operators: vec![(operator, Box::new(rhs))],
                span,
            },
            Infix::Binary(op) => Expression::BinaryOp {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
                span,
            },
        }
    }
}

/// Groups clauses into query parts as decypher's AST builder does, including what it
/// accepts and what it rejects.
fn single_query(clauses: Vec<Clause>) -> Option<SingleQuery> {
    let total = clauses.len();
    if total == 0 {
        return None;
    }
    let kind = if !clauses.iter().any(|c| matches!(c, Clause::With(_))) {
        let mut reading = Vec::new();
        let mut updating = Vec::new();
        let mut returned = None;
        for clause in clauses {
            match clause {
                Clause::Return(r) => {
                    if returned.is_some() {
                        return None;
                    }
                    returned = Some(r);
                }
                Clause::With(_) => return None,
                other => sort_clause(other, &mut reading, &mut updating),
            }
        }
        SingleQueryKind::SinglePart(SinglePartQuery {
            reading_clauses: reading,
            body: single_part_body(updating, returned)?,
        })
    } else {
        let mut parts = Vec::new();
        let mut final_part = None;
        let mut reading = Vec::new();
        let mut updating = Vec::new();
        for (i, clause) in clauses.into_iter().enumerate() {
            match clause {
                Clause::With(with) if i + 1 < total => parts.push(MultiPartQueryPart {
                    reading_clauses: std::mem::take(&mut reading),
                    updating_clauses: std::mem::take(&mut updating),
                    with,
                }),
                Clause::With(with) => {
                    final_part = Some(SinglePartQuery {
                        reading_clauses: std::mem::take(&mut reading),
                        body: SinglePartBody::Return(Return {
                            distinct: with.distinct,
                            star: with.star,
                            items: with.items,
                            order: with.order,
                            skip: with.skip,
                            limit: with.limit,
                            span: with.span,
                        }),
                    });
                }
                Clause::Return(r) => {
                    if final_part.is_some() {
                        return None;
                    }
                    final_part = Some(SinglePartQuery {
                        reading_clauses: std::mem::take(&mut reading),
                        body: single_part_body(std::mem::take(&mut updating), Some(r))?,
                    });
                }
                other => sort_clause(other, &mut reading, &mut updating),
            }
        }
        if final_part.is_none() && !updating.is_empty() {
            final_part = Some(SinglePartQuery {
                reading_clauses: reading,
                body: single_part_body(updating, None)?,
            });
        }
        SingleQueryKind::MultiPart(MultiPartQuery {
            parts,
            final_part: final_part?,
        })
    };
    Some(SingleQuery {
        use_clause: None,
        kind,
    })
}

fn sort_clause(
    clause: Clause,
    reading: &mut Vec<ReadingClause>,
    updating: &mut Vec<UpdatingClause>,
) {
    match clause {
        Clause::Match(m) => reading.push(ReadingClause::Match(m)),
        Clause::Unwind(u) => reading.push(ReadingClause::Unwind(u)),
        Clause::Create(c) => updating.push(UpdatingClause::Create(c)),
        Clause::Merge(m) => updating.push(UpdatingClause::Merge(m)),
        Clause::Set(s) => updating.push(UpdatingClause::Set(s)),
        Clause::Remove(r) => updating.push(UpdatingClause::Remove(r)),
        Clause::Delete(d) => updating.push(UpdatingClause::Delete(d)),
        Clause::With(_) | Clause::Return(_) => {}
    }
}

fn single_part_body(
    updating: Vec<UpdatingClause>,
    returned: Option<Return>,
) -> Option<SinglePartBody> {
    if !updating.is_empty() {
        Some(SinglePartBody::Updating {
            updating,
            return_clause: returned,
        })
    } else {
        returned.map(SinglePartBody::Return)
    }
}
