//! Without a partner model, bodies no rule reads are left unparsed: the findings stay those
//! of a run that parses everything (`--full-parse`), to the byte.

use crate::common::{run, workspace, MANIFEST};

const LEFT_OUT: &str = "function bodies no rule reads left unparsed: no partner model";

/// A service with no partner model: a secret returned to its own users (PS104), a query that
/// does not parse (PS000), and plain code around them.
const SERVICE: &str = r#"
use axum::Json;

#[derive(Serialize)]
pub struct Account {
    pub id: String,
    pub api_key: String,
}

pub async fn show(id: String) -> Json<Account> {
    let account = load(&id);
    Json(Account { id: account.id, api_key: account.api_key })
}

fn load(id: &str) -> Account {
    let trimmed = id.trim();
    let upper = trimmed.to_uppercase();
    Account { id: upper.clone(), api_key: format!("k-{upper}") }
}

pub async fn count(graph: &Graph) -> u64 {
    graph.run(query("MATCH (n:Account RETURN count(n)")).await
}

fn helper(values: &[u64]) -> u64 {
    values.iter().copied().filter(|v| *v > 3).sum()
}

impl Account {
    fn masked(&self) -> String {
        let mut key = self.api_key.clone();
        key.truncate(4);
        key
    }
}
"#;

fn both_ways(files: &[(&str, &str)]) -> (crate::common::Output, crate::common::Output) {
    let dir = workspace(files);
    let path = dir.path().to_str().unwrap();
    let default = run(&[path, "--format", "json", "--no-cache"]);
    let full = run(&[path, "--format", "json", "--no-cache", "--full-parse"]);
    (default, full)
}

#[test]
fn without_a_partner_model_unread_bodies_are_left_out_and_the_findings_do_not_change() {
    let (default, full) = both_ways(&[("Cargo.toml", MANIFEST), ("src/lib.rs", SERVICE)]);
    // Warnings only: without a partner model no one but the tenant's own users reads them.
    assert_eq!((default.code, full.code), (0, 0), "{}", default.stderr);
    assert_eq!(default.stdout, full.stdout);
    assert!(default.stdout.contains("\"PS104\""), "{}", default.stdout);
    assert!(default.stdout.contains("\"PS000\""), "{}", default.stdout);
    // `helper`, `masked` and `load` are read by no rule; `show` (a `Json` response) and
    // `count` (a query) are.
    assert!(
        default.stderr.contains(&format!("(3 {LEFT_OUT})")),
        "{}",
        default.stderr
    );
    assert!(!full.stderr.contains(LEFT_OUT), "{}", full.stderr);
}

#[test]
fn a_partner_model_that_only_a_parsed_body_shows_makes_the_run_parse_everything() {
    // `MANAGES` written with an escape: no text signal, but the query is parsed (a query call
    // is always read), the model has a manages relationship, and the run starts over whole.
    let escaped = SERVICE.replace(
        "MATCH (n:Account RETURN count(n)",
        "MATCH (p:Agency)-[:MAN\\u{41}GES]->(t:Tenant) RETURN count(t)",
    );
    let (default, full) = both_ways(&[("Cargo.toml", MANIFEST), ("src/lib.rs", &escaped)]);
    assert_eq!((default.code, &default.stdout), (full.code, &full.stdout));
    assert!(!default.stderr.contains(LEFT_OUT), "{}", default.stderr);
    assert!(
        !default.stderr.contains("no partner model found"),
        "{}",
        default.stderr
    );
}

#[test]
fn a_partner_context_type_looked_up_in_a_body_is_seen_before_any_body_is_left_out() {
    // Only a body says this service acts for partners: its text is enough to parse everything.
    let lookup = format!(
        "{SERVICE}\npub async fn devices(req: Request<()>) -> u64 {{\n    let session = req.extensions().get::<PartnerSession>().unwrap();\n    session.count()\n}}\n"
    );
    let (default, full) = both_ways(&[("Cargo.toml", MANIFEST), ("src/lib.rs", &lookup)]);
    assert_eq!(default.stdout, full.stdout);
    assert!(!default.stderr.contains(LEFT_OUT), "{}", default.stderr);
}
