//! PS401 cost-to-actor: usage and cost billed to the acting partner instead
//! of the customer tenant it acts on.

use crate::checklist::{ChecklistItem, Level};
use crate::diagnostic::{Diagnostic, FileId, Location};
use crate::index::{ArgFact, CallSite, Callee, FunctionDef};
use crate::model::actors::{Role, Roles};
use crate::model::callgraph::FnId;
use crate::model::provenance::Provenance;
use crate::names::{any_word, words, NameList};
use crate::options::{OptionSpec, OptionValues};
use crate::rule::{Context, Rule, RuleMeta};
use crate::source::Span;

pub const META: RuleMeta = RuleMeta {
    code: "PS401",
    name: "cost-to-actor",
    checklist_item: Some(ChecklistItem::Attribution),
    default_level: Level::Deny,
    summary:
        "A usage, billing or cost record billed to the acting partner instead of the target tenant",
    docs: r#"## What it does
In partner context, flags a usage, billing, cost or metering record whose tenant field
holds the actor (the partner, its session, or its own tenant) instead of the customer
tenant acted on:
- a struct literal whose type name has a record word (`UsageRecord`, `BillingEvent`,
  `MeterReading`, `InvoiceLine`) with a tenant field (`tenant_id`, `billed_tenant_id`,
  `customer_id`, `account_id`) set to an actor value;
- a call whose name has a record word (`record_usage(..)`, `UsageRecord::new(..)`,
  `billing::charge(..)`) passing an actor value where the workspace function's
  parameter is a tenant field;
- a builder setter named like a tenant field (`.tenant_id(session.tenant_id)`) in a
  chain started by a record call (`UsageRecord::builder()`).

Values are classified by the shared actor/target model: `let` bindings are followed
(also into the fields of a struct literal bound by `let`: `let payer = Payer { account_id:
ctx.account_id.clone() }` makes `payer.account_id` the actor), every field of the partner
context value is the actor (the partner's own id, the session's home tenant, its
`account_id`), and `tenant_id` from the request path is the target. The finding is on
the value billed.

Decisions where the catalogue is silent:
- Record words match whole words, with plural and verb endings (`metering`, `billed`,
  `charges`, `invoicing`, `billable`); `discharge` and `costume` do not match.
- A tenant field is a listed name or a name ending with one (`owner_account_id`),
  except names that say they hold the actor (`actor_tenant_id`, `partner_account_id`,
  `caller_tenant_id`): recording who provisioned a resource next to who pays is right.
- Reads are not records: calls named `get_*`, `list_*`, `fetch_*`, `load_*`, `find_*`,
  `read_*`, `query_*`, `count_*`, `search_*`, `show_*`, `view_*`, `sum_*`, `total_*`,
  and types whose last word is `Query`, `Filter`, `Params`, `Criteria`, `Search`,
  `Stats`, `Summary`, `Report` or `View`: a partner reading its own usage is fine.
- A call to a function outside the workspace has no known parameter names; it is
  flagged only when the actor value is itself named as a tenant field
  (`billing::charge(&session.tenant_id, ..)`) and no argument is the target tenant
  (passing both suggests the partner is recorded as the reseller, not billed).
- Outside partner context nothing is flagged: there, the caller's tenant is the one
  that uses and pays. In partner context, only code that acts on a customer tenant is
  checked: the function, or a partner-context caller up to four calls up, reads a value
  the model calls the target (`Path(tenant_id)`, `target_tenant_id`, a `TenantId`). A
  partner buying its own plan has no target and pays itself.
- Records named for the partner (`PartnerInvoice`, `bill_reseller`: the `partner_words`,
  by default `partner`, `reseller`, `msp`) bill the partner on purpose and are not
  flagged.

## Why is this bad?
When a partner provisions or uses resources in a customer tenant, the cost belongs to
the customer. Billing the partner's tenant misattributes cost: the customer gets free
resources, the partner pays for them, and per-tenant quotas and cost reports are wrong.

## Example
```rust
async fn add_seat(Extension(session): Extension<PartnerSession>, Path(tenant_id): Path<String>) {
    meter.record(UsageRecord { tenant_id: session.tenant_id.clone(), units: 1 });
}
```

## Use instead
```rust
async fn add_seat(Extension(session): Extension<PartnerSession>, Path(tenant_id): Path<String>) {
    meter.record(UsageRecord { tenant_id: tenant_id.clone(), units: 1 });
}
```

## Options
- `record_names`: words that make a type or call a usage/billing record.
- `tenant_fields`: field and parameter names that say who is billed.
- `partner_words`: words that name a record or call for the partner itself
  (`PartnerInvoice`, `bill_reseller`), which bills the partner on purpose.

## Checklist item
4. Attribution: Are resource costs correctly attributed to the Customer Tenant, even if
provisioned by the Partner?

## Fix
Bill the target tenant (the customer tenant from the request); record the partner in a
separate `actor_*` field if it matters. No automatic fix: the target value is the
author's to choose.
"#,
    options: OPTIONS,
    build: Some(build),
};

