//! Cypher text in, patterns out: the pre-lexer, the parser and the adapter
//! must never panic, overflow or hang, in plain and template mode; and the
//! fast parser, where it answers, must answer exactly as decypher does.
#![no_main]

use libfuzzer_sys::fuzz_target;
use partner_safety_lints::cypher::{
    fast_parse_agrees, literal, looks_like_cypher, parse_query, TextMode,
};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = looks_like_cypher(text);
    assert!(fast_parse_agrees(text), "the fast parser disagrees with decypher on {text:?}");
    for mode in [TextMode::Plain, TextMode::Template] {
        if let Ok(facts) = parse_query(text, mode) {
            for node in &facts.nodes {
                let _ = facts.nodes_of(node.binding).count();
                let _ = text.get(node.span.range());
            }
            if let (Some(first), Some(last)) = (facts.bindings.first(), facts.bindings.len().checked_sub(1)) {
                let _ = (first, facts.connected(0, last));
            }
        }
    }
    let _ = literal::parse_rust_literal(text);
});
