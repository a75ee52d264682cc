//! What functions do to stored data: create nodes or rows, delete them.
//!
//! Built once from the parsed queries (a Cypher `CREATE`/`MERGE` of a node,
//! a `DELETE`/`DETACH DELETE`) and from SQL text passed to calls (an
//! `INSERT`), so the quota and confirmation rules ask "does this function,
//! or something it calls, create or delete?" without re-reading queries.

use super::callgraph::{CallGraph, FnId};
use super::queries::{Origin, Queries, Query, WorkspaceResolver};
use crate::cypher::{ClauseKind, QueryFacts};
use crate::diagnostic::Location;
use crate::index::{Callee, Workspace};
use crate::source::Span;
use crate::strings::{self, StrExpr};
use foldhash::{HashMap, HashMapExt as _};

/// How far [`Actions::first_under`] follows calls.
const MAX_DEPTH: usize = 8;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActionKind {
    /// A Cypher `CREATE`/`MERGE` of a node (not only relationships).
    CreateNode { label: Option<String> },
    /// An SQL `INSERT`, with the table's name when the text names one plainly
    /// (`usage_records` in `INSERT INTO public."usage_records"`).
    InsertRow { table: Option<String> },
    /// A Cypher `DELETE` or `DETACH DELETE`.
    Delete { detach: bool },
}

/// One write a function runs itself.
#[derive(Clone, Debug)]
pub struct Action {
    pub kind: ActionKind,
    /// The node pattern, the `DELETE` clause, or the SQL text.
    pub location: Location,
    /// Where it runs in the function: the call that runs it (its span, and
    /// its start and block for "runs before" checks).
    pub run: Span,
    pub offset: u32,
    pub block: usize,
    /// The query touches tenant data: a tenant-owned label, or a node
    /// matched on `tenant_id`. Always true for SQL.
    pub tenant_data: bool,
}

impl Action {
    pub fn creates(&self) -> bool {
        matches!(
            self.kind,
            ActionKind::CreateNode { .. } | ActionKind::InsertRow { .. }
        )
    }

    pub fn deletes(&self) -> bool {
        matches!(self.kind, ActionKind::Delete { .. })
    }

    /// "creates `:User`", "inserts a row", "runs `DETACH DELETE`", for labels.
    pub fn describe(&self) -> String {
        match &self.kind {
            ActionKind::CreateNode { label: Some(label) } => format!("creates `:{label}`"),
            ActionKind::CreateNode { label: None } => "creates a node".to_string(),
            ActionKind::InsertRow { table: Some(table) } => format!("inserts a row into `{table}`"),
            ActionKind::InsertRow { table: None } => "inserts a row".to_string(),
            ActionKind::Delete { detach: true } => "runs `DETACH DELETE`".to_string(),
            ActionKind::Delete { detach: false } => "runs `DELETE`".to_string(),
        }
    }
}

/// A write found under a function: the calls leading to it (the function
/// first) and the write.
pub struct Found<'a> {
    pub path: Vec<FnId>,
    pub action: &'a Action,
}

#[derive(Debug, Default)]
pub struct Actions {
    by_function: HashMap<FnId, Vec<Action>>,
}

