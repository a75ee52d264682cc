//! The second sample workspace, `fixtures/msp-console`: the same checklist written in
//! another style (repository traits behind `Arc<dyn …>`, `FromRequestParts` extractors,
//! route layers on a nested router, deadpool-redis, moka, `phf_map!`, thiserror with
//! anyhow, askama). One planted defect per rule, each next to a clean case that looks
//! like it; the run reports what the tool finds there today, finding for finding.

use crate::common::run;

#[test]
fn msp_console_run_finds_the_planted_defects_and_denies() {
    let output = run(&["fixtures/msp-console", "--format", "short"]);
    assert_eq!(output.code, 1);
    assert_eq!(
        output.stdout.lines().collect::<Vec<_>>(),
        [
            "console/src/msp/billing.rs:25:9: deny[PS401 cost-to-actor]: `MeterReading` bills `billed_tenant_id`, the acting partner, as `billed_tenant_id` in partner context (`msp::billing::enable_backups`); bill the target tenant (`tenant_id`) instead",
            "console/src/msp/dashboard.rs:18:57: deny[PS102 cache-key-missing-tenant]: cache key of redis `GET` does not include the target tenant's ID: `&key` (`format!(\"summary:{}\", claims.user_id)`); `claims.user_id` belongs to the acting partner, not the target tenant",
            "console/src/msp/devices.rs:28:48: deny[PS303 leaky-error]: response body shows `{e:#}`, the `anyhow` chain of the `map_err` error `e` of `state.repo.device_health(..)`, to the partner (partner context: `msp::devices::device_health`)",
            "console/src/msp/devices.rs:39:14: deny[PS502 unconfirmed-destructive-action]: destructive handler `wipe_devices` (routed for `DELETE`) accepts `body.confirm_tenant_name` but never compares it with the target tenant's name before acting (partner context: `msp::devices::wipe_devices`)",
            "console/src/msp/fleet.rs:13:22: deny[PS301 unthrottled-tenant-fanout]: `futures::future::try_join_all` runs a database query (`.run` in `GraphRepo::sync_licenses`) for every tenant of `tenants` at once, with no concurrency bound",
            "console/src/msp/pages.rs:20:12: warn[PS501 no-context-indicator]: template `TicketsPage` (`partner/tickets.html`) is rendered in partner \"acting as\" context (route `/msp/tenants/{tenant_id}/tickets/page`, handler `tickets_page`) but shows no context indicator in the page, its layout or what it includes",
            "console/src/msp/sites.rs:24:19: deny[PS402 single-level-quota]: provisioning call `.create_site` runs without a partner-level quota check (partner context: `msp::sites::add_site`)",
            "console/src/msp/sites.rs:75:5: deny[PS302 audit-actor-target]: `audit!` audit event has no `target_tenant_id` in partner context (`msp::sites::unlock_user`)",
            "console/src/msp/switcher.rs:24:5: deny[PS202 no-break-glass]: a partner-access check is cached for 28800 s, over the 60 s a revocation may wait",
            "console/src/roles.rs:10:45: deny[PS201 partner-role-overgrant]: partner role `partner-finance` is granted forbidden permission `\"billing:manage\"`",
            "console/src/views.rs:19:5: deny[PS103 unmasked-pii]: PII field `ContactView.email` reaches partner users unmasked: `ContactView` is returned by `msp::contacts::list_contacts` in partner context",
            "store/src/lib.rs:42:5: deny[PS104 readable-secret]: secret field `PsaConnection.api_key` is serialized, and `PsaConnection` is returned by `GraphRepo::psa_connection` in partner context: a partner can read the secret back",
            "store/src/lib.rs:71:16: deny[PS101 unscoped-tenant-query]: query reads tenant-owned `:Ticket` without scoping it to a tenant the partner manages (partner context: `msp::tickets::list_tickets` → `GraphRepo::tickets`)",
            "store/src/lib.rs:96:32: deny[PS203 broad-manages-grant]: `MANAGES` grant gives broad permissions `*`",
        ]
    );
    assert!(
        output
            .stderr
            .starts_with("14 findings (13 deny, 1 warn) in 27 files, parsed in "),
        "{}",
        output.stderr
    );
}
