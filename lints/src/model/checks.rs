//! "Runs before": whether a check (a guard, a quota check, a typed
//! confirmation) runs before a given point of a function.
//!
//! A check counts when it runs earlier in the same function in the same or
//! an enclosing block, with its result not thrown away; or inside a
//! workspace function called that way (the callee checks at its top level);
//! or earlier in every partner-context caller before the call that leads
//! here. A check inside an `if`, a loop or a closure that does not enclose
//! the point does not count.
//!
//! Some checks also run before a function is entered at all (a guard in the route layer
//! or the extractor of a handler, see `layers.rs`): callers that ask for those pass
//! `on_entry`, and such a function counts as checked everywhere when every
//! partner-context caller that calls it directly checks too.

use super::callgraph::{CallGraph, FnId};
use super::context::PartnerContext;
use crate::index::{CallSite, Workspace};

/// How far checks are followed through callers and callees.
const MAX_DEPTH: usize = 8;

/// Where a check that runs before the point was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckFound {
    pub function: FnId,
    pub call: usize,
}

/// A check that runs before the point: a call, or a check run before `function` is
/// entered (see [`Checks::runs_before_or_on_entry`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Found {
    Call(CheckFound),
    OnEntry(FnId),
}

impl Found {
    fn call(self) -> Option<CheckFound> {
        match self {
            Found::Call(found) => Some(found),
            Found::OnEntry(_) => None,
        }
    }
}

/// No check runs before any function is entered.
fn never(_: FnId) -> bool {
    false
}

pub struct Checks<'a> {
    pub workspace: &'a Workspace,
    pub graph: &'a CallGraph,
    pub context: &'a PartnerContext,
}