impl Actions {
    pub fn build(workspace: &Workspace, queries: &Queries) -> Actions {
        let mut by_function: HashMap<FnId, Vec<Action>> = HashMap::new();
        for query in &queries.queries {
            let (Some(function), Ok(facts)) = (query.function(), &query.parsed) else {
                continue;
            };
            let Some((run, block)) = run_point(workspace, query, function) else {
                continue;
            };
            let tenant_data = touches_tenant_data(facts, queries);
            for (kind, range) in cypher_actions(facts) {
                by_function.entry(function).or_default().push(Action {
                    kind,
                    location: query.location(range),
                    run,
                    offset: run.start,
                    block,
                    tenant_data,
                });
            }
        }
        let resolver = WorkspaceResolver::new(workspace);
        for (file, facts) in workspace.files.iter().enumerate() {
            for (index, function) in facts.functions.iter().enumerate() {
                for call in &function.calls {
                    // Of macros, only query macros run SQL (`sqlx::query!`, `sql!`):
                    // `info!("insert into …")` writes a log line.
                    let other_macro = matches!(call.callee, Callee::Macro(_))
                        && !(call.name().starts_with("query") || call.name().starts_with("sql"));
                    if other_macro {
                        continue;
                    }
                    let Some(argument) = call.args.first().and_then(|arg| arg.string.as_ref())
                    else {
                        continue;
                    };
                    if matches!(argument, StrExpr::Unknown { .. }) {
                        continue;
                    }
                    // Most first arguments are plain literals (messages, keys, templates):
                    // one look at the source rules them out without building their text.
                    if let StrExpr::Literal { span } = argument {
                        if !literal_may_be_insert(facts.text.get(span.range()).unwrap_or("")) {
                            continue;
                        }
                    }
                    let Some(text) = strings::resolve(argument, file, &resolver) else {
                        continue;
                    };
                    let Some(table) = sql_insert_table(&text.text) else {
                        continue;
                    };
                    let (text_file, span) = text.span(0..text.text.trim_end().len());
                    by_function
                        .entry(FnId { file, index })
                        .or_default()
                        .push(Action {
                            kind: ActionKind::InsertRow { table },
                            location: Location {
                                file: text_file,
                                span,
                            },
                            run: call.span,
                            offset: call.span.start,
                            block: call.block,
                            tenant_data: true,
                        });
                }
            }
        }
        for actions in by_function.values_mut() {
            actions.sort_by_key(|action| action.offset);
        }
        Actions { by_function }
    }

    /// The writes `function` runs itself, in source order.
    pub fn of(&self, function: FnId) -> &[Action] {
        self.by_function.get(&function).map_or(&[], Vec::as_slice)
    }

    /// The first write matching `wanted` that `function` runs, itself or
    /// through the workspace functions it calls (in call order, a few calls
    /// deep).
    pub fn first_under(
        &self,
        workspace: &Workspace,
        graph: &CallGraph,
        function: FnId,
        wanted: &dyn Fn(&Action) -> bool,
    ) -> Option<Found<'_>> {
        let mut visiting = Vec::new();
        self.search(workspace, graph, function, wanted, &mut visiting)
    }

    fn search(
        &self,
        workspace: &Workspace,
        graph: &CallGraph,
        function: FnId,
        wanted: &dyn Fn(&Action) -> bool,
        visiting: &mut Vec<FnId>,
    ) -> Option<Found<'_>> {
        if visiting.len() > MAX_DEPTH || visiting.contains(&function) {
            return None;
        }
        let own = self.of(function).iter().find(|action| wanted(action));
        let calls = workspace
            .files
            .get(function.file)?
            .functions
            .get(function.index)?
            .calls
            .len();
        visiting.push(function);
        let mut best: Option<Found<'_>> = own.map(|action| Found {
            path: vec![function],
            action,
        });
        for call in 0..calls {
            if best.is_some() {
                break;
            }
            for &callee in graph.callees(function, call) {
                if let Some(mut found) = self.search(workspace, graph, callee, wanted, visiting) {
                    found.path.insert(0, function);
                    best = Some(found);
                    break;
                }
            }
        }
        visiting.pop();
        best
    }
}

/// Where a query runs in its function: the call's span and block (for a
/// string kept in a table, the string's start).
fn run_point(workspace: &Workspace, query: &Query, function: FnId) -> Option<(Span, usize)> {
    let def = workspace
        .files
        .get(function.file)?
        .functions
        .get(function.index)?;
    Some(match query.origin {
        Origin::Call { call, .. } => {
            let call = def.calls.get(call)?;
            (call.span, call.block)
        }
        _ => {
            let (_, offset) = query.text.location(0);
            (
                Span {
                    start: offset,
                    end: offset,
                },
                def.block_at(offset),
            )
        }
    })
}

fn touches_tenant_data(facts: &QueryFacts, queries: &Queries) -> bool {
    facts.nodes.iter().any(|node| {
        node.labels
            .iter()
            .any(|label| queries.is_tenant_owned(label))
            || node.properties.iter().any(|p| p.key == "tenant_id")
    }) || facts
        .property_filters
        .iter()
        .any(|filter| filter.key == "tenant_id")
}

