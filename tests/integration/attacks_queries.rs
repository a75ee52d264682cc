//! Issue 23 item 5 end to end: queries run in partner context that the tool used to drop
//! without a word (query options, a byte-order mark, label predicates, labels chosen at run
//! time, newer syntax) are judged or reported (RULES.md R2, R4), and properly scoped queries
//! are not flagged.

use crate::common::{short, workspace, MANIFEST};

const LIB: &str = r#"
pub mod admin;
pub mod handlers;

/// Canary: the run analyses this crate.
#[derive(serde::Serialize)]
pub struct Creds { pub api_key: String }
pub fn show(session: PartnerSession) -> Creds { todo!() }
"#;

/// One partner-context function per query shape (`PartnerSession` makes the context).
const HANDLERS: &str = r#"
pub struct PartnerSession { pub partner_id: String }

pub async fn options(s: PartnerSession, graph: Graph) {
    graph.run(query("CYPHER 5 MATCH (t:Tenant {id: $tid}) RETURN t")).await;
    graph.run(query("CYPHER runtime=slotted MATCH (d:Device)-[:IN]->(t:Tenant {id: $tid}) RETURN d")).await;
    graph.run(query("EXPLAIN MATCH (t:Tenant {id: $tid}) RETURN t.name")).await;
    graph.run(query("PROFILE MATCH (t:Tenant {id: $tid}) RETURN t.plan")).await;
    graph.run(query("USE tenants MATCH (t:Tenant {id: $tid}) RETURN t.region")).await;
    graph.run(query("\u{feff}MATCH (t:Tenant {id: $tid}) RETURN t.owner")).await;
}

pub async fn label_predicates(s: PartnerSession, graph: Graph) {
    graph.run(query("MATCH (t) WHERE t:Tenant RETURN t")).await;
    graph.run(query("MATCH (n {id: $id}) WHERE n:Tenant AND n.open RETURN n")).await;
}

pub async fn chosen_at_run_time(s: PartnerSession, graph: Graph, label: &str) {
    graph.run(query("MATCH (n:$($label) {id: $id}) RETURN n")).await;
    graph.run(query("MATCH (n {id: $id}) SET n:$($label)")).await;
    graph.run(query(&format!("MATCH (n:{label} {{id: $id}}) RETURN n"))).await;
}

pub async fn newer_syntax(s: PartnerSession, graph: Graph) {
    graph.run(query("MATCH (d:Device) FILTER d.tenant_id = $tid RETURN d")).await;
    graph.run(query("MATCH (d:Device) WHEN d.on THEN RETURN d ELSE RETURN null AS d")).await;
    graph.run(query("MATCH (p:Partner {id: $pid})-[:MANAGES]->(t:Tenant {id: $tid}) LET name = t.name RETURN name")).await;
}

pub async fn scoped(s: PartnerSession, graph: Graph) {
    graph.run(query("MATCH (p:Partner {id: $pid})-[:MANAGES]->(t:Tenant {id: $tid}) OPTIONAL MATCH (t)-[:HAS]->(d:Device) RETURN d")).await;
    graph.run(query("MATCH (p:Partner {id: $pid})-[:MANAGES]->(s:Tenant {id: $tid}) WHERE NOT (s)-[:ARCHIVED_BY]->(:Admin) RETURN s")).await;
}

pub async fn not_scoped(s: PartnerSession, graph: Graph) {
    graph.run(query("OPTIONAL MATCH (p:Partner {id: $pid})-[:MANAGES]->(t:Tenant) MATCH (t)-[:HAS]->(d:Device) RETURN d")).await;
}
"#;

/// The same kinds of query with no partner in sight.
const ADMIN: &str = r#"
pub async fn migrate(graph: Graph, label: &str) {
    graph.run(query("MATCH (a:Admin)-[:IN]->(t:Tenant) RETURN a")).await;
    graph.run(query("CYPHER 5 MATCH (n RETURN n")).await;
    graph.run(query("MATCH (n:$($label) {id: $id}) RETURN n")).await;
}
"#;

