//! Query options, a byte-order mark and the Cypher 5/25 syntax the parser lacks: each is read
//! (facts as for the plain query, spans into the text as written) or is an error that names it.

use partner_safety_lints::cypher::*;

/// Clauses, then each node as written with its labels, then the parameters.
fn describe(text: &str) -> String {
    let facts = parse_query(text, TextMode::Plain).unwrap_or_else(|e| panic!("{text}: {e:?}"));
    let clauses: Vec<String> = facts
        .clauses
        .iter()
        .map(|clause| match &clause.kind {
            ClauseKind::Match { optional: true } => "OPTIONAL MATCH".to_owned(),
            kind => format!("{kind:?}")
                .split([' ', '{'])
                .next()
                .unwrap_or_default()
                .to_uppercase(),
        })
        .collect();
    let nodes: Vec<String> = facts
        .nodes
        .iter()
        .map(|node| {
            let mut labels = node.labels.join("|");
            if node.dynamic_label {
                labels.push('?');
            }
            format!("{}={labels}", &text[node.span.range()])
        })
        .collect();
    let parameters: Vec<&str> = facts
        .parameters
        .iter()
        .map(|(_, span)| &text[span.range()])
        .collect();
    format!(
        "{} / {} / {}",
        clauses.join(" "),
        nodes.join(" "),
        parameters.join(" ")
    )
}

fn error(text: &str) -> (CypherErrorKind, String, String) {
    let error = parse_query(text, TextMode::Plain).expect_err(text);
    let at = text.get(error.span.range()).unwrap_or("<out of range>");
    (error.kind, error.message, at.to_owned())
}

const PLAIN: &str = "MATCH RETURN / (t:Tenant {id: $id})=Tenant / $id";

#[test]
fn query_options_and_a_byte_order_mark_are_not_part_of_the_query() {
    for text in [
        "CYPHER 5 MATCH (t:Tenant {id: $id})",
        "CYPHER 25 MATCH (t:Tenant {id: $id})",
        "cypher 4.4 MATCH (t:Tenant {id: $id})",
        "CYPHER runtime=slotted MATCH (t:Tenant {id: $id})",
        "CYPHER 5 runtime = parallel planner=dp MATCH (t:Tenant {id: $id})",
        "EXPLAIN MATCH (t:Tenant {id: $id})",
        "PROFILE MATCH (t:Tenant {id: $id})",
        "CYPHER 5 EXPLAIN MATCH (t:Tenant {id: $id})",
        "explain cypher runtime=slotted MATCH (t:Tenant {id: $id})",
        "// options first\nPROFILE /* then */ MATCH (t:Tenant {id: $id})",
        "\u{feff}MATCH (t:Tenant {id: $id})",
        "\u{feff}CYPHER 5 MATCH (t:Tenant {id: $id})",
    ] {
        assert_eq!(describe(&format!("{text} RETURN t")), PLAIN, "{text:?}");
        assert!(looks_like_cypher(text), "{text:?}");
    }
    // Each statement may have its own.
    assert_eq!(
        describe("MATCH (n:A) RETURN n; EXPLAIN MATCH (t:Tenant) RETURN t"),
        "MATCH RETURN MATCH RETURN / (n:A)=A (t:Tenant)=Tenant / "
    );
    // `USE` is a clause: kept, and reported as one.
    for text in [
        "CYPHER 5 USE tenants MATCH (t:Tenant {id: $id}) RETURN t",
        "PROFILE USE graph.byName($db) MATCH (t:Tenant {id: $id}) RETURN t",
    ] {
        let described = describe(text);
        assert!(
            described.starts_with("USE MATCH RETURN / (t:Tenant {id: $id})=Tenant"),
            "{described}"
        );
    }
    // SQL has EXPLAIN too; no other language starts with CYPHER.
    assert!(!looks_like_cypher("EXPLAIN SELECT * FROM tenants"));
    assert!(!looks_like_cypher("EXPLAIN"));
    assert!(looks_like_cypher("CYPHER 5 (t:Tenant) RETURN t"));
}