/// The node creations and deletions of a query, with their text ranges.
fn cypher_actions(facts: &QueryFacts) -> Vec<(ActionKind, std::ops::Range<usize>)> {
    let mut actions = Vec::new();
    for node in &facts.nodes {
        let creating = facts
            .clauses
            .get(node.clause)
            .is_some_and(|clause| matches!(clause.kind, ClauseKind::Create | ClauseKind::Merge));
        // A node is created where its variable is introduced: `(t)` bound by
        // an earlier MATCH only gains a relationship.
        let introduced_here = facts.bindings.get(node.binding).is_some_and(|binding| {
            node.span.start <= binding.span.start && binding.span.end <= node.span.end
        });
        if creating && introduced_here && !node.in_predicate {
            actions.push((
                ActionKind::CreateNode {
                    label: node.labels.first().cloned(),
                },
                node.span.range(),
            ));
        }
    }
    for clause in &facts.clauses {
        if let ClauseKind::Delete { detach } = clause.kind {
            actions.push((ActionKind::Delete { detach }, clause.span.range()));
        }
    }
    actions
}

/// Whether a string literal token (`"…"`, `r#"…"#`) may hold an SQL `INSERT`, read from its
/// source without decoding it: `false` only when its first character after whitespace rules
/// it out. An escape, a comment or a hole first could decode to anything, so they say `true`.
fn literal_may_be_insert(token: &str) -> bool {
    let Some(body) = crate::rust_literal::literal_body(token) else {
        return true;
    };
    matches!(
        body.trim_start().chars().next(),
        Some('i' | 'I' | '\\' | '-' | '/' | '{')
    )
}

