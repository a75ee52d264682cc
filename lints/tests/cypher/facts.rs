//! Spot checks of the facts extracted from the shared query set.

use crate::common;

use common::facts_of;
use partner_safety_lints::cypher::*;

fn node<'f>(facts: &'f QueryFacts, text: &str, written: &str) -> &'f NodePattern {
    facts
        .nodes
        .iter()
        .find(|n| &text[n.span.range()] == written)
        .unwrap_or_else(|| panic!("no node {written}"))
}

fn binding_of(facts: &QueryFacts, name: &str) -> BindingId {
    let named: Vec<BindingId> = facts
        .nodes
        .iter()
        .filter(|n| n.variable.as_deref() == Some(name))
        .map(|n| n.binding)
        .collect();
    assert!(!named.is_empty(), "no node {name}");
    assert!(
        named.iter().all(|b| *b == named[0]),
        "{name} has several bindings: {named:?}"
    );
    named[0]
}

fn parameter(name: &str) -> PropValue {
    PropValue::Parameter(name.to_owned())
}

#[test]
fn labels_and_parameter_properties() {
    let (text, facts) = facts_of("q01");
    let tenant = node(&facts, &text, "(t:Tenant {id: $tenant_id})");
    assert_eq!(tenant.labels, ["Tenant"]);
    assert_eq!(tenant.properties.len(), 1);
    assert_eq!(tenant.properties[0].key, "id");
    assert_eq!(tenant.properties[0].value, parameter("tenant_id"));
    assert_eq!(&text[tenant.properties[0].span.range()], "id: $tenant_id");
    assert_eq!(facts.parameters.len(), 1);
    assert_eq!(
        facts
            .clauses
            .iter()
            .map(|c| c.kind.clone())
            .collect::<Vec<_>>(),
        [ClauseKind::Match { optional: false }, ClauseKind::Return]
    );
}

#[test]
fn node_spans_are_offsets_into_the_input() {
    let (text, facts) = facts_of("q30");
    for node in &facts.nodes {
        let written = &text[node.span.range()];
        let first = text.find(written).expect("span text occurs in input");
        assert!(node.span.start == first || text[first + 1..].contains(written));
    }
    let second_t = &facts.nodes[1];
    assert_eq!(
        second_t.span.start,
        text.find("(t)-[:OWNS]").expect("present")
    );
}

#[test]
fn partner_manages_tenant() {
    let (text, facts) = facts_of("q02");
    let manages = facts
        .relationships
        .iter()
        .find(|r| r.types == ["MANAGES"])
        .expect("MANAGES");
    assert_eq!(manages.direction, Direction::Right);
    assert_eq!(
        &text[facts.nodes[manages.left].span.range()],
        "(p:Partner {id: $partner_id})"
    );
    assert_eq!(
        &text[facts.nodes[manages.right].span.range()],
        "(t:Tenant {id: $tenant_id})"
    );
    assert!(facts.connected(binding_of(&facts, "p"), binding_of(&facts, "t")));
}

#[test]
fn relationship_variables_properties_and_directions() {
    let (text, facts) = facts_of("q08");
    let member = &facts.relationships[0];
    assert_eq!(member.variable.as_deref(), Some("m"));
    assert_eq!(member.direction, Direction::Left);
    assert_eq!(facts.nodes[member.left].variable.as_deref(), Some("t"));
    assert_eq!(facts.nodes[member.right].variable.as_deref(), Some("u"));
    assert_eq!(
        member.properties[0].value,
        PropValue::Literal("admin".to_owned())
    );
    assert_eq!(member.properties[1].value, parameter("since"));
    assert_eq!(
        &text[member.span.range()],
        "<-[m:MEMBER_OF {role: 'admin', since: $since}]-"
    );

    let (_, undirected) = facts_of("q09");
    assert_eq!(undirected.relationships[0].direction, Direction::Undirected);

    let (_, alternatives) = facts_of("q56");
    let rel = &alternatives.relationships[0];
    assert_eq!(rel.types, ["MANAGES", "RESELLS"]);
    assert!(rel.variable_length);
    assert_eq!(
        rel.properties[0].value,
        PropValue::Literal("true".to_owned())
    );
}

#[test]
fn optional_match_and_negated_predicates_do_not_connect() {
    let (_, facts) = facts_of("q05");
    assert!(facts.relationships[0].conditional);
    assert!(!facts.connected(binding_of(&facts, "t"), binding_of(&facts, "u")));

    let (text, facts) = facts_of("q25");
    let role = node(&facts, &text, "(:Role {name: 'admin'})");
    assert!(role.in_predicate && role.conditional);
    assert!(!facts.connected(binding_of(&facts, "u"), role.binding));
    assert!(facts.connected(binding_of(&facts, "u"), binding_of(&facts, "t")));
}

