//! Cypher query facts for lint rules.
//!
//! Parsing is done by `decypher` behind `adapter`; rules only see the plain types in [`facts`].
//! For the common shapes `fast` builds decypher's AST directly, and declines everything else.
//! Before decypher runs, `prepass` normalises `format!` templates, refuses deeply nested input,
//! blanks a byte-order mark and query options (`CYPHER 5`, `EXPLAIN`, `PROFILE`), rewrites the
//! few Neo4j 5 constructs decypher does not support yet, and blanks schema commands (`CREATE
//! VECTOR INDEX …`, `DROP CONSTRAINT …`, `SHOW INDEXES`), which read and write no data: a text
//! of schema commands alone parses to empty facts. Where decypher then stops at newer syntax
//! (`LET`, `FILTER`, `MATCH SHORTEST 1 …`, `NEXT`), `rewrite` rewrites it there and the text is
//! parsed again; what no rewrite can read is a [`CypherErrorKind::Unsupported`] error naming
//! it. None of this moves any byte, so every span indexes the caller's text.

mod adapter;
pub mod facts;
mod fast;
mod prepass;
mod rewrite;

use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc;

pub use facts::*;
pub use prepass::{literal_may_be_cypher, looks_like_cypher, text_may_hold_cypher_literal};

/// The parser recurses per nesting level, tens of KiB per level in unoptimised builds. Running
/// it on our own thread with a known stack makes the depth guard hold whatever stack the
/// caller has left. The stack is reserved, not committed: only pages actually used cost memory.
const PARSER_STACK_BYTES: usize = 64 << 20;

/// Each retry is a full parse; real templates need one or two.
const MAX_BLANKED_HOLES: usize = 8;

/// Rewrites of newer syntax, each a full parse too: one per clause of it in the query.
const MAX_REWRITES: usize = 32;

/// Parse results kept between runs by the caller (the lint pack does no I/O): a query whose
/// text was parsed before is not parsed again. Results of [`CypherErrorKind::Internal`] are
/// never handed over, so a parser failure is retried next time.
pub trait ParseMemo: Sync {
    /// The result for exactly this text and mode, if one was kept.
    fn recall(&self, text: &str, mode: TextMode) -> Option<Result<QueryFacts, CypherError>>;
    /// A result just parsed.
    fn remember(&self, text: &str, mode: TextMode, parsed: &Result<QueryFacts, CypherError>);
}

/// Whether the fast parser either declines `text` or returns exactly decypher's AST for it.
/// For the differential tests and fuzz target; `text` may be any untrusted string.
#[doc(hidden)]
pub fn fast_parse_agrees(text: &str) -> bool {
    match fast::parse(text) {
        None => true,
        Some(fast) => decypher::parse(text).is_ok_and(|reference| reference == fast),
    }
}

/// Whether every span in `facts` is a range of `text` on character boundaries, as the rules
/// need to slice and report them. For the fuzz target and its replay.
#[doc(hidden)]
pub fn spans_index(text: &str, facts: &QueryFacts) -> bool {
    let spans = facts
        .clauses
        .iter()
        .map(|c| c.span)
        .chain(facts.clauses.iter().flat_map(|c| {
            c.writes
                .iter()
                .map(|w| w.target.span)
                .chain(c.deletes.iter().map(|d| d.span))
        }))
        .chain(facts.nodes.iter().map(|n| n.span))
        .chain(
            facts
                .nodes
                .iter()
                .flat_map(|n| n.properties.iter().map(|p| p.span)),
        )
        .chain(facts.relationships.iter().map(|r| r.span))
        .chain(facts.bindings.iter().map(|b| b.span))
        .chain(facts.parameters.iter().map(|(_, span)| *span))
        .chain(facts.property_filters.iter().map(|f| f.span))
        .chain(facts.template_holes.iter().copied());
    let mut spans = spans;
    spans.all(|span| text.get(span.range()).is_some())
}

/// Parses one Cypher query into facts. Never panics; `text` may be any untrusted string.
///
/// In [`TextMode::Template`] `text` is a `format!` template; a hole the parser still rejects
/// (e.g. in keyword position) is retried blanked out, and a template that never parses
/// because of a hole is a [`CypherErrorKind::BuiltAtRunTime`] error.
pub fn parse_query(text: &str, mode: TextMode) -> Result<QueryFacts, CypherError> {
    let text = text.to_owned();
    on_parser_thread(move || parse_caught(&text, mode)).unwrap_or_else(Err)
}

