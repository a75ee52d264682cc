//! Helpers for rule tests: run the engine over in-memory files and render
//! findings as one line each, `path:line:col: level[CODE] message`.

use crate::checklist::Level;
use crate::engine::{Engine, Settings};
use crate::index::{index_file, Workspace};
use crate::options::{OptionValue, OptionValues};
use crate::registry;
use crate::report::resolve;

/// The whole pipeline on one text, as the fuzzer and the robustness tests
/// drive it: index (as a partner-context file, as a `.cypher` file and as a
/// template loaded by a partner route), the model, every rule, suppressions
/// and report resolution.
pub fn run_pipeline(text: &str) -> usize {
    let files = vec![
        index_file("src/partner/input.rs".to_string(), text.into()),
        index_file("queries/input.cypher".to_string(), text.into()),
        index_file(
            "src/store.rs".to_string(),
            "pub fn run(q: &str) { graph.run(query(q)); }".into(),
        ),
        index_file("templates/input.html".to_string(), text.into()),
        index_file(
            "src/pages.rs".to_string(),
            "fn r() { Router::new().route(\"/partner/x\", get(page)); }\nfn page() { env.get_template(\"input.html\"); }".into(),
        ),
    ];
    let workspace = Workspace::new(files);
    let findings = Engine::new(Settings::default()).check(&workspace);
    resolve(&workspace, &findings).len()
}

/// A workspace indexed from in-memory files: `(path, text)` pairs.
pub fn workspace(files: &[(&str, &str)]) -> Workspace {
    Workspace::new(
        files
            .iter()
            .map(|(path, text)| index_file(path.to_string(), (*text).into()))
            .collect(),
    )
}

/// Runs only `code` (plus the tool diagnostics) with default options.
pub fn check(code: &str, files: &[(&str, &str)]) -> Vec<String> {
    check_with(code, &[], files)
}

/// Runs only `code` with some options set.
pub fn check_with(
    code: &str,
    options: &[(&'static str, OptionValue)],
    files: &[(&str, &str)],
) -> Vec<String> {
    render(&reported(code, options, files))
}

fn render(findings: &[crate::report::ReportedFinding]) -> Vec<String> {
    findings
        .iter()
        .map(|finding| {
            format!(
                "{}:{}:{}: {}[{}] {}",
                finding.region.path,
                finding.region.line,
                finding.region.column,
                finding.level.as_str(),
                finding.code,
                finding.message
            )
        })
        .collect()
}

/// As [`check_with_partner_model`], in a crate whose target roots are given: `src/lib.rs`
/// as a library, and each of `test_roots` as a test or bench target, so that what the
/// compiler builds only for tests is known from the module tree (R6).
pub fn check_crate_with_partner_model(
    code: &str,
    files: &[(&str, &str)],
    test_roots: &[&str],
) -> Vec<String> {
    use crate::index::modules::{resolve, TargetKind, TargetRoot};
    let mut all = files.to_vec();
    all.push(PARTNER_MODEL);
    let mut lib = String::new();
    if let Some((_, text)) = all.iter().find(|(path, _)| *path == "src/lib.rs") {
        lib.push_str(text);
    }
    // The partner model's file is a module of the library.
    lib.push_str("\nmod partner_model;\n");
    all.retain(|(path, _)| *path != "src/lib.rs");
    all.push(("src/lib.rs", &lib));
    let mut roots = vec![TargetRoot {
        path: "src/lib.rs".to_string(),
        kind: TargetKind::Production,
    }];
    roots.extend(test_roots.iter().map(|path| TargetRoot {
        path: path.to_string(),
        kind: TargetKind::Test,
    }));
    let workspace = crate::testing::workspace(&all);
    let tree = resolve(&workspace.files, &roots);
    let workspace = workspace.with_module_tree(tree);
    render(&reported_in(code, &[], &workspace))
}

/// Runs only `code` with some `[model]` options set (the vocabulary, context types, …).
pub fn check_with_model(
    code: &str,
    model: &[(&'static str, OptionValue)],
    files: &[(&str, &str)],
) -> Vec<String> {
    let meta = registry::lookup(code).expect("known code");
    let mut settings = Settings::default();
    for rule in registry::rules() {
        if rule.code != meta.code {
            settings.levels.insert(rule.code, Level::Allow);
        }
    }
    for (key, value) in model {
        // A misspelt key would set nothing the model reads, and the test would pass on defaults.
        assert!(
            crate::model::MODEL_OPTIONS
                .iter()
                .any(|spec| spec.key == *key),
            "[model] declares no option `{key}`"
        );
        settings.model.set(key, value.clone());
    }
    let workspace = crate::testing::workspace(files);
    let findings = Engine::new(settings).check(&workspace);
    render(&resolve(&workspace, &findings))
}

/// A file that gives a workspace a partner model (R6): one partner-context function.
pub const PARTNER_MODEL: (&str, &str) = (
    "src/partner_model.rs",
    "pub fn managed_tenants(ctx: PartnerContext) {}\n",
);

/// As [`check_with`], in a workspace that has a partner model besides `files`: for the
/// rules about partner access, which report nothing without one.
pub fn check_with_partner_model(
    code: &str,
    options: &[(&'static str, OptionValue)],
    files: &[(&str, &str)],
) -> Vec<String> {
    let mut all = files.to_vec();
    all.push(PARTNER_MODEL);
    check_with(code, options, &all)
}

/// Runs only `code` and renders each finding's fix as `path:line: applicability`
/// (`none` for a finding without one), to test when a fix may be applied unattended.
pub fn check_fixes(code: &str, files: &[(&str, &str)]) -> Vec<String> {
    reported(code, &[], files)
        .into_iter()
        .map(|finding| {
            let applicability = match &finding.fix {
                Some(fix) => format!("{:?}", fix.applicability),
                None => "none".to_string(),
            };
            format!(
                "{}:{}: {applicability}",
                finding.region.path, finding.region.line
            )
        })
        .collect()
}

fn reported(
    code: &str,
    options: &[(&'static str, OptionValue)],
    files: &[(&str, &str)],
) -> Vec<crate::report::ReportedFinding> {
    reported_in(code, options, &crate::testing::workspace(files))
}

fn reported_in(
    code: &str,
    options: &[(&'static str, OptionValue)],
    workspace: &Workspace,
) -> Vec<crate::report::ReportedFinding> {
    let meta = registry::lookup(code).expect("known code");
    let mut settings = Settings::default();
    for rule in registry::rules() {
        if rule.code != meta.code {
            settings.levels.insert(rule.code, Level::Allow);
        }
    }
    let mut values = OptionValues::defaults(meta.options);
    for (key, value) in options {
        assert!(
            meta.options.iter().any(|spec| spec.key == *key),
            "{} declares no option `{key}`",
            meta.code
        );
        values.set(key, value.clone());
    }
    settings.options.insert(meta.code, values);
    let findings = Engine::new(settings).check(workspace);
    resolve(workspace, &findings)
}
