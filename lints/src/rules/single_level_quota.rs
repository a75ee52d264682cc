//! PS402 single-level-quota: provisioning in partner context that checks
//! only one of the two quota levels (the customer tenant's and the
//! partner's), or neither.

use crate::checklist::{ChecklistItem, Level};
use crate::diagnostic::{Diagnostic, FileId, Location};
use crate::index::{CallSite, Callee, FunctionDef};
use crate::model::actions::{Action, ActionKind, Found};
use crate::model::actors::Role;
use crate::model::callgraph::FnId;
use crate::model::name_patterns::Patterns;
use crate::names::words;
use crate::options::{OptionSpec, OptionValues};
use crate::rule::{Context, Rule, RuleMeta};
use crate::source::Span;

pub const META: RuleMeta = RuleMeta {
    code: "PS402",
    name: "single-level-quota",
    checklist_item: Some(ChecklistItem::QuotaInheritance),
    default_level: Level::Deny,
    summary: "Provisioning in partner context without both a tenant-level and a partner-level quota check",
    docs: r#"## What it does
In partner context, flags a call that provisions a resource unless both a tenant-level
and a partner-level quota check run before it, and says which level is missing:
- a call to a workspace function named `create_*`, `provision_*`, `allocate_*`,
  `spawn_*` or `add_*` that creates nodes or rows: the function, or one it calls, runs a
  Cypher `CREATE`/`MERGE` of a node (not only of relationships) or an SQL `INSERT`;
- a Cypher `CREATE`/`MERGE` of a node (or an SQL `INSERT`) run directly in partner
  context, not through such a call.

A quota check is a call whose name has the word `quota` or `limit` (`quotas`, `limits`
too; a path's modules count, `quota::check(..)`, and for a method the receiver's name,
`self.quotas.check(..)`; a bare `.limit(n)` caps a query or iterator and is no check). It is
tenant-level when its name or an argument mentions the tenant (`check_tenant_quota(..)`,
`quota::check(&tenant_id)`, the target tenant of the shared model), partner-level when
its name or an argument mentions the partner (`check_partner_limit(..)`,
`quota::check(&session)`: the partner context value and its fields are the partner). A
combined check, `enforce_quotas(&tenant, &partner)`, is both.

A check counts as the shared model's "runs before" says: earlier in the same function in
the same or an enclosing block, unconditionally, its result not thrown away (`let _ =`,
`.ok()`); or inside a workspace function called that way; or earlier in every
partner-context caller before the call that leads here. A provisioning function that
runs the check itself at its top level checks for its callers.

Decisions where the catalogue is silent:
- One defect, one finding: a provisioning call is reported once, at the call, with the
  `CREATE` or `INSERT` in its callee as a label; nested provisioning calls and queries
  under a reported call are not reported again.
- Only resources count (R9): nodes of tenant data (a tenant-owned label of the shared
  model, or a `tenant_id` property) and SQL rows, the tenant's things: devices, sites,
  users, seats, projects. Records the service keeps about activity are not resources:
  a node label or SQL table with one of the `record_words` (`usage`, `billing`,
  `invoice`, `meter`, `metering`, `audit`, `event`, `log`, `session`, `token`, plural
  `s` included: `UsageEvent`, `audit_logs`, `public."billing_line_items"`), and a
  provisioning-named function (`create_usage_record`) that creates only such records.
- An SQL `INSERT` is read with its modifiers (`INSERT OR REPLACE INTO`, `INSERT IGNORE
  INTO`) and its table's last dotted segment, unquoted.
- A `CREATE` that only adds a relationship between nodes matched earlier
  (`MATCH (a), (b) CREATE (a)-[:MEMBER_OF]->(b)`) provisions nothing.
- `MERGE` of a node counts: it creates the node when it does not exist.
- A query run directly is reported at its node pattern; text kept in a `const` elsewhere
  is reported where the text is, with the partner-context call that runs it as a label.
- An SQL `INSERT` is text starting with `INSERT INTO` passed to a call or a query macro
  (`sqlx::query!`); the finding points into the text.
- A call to a function outside the workspace is not known to create anything and is
  not flagged; its name alone proves nothing.
- Outside partner context nothing is flagged: a customer provisioning in its own tenant
  meets only its own quota.

## Why is this bad?
Quotas are inherited: a partner's plan caps what it may provision across all its
customers, and each customer tenant has its own cap. Checking only the tenant lets a
partner exceed its own plan by spreading resources over customers; checking only the
partner lets one customer's resources grow past that customer's limit.

## Example
```rust
async fn add_seat(Extension(session): Extension<PartnerSession>, Path(tenant_id): Path<String>, graph: Graph) {
    quota::check_tenant_quota(&tenant_id).await?;
    graph.run(query("MATCH (t:Tenant {id: $tenant_id}) CREATE (:Seat)-[:OF]->(t)")).await?;
}
```

## Use instead
```rust
async fn add_seat(Extension(session): Extension<PartnerSession>, Path(tenant_id): Path<String>, graph: Graph) {
    quota::enforce_quotas(&tenant_id, &session.partner_id).await?;
    graph.run(query("MATCH (t:Tenant {id: $tenant_id}) CREATE (:Seat)-[:OF]->(t)")).await?;
}
```

## Options
- `provisioning_functions`: names (`*` wildcards) of workspace functions that provision.
- `quota_words`: words whose presence in a call's name makes it a quota check.
- `tenant_words`: words that make a quota check's name or argument mention the tenant.
- `partner_words`: words that make a quota check's name or argument mention the partner.
- `record_words`: words of node labels and SQL tables that hold records about activity;
  creating one is not provisioning.

## Checklist item
4. Quota Inheritance: Does the system correctly enforce both Tenant-level and Partner-level
quotas?

## Fix
Run both checks (or one combined check) before provisioning: the customer tenant's quota
and the partner's. No automatic fix: the quota API is the project's own.
"#,
    options: OPTIONS,
    build: Some(build),
};