#[test]
fn with_keeps_variable_identity() {
    let (_, facts) = facts_of("q17");
    let return_clause = facts
        .clauses
        .iter()
        .find(|c| c.kind == ClauseKind::Return)
        .expect("RETURN");
    assert!(return_clause.has_limit && !return_clause.has_skip);

    let (_, facts) = facts_of("q49");
    assert_eq!(facts.nodes.len(), 2);
    let (_, facts) = facts_of("q41");
    let with = facts
        .clauses
        .iter()
        .find(|c| c.kind == ClauseKind::With)
        .expect("WITH");
    assert!(with.has_limit);

    let facts = parse_query(
        "MATCH (p:Partner {id: $partner_id})-[:MANAGES]->(t:Tenant) WITH t AS tenant, p \
         MATCH (tenant)<-[:BELONGS_TO]-(u:User) RETURN u",
        TextMode::Plain,
    )
    .expect("parses");
    let tenant = facts
        .nodes
        .iter()
        .find(|n| n.variable.as_deref() == Some("tenant"))
        .expect("tenant");
    assert_eq!(tenant.binding, binding_of(&facts, "t"));
    assert!(facts.connected(binding_of(&facts, "u"), binding_of(&facts, "p")));
}

#[test]
fn exists_subqueries_refer_to_outer_variables() {
    for id in ["q23", "q51"] {
        let (text, facts) = facts_of(id);
        let tenant = node(&facts, &text, "(:Tenant {id: $tenant_id})");
        assert!(tenant.in_predicate && !tenant.conditional, "{id}");
        assert!(
            facts.connected(binding_of(&facts, "u"), tenant.binding),
            "{id}"
        );
    }
    let (_, facts) = facts_of("q23");
    let inner_match = &facts.clauses[1];
    assert_eq!(inner_match.within, Some(0));
}

#[test]
fn pattern_predicates_and_value_subqueries() {
    let (text, facts) = facts_of("q24");
    let tenant = node(&facts, &text, "(:Tenant {id: $tenant_id})");
    assert!(facts.connected(binding_of(&facts, "r"), tenant.binding));

    for id in ["q27", "q38", "q53"] {
        let (_, facts) = facts_of(id);
        let inner = facts
            .nodes
            .iter()
            .filter(|n| n.in_predicate)
            .collect::<Vec<_>>();
        assert!(
            !inner.is_empty() && inner.iter().all(|n| n.conditional),
            "{id}"
        );
        assert_eq!(
            inner[0].binding, facts.nodes[0].binding,
            "{id}: inner t is the outer t"
        );
    }
}

#[test]
fn call_subqueries_import_variables() {
    for id in ["q20", "q21"] {
        let (_, facts) = facts_of(id);
        let outer_t = facts.nodes[0].binding;
        assert_eq!(binding_of(&facts, "t"), outer_t, "{id}");
        let call = facts
            .clauses
            .iter()
            .position(|c| matches!(c.kind, ClauseKind::CallSubquery { .. }))
            .expect("CALL");
        assert!(
            facts
                .nodes
                .iter()
                .skip(1)
                .all(|n| facts.clauses[n.clause].within == Some(call)),
            "{id}"
        );
    }
    let facts = parse_query(
        "MATCH (t:Tenant {id: $tenant_id}) CALL { MATCH (t)-[:OWNS]->(r) DETACH DELETE r }",
        TextMode::Plain,
    )
    .expect("parses");
    assert_ne!(
        facts.nodes[0].binding, facts.nodes[1].binding,
        "t is not imported"
    );
    assert!(
        facts.clauses.iter().all(|c| c.span.end <= 82),
        "no synthetic RETURN"
    );
}

#[test]
fn in_transactions_and_delete_targets() {
    let (_, facts) = facts_of("q22");
    let kinds: Vec<ClauseKind> = facts.clauses.iter().map(|c| c.kind.clone()).collect();
    assert_eq!(
        kinds,
        [
            ClauseKind::Match { optional: false },
            ClauseKind::CallSubquery {
                in_transactions: true
            },
            ClauseKind::With,
            ClauseKind::Delete { detach: true },
        ]
    );
    let deleted = &facts.clauses[3].deletes[0];
    assert_eq!(deleted.name, "a");
    assert_eq!(deleted.binding, Some(binding_of(&facts, "a")));

    let (_, facts) = facts_of("q52");
    assert!(facts.clauses.iter().any(|c| c.kind
        == ClauseKind::CallSubquery {
            in_transactions: true
        }));
    assert!(facts
        .parameters
        .iter()
        .any(|(name, _)| name == "batch_size"));
    let resource = facts
        .nodes
        .iter()
        .find(|n| n.variable.as_deref() == Some("r"))
        .expect("r");
    assert!(
        matches!(&resource.properties[0].value, PropValue::PropertyOf { variable, key, binding: Some(_) } if variable == "row" && key == "id")
    );

    let (_, facts) = facts_of("q14");
    let delete = facts
        .clauses
        .iter()
        .find(|c| c.kind == ClauseKind::Delete { detach: false })
        .expect("DELETE");
    assert_eq!(
        delete.deletes[0].binding,
        Some(facts.relationships[0].binding),
        "m is the MANAGES relationship"
    );
}

