//! Helpers for rule tests: run the engine over in-memory files.
//!
//! # Inline expectations
//!
//! `Expect::rule(code)` (with the files, options and model a module's tests share) and
//! `expect_findings` with its variants, all built for tests only, take one fixture string
//! in which the expected findings are written under the code they point at:
//!
//! ```text
//! //- src/onboarding.rs
//! fn grant(g: Graph) {
//!     g.run(query("MATCH (p:Partner {id: $p}), (t:Tenant {id: $t}) CREATE (p)-[:MANAGES]->(t)"));
//!     //                                                                     ^^^^^^^^^^^^^ deny[PS203] `MANAGES` grant sets no explicit permissions, so the partner gets whatever "managing" means everywhere
//! }
//! //- queries/grant.cypher
//! CREATE (p:Partner)-[:MANAGES]->(t:Tenant)
//! //                ^^^^^^^^^^^^^ deny[PS203] `MANAGES` grant sets no explicit permissions, so the partner gets whatever "managing" means everywhere
//! ```
//!
//! - A line `//- path` starts a file; a fixture without one is the single file
//!   `src/lib.rs`, or the one given to `Expect::in_file`. Before the first header only
//!   blank lines may stand.
//! - An annotation line is `//` then carets: the first caret stands in the column of the
//!   finding on the closest code line above it in the same file (columns count
//!   characters from 1, as reported). The carets after the first are for the reader: the
//!   harness writes the width of the finding's span on that line, and checks only the
//!   start. A finding in column 1 or 2, where the `//` itself stands, is written
//!   `//@COL`. After the carets (or `//@COL`) comes `level[CODE] message`, exactly as
//!   reported. Several findings at one place are several annotation lines.
//! - Annotation lines are removed before indexing, in every kind of file (`.rs`,
//!   `.cypher`, `.html`, …): the analysed text is exactly the code lines, and the line
//!   numbers of findings count only those.
//! - Every reported finding must be annotated and every annotation reported. On a
//!   mismatch the test fails showing the fixture annotated with what was reported, and
//!   the missing and unexpected findings.
//! - With `UPDATE_EXPECT=1` a mismatch instead rewrites the fixture in the test's source
//!   file with the reported findings: the fixture must then be written as a raw string
//!   literal (`r#"…"#`) in the call, at or after the line of the call.
//!
//! The older helpers ([`check`], [`check_with`], …) render findings as one line each,
//! `path:line:col: level[CODE] message`, for tests that compare lists.

use crate::checklist::Level;
use crate::engine::{Engine, Settings};
use crate::index::{index_file, Workspace};
use crate::options::{OptionValue, OptionValues};
use crate::registry;
use crate::report::resolve;

/// The whole pipeline on one text, as the fuzzer and the robustness tests
/// drive it: index (as a partner-context file, as a `.cypher` file and as a
/// template loaded by a partner route), the model, every rule, suppressions
/// and report resolution; and the text alone, with the bodies no rule reads left
/// out and without, whose findings must be the same.
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
    // The same text in a workspace of its own, where bodies may be left out: the findings
    // must not change.
    let alone = Workspace::new(vec![index_file("src/input.rs".to_string(), text.into())]);
    checked_both_ways(Settings::default(), &alone);
    resolve(&workspace, &findings).len()
}

/// The engine's findings on `workspace` (suppressed ones dropped), checked against the run
/// the shell would make with only the bodies the rules need parsed: whenever that run may
/// stand (no file holds a partner signal, and its model has no partner model), its findings
/// must be the same, to the byte. Every rule test is so a test of the bodies each rule says
/// it needs.
///
/// Most fixtures have a partner model, so they are run a second time the same way with a
/// `[model]` vocabulary they never spell: the rules that read bodies outside partner context
/// then meet every fixture's bodies.
pub fn checked_both_ways(
    settings: Settings,
    workspace: &Workspace,
) -> Vec<crate::diagnostic::Finding> {
    let mut foreign = settings.clone();
    for (key, value) in [
        ("partner_context_types", "Zq9ForeignCtx"),
        ("partner_paths", "**/zq9foreign/**"),
        ("guard_functions", "zq9_foreign_guard"),
        ("manages_relationships", "ZQ9_FOREIGN"),
    ] {
        foreign
            .model
            .set(key, OptionValue::StringList(vec![value.to_string()]));
    }
    let foreign = Engine::new(foreign);
    compare_with_skeleton(&foreign, workspace, &foreign.run(workspace, None));
    let engine = Engine::new(settings);
    let full = engine.run(workspace, None);
    compare_with_skeleton(&engine, workspace, &full);
    let mut findings = full.findings;
    findings.retain(|finding| finding.suppressed.is_none());
    findings
}

