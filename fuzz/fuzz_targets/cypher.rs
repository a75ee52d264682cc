//! Cypher text in, patterns out: the pre-lexer, the parser and the adapter
//! must never panic, overflow or hang, in plain and template mode; and the
//! fast parser, where it answers, must answer exactly as decypher does.
#![no_main]

use libfuzzer_sys::fuzz_target;
use partner_safety_lints::cypher::{
    fast_parse_agrees, looks_like_cypher, parse_query, spans_index, CypherErrorKind,
    TextMode,
};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = looks_like_cypher(text);
    assert!(fast_parse_agrees(text), "the fast parser disagrees with decypher on {text:?}");
    for mode in [TextMode::Plain, TextMode::Template] {
        match parse_query(text, mode) {
            Ok(facts) => {
                // Rewrites and the adapter keep every span on the text as written.
                assert!(spans_index(text, &facts), "a span leaves {text:?}");
                for node in &facts.nodes {
                    let _ = facts.nodes_of(node.binding).count();
                }
                if let (Some(first), Some(last)) = (facts.bindings.first(), facts.bindings.len().checked_sub(1)) {
                    let _ = (first, facts.connected(0, last), facts.confined_to([0]));
                }
            }
            // A panic in the pre-passes, the rewrites, the parser or the adapter is caught
            // and reported as an internal error: for the fuzzer it is a crash all the same.
            Err(error) => assert_ne!(error.kind, CypherErrorKind::Internal, "{text:?}: {error:?}"),
        }
    }
    let _ = partner_safety_lints::rust_literal::parse_rust_literal(text);
});