#[test]
fn anything_else_after_cypher_is_an_error_not_skipped() {
    // decypher alone would skip every token up to a clause keyword, pattern included.
    assert_eq!(
        error("CYPHER 5 (t:Tenant) RETURN t"),
        (
            CypherErrorKind::Syntax,
            "expected a Cypher clause such as MATCH, CREATE or RETURN".to_owned(),
            "(".to_owned()
        )
    );
    assert_eq!(error("EXPLAIN").0, CypherErrorKind::Syntax);
}

#[test]
fn clauses_that_stand_for_with_star_are_read() {
    for (text, expected) in [
        (
            "MATCH (n:Device) LET x = n.a, y = x + $p MATCH (m:Report {id: y}) RETURN m",
            "MATCH WITH MATCH RETURN / (n:Device)=Device (m:Report {id: y})=Report / $p",
        ),
        (
            "LET id = $tid MATCH (t:Tenant {id: id}) RETURN t",
            "WITH MATCH RETURN / (t:Tenant {id: id})=Tenant / $tid",
        ),
        (
            "MATCH (d) FILTER d.tenant_id = $t RETURN d",
            "MATCH WITH RETURN / (d)= / $t",
        ),
        (
            "MATCH (d) FILTER WHERE d:Device AND EXISTS { (d)-[:IN]->(:Tenant) } RETURN d",
            "MATCH WITH RETURN / (d)= d:Device=Device (d)= (:Tenant)=Tenant / ",
        ),
        (
            "MATCH (d:Device) ORDER BY d.name DESC SKIP $s LIMIT $l RETURN d",
            "MATCH WITH RETURN / (d:Device)=Device / $s $l",
        ),
        (
            "MATCH (d:Device) OFFSET $s RETURN d",
            "MATCH WITH RETURN / (d:Device)=Device / $s",
        ),
        (
            "MATCH (d:Device) RETURN d ORDER BY d.name OFFSET $s LIMIT 10",
            "MATCH RETURN / (d:Device)=Device / $s",
        ),
        // Linear composition: what a part returns, the next starts with.
        (
            "MATCH (d:Device) RETURN d AS device NEXT MATCH (device)-[:IN]->(t:Tenant) RETURN t",
            "MATCH WITH MATCH RETURN / (d:Device)=Device (device)= (t:Tenant)=Tenant / ",
        ),
        // `let` and `filter` as names are names.
        (
            "MATCH (let) RETURN let.filter AS filter",
            "MATCH RETURN / (let)= / ",
        ),
    ] {
        assert_eq!(describe(text), expected, "{text}");
    }
    // A LET binding is a variable like any other: `y` above is bound, `id` too.
    let facts = parse_query(
        "LET id = $tid MATCH (t:Tenant {id: id}) RETURN t",
        TextMode::Plain,
    )
    .expect("parses");
    let PropValue::Variable { binding, .. } = &facts.nodes[0].properties[0].value else {
        panic!("{:?}", facts.nodes[0].properties);
    };
    assert_eq!(
        facts.bindings[binding.expect("bound")].name.as_deref(),
        Some("id")
    );
    // Paging as a clause of its own pages.
    let facts = parse_query("MATCH (d:Device) LIMIT 5 RETURN d", TextMode::Plain).expect("parses");
    assert!(facts.clauses[1].has_limit);
}

