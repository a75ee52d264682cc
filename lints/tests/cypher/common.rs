//! The shared query set: blocks separated by `---`, each starting `//# id=… expect=… tags=…`.

#![allow(dead_code)] // Each test file uses a different part of this module.

use partner_safety_lints::cypher::{parse_query, QueryFacts, TextMode};

pub struct Case {
    pub id: String,
    pub expect: String,
    pub text: String,
}

pub fn cases() -> Vec<Case> {
    let data = include_str!("../data/cypher-queries.txt");
    data.split("\n---\n")
        .map(|block| {
            let header = block.lines().next().unwrap_or_default();
            let field = |name: &str| {
                header
                    .split_whitespace()
                    .find_map(|f| f.strip_prefix(name))
                    .unwrap_or_default()
                    .to_owned()
            };
            Case {
                id: field("id="),
                expect: field("expect="),
                text: block.to_owned(),
            }
        })
        .collect()
}

pub fn mode_for(case: &Case) -> TextMode {
    if case.expect == "tmpl" {
        TextMode::Template
    } else {
        TextMode::Plain
    }
}

/// The text and facts of one query of the set, which must parse.
pub fn facts_of(id: &str) -> (String, QueryFacts) {
    let case = cases().into_iter().find(|c| c.id == id).expect("known id");
    let facts = parse_query(&case.text, mode_for(&case)).expect(id);
    (case.text, facts)
}