/// Each option declared once: its key, default and doc, and the type it is read as.
mod option {
    use crate::options::{OptionKey, StringList};

    pub const PROVISIONING_FUNCTIONS: OptionKey<StringList> = OptionKey::strings(
        "provisioning_functions",
        &[
            "create_*",
            "provision_*",
            "allocate_*",
            "spawn_*",
            "add_*",
        ],
        "Names (`*` wildcards) of workspace functions that provision a resource when they create nodes or rows",
    );

    pub const QUOTA_WORDS: OptionKey<StringList> = OptionKey::strings(
        "quota_words",
        &["quota", "limit"],
        "Words (with a plural `s`) that make a call a quota check",
    );

    pub const TENANT_WORDS: OptionKey<StringList> = OptionKey::strings(
        "tenant_words",
        &["tenant", "customer"],
        "Words that make a quota check's name or argument mention the tenant",
    );

    pub const PARTNER_WORDS: OptionKey<StringList> = OptionKey::strings(
        "partner_words",
        &["partner", "reseller", "msp"],
        "Words that make a quota check's name or argument mention the partner",
    );

    pub const RECORD_WORDS: OptionKey<StringList> = OptionKey::strings(
        "record_words",
        &[
            "usage", "billing", "invoice", "meter", "metering", "audit", "event", "log",
            "session", "token",
        ],
        "Words (with a plural `s`) of node labels and SQL tables that hold records about activity, not resources: creating them is not provisioning",
    );
}

const OPTIONS: &[OptionSpec] = &[
    option::PROVISIONING_FUNCTIONS.spec(),
    option::QUOTA_WORDS.spec(),
    option::TENANT_WORDS.spec(),
    option::PARTNER_WORDS.spec(),
    option::RECORD_WORDS.spec(),
];

/// The two quota levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum QuotaLevel {
    Tenant,
    Partner,
}

impl QuotaLevel {
    fn name(self) -> &'static str {
        match self {
            QuotaLevel::Tenant => "tenant-level",
            QuotaLevel::Partner => "partner-level",
        }
    }
}