#[test]
fn queries_in_partner_context_are_judged_or_reported_never_dropped() {
    let dir = workspace(&[
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", LIB),
        ("src/handlers.rs", HANDLERS),
        ("src/admin.rs", ADMIN),
    ]);
    // PS000 at its default level, deny.
    let (code, findings) = short(dir.path(), &[]);
    let unscoped = |label: &str, function: &str| {
        format!(
            "deny[PS101 unscoped-tenant-query]: query reads tenant-owned `:{label}` without \
             scoping it to a tenant the partner manages (partner context: `handlers::{function}`)"
        )
    };
    let unreadable = |what: &str, function: &str| {
        format!(
            "deny[PS000 parse-error]: Cypher query could not be analysed: {what} (partner \
             context: `handlers::{function}`)"
        )
    };
    let run_time_label = |node: &str, how: &str| {
        format!("the label of `{node}` {how}, so whether the node is tenant data cannot be told")
    };
    assert_eq!(
        findings,
        [
            // Outside partner context a query the tool cannot read is a warning, and a label
            // chosen at run time (line 5) is no rule's concern.
            "src/admin.rs:4:40: warn[PS000 parse-error]: Cypher query could not be parsed: \
             unexpected token `RETURN`, expected `)`"
                .to_owned(),
            // Query options, USE and a byte-order mark: the query itself is judged.
            format!("src/handlers.rs:5:37: {}", unscoped("Tenant", "options")),
            format!("src/handlers.rs:6:51: {}", unscoped("Device", "options")),
            format!("src/handlers.rs:7:36: {}", unscoped("Tenant", "options")),
            format!("src/handlers.rs:8:36: {}", unscoped("Tenant", "options")),
            format!("src/handlers.rs:9:40: {}", unscoped("Tenant", "options")),
            format!("src/handlers.rs:10:36: {}", unscoped("Tenant", "options")),
            // A label in WHERE is a label.
            format!(
                "src/handlers.rs:14:28: {}",
                unscoped("Tenant", "label_predicates")
            ),
            format!(
                "src/handlers.rs:15:28: {}",
                unscoped("Tenant", "label_predicates")
            ),
            // Labels chosen at run time cannot be judged: said so, at deny.
            format!(
                "src/handlers.rs:19:28: {}",
                unreadable(
                    &run_time_label("(n:$($label) {id: $id})", "is chosen at run time"),
                    "chosen_at_run_time"
                )
            ),
            format!(
                "src/handlers.rs:20:48: {}",
                unreadable(
                    "a label chosen at run time (`$(…)`) is written by SET or REMOVE: which \
                     label the node gets cannot be told",
                    "chosen_at_run_time"
                )
            ),
            format!(
                "src/handlers.rs:21:37: {}",
                unreadable(
                    &run_time_label(
                        "(n:{label} {{id: $id}})",
                        "is built at run time at the hole `{label}`"
                    ),
                    "chosen_at_run_time"
                )
            ),
            // FILTER is read; a conditional query is named; the scoped LET (line 27) passes.
            format!(
                "src/handlers.rs:25:28: {}",
                unscoped("Device", "newer_syntax")
            ),
            format!(
                "src/handlers.rs:26:39: {}",
                unreadable(
                    "a conditional query (`WHEN … THEN … ELSE …`) is not understood by the \
                     analysis",
                    "newer_syntax"
                )
            ),
            // Optional and predicate patterns from a scoped tenant pass (lines 31, 32); an
            // optional MANAGES scopes nothing.
            format!(
                "src/handlers.rs:36:72: {}",
                unscoped("Tenant", "not_scoped")
            ),
            "src/lib.rs:7:20: deny[PS104 readable-secret]: secret field `Creds.api_key` is \
             serialized, and `Creds` is returned by `show` in partner context: a partner can read the \
             secret back"
                .to_owned(),
        ]
    );
    assert_eq!(code, 1);
}

#[test]
fn a_service_without_partners_does_not_fail_on_a_query_it_cannot_read() {
    let dir = workspace(&[
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", "pub mod admin;\n"),
        ("src/admin.rs", ADMIN),
    ]);
    // PS000 at its default level, deny.
    let (code, findings) = short(dir.path(), &[]);
    assert_eq!(
        findings,
        [
            "src/admin.rs:4:40: warn[PS000 parse-error]: Cypher query could not be parsed: \
          unexpected token `RETURN`, expected `)`"
        ]
    );
    assert_eq!(code, 0);
}