impl Checks<'_> {
    /// Whether a check matching `is_check` runs before byte `offset` (in block `block`) of
    /// `function`; the check also sees the function the call is in (to classify its
    /// arguments: actor, target, `let` origins).
    pub fn runs_before_in(
        &self,
        function: FnId,
        offset: u32,
        block: usize,
        is_check: &dyn Fn(FnId, &CallSite) -> bool,
    ) -> Option<CheckFound> {
        self.before(function, offset, block, is_check, &never, &mut Vec::new())
            .and_then(Found::call)
    }

    /// [`Checks::runs_before_in`] where a function for which `on_entry` holds is checked
    /// before it is entered by the framework (a route layer, an extractor).
    pub fn runs_before_or_on_entry(
        &self,
        function: FnId,
        offset: u32,
        block: usize,
        is_check: &dyn Fn(FnId, &CallSite) -> bool,
        on_entry: &dyn Fn(FnId) -> bool,
    ) -> Option<Found> {
        self.before(function, offset, block, is_check, on_entry, &mut Vec::new())
    }

    /// Whether `function` always runs a check before returning normally, at
    /// its top level or through a callee that does: a callee that checks
    /// for its callers.
    pub fn checks_on_entry_in(
        &self,
        function: FnId,
        is_check: &dyn Fn(FnId, &CallSite) -> bool,
    ) -> bool {
        self.checks_on_entry(function, is_check, &mut Vec::new())
    }

    fn before(
        &self,
        function: FnId,
        offset: u32,
        block: usize,
        is_check: &dyn Fn(FnId, &CallSite) -> bool,
        on_entry: &dyn Fn(FnId) -> bool,
        visiting: &mut Vec<FnId>,
    ) -> Option<Found> {
        if visiting.len() > MAX_DEPTH || visiting.contains(&function) {
            return None;
        }
        let def = self.workspace.function(function);
        for (index, call) in def.calls.iter().enumerate() {
            let earlier = call.span.end <= offset
                && def.block_within(block, call.block)
                && !call.result_discarded;
            if !earlier {
                continue;
            }
            if is_check(function, call) {
                return Some(Found::Call(CheckFound {
                    function,
                    call: index,
                }));
            }
            let callees = self.graph.callees(function, index);
            if !callees.is_empty()
                && callees
                    .iter()
                    .all(|&callee| self.checks_on_entry(callee, is_check, &mut visiting.clone()))
            {
                return Some(Found::Call(CheckFound {
                    function,
                    call: index,
                }));
            }
        }
        // Every partner-context caller must check before calling.
        let callers: Vec<(FnId, usize)> = self
            .graph
            .callers(function)
            .iter()
            .copied()
            .filter(|(caller, _)| self.context.contains(*caller))
            .collect();
        // Checked on entry: the framework's way in is checked, and so must be every direct
        // call from partner code.
        let mut found = on_entry(function).then_some(Found::OnEntry(function));
        if callers.is_empty() {
            return found;
        }
        visiting.push(function);
        for (caller, call_index) in callers {
            let call = &self.workspace.function(caller).calls[call_index];
            match self.before(
                caller,
                call.span.start,
                call.block,
                is_check,
                on_entry,
                visiting,
            ) {
                Some(check) => found = found.or(Some(check)),
                None => {
                    visiting.pop();
                    return None;
                }
            }
        }
        visiting.pop();
        found
    }

    /// A partner-context chain, entry first, ending at `function`, along
    /// which no caller checks before its call: the path a finding should
    /// name when [`Checks::runs_before_in`] found no check.
    pub fn unchecked_chain_in(
        &self,
        function: FnId,
        is_check: &dyn Fn(FnId, &CallSite) -> bool,
    ) -> Vec<FnId> {
        self.unchecked_chain_or_on_entry(function, is_check, &never)
    }

    /// [`Checks::unchecked_chain_in`] with checks on entry (see
    /// [`Checks::runs_before_or_on_entry`]).
    pub fn unchecked_chain_or_on_entry(
        &self,
        function: FnId,
        is_check: &dyn Fn(FnId, &CallSite) -> bool,
        on_entry: &dyn Fn(FnId) -> bool,
    ) -> Vec<FnId> {
        let mut chain = vec![function];
        let mut current = function;
        while chain.len() <= MAX_DEPTH {
            let unchecked_caller =
                self.graph
                    .callers(current)
                    .iter()
                    .copied()
                    .find(|&(caller, call_index)| {
                        let call = &self.workspace.function(caller).calls[call_index];
                        self.context.contains(caller)
                            && !chain.contains(&caller)
                            && self
                                .runs_before_or_on_entry(
                                    caller,
                                    call.span.start,
                                    call.block,
                                    is_check,
                                    on_entry,
                                )
                                .is_none()
                    });
            let Some((caller, _)) = unchecked_caller else {
                break;
            };
            current = caller;
            chain.push(caller);
        }
        chain.reverse();
        chain
    }

    /// Whether `function` always runs a check before returning normally:
    /// at its top level, or through a callee that does.
    fn checks_on_entry(
        &self,
        function: FnId,
        is_check: &dyn Fn(FnId, &CallSite) -> bool,
        visiting: &mut Vec<FnId>,
    ) -> bool {
        if visiting.len() > MAX_DEPTH || visiting.contains(&function) {
            return false;
        }
        visiting.push(function);
        let def = self.workspace.function(function);
        let found = def.calls.iter().enumerate().any(|(index, call)| {
            if call.result_discarded || !def.block_unconditional(call.block) {
                return false;
            }
            if is_check(function, call) {
                return true;
            }
            let callees = self.graph.callees(function, index);
            !callees.is_empty()
                && callees
                    .iter()
                    .all(|&callee| self.checks_on_entry(callee, is_check, visiting))
        });
        visiting.pop();
        found
    }
}

#[cfg(test)]
mod tests {
    use super::super::context::PartnerPaths;
    use super::super::name_patterns::Patterns;
    use super::*;
    use crate::index::index_file;

