//! Newer Cypher the parser lacks, rewritten where the parser stops.
//!
//! Each rewrite is chosen by the token decypher rejected (`LET` where it expected a clause,
//! `SHORTEST` where it expected a node pattern): a query the parser accepts is never rewritten,
//! and a word such as `let` used as a name is never taken for a clause. Like the pre-passes in
//! `prepass`, a rewrite keeps every byte where it is.
//!
//! - Sugar for `WITH *`: `LET a = e, …`, `FILTER [WHERE] e`, and `ORDER BY …`, `SKIP n`,
//!   `LIMIT n` standing alone (Cypher 25) are blanked and handed over as [`Detached`] clauses,
//!   each expression in a text of its own where it keeps its offsets.
//! - Same-length spellings: `OFFSET` is `SKIP`, GQL's `INSERT` is `CREATE`, `$any(…)` and
//!   `$all(…)` labels are `$(…)` (all dynamic alike), and `RETURN … NEXT …` is `WITH …`.
//! - Blanked, as they change how many paths or rows, never which: path selectors
//!   (`SHORTEST 2`, `ALL SHORTEST`, `ANY`), match modes (`REPEATABLE ELEMENTS`), the
//!   quantifiers `+` and `*` after a relationship or a parenthesised path (recorded as
//!   repeated), and `IN n CONCURRENT`, `ON ERROR RETRY …`, `REPORT STATUS AS s` of
//!   `CALL { … } IN TRANSACTIONS`.
//!
//! What cannot be read this way is an [`CypherErrorKind::Unsupported`] error that names it.

use super::facts::{CypherError, CypherErrorKind, Span};
use super::prepass::{
    matching_close, overwrite, token_text, tokenize, unquote_name, word_at, Token, TokenKind,
    CLAUSE_WORDS,
};

/// A text rewritten for the parser, and what the rewrite took out of it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Rewrite {
    /// Same length as the text rewritten.
    pub text: String,
    pub detached: Vec<Detached>,
    /// Parameters blanked with what they were part of (`SHORTEST $k`, `IN $n CONCURRENT`).
    pub removed_parameters: Vec<(String, Span)>,
    /// Where a blanked quantifier stood: after a relationship, or over a parenthesised path.
    /// Relationships inside one, or ending right before one, are repeated.
    pub repeated: Vec<Span>,
}

/// A clause blanked for the parser, for the adapter to read on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Detached {
    /// The clause as written.
    pub clause: Span,
    pub kind: DetachedKind,
}

/// Each text here is `RETURN …` with the rest of the query blanked: what follows `RETURN`
/// sits at its offsets in the query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DetachedKind {
    /// `LET a = e, …`: `WITH *, e AS a, …`.
    Let(Vec<LetItem>),
    /// `FILTER [WHERE] e`: `WITH * WHERE e`; the text returns `e`.
    Filter { predicate: String },
    /// `ORDER BY … SKIP … LIMIT …` as a clause: `WITH * ORDER BY …`; the text is
    /// `RETURN 1 ORDER BY …`.
    Paging { body: String },
    /// `WHERE e` closing a parenthesised path (`((a)-->(b) WHERE e)+`): a predicate of the
    /// pattern it is in, like an inline `(n WHERE e)`. The clause span is the `WHERE …`.
    PathPredicate { predicate: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LetItem {
    pub name: String,
    pub name_span: Span,
    /// The text returning the value.
    pub value: String,
}

/// The rewrite of the construct the parser stopped at (`at`, the span of its error), or a
/// rewrite of constructs anywhere in `text` that make the parser stop later than where they
/// are (quantifiers, transaction options). `None` when nothing here applies: the error stands.
pub(crate) fn rewrite_at(text: &str, at: Span) -> Option<Result<Rewrite, CypherError>> {
    let tokens: Vec<Token> = tokenize(text).filter(|t| !t.is_trivia()).collect();
    let query = Query {
        text,
        tokens: &tokens,
    };
    let stopped = tokens
        .iter()
        .position(|t| t.start <= at.start && at.start < t.end);
    if let Some(result) = stopped.and_then(|i| query.at_token(i)) {
        return Some(result);
    }
    query.anywhere().map(Ok)
}

/// Constructs that are sugar for a clause and cannot start a statement's text before them.
const DETACHED_WORDS: &[&str] = &["LET", "FILTER", "NEXT", "FINISH"];
const PAGING_WORDS: &[&str] = &["SKIP", "LIMIT", "OFFSET"];

/// How far back from `TRANSACTIONS` the concurrency of `IN n CONCURRENT` may start, and how
/// far a retry's duration may run: a parameter or a number in practice.
const OPTION_EXPRESSION_TOKENS: usize = 16;

struct Query<'a> {
    text: &'a str,
    tokens: &'a [Token],
}