/// Parses many queries, in order, with one hand-over to the parser thread for the whole batch:
/// a hand-over costs two thread wake-ups, more than parsing a typical query.
pub fn parse_queries(batch: Vec<(String, TextMode)>) -> Vec<Result<QueryFacts, CypherError>> {
    let count = batch.len();
    match on_parser_thread(move || {
        batch
            .iter()
            .map(|(text, mode)| parse_caught(text, *mode))
            .collect::<Vec<_>>()
    }) {
        Ok(results) => results,
        Err(error) => vec![Err(error); count],
    }
}

/// One query on the current (parser) thread; a parser panic becomes this query's error.
fn parse_caught(text: &str, mode: TextMode) -> Result<QueryFacts, CypherError> {
    panic::catch_unwind(AssertUnwindSafe(|| parse_here(text, mode)))
        .unwrap_or_else(|_panic| Err(internal_error("the Cypher parser panicked")))
}

fn parse_here(text: &str, mode: TextMode) -> Result<QueryFacts, CypherError> {
    let (mut candidate, holes) = match mode {
        TextMode::Plain => (text.to_owned(), Vec::new()),
        TextMode::Template => prepass::normalise_template(text),
    };
    let mut blanked: Vec<Span> = Vec::new();
    let mut first_rejection: Option<adapter::Rejected> = None;
    let mut rewritten = rewrite::Rewrite::default();
    let mut rewrites = 0;
    loop {
        let prepared = prepass::prepare(&candidate)?;
        if prepared.only_schema {
            // Indexes and constraints: no data, so no facts, whatever syntax they use.
            return Ok(QueryFacts {
                template_holes: holes,
                ..QueryFacts::default()
            });
        }
        let result = adapter::extract(&adapter::Input {
            text: &prepared.text,
            original_len: prepared.original_len,
            template_holes: &holes,
            call_imports: &prepared.call_imports,
            detached: &rewritten.detached,
            repeated: &rewritten.repeated,
        });
        let rejected = match result {
            Ok(mut facts) => {
                facts.parameters.extend(prepared.removed_parameters);
                facts.parameters.extend(rewritten.removed_parameters);
                facts.parameters.sort_by_key(|(_, span)| span.start);
                return Ok(facts);
            }
            Err(rejected) if rejected.error.kind == CypherErrorKind::Syntax => rejected,
            Err(rejected) => return Err(rejected.error),
        };
        // Newer syntax the parser lacks, where it stopped: rewritten, and parsed again.
        if rewrites < MAX_REWRITES {
            match rewrite::rewrite_at(&candidate, rejected.error.span) {
                Some(Ok(rewrite)) => {
                    candidate = rewrite.text;
                    rewritten.detached.extend(rewrite.detached);
                    rewritten
                        .removed_parameters
                        .extend(rewrite.removed_parameters);
                    rewritten.repeated.extend(rewrite.repeated);
                    rewrites += 1;
                    continue;
                }
                Some(Err(unsupported)) => return Err(unsupported),
                None => {}
            }
        }
        // Retries follow the reported error's span, not `at`: following decypher's internal
        // errors would blank holes until nonsense parses (`SET p.a = {a} SET {b}` would read
        // as `SET p.a = SET`).
        let hole = hole_to_blank(&holes, &blanked, rejected.error.span);
        let first = first_rejection.get_or_insert(rejected);
        match hole {
            Some(hole) if blanked.len() < MAX_BLANKED_HOLES => {
                candidate = prepass::overwrite(&candidate, &[(hole, "")]);
                blanked.push(hole);
            }
            _ => return Err(failure(text, &holes, first)),
        }
    }
}

/// The error of a text that did not parse, from the first attempt, which reads every hole
/// as a name: later attempts parse text with holes blanked, which nobody wrote.
///
/// When that attempt stops on a hole or right after one (`SET {}`, `UNWIND {} MERGE …`), the
/// hole holds Cypher structure that is decided at run time, and that is the error, not the
/// syntax around the hole: [`CypherErrorKind::BuiltAtRunTime`], spanning the hole. Any other
/// error is the template's own syntax, reported as the parser gives it.
fn failure(text: &str, holes: &[Span], first: &adapter::Rejected) -> CypherError {
    let Some(hole) = hole_at(text, holes, first.at) else {
        return first.error.clone();
    };
    CypherError {
        message: format!(
            "the query's text is built at run time at `{}`",
            text.get(hole.range()).unwrap_or_default()
        ),
        span: hole,
        kind: CypherErrorKind::BuiltAtRunTime,
    }
}

/// The hole a parser error at `at` falls on: the one it starts in, or right after with nothing
/// but whitespace between; else the first one inside it (decypher may name a whole part it
/// could not build, such as the SET item `p.{}`).
fn hole_at(text: &str, holes: &[Span], at: Span) -> Option<Span> {
    let on_or_after = holes
        .iter()
        .filter(|hole| hole.start <= at.start)
        .max_by_key(|hole| hole.start)
        .filter(|hole| {
            at.start < hole.end
                || text
                    .get(hole.end..at.start)
                    .is_some_and(|gap| gap.trim().is_empty())
        });
    on_or_after
        .or_else(|| {
            holes
                .iter()
                .find(|hole| at.start <= hole.start && hole.start < at.end)
        })
        .copied()
}

