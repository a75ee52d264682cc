//! Runs the shared query set (`tests/data/cypher-queries.txt`) through `parse_query`.

use crate::common;

use common::{cases, mode_for};
use partner_safety_lints::cypher::{parse_query, CypherErrorKind, TextMode};

#[test]
fn the_set_has_all_72_queries() {
    let cases = cases();
    assert_eq!(cases.len(), 72);
    assert_eq!(cases.iter().filter(|c| c.expect == "ok").count(), 59);
    assert_eq!(cases.iter().filter(|c| c.expect == "tmpl").count(), 6);
    assert_eq!(cases.iter().filter(|c| c.expect == "err").count(), 7);
}

#[test]
fn every_valid_query_and_template_parses() {
    let failures: Vec<String> = cases()
        .iter()
        .filter(|c| c.expect != "err")
        .filter_map(|c| {
            parse_query(&c.text, mode_for(c))
                .err()
                .map(|e| format!("{}: {e:?}", c.id))
        })
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn every_invalid_query_is_a_syntax_error() {
    for case in cases().iter().filter(|c| c.expect == "err") {
        let error = parse_query(&case.text, TextMode::Plain).expect_err(&case.id);
        assert_eq!(
            error.kind,
            CypherErrorKind::Syntax,
            "{}: {error:?}",
            case.id
        );
        assert!(error.span.end <= case.text.len(), "{}", case.id);
    }
}

#[test]
fn templates_without_normalisation_do_not_parse() {
    // t06 (`WHERE {}`) is the one template a plain parse accepts, as an empty map.
    for case in cases()
        .iter()
        .filter(|c| c.expect == "tmpl" && c.id != "t06")
    {
        assert!(
            parse_query(&case.text, TextMode::Plain).is_err(),
            "{}",
            case.id
        );
    }
}

#[test]
fn node_and_relationship_spans_index_the_original_text() {
    for case in cases().iter().filter(|c| c.expect != "err") {
        let facts = parse_query(&case.text, mode_for(case)).expect(&case.id);
        for node in &facts.nodes {
            let text = &case.text[node.span.range()];
            if node.label_predicate {
                // `t:Tenant` in a filter: the variable, then its labels.
                let variable = node.variable.as_deref().unwrap_or_default();
                assert!(
                    text.starts_with(variable)
                        && text[variable.len()..].trim_start().starts_with(':'),
                    "{}: {text:?}",
                    case.id
                );
                continue;
            }
            assert!(
                text.starts_with('(') && text.ends_with(')'),
                "{}: {text:?}",
                case.id
            );
            if let Some(variable) = &node.variable {
                assert!(text.contains(variable.as_str()), "{}: {text:?}", case.id);
            }
        }
        for rel in &facts.relationships {
            let text = &case.text[rel.span.range()];
            assert!(
                text.starts_with(['-', '<']) && text.ends_with(['-', '>']),
                "{}: {text:?}",
                case.id
            );
        }
        for (name, span) in &facts.parameters {
            assert_eq!(&case.text[span.range()], format!("${name}"), "{}", case.id);
        }
        for clause in &facts.clauses {
            assert!(clause.span.end <= case.text.len(), "{}", case.id);
        }
    }
}

/// Every prefix of every query, cut on char boundaries, in both modes: errors are fine,
/// panics (reported as `Internal`) are not.
#[test]
fn no_prefix_of_any_query_crashes_the_parser() {
    for case in cases() {
        let ends = case
            .text
            .char_indices()
            .map(|(i, _)| i)
            .chain([case.text.len()]);
        for end in ends {
            let prefix = &case.text[..end];
            for mode in [TextMode::Plain, TextMode::Template] {
                if let Err(error) = parse_query(prefix, mode) {
                    assert_ne!(
                        error.kind,
                        CypherErrorKind::Internal,
                        "{} at {end}: {error:?}",
                        case.id
                    );
                    assert!(
                        error.span.end <= prefix.len(),
                        "{} at {end}: {error:?}",
                        case.id
                    );
                }
            }
        }
    }
}

#[test]
fn parses_from_several_threads_at_once() {
    let cases = cases();
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                for case in cases.iter().filter(|c| c.expect != "err") {
                    assert!(
                        parse_query(&case.text, mode_for(case)).is_ok(),
                        "{}",
                        case.id
                    );
                }
            });
        }
    });
}

/// Deterministic one-character mutations: errors are fine, panics are not.
#[test]
fn no_mutation_of_any_query_crashes_the_parser() {
    let replacements = [
        '(', ')', '{', '}', '[', '\'', '"', '`', '$', '\\', ' ', 'é', '/', '*',
    ];
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    for case in cases() {
        let chars: Vec<char> = case.text.chars().collect();
        for _ in 0..40 {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let position = (seed >> 33) as usize % chars.len();
            let replacement = replacements[(seed >> 20) as usize % replacements.len()];
            let mut mutated = chars.clone();
            mutated[position] = replacement;
            let mutated: String = mutated.into_iter().collect();
            for mode in [TextMode::Plain, TextMode::Template] {
                if let Err(error) = parse_query(&mutated, mode) {
                    assert_ne!(
                        error.kind,
                        CypherErrorKind::Internal,
                        "{}: {mutated}",
                        case.id
                    );
                }
            }
        }
    }
}
