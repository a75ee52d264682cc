//! Deeply nested input must be refused or parsed, never crash the process (the parser
//! recurses per level and a stack overflow aborts).

use std::time::{Duration, Instant};

use partner_safety_lints::cypher::{parse_queries, parse_query, CypherErrorKind, TextMode};

fn nested(shape: &str, depth: usize) -> String {
    let wrap = |open: &str, inner: &str, close: &str| {
        format!("{}{inner}{}", open.repeat(depth), close.repeat(depth))
    };
    match shape {
        "parens" => format!("RETURN {}", wrap("(", "1", ")")),
        "lists" => format!("RETURN {}", wrap("[", "1", "]")),
        "maps" => format!("RETURN {}", wrap("{a:", "1", "}")),
        "not" => format!("MATCH (n) WHERE {}true RETURN n", "NOT ".repeat(depth)),
        "plus" => format!("RETURN {}1", "1 + ".repeat(depth)),
        "and" => format!("MATCH (n) WHERE {}true RETURN n", "true AND ".repeat(depth)),
        "minus" => format!("RETURN {}1", "- ".repeat(depth)),
        "property" => format!("MATCH (n) RETURN n{}", ".a".repeat(depth)),
        "index" => format!("MATCH (n) RETURN n{}", "[0]".repeat(depth)),
        "calls" => format!("RETURN {}", wrap("abs(", "1", ")")),
        "case" => format!("RETURN {}", wrap("CASE WHEN true THEN ", "1", " END")),
        "exists" => format!(
            "MATCH (a) WHERE {} RETURN a",
            wrap("EXISTS { MATCH (a) WHERE ", "true", " }")
        ),
        "count" => format!(
            "MATCH (a) RETURN {}",
            wrap("COUNT { MATCH (a) WHERE 1 < ", "1", " }")
        ),
        "collect" => format!(
            "MATCH (a) RETURN {}",
            wrap("size(COLLECT { MATCH (a) RETURN ", "1", " })")
        ),
        "call" => wrap("CALL { ", "RETURN 1 AS x", " } RETURN x AS x"),
        "comprehension" => format!("RETURN {}", wrap("[x IN ", "[1]", " | x]")),
        "pattern_comprehension" => format!("MATCH (a) RETURN {}", wrap("[(a)-->(b) | ", "1", "]")),
        "labels" => format!("MATCH (n:A{}) RETURN n", "|A".repeat(depth)),
        "path" => format!("MATCH (a){} RETURN a", "-->()".repeat(depth)),
        "foreach" => format!(
            "MATCH (n) {}",
            wrap("FOREACH (x IN [1] | ", "SET n.a = x", ")")
        ),
        _ => unreachable!("unknown shape {shape}"),
    }
}

const SHAPES: &[&str] = &[
    "parens",
    "lists",
    "maps",
    "not",
    "plus",
    "and",
    "minus",
    "property",
    "index",
    "calls",
    "case",
    "exists",
    "count",
    "collect",
    "call",
    "comprehension",
    "pattern_comprehension",
    "labels",
    "path",
    "foreach",
];

fn is_too_deep(text: &str) -> bool {
    matches!(parse_query(text, TextMode::Plain), Err(e) if e.kind == CypherErrorKind::TooDeep)
}

#[test]
fn refuses_deep_nesting_quickly() {
    for shape in ["parens", "lists", "maps", "not"] {
        for depth in [300, 100_000] {
            let text = nested(shape, depth);
            let started = Instant::now();
            let error = parse_query(&text, TextMode::Plain).expect_err(shape);
            assert_eq!(
                error.kind,
                CypherErrorKind::TooDeep,
                "{shape} {depth}: {error:?}"
            );
            assert!(error.span.end <= text.len());
            assert!(
                started.elapsed() < Duration::from_secs(2),
                "{shape} {depth}: {:?}",
                started.elapsed()
            );
        }
    }
}

#[test]
fn shallow_nesting_still_parses() {
    for shape in SHAPES {
        let text = nested(shape, 3);
        assert!(
            parse_query(&text, TextMode::Plain).is_ok(),
            "{shape}: {text}"
        );
    }
}

/// The deepest input of each shape that the guard lets through must parse without
/// overflowing the parser thread's stack, even in a debug build.
#[test]
fn the_deepest_accepted_input_of_every_shape_parses() {
    for shape in SHAPES {
        assert!(is_too_deep(&nested(shape, 100_000)), "{shape} at 100k");
        let (mut accepted, mut refused) = (1, 100_000);
        while refused - accepted > 1 {
            let middle = (accepted + refused) / 2;
            if is_too_deep(&nested(shape, middle)) {
                refused = middle
            } else {
                accepted = middle
            }
        }
        let text = nested(shape, accepted);
        if let Err(error) = parse_query(&text, TextMode::Plain) {
            assert_eq!(
                error.kind,
                CypherErrorKind::Syntax,
                "{shape} at {accepted}: {error:?}"
            );
        }
    }
}

#[test]
fn templates_are_guarded_too() {
    let text = format!(
        "MATCH (n:{{}}) WHERE {}n.{{}} = 1 RETURN n",
        "NOT ".repeat(100_000)
    );
    let error = parse_query(&text, TextMode::Template).expect_err("too deep");
    assert_eq!(error.kind, CypherErrorKind::TooDeep);
}

/// A batch answers each query as a single parse would, in order: a refused or broken query in
/// the middle does not disturb its neighbours.
#[test]
fn a_batch_answers_like_single_parses() {
    let batch = vec![
        (
            "MATCH (t:Tenant {id: $tenant_id}) RETURN t".to_owned(),
            TextMode::Plain,
        ),
        (nested("parens", 100_000), TextMode::Plain),
        ("MATCH (t:Tenant RETURN".to_owned(), TextMode::Plain),
        (
            "MATCH (n:{}) WHERE n.{} = $id RETURN n".to_owned(),
            TextMode::Template,
        ),
        (nested("case", 3), TextMode::Plain),
    ];
    let results = parse_queries(batch.clone());
    assert_eq!(results.len(), batch.len());
    for ((text, mode), result) in batch.iter().zip(&results) {
        assert_eq!(result, &parse_query(text, *mode), "{text:.60}");
    }
    assert!(results[0].is_ok() && results[3].is_ok() && results[4].is_ok());
    assert_eq!(
        results[1].as_ref().unwrap_err().kind,
        CypherErrorKind::TooDeep
    );
    assert_eq!(
        results[2].as_ref().unwrap_err().kind,
        CypherErrorKind::Syntax
    );
    assert!(parse_queries(Vec::new()).is_empty());
}