/// Each option declared once: its key, default and doc, and the type it is read as.
mod option {
    use crate::options::{OptionKey, StringList};

    pub const RECORD_NAMES: OptionKey<StringList> = OptionKey::strings(
        "record_names",
        &[
            "usage", "billing", "bill", "cost", "meter", "charge", "invoice",
        ],
        "Words (with plural and verb endings) that make a type or call a usage or billing record",
    );

    pub const TENANT_FIELDS: OptionKey<StringList> = OptionKey::strings(
        "tenant_fields",
        &["tenant_id", "billed_tenant_id", "customer_id", "account_id"],
        "Field and parameter names that say which tenant is billed (whole-word suffixes)",
    );

    pub const PARTNER_WORDS: OptionKey<StringList> = OptionKey::strings(
        "partner_words",
        &["partner", "reseller", "msp"],
        "Words that name a record or call for the partner, which bills the partner on purpose (`PartnerInvoice`, `bill_reseller`)",
    );
}

const OPTIONS: &[OptionSpec] = &[
    option::RECORD_NAMES.spec(),
    option::TENANT_FIELDS.spec(),
    option::PARTNER_WORDS.spec(),
];

/// Endings a record word may take: `usages`, `billed`, `metering`, `billable`.
const WORD_ENDINGS: &[&str] = &["", "s", "es", "ed", "d", "ing", "er", "ers", "able"];

/// Name prefixes that say a field holds the actor (as in the shared model).
const ACTOR_PREFIXES: &[&str] = &["actor", "partner", "caller"];

/// Verbs of calls that read records rather than write them.
const READ_VERBS: &[&str] = &[
    "get", "list", "fetch", "load", "find", "read", "query", "count", "search", "show", "view",
    "sum", "total",
];

/// Last words of types that describe or select records rather than being one.
const NON_RECORD_TYPE_WORDS: &[&str] = &[
    "query", "filter", "params", "criteria", "search", "stats", "summary", "report", "view",
];

struct CostToActor {
    record_words: Vec<String>,
    tenant_fields: NameList,
    /// Words that say a record bills the partner on purpose (`PartnerInvoice`,
    /// `bill_reseller`): a partner's own costs are the partner's.
    partner_words: Vec<String>,
}

fn build(options: &OptionValues) -> Box<dyn Rule> {
    Box::new(CostToActor {
        record_words: options
            .get(&option::RECORD_NAMES)
            .iter()
            .map(|name| name.to_lowercase())
            .collect(),
        tenant_fields: NameList::new(options.get(&option::TENANT_FIELDS)),
        partner_words: options
            .get(&option::PARTNER_WORDS)
            .iter()
            .map(|word| word.to_lowercase())
            .collect(),
    })
}

impl Rule for CostToActor {
    fn check_file(&self, cx: &Context<'_>, file: FileId, out: &mut Vec<Diagnostic>) {
        let workspace = cx.workspace;
        let provenance = Provenance::new(workspace, cx.model.roles(workspace));
        for (index, function) in workspace.file(file).functions.iter().enumerate() {
            let id = FnId { file, index };
            if !cx.model.context.contains(id) {
                continue;
            }
            // A partner paying for its own plan acts on no customer tenant:
            // only code that has a target tenant in scope can misattribute.
            let Some(target) = target_in_scope(cx, provenance.roles(), id) else {
                continue;
            };
            let check = ActingFunction {
                rule: self,
                cx,
                provenance: &provenance,
                id,
                function,
                target,
            };
            let mut found = Vec::new();
            check.literals(&mut found);
            check.calls(&mut found);
            // One value, one finding, in source order.
            found.sort_by_key(|(span, _)| *span);
            found.dedup_by_key(|(span, _)| *span);
            out.extend(found.into_iter().map(|(_, diagnostic)| diagnostic));
        }
    }
}