#[test]
fn path_selectors_match_modes_and_quantifiers_are_read() {
    for (text, expected) in [
        (
            "MATCH SHORTEST 1 (a:A)-[:R]-+(b:B) RETURN b",
            "MATCH RETURN / (a:A)=A (b:B)=B / ",
        ),
        (
            "MATCH ALL SHORTEST (a:A)-[:R]->+(b:B) RETURN b",
            "MATCH RETURN / (a:A)=A (b:B)=B / ",
        ),
        (
            "MATCH ANY (a:A)-[:R]->*(b:B) RETURN b",
            "MATCH RETURN / (a:A)=A (b:B)=B / ",
        ),
        (
            "MATCH ANY 2 PATHS (a:A)-[:R]->*(b:B) RETURN b",
            "MATCH RETURN / (a:A)=A (b:B)=B / ",
        ),
        (
            "MATCH p = SHORTEST $k GROUPS (a:A)-[:R]->{1,3}(b:B) RETURN p",
            "MATCH RETURN / (a:A)=A (b:B)=B / $k",
        ),
        (
            "MATCH REPEATABLE ELEMENTS (a:A)-[:R]->(b:B) RETURN b",
            "MATCH RETURN / (a:A)=A (b:B)=B / ",
        ),
        (
            "MATCH (a:A) ((x:X)-[:R]->(y))+ (b:B) RETURN b",
            "MATCH RETURN / (a:A)=A (x:X)=X (y)= (b:B)=B / ",
        ),
        (
            "MATCH (a:A) ((x)-[:R]->(y) WHERE x:X AND y.v = $v)* (b:B) RETURN b",
            "MATCH RETURN / (a:A)=A (x)= (y)= (b:B)=B x:X=X / $v",
        ),
    ] {
        assert_eq!(describe(text), expected, "{text}");
    }
    // The quantifier made the relationship repeat, and the quantified path still joins.
    let facts = parse_query(
        "MATCH (a:A) ((x)-[:R]->(y))+ (b:B) RETURN b",
        TextMode::Plain,
    )
    .expect("parses");
    assert!(facts.relationships[0].variable_length);
    assert!(facts.connected(facts.nodes[0].binding, facts.nodes[3].binding));
    let facts = parse_query("MATCH (a:A)-[:R]->+(b:B) RETURN b", TextMode::Plain).expect("parses");
    assert!(facts.relationships[0].variable_length);
    // Arithmetic is not a quantifier.
    assert_eq!(
        describe("MATCH (a:A) RETURN (a.x)+(a.y) AS s"),
        "MATCH RETURN / (a:A)=A / "
    );
}

#[test]
fn inline_predicates_are_read_where_decypher_drops_them() {
    for (text, expected) in [
        (
            "MATCH (t:Tenant WHERE t.id = $id) RETURN t",
            "MATCH RETURN / (t:Tenant WHERE t.id = $id)=Tenant / $id",
        ),
        (
            "MATCH (n WHERE n:Tenant)-[r:R WHERE r.since > $s]->(m) RETURN m",
            "MATCH RETURN / (n WHERE n:Tenant)= (m)= n:Tenant=Tenant / $s",
        ),
        (
            "MATCH (d:Device) WHERE EXISTS { (d)-[:IN]->(t WHERE t.id = $tid) } RETURN d",
            "MATCH RETURN / (d:Device)=Device (d)= (t WHERE t.id = $tid)= / $tid",
        ),
    ] {
        assert_eq!(describe(text), expected, "{text}");
    }
    let facts = parse_query(
        "MATCH (u:User WHERE u.tenant_id = $t) RETURN u",
        TextMode::Plain,
    )
    .expect("parses");
    let filter = &facts.property_filters[0];
    assert_eq!(
        (filter.key.as_str(), filter.binding),
        ("tenant_id", Some(facts.nodes[0].binding))
    );
    assert!(!filter.conditional);
}

#[test]
fn transactions_options_and_subquery_scopes_are_read() {
    for (text, expected) in [
        (
            "UNWIND $rows AS r CALL (r) { MERGE (d:Device {id: r.id}) } IN TRANSACTIONS OF $n ROWS ON ERROR CONTINUE",
            "UNWIND CALLSUBQUERY MERGE / (d:Device {id: r.id})=Device / $rows $n",
        ),
        (
            "UNWIND $rows AS r CALL (r) { MERGE (d:Device {id: r.id}) } IN $c CONCURRENT TRANSACTIONS OF 10 ROWS ON ERROR RETRY FOR 3 SECONDS THEN FAIL REPORT STATUS AS s RETURN s",
            "UNWIND CALLSUBQUERY MERGE RETURN / (d:Device {id: r.id})=Device / $rows $c",
        ),
        (
            "UNWIND $rows AS r CALL { WITH r CREATE (:Device {id: r}) } IN CONCURRENT TRANSACTIONS",
            "UNWIND CALLSUBQUERY WITH CREATE / (:Device {id: r})=Device / $rows",
        ),
        (
            "MATCH (t:Tenant {id: $t}) CALL (t) { MATCH (t)-[:HAS]->(d:Device) RETURN d } RETURN d",
            "MATCH CALLSUBQUERY MATCH RETURN RETURN / (t:Tenant {id: $t})=Tenant (t)= (d:Device)=Device / $t",
        ),
        ("MATCH (d:Device) SET d.seen = true FINISH", "MATCH SET / (d:Device)=Device / "),
    ] {
        assert_eq!(describe(text), expected, "{text}");
    }
}

