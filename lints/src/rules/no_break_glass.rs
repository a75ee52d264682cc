//! PS202 no-break-glass: a customer cannot revoke a partner's access instantly.

use crate::checklist::{ChecklistItem, Level};
use crate::diagnostic::{Diagnostic, FileId, Location};
use crate::index::{CallSite, FunctionDef, Workspace};
use crate::model::caches;
use crate::model::callgraph::FnId;
use crate::names::Name;
use crate::options::{OptionDefault, OptionSpec, OptionValues};
use crate::rule::{Context, Rule, RuleMeta};
use crate::source::Span;

pub const META: RuleMeta = RuleMeta {
    code: "PS202",
    name: "no-break-glass",
    checklist_item: Some(ChecklistItem::BreakGlass),
    default_level: Level::Deny,
    summary: "`MANAGES` is granted but the customer cannot revoke it instantly",
    docs: r#"## What it does
A workspace rule. When the workspace creates `MANAGES` relationships, it must have a way
for the customer to revoke them: a query that deletes the relationship (`DELETE r` on a
`[r:MANAGES]`) or marks it revoked (`SET r.revoked_at = …`, `r.revoked = true`,
`r.active = false`), run from a function that is not in partner context (or that has a
caller outside partner context). Without one, every grant site is flagged.

It also flags caching the result of a partner-access check (the result of a guard call,
or of a workspace function that runs a `MANAGES` query) with a TTL above
`max_cache_ttl_secs` (default 60) or with no TTL, since a revocation would not take effect
until the entry expires. The finding is at the cache write, with a label where the TTL
is set.

Decisions where the catalogue is silent:
- Cache writes are the shared model's, as PS301 counts them: Redis write commands
  (`set`, `set_ex`, `setex`, `pset_ex`, … on a store handle such as `conn` or
  `state.redis`), and `insert`/`put`/`set` on a value named like a cache or a Redis
  connection (`cache`, `redis`, `conn`, `connection`), but not on a parameter typed as a
  standard collection.
  A TTL comes from the call (`set_ex(key, value, 30)`, `Duration::from_secs(30)`), from
  a later `expire(key, n)` in the same function, or, for `insert`/`put` on an in-memory
  cache, from a `time_to_live(…)`/`time_to_idle(…)` builder call in the same file. A TTL
  that is not a literal is not judged.
- A revoke that runs only in partner context does not count: the customer must hold the
  switch.

## Why is this bad?
When a partner is compromised or a contract ends, the customer must be able to cut the
partner off at once. Without a revoke path, access lasts until someone edits the graph by
hand; with a long-cached access check, it lasts until the cache expires.

## Example
```rust
// Only ever grants:
graph.run(query("MATCH (p:Partner {id: $p}), (t:Tenant {id: $t}) CREATE (p)-[:MANAGES {permissions: $perms}]->(t)")).await?;
// …and remembers access for a day:
let allowed = check_partner_access(&ctx, &tenant_id).await?;
redis.set_ex(key, allowed, 86_400).await?;
```

## Use instead
```rust
// A customer-side endpoint (not in partner context):
pub async fn revoke_partner(session: CustomerSession, partner_id: String) -> Result<()> {
    graph.run(query("MATCH (:Partner {id: $p})-[r:MANAGES]->(:Tenant {id: $t}) DELETE r")).await
}
// …and a short TTL:
redis.set_ex(key, allowed, 30).await?;
```

## Options
- `max_cache_ttl_secs`: the longest a partner-access check result may be cached.

## Checklist item
2. Break-Glass: Is there a mechanism for the Customer to revoke Partner access instantly?

## Fix
None automatic.
"#,
    options: OPTIONS,
    build: Some(build),
};

const OPTIONS: &[OptionSpec] = &[OptionSpec {
    key: "max_cache_ttl_secs",
    default: OptionDefault::Integer(60),
    doc: "The longest a cached partner-access check may live, in seconds",
}];

fn build(options: &OptionValues) -> Box<dyn Rule> {
    Box::new(NoBreakGlass {
        max_ttl: options.integer("max_cache_ttl_secs").unwrap_or(60),
    })
}

struct NoBreakGlass {
    max_ttl: i64,
}

const TTL_BUILDERS: &[&str] = &["time_to_live", "time_to_idle"];