impl CostToActor {
    /// What the words of a call or type name say, in one pass over them (every call of
    /// partner code is asked). A partner word settles it: the name is no record's.
    fn name_words(&self, name: &str) -> NameWords {
        let mut found = NameWords::default();
        any_word(name, |index, word| {
            found.starts_with_read |= index == 0 && READ_VERBS.contains(&word);
            found.names_partner |= self.partner_words.iter().any(|partner| partner == word);
            found.has_record_word |= self.is_record_word(word);
            found.ends_describing = NON_RECORD_TYPE_WORDS.contains(&word);
            found.names_partner
        });
        found
    }

    /// Whether one lowercase word is a record word with an ending (`metering`, `BillingEvent`,
    /// `invoicing`: a final `e` may be dropped before an ending).
    fn is_record_word(&self, word: &str) -> bool {
        let first = word.as_bytes().first();
        self.record_words.iter().any(|stem| {
            // Asked of every word of every call name: most start unlike every stem.
            if stem
                .as_bytes()
                .first()
                .is_some_and(|byte| Some(byte) != first)
            {
                return false;
            }
            let with_stem = word
                .strip_prefix(stem.as_str())
                .is_some_and(|ending| WORD_ENDINGS.contains(&ending));
            let without_e = stem
                .strip_suffix('e')
                .and_then(|bare| word.strip_prefix(bare))
                .is_some_and(|ending| !ending.is_empty() && WORD_ENDINGS.contains(&ending));
            with_stem || without_e
        })
    }

    fn is_record_type(&self, name: &str) -> bool {
        let found = self.name_words(name);
        found.names_record() && !found.ends_describing
    }

    /// A call that writes a record: its name (or its type, for `UsageRecord::new`)
    /// has a record word, and it is not a read (`list_invoices`).
    fn is_record_call(&self, call: &CallSite) -> bool {
        let found = self.name_words(call.name());
        if found.starts_with_read {
            return false;
        }
        if found.names_record() {
            return true;
        }
        match &call.callee {
            Callee::Path(segments) => segments.iter().rev().nth(1).is_some_and(|owner| {
                owner.starts_with(char::is_uppercase) && self.is_record_type(owner)
            }),
            _ => false,
        }
    }

    fn is_tenant_field(&self, name: &str) -> bool {
        let first = words(name).into_iter().next().unwrap_or_default();
        self.tenant_fields.suffix_match(name).is_some() && !ACTOR_PREFIXES.contains(&first.as_str())
    }
}

#[derive(Default)]
struct NameWords {
    starts_with_read: bool,
    names_partner: bool,
    has_record_word: bool,
    /// The last word read describes or selects records (`UsageQuery`).
    ends_describing: bool,
}

impl NameWords {
    fn names_record(&self) -> bool {
        self.has_record_word && !self.names_partner
    }
}

/// A partner-context function that acts on a target tenant, with what judging the
/// records it writes needs.
struct ActingFunction<'a> {
    rule: &'a CostToActor,
    cx: &'a Context<'a>,
    /// The roles of billed values, and the calls that build a record.
    provenance: &'a Provenance<'a>,
    id: FnId,
    function: &'a FunctionDef,
    /// How to name the target tenant in messages.
    target: String,
}

type Found = Vec<(Span, Diagnostic)>;