/// For SQL text that is an `INSERT` (after leading whitespace and comments, with
/// `OR REPLACE`/`IGNORE`-style modifiers before `INTO`): the table it inserts into, as
/// far as it is plainly written (the last segment of a dotted name, unquoted). `None`
/// for other text.
fn sql_insert_table(text: &str) -> Option<Option<String>> {
    let mut rest = text.trim_start();
    loop {
        if let Some(after) = rest.strip_prefix("--") {
            rest = after
                .split_once('\n')
                .map_or("", |(_, tail)| tail)
                .trim_start();
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after
                .split_once("*/")
                .map_or("", |(_, tail)| tail)
                .trim_start();
        } else {
            break;
        }
    }
    let next_word = |rest: &mut &str| -> String {
        let word: String = rest.chars().take_while(char::is_ascii_alphabetic).collect();
        *rest = rest[word.len()..].trim_start();
        word
    };
    if !next_word(&mut rest).eq_ignore_ascii_case("insert") {
        return None;
    }
    // `INSERT INTO`, `INSERT OR REPLACE INTO`, `INSERT IGNORE INTO`, `INSERT LOW_PRIORITY INTO`.
    const MAX_MODIFIERS: usize = 3;
    let mut modifiers = 0;
    loop {
        let word = next_word(&mut rest);
        if word.eq_ignore_ascii_case("into") {
            break;
        }
        modifiers += 1;
        if word.is_empty() || modifiers > MAX_MODIFIERS {
            return None;
        }
        rest = rest.trim_start_matches('_').trim_start();
    }
    let name: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '"' | '`' | '[' | ']'))
        .collect();
    let table = name
        .rsplit('.')
        .next()
        .map(|last| last.trim_matches(|c| matches!(c, '"' | '`' | '[' | ']')))
        .filter(|last| !last.is_empty() && last.chars().all(|c| c.is_alphanumeric() || c == '_'))
        .map(str::to_string);
    Some(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_inserts() {
        let table = |text: &str| sql_insert_table(text).map(|table| table.unwrap_or_default());
        assert_eq!(
            table("INSERT INTO users (id) VALUES ($1)").as_deref(),
            Some("users")
        );
        assert_eq!(
            table("  -- add\n insert into t values (1)").as_deref(),
            Some("t")
        );
        assert_eq!(
            table("/* x */ Insert   Into t values (1)").as_deref(),
            Some("t")
        );
        assert_eq!(
            table("INSERT OR REPLACE INTO event_log (k) VALUES (?)").as_deref(),
            Some("event_log")
        );
        assert_eq!(
            table("INSERT IGNORE INTO `audit_logs` VALUES (1)").as_deref(),
            Some("audit_logs")
        );
        assert_eq!(
            table("insert into public.\"usage_records\"(a) values (1)").as_deref(),
            Some("usage_records")
        );
        assert_eq!(table("INSERT INTO $1 VALUES (1)").as_deref(), Some(""));
        assert_eq!(table("SELECT * FROM users"), None);
        assert_eq!(table("insertion order"), None);
        assert_eq!(table("insert the coin"), None);
        assert_eq!(table(""), None);
    }

    /// The source look-ahead never rules out a literal that decodes to an insert.
    #[test]
    fn literal_look_ahead_keeps_every_insert() {
        for token in [
            r#""INSERT INTO t VALUES (1)""#,
            r#""  insert into t""#,
            r##"r#"Insert into t"#"##,
            r#""\ninsert into t""#,
            r#""\
             insert into t""#,
            r#""-- add\ninsert into t""#,
            r#""/* x */ insert into t""#,
            "\"\u{a0}insert into t\"",
        ] {
            assert!(literal_may_be_insert(token), "{token}");
        }
        for token in [
            r#""SELECT 1""#,
            r#""user {} logged in""#,
            r#""""#,
            r##"r#"x"#"##,
        ] {
            assert!(!literal_may_be_insert(token), "{token}");
        }
    }

    #[test]
    fn creations_and_deletions_under_a_function() {
        let workspace = crate::testing::workspace(&[(
            "src/lib.rs",
            r#"
fn handler(g: Graph) { store::add_user(&g); link(&g); }
mod store {
    pub fn add_user(g: &Graph) { g.run(query("MATCH (t:Tenant {id: $t}) CREATE (u:User {id: $id})-[:BELONGS_TO]->(t)")); }
}
fn link(g: &Graph) { g.run(query("MATCH (a:User), (b:Group) MERGE (a)-[:IN]->(b)")); }
fn purge(g: &Graph) { g.run(query("MATCH (t:Tenant {id: $t}) DETACH DELETE t")); }
fn logout(g: &Graph) { g.run(query("MATCH (s:Session {id: $id}) DELETE s")); }
fn insert(pool: &Pool) { sqlx::query("INSERT INTO seats (tenant_id) VALUES ($1)").execute(pool); info!("insert into seats"); }
fn insert_macro(pool: &Pool) { sqlx::query!("insert into seats (tenant_id) values ($1)", t).execute(pool); }
"#,
        )]);
        let options = crate::options::OptionValues::defaults(super::super::MODEL_OPTIONS);
        let model = super::super::Model::build(&workspace, &options);
        let name = |id: FnId| workspace.function(id).name.clone();
        let id = |index| FnId { file: 0, index };
        let kinds = |index| {
            model
                .actions
                .of(id(index))
                .iter()
                .map(|action| action.kind.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            kinds(1),
            [ActionKind::CreateNode {
                label: Some("User".into())
            }]
        );
        // Only a relationship is merged: nothing is created.
        assert_eq!(kinds(2), []);
        assert_eq!(kinds(3), [ActionKind::Delete { detach: true }]);
        assert!(model.actions.of(id(3))[0].tenant_data);
        assert!(!model.actions.of(id(4))[0].tenant_data);
        // The log line is no insert.
        let seats = ActionKind::InsertRow {
            table: Some("seats".into()),
        };
        assert_eq!(kinds(5), std::slice::from_ref(&seats));
        assert_eq!(kinds(6), [seats]);
        let found = model
            .actions
            .first_under(&workspace, &model.graph, id(0), &Action::creates)
            .unwrap();
        assert_eq!(
            found.path.into_iter().map(name).collect::<Vec<_>>(),
            ["handler", "add_user"]
        );
        assert!(model
            .actions
            .first_under(&workspace, &model.graph, id(2), &Action::creates)
            .is_none());
    }
}