impl Query<'_> {
    fn at_token(&self, i: usize) -> Option<Result<Rewrite, CypherError>> {
        let word = word_at(self.text, self.tokens, i).to_ascii_uppercase();
        let rewrite = match word.as_str() {
            "LET" => self.let_clause(i),
            "FILTER" => self.filter_clause(i),
            "ORDER" if self.is(i + 1, "BY") => self.paging_clause(i),
            "SKIP" | "LIMIT" => self.paging_clause(i),
            "OFFSET" => Some(self.respelt(i, "SKIP")),
            "INSERT" => Some(self.respelt(i, "CREATE")),
            "NEXT" => return Some(self.next(i)),
            "SHORTEST" | "ANY" | "ALL" => self.path_selector(i),
            "WHERE" => self.path_predicate(i),
            "REPEATABLE" | "DIFFERENT" => self.match_mode(i),
            "WHEN" => return Some(Err(unsupported(
                "a conditional query (`WHEN … THEN … ELSE …`) is not understood by the analysis",
                self.span(i),
            ))),
            _ => None,
        };
        if rewrite.is_some() {
            return rewrite.map(Ok);
        }
        let token = self.tokens.get(i)?;
        if token.kind == TokenKind::Parameter {
            // `$any(…)`: decypher stops at the word after `$`.
            return self.label_functions().map(Ok);
        }
        if self.punct(i, "$") && self.punct(i + 1, "(") && self.in_label_write(i) {
            return Some(Err(unsupported(
                "a label chosen at run time (`$(…)`) is written by SET or REMOVE: which label \
                 the node gets cannot be told",
                self.span(i),
            )));
        }
        None
    }

    fn anywhere(&self) -> Option<Rewrite> {
        let mut edits: Vec<(Span, &str)> = Vec::new();
        let mut repeated = Vec::new();
        self.bare_quantifiers(&mut edits, &mut repeated);
        self.transaction_options(&mut edits);
        if edits.is_empty() {
            return None;
        }
        let removed_parameters = self.parameters_within(&edits);
        Some(Rewrite {
            text: overwrite(self.text, &edits),
            repeated,
            removed_parameters,
            ..Rewrite::default()
        })
    }

    fn upper(&self, i: usize) -> String {
        word_at(self.text, self.tokens, i).to_ascii_uppercase()
    }

    fn is(&self, i: usize, keyword: &str) -> bool {
        word_at(self.text, self.tokens, i).eq_ignore_ascii_case(keyword)
    }

    fn punct(&self, i: usize, p: &str) -> bool {
        self.tokens
            .get(i)
            .is_some_and(|t| t.kind == TokenKind::Punct && token_text(self.text, *t) == p)
    }

    fn kind(&self, i: usize) -> Option<TokenKind> {
        self.tokens.get(i).map(|t| t.kind)
    }

    fn span(&self, i: usize) -> Span {
        self.tokens
            .get(i)
            .map_or(Span::default(), |t| Span::new(t.start, t.end))
    }

    /// From the start of token `first` to the end of token `last`.
    fn span_of(&self, first: usize, last: usize) -> Span {
        Span::new(self.span(first).start, self.span(last).end)
    }

    fn blanked(&self, spans: &[Span]) -> String {
        let edits: Vec<(Span, &str)> = spans.iter().map(|&span| (span, "")).collect();
        overwrite(self.text, &edits)
    }

    /// Token `i` spelt `as` (no longer than it), padded with spaces.
    fn respelt(&self, i: usize, as_: &str) -> Rewrite {
        Rewrite {
            text: overwrite(self.text, &[(self.span(i), as_)]),
            ..Rewrite::default()
        }
    }

    /// The token after the clause that starts at `from`: the next clause keyword at the same
    /// bracket depth (`WHEN`, `THEN` and `ELSE` outside `CASE … END` too, which start the parts
    /// of a conditional query), a `;`, or the bracket that closes the enclosing subquery. With
    /// `paging`, `SKIP`, `LIMIT` and `OFFSET` belong to the clause.
    fn clause_end(&self, from: usize, paging: bool) -> usize {
        let mut depth = 0usize;
        let mut cases = 0usize;
        let mut i = from;
        while let Some(token) = self.tokens.get(i) {
            match token_text(self.text, *token) {
                "(" | "[" | "{" => depth += 1,
                ")" | "]" | "}" if depth == 0 => break,
                ")" | "]" | "}" => depth -= 1,
                ";" if depth == 0 => break,
                _ => {}
            }
            if depth == 0 && i > from {
                match self.upper(i).as_str() {
                    "CASE" => cases += 1,
                    "END" => cases = cases.saturating_sub(1),
                    "WHEN" | "THEN" | "ELSE" if cases == 0 => break,
                    _ if self.starts_clause(i, paging) => break,
                    _ => {}
                }
            }
            i += 1;
        }
        i
    }

    /// Whether word `i` is a clause keyword where it stands: not a property key (`n.order`),
    /// a label (`n:Set`), or the `WITH` of `STARTS WITH`.
    fn starts_clause(&self, i: usize, paging: bool) -> bool {
        let word = self.upper(i);
        if word.is_empty()
            || i.checked_sub(1)
                .is_some_and(|before| self.punct(before, ".") || self.punct(before, ":"))
        {
            return false;
        }
        if word == "WITH"
            && i.checked_sub(1)
                .is_some_and(|before| self.is(before, "STARTS") || self.is(before, "ENDS"))
        {
            return false;
        }
        CLAUSE_WORDS.contains(&word.as_str())
            || DETACHED_WORDS.contains(&word.as_str())
            || (!paging && PAGING_WORDS.contains(&word.as_str()))
    }

    /// The comma at bracket depth 0 between `from` and `end`, if any.
    fn comma_within(&self, from: usize, end: usize) -> Option<usize> {
        let mut depth = 0usize;
        for i in from..end {
            match token_text(self.text, *self.tokens.get(i)?) {
                "(" | "[" | "{" => depth += 1,
                ")" | "]" | "}" => depth = depth.saturating_sub(1),
                "," if depth == 0 => return Some(i),
                _ => {}
            }
        }
        None
    }

    /// `lead` at the start of a text as long as the query, then `body` where it is in the
    /// query, blanks elsewhere; `None` when `lead` does not fit before `body`.
    fn fragment(&self, lead: &str, body: Span, edits: &[(Span, &str)]) -> Option<String> {
        if body.start <= lead.len() {
            return None;
        }
        let mut out = String::with_capacity(self.text.len());
        out.push_str(lead);
        out.extend(std::iter::repeat_n(' ', body.start - lead.len()));
        out.push_str(self.text.get(body.range())?);
        out.extend(std::iter::repeat_n(' ', self.text.len() - body.end));
        Some(overwrite(&out, edits))
    }

    fn detached(&self, first: usize, end: usize, kind: DetachedKind) -> Option<Rewrite> {
        let clause = self.span_of(first, end.checked_sub(1)?);
        Some(Rewrite {
            text: self.blanked(&[clause]),
            detached: vec![Detached { clause, kind }],
            ..Rewrite::default()
        })
    }

    /// `LET a = e, b = f`.
    fn let_clause(&self, let_at: usize) -> Option<Rewrite> {
        let end = self.clause_end(let_at, false);
        let mut items = Vec::new();
        let mut at = let_at + 1;
        loop {
            let name = self
                .tokens
                .get(at)
                .filter(|t| matches!(t.kind, TokenKind::Word | TokenKind::QuotedName))?;
            if !self.punct(at + 1, "=") {
                return None;
            }
            let value_end = self.comma_within(at + 2, end).unwrap_or(end);
            if value_end <= at + 2 {
                return None;
            }
            let value = self.span_of(at + 2, value_end - 1);
            items.push(LetItem {
                name: unquote_name(token_text(self.text, *name)),
                name_span: Span::new(name.start, name.end),
                value: self.fragment("RETURN", value, &[])?,
            });
            if value_end == end {
                break;
            }
            at = value_end + 1;
        }
        self.detached(let_at, end, DetachedKind::Let(items))
    }

    /// `FILTER [WHERE] e`.
    fn filter_clause(&self, filter_at: usize) -> Option<Rewrite> {
        let start = filter_at + 1 + usize::from(self.is(filter_at + 1, "WHERE"));
        let end = self.clause_end(start, false);
        if end <= start {
            return None;
        }
        let predicate = self.fragment("RETURN", self.span_of(start, end - 1), &[])?;
        self.detached(filter_at, end, DetachedKind::Filter { predicate })
    }

    /// `ORDER BY …`, `SKIP n`, `LIMIT n` (and `OFFSET n`) with no RETURN or WITH before them.
    fn paging_clause(&self, first: usize) -> Option<Rewrite> {
        let end = self.clause_end(first, true);
        if end <= first + 1 {
            return None;
        }
        let offsets: Vec<(Span, &str)> = (first..end)
            .filter(|&i| self.is(i, "OFFSET"))
            .map(|i| (self.span(i), "SKIP"))
            .collect();
        let body = self.fragment("RETURN 1", self.span_of(first, end - 1), &offsets)?;
        self.detached(first, end, DetachedKind::Paging { body })
    }

    /// `… RETURN x NEXT …` (Cypher 25 linear composition): what the first part returns is
    /// what the next one starts with, as after `WITH x`.
    fn next(&self, next_at: usize) -> Result<Rewrite, CypherError> {
        let mut depth = 0usize;
        let mut returns = None;
        for i in (0..next_at).rev() {
            let Some(token) = self.tokens.get(i) else {
                break;
            };
            match token_text(self.text, *token) {
                ")" | "]" | "}" => depth += 1,
                "(" | "[" | "{" if depth == 0 => break,
                "(" | "[" | "{" => depth -= 1,
                ";" if depth == 0 => break,
                _ => {}
            }
            if depth != 0 || !self.starts_clause(i, true) {
                continue;
            }
            match self.upper(i).as_str() {
                "NEXT" => break,
                "UNION" => {
                    return Err(unsupported(
                        "`NEXT` after a `UNION` is not understood by the analysis",
                        self.span(next_at),
                    ))
                }
                "RETURN" if returns.is_none() => returns = Some(i),
                _ => {}
            }
        }
        let Some(returns) = returns else {
            return Err(unsupported(
                "`NEXT` follows a part that does not end in RETURN, which the analysis does \
                 not understand",
                self.span(next_at),
            ));
        };
        Ok(Rewrite {
            text: overwrite(
                self.text,
                &[(self.span(returns), "WITH"), (self.span(next_at), "")],
            ),
            ..Rewrite::default()
        })
    }

    /// `((a)-->(b) WHERE e)`: the `WHERE` of a parenthesised path, up to its closing bracket.
    fn path_predicate(&self, where_at: usize) -> Option<Rewrite> {
        let mut depth = 0usize;
        let open = (0..where_at).rev().find(|&i| {
            match token_text(self.text, self.tokens[i]) {
                ")" | "]" | "}" => depth += 1,
                "(" | "[" | "{" if depth == 0 => return true,
                "(" | "[" | "{" => depth -= 1,
                _ => {}
            }
            false
        })?;
        if !(self.punct(open, "(") && self.punct(open + 1, "(")) {
            return None;
        }
        let close = matching_close(self.text, self.tokens, open)?;
        if close <= where_at + 1 {
            return None;
        }
        let predicate = self.fragment("RETURN", self.span_of(where_at + 1, close - 1), &[])?;
        self.detached(where_at, close, DetachedKind::PathPredicate { predicate })
    }

    /// `ANY SHORTEST`, `ALL SHORTEST`, `ANY [k]`, `ALL`, `SHORTEST k [GROUPS]`, each optionally
    /// followed by `PATH`/`PATHS`, before a path pattern.
    fn path_selector(&self, first: usize) -> Option<Rewrite> {
        let count =
            |i: usize| matches!(self.kind(i), Some(TokenKind::Number | TokenKind::Parameter));
        let mut at = first;
        let shortest_first = self.is(first, "SHORTEST");
        if shortest_first {
            at += 1;
            at += usize::from(count(at));
        } else {
            let any = self.is(first, "ANY");
            at += 1;
            // `ANY SHORTEST`, `ALL SHORTEST`, or `ANY k`.
            if self.is(at, "SHORTEST") || (any && count(at)) {
                at += 1;
            }
        }
        if self.is(at, "PATH") || self.is(at, "PATHS") {
            at += 1;
        }
        if shortest_first && (self.is(at, "GROUP") || self.is(at, "GROUPS")) {
            at += 1;
        }
        self.blanked_before_path(first, at)
    }

    /// `REPEATABLE ELEMENT[S]` or `DIFFERENT RELATIONSHIP[S]` after `MATCH`.
    fn match_mode(&self, first: usize) -> Option<Rewrite> {
        let second = self.upper(first + 1);
        let known = if self.is(first, "REPEATABLE") {
            matches!(second.as_str(), "ELEMENT" | "ELEMENTS")
        } else {
            matches!(second.as_str(), "RELATIONSHIP" | "RELATIONSHIPS")
        };
        known.then(|| self.blanked_before_path(first, first + 2))?
    }

    /// Tokens `first..end` blanked when a path pattern follows (a node, or a path selector).
    fn blanked_before_path(&self, first: usize, end: usize) -> Option<Rewrite> {
        let path_follows =
            self.punct(end, "(") || matches!(self.upper(end).as_str(), "SHORTEST" | "ANY" | "ALL");
        if !path_follows || end <= first {
            return None;
        }
        let span = self.span_of(first, end - 1);
        Some(Rewrite {
            text: self.blanked(&[span]),
            removed_parameters: self.parameters_within(&[(span, "")]),
            ..Rewrite::default()
        })
    }

    /// Every `$any(` and `$all(` label function, as `$(`.
    fn label_functions(&self) -> Option<Rewrite> {
        let edits: Vec<(Span, &str)> = (0..self.tokens.len())
            .filter(|&i| {
                self.kind(i) == Some(TokenKind::Parameter)
                    && ["$any", "$all"]
                        .iter()
                        .any(|f| token_text(self.text, self.tokens[i]).eq_ignore_ascii_case(f))
                    && self.punct(i + 1, "(")
            })
            .map(|i| (self.span_of(i, i + 1), "$("))
            .collect();
        (!edits.is_empty()).then(|| Rewrite {
            text: overwrite(self.text, &edits),
            ..Rewrite::default()
        })
    }

    /// Whether the `$` at `i` is a label in a SET or REMOVE item (`SET n:$(x)`).
    fn in_label_write(&self, dollar: usize) -> bool {
        let Some(before) = dollar.checked_sub(1) else {
            return false;
        };
        if !(self.punct(before, ":") || self.punct(before, "&") || self.is(before, "IS")) {
            return false;
        }
        (0..before)
            .rev()
            .find(|&i| self.starts_clause(i, true))
            .is_some_and(|clause| self.is(clause, "SET") || self.is(clause, "REMOVE"))
    }

    /// `+` and `*` quantifying a relationship (`-[:R]->+`) or a parenthesised path
    /// (`((a)-->(b))*`) in a MATCH pattern, where nothing else can be written there.
    fn bare_quantifiers(&self, edits: &mut Vec<(Span, &'static str)>, repeated: &mut Vec<Span>) {
        let mut i = 0;
        while i < self.tokens.len() {
            if !self.is(i, "MATCH") {
                i += 1;
                continue;
            }
            // The pattern: up to the next clause keyword (WHERE included) at its depth.
            let mut opened: Vec<usize> = Vec::new();
            let mut last_closed = None;
            let mut j = i + 1;
            while let Some(token) = self.tokens.get(j) {
                let text = token_text(self.text, *token);
                if opened.is_empty() && (text == ";" || self.starts_clause(j, false)) {
                    break;
                }
                match text {
                    "(" | "[" | "{" => opened.push(j),
                    ")" | "]" | "}" if opened.is_empty() => break,
                    ")" | "]" | "}" => last_closed = opened.pop(),
                    "+" | "*" if opened.is_empty() => {
                        let after_path = self.punct(j - 1, ")");
                        let after_relationship = self.punct(j - 1, "-") || self.punct(j - 1, ">");
                        let next_ends_or_opens = self.punct(j + 1, "(")
                            || self.punct(j + 1, ",")
                            || self.tokens.get(j + 1).is_none()
                            || self.starts_clause(j + 1, false);
                        if after_relationship && self.punct(j + 1, "(") {
                            edits.push((self.span(j), ""));
                            repeated.push(self.span(j));
                        } else if after_path && next_ends_or_opens {
                            edits.push((self.span(j), ""));
                            repeated.push(
                                last_closed.map_or(self.span(j), |open| self.span_of(open, j)),
                            );
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            i = j;
        }
    }

    /// `IN n CONCURRENT TRANSACTIONS`, `ON ERROR RETRY [FOR d SECONDS] [THEN …]` and `REPORT
    /// STATUS AS s`: the parser knows `IN TRANSACTIONS [OF n ROWS] [ON ERROR CONTINUE|BREAK|FAIL]`.
    fn transaction_options(&self, edits: &mut Vec<(Span, &'static str)>) {
        for transactions in (0..self.tokens.len()).filter(|&i| self.is(i, "TRANSACTIONS")) {
            if let Some(concurrent) = transactions
                .checked_sub(1)
                .filter(|&c| self.is(c, "CONCURRENT"))
            {
                let keyword_in = (concurrent.saturating_sub(OPTION_EXPRESSION_TOKENS + 1)
                    ..concurrent)
                    .rev()
                    .find(|&i| self.is(i, "IN"));
                if let Some(keyword_in) = keyword_in {
                    edits.push((self.span_of(keyword_in + 1, concurrent), ""));
                }
            }
            let mut at = transactions + 1;
            loop {
                if self.is(at, "OF") {
                    match (at + 1..at + 2 + OPTION_EXPRESSION_TOKENS)
                        .find(|&i| self.is(i, "ROWS") || self.is(i, "ROW"))
                    {
                        Some(rows) => at = rows + 1,
                        None => break,
                    }
                } else if self.is(at, "ON") && self.is(at + 1, "ERROR") && self.is(at + 2, "RETRY")
                {
                    let mut end = at + 3;
                    if self.is(end, "FOR") {
                        match (end + 1..end + 2 + OPTION_EXPRESSION_TOKENS)
                            .find(|&i| self.is(i, "SECONDS") || self.is(i, "SECOND"))
                        {
                            Some(seconds) => end = seconds + 1,
                            None => break,
                        }
                    }
                    if self.is(end, "THEN") {
                        end += 2;
                    }
                    edits.push((self.span_of(at, end - 1), ""));
                    at = end;
                } else if self.is(at, "ON") && self.is(at + 1, "ERROR") {
                    at += 3;
                } else if self.is(at, "REPORT")
                    && self.is(at + 1, "STATUS")
                    && self.is(at + 2, "AS")
                {
                    edits.push((self.span_of(at, at + 3), ""));
                    at += 4;
                } else {
                    break;
                }
            }
        }
    }

    /// The parameters inside the spans `edits` overwrite.
    fn parameters_within(&self, edits: &[(Span, &str)]) -> Vec<(String, Span)> {
        let mut spans: Vec<Span> = edits.iter().map(|(span, _)| *span).collect();
        spans.sort_by_key(|span| span.start);
        // The edits do not overlap: the one starting last before a token is the only one
        // that can hold it.
        let within = |token: &Token| {
            let before = spans.partition_point(|span| span.start <= token.start);
            before
                .checked_sub(1)
                .and_then(|i| spans.get(i))
                .is_some_and(|span| token.end <= span.end)
        };
        self.tokens
            .iter()
            .filter(|t| t.kind == TokenKind::Parameter && within(t))
            .map(|t| {
                let name = token_text(self.text, *t).get(1..).unwrap_or_default();
                (unquote_name(name), Span::new(t.start, t.end))
            })
            .collect()
    }
}

fn unsupported(message: &str, span: Span) -> CypherError {
    CypherError {
        message: message.to_owned(),
        span,
        kind: CypherErrorKind::Unsupported,
    }
}