impl ActingFunction<'_> {
    fn role(&self, value: &ArgFact) -> Role {
        self.provenance.role_of(self.function, value)
    }

    fn at(&self, span: Span) -> Location {
        Location {
            file: self.id.file,
            span,
        }
    }

    fn value_text(&self, value: &ArgFact) -> String {
        match &value.place {
            Some(place) => place.join("."),
            None => {
                let text = self
                    .cx
                    .workspace
                    .file(self.id.file)
                    .text
                    .get(value.span.range());
                text.unwrap_or("")
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            }
        }
    }

    fn finding(
        &self,
        record: &str,
        field: &str,
        value: &ArgFact,
        label: Option<(Span, String)>,
    ) -> (Span, Diagnostic) {
        let message = format!(
            "{record} bills `{}`, the acting partner, as `{field}` in partner context ({}); bill {} instead",
            self.value_text(value),
            // Named only for a finding: most functions in partner context have none.
            self.cx
                .model
                .context
                .describe_chain(self.cx.workspace, self.id)
                .unwrap_or_default(),
            self.target
        );
        let mut diagnostic = Diagnostic::new(message, self.at(value.span))
            .with_primary_label("the partner is billed")
            .with_help("usage and cost belong to the customer tenant the partner acts on: take the tenant field from the target tenant (the request), and record the partner separately (`actor_tenant_id`) if it matters");
        if let Some((span, text)) = label {
            diagnostic = diagnostic.with_label(self.at(span), text);
        }
        (value.span, diagnostic)
    }

    fn literals(&self, found: &mut Found) {
        for literal in &self.function.struct_literals {
            if !self.rule.is_record_type(&literal.type_name) {
                continue;
            }
            for field in &literal.fields {
                if self.rule.is_tenant_field(&field.name) && self.role(&field.value) == Role::Actor
                {
                    found.push(self.finding(
                        &format!("`{}`", literal.type_name),
                        &field.name,
                        &field.value,
                        None,
                    ));
                }
            }
        }
    }

    fn calls(&self, found: &mut Found) {
        let workspace = self.cx.workspace;
        for (index, call) in self.function.calls.iter().enumerate() {
            if self.rule.is_record_call(call) {
                let candidates = self
                    .cx
                    .model
                    .graph
                    .signature_candidates(workspace, self.id, index);
                if candidates.is_empty() {
                    self.unresolved_call(call, found);
                } else {
                    self.resolved_call(call, &candidates, found);
                }
            } else if let Some(root) = self.builder_root(call) {
                // `.tenant_id(session.tenant_id)` in a `UsageRecord::builder()` chain.
                if let ([value], true) =
                    (call.args.as_slice(), self.rule.is_tenant_field(call.name()))
                {
                    if self.role(value) == Role::Actor {
                        let root_call = &self.function.calls[root];
                        found.push(self.finding(
                            &format!("`{}`", call_path(root_call)),
                            call.name(),
                            value,
                            Some((root_call.name_span, "the record is built here".to_string())),
                        ));
                    }
                }
            }
        }
    }

    fn resolved_call(&self, call: &CallSite, candidates: &[FnId], found: &mut Found) {
        let workspace = self.cx.workspace;
        let callees: Vec<&FunctionDef> = candidates
            .iter()
            .filter_map(|&id| workspace.get_function(id))
            .collect();
        for (position, value) in call.args.iter().enumerate() {
            // The parameter name, when every candidate agrees it is a tenant field.
            let mut field = None;
            for callee in &callees {
                let offset = usize::from(callee.has_self && matches!(call.callee, Callee::Path(_)));
                let name = position
                    .checked_sub(offset)
                    .and_then(|at| callee.params.get(at))
                    .and_then(|param| param.name.clone())
                    .filter(|name| self.rule.is_tenant_field(name));
                match (name, &field) {
                    (Some(name), None) => field = Some(name),
                    (Some(name), Some(seen)) if name == seen => {}
                    _ => {
                        field = None;
                        break;
                    }
                }
            }
            let Some(field) = field else { continue };
            if self.role(value) == Role::Actor {
                let label = callees.first().map(|callee| {
                    (
                        callee.name_span,
                        format!("`{field}` is this function's tenant parameter"),
                    )
                });
                found.push(self.finding(
                    &format!("`{}`", call_path(call)),
                    &field,
                    value,
                    label.filter(|_| candidates.first().is_some_and(|id| id.file == self.id.file)),
                ));
            }
        }
    }

    fn unresolved_call(&self, call: &CallSite, found: &mut Found) {
        if matches!(call.callee, Callee::Macro(_)) {
            return;
        }
        if call
            .args
            .iter()
            .any(|value| self.role(value) == Role::Target)
        {
            return;
        }
        for value in &call.args {
            let named_field = value
                .place
                .as_ref()
                .and_then(|place| place.last())
                .filter(|name| self.rule.is_tenant_field(name));
            if let Some(field) = named_field {
                if self.role(value) == Role::Actor {
                    found.push(self.finding(&format!("`{}`", call_path(call)), field, value, None));
                }
            }
        }
    }

    /// For a method call, the record call its receiver chain starts from
    /// (`UsageRecord::builder()` in `UsageRecord::builder().tenant_id(x)`),
    /// also through a `let` naming the receiver.
    fn builder_root(&self, call: &CallSite) -> Option<usize> {
        let receiver = call.receiver.as_deref()?;
        Provenance::calls_building(self.function, receiver)
            .find(|(_, inner)| {
                matches!(inner.callee, Callee::Path(_)) && self.rule.is_record_call(inner)
            })
            .map(|(index, _)| index)
    }
}