impl Rule for NoBreakGlass {
    fn check_file(&self, cx: &Context<'_>, file: FileId, out: &mut Vec<Diagnostic>) {
        let model = cx.model;
        if !model.grants.is_empty() && !model.grants.customer_can_revoke {
            for grant in model.grants.in_file(&model.queries, file) {
                out.push(
                    Diagnostic::new(
                        "`MANAGES` is granted here, but no customer-side path revokes it: no query outside partner context deletes the relationship or sets `revoked_at`/`active = false`",
                        grant.query.location(grant.relationship.span.range()),
                    )
                    .with_primary_label("grant without a revoke")
                    .with_help(
                        "give the customer an endpoint (outside partner context) that runs \
                         `MATCH (:Partner {id: $partner_id})-[r:MANAGES]->(:Tenant {id: $tenant_id}) DELETE r`",
                    ),
                );
            }
        }
        for (index, def) in cx.workspace.file(file).functions.iter().enumerate() {
            self.check_cached_access(cx, FnId { file, index }, def, out);
        }
    }
}

impl NoBreakGlass {
    fn check_cached_access(
        &self,
        cx: &Context<'_>,
        function: FnId,
        def: &FunctionDef,
        out: &mut Vec<Diagnostic>,
    ) {
        let text = &cx.workspace.file(function.file).text;
        for call in &def.calls {
            if !caches::writes_to_store(def, call) {
                continue;
            }
            let (Some(key), Some(value)) = (call.args.first(), call.args.get(1)) else {
                continue;
            };
            let Some(check) =
                self.access_check_behind(cx, function, def, value.span, value.place.as_deref())
            else {
                continue;
            };
            let ttl = self.ttl(
                cx.workspace,
                function,
                def,
                call,
                call.name(),
                text.get(key.span.range()).unwrap_or(""),
            );
            let (message, ttl_at) = match ttl {
                Ttl::Seconds(seconds, _) if seconds <= self.max_ttl => continue,
                Ttl::NotLiteral => continue,
                Ttl::Seconds(seconds, at) => (format!("a partner-access check is cached for {seconds} s, over the {} s a revocation may wait", self.max_ttl), Some(at)),
                Ttl::None => ("a partner-access check is cached with no expiry, so a revocation would not take effect".to_string(), None),
            };
            let mut diagnostic = Diagnostic::new(message, Location { file: function.file, span: call.span })
                .with_primary_label("cached access check")
                .with_label(check, "the access check whose result is cached")
                .with_help(format!("cache the result for at most {} s, or not at all, so revoking `MANAGES` takes effect at once", self.max_ttl));
            if let Some(at) = ttl_at {
                diagnostic = diagnostic.with_label(at, "TTL set here");
            }
            out.push(diagnostic);
        }
    }

    /// Where the cached value comes from an access check: a guard call or a
    /// workspace function running a `MANAGES` query, directly or through a `let`.
    fn access_check_behind(
        &self,
        cx: &Context<'_>,
        function: FnId,
        def: &FunctionDef,
        span: Span,
        place: Option<&[Name]>,
    ) -> Option<Location> {
        let source = match place {
            Some([name]) => def
                .binding_before(name, span.start)
                .and_then(|binding| binding.init.as_ref())
                .map_or(span, |init| init.span),
            _ => span,
        };
        def.calls.iter().enumerate().find_map(|(index, call)| {
            let inside = source.start <= call.span.start && call.span.end <= source.end;
            let checks = cx.model.is_guard(call)
                || cx
                    .model
                    .graph
                    .callees(function, index)
                    .iter()
                    .any(|&callee| cx.model.grants.runs_manages_query(callee));
            (inside && checks).then_some(Location {
                file: function.file,
                span: call.span,
            })
        })
    }