struct SingleLevelQuota {
    provisioning: Patterns,
    quota_words: Vec<String>,
    tenant_words: Vec<String>,
    partner_words: Vec<String>,
    record_words: Vec<String>,
}

fn lower(values: &[String]) -> Vec<String> {
    values.iter().map(|value| value.to_lowercase()).collect()
}

fn build(options: &OptionValues) -> Box<dyn Rule> {
    Box::new(SingleLevelQuota {
        provisioning: Patterns::new(options.get(&option::PROVISIONING_FUNCTIONS)),
        quota_words: lower(options.get(&option::QUOTA_WORDS)),
        tenant_words: lower(options.get(&option::TENANT_WORDS)),
        partner_words: lower(options.get(&option::PARTNER_WORDS)),
        record_words: lower(options.get(&option::RECORD_WORDS)),
    })
}

/// A provisioning point in a function: a provisioning call, or a write run
/// directly.
struct Point<'a> {
    /// Where the finding goes.
    location: Location,
    /// For text kept in another file: the call in this function that runs it.
    runs_here: Option<Span>,
    offset: u32,
    block: usize,
    /// For calls: the call index (its callees may check for it).
    call: Option<usize>,
    what: String,
    /// The write a call leads to, for a label.
    leads_to: Option<Found<'a>>,
}

impl Rule for SingleLevelQuota {
    fn check_file(&self, cx: &Context<'_>, file: FileId, out: &mut Vec<Diagnostic>) {
        let workspace = cx.workspace;
        for (index, function) in workspace.file(file).functions.iter().enumerate() {
            let id = FnId { file, index };
            if !cx.model.context.contains(id) {
                continue;
            }
            let mut points = Vec::new();
            for (call_index, call) in function.calls.iter().enumerate() {
                if let Some(found) = self.provisioning_call(cx, id, call_index, call) {
                    points.push(Point {
                        location: Location {
                            file,
                            span: call.span,
                        },
                        runs_here: None,
                        offset: call.span.start,
                        block: call.block,
                        call: Some(call_index),
                        what: format!("provisioning call `{}`", call_path(call)),
                        leads_to: Some(found),
                    });
                }
            }
            for action in cx
                .model
                .actions
                .of(id)
                .iter()
                .filter(|a| self.is_resource(a))
            {
                // A write that is the body of a provisioning call made here is that call's.
                if points.iter().any(|point| {
                    point.location.file == file
                        && point.location.span.start <= action.offset
                        && action.offset < point.location.span.end
                }) {
                    continue;
                }
                // Text kept elsewhere (a const, an included file) is reported
                // where it is, with the call that runs it as a label.
                let runs_here = (action.location.file != file).then_some(action.run);
                points.push(Point {
                    location: action.location,
                    runs_here,
                    offset: action.offset,
                    block: action.block,
                    call: None,
                    what: match &action.kind {
                        ActionKind::InsertRow { .. } => "SQL `INSERT`".to_string(),
                        _ => format!("query that {}", action.describe()),
                    },
                    leads_to: None,
                });
            }
            for point in points {
                if let Some(diagnostic) = self.check_point(cx, id, function, point) {
                    out.push(diagnostic);
                }
            }
        }
    }
}