#[test]
fn dynamic_labels_are_dynamic_and_gql_spellings_are_read() {
    for (text, expected) in [
        (
            "MATCH (n:$($label)) RETURN n",
            "MATCH RETURN / (n:$($label))=? / $label",
        ),
        (
            "MATCH (n:$any($labels)) RETURN n",
            "MATCH RETURN / (n:$any($labels))=? / $labels",
        ),
        (
            "MATCH (n:$all(['A', $b])) RETURN n",
            "MATCH RETURN / (n:$all(['A', $b]))=? / $b",
        ),
        (
            "MATCH (n) WHERE n:$($l) RETURN n",
            "MATCH RETURN / (n)= n:$($l)=? / $l",
        ),
        (
            "INSERT (d:Device {id: $id})",
            "CREATE / (d:Device {id: $id})=Device / $id",
        ),
        // A dynamic property key hides no label.
        (
            "MATCH (n:Device) WHERE n[$key] = $v RETURN n",
            "MATCH RETURN / (n:Device)=Device / $key $v",
        ),
    ] {
        assert_eq!(describe(text), expected, "{text}");
    }
}

#[test]
fn what_cannot_be_read_is_an_error_that_names_it() {
    for (text, message, at) in [
        (
            "MATCH (n) SET n:$($label)",
            "a label chosen at run time (`$(…)`) is written by SET or REMOVE: which label the node gets cannot be told",
            "$",
        ),
        (
            "MATCH (n:Device) REMOVE n:Old:$($label)",
            "a label chosen at run time (`$(…)`) is written by SET or REMOVE: which label the node gets cannot be told",
            "$",
        ),
        (
            "MATCH (n) WHEN n.a = 1 THEN RETURN 1 AS x ELSE RETURN 2 AS x",
            "a conditional query (`WHEN … THEN … ELSE …`) is not understood by the analysis",
            "WHEN",
        ),
        (
            "MATCH (n) LET x = 1 WHEN x = 1 THEN RETURN x",
            "a conditional query (`WHEN … THEN … ELSE …`) is not understood by the analysis",
            "WHEN",
        ),
        (
            "MATCH (a:A) RETURN a UNION MATCH (a:B) RETURN a NEXT RETURN 1 AS y",
            "`NEXT` after a `UNION` is not understood by the analysis",
            "NEXT",
        ),
        (
            "CREATE (d:Device) NEXT RETURN 1 AS y",
            "`NEXT` follows a part that does not end in RETURN, which the analysis does not understand",
            "NEXT",
        ),
    ] {
        assert_eq!(
            error(text),
            (CypherErrorKind::Unsupported, message.to_owned(), at.to_owned()),
            "{text}"
        );
    }
    // decypher stops at a statement it cannot start and keeps the ones before it: the rest
    // of the text is not dropped but an error.
    assert_eq!(
        error("MATCH (d:Device) RETURN d; FOO (t:Tenant) RETURN t"),
        (
            CypherErrorKind::Syntax,
            "expected a Cypher clause such as MATCH, CREATE or RETURN".to_owned(),
            "FOO".to_owned()
        )
    );
    assert_eq!(
        describe("MATCH (d:Device) DETACH DELETE d FINISH; INSERT (t:Tenant {id: $id})"),
        "MATCH DELETE CREATE / (d:Device)=Device (t:Tenant {id: $id})=Tenant / $id"
    );
    // A clause-like word that is no such clause stays a syntax error.
    assert_eq!(
        error("MATCH (n) LET RETURN n"),
        (
            CypherErrorKind::Syntax,
            "unexpected token `LET`, expected clause".to_owned(),
            "LET".to_owned()
        )
    );
}