/// How many calls up `target_in_scope` looks for the target tenant.
const MAX_CALLER_DEPTH: usize = 4;

/// The target tenant the partner acts on, named for messages: the first
/// value the model calls the target in the function, or else in its
/// partner-context callers (nearest first, a few calls up; a helper taking
/// the session is an entry of its own, so its callers are not on its
/// chain). `None` when there is none.
fn target_in_scope(cx: &Context<'_>, roles: &Roles<'_>, id: FnId) -> Option<String> {
    let workspace = cx.workspace;
    let mut frontier = vec![id];
    let mut seen = vec![id];
    for depth in 0..=MAX_CALLER_DEPTH {
        for function_id in &frontier {
            let Some(function) = workspace
                .files
                .get(function_id.file)
                .and_then(|facts| facts.functions.get(function_id.index))
            else {
                continue;
            };
            if let Some(place) = first_target(roles, function) {
                return Some(if depth == 0 {
                    format!("the target tenant (`{place}`)")
                } else {
                    format!(
                        "the target tenant (`{place}` in `{}`)",
                        crate::model::context::qualified_name(function)
                    )
                });
            }
        }
        let mut next = Vec::new();
        for function_id in &frontier {
            for &(caller, _) in cx.model.graph.callers(*function_id) {
                if cx.model.context.contains(caller) && !seen.contains(&caller) {
                    seen.push(caller);
                    next.push(caller);
                }
            }
        }
        next.sort();
        frontier = next;
    }
    None
}

/// The first parameter or value read in `function` that the model calls the target.
fn first_target(roles: &Roles<'_>, function: &FunctionDef) -> Option<String> {
    let params = function.params.iter().filter_map(|param| {
        let name = param.name.clone()?;
        Some((vec![name], function.span.start))
    });
    let values = function
        .calls
        .iter()
        .flat_map(CallSite::values)
        .chain(
            function
                .struct_literals
                .iter()
                .flat_map(|literal| literal.fields.iter().map(|field| &field.value)),
        )
        .chain(
            function
                .lets
                .iter()
                .filter_map(|binding| binding.init.as_ref()),
        )
        .filter_map(|value| Some((value.place.clone()?, value.span.start)));
    params
        .chain(values)
        .find(|(place, offset)| roles.classify(function, place, *offset) == Role::Target)
        .map(|(place, _)| place.join("."))
}

fn call_path(call: &CallSite) -> String {
    match &call.callee {
        Callee::Path(segments) => segments.join("::"),
        Callee::Macro(segments) => format!("{}!", segments.join("::")),
        Callee::Method(name) => format!(".{name}"),
    }
}

#[cfg(test)]
mod tests {
    use crate::options::OptionValue;
    use crate::testing::Expect;

    #[track_caller]
    fn expect(fixture: &str) {
        Expect::rule("PS401").findings(fixture);
    }

