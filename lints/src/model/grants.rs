//! `MANAGES` grants and revokes found in the workspace's queries, shared by
//! the break-glass and least-privilege rules.

use super::queries::{Queries, Query};
use crate::cypher::{BindingId, ClauseKind, PropValue, QueryFacts, RelPattern};

/// A `CREATE`/`MERGE` of a `MANAGES` relationship.
pub struct Grant<'a> {
    pub query: &'a Query,
    pub relationship: &'a RelPattern,
}

pub fn is_manages(relationship: &RelPattern) -> bool {
    relationship.types.iter().any(|kind| kind == "MANAGES")
}

/// Every `MANAGES` relationship a query creates or merges.
pub fn grants(queries: &Queries) -> Vec<Grant<'_>> {
    let mut grants = Vec::new();
    for query in &queries.queries {
        let Ok(facts) = &query.parsed else { continue };
        for relationship in facts.relationships.iter().filter(|r| is_manages(r)) {
            let creates = facts
                .clauses
                .get(relationship.clause)
                .is_some_and(|clause| {
                    matches!(clause.kind, ClauseKind::Create | ClauseKind::Merge)
                });
            if creates {
                grants.push(Grant {
                    query,
                    relationship,
                });
            }
        }
    }
    grants
}

fn is_false(value: &PropValue) -> bool {
    matches!(value, PropValue::Literal(text) if text.eq_ignore_ascii_case("false"))
}

/// Whether a query deletes a `MANAGES` relationship or marks one revoked
/// (`SET r.revoked_at = …`, `r.revoked = true`, `r.active = false`).
pub fn revokes(facts: &QueryFacts) -> bool {
    let manages_bindings: Vec<BindingId> = facts
        .relationships
        .iter()
        .filter(|r| is_manages(r))
        .map(|r| r.binding)
        .collect();
    facts.clauses.iter().any(|clause| {
        let deletes = clause.deletes.iter().any(|target| {
            target
                .binding
                .is_some_and(|b| manages_bindings.contains(&b))
        });
        let marks = clause.writes.iter().any(|write| {
            write
                .target
                .binding
                .is_some_and(|b| manages_bindings.contains(&b))
                && match write.property.as_deref() {
                    Some("revoked_at") => true,
                    Some("revoked") => !is_false(&write.value),
                    Some("active" | "enabled") => is_false(&write.value),
                    _ => false,
                }
        });
        deletes || marks
    })
}
