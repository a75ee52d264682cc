//! `MANAGES` grants and revokes found in the workspace's queries, shared by
//! the break-glass and least-privilege rules.

use super::callgraph::{CallGraph, FnId};
use super::context::PartnerContext;
use super::queries::{Queries, Query};
use crate::cypher::{BindingId, ClauseKind, PropValue, QueryFacts, RelPattern};
use crate::diagnostic::FileId;
use foldhash::{HashMap, HashMapExt as _, HashSet};

/// A `CREATE`/`MERGE` of a `MANAGES` relationship.
pub struct Grant<'a> {
    pub query: &'a Query,
    pub relationship: &'a RelPattern,
}

/// `(query, relationship)` indices of every grant, in query order.
fn grant_indices(queries: &Queries) -> impl Iterator<Item = (usize, usize)> + '_ {
    queries
        .queries
        .iter()
        .enumerate()
        .filter_map(|(index, query)| Some((index, query.parsed.as_ref().ok()?)))
        .flat_map(|(index, facts)| {
            facts
                .relationships
                .iter()
                .enumerate()
                .filter(|(_, relationship)| {
                    queries.vocabulary.is_manages(relationship)
                        && facts
                            .clauses
                            .get(relationship.clause)
                            .is_some_and(|clause| {
                                matches!(clause.kind, ClauseKind::Create | ClauseKind::Merge)
                            })
                })
                .map(move |(relationship, _)| (index, relationship))
        })
}

fn grant_at(queries: &Queries, query: usize, relationship: usize) -> Grant<'_> {
    let query = &queries.queries[query];
    let facts = query
        .parsed
        .as_ref()
        .expect("grant indices point at parsed queries");
    Grant {
        query,
        relationship: &facts.relationships[relationship],
    }
}

/// The workspace's grants and whether the customer can revoke them, found
/// once per run: rules ask per file, and scanning every query for every
/// file made a run quadratic in the workspace size.
#[derive(Debug, Default)]
pub struct Grants {
    /// `(query, relationship)` indices of each grant, by the file its query text starts in.
    by_file: HashMap<FileId, Vec<(usize, usize)>>,
    /// Whether some query that revokes `MANAGES` runs outside partner context.
    pub customer_can_revoke: bool,
    /// Functions that run a query matching `MANAGES` (partner-access lookups).
    manages_lookups: HashSet<FnId>,
}

impl Grants {
    pub fn build(queries: &Queries, graph: &CallGraph, context: &PartnerContext) -> Grants {
        let mut by_file: HashMap<FileId, Vec<(usize, usize)>> = HashMap::new();
        for (query, relationship) in grant_indices(queries) {
            by_file
                .entry(queries.queries[query].text_file())
                .or_default()
                .push((query, relationship));
        }
        let manages_lookups = queries
            .queries
            .iter()
            .filter(|query| {
                query.parsed.as_ref().is_ok_and(|facts| {
                    facts
                        .relationships
                        .iter()
                        .any(|relationship| queries.vocabulary.is_manages(relationship))
                })
            })
            .filter_map(|query| query.function())
            .collect();
        Grants {
            by_file,
            customer_can_revoke: customer_can_revoke(queries, graph, context),
            manages_lookups,
        }
    }

    /// Whether a workspace function runs a query that matches `MANAGES`.
    pub fn runs_manages_query(&self, function: FnId) -> bool {
        self.manages_lookups.contains(&function)
    }

    /// Whether the workspace grants `MANAGES` anywhere.
    pub fn is_empty(&self) -> bool {
        self.by_file.is_empty()
    }

    /// The grants whose query text starts in `file`, in query order.
    pub fn in_file<'a>(
        &'a self,
        queries: &'a Queries,
        file: FileId,
    ) -> impl Iterator<Item = Grant<'a>> + 'a {
        self.by_file
            .get(&file)
            .into_iter()
            .flatten()
            .map(move |&(query, relationship)| grant_at(queries, query, relationship))
    }
}

/// Whether some query that revokes `MANAGES` runs outside partner context.
fn customer_can_revoke(queries: &Queries, graph: &CallGraph, context: &PartnerContext) -> bool {
    queries.queries.iter().any(|query| {
        let revoking = query.parsed.as_ref().is_ok_and(|facts| {
            let vocabulary = &queries.vocabulary;
            facts.relationships.iter().any(|r| vocabulary.is_manages(r))
                && revokes(facts, vocabulary)
        });
        revoking
            && query.function().is_some_and(|function| {
                !context.contains(function)
                    || graph
                        .callers(function)
                        .iter()
                        .any(|(caller, _)| !context.contains(*caller))
            })
    })
}

fn is_false(value: &PropValue) -> bool {
    matches!(value, PropValue::Literal(text) if text.eq_ignore_ascii_case("false"))
}

/// Whether a query deletes a `MANAGES` relationship or marks one revoked
/// (`SET r.revoked_at = …`, `r.revoked = true`, `r.active = false`).
pub fn revokes(facts: &QueryFacts, vocabulary: &super::vocabulary::Vocabulary) -> bool {
    let manages_bindings: Vec<BindingId> = facts
        .relationships
        .iter()
        .filter(|r| vocabulary.is_manages(r))
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