fn internal_error(message: &str) -> CypherError {
    CypherError {
        message: message.to_owned(),
        span: Span::default(),
        kind: CypherErrorKind::Internal,
    }
}

/// The hole the parser most likely choked on: the last unblanked one starting at or before
/// the error.
fn hole_to_blank(holes: &[Span], blanked: &[Span], error: Span) -> Option<Span> {
    holes
        .iter()
        .filter(|hole| !blanked.contains(hole) && hole.start <= error.start)
        .max_by_key(|hole| hole.start)
        .copied()
}

type Job = Box<dyn FnOnce() + Send>;

thread_local! {
    /// A parser thread per calling thread, started on first use and reused: starting a thread
    /// with a large stack costs more than a parse, and parallel callers must not queue.
    static PARSER_THREAD: RefCell<Option<mpsc::Sender<Job>>> = const { RefCell::new(None) };
}

/// Runs `job` on this thread's parser thread, starting it when needed.
fn on_parser_thread<T: Send + 'static>(
    job: impl FnOnce() -> T + Send + 'static,
) -> Result<T, CypherError> {
    let (reply_to, reply) = mpsc::sync_channel(1);
    let job: Job = Box::new(move || {
        let result = panic::catch_unwind(AssertUnwindSafe(job));
        // The caller waits for this reply; it can only be gone if it panicked itself.
        let _ = reply_to.send(result);
    });
    let sent = PARSER_THREAD
        .try_with(|cell| {
            let mut parser = cell.borrow_mut();
            let job = match parser.as_ref() {
                Some(sender) => match sender.send(job) {
                    Ok(()) => return true,
                    // The thread is gone: start another and resend.
                    Err(mpsc::SendError(job)) => job,
                },
                None => job,
            };
            *parser = start_parser_thread();
            parser
                .as_ref()
                .is_some_and(|sender| sender.send(job).is_ok())
        })
        .unwrap_or(false);
    if !sent {
        return Err(internal_error("could not start the Cypher parser thread"));
    }
    match reply.recv() {
        Ok(Ok(result)) => Ok(result),
        Ok(Err(_panic)) => Err(internal_error("the Cypher parser panicked")),
        Err(_) => Err(internal_error("the Cypher parser thread stopped")),
    }
}