    fn ttl(
        &self,
        workspace: &Workspace,
        function: FnId,
        def: &FunctionDef,
        call: &CallSite,
        method: &str,
        key_text: &str,
    ) -> Ttl {
        let text = &workspace.file(function.file).text;
        let at = |span: Span| Location {
            file: function.file,
            span,
        };
        if matches!(method, "set_ex" | "setex" | "pset_ex") {
            return match call.args.get(2) {
                Some(arg) => seconds_in(
                    text.get(arg.span.range()).unwrap_or(""),
                    method == "pset_ex",
                )
                .map_or(Ttl::NotLiteral, |s| Ttl::Seconds(s, at(arg.span))),
                None => Ttl::NotLiteral,
            };
        }
        if let Some(arg) = call.args.get(2) {
            // `insert_with_ttl`-style third argument or redis options.
            if let Some(seconds) = seconds_in(text.get(arg.span.range()).unwrap_or(""), false) {
                return Ttl::Seconds(seconds, at(arg.span));
            }
        }
        let expire = def.calls.iter().find(|later| {
            later.name() == "expire"
                && later.span.start > call.span.start
                && later
                    .args
                    .first()
                    .is_some_and(|k| text.get(k.span.range()) == Some(key_text))
        });
        if let Some(arg) = expire.and_then(|expire| expire.args.get(1)) {
            return seconds_in(text.get(arg.span.range()).unwrap_or(""), false)
                .map_or(Ttl::NotLiteral, |s| Ttl::Seconds(s, at(arg.span)));
        }
        if matches!(method, "insert" | "put") {
            // An in-memory cache's TTL is set where the cache is built.
            let builder = workspace
                .file(function.file)
                .functions
                .iter()
                .flat_map(|f| &f.calls)
                .find(|c| TTL_BUILDERS.contains(&c.name()));
            if let Some(arg) = builder.and_then(|b| b.args.first()) {
                return seconds_in(text.get(arg.span.range()).unwrap_or(""), false)
                    .map_or(Ttl::NotLiteral, |s| Ttl::Seconds(s, at(arg.span)));
            }
        }
        Ttl::None
    }
}

enum Ttl {
    Seconds(i64, Location),
    NotLiteral,
    None,
}

/// The number of seconds in `30`, `30u64`, `Duration::from_secs(30)`,
/// `from_millis(30_000)`, `from_mins(2)`, `3600 * 24` (a product of literals).
fn seconds_in(text: &str, millis: bool) -> Option<i64> {
    let text = text.trim();
    let argument = |rest: &'_ str| rest.split(')').next().unwrap_or("").to_string();
    let (unit, inner) = if let Some((_, rest)) = text.split_once("from_secs(") {
        (1.0, argument(rest))
    } else if let Some((_, rest)) = text.split_once("from_millis(") {
        (0.001, argument(rest))
    } else if let Some((_, rest)) = text.split_once("from_mins(") {
        (60.0, argument(rest))
    } else if millis {
        (0.001, text.to_string())
    } else {
        (1.0, text.to_string())
    };
    let mut product: f64 = 1.0;
    for factor in inner.split('*') {
        // `86_400u64`: digits, separators, then an optional type suffix.
        let factor = factor.trim();
        let is_numeric = |c: char| c.is_ascii_digit() || c == '_' || c == '.';
        let split = factor
            .char_indices()
            .find(|(_, c)| !is_numeric(*c))
            .map_or(factor.len(), |(at, _)| at);
        let (number, suffix) = factor.split_at(split);
        let number: String = number.chars().filter(|c| *c != '_').collect();
        if number.is_empty()
            || !(suffix.is_empty() || suffix.chars().all(|c| c.is_ascii_alphanumeric()))
        {
            return None;
        }
        product *= number.parse::<f64>().ok()?;
    }
    Some((product * unit).ceil() as i64)
}

#[cfg(test)]
mod tests {
    use crate::testing::check;

    const GRANT: &str = r#"
pub async fn invite_partner(session: CustomerSession, g: Graph) {
    g.run(query("MATCH (p:Partner {id: $p}), (t:Tenant {id: $t}) CREATE (p)-[:MANAGES {permissions: ['users:read']}]->(t)")).await;
}
"#;

    #[test]
    fn grants_without_a_customer_side_revoke_are_flagged() {
        let findings = check("PS202", &[("src/customer.rs", GRANT)]);
        assert_eq!(
            findings,
            ["src/customer.rs:3:76: deny[PS202] `MANAGES` is granted here, but no customer-side path revokes it: no query outside partner context deletes the relationship or sets `revoked_at`/`active = false`"]
        );
    }

    #[test]
    fn a_customer_side_delete_or_revoked_at_is_a_revoke() {
        for revoke in [
            "MATCH (:Partner {id: $p})-[r:MANAGES]->(:Tenant {id: $t}) DELETE r",
            "MATCH (:Partner {id: $p})-[m:MANAGES]->(:Tenant {id: $t}) SET m.revoked_at = datetime()",
            "MATCH (:Partner {id: $p})-[m:MANAGES]->(:Tenant {id: $t}) SET m.active = false",
        ] {
            let customer = format!("{GRANT}\npub async fn revoke(session: CustomerSession, g: Graph) {{ g.run(query({revoke:?})).await; }}");
            assert_eq!(check("PS202", &[("src/customer.rs", &customer)]), Vec::<String>::new(), "{revoke}");
        }
    }