fn compare_with_skeleton(engine: &Engine, workspace: &Workspace, full: &crate::engine::Checked) {
    if let Some(skeleton) = skeleton_run(engine, workspace) {
        let render = |findings: &[crate::diagnostic::Finding], workspace: &Workspace| {
            resolve(workspace, findings)
                .iter()
                .map(|finding| format!("{finding:?}"))
                .collect::<Vec<_>>()
        };
        // A file that parses in full parses with bodies left out; one that does not may
        // parse then, its syntax error inside a body left out (SECURITY.md): its findings
        // cannot be compared.
        for (full_file, skeleton_file) in workspace.files.iter().zip(&skeleton.0.files) {
            assert!(
                skeleton_file.problem.is_none() || full_file.problem.is_some(),
                "{} parses in full, not with bodies left out: {:?}",
                full_file.path,
                skeleton_file.problem
            );
        }
        if workspace.files.iter().any(|file| file.problem.is_some()) {
            return;
        }
        assert!(
            !full.partner_model,
            "the run that parses only needed bodies found no partner model, the full run did"
        );
        assert_eq!(
            render(&skeleton.1.findings, &skeleton.0),
            render(&full.findings, workspace),
            "the run that parses only the bodies the rules need differs from the full run"
        );
    }
}

/// The run over `workspace`'s files with only needed bodies parsed, when the shell would keep
/// it: `None` when a file holds a partner signal or that run's model has a partner model.
pub fn skeleton_run(
    engine: &Engine,
    workspace: &Workspace,
) -> Option<(Workspace, crate::engine::Checked)> {
    let needs = engine.bodies_needed_without_partner_model();
    if workspace
        .files
        .iter()
        .any(|file| needs.signal_in_file(&file.path, &file.text))
    {
        return None;
    }
    let files = workspace
        .files
        .iter()
        .map(|file| {
            crate::index::index_file_choosing(
                file.path.clone(),
                file.text.clone(),
                &|function, body, text| needs.needs(function, body, text),
            )
        })
        .collect();
    let mut skeleton = Workspace::new(files);
    skeleton.roles = workspace.roles.clone();
    skeleton.outside_links = workspace.outside_links.clone();
    let checked = engine.run(&skeleton, None);
    (!checked.needs_every_body).then_some((skeleton, checked))
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
    render(&reported_in_crate_with_partner_model(
        code, files, test_roots,
    ))
}

fn reported_in_crate_with_partner_model(
    code: &str,
    files: &[(&str, &str)],
    test_roots: &[&str],
) -> Vec<crate::report::ReportedFinding> {
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
    reported_in(code, &[], &workspace)
}