    #[test]
    fn usage_literal_billed_to_the_partner() {
        expect(
            r#"
//- src/partner/billing.rs
async fn add_seat(Extension(session): Extension<PartnerSession>, Path(tenant_id): Path<String>) {
    meter.record(UsageRecord { tenant_id: session.tenant_id.clone(), units: 1 });
//                                        ^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS401] `UsageRecord` bills `session.tenant_id`, the acting partner, as `tenant_id` in partner context (`partner::billing::add_seat`); bill the target tenant (`tenant_id`) instead
    let payer = session.tenant_id.clone();
    let line = InvoiceLine { billed_tenant_id: payer, amount: 5 };
//                                             ^^^^^ deny[PS401] `InvoiceLine` bills `payer`, the acting partner, as `billed_tenant_id` in partner context (`partner::billing::add_seat`); bill the target tenant (`tenant_id`) instead
    let event = MeteringEvent { customer_id: session.partner_id.clone(), units: 1 };
//                                           ^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS401] `MeteringEvent` bills `session.partner_id`, the acting partner, as `customer_id` in partner context (`partner::billing::add_seat`); bill the target tenant (`tenant_id`) instead
}
"#,
        );
    }

    #[test]
    fn constructor_calls_builders_and_helpers_reached_from_partner_context() {
        expect(
            r#"
//- src/usage.rs
pub struct UsageRecord { tenant_id: String, units: u32 }
impl UsageRecord {
    pub fn new(tenant_id: String, units: u32) -> Self { Self { tenant_id, units } }
}
pub fn record_usage(account_id: &str, units: u32) {}
//- src/api.rs
async fn provision(session: PartnerSession, Path(tenant_id): Path<String>) {
    let record = UsageRecord::new(session.tenant_id.clone(), 3);
//                                ^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS401] `UsageRecord::new` bills `session.tenant_id`, the acting partner, as `tenant_id` in partner context (`api::provision`); bill the target tenant (`tenant_id`) instead
    charge_for(&session).await;
    UsageRecord::builder().tenant_id(session.tenant_id.clone()).units(2).build();
//                                   ^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS401] `UsageRecord::builder` bills `session.tenant_id`, the acting partner, as `tenant_id` in partner context (`api::provision`); bill the target tenant (`tenant_id`) instead
    billing::charge(&session.tenant_id, 10);
//                  ^^^^^^^^^^^^^^^^^^ deny[PS401] `billing::charge` bills `session.tenant_id`, the acting partner, as `tenant_id` in partner context (`api::provision`); bill the target tenant (`tenant_id`) instead
}
async fn charge_for(session: &PartnerSession) {
    crate::usage::record_usage(&session.tenant_id, 1);
//                             ^^^^^^^^^^^^^^^^^^ deny[PS401] `crate::usage::record_usage` bills `session.tenant_id`, the acting partner, as `account_id` in partner context (`api::charge_for`); bill the target tenant (`tenant_id` in `api::provision`) instead
}
"#,
        );
    }

    #[test]
    fn usage_billed_to_the_target_tenant_is_fine() {
        expect(
            r#"
//- src/partner/billing.rs
async fn add_seat(Extension(session): Extension<PartnerSession>, Path(tenant_id): Path<String>, Path(customer_id): Path<String>) {
    let target = tenant_id.clone();
    meter.record(UsageRecord { tenant_id: target, units: 1, actor_tenant_id: session.tenant_id.clone() });
    let line = InvoiceLine { customer_id: customer_id.clone(), partner_account_id: session.partner_id.clone(), amount: 5 };
    billing::charge(&tenant_id, &session.tenant_id, 10);
}
"#,
        );
    }

    #[test]
    fn outside_partner_context_and_reads_are_not_flagged() {
        expect(
            r#"
//- src/usage.rs
async fn my_usage(user: CustomerSession) {
    meter.record(UsageRecord { tenant_id: user.tenant_id.clone(), units: 1 });
    billing::charge(&user.tenant_id, 10);
    let stats = UsageStats { tenant_id: user.tenant_id.clone(), total: 0 };
}
//- src/partner/reports.rs
async fn own_invoices(session: PartnerSession) {
    let invoices = billing::list_invoices(&session.tenant_id).await;
    let query = UsageQuery { tenant_id: session.tenant_id.clone() };
    let stats = UsageStats { tenant_id: session.tenant_id.clone(), total: 0 };
    let discharge = Discharge { tenant_id: session.tenant_id.clone() };
}
"#,
        );
    }

