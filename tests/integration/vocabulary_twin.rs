//! R3: a company with its own words for partner, tenant and manages gets the same analysis
//! from configuration alone. The twin is `fixtures/demo` with every word renamed
//! (`Partner` → `Agency`, `Tenant` → `Account`, `MANAGES` → `SERVES`, in code, queries,
//! templates, file and folder names) and a `partner-safety.toml` that says so; its
//! findings must be the demo's, renamed the same way, finding for finding.

use crate::common::{demo, run};
use std::path::Path;

/// The renaming, in the order it is applied. `partner-safety` (the tool's own name in
/// suppressions) is kept.
const RENAMES: &[(&str, &str)] = &[
    ("PARTNER", "AGENCY"),
    ("Partner", "Agency"),
    ("partner", "agency"),
    ("TENANT", "ACCOUNT"),
    ("Tenant", "Account"),
    ("tenant", "account"),
    ("MANAGES", "SERVES"),
    ("Manages", "Serves"),
    ("manages", "serves"),
];

fn renamed(text: &str) -> String {
    const KEEP: &str = "partner-safety";
    text.split(KEEP)
        .map(|piece| {
            RENAMES
                .iter()
                .fold(piece.to_string(), |text, (from, to)| text.replace(from, to))
        })
        .collect::<Vec<_>>()
        .join(KEEP)
}

fn copy_renamed(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    let mut entries: Vec<_> = std::fs::read_dir(from)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        // The cache a run of the demo writes (`cargo run --release -- fixtures/demo`, as the
        // README says) is no source of the workspace.
        if path.is_dir() && path.file_name().is_some_and(|name| name == "target") {
            continue;
        }
        let name = renamed(&path.file_name().unwrap().to_string_lossy());
        if path.is_dir() {
            copy_renamed(&path, &to.join(name));
        } else {
            let text = std::fs::read_to_string(&path).unwrap();
            std::fs::write(to.join(name), renamed(&text)).unwrap();
        }
    }
}

/// The twin's configuration: the graph's words, and every rule option whose default
/// names partners or tenants, in the twin's words.
const TWIN_CONFIG: &str = r#"
[model]
partner_labels = ["Agency"]
tenant_labels = ["Account"]
manages_relationships = ["SERVES"]
partner_context_types = ["Agency*Context", "Agency*Session", "Agency*Claims", "ActingAs*", "AgencyPrincipal", "AgencyUser"]
partner_paths = ["**/agency/**", "**/agencies/**", "**/agency_*.rs", "**/msp/**"]
guard_functions = ["ensure_serves", "authorize_agency*", "check_agency_access", "require_serves", "ensure_*serves*", "check_*serves*", "ensure_*agency_access*", "check_*agency_access*"]
tenant_id_types = ["AccountId"]

[rules.cache-key-missing-tenant]
tenant_names = ["account_id", "account"]

[rules.partner-role-overgrant]
partner_roles = ["agency-admin", "agency_admin", "AgencyAdmin", "Agency*"]
forbidden_permissions = ["DeleteRootAdmin", "DeleteAccount", "TransferOwnership", "ManageBilling", "ReadSecrets", "ImpersonateOwner"]

[rules.broad-manages-grant]
grant_types = ["*Serves*", "*Grant*"]

[rules.unthrottled-tenant-fanout]
tenant_collections = ["*accounts*", "*account_ids*"]
tenant_functions = ["all_accounts", "list_accounts", "managed_accounts", "accounts_of", "fetch_accounts", "load_accounts", "customers_of"]

[rules.cost-to-actor]
tenant_fields = ["account_id", "billed_account_id", "customer_id"]

[rules.single-level-quota]
tenant_words = ["account", "customer"]
partner_words = ["agency", "reseller", "msp"]

[rules.no-context-indicator]
indicators = ["ViewingAs", "ActingAs", "AccountContextBanner", "viewing_as", "Viewing as"]
partner_routes = ["/agency", "/agencies", "/msp"]
"#;

/// Findings in `--format short`, with the words renamed and columns left out (a renamed
/// word is shorter, so what follows it on the line moves).
fn comparable(stdout: &str) -> Vec<String> {
    let mut lines: Vec<String> = stdout
        .lines()
        .map(|line| {
            let line = renamed(line);
            let mut parts = line.splitn(4, ':');
            let (path, row, _column, rest) = (
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
            );
            format!("{path}:{row}:{rest}")
        })
        .collect();
    lines.sort();
    lines
}

#[test]
fn a_workspace_in_other_words_gets_the_same_findings_from_configuration_alone() {
    let twin = tempfile::tempdir().unwrap();
    copy_renamed(&demo(), twin.path());
    std::fs::write(twin.path().join("partner-safety.toml"), TWIN_CONFIG).unwrap();

    let original = run(&["fixtures/demo", "--format", "short", "-q"]);
    let renamed_run = run(&[twin.path().to_str().unwrap(), "--format", "short", "-q"]);
    assert_eq!(renamed_run.code, original.code, "{}", renamed_run.stderr);
    let expected = comparable(&original.stdout);
    assert_eq!(expected.len(), 24, "{}", original.stdout);
    assert_eq!(comparable(&renamed_run.stdout), expected);
}

#[test]
fn without_its_configuration_the_twin_is_not_analysed_as_a_partner_service() {
    // The words are what make the difference: the same twin with no configuration has
    // no partner context, so most partner findings are not reported. This keeps the test
    // above honest (the renaming really removes every default word).
    let twin = tempfile::tempdir().unwrap();
    copy_renamed(&demo(), twin.path());
    let output = run(&[twin.path().to_str().unwrap(), "--format", "short", "-q"]);
    let findings = comparable(&output.stdout);
    assert!(findings.len() < 24 / 2, "{}", output.stdout);
}