#[test]
fn set_and_remove_targets() {
    let (_, facts) = facts_of("q12");
    let set = facts
        .clauses
        .iter()
        .find(|c| c.kind == ClauseKind::Set)
        .expect("SET");
    assert_eq!(set.writes.len(), 2);
    assert_eq!(set.writes[0].property, None);
    assert_eq!(set.writes[0].value, parameter("props"));
    assert_eq!(set.writes[1].property.as_deref(), Some("updated_at"));
    assert_eq!(set.writes[1].target.binding, Some(binding_of(&facts, "u")));

    let (_, facts) = facts_of("q44");
    let sets: Vec<&WriteItem> = facts.clauses.iter().flat_map(|c| &c.writes).collect();
    assert_eq!(sets[0].labels, ["Suspended"]);
    assert_eq!(sets[1].property.as_deref(), Some("reason"));
    assert_eq!(sets[2].target.name, "t");

    let (_, facts) = facts_of("q15");
    let remove = facts
        .clauses
        .iter()
        .find(|c| c.kind == ClauseKind::Remove)
        .expect("REMOVE");
    assert_eq!(
        remove.writes[1].property.as_deref(),
        Some("suspended_reason")
    );

    let facts = parse_query(
        "MATCH (:User {id: $u})-[r:HAS_ACCESS]->(:Resource) SET r.revoked_at = datetime(), r.active = false",
        TextMode::Plain,
    )
    .expect("parses");
    let writes = &facts.clauses[1].writes;
    assert_eq!(
        writes[0].target.binding,
        Some(facts.relationships[0].binding)
    );
    assert_eq!(writes[1].value, PropValue::Literal("false".to_owned()));

    let (_, facts) = facts_of("q10");
    let merge = facts
        .clauses
        .iter()
        .find(|c| c.kind == ClauseKind::Merge)
        .expect("MERGE");
    assert_eq!(
        merge
            .writes
            .iter()
            .filter_map(|w| w.property.as_deref())
            .collect::<Vec<_>>(),
        ["id", "created_at", "last_seen"]
    );
}

#[test]
fn other_clause_kinds() {
    let (_, facts) = facts_of("q18");
    assert!(facts.clauses.iter().any(|c| c.kind
        == ClauseKind::CallProcedure {
            name: "apoc.path.subgraphNodes".to_owned()
        }));
    let (_, facts) = facts_of("q33");
    let foreach = facts
        .clauses
        .iter()
        .position(|c| c.kind == ClauseKind::Foreach)
        .expect("FOREACH");
    let merge = facts
        .clauses
        .iter()
        .find(|c| c.kind == ClauseKind::Merge)
        .expect("MERGE");
    assert_eq!(merge.within, Some(foreach));
    assert!(facts.connected(binding_of(&facts, "g"), binding_of(&facts, "t")));
    let (_, facts) = facts_of("q35");
    assert!(facts
        .clauses
        .iter()
        .any(|c| c.kind == ClauseKind::Union { all: true }));
    assert_ne!(
        facts.nodes[0].binding, facts.nodes[1].binding,
        "UNION branches do not share a"
    );
    let (_, facts) = facts_of("q45");
    assert_eq!(facts.clauses[0].kind, ClauseKind::LoadCsv);
    let (_, facts) = facts_of("q57");
    assert_eq!(facts.clauses[0].kind, ClauseKind::Use);
    let (_, facts) = facts_of("q48");
    assert_ne!(binding_of(&facts, "t"), binding_of(&facts, "p"));
}

#[test]
fn backticks_are_decoded_and_spans_stay_in_the_original() {
    let (text, facts) = facts_of("q31");
    assert_eq!(facts.nodes[0].labels, ["Tenant"]);
    assert_eq!(facts.nodes[0].properties[0].key, "tenant-id");
    assert_eq!(facts.relationships[0].types, ["HAS SETTING"]);
    assert_eq!(&text[facts.nodes[1].span.range()], "(s:`Setting`)");
}