/// Runs only `code` with some `[model]` options set (the vocabulary, context types, …).
pub fn check_with_model(
    code: &str,
    model: &[(&'static str, OptionValue)],
    files: &[(&str, &str)],
) -> Vec<String> {
    render(&reported_with_model(code, model, files))
}

fn reported_with_model(
    code: &str,
    model: &[(&'static str, OptionValue)],
    files: &[(&str, &str)],
) -> Vec<crate::report::ReportedFinding> {
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
    let findings = checked_both_ways(settings, &workspace);
    resolve(&workspace, &findings)
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
    reported_configured(code, options, &[], workspace)
}

/// Only `code` runs, with `options` set on it and `model` on the shared model.
fn reported_configured(
    code: &str,
    options: &[(&'static str, OptionValue)],
    model: &[(&'static str, OptionValue)],
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
    for (key, value) in model {
        settings.model.set(key, value.clone());
    }
    let findings = checked_both_ways(settings, workspace);
    resolve(workspace, &findings)
}

/// One rule's inline-expectation test, configured step by step: the file a fixture
/// without headers is, files every fixture of a module shares, options.
///
/// ```ignore
/// fn expect(fixture: &str) { ... }  // #[track_caller], calling:
/// Expect::rule("PS402").in_file("src/partner/users.rs").with_files(&[STORE]).findings(fixture);
/// ```
#[cfg(test)]
pub struct Expect<'a> {
    code: &'static str,
    path: &'a str,
    files: Vec<(&'a str, &'a str)>,
    options: Vec<(&'static str, OptionValue)>,
    model: Vec<(&'static str, OptionValue)>,
}

#[cfg(test)]
impl<'a> Expect<'a> {
    pub fn rule(code: &'static str) -> Self {
        Expect {
            code,
            path: inline::DEFAULT_PATH,
            files: Vec::new(),
            options: Vec::new(),
            model: Vec::new(),
        }
    }

    /// The path of a fixture that has no `//- path` header.
    pub fn in_file(mut self, path: &'a str) -> Self {
        self.path = path;
        self
    }

    /// Files analysed with every fixture, whose findings are not expected.
    pub fn with_files(mut self, files: &[(&'a str, &'a str)]) -> Self {
        self.files.extend_from_slice(files);
        self
    }

    /// Adds [`PARTNER_MODEL`] to the files.
    pub fn with_partner_model(self) -> Self {
        self.with_files(&[PARTNER_MODEL])
    }

    pub fn with_options(mut self, options: &[(&'static str, OptionValue)]) -> Self {
        self.options.extend_from_slice(options);
        self
    }

    /// Options of the shared model (`[model]`).
    pub fn with_model(mut self, model: &[(&'static str, OptionValue)]) -> Self {
        self.model.extend_from_slice(model);
        self
    }

    /// Checks that the rule reports exactly the findings annotated in `fixture`.
    #[track_caller]
    pub fn findings(&self, fixture: &str) {
        let parsed = inline::Fixture::parse_in(fixture, self.path);
        let mut files = parsed.files();
        files.extend(self.files.iter().copied());
        let workspace = workspace(&files);
        let reported = reported_configured(self.code, &self.options, &self.model, &workspace);
        inline::compare(fixture, &parsed, &reported);
    }
}

/// Checks that `code` (with default options) reports exactly the findings annotated in
/// `fixture` (see the module docs).
#[cfg(test)]
#[track_caller]
pub fn expect_findings(code: &str, fixture: &str) {
    expect_findings_with(code, &[], fixture);
}

/// As [`expect_findings`], with some of the rule's options set.
#[cfg(test)]
#[track_caller]
pub fn expect_findings_with(code: &str, options: &[(&'static str, OptionValue)], fixture: &str) {
    let parsed = inline::Fixture::parse(fixture);
    let reported = reported(code, options, &parsed.files());
    inline::compare(fixture, &parsed, &reported);
}

/// As [`expect_findings_with`], in a workspace that also has [`PARTNER_MODEL`].
#[cfg(test)]
#[track_caller]
pub fn expect_findings_with_partner_model(
    code: &str,
    options: &[(&'static str, OptionValue)],
    fixture: &str,
) {
    let parsed = inline::Fixture::parse(fixture);
    let mut files = parsed.files();
    files.push(PARTNER_MODEL);
    let reported = reported(code, options, &files);
    inline::compare(fixture, &parsed, &reported);
}

/// As [`expect_findings`], with some `[model]` options set.
#[cfg(test)]
#[track_caller]
pub fn expect_findings_with_model(
    code: &str,
    model: &[(&'static str, OptionValue)],
    fixture: &str,
) {
    let parsed = inline::Fixture::parse(fixture);
    let reported = reported_with_model(code, model, &parsed.files());
    inline::compare(fixture, &parsed, &reported);
}

/// As [`check_crate_with_partner_model`]: the fixture's files in a crate whose library
/// root is `src/lib.rs` and whose test or bench roots are `test_roots`.
#[cfg(test)]
#[track_caller]
pub fn expect_findings_in_crate_with_partner_model(code: &str, test_roots: &[&str], fixture: &str) {
    let parsed = inline::Fixture::parse(fixture);
    let reported = reported_in_crate_with_partner_model(code, &parsed.files(), test_roots);
    inline::compare(fixture, &parsed, &reported);
}

/// Parsing fixtures, placing findings on their annotations, and rewriting a fixture in
/// its test's source file (`UPDATE_EXPECT=1`). Built for tests only: the lint pack reads
/// and writes no files.
#[cfg(test)]
mod inline {
    use crate::report::ReportedFinding;
    use std::fmt::Write as _;

    const HEADER: &str = "//- ";
    pub(super) const DEFAULT_PATH: &str = "src/lib.rs";
    /// Columns 1 and 2 are under the annotation's own `//`.
    const FIRST_CARET_COLUMN: u32 = 3;

    /// A fixture split into files, each line of code with the annotations under it.
    #[derive(Debug)]
    pub(super) struct Fixture {
        /// The blank lines before the first header, kept to write the fixture back.
        pub(super) preamble: String,
        pub(super) files: Vec<FixtureFile>,
    }

    #[derive(Debug)]
    pub(super) struct FixtureFile {
        pub(super) path: String,
        /// The `//- path` line as written; `None` for the implicit `src/lib.rs`.
        pub(super) header: Option<String>,
        pub(super) lines: Vec<CodeLine>,
    }

    #[derive(Debug)]
    pub(super) struct CodeLine {
        /// The line with its line break, if it has one.
        pub(super) text: String,
        pub(super) annotations: Vec<Annotation>,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub(super) struct Annotation {
        pub(super) column: u32,
        /// `level[CODE] message`.
        pub(super) body: String,
        /// The annotation line as written, with its line break.
        pub(super) written: String,
    }

    /// One finding placed in the fixture: file index, line (1-based), column, body.
    #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
    pub(super) struct Placed {
        pub(super) file: usize,
        pub(super) line: u32,
        pub(super) column: u32,
        pub(super) width: u32,
        pub(super) body: String,
    }

    impl Fixture {
        #[track_caller]
        pub(super) fn parse(fixture: &str) -> Fixture {
            Fixture::parse_in(fixture, DEFAULT_PATH)
        }

        /// As [`Fixture::parse`], a fixture without headers being the file `path`.
        #[track_caller]
        pub(super) fn parse_in(fixture: &str, path: &str) -> Fixture {
            match Fixture::try_parse_in(fixture, path) {
                Ok(parsed) => parsed,
                Err(error) => panic!("malformed fixture: {error}\n{fixture}"),
            }
        }

        pub(super) fn try_parse(fixture: &str) -> Result<Fixture, String> {
            Fixture::try_parse_in(fixture, DEFAULT_PATH)
        }

        fn try_parse_in(fixture: &str, default_path: &str) -> Result<Fixture, String> {
            let has_header = fixture
                .split_inclusive('\n')
                .any(|line| line.trim_start().starts_with(HEADER));
            let mut parsed = Fixture {
                preamble: String::new(),
                files: Vec::new(),
            };
            if !has_header {
                parsed.files.push(FixtureFile {
                    path: default_path.to_string(),
                    header: None,
                    lines: Vec::new(),
                });
            }
            for (index, line) in fixture.split_inclusive('\n').enumerate() {
                let trimmed = line.trim_start();
                if let Some(path) = trimmed.strip_prefix(HEADER) {
                    let path = path.trim();
                    if path.is_empty() {
                        return Err(format!("line {}: a file header without a path", index + 1));
                    }
                    if parsed.files.iter().any(|file| file.path == path) {
                        return Err(format!("line {}: `{path}` is given twice", index + 1));
                    }
                    parsed.files.push(FixtureFile {
                        path: path.to_string(),
                        header: Some(line.to_string()),
                        lines: Vec::new(),
                    });
                    continue;
                }
                let Some(file) = parsed.files.last_mut() else {
                    if !line.trim().is_empty() {
                        return Err(format!(
                            "line {}: text before the first `//- path` header",
                            index + 1
                        ));
                    }
                    parsed.preamble.push_str(line);
                    continue;
                };
                match parse_annotation(line) {
                    Some(Ok(annotation)) => match file.lines.last_mut() {
                        Some(code) => code.annotations.push(annotation),
                        None => {
                            return Err(format!(
                                "line {}: an annotation with no line of code above it in `{}`",
                                index + 1,
                                file.path
                            ))
                        }
                    },
                    Some(Err(error)) => return Err(format!("line {}: {error}", index + 1)),
                    None => file.lines.push(CodeLine {
                        text: line.to_string(),
                        annotations: Vec::new(),
                    }),
                }
            }
            Ok(parsed)
        }

        /// Each file's analysed text: its code lines, without annotations.
        pub(super) fn texts(&self) -> Vec<(String, String)> {
            self.files
                .iter()
                .map(|file| {
                    let text = file.lines.iter().map(|line| line.text.as_str()).collect();
                    (file.path.clone(), text)
                })
                .collect()
        }

        /// The files as the older helpers take them. The texts are leaked: a test
        /// process is short and fixtures are small.
        pub(super) fn files(&self) -> Vec<(&'static str, &'static str)> {
            self.texts()
                .into_iter()
                .map(|(path, text)| {
                    let path: &'static str = Box::leak(path.into_boxed_str());
                    let text: &'static str = Box::leak(text.into_boxed_str());
                    (path, text)
                })
                .collect()
        }

        pub(super) fn expected(&self) -> Vec<Placed> {
            let mut expected = Vec::new();
            for (file_index, file) in self.files.iter().enumerate() {
                for (line_index, line) in file.lines.iter().enumerate() {
                    for annotation in &line.annotations {
                        expected.push(Placed {
                            file: file_index,
                            line: line_number(line_index),
                            column: annotation.column,
                            width: 0,
                            body: annotation.body.clone(),
                        });
                    }
                }
            }
            expected
        }

        /// Places reported findings in the fixture; those outside every line of its
        /// files (in a file the helper added, past the end) are returned apart.
        pub(super) fn place(
            &self,
            reported: &[ReportedFinding],
        ) -> (Vec<Placed>, Vec<ReportedFinding>) {
            let mut placed = Vec::new();
            let mut outside = Vec::new();
            for finding in reported {
                let region = &finding.region;
                let file = self.files.iter().position(|file| file.path == region.path);
                let line = file.and_then(|file| {
                    let index = usize::try_from(region.line).ok()?.checked_sub(1)?;
                    self.files[file].lines.get(index)
                });
                match (file, line) {
                    (Some(file), Some(line)) if region.column >= 1 => {
                        let text = line.text.trim_end_matches(['\n', '\r']);
                        let line_chars = u32::try_from(text.chars().count()).unwrap_or(u32::MAX);
                        let end = if region.end_line == region.line {
                            region.end_column.min(line_chars + 1)
                        } else {
                            line_chars + 1
                        };
                        placed.push(Placed {
                            file,
                            line: region.line,
                            column: region.column,
                            width: end.saturating_sub(region.column).max(1),
                            body: body_of(finding),
                        });
                    }
                    _ => outside.push(finding.clone()),
                }
            }
            (placed, outside)
        }

        /// The fixture with `actual` as its annotations. An annotation that was already
        /// written for a finding is kept as written.
        pub(super) fn annotated(&self, actual: &[Placed]) -> String {
            let mut out = self.preamble.clone();
            for (file_index, file) in self.files.iter().enumerate() {
                if let Some(header) = &file.header {
                    out.push_str(header);
                }
                for (line_index, line) in file.lines.iter().enumerate() {
                    out.push_str(&line.text);
                    let mut unused: Vec<&Annotation> = line.annotations.iter().collect();
                    for finding in actual.iter().filter(|finding| {
                        finding.file == file_index && finding.line == line_number(line_index)
                    }) {
                        if !out.ends_with('\n') {
                            out.push('\n');
                        }
                        let written = unused.iter().position(|annotation| {
                            annotation.column == finding.column && annotation.body == finding.body
                        });
                        match written {
                            Some(index) => {
                                let annotation = unused.remove(index);
                                out.push_str(&annotation.written);
                                if !out.ends_with('\n') {
                                    out.push('\n');
                                }
                            }
                            None => {
                                out.push_str(&annotation_line(finding));
                                out.push('\n');
                            }
                        }
                    }
                }
            }
            // A fixture that did not end in a line break does not gain one.
            if !self.ends_with_line_break() && out.ends_with('\n') {
                out.pop();
            }
            out
        }

        fn ends_with_line_break(&self) -> bool {
            let last_text = self
                .files
                .iter()
                .rev()
                .find_map(|file| {
                    let last = file.lines.last()?;
                    Some(match last.annotations.last() {
                        Some(annotation) => annotation.written.as_str(),
                        None => last.text.as_str(),
                    })
                })
                .or_else(|| self.files.last()?.header.as_deref())
                .unwrap_or(&self.preamble);
            last_text.is_empty() || last_text.ends_with('\n')
        }
    }

    fn line_number(index: usize) -> u32 {
        u32::try_from(index + 1).unwrap_or(u32::MAX)
    }

    fn body_of(finding: &ReportedFinding) -> String {
        format!(
            "{}[{}] {}",
            finding.level.as_str(),
            finding.code,
            finding.message
        )
    }

    /// `//   ^^^^ body`, or `//@COL body` where a caret cannot reach.
    pub(super) fn annotation_line(finding: &Placed) -> String {
        if finding.column < FIRST_CARET_COLUMN {
            return format!("//@{} {}", finding.column, finding.body);
        }
        let padding = (finding.column - FIRST_CARET_COLUMN) as usize;
        format!(
            "//{}{} {}",
            " ".repeat(padding),
            "^".repeat(finding.width.max(1) as usize),
            finding.body
        )
    }

    /// `None` for a line that is not an annotation.
    fn parse_annotation(line: &str) -> Option<Result<Annotation, String>> {
        let indent = line.len() - line.trim_start().len();
        let rest = line[indent..].strip_prefix("//")?;
        let (column, body) = if let Some(explicit) = rest.strip_prefix('@') {
            let digits = explicit
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(explicit.len());
            let column = match explicit[..digits].parse::<u32>() {
                Ok(column) if column >= 1 => column,
                _ => return Some(Err("`//@` needs a column from 1".to_string())),
            };
            (column, &explicit[digits..])
        } else {
            let carets_at = rest.trim_start_matches(' ');
            if !carets_at.starts_with('^') {
                return None;
            }
            let caret_byte = line.len() - carets_at.len();
            let column = line[..caret_byte].chars().count() + 1;
            let column = u32::try_from(column).unwrap_or(u32::MAX);
            (column, carets_at.trim_start_matches('^'))
        };
        let body = body.trim();
        if body.is_empty() {
            return Some(Err(
                "an annotation without `level[CODE] message`".to_string()
            ));
        }
        Some(Ok(Annotation {
            column,
            body: body.to_string(),
            written: line.to_string(),
        }))
    }

    fn describe(fixture: &Fixture, findings: &[Placed]) -> String {
        let mut out = String::new();
        for finding in findings {
            let _ = writeln!(
                out,
                "  {}:{}:{}: {}",
                fixture.files[finding.file].path, finding.line, finding.column, finding.body
            );
        }
        out
    }

    /// Removes from `left` and `right` what they have in common; the width, which
    /// annotations do not state, is not compared.
    fn difference(expected: &[Placed], actual: &[Placed]) -> (Vec<Placed>, Vec<Placed>) {
        let key = |placed: &Placed| (placed.file, placed.line, placed.column, placed.body.clone());
        let mut missing: Vec<Placed> = expected.to_vec();
        let mut unexpected = Vec::new();
        for finding in actual {
            match missing
                .iter()
                .position(|wanted| key(wanted) == key(finding))
            {
                Some(index) => {
                    missing.remove(index);
                }
                None => unexpected.push(finding.clone()),
            }
        }
        (missing, unexpected)
    }

    #[track_caller]
    pub(super) fn compare(source: &str, fixture: &Fixture, reported: &[ReportedFinding]) {
        let update = std::env::var_os("UPDATE_EXPECT").is_some();
        compare_or_update(source, fixture, reported, update);
    }

    /// As [`compare`] for `code` with default options, never rewriting a file: for the
    /// harness's own tests of a failure.
    pub(super) fn compare_without_update(source: &str, code: &str) {
        let fixture = Fixture::parse(source);
        let reported = super::reported(code, &[], &fixture.files());
        compare_or_update(source, &fixture, &reported, false);
    }

    #[track_caller]
    fn compare_or_update(
        source: &str,
        fixture: &Fixture,
        reported: &[ReportedFinding],
        update: bool,
    ) {
        let (actual, outside) = fixture.place(reported);
        let (missing, unexpected) = difference(&fixture.expected(), &actual);
        if missing.is_empty() && unexpected.is_empty() && outside.is_empty() {
            return;
        }
        let annotated = fixture.annotated(&actual);
        let mut report = String::new();
        if outside.is_empty() && update {
            let caller = std::panic::Location::caller();
            match bless::update(caller.file(), caller.line(), source, &annotated) {
                Ok(()) => {
                    eprintln!("updated the fixture at {}:{}", caller.file(), caller.line());
                    return;
                }
                Err(error) => {
                    let _ = writeln!(
                        report,
                        "UPDATE_EXPECT could not rewrite the fixture: {error}\n"
                    );
                }
            }
        }
        let _ = writeln!(
            report,
            "the findings differ from the fixture's annotations (UPDATE_EXPECT=1 rewrites them)\n\
             --- the fixture annotated with the reported findings ---\n{annotated}\n---"
        );
        if !missing.is_empty() {
            let _ = write!(
                report,
                "missing (annotated, not reported):\n{}",
                describe(fixture, &missing)
            );
        }
        if !unexpected.is_empty() {
            let _ = write!(
                report,
                "unexpected (reported, not annotated):\n{}",
                describe(fixture, &unexpected)
            );
        }
        if !outside.is_empty() {
            let _ = writeln!(
                report,
                "reported outside the fixture's lines (cannot be annotated):"
            );
            for line in super::render(&outside) {
                let _ = writeln!(report, "  {line}");
            }
        }
        panic!("{report}");
    }

    /// Rewriting a fixture's raw string literal in a test's source file.
    pub(super) mod bless {
        use std::path::{Path, PathBuf};
        use std::str::FromStr;
        use std::sync::Mutex;

        /// Tests run on several threads; rewrites of one file must not interleave. The
        /// set holds the files already rewritten in this run, whose lines may have moved
        /// since the test binary was built.
        static REWRITTEN: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

        pub(in super::super) fn update(
            caller_file: &str,
            caller_line: u32,
            fixture: &str,
            annotated: &str,
        ) -> Result<(), String> {
            let path = source_path(caller_file)?;
            let mut rewritten = REWRITTEN
                .lock()
                .unwrap_or_else(|poison| poison.into_inner());
            let lines_moved = rewritten.contains(&path);
            let source = std::fs::read_to_string(&path)
                .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
            let updated = replace_fixture(&source, caller_line, lines_moved, fixture, annotated)
                .map_err(|error| format!("{}: {error}", path.display()))?;
            let temporary = path.with_extension("rs.update-expect");
            std::fs::write(&temporary, updated)
                .map_err(|error| format!("cannot write {}: {error}", temporary.display()))?;
            std::fs::rename(&temporary, &path).map_err(|error| {
                let _ = std::fs::remove_file(&temporary);
                format!("cannot replace {}: {error}", path.display())
            })?;
            if !lines_moved {
                rewritten.push(path);
            }
            Ok(())
        }

        /// `file!()` paths are relative to the workspace root, tests run in the crate's
        /// directory.
        fn source_path(caller_file: &str) -> Result<PathBuf, String> {
            let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
            let candidates = [
                Some(manifest.join(caller_file)),
                manifest.parent().map(|root| root.join(caller_file)),
            ];
            candidates
                .into_iter()
                .flatten()
                .find(|candidate| candidate.is_file())
                .ok_or_else(|| format!("cannot find the test's source file `{caller_file}`"))
        }

        /// `source` with the raw string literal holding exactly `fixture` replaced by one
        /// holding `annotated`. The literal is the only one in the file with that text,
        /// or else the first at or after `caller_line` (1-based) while the file's lines
        /// are still those the test was built from.
        pub(in super::super) fn replace_fixture(
            source: &str,
            caller_line: u32,
            lines_moved: bool,
            fixture: &str,
            annotated: &str,
        ) -> Result<String, String> {
            let tokens = proc_macro2::TokenStream::from_str(source)
                .map_err(|error| format!("cannot tokenize the source file: {error}"))?;
            let mut literals = Vec::new();
            raw_string_literals(tokens, &mut literals);
            let candidates: Vec<&RawLiteral> = literals
                .iter()
                .filter(|literal| literal.content == fixture)
                .collect();
            let chosen = match candidates.as_slice() {
                [] => {
                    return Err(format!(
                        "no raw string literal holds the fixture; write it as `r#\"…\"#` in the call at line {caller_line}"
                    ))
                }
                [only] => *only,
                several if !lines_moved => several
                    .iter()
                    .copied()
                    .find(|literal| literal.line >= caller_line as usize)
                    .ok_or_else(|| {
                        format!("no raw string literal with the fixture's text at or after line {caller_line}")
                    })?,
                _ => {
                    return Err(format!(
                        "several raw string literals hold the fixture and the file has already been rewritten in this run; rerun the test at line {caller_line} alone"
                    ))
                }
            };
            let hashes = needed_hashes(annotated).max(chosen.hashes);
            let fence = "#".repeat(hashes);
            let mut updated = String::with_capacity(source.len() + annotated.len());
            updated.push_str(&source[..chosen.range.start]);
            let _ = std::fmt::Write::write_fmt(
                &mut updated,
                format_args!("r{fence}\"{annotated}\"{fence}"),
            );
            updated.push_str(&source[chosen.range.end..]);
            Ok(updated)
        }

        #[derive(Debug)]
        struct RawLiteral {
            range: std::ops::Range<usize>,
            /// 1-based line of the literal's start.
            line: usize,
            hashes: usize,
            content: String,
        }

        fn raw_string_literals(tokens: proc_macro2::TokenStream, out: &mut Vec<RawLiteral>) {
            for token in tokens {
                match token {
                    proc_macro2::TokenTree::Group(group) => {
                        raw_string_literals(group.stream(), out)
                    }
                    proc_macro2::TokenTree::Literal(literal) => {
                        let text = literal.to_string();
                        let Some(fenced) = text.strip_prefix('r') else {
                            continue;
                        };
                        let hashes = fenced.len() - fenced.trim_start_matches('#').len();
                        let inner = &fenced[hashes..];
                        let closing_len = hashes + 1;
                        if !inner.starts_with('"') || inner.len() < 1 + closing_len {
                            continue;
                        }
                        let content = &inner[1..inner.len() - closing_len];
                        out.push(RawLiteral {
                            range: literal.span().byte_range(),
                            line: literal.span().start().line,
                            hashes,
                            content: content.to_string(),
                        });
                    }
                    _ => {}
                }
            }
        }

        /// The fewest `#` that fence `text`: one more than the longest run after a `"`.
        fn needed_hashes(text: &str) -> usize {
            text.match_indices('"')
                .map(|(at, _)| {
                    let after = &text[at + 1..];
                    after.len() - after.trim_start_matches('#').len() + 1
                })
                .max()
                .unwrap_or(0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::inline::bless::replace_fixture;
    use super::inline::{annotation_line, Fixture, Placed};
    use super::*;

    fn placed(file: usize, line: u32, column: u32, width: u32, body: &str) -> Placed {
        Placed {
            file,
            line,
            column,
            width,
            body: body.to_string(),
        }
    }

    #[test]
    fn annotations_are_stripped_and_point_at_the_code_line_above() {
        let fixture = Fixture::parse(
            "fn a() {\n    let x = 1;\n    //  ^ deny[PS101] one\n    //@2 warn[PS101] two\n}\n",
        );
        assert_eq!(
            fixture.texts(),
            [(
                "src/lib.rs".to_string(),
                "fn a() {\n    let x = 1;\n}\n".to_string()
            )]
        );
        assert_eq!(
            fixture.expected(),
            [
                placed(0, 2, 9, 0, "deny[PS101] one"),
                placed(0, 2, 2, 0, "warn[PS101] two"),
            ]
        );
    }

    #[test]
    fn headers_split_files_of_any_kind() {
        let fixture = Fixture::parse(
            "\n//- src/a.rs\nfn a() {}\n//^ deny[PS102] in a\n//- queries/q.cypher\nMATCH (n) RETURN n\n//@1 deny[PS102] in q\n//- templates/t.html\n<p>{{ x }}</p>\n",
        );
        assert_eq!(
            fixture.texts(),
            [
                ("src/a.rs".to_string(), "fn a() {}\n".to_string()),
                (
                    "queries/q.cypher".to_string(),
                    "MATCH (n) RETURN n\n".to_string()
                ),
                (
                    "templates/t.html".to_string(),
                    "<p>{{ x }}</p>\n".to_string()
                ),
            ]
        );
        assert_eq!(
            fixture.expected(),
            [
                placed(0, 1, 3, 0, "deny[PS102] in a"),
                placed(1, 1, 1, 0, "deny[PS102] in q"),
            ]
        );
    }

    #[test]
    fn malformed_fixtures_are_refused() {
        for (fixture, error) in [
            (
                "//^ deny[PS101] x\nfn a() {}\n",
                "line 1: an annotation with no line of code above it in `src/lib.rs`",
            ),
            (
                "fn a() {}\n//- src/a.rs\n",
                "line 1: text before the first `//- path` header",
            ),
            (
                "//- src/a.rs\n//- src/a.rs\n",
                "line 2: `src/a.rs` is given twice",
            ),
            (
                "fn a() {}\n//^^\n",
                "line 2: an annotation without `level[CODE] message`",
            ),
            (
                "fn a() {}\n//@0 deny[PS101] x\n",
                "line 2: `//@` needs a column from 1",
            ),
        ] {
            assert_eq!(Fixture::try_parse(fixture).unwrap_err(), error, "{fixture}");
        }
    }

    #[test]
    fn the_reannotated_fixture_keeps_matched_annotations_and_writes_new_ones() {
        let fixture = Fixture::parse(
            "\n//- src/a.rs\nfn a() { b(); }\n  //     ^^^ deny[PS101] kept as written\n//^ deny[PS101] not reported\n//- src/b.rs\nfn b() {}",
        );
        let actual = [
            placed(0, 1, 10, 3, "deny[PS101] kept as written"),
            placed(0, 1, 1, 2, "warn[PS101] at the start"),
            placed(1, 1, 4, 1, "deny[PS101] new"),
        ];
        assert_eq!(
            fixture.annotated(&actual),
            "\n//- src/a.rs\nfn a() { b(); }\n  //     ^^^ deny[PS101] kept as written\n//@1 warn[PS101] at the start\n//- src/b.rs\nfn b() {}\n// ^ deny[PS101] new"
        );
        assert_eq!(
            annotation_line(&placed(0, 1, 3, 4, "deny[PS1] m")),
            "//^^^^ deny[PS1] m"
        );
    }

    #[test]
    fn an_annotated_fixture_reads_back_as_the_findings_it_was_written_from() {
        let code = "fn a() {\n    call();\n}\n";
        let actual = [
            placed(0, 2, 5, 6, "deny[PS101] m"),
            placed(0, 2, 2, 1, "deny[PS101] n"),
        ];
        let annotated = Fixture::parse(code).annotated(&actual);
        assert_eq!(
            annotated,
            "fn a() {\n    call();\n//  ^^^^^^ deny[PS101] m\n//@2 deny[PS101] n\n}\n"
        );
        let reread = Fixture::parse(&annotated);
        assert_eq!(reread.texts()[0].1, code);
        let mut expected = reread.expected();
        for finding in &mut expected {
            finding.width = if finding.column == 5 { 6 } else { 1 };
        }
        assert_eq!(expected, actual);
        assert_eq!(reread.annotated(&actual), annotated);
    }

    /// The example of the module docs, kept true here.
    #[test]
    fn the_module_docs_example_holds() {
        expect_findings(
            "PS203",
            r#"
//- src/onboarding.rs
fn grant(g: Graph) {
    g.run(query("MATCH (p:Partner {id: $p}), (t:Tenant {id: $t}) CREATE (p)-[:MANAGES]->(t)"));
    //                                                                     ^^^^^^^^^^^^^ deny[PS203] `MANAGES` grant sets no explicit permissions, so the partner gets whatever "managing" means everywhere
}
//- queries/grant.cypher
CREATE (p:Partner)-[:MANAGES]->(t:Tenant)
//                ^^^^^^^^^^^^^ deny[PS203] `MANAGES` grant sets no explicit permissions, so the partner gets whatever "managing" means everywhere
"#,
        );
    }

    #[test]
    fn a_real_rule_is_checked_against_its_annotations() {
        expect_findings(
            "PS203",
            r#"
//- src/onboarding.rs
fn grant(g: Graph) { g.run(query("MATCH (p:Partner {id: $p}), (t:Tenant {id: $t}) CREATE (p)-[:MANAGES]->(t)")); }
//                                                                                          ^^^^^^^^^^^^^ deny[PS203] `MANAGES` grant sets no explicit permissions, so the partner gets whatever "managing" means everywhere
"#,
        );
    }

    #[test]
    fn a_mismatch_shows_the_fixture_with_the_reported_findings() {
        let failure = std::panic::catch_unwind(|| {
            inline::compare_without_update(
                "fn grant(g: Graph) { g.run(query(\"MATCH (p:Partner {id: $p}), (t:Tenant {id: $t}) CREATE (p)-[:MANAGES]->(t)\")); }\n//^ deny[PS203] wrong\n",
                "PS203",
            )
        })
        .unwrap_err();
        let message = failure.downcast_ref::<String>().expect("a formatted panic");
        assert!(message.contains("//                                                                                          ^^^^^^^^^^^^^ deny[PS203] `MANAGES` grant sets no explicit permissions"), "{message}");
        assert!(
            message.contains(
                "missing (annotated, not reported):\n  src/lib.rs:1:3: deny[PS203] wrong\n"
            ),
            "{message}"
        );
        assert!(message.contains("unexpected (reported, not annotated):\n  src/lib.rs:1:93: deny[PS203] `MANAGES` grant"), "{message}");
    }

    const SOURCE: &str = "#[test]\nfn one() {\n    expect_findings(\"PS101\", r#\"\nfn a() {}\n\"#);\n}\n#[test]\nfn two() {\n    expect_findings(\"PS101\", r\"\nfn a() {}\n\");\n    let s = \"r#\\\"\nfn a() {}\n\\\"#\"; // not a raw literal\n}\n";

    #[test]
    fn bless_replaces_the_fixture_after_the_callers_line() {
        let updated = replace_fixture(
            SOURCE,
            9,
            false,
            "\nfn a() {}\n",
            "\nfn a() {}\n//^ deny[PS101] \"quoted\"#\n",
        )
        .unwrap();
        assert_eq!(
            updated,
            SOURCE.replace(
                "r\"\nfn a() {}\n\"",
                "r##\"\nfn a() {}\n//^ deny[PS101] \"quoted\"#\n\"##"
            )
        );
        assert_eq!(updated.matches("r##").count(), 1);
        let first = replace_fixture(SOURCE, 3, false, "\nfn a() {}\n", "\nfn b() {}\n").unwrap();
        assert!(first.starts_with("#[test]\nfn one() {\n    expect_findings(\"PS101\", r#\"\nfn b() {}\n\"#);\n}\n#[test]\nfn two() {\n    expect_findings(\"PS101\", r\"\nfn a() {}\n\");"), "{first}");
    }

    #[test]
    fn bless_refuses_what_it_cannot_find_unambiguously() {
        assert_eq!(
            replace_fixture(SOURCE, 3, false, "fn other() {}", "x").unwrap_err(),
            "no raw string literal holds the fixture; write it as `r#\"…\"#` in the call at line 3"
        );
        assert_eq!(
            replace_fixture(SOURCE, 12, false, "\nfn a() {}\n", "x").unwrap_err(),
            "no raw string literal with the fixture's text at or after line 12"
        );
        assert!(replace_fixture(SOURCE, 3, true, "\nfn a() {}\n", "x")
            .unwrap_err()
            .starts_with("several raw string literals hold the fixture"));
        assert!(replace_fixture("fn a() { \"unclosed }", 1, false, "x", "y")
            .unwrap_err()
            .starts_with("cannot tokenize the source file"));
    }
}
