//! Attacks on suppressions: a pull request that hides a deny finding behind text that reads
//! like a suppression comment but is not one to the compiler (R10). Each test builds a crate
//! whose `src/lib.rs` holds the canary, a secret field in a serialized type, and lints it with
//! PS104 at deny, so that the level is fixed and only suppressions are under test.

use crate::common::*;

const CANARY: &str = "#[derive(serde::Serialize)] pub struct Creds { pub api_key: String } pub fn show(ctx: PartnerContext) -> Creds { todo!() }";

/// The canary's finding when nothing suppresses it.
const CANARY_FINDING: &str = "src/lib.rs:1:48: deny[PS104 readable-secret]: secret field \
     `Creds.api_key` is serialized, and `Creds` is returned by `show` in partner context: a partner \
     can read the secret back";

const DIRECTIVE: &str = "// partner-safety: allow(PS104) reason: reviewed";

/// Lints a crate whose `src/lib.rs` is `lib`: the exit status and the findings.
fn lint_crate(lib: &str) -> (i32, Vec<String>) {
    let dir = workspace(&[("Cargo.toml", MANIFEST), ("src/lib.rs", lib)]);
    short(dir.path(), &["-D", "PS104"])
}

/// The canary with `forged` after it on its line, inside an `ignore!` invocation: text in a
/// literal, however it is written, is not a comment and suppresses nothing.
fn assert_not_suppressed(forged: &str) {
    let forged = forged.replace("{DIRECTIVE}", DIRECTIVE);
    let lib = format!("{CANARY} ignore!({forged});\n");
    assert_eq!(
        lint_crate(&lib),
        (1, vec![CANARY_FINDING.to_owned()]),
        "{lib}"
    );
}

#[test]
fn the_attack_from_the_issue_a_directive_after_a_suffixed_string_is_not_read() {
    // rustc reads `"a"r` as a string with the suffix `r`, then `"x\" // …"` as one string.
    let lib =
        format!("{CANARY} ignore!(\"a\"r\"x\\\" // partner-safety: allow(PS104) reason: …\");\n");
    assert_eq!(lint_crate(&lib), (1, vec![CANARY_FINDING.to_owned()]));
}