    #[test]
    fn a_partner_paying_for_itself_is_not_misattribution() {
        expect(
            r#"
//- src/partner/billing.rs
async fn buy_plan(Extension(session): Extension<PartnerSession>, Json(plan): Json<Plan>) {
    billing::charge(&session.tenant_id, plan.price);
    meter.record(UsageRecord { tenant_id: session.tenant_id.clone(), units: 1 });
}
async fn add_seat(Extension(session): Extension<PartnerSession>, Path(tenant_id): Path<String>) {
    let fee = PartnerInvoiceLine { account_id: session.partner_id.clone(), amount: 1 };
    bill_reseller(&session.tenant_id, 1);
    meter.record(UsageRecord { tenant_id: tenant_id.clone(), units: 1 });
}
"#,
        );
    }

    #[test]
    fn actor_values_through_lets_struct_fields_and_the_partner_context() {
        expect(
            r#"
//- src/model.rs
pub struct PartnerContext { pub partner_id: String, pub home_tenant_id: String, pub account_id: String }
pub struct Payer { pub account_id: String }
//- src/partner/billing.rs
async fn add_seat(Extension(ctx): Extension<PartnerContext>, Path(tenant_id): Path<String>) {
    let home = ctx.home_tenant_id.clone();
    let billed = home;
    meter.record(UsageRecord { tenant_id: billed, units: 1 });
//                                        ^^^^^^ deny[PS401] `UsageRecord` bills `billed`, the acting partner, as `tenant_id` in partner context (`partner::billing::add_seat`); bill the target tenant (`tenant_id`) instead
    let partner = &ctx;
    meter.record(UsageRecord { account_id: partner.partner_id.clone(), units: 1 });
//                                         ^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS401] `UsageRecord` bills `partner.partner_id`, the acting partner, as `account_id` in partner context (`partner::billing::add_seat`); bill the target tenant (`tenant_id`) instead
    let payer = Payer { account_id: ctx.account_id.clone() };
    meter.record(UsageRecord { account_id: payer.account_id.clone(), units: 1 });
//                                         ^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS401] `UsageRecord` bills `payer.account_id`, the acting partner, as `account_id` in partner context (`partner::billing::add_seat`); bill the target tenant (`tenant_id`) instead
    let account = ctx.account_id.as_str();
    billing::charge(UsageCharge { account_id: account.to_owned(), units: 2 });
//                                            ^^^^^^^^^^^^^^^^^^ deny[PS401] `UsageCharge` bills `account`, the acting partner, as `account_id` in partner context (`partner::billing::add_seat`); bill the target tenant (`tenant_id`) instead
}
"#,
        );
    }

    #[test]
    fn target_values_through_lets_and_struct_fields_are_fine() {
        expect(
            r#"
//- src/model.rs
pub struct PartnerContext { pub partner_id: String, pub home_tenant_id: String, pub account_id: String }
pub struct Payer { pub account_id: String }
//- src/partner/billing.rs
async fn add_seat(Extension(ctx): Extension<PartnerContext>, Path(tenant_id): Path<String>) {
    let billed = tenant_id.clone();
    meter.record(UsageRecord { tenant_id: billed, units: 1, actor_tenant_id: ctx.home_tenant_id.clone() });
    let payer = Payer { account_id: tenant_id.clone() };
    meter.record(UsageRecord { account_id: payer.account_id.clone(), units: 1 });
    let payer = Payer { account_id: ctx.account_id.clone() };
    let payer = Payer { account_id: tenant_id.clone() };
    meter.record(UsageRecord { account_id: payer.account_id.clone(), units: 1 });
}
"#,
        );
    }

    #[test]
    fn options_add_record_words_and_tenant_fields() {
        Expect::rule("PS401")
            .with_options(&[
                ("record_names", OptionValue::StringList(vec!["consumption".into()])),
                ("tenant_fields", OptionValue::StringList(vec!["payer".into()])),
                ("partner_words", OptionValue::StringList(vec!["agency".into()])),
            ])
            .findings(
                r#"
//- src/partner/x.rs
fn f(session: PartnerSession, target: TenantId) { let c = Consumption { payer: session.tenant_id, tenant_id: session.tenant_id }; let own = AgencyConsumption { payer: session.tenant_id }; }
//                                                                             ^^^^^^^^^^^^^^^^^ deny[PS401] `Consumption` bills `session.tenant_id`, the acting partner, as `payer` in partner context (`partner::x::f`); bill the target tenant (`target`) instead
"#,
            );
    }
}