#[test]
fn quantified_paths_and_multi_labels() {
    let (_, facts) = facts_of("q42");
    assert!(facts.relationships[0].variable_length);
    assert!(facts.connected(binding_of(&facts, "p"), binding_of(&facts, "q")));
    let (_, facts) = facts_of("q59");
    assert!(facts.path_joins.is_empty(), "(a), (b) are separate parts");
    assert!(
        facts.connected(binding_of(&facts, "a"), binding_of(&facts, "b")),
        "CREATE links them"
    );
    let (_, facts) = facts_of("q39");
    assert_eq!(facts.nodes[0].labels, ["Resource", "Document"]);
    assert!(facts.nodes[0].label_alternatives);
    let (_, facts) = facts_of("q06");
    assert_eq!(facts.nodes[0].labels, ["Resource", "Billable"]);
    assert!(!facts.nodes[0].label_alternatives);
    let (_, facts) = facts_of("q40");
    assert_eq!(
        facts.nodes[1].properties_parameter.as_deref(),
        Some("props")
    );
    let (_, facts) = facts_of("q50");
    assert!(facts.nodes[1].dynamic_label);
}

#[test]
fn where_filters_on_properties() {
    let (_, facts) = facts_of("q43");
    let filter = &facts.property_filters[0];
    assert_eq!((filter.variable.as_str(), filter.key.as_str()), ("t", "id"));
    assert_eq!(filter.operator, FilterOperator::In);
    assert_eq!(filter.value, parameter("tenant_ids"));
    assert_eq!(filter.binding, Some(binding_of(&facts, "t")));
    let (_, facts) = facts_of("q54");
    assert!(facts
        .property_filters
        .iter()
        .any(|f| f.key == "tenant_id" && !f.conditional));
    let (_, facts) = facts_of("q58");
    assert!(facts.property_filters.iter().all(|f| f.key == "owner_id"));
}

#[test]
fn template_holes_are_marked() {
    let (text, facts) = facts_of("t01");
    let resource = node(&facts, &text, "(r:{})");
    assert!(resource.dynamic_label && resource.labels.is_empty());
    assert_eq!(
        facts.nodes[0].properties[0].value,
        parameter("tenant_id"),
        "single-brace map kept"
    );
    let (_, facts) = facts_of("t05");
    assert!(facts.relationships[0].dynamic_type && facts.relationships[0].types.is_empty());
    let (text, facts) = facts_of("t04");
    assert_eq!(
        &text[facts.nodes[0].span.range()],
        "(n:{label} {{id: $id}})"
    );
    assert_eq!(facts.nodes[0].properties[0].value, parameter("id"));
    assert_eq!(facts.template_holes.len(), 1);
    let (_, facts) = facts_of("t03");
    assert!(facts.clauses.iter().any(|c| c.has_limit));
    let facts = parse_query(
        "MATCH (n:User {tenant_id: {}}) RETURN n",
        TextMode::Template,
    )
    .expect("parses");
    assert_eq!(facts.nodes[0].properties[0].value, PropValue::TemplateHole);
}

/// The model keeps every query's facts until the rules are done: no list keeps the room it
/// grew into.
#[test]
fn fact_lists_are_allocated_at_their_length() {
    let text = "MATCH (p:Partner {id: $partner_id})-[:MANAGES]->(t:Tenant)<-[:BELONGS_TO]-(u:User:Person {active: true, role: 'admin', name: $name}), (d:Device) \
                WHERE u.email = $email AND t.id = $tenant_id AND d.tenant_id = t.id \
                SET u.seen = timestamp(), u.count = u.count + 1, d:Seen \
                RETURN p, t, u, d";
    let facts = parse_query(text, TextMode::Plain).expect("parses");
    assert!(facts.nodes.len() >= 4 && facts.parameters.len() >= 4);
    // Capacity belongs to the vector, not to a slice of it.
    #[allow(clippy::ptr_arg)]
    fn assert_exact<T>(list: &Vec<T>, what: &str) {
        assert_eq!(list.capacity(), list.len(), "{what} keeps spare room");
    }
    assert_exact(&facts.clauses, "clauses");
    assert_exact(&facts.nodes, "nodes");
    assert_exact(&facts.relationships, "relationships");
    assert_exact(&facts.bindings, "bindings");
    assert_exact(&facts.parameters, "parameters");
    assert_exact(&facts.property_filters, "filters");
    for node in &facts.nodes {
        assert_exact(&node.labels, "labels");
        assert_exact(&node.properties, "properties");
    }
    for clause in &facts.clauses {
        assert_exact(&clause.writes, "writes");
    }
}