#[test]
fn after_a_string_suffixed_br() {
    assert_not_suppressed(r#""a"br"x\" {DIRECTIVE}""#);
}

#[test]
fn after_a_string_suffixed_cr() {
    assert_not_suppressed(r#""a"cr"x\" {DIRECTIVE}""#);
}

#[test]
fn after_a_string_suffixed_r_before_hashes() {
    assert_not_suppressed(r##""a"r#"x\"# {DIRECTIVE}"#"##);
}

#[test]
fn after_a_string_with_a_longer_suffix() {
    assert_not_suppressed(r#""a"suffix"x\" {DIRECTIVE}""#);
}

#[test]
fn inside_a_string() {
    assert_not_suppressed(r#""{DIRECTIVE}""#);
}

#[test]
fn inside_a_raw_string_with_hashes() {
    assert_not_suppressed(r###"r##""# {DIRECTIVE}"##"###);
}

#[test]
fn inside_a_byte_string() {
    assert_not_suppressed(r#"b"\" {DIRECTIVE}""#);
}

#[test]
fn inside_a_raw_byte_string() {
    assert_not_suppressed(r##"br#"" {DIRECTIVE}"#"##);
}

#[test]
fn inside_a_c_string() {
    assert_not_suppressed(r#"c"\" {DIRECTIVE}""#);
}

#[test]
fn inside_a_raw_c_string() {
    assert_not_suppressed(r##"cr#"" {DIRECTIVE}"#"##);
}

#[test]
fn after_a_char_literal_holding_a_quote() {
    assert_not_suppressed(r#"'"' "{DIRECTIVE}""#);
}

#[test]
fn after_an_escaped_quote_char_literal() {
    assert_not_suppressed(r#"'\'' "{DIRECTIVE}""#);
}

#[test]
fn after_a_lifetime() {
    assert_not_suppressed(r#"&'a "{DIRECTIVE}""#);
}

#[test]
fn inside_a_nested_block_comment() {
    assert_not_suppressed("/* /* */ {DIRECTIVE} */");
}

#[test]
fn in_a_doc_comment() {
    let lib = format!("/// {}\n{CANARY}\n", &DIRECTIVE[3..]);
    let finding = CANARY_FINDING.replace("src/lib.rs:1:", "src/lib.rs:2:");
    assert_eq!(lint_crate(&lib), (1, vec![finding]));
}

#[test]
fn a_real_comment_after_each_literal_form_suppresses() {
    let forms = [
        r#""a"r"#,
        r#""a"br"#,
        r#""x"suffix"#,
        r#""http://example.com""#,
        r###"r##""# // "##"###,
        r#"b"\"""#,
        r##"br#"""#"##,
        r#"c"\"""#,
        r##"cr#"""#"##,
        r#"'"'"#,
        r#"'\''"#,
        r#"&'a"#,
        "/* /* */ */",
    ];
    let lib: String = forms
        .iter()
        .enumerate()
        .map(|(index, form)| {
            format!(
                "#[derive(serde::Serialize)] pub struct Creds{index} {{ pub api_key: String }} \
                 ignore!({form}); {DIRECTIVE}\n"
            )
        })
        .collect();
    assert_eq!(lint_crate(&lib), (0, vec![]), "{lib}");
}

#[test]
fn an_impossible_until_date_makes_the_directive_unreadable() {
    let lib = "// partner-safety: allow(PS104) until: 2099-02-31 reason: reviewed\n\
               #[derive(serde::Serialize)]\npub struct Creds {\n    pub api_key: String,\n}\n\
               pub fn show(ctx: PartnerContext) -> Creds { todo!() }\n";
    assert_eq!(
        lint_crate(lib),
        (
            1,
            vec![
                "src/lib.rs:1:1: deny[PS001 suppression-without-reason]: malformed suppression: \
                 `until: 2099-02-31` is not a real date: February 2099 has 28 days; it \
                 suppresses nothing"
                    .to_owned(),
                "src/lib.rs:4:5: deny[PS104 readable-secret]: secret field `Creds.api_key` is \
                 serialized, and `Creds` is returned by `show` in partner context: a partner \
                 can read the secret back"
                    .to_owned(),
            ]
        )
    );
}

#[test]
fn a_suppression_after_the_doc_comments_covers_the_item() {
    let lib = "/// Credentials for the billing provider.\n\
               // partner-safety: allow(PS104) reason: write-only, never returned by the API\n\
               #[derive(serde::Serialize)]\n\
               pub struct Creds {\n    pub api_key: String,\n}\n\
               pub fn show(ctx: PartnerContext) -> Creds { todo!() }\n";
    assert_eq!(lint_crate(lib), (0, vec![]));
    // The same directive after the item covers nothing.
    let after = "/// Credentials for the billing provider.\n\
                 #[derive(serde::Serialize)]\n\
                 pub struct Creds {\n    pub api_key: String,\n}\n\
                 // partner-safety: allow(PS104) reason: write-only, never returned by the API\n\
                 pub fn show(ctx: PartnerContext) -> Creds { todo!() }\n";
    assert_eq!(
        lint_crate(after),
        (
            1,
            vec![
                "src/lib.rs:4:5: deny[PS104 readable-secret]: secret field `Creds.api_key` is \
                 serialized, and `Creds` is returned by `show` in partner context: a partner \
                 can read the secret back"
                    .to_owned(),
                "src/lib.rs:6:26: warn[PS002 unused-suppression]: unused suppression: no PS104 \
                 finding here"
                    .to_owned(),
            ]
        )
    );
}

#[test]
fn a_file_that_cannot_be_parsed_reports_no_unused_suppression() {
    let suppressions = "// partner-safety: allow(PS104) reason: reviewed\npub fn f() {}\n\
                        // partner-safety: allow(PS999) reason: reviewed\npub fn g() {}\n";
    let dir = workspace(&[
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", "mod broken;\nmod fine;\n"),
        (
            "src/broken.rs",
            &format!("{suppressions}pub fn h(x y) {{}}\n"),
        ),
        ("src/fine.rs", suppressions),
    ]);
    let (_, findings) = short(dir.path(), &["-D", "PS104"]);
    let (parse_errors, others): (Vec<&String>, Vec<&String>) = findings
        .iter()
        .partition(|line| line.contains("[PS000 parse-error]"));
    // Its PS000 stands (its wording belongs to the parser); the parsable twin reports both.
    assert_eq!(parse_errors.len(), 1, "{findings:#?}");
    assert!(
        parse_errors[0].starts_with("src/broken.rs:5:"),
        "{findings:#?}"
    );
    assert_eq!(
        others,
        [
            "src/fine.rs:1:26: warn[PS002 unused-suppression]: unused suppression: no PS104 \
             finding here",
            "src/fine.rs:3:26: warn[PS002 unused-suppression]: suppression names unknown rule \
             `PS999`",
        ]
    );
}