    #[test]
    fn a_revoke_only_partners_can_run_does_not_count() {
        let partner = "pub async fn leave(ctx: PartnerContext, g: Graph) { g.run(query(\"MATCH (:Partner {id: $p})-[r:MANAGES]->(:Tenant {id: $t}) DELETE r\")).await; }";
        let findings = check(
            "PS202",
            &[
                ("src/customer.rs", GRANT),
                ("src/partner/leave.rs", partner),
            ],
        );
        assert_eq!(findings.len(), 1, "{findings:?}");
        // Setting `active = true` re-enables; it revokes nothing.
        let reenable = format!(
            "{GRANT}\nfn f() {{ run(query(\"MATCH ()-[m:MANAGES]->() SET m.active = true\")); }}"
        );
        assert_eq!(check("PS202", &[("src/customer.rs", &reenable)]).len(), 1);
    }

    #[test]
    fn cached_access_checks_need_a_short_ttl() {
        let source = r#"
async fn long(ctx: PartnerContext, redis: Conn, t: String) {
    let allowed = check_partner_access(&ctx, &t).await?;
    redis.set_ex(format!("access:{t}"), allowed, 86_400).await?;
}
async fn short(ctx: PartnerContext, redis: Conn, t: String) {
    let allowed = check_partner_access(&ctx, &t).await?;
    redis.set_ex(format!("access:{t}"), allowed, 30).await?;
}
async fn forever(ctx: PartnerContext, mut conn: Conn, t: String) {
    conn.set(&t, ensure_manages(&ctx, &t).await.is_ok()).await?;
}
async fn expired(ctx: PartnerContext, mut conn: Conn, t: String) {
    let ok = manages_lookup(&ctx, &t).await;
    conn.set(&t, ok).await?;
    conn.expire(&t, 45).await?;
}
async fn manages_lookup(ctx: &PartnerContext, t: &str) -> bool {
    run(query("MATCH (:Partner {id: $p})-[:MANAGES]->(:Tenant {id: $t}) RETURN count(*) > 0")).await
}
async fn not_an_access_check(redis: Conn, name: String) { redis.set_ex("name", name, 86_400).await; }
"#;
        let findings = check("PS202", &[("src/access.rs", source)]);
        assert_eq!(
            findings,
            [
                "src/access.rs:4:5: deny[PS202] a partner-access check is cached for 86400 s, over the 60 s a revocation may wait",
                "src/access.rs:11:5: deny[PS202] a partner-access check is cached with no expiry, so a revocation would not take effect",
            ]
        );
    }

    #[test]
    fn in_memory_caches_take_the_builders_ttl() {
        let source = r#"
fn build() -> Cache<String, bool> { Cache::builder().time_to_live(Duration::from_secs(300)).build() }
async fn cached(ctx: PartnerContext, access_cache: &Cache<String, bool>, t: String) {
    let allowed = ensure_manages(&ctx, &t).await.is_ok();
    access_cache.insert(t.clone(), allowed).await;
}
"#;
        let findings = check("PS202", &[("src/access.rs", source)]);
        assert_eq!(findings, ["src/access.rs:5:5: deny[PS202] a partner-access check is cached for 300 s, over the 60 s a revocation may wait"]);
    }

    #[test]
    fn seconds_in_ttl_expressions() {
        use super::seconds_in;
        assert_eq!(seconds_in("30", false), Some(30));
        assert_eq!(seconds_in("86_400u64", false), Some(86_400));
        assert_eq!(
            seconds_in("Duration::from_secs(3600 * 24)", false),
            Some(86_400)
        );
        assert_eq!(seconds_in("Duration::from_millis(1500)", false), Some(2));
        assert_eq!(seconds_in("Duration::from_mins(2)", false), Some(120));
        assert_eq!(
            seconds_in("Duration::from_secs(86_400).as_secs()", false),
            Some(86_400)
        );
        assert_eq!(seconds_in("ttl", false), None);
        assert_eq!(seconds_in("1é_", false), None);
    }
}
