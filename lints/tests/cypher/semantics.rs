//! What the facts say about label predicates and about which nodes a scoped node confines
//! (RULES.md R4).

use partner_safety_lints::cypher::*;

fn facts(text: &str) -> QueryFacts {
    parse_query(text, TextMode::Plain).unwrap_or_else(|error| panic!("{text}: {error:?}"))
}

/// Each label predicate as `text labels [alternatives] [conditional] [dynamic]`.
fn label_predicates(text: &str) -> Vec<String> {
    let facts = facts(text);
    facts
        .nodes
        .iter()
        .filter(|node| node.label_predicate)
        .map(|node| {
            let mut described = format!("{} {}", &text[node.span.range()], node.labels.join("|"));
            for (flag, word) in [
                (node.label_alternatives, " alternatives"),
                (node.conditional, " conditional"),
                (node.dynamic_label, " dynamic"),
            ] {
                if flag {
                    described.push_str(word);
                }
            }
            assert!(node.in_predicate, "{text}");
            described
        })
        .collect()
}

#[test]
fn label_predicates_in_filters_are_labels_of_the_variable() {
    for (text, expected) in [
        ("MATCH (t) WHERE t:Tenant RETURN t", vec!["t:Tenant Tenant"]),
        (
            "MATCH (t) WHERE t:Tenant:Active RETURN t",
            vec!["t:Tenant:Active Tenant|Active"],
        ),
        (
            "MATCH (t) WHERE t:Tenant|Customer  RETURN t",
            vec!["t:Tenant|Customer Tenant|Customer alternatives"],
        ),
        (
            "MATCH (t) WHERE t IS Tenant RETURN t",
            vec!["t IS Tenant Tenant"],
        ),
        (
            "MATCH (t) WHERE t:Tenant AND t.open RETURN t",
            vec!["t:Tenant Tenant"],
        ),
        (
            "MATCH (n) WHERE (n:Resource OR n:Document) AND n.owner = $u RETURN n",
            vec![
                "n:Resource Resource alternatives conditional",
                "n:Document Document alternatives conditional",
            ],
        ),
        (
            "MATCH (n) WHERE EXISTS { MATCH (n) WHERE n:Tenant } RETURN n",
            vec!["n:Tenant Tenant"],
        ),
        (
            "MATCH (n) WITH n WHERE n:Device RETURN n",
            vec!["n:Device Device"],
        ),
        ("MATCH (n) WHERE n:!Archived RETURN n", vec!["n:!Archived "]),
        (
            "MATCH (n) WHERE n:$($label) RETURN n",
            vec!["n:$($label)  dynamic"],
        ),
        // Under NOT a label predicate names what the node is not; in a value it filters nothing.
        ("MATCH (n) WHERE NOT n:Tenant RETURN n", vec![]),
        (
            "MATCH (n) WHERE NOT (n:Tenant OR n:Device) RETURN n",
            vec![],
        ),
        (
            "MATCH (n) WHERE NOT EXISTS { MATCH (n) WHERE n:Tenant } RETURN n",
            vec![],
        ),
        ("MATCH (n) RETURN n:Tenant AS tenant", vec![]),
        // An unknown variable has no binding to give labels to.
        ("MATCH (n) WHERE m:Tenant RETURN n", vec![]),
    ] {
        assert_eq!(label_predicates(text), expected, "{text}");
    }
}

#[test]
fn a_label_predicate_shares_the_binding_of_its_variable() {
    let text = "MATCH (p:Partner {id: $p})-[:MANAGES]->(t) WHERE t:Tenant RETURN t";
    let facts = facts(text);
    let t = facts
        .nodes
        .iter()
        .find(|n| n.label_predicate)
        .expect("predicate");
    assert_eq!(facts.nodes[1].binding, t.binding);
    assert_eq!(
        facts.certain_labels(t.binding).collect::<Vec<_>>(),
        ["Tenant"]
    );
    let either = facts_with_alternatives();
    assert_eq!(either.certain_labels(1).count(), 0);
    assert_eq!(
        either.possible_labels(1).collect::<Vec<_>>(),
        ["Tenant", "Customer"]
    );
}

fn facts_with_alternatives() -> QueryFacts {
    facts("MATCH (p:Partner {id: $p})-[:MANAGES]->(t) WHERE t:Tenant OR t:Customer RETURN t")
}

/// The variables (or anonymous nodes) confined to the neighbourhood of the first binding.
fn confined(text: &str) -> Vec<String> {
    let facts = facts(text);
    let confined = facts.confined_to([0]);
    facts
        .bindings
        .iter()
        .zip(confined)
        .filter(|(_, confined)| *confined)
        .map(|(binding, _)| {
            binding
                .name
                .clone()
                .unwrap_or_else(|| text[binding.span.range()].to_owned())
        })
        .filter(|name| !name.starts_with('-') && !name.starts_with('<'))
        .collect()
}

#[test]
fn optional_and_predicate_patterns_confine_what_they_introduce() {
    for (text, expected) in [
        (
            "MATCH (t) OPTIONAL MATCH (t)-[:HAS]->(d) RETURN d",
            vec!["t", "d"],
        ),
        (
            "MATCH (t) OPTIONAL MATCH (t)-[:HAS]->(d)-[:FILED]->(r) RETURN r",
            vec!["t", "d", "r"],
        ),
        (
            "MATCH (t) OPTIONAL MATCH (d) WHERE (t)-[:HAS]->(d) RETURN d",
            vec!["t", "d"],
        ),
        (
            "MATCH (s) WHERE NOT (s)-[:ARCHIVED_BY]->(:Admin) RETURN s",
            vec!["s", "(:Admin)"],
        ),
        (
            "MATCH (t) RETURN [(t)-->(d) | d.name] AS names",
            vec!["t", "d"],
        ),
        (
            "MATCH (t) RETURN COLLECT { MATCH (t)-->(d) RETURN d.name } AS names",
            vec!["t", "d"],
        ),
        // A later pattern through a confined node confines too.
        (
            "MATCH (t) OPTIONAL MATCH (t)-->(d) WITH d MATCH (d)-->(r) RETURN r",
            vec!["t", "d", "r"],
        ),
        // Bound before the optional pattern: nothing confines it.
        (
            "MATCH (t), (d) OPTIONAL MATCH (t)-->(d) RETURN d",
            vec!["t"],
        ),
        // The pattern that reaches it need not hold.
        (
            "MATCH (t) MATCH (d) WHERE (t)-->(d) OR d.shared RETURN d",
            vec!["t"],
        ),
        (
            "MATCH (t) MATCH (d) WHERE NOT (t)-->(d) RETURN d",
            vec!["t"],
        ),
        (
            "MATCH (t) OPTIONAL MATCH (d) WHERE (t)-->(d) OR d.x RETURN d",
            vec!["t"],
        ),
        // Introduced by UNWIND, not by a pattern.
        (
            "MATCH (t) UNWIND $ids AS d OPTIONAL MATCH (t)-->(d) RETURN d",
            vec!["t"],
        ),
        ("MATCH (t) MATCH (d) RETURN d", vec!["t"]),
    ] {
        assert_eq!(confined(text), expected, "{text}");
    }
}
