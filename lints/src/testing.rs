//! Helpers for rule tests: run the engine over in-memory files and render
//! findings as one line each, `path:line:col: level[CODE] message`.

use crate::engine::{Engine, Settings};
use crate::index::{index_file, Workspace};
use crate::options::{OptionValue, OptionValues};
use crate::registry::{self, Level};
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
    reported(code, options, files)
        .into_iter()
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
    let meta = registry::lookup(code).expect("known code");
    let mut settings = Settings::default();
    for rule in registry::rules() {
        if rule.code != meta.code {
            settings.levels.insert(rule.code, Level::Allow);
        }
    }
    let mut values = OptionValues::defaults(meta.options);
    for (key, value) in options {
        values.set(key, value.clone());
    }
    settings.options.insert(meta.code, values);
    let workspace = crate::testing::workspace(files);
    let findings = Engine::new(settings).check(&workspace);
    resolve(&workspace, &findings)
}