/// The thread exits when its calling thread does, as the sender in thread-local storage drops.
fn start_parser_thread() -> Option<mpsc::Sender<Job>> {
    let (sender, jobs) = mpsc::channel::<Job>();
    std::thread::Builder::new()
        .name("cypher-parser".to_owned())
        .stack_size(PARSER_STACK_BYTES)
        .spawn(move || jobs.into_iter().for_each(|job| job()))
        .ok()?;
    Some(sender)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(facts: &QueryFacts) -> Vec<&str> {
        facts
            .nodes
            .iter()
            .flat_map(|node| node.labels.iter().map(String::as_str))
            .collect()
    }

    fn error(text: &str, mode: TextMode) -> (CypherErrorKind, String, &str) {
        let error = parse_query(text, mode).expect_err(text);
        let at = text.get(error.span.range()).unwrap_or("<out of range>");
        (error.kind, error.message, at)
    }

    #[test]
    fn a_template_that_fails_at_a_hole_is_built_at_run_time() {
        for (text, hole) in [
            ("MATCH (p:Plan {{id: $id}}) SET {}", "{}"),
            (
                "MATCH (p:Plan {{id: $id}}) SET {set_clause} RETURN p",
                "{set_clause}",
            ),
            ("MATCH (p:Plan {{id: $id}}) SET p.name = $name, {}", "{}"),
            ("MATCH (p:Plan {{id: $id}}) SET p.{} RETURN p", "{}"),
            ("UNWIND {} MERGE (p:Plan {{id: row.id}})", "{}"),
            ("MATCH (n) SET {} {} {} {} {} {} {} {} {} {}", "{}"),
        ] {
            assert_eq!(
                error(text, TextMode::Template),
                (
                    CypherErrorKind::BuiltAtRunTime,
                    format!("the query's text is built at run time at `{hole}`"),
                    hole
                ),
                "{text:?}"
            );
        }
        let text = "MATCH (p:Plan) SET p.a = {a} SET {rest}";
        let error = parse_query(text, TextMode::Template).expect_err(text);
        // The hole the parser stopped at, and not a parse of what is left with holes blanked.
        assert_eq!(error.span, Span::new(33, 39));
        assert_eq!(error.kind, CypherErrorKind::BuiltAtRunTime);
    }

    #[test]
    fn syntax_errors_in_the_written_text_stay_syntax_errors() {
        for (text, mode, message, at) in [
            (
                "MATCH (p:Plan {id: $id}) SET p.x",
                TextMode::Plain,
                "expected a Cypher clause such as MATCH, CREATE or RETURN",
                "MATCH",
            ),
            (
                "MATCH (n RETURN n",
                TextMode::Plain,
                "unexpected token `RETURN`, expected `)`",
                "RETURN",
            ),
            // A plain string has no holes: `{}` there is an empty map.
            (
                "MATCH (p:Plan) SET {}",
                TextMode::Plain,
                "unexpected token `{`, expected clause",
                "{",
            ),
            // The first reading, with every hole a name, finds the typo; blanking
            // `{label}` to retry must not move the error onto `)`.
            (
                "MATCH (n:{label}) RETRUN n",
                TextMode::Template,
                "unexpected token `RETRUN`, expected clause",
                "RETRUN",
            ),
            (
                "MATCH (n:User {{id: $id}} RETURN n, '{}'",
                TextMode::Template,
                "unexpected token `RETURN`, expected `)`",
                "RETURN",
            ),
        ] {
            assert_eq!(
                error(text, mode),
                (CypherErrorKind::Syntax, message.to_owned(), at),
                "{text:?}"
            );
        }
    }

    #[test]
    fn templates_whose_holes_read_as_names_still_parse() {
        for (text, expected) in [
            ("MATCH (n:{label} {{id: $id}}) RETURN n", vec![]),
            ("MATCH (n:User) WHERE {} RETURN n", vec!["User"]),
            ("MATCH (n:User) {where_clause} RETURN n", vec!["User"]),
            (
                "MATCH (p:Plan {{id: $id}}) SET p.{field} = $value",
                vec!["Plan"],
            ),
            (
                "MATCH (p:Plan {{id: $id}}) SET p += $props RETURN p.{}",
                vec!["Plan"],
            ),
        ] {
            let facts = parse_query(text, TextMode::Template).expect(text);
            assert_eq!(labels(&facts), expected, "{text:?}");
        }
    }

    #[test]
    fn schema_commands_parse_to_empty_facts() {
        for (text, mode) in [
            (
                "CREATE VECTOR INDEX vector_index FOR (a:Indexed) ON (a.embedding) \
                 OPTIONS {indexConfig: {`vector.dimensions`: 1536, \
                 `vector.similarity_function`: 'cosine'}}",
                TextMode::Plain,
            ),
            (
                "CREATE INDEX user_email IF NOT EXISTS FOR (u:User) ON (u.email)",
                TextMode::Plain,
            ),
            (
                "CREATE CONSTRAINT tenant_id IF NOT EXISTS FOR (t:Tenant) REQUIRE t.id IS UNIQUE",
                TextMode::Plain,
            ),
            ("SHOW VECTOR INDEXES YIELD name", TextMode::Plain),
            (
                "CREATE {kind} INDEX {name} IF NOT EXISTS FOR (n:{label}) ON (n.{property})",
                TextMode::Template,
            ),
        ] {
            let facts = parse_query(text, mode).expect(text);
            assert_eq!((facts.clauses.len(), facts.nodes.len()), (0, 0), "{text:?}");
        }
    }

    #[test]
    fn data_statements_beside_schema_commands_are_parsed() {
        let text = "CREATE CONSTRAINT c FOR (t:Tenant) REQUIRE t.id IS UNIQUE;\n\
                    CREATE VECTOR INDEX v FOR (d:Doc) ON (d.embedding);\n\
                    MATCH (t:Tenant {id: $tenant_id}) SET t.migrated = true;";
        let facts = parse_query(text, TextMode::Plain).expect("parses");
        assert_eq!(labels(&facts), ["Tenant"]);
        assert_eq!(
            &text[facts.nodes[0].span.range()],
            "(t:Tenant {id: $tenant_id})"
        );
    }

    #[test]
    fn data_queries_with_schema_words_stay_data_queries() {
        for (text, expected) in [
            ("CREATE (n:Index {name: $name})", vec!["Index"]),
            ("CREATE (i:Constraint) RETURN i", vec!["Constraint"]),
            (
                "CREATE (v:VECTOR)-[:IN]->(x:INDEX) RETURN v",
                vec!["VECTOR", "INDEX"],
            ),
            (
                "MATCH (c:Constraint {tenant_id: $t}) DETACH DELETE c",
                vec!["Constraint"],
            ),
        ] {
            let facts = parse_query(text, TextMode::Plain).expect(text);
            assert_eq!(labels(&facts), expected, "{text:?}");
        }
    }
}