    /// Whether a guard runs before the `db_query` call in `target`.
    fn guarded(source: &str, target: &str) -> bool {
        let workspace = Workspace::new(vec![index_file("src/lib.rs".into(), source.into())]);
        let graph = CallGraph::build(&workspace);
        let context = PartnerContext::build(
            &workspace,
            &graph,
            &Patterns::new(["PartnerContext"]),
            &PartnerPaths::new(["**/partner/**"]).unwrap(),
        );
        let checks = Checks {
            workspace: &workspace,
            graph: &graph,
            context: &context,
        };
        let index = workspace.files[0]
            .functions
            .iter()
            .position(|f| f.name == target)
            .unwrap();
        let def = &workspace.files[0].functions[index];
        let query = def.calls.iter().find(|c| c.name() == "db_query").unwrap();
        let guards = Patterns::new(["ensure_manages", "check_*manages*"]);
        checks
            .runs_before_in(
                FnId { file: 0, index },
                query.span.start,
                query.block,
                &|_, call| guards.matches(call.name()),
            )
            .is_some()
    }

    #[test]
    fn a_guard_earlier_in_the_same_or_enclosing_block_counts() {
        assert!(guarded(
            "fn h(ctx: PartnerContext) { ensure_manages(&ctx, t)?; if a { db_query(1); } }",
            "h"
        ));
        assert!(guarded(
            "fn h(ctx: PartnerContext) { if a { ensure_manages(&ctx, t)?; db_query(1); } }",
            "h"
        ));
    }

    #[test]
    fn a_guard_inside_an_if_a_loop_a_closure_later_or_discarded_does_not_count() {
        assert!(!guarded(
            "fn h(ctx: PartnerContext) { if a { ensure_manages(&ctx, t)?; } db_query(1); }",
            "h"
        ));
        assert!(!guarded(
            "fn h(ctx: PartnerContext) { for t in ts { ensure_manages(&ctx, t)?; } db_query(1); }",
            "h"
        ));
        assert!(!guarded(
            "fn h(ctx: PartnerContext) { let f = || ensure_manages(&ctx, t); db_query(1); }",
            "h"
        ));
        assert!(!guarded(
            "fn h(ctx: PartnerContext) { db_query(1); ensure_manages(&ctx, t)?; }",
            "h"
        ));
        assert!(!guarded(
            "fn h(ctx: PartnerContext) { let _ = ensure_manages(&ctx, t); db_query(1); }",
            "h"
        ));
        assert!(!guarded(
            "fn h(ctx: PartnerContext) { ensure_manages(&ctx, t).ok(); db_query(1); }",
            "h"
        ));
    }

    #[test]
    fn a_guard_in_every_partner_caller_counts() {
        let source = "fn h1(ctx: PartnerContext) { ensure_manages(&ctx, t)?; store(t); }
                      fn h2(ctx: PartnerContext) { check_partner_manages(&ctx, t).await?; store(t); }
                      fn store(t: u32) { db_query(t); }";
        assert!(guarded(source, "store"));
        let one_caller_unguarded =
            "fn h1(ctx: PartnerContext) { ensure_manages(&ctx, t)?; store(t); }
                                    fn h2(ctx: PartnerContext) { store(t); }
                                    fn store(t: u32) { db_query(t); }";
        assert!(!guarded(one_caller_unguarded, "store"));
        // Callers outside partner context do not need the guard.
        let admin_caller = "fn h1(ctx: PartnerContext) { ensure_manages(&ctx, t)?; store(t); }
                            fn admin(t: u32) { store(t); }
                            fn store(t: u32) { db_query(t); }";
        assert!(guarded(admin_caller, "store"));
    }

    #[test]
    fn a_callee_that_checks_counts() {
        let source = "fn h(ctx: PartnerContext) { authorize(&ctx, t).await?; db_query(t); }
                      async fn authorize(ctx: &PartnerContext, t: u32) -> Result<(), E> { ensure_manages(ctx, t).await }";
        assert!(guarded(source, "h"));
        let conditional = "fn h(ctx: PartnerContext) { authorize(&ctx, t).await?; db_query(t); }
                           async fn authorize(ctx: &PartnerContext, t: u32) -> Result<(), E> { if cached { return Ok(()) } else { ensure_manages(ctx, t).await } }";
        assert!(!guarded(conditional, "h"));
    }
}