impl SingleLevelQuota {
    /// For a call to a provisioning workspace function that creates nodes
    /// or rows: the first creation under it.
    fn provisioning_call<'m>(
        &self,
        cx: &Context<'m>,
        id: FnId,
        index: usize,
        call: &CallSite,
    ) -> Option<Found<'m>> {
        if matches!(call.callee, Callee::Macro(_)) || !self.provisioning.matches(call.name()) {
            return None;
        }
        cx.model
            .graph
            .callees(id, index)
            .iter()
            .find_map(|&callee| {
                cx.model
                    .actions
                    .first_under(cx.workspace, &cx.model.graph, callee, &|action| {
                        self.is_resource(action)
                    })
            })
    }

    /// A creation that provisions a resource (R9): a node or row of tenant data (a
    /// tenant-owned label, a `tenant_id`, or SQL), not a record about activity (usage,
    /// billing, audit, event, log) by its label's or table's words.
    fn is_resource(&self, action: &Action) -> bool {
        let name = match &action.kind {
            ActionKind::CreateNode { label } => label.as_deref(),
            ActionKind::InsertRow { table } => table.as_deref(),
            ActionKind::Delete { .. } => None,
        };
        let record = name.is_some_and(|name| {
            words(name).iter().any(|word| {
                let singular = word.strip_suffix('s').unwrap_or(word);
                self.record_words
                    .iter()
                    .any(|record| record == word || record == singular)
            })
        });
        action.creates() && action.tenant_data && !record
    }

    fn has_word(list: &[String], name_words: &[String]) -> bool {
        name_words.iter().any(|word| list.contains(word))
    }

    /// Which levels a call checks: `(tenant, partner)`.
    fn quota_levels(&self, cx: &Context<'_>, function: FnId, call: &CallSite) -> (bool, bool) {
        let is_quota_word = |word: &String| {
            self.quota_words
                .iter()
                .any(|stem| word == stem || word.strip_suffix('s') == Some(stem.as_str()))
        };
        // A path's modules name the check too: `quota::check(&tenant_id)`.
        let name_words: Vec<String> = match &call.callee {
            Callee::Path(segments) => segments.iter().flat_map(|segment| words(segment)).collect(),
            _ => words(call.name()),
        };
        let receiver_words = match (&call.callee, &call.receiver) {
            (Callee::Method(_), Some(receiver)) => receiver
                .place
                .as_ref()
                .and_then(|place| place.last())
                .map(|last| words(last))
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        // `.limit(10)` on a query builder or iterator caps results; it checks nothing.
        let builder_limit = matches!(&call.callee, Callee::Method(name) if name == "limit");
        if builder_limit || !name_words.iter().chain(&receiver_words).any(is_quota_word) {
            return (false, false);
        }
        let mut tenant = Self::has_word(&self.tenant_words, &name_words);
        let mut partner = Self::has_word(&self.partner_words, &name_words);
        let Some(def) = cx.workspace.get_function(function) else {
            return (tenant, partner);
        };
        let roles = cx.model.roles(cx.workspace);
        for arg in &call.args {
            let Some(place) = &arg.place else { continue };
            let place_words: Vec<String> =
                place.iter().flat_map(|segment| words(segment)).collect();
            let role = roles.classify(def, place, arg.span.start);
            if role == Role::Actor || Self::has_word(&self.partner_words, &place_words) {
                partner = true;
            } else if role == Role::Target || Self::has_word(&self.tenant_words, &place_words) {
                tenant = true;
            }
        }
        (tenant, partner)
    }

    fn checks_level(
        &self,
        cx: &Context<'_>,
        level: QuotaLevel,
        function: FnId,
        call: &CallSite,
    ) -> bool {
        let (tenant, partner) = self.quota_levels(cx, function, call);
        match level {
            QuotaLevel::Tenant => tenant,
            QuotaLevel::Partner => partner,
        }
    }

    fn check_point(
        &self,
        cx: &Context<'_>,
        id: FnId,
        function: &FunctionDef,
        point: Point<'_>,
    ) -> Option<Diagnostic> {
        let checks = cx.model.checks(cx.workspace);
        let mut missing = Vec::new();
        let mut present = None;
        for level in [QuotaLevel::Tenant, QuotaLevel::Partner] {
            let is_check = |at: FnId, call: &CallSite| self.checks_level(cx, level, at, call);
            if let Some(found) = checks.runs_before_in(id, point.offset, point.block, &is_check) {
                present = present.or(Some(found));
                continue;
            }
            let callees_check = point.call.is_some_and(|call| {
                let callees = cx.model.graph.callees(id, call);
                !callees.is_empty()
                    && callees
                        .iter()
                        .all(|&callee| checks.checks_on_entry_in(callee, &is_check))
            });
            if callees_check {
                continue;
            }
            // Reported at a provisioning call further up the chain instead.
            let chain = checks.unchecked_chain_in(id, &is_check);
            if self.provisioned_through(cx, &chain) {
                continue;
            }
            missing.push(level);
        }
        let first_missing = *missing.first()?;
        let levels = match missing.as_slice() {
            [one] => format!("a {} quota check", one.name()),
            _ => "tenant-level and partner-level quota checks".to_string(),
        };
        let chain = cx
            .model
            .unchecked_chain_text_in(cx.workspace, id, &|at, call| {
                self.checks_level(cx, first_missing, at, call)
            });
        let message = format!("{} runs without {levels} ({chain})", point.what);
        let at = |span| Location {
            file: id.file,
            span,
        };
        let mut diagnostic = Diagnostic::new(message, point.location)
            .with_primary_label(match missing.as_slice() {
                [QuotaLevel::Tenant] => "no tenant-level quota check before this",
                [QuotaLevel::Partner] => "no partner-level quota check before this",
                _ => "no quota check before this",
            })
            .with_help(
                "check both quota levels before provisioning: the customer tenant's and the partner's \
                 (`enforce_quotas(&tenant_id, &session.partner_id)?`, or one check per level)",
            );
        if let Some(span) = point.runs_here {
            diagnostic = diagnostic.with_label(at(span), "runs in partner context here");
        }
        if let Some(found) = point.leads_to {
            diagnostic = diagnostic.with_label(
                found.action.location,
                format!("{} here", found.action.describe()),
            );
        }
        if let Some(check) = present.filter(|check| check.function == id) {
            if let Some(call) = function.calls.get(check.call) {
                let level = if missing.contains(&QuotaLevel::Tenant) {
                    "partner-level"
                } else {
                    "tenant-level"
                };
                diagnostic = diagnostic
                    .with_label(at(call.span), format!("only a {level} check runs first"));
            }
        }
        Some(diagnostic)
    }

    /// Whether a partner-context chain (entry first) passes through a
    /// provisioning call: the finding belongs to that call.
    fn provisioned_through(&self, cx: &Context<'_>, chain: &[FnId]) -> bool {
        chain.windows(2).any(|pair| {
            let (caller, callee) = (pair[0], pair[1]);
            cx.model
                .graph
                .callers(callee)
                .iter()
                .filter(|(from, _)| *from == caller)
                .any(|&(_, call_index)| {
                    cx.workspace
                        .files
                        .get(caller.file)
                        .and_then(|facts| facts.functions.get(caller.index))
                        .and_then(|def| def.calls.get(call_index))
                        .is_some_and(|call| {
                            self.provisioning_call(cx, caller, call_index, call)
                                .is_some()
                        })
                })
        })
    }
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

    /// A fixture analysed with `STORE`.
    #[track_caller]
    fn expect(fixture: &str) {
        Expect::rule("PS402").with_files(&[STORE]).findings(fixture);
    }

    const STORE: (&str, &str) = (
        "src/store.rs",
        r#"
pub async fn create_user(g: &Graph, tenant_id: &str) {
    g.run(query("MATCH (t:Tenant {id: $tenant_id}) CREATE (u:User {id: $id})-[:BELONGS_TO]->(t)")).await;
}
pub async fn add_member(g: &Graph) {
    g.run(query("MATCH (u:User {id: $u}), (t:Team {id: $t}) MERGE (u)-[:MEMBER_OF]->(t)")).await;
}
pub async fn allocate_seat(pool: &Pool, tenant_id: &str) {
    sqlx::query("INSERT INTO seats (tenant_id) VALUES ($1)").bind(tenant_id).execute(pool).await;
}
"#,
    );

    #[test]
    fn provisioning_calls_name_the_missing_level() {
        expect(
            r#"
//- src/partner/users.rs
async fn invite(session: PartnerSession, Path(tenant_id): Path<String>, g: Graph) {
    quota::check_tenant_quota(&tenant_id).await?;
    crate::store::create_user(&g, &tenant_id).await;
//  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS402] provisioning call `crate::store::create_user` runs without a partner-level quota check (partner context: `partner::users::invite`)
}
async fn seat(session: PartnerSession, Path(tenant_id): Path<String>, pool: Pool) {
    check_limit(&session).await?;
    crate::store::allocate_seat(&pool, &tenant_id).await;
//  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS402] provisioning call `crate::store::allocate_seat` runs without a tenant-level quota check (partner context: `partner::users::seat`)
}
async fn bare(session: PartnerSession, Path(tenant_id): Path<String>, g: Graph) {
    crate::store::create_user(&g, &tenant_id).await;
//  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS402] provisioning call `crate::store::create_user` runs without tenant-level and partner-level quota checks (partner context: `partner::users::bare`)
}
"#,
        );
    }

    #[test]
    fn a_create_run_directly_in_partner_context() {
        expect(
            r#"
//- src/partner/users.rs
async fn onboard(ctx: PartnerContext, Path(tenant_id): Path<String>, g: Graph) {
    enforce_partner_quota(&ctx.partner_id).await?;
    g.run(query("MERGE (d:Device {serial: $serial, tenant_id: $tenant_id})")).await;
//                     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS402] query that creates `:Device` runs without a tenant-level quota check (partner context: `partner::users::onboard`)
    g.run(query("MATCH (a:Device {id: $a}), (b:Site {id: $b}) CREATE (a)-[:AT]->(b)")).await;
}
"#,
        );
    }

    #[test]
    fn an_sql_insert_run_directly_and_a_query_builder_limit() {
        expect(
            r#"
//- src/partner/users.rs
async fn seat(session: PartnerSession, Path(tenant_id): Path<String>, pool: Pool) {
    let rows = users.iter().limit(tenant_id.len());
    check_partner_quota(&session.partner_id)?;
    sqlx::query("INSERT INTO seats (tenant_id) VALUES ($1)").bind(&tenant_id).execute(&pool).await?;
//               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS402] SQL `INSERT` runs without a tenant-level quota check (partner context: `partner::users::seat`)
}
"#,
        );
    }

    #[test]
    fn a_create_kept_in_a_const_is_reported_where_the_text_is() {
        Expect::rule("PS402").findings(
            r#"
//- src/queries.rs
pub const NEW_DEVICE: &str = "CREATE (d:Device {serial: $serial, tenant_id: $tenant_id})";
//                                   ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS402] query that creates `:Device` runs without a partner-level quota check (partner context: `partner::devices::register`)
//- src/partner/devices.rs
use crate::queries::NEW_DEVICE;
async fn register(ctx: PartnerContext, Path(tenant_id): Path<String>, g: Graph) {
    check_tenant_quota(&tenant_id)?;
    g.run(query(NEW_DEVICE)).await;
}
"#,
        );
    }

    #[test]
    fn a_combined_check_counts_as_both_levels() {
        expect(
            r#"
//- src/partner/users.rs
async fn invite(session: PartnerSession, Path(tenant_id): Path<String>, g: Graph) {
    quota::enforce_quotas(&tenant_id, &session.partner_id).await?;
    crate::store::create_user(&g, &tenant_id).await;
}
async fn seat(session: PartnerSession, Path(tenant_id): Path<String>, pool: Pool) {
    self.quotas.check(&tenant, &partner)?;
    crate::store::allocate_seat(&pool, &tenant_id).await;
}
async fn site(session: PartnerSession, Path(tenant_id): Path<String>, g: Graph) {
    quota::check(&tenant_id)?;
    quota::check(&session)?;
    crate::store::create_user(&g, &tenant_id).await;
}
"#,
        );
    }

    #[test]
    fn checks_in_every_caller_or_in_the_callee_count() {
        expect(
            r#"
//- src/api.rs
async fn a(session: PartnerSession, Path(tenant_id): Path<String>, g: Graph) {
    check_tenant_quota(&tenant_id)?;
    check_partner_quota(&session)?;
    provision(&g, &tenant_id).await;
}
async fn b(session: PartnerSession, Path(tenant_id): Path<String>, g: Graph) {
    enforce_quotas(&tenant_id, &session).await?;
    provision(&g, &tenant_id).await;
}
async fn provision(g: &Graph, tenant_id: &str) {
    crate::store::create_user(g, tenant_id).await;
}
async fn c(session: PartnerSession, Path(tenant_id): Path<String>, g: Graph) {
    provision_checked(&g, &tenant_id, &session).await;
}
async fn provision_checked(g: &Graph, tenant_id: &str, session: &PartnerSession) {
    enforce_quotas(tenant_id, session).await?;
    crate::store::create_user(g, tenant_id).await;
}
"#,
        );
    }

    #[test]
    fn one_finding_per_defect_at_the_outermost_provisioning_call() {
        expect(
            r#"
//- src/api.rs
async fn a(session: PartnerSession, Path(tenant_id): Path<String>, g: Graph) {
    check_tenant_quota(&tenant_id)?;
    provision_tenant(&g, &tenant_id).await;
//  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS402] provisioning call `provision_tenant` runs without a partner-level quota check (partner context: `api::a`)
}
async fn b(session: PartnerSession, Path(tenant_id): Path<String>, g: Graph) {
    enforce_quotas(&tenant_id, &session).await?;
    provision_tenant(&g, &tenant_id).await;
}
async fn provision_tenant(g: &Graph, tenant_id: &str) {
    crate::store::create_user(g, tenant_id).await;
    g.run(query("CREATE (s:Settings {tenant_id: $tenant_id})")).await;
}
"#,
        );
    }

    #[test]
    fn not_flagged_outside_partner_context_or_without_creation() {
        expect(
            r#"
//- src/api.rs
async fn own(user: CustomerSession, g: Graph, pool: Pool) {
    crate::store::create_user(&g, &user.tenant_id).await;
    g.run(query("CREATE (n:Note {id: $id})")).await;
}
async fn p(session: PartnerSession, g: Graph, client: Client) {
    g.run(query("CREATE (e:AuditEvent {actor: $partner_id, tenant_id: $tenant_id})")).await;
    g.run(query("MERGE (p:Partner {id: $partner_id}) SET p.seen = timestamp()")).await;
    crate::store::add_member(&g).await;
    client.create_ticket(&session).await;
    add_one(1);
    let _ = check_tenant_quota(&t);
}
fn add_one(x: u32) -> u32 { x + 1 }
"#,
        );
    }

    #[test]
    fn recording_usage_billing_audit_event_or_log_is_not_provisioning() {
        Expect::rule("PS402").findings(
            r#"
//- src/metering.rs
pub async fn create_usage_record(pool: &Pool, tenant_id: &str) {
    sqlx::query("INSERT INTO usage_records (tenant_id, units) VALUES ($1, $2)").bind(tenant_id).execute(pool).await;
}
pub async fn add_billing_line(pool: &Pool, tenant_id: &str) {
    sqlx::query!("insert into public.\"billing_line_items\" (tenant_id) values ($1)", tenant_id).execute(pool).await;
}
pub async fn create_audit_entry(g: &Graph, tenant_id: &str) {
    g.run(query("MATCH (t:Tenant {id: $tenant_id}) CREATE (a:AuditEntry {at: timestamp()})-[:ABOUT]->(t)")).await;
}
//- src/partner/devices.rs
async fn sync(session: PartnerSession, Path(tenant_id): Path<String>, pool: Pool, g: Graph) {
    crate::metering::create_usage_record(&pool, &tenant_id).await;
    crate::metering::add_billing_line(&pool, &tenant_id).await;
    crate::metering::create_audit_entry(&g, &tenant_id).await;
    sqlx::query("INSERT OR REPLACE INTO event_log (tenant_id, kind) VALUES (?, ?)").bind(&tenant_id).execute(&pool).await;
    sqlx::query("INSERT INTO `audit_logs` (tenant_id) VALUES (?)").bind(&tenant_id).execute(&pool).await;
    g.run(query("CREATE (e:UsageEvent {tenant_id: $tenant_id, units: $units})")).await;
    g.run(query("CREATE (b:BillingRecord {tenant_id: $tenant_id})")).await;
}
"#,
        );
    }

    #[test]
    fn creating_devices_sites_users_seats_or_projects_is_provisioning() {
        Expect::rule("PS402").findings(
            r#"
//- src/partner/devices.rs
async fn enroll(session: PartnerSession, Path(tenant_id): Path<String>, pool: Pool, g: Graph) {
    sqlx::query("INSERT INTO devices (tenant_id, serial) VALUES ($1, $2)").bind(&tenant_id).execute(&pool).await;
//               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS402] SQL `INSERT` runs without tenant-level and partner-level quota checks (partner context: `partner::devices::enroll`)
    sqlx::query("insert into tenant_seats (tenant_id) values ($1)").bind(&tenant_id).execute(&pool).await;
//               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS402] SQL `INSERT` runs without tenant-level and partner-level quota checks (partner context: `partner::devices::enroll`)
    sqlx::query("INSERT INTO \"projects\" (tenant_id) VALUES ($1)").bind(&tenant_id).execute(&pool).await;
//               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS402] SQL `INSERT` runs without tenant-level and partner-level quota checks (partner context: `partner::devices::enroll`)
    g.run(query("CREATE (s:Site {tenant_id: $tenant_id, name: $name})")).await;
//                      ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS402] query that creates `:Site` runs without tenant-level and partner-level quota checks (partner context: `partner::devices::enroll`)
    g.run(query("MATCH (t:Tenant {id: $tenant_id}) CREATE (u:User {id: $id})-[:BELONGS_TO]->(t)")).await;
//                                                        ^^^^^^^^^^^^^^^^^^ deny[PS402] query that creates `:User` runs without tenant-level and partner-level quota checks (partner context: `partner::devices::enroll`)
}
"#,
        );
    }

    #[test]
    fn a_discarded_or_conditional_check_does_not_count() {
        expect(
            r#"
//- src/partner/users.rs
async fn invite(session: PartnerSession, Path(tenant_id): Path<String>, g: Graph) {
    let _ = enforce_quotas(&tenant_id, &session);
    if big { check_partner_quota(&session)?; }
    check_tenant_quota(&tenant_id).ok();
    crate::store::create_user(&g, &tenant_id).await;
//  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS402] provisioning call `crate::store::create_user` runs without tenant-level and partner-level quota checks (partner context: `partner::users::invite`)
}
"#,
        );
    }

    #[test]
    fn options_change_names_and_words() {
        Expect::rule("PS402")
            .with_options(&[
                (
                    "provisioning_functions",
                    OptionValue::StringList(vec!["onboard_*".into()]),
                ),
                (
                    "quota_words",
                    OptionValue::StringList(vec!["capacity".into()]),
                ),
            ])
            .with_files(&[STORE])
            .findings(
                r#"
//- src/partner/x.rs
async fn h(session: PartnerSession, Path(tenant_id): Path<String>, g: Graph) {
    check_tenant_quota(&tenant_id)?;
    reserve_capacity(&tenant_id, &session)?;
    crate::store::create_user(&g, &tenant_id).await;
    onboard_user(&g).await;
}
async fn onboard_user(g: &Graph) {
    if x { g.run(query("CREATE (u:User {id: $id})")).await; }
}
"#,
            );
        Expect::rule("PS402")
            .with_options(&[(
                "provisioning_functions",
                OptionValue::StringList(vec!["onboard_*".into()]),
            )])
            .findings(
                r#"
//- src/partner/x.rs
async fn h(session: PartnerSession, g: Graph) {
    reserve_capacity(&tenant_id, &session)?;
    onboard_user(&g).await;
//  ^^^^^^^^^^^^^^^^ deny[PS402] provisioning call `onboard_user` runs without tenant-level and partner-level quota checks (partner context: `partner::x::h`)
}
async fn onboard_user(g: &Graph) { g.run(query("CREATE (u:User {id: $id, tenant_id: $t})")).await; }
"#,
            );
    }
}
