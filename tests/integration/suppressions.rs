use crate::common::*;

/// Lints `source` with a partner route after it that hands out every type these tests
/// declare, so that their secrets are deny findings (a partner can read them back).
fn lint(source: &str) -> (i32, Vec<String>) {
    let source = format!("{source}{PARTNER_ROUTE}");
    let dir = workspace(&[("src/lib.rs", &source)]);
    short(dir.path(), &[])
}

const PARTNER_ROUTE: &str =
    "pub async fn partner_view(ctx: PartnerContext) -> Json<(Settings, A, Export, Other)> { todo!() }\n";

#[test]
fn line_suppression_with_a_reason() {
    let (code, findings) = lint(
        "#[derive(Serialize)]\npub struct Settings {\n    // partner-safety: allow(PS104) reason: write-only in the API layer\n    pub api_key: String,\n    pub password: String, // partner-safety: allow(readable-secret) reason: hashed before storage\n}\n",
    );
    assert_eq!((code, findings), (0, vec![]));
}

#[test]
fn suppression_without_reason_suppresses_nothing_and_is_reported() {
    let (code, findings) = lint("#[derive(Serialize)]\npub struct Settings {\n    // partner-safety: allow(PS104)\n    pub api_key: String,\n}\n");
    assert_eq!(code, 1);
    assert_eq!(
        findings,
        [
            "src/lib.rs:3:5: deny[PS001 suppression-without-reason]: suppression without a reason suppresses nothing",
            "src/lib.rs:4:5: deny[PS104 readable-secret]: secret field `Settings.api_key` is serialized, and `Settings` is returned by `partner_view` in partner context: a partner can read the secret back",
        ]
    );
}

#[test]
fn unused_and_unknown_suppressions_are_reported() {
    let (code, findings) = lint(
        "// partner-safety: allow(PS104) reason: nothing here\npub fn f() {}\n// partner-safety: allow(PS999) reason: typo\npub fn g() {}\n",
    );
    assert_eq!(code, 0);
    assert_eq!(
        findings,
        [
            "src/lib.rs:1:26: warn[PS002 unused-suppression]: unused suppression: no PS104 finding here",
            "src/lib.rs:3:26: warn[PS002 unused-suppression]: suppression names unknown rule `PS999`",
        ]
    );
}

#[test]
fn item_level_suppression_covers_the_whole_item_with_its_attributes() {
    let source = "// partner-safety: allow(PS104, PS000) reason: internal admin export, never sent to partners\n#[derive(Debug, Serialize)]\npub struct Export {\n    pub api_key: String,\n    pub password: String,\n}\n\n#[derive(Serialize)]\npub struct Other {\n    pub token: String,\n}\n";
    let (_, findings) = lint(source);
    assert_eq!(
        findings,
        [
            "src/lib.rs:1:33: warn[PS002 unused-suppression]: unused suppression: no PS000 finding here",
            "src/lib.rs:10:5: deny[PS104 readable-secret]: secret field `Other.token` is serialized, and `Other` is returned by `partner_view` in partner context: a partner can read the secret back",
        ]
    );
}

#[test]
fn expired_suppression_is_reported_and_suppresses_nothing() {
    // The tests run with today = 2026-11-26.
    let (code, findings) = lint(
        "#[derive(Serialize)]\npub struct A {\n    // partner-safety: allow(PS104) until: 2026-11-25 reason: migrating\n    pub api_key: String,\n    // partner-safety: allow(PS104) until: 2026-11-26 reason: last day\n    pub password: String,\n}\n",
    );
    assert_eq!(code, 1);
    assert_eq!(
        findings,
        [
            "src/lib.rs:3:5: deny[PS004 expired-suppression]: suppression expired on 2026-11-25; it suppresses nothing",
            "src/lib.rs:4:5: deny[PS104 readable-secret]: secret field `A.api_key` is serialized, and `A` is returned by `partner_view` in partner context: a partner can read the secret back",
        ]
    );
}

#[test]
fn until_after_the_reason_expires_the_same_way() {
    // The tests run with today = 2026-11-26.
    let (code, findings) = lint(
        "#[derive(Serialize)]\npub struct A {\n    // partner-safety: allow(PS104) reason: migrating until: 2026-11-25\n    pub api_key: String,\n    // partner-safety: allow(PS104) reason: last day until: 2026-11-26\n    pub password: String,\n}\n",
    );
    assert_eq!(code, 1);
    assert_eq!(
        findings,
        [
            "src/lib.rs:3:5: deny[PS004 expired-suppression]: suppression expired on 2026-11-25; it suppresses nothing",
            "src/lib.rs:4:5: deny[PS104 readable-secret]: secret field `A.api_key` is serialized, and `A` is returned by `partner_view` in partner context: a partner can read the secret back",
        ]
    );
}

#[test]
fn a_suppression_between_attributes_covers_the_field() {
    let (code, findings) = lint(
        "#[derive(Serialize)]\npub struct Settings {\n    /// The provider's key.\n    #[serde(rename = \"key\")]\n    // partner-safety: allow(PS104) reason: write-only in the API layer\n    #[serde(default)]\n    pub api_key: String,\n    pub password: String,\n}\n",
    );
    assert_eq!(code, 1);
    assert_eq!(
        findings,
        ["src/lib.rs:8:5: deny[PS104 readable-secret]: secret field `Settings.password` is serialized, and `Settings` is returned by `partner_view` in partner context: a partner can read the secret back"]
    );
}

#[test]
fn malformed_suppression_is_reported() {
    let (_, findings) = lint("// partner-safety: alow(PS104) reason: typo\npub fn f() {}\n");
    assert_eq!(
        findings,
        ["src/lib.rs:1:1: deny[PS001 suppression-without-reason]: malformed suppression: expected `allow(CODE, …) reason: …`; it suppresses nothing"]
    );
}
