//! Runs the configured rules over an indexed workspace and turns their
//! diagnostics into findings: levels, tool diagnostics, suppressions, order.

use crate::checklist::Level;
use crate::cypher::{CypherError, CypherErrorKind};
use crate::diagnostic::{Diagnostic, FileId, Finding, Location};
use crate::index::{panic_message, ItemExtent, Workspace};
use crate::model::body_needs::BodyNeeds;
use crate::model::callgraph::FnId;
use crate::model::queries::Query;
use crate::model::Model;
use crate::options::OptionValues;
use crate::registry;
use crate::rule::{Context, Rule, RuleMeta};
use crate::source::Span;
use crate::suppression::Directive;
use crate::tool_codes;
use foldhash::{HashMap, HashMapExt as _};
use rayon::prelude::*;
use std::collections::BTreeMap;

/// The tool's own diagnostics. They share the code space with the rules.
/// Levels and options for every code, and today's date for expiring suppressions.
#[derive(Clone, Debug)]
pub struct Settings {
    pub levels: HashMap<&'static str, Level>,
    pub options: HashMap<&'static str, OptionValues>,
    /// The shared model's options (`[model]`).
    pub model: OptionValues,
    /// `YYYY-MM-DD`; `None` disables expiry checks.
    pub today: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            levels: registry::all()
                .iter()
                .map(|meta| (meta.code, meta.default_level))
                .collect(),
            options: registry::all()
                .iter()
                .map(|meta| (meta.code, OptionValues::defaults(meta.options)))
                .collect(),
            model: OptionValues::defaults(crate::model::MODEL_OPTIONS),
            today: None,
        }
    }
}

impl Settings {
    pub fn level(&self, code: &str) -> Level {
        self.levels.get(code).copied().unwrap_or(Level::Allow)
    }
}

struct ConfiguredRule {
    meta: &'static RuleMeta,
    level: Level,
    rule: Box<dyn Rule>,
}

pub struct Engine {
    rules: Vec<ConfiguredRule>,
    settings: Settings,
}

impl Engine {
    pub fn new(settings: Settings) -> Engine {
        let rules = registry::rules()
            .filter_map(|meta| {
                let level = settings.level(meta.code);
                let build = meta.build?;
                let defaults;
                let options = match settings.options.get(meta.code) {
                    Some(options) => options,
                    None => {
                        defaults = OptionValues::defaults(meta.options);
                        &defaults
                    }
                };
                (level != Level::Allow).then(|| ConfiguredRule {
                    meta,
                    level,
                    rule: build(options),
                })
            })
            .collect();
        Engine { rules, settings }
    }

    /// The function bodies this run must parse if the workspace has no partner model, and
    /// what in a file's path or text rules that out (see [`BodyNeeds`]): what the shared
    /// model reads of bodies outside partner context, and what each enabled rule declares.
    pub fn bodies_needed_without_partner_model(&self) -> BodyNeeds {
        let mut needs = BodyNeeds::default();
        crate::model::bodies_needed_without_partner_model(&self.settings.model, &mut needs);
        for configured in &self.rules {
            configured
                .rule
                .bodies_needed_without_partner_model(&mut needs);
        }
        needs.finish()
    }

    /// Every finding in the workspace, suppressions applied, allowed ones
    /// dropped, sorted by path, line, column and code.
    pub fn check(&self, workspace: &Workspace) -> Vec<Finding> {
        let mut findings = self.check_keeping_suppressed(workspace);
        findings.retain(|finding| finding.suppressed.is_none());
        findings
    }

    /// As [`Engine::check`], but findings silenced by a suppression comment
    /// stay in the list with `suppressed` set to its reason (for SARIF).
    pub fn check_keeping_suppressed(&self, workspace: &Workspace) -> Vec<Finding> {
        self.check_keeping_suppressed_with(workspace, None)
    }

    /// As [`Engine::check_keeping_suppressed`], with Cypher parse results kept between runs
    /// by the caller: the same findings, without parsing a query text parsed before.
    pub fn check_keeping_suppressed_with(
        &self,
        workspace: &Workspace,
        memo: Option<&dyn crate::cypher::ParseMemo>,
    ) -> Vec<Finding> {
        self.run(workspace, memo).findings
    }

    /// As [`Engine::check_keeping_suppressed_with`], also saying what the run found out
    /// about the workspace as a whole.
    pub fn run(
        &self,
        workspace: &Workspace,
        memo: Option<&dyn crate::cypher::ParseMemo>,
    ) -> Checked {
        let model = Model::build_with(workspace, &self.settings.model, memo);
        let cx = Context {
            workspace,
            model: &model,
        };
        let mut findings: Vec<Finding> = (0..workspace.files.len())
            .into_par_iter()
            .flat_map_iter(|file| self.check_file(&cx, file))
            .collect();
        // Test code is not reported by the checklist rules (R6), whatever a rule decided.
        findings.retain(|finding| {
            !is_checklist_code(finding.code)
                || !workspace.is_test_code(finding.primary.file, finding.primary.span.start)
        });
        findings.extend(self.file_problems(workspace));
        findings.extend(self.query_problems(workspace, &model));
        let mut findings = self.apply_suppressions(workspace, findings);
        findings.retain(|finding| finding.effective_level() != Level::Allow);
        sort_findings(workspace, &mut findings);
        // A const query run from several places, or a parse error in it, is one finding.
        findings.dedup_by(|a, b| {
            a.code == b.code
                && a.primary == b.primary
                && a.message == b.message
                && a.suppressed.is_some() == b.suppressed.is_some()
        });
        let needs_every_body = model.has_partner_model()
            || self
                .rules
                .iter()
                .any(|configured| configured.rule.needs_every_body(&cx));
        Checked {
            findings,
            partner_model: model.has_partner_model(),
            needs_every_body,
        }
    }

    fn check_file(&self, cx: &Context<'_>, file: FileId) -> Vec<Finding> {
        let facts = cx.workspace.file(file);
        if facts.problem.is_some() || facts.internal_error.is_some() {
            return Vec::new();
        }
        let mut findings = Vec::new();
        for configured in &self.rules {
            let mut diagnostics = Vec::new();
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                configured.rule.check_file(cx, file, &mut diagnostics);
            }));
            match outcome {
                Ok(()) => findings.extend(
                    diagnostics.into_iter().map(|diagnostic| finding(configured.meta, configured.level, diagnostic)),
                ),
                Err(payload) => findings.push(self.tool_finding(
                    &tool_codes::INTERNAL_ERROR,
                    Diagnostic::new(
                        format!(
                            "rule {} {} failed on this file: {}",
                            configured.meta.code,
                            configured.meta.name,
                            panic_message(payload.as_ref())
                        ),
                        Location { file, span: Span::default() },
                    )
                    .with_help("the other rules and files were analysed; please report this with the file"),
                )),
            }
        }
        findings
    }

    fn tool_finding(&self, meta: &'static RuleMeta, diagnostic: Diagnostic) -> Finding {
        // PS003 is never silenced: a failed analysis must always be visible.
        let level = if meta.code == tool_codes::INTERNAL_ERROR.code {
            Level::Deny
        } else {
            self.settings.level(meta.code)
        };
        finding(meta, level, diagnostic)
    }

    /// A query passed to a query call that the rules cannot judge (RULES.md R2): its text does
    /// not parse, uses syntax the analysis does not read, or is built at run time (named by
    /// the hole it fails at, rather than blaming the Cypher around it). In partner context a
    /// label chosen at run time is one too, as it hides whether the node is tenant data.
    ///
    /// One finding per place (a const run from several functions is one text), at the
    /// configured level when any of its calls runs in partner context, and at most a warning
    /// otherwise: a service without partners must not fail on a query the tool cannot read.
    fn query_problems(&self, workspace: &Workspace, model: &Model) -> Vec<Finding> {
        let mut by_place: BTreeMap<(FileId, u32, u32), (Diagnostic, Option<FnId>)> =
            BTreeMap::new();
        for query in &model.queries.queries {
            if !matches!(query.origin, crate::model::queries::Origin::Call { .. }) {
                continue;
            }
            // A query a test runs is test data (R6): it fails the test, not the gate.
            if query.function().is_some_and(|function| {
                workspace.files[function.file]
                    .functions
                    .get(function.index)
                    .is_some_and(|def| workspace.is_test_code(function.file, def.span.start))
            }) {
                continue;
            }
            let partner = query
                .function()
                .filter(|&function| model.context.contains(function));
            let Some(diagnostic) = query_problem(workspace, query, partner.is_some()) else {
                continue;
            };
            let place = (
                diagnostic.primary.file,
                diagnostic.primary.span.start,
                diagnostic.primary.span.end,
            );
            let entry = by_place.entry(place).or_insert((diagnostic, partner));
            entry.1 = entry.1.or(partner);
        }
        by_place
            .into_values()
            .map(|(diagnostic, partner)| {
                let diagnostic = match partner {
                    Some(function) => Diagnostic {
                        message: format!(
                            "{} ({})",
                            diagnostic.message,
                            model.chain_text(workspace, function)
                        ),
                        ..diagnostic
                    },
                    None => diagnostic.downgraded(),
                };
                self.tool_finding(&tool_codes::PARSE_ERROR, diagnostic)
            })
            .collect()
    }

    /// Files that could not be analysed, and modules loaded from outside the workspace. A
    /// stray file (reached from no target: test data, fixtures) that does not parse is no
    /// finding: such files are often invalid on purpose, and the compiler never sees them.
    fn file_problems(&self, workspace: &Workspace) -> Vec<Finding> {
        let mut findings = Vec::new();
        for outside in &workspace.outside_links {
            findings.push(
                self.tool_finding(
                    &tool_codes::PARSE_ERROR,
                    Diagnostic::new(
                        format!(
                            "this module is loaded from `{}`, outside the workspace root; it was not analysed",
                            outside.written.escape_debug()
                        ),
                        Location {
                            file: outside.file,
                            span: outside.span,
                        },
                    )
                    .with_help(
                        "partner-safety reads no file outside the folder it lints: lint the folder \
                         that holds both files, or move the module inside this one",
                    ),
                ),
            );
        }
        for (file, facts) in workspace.files.iter().enumerate() {
            if workspace.role(file) == crate::index::modules::FileRole::Stray {
                continue;
            }
            if let Some(problem) = &facts.problem {
                findings.push(
                    self.tool_finding(
                        &tool_codes::PARSE_ERROR,
                        Diagnostic::new(
                            problem.message.clone(),
                            Location {
                                file,
                                span: problem.span,
                            },
                        )
                        .with_help("this file was not analysed; the rest of the workspace was"),
                    ),
                );
            }
            if let Some(message) = &facts.internal_error {
                findings.push(
                    self.tool_finding(
                        &tool_codes::INTERNAL_ERROR,
                        Diagnostic::new(
                            format!("indexing failed on this file: {message}"),
                            Location {
                                file,
                                span: Span::default(),
                            },
                        )
                        .with_help(
                            "the other files were analysed; please report this with the file",
                        ),
                    ),
                );
            }
        }
        findings
    }

    fn apply_suppressions(&self, workspace: &Workspace, findings: Vec<Finding>) -> Vec<Finding> {
        let mut by_file: HashMap<FileId, Vec<Finding>> = HashMap::new();
        for finding in findings {
            by_file
                .entry(finding.primary.file)
                .or_default()
                .push(finding);
        }
        let mut kept = Vec::new();
        for (file, facts) in workspace.files.iter().enumerate() {
            let mut file_findings = by_file.remove(&file).unwrap_or_default();
            for directive in &facts.directives {
                kept.extend(self.apply_directive(workspace, file, directive, &mut file_findings));
            }
            kept.extend(file_findings);
        }
        kept.extend(by_file.into_values().flatten());
        kept
    }

    /// Applies one directive to the file's findings, marking those it
    /// suppresses with its reason; returns the findings about the directive itself.
    fn apply_directive(
        &self,
        workspace: &Workspace,
        file: FileId,
        directive: &Directive,
        findings: &mut [Finding],
    ) -> Vec<Finding> {
        let at = |span: Span| Location { file, span };
        let example = "// partner-safety: allow(PS104) reason: why this is safe";
        if let Some(problem) = &directive.malformed {
            return vec![self.tool_finding(
                &tool_codes::SUPPRESSION_WITHOUT_REASON,
                Diagnostic::new(
                    format!("malformed suppression: {problem}; it suppresses nothing"),
                    at(directive.span),
                )
                .with_help(format!("write it as `{example}`")),
            )];
        }
        let Some(reason) = &directive.reason else {
            return vec![self.tool_finding(
                &tool_codes::SUPPRESSION_WITHOUT_REASON,
                Diagnostic::new(
                    "suppression without a reason suppresses nothing",
                    at(directive.span),
                )
                .with_help(format!(
                    "say why the finding is safe to ignore: `{example}`"
                )),
            )];
        };
        if let (Some(until), Some(today)) = (&directive.until, &self.settings.today) {
            if until < today {
                return vec![self.tool_finding(
                    &tool_codes::EXPIRED_SUPPRESSION,
                    Diagnostic::new(format!("suppression expired on {until}; it suppresses nothing"), at(directive.span))
                        .with_help("fix the finding, or renew the suppression with a new `until:` date and reason"),
                )];
            }
        }
        let facts = workspace.file(file);
        let lines = covered_lines(facts, directive);
        // No rule looked at a file that was not analysed, so whether its suppressions are used
        // is unknown: it reports no PS002 at all (R2), not even for an unknown name, which
        // shows once the file is analysed. Its PS000 or PS003 says why.
        let analysed = facts.problem.is_none() && facts.internal_error.is_none();
        let mut reports = Vec::new();
        for (code_or_name, span) in &directive.codes {
            let Some(meta) = registry::lookup(code_or_name) else {
                if !analysed {
                    continue;
                }
                reports.push(
                    self.tool_finding(
                        &tool_codes::UNUSED_SUPPRESSION,
                        Diagnostic::new(
                            format!("suppression names unknown rule `{code_or_name}`"),
                            at(*span),
                        )
                        .with_help(
                            "run `cargo partner-safety rules` for the list of codes and names",
                        ),
                    ),
                );
                continue;
            };
            if meta.build.is_none() && meta.code != tool_codes::PARSE_ERROR.code {
                continue; // tool diagnostics about suppressions cannot be suppressed
            }
            let mut used = false;
            for finding in findings.iter_mut() {
                let line = facts.line_index.line_of(finding.primary.span.start);
                if finding.code == meta.code
                    && lines.contains(&line)
                    && finding.suppressed.is_none()
                {
                    used = true;
                    finding.suppressed = Some(reason.clone());
                }
            }
            if !used && analysed && self.settings.level(meta.code) != Level::Allow {
                reports.push(
                    self.tool_finding(
                        &tool_codes::UNUSED_SUPPRESSION,
                        Diagnostic::new(
                            format!("unused suppression: no {} finding here", meta.code),
                            at(*span),
                        )
                        .with_help("remove it, so it cannot hide a future finding"),
                    ),
                );
            }
        }
        reports
    }
}

/// Why the rules cannot judge `query`, if they cannot (see [`Engine::query_problems`]).
fn query_problem(workspace: &Workspace, query: &Query, partner: bool) -> Option<Diagnostic> {
    const SUPPRESS: &str = "suppress with `// partner-safety: allow(PS000) reason: …`";
    let facts = match &query.parsed {
        Ok(facts) => facts,
        Err(error) => return Some(unparsed_query(workspace, query, error)),
    };
    // Outside partner context no rule needs the label to be known.
    let node = facts
        .nodes
        .iter()
        .find(|node| node.dynamic_label)
        .filter(|_| partner)?;
    let written = query.text.text.get(node.span.range()).unwrap_or_default();
    let location = query.location(node.span.range());
    let hole = facts
        .template_holes
        .iter()
        .find(|hole| hole.overlaps(node.span))
        .map(|hole| {
            let text = query.text.text.get(hole.range()).unwrap_or_default();
            let argument = query.location(hole.range());
            describe_hole(
                text,
                workspace
                    .file(argument.file)
                    .text
                    .get(argument.span.range()),
            )
        });
    let chosen = match hole {
        Some(hole) => format!("is built at run time at {hole}"),
        None => "is chosen at run time".to_owned(),
    };
    Some(
        Diagnostic::new(
            format!(
                "Cypher query could not be analysed: the label of `{}` {chosen}, so whether \
                 the node is tenant data cannot be told",
                quoted(written)
            ),
            location,
        )
        .with_help(format!(
            "the query was not analysed: write the label in the query text (one query per \
             label, chosen in Rust), or {SUPPRESS}"
        )),
    )
}

/// A query whose text did not parse, or parsed to syntax the analysis does not read.
fn unparsed_query(workspace: &Workspace, query: &Query, error: &CypherError) -> Diagnostic {
    let location = query.location(error.span.range());
    match error.kind {
        CypherErrorKind::BuiltAtRunTime => {
            let hole = query.text.text.get(error.span.range()).unwrap_or_default();
            let written = workspace
                .file(location.file)
                .text
                .get(location.span.range());
            Diagnostic::new(
                format!(
                    "Cypher query could not be analysed: its text is built at run time at {}",
                    describe_hole(hole, written)
                ),
                location,
            )
            .with_help(
                "the query was not analysed: write what varies as parameters (`$name`; \
                 `SET n += $props` sets a map of properties) so the text is fixed, or \
                 suppress with `// partner-safety: allow(PS000) reason: …`",
            )
        }
        CypherErrorKind::Unsupported => Diagnostic::new(
            format!("Cypher query could not be analysed: {}", error.message),
            location,
        )
        .with_help(
            "the query was not analysed: write it without this construct, or suppress with \
             `// partner-safety: allow(PS000) reason: …`",
        ),
        CypherErrorKind::Syntax | CypherErrorKind::TooDeep | CypherErrorKind::Internal => {
            Diagnostic::new(
                format!("Cypher query could not be parsed: {}", error.message),
                location,
            )
            .with_help("the query was not analysed; the rest of the workspace was")
        }
    }
}

/// Query text for a message, on one line and cut short.
fn quoted(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > MAX_QUOTED_EXPRESSION {
        let cut: String = one_line.chars().take(MAX_QUOTED_EXPRESSION).collect();
        format!("{cut}…")
    } else {
        one_line
    }
}

/// Longest Rust expression a message quotes whole.
const MAX_QUOTED_EXPRESSION: usize = 60;

/// A `format!` hole for a message: "the `{}` filled from `set_clauses.join(", ")`" when the
/// source it maps to is an argument written apart from the hole, "the hole `{name}`" for an
/// inline capture (the hole is all there is), "a `format!` hole" when the hole's text is lost.
fn describe_hole(hole: &str, written: Option<&str>) -> String {
    if hole.is_empty() {
        return "a `format!` hole".to_owned();
    }
    let argument = written
        .map(|text| text.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|text| !text.is_empty() && text != hole);
    match argument {
        Some(argument) if argument.chars().count() > MAX_QUOTED_EXPRESSION => {
            let cut: String = argument.chars().take(MAX_QUOTED_EXPRESSION).collect();
            format!("the `{hole}` filled from `{cut}…`")
        }
        Some(argument) => format!("the `{hole}` filled from `{argument}`"),
        None => format!("the hole `{hole}`"),
    }
}

/// What one run of the engine found.
pub struct Checked {
    /// Every finding, suppressed ones marked, sorted.
    pub findings: Vec<Finding>,
    /// Whether the workspace has a partner model (R6): without one, the rules about
    /// partner access report nothing, and the shell says so.
    pub partner_model: bool,
    /// Whether what the run found needs every function body parsed, if some were left
    /// out (see [`BodyNeeds`]): the workspace has a partner model, or a rule follows calls or
    /// routes from what it found (a guard call, a partner route, a loop over tenants).
    pub needs_every_body: bool,
}

/// The checklist rules, PS101 to PS502 (the tool's own codes are PS0xx).
fn is_checklist_code(code: &str) -> bool {
    !code.starts_with("PS0")
}

fn finding(meta: &'static RuleMeta, level: Level, diagnostic: Diagnostic) -> Finding {
    Finding {
        code: meta.code,
        name: meta.name,
        checklist_item: meta.checklist_item,
        level,
        downgraded: diagnostic.downgraded,
        message: diagnostic.message,
        primary: diagnostic.primary,
        primary_label: diagnostic.primary_label,
        labels: diagnostic.labels,
        help: diagnostic.help,
        fix: diagnostic.fix,
        suppressed: None,
    }
}

/// The 0-based lines a directive covers. At the end of a line it covers that line; alone on
/// its line, the lines down to the construct that follows it (blank lines, comments and
/// attributes between included). Either way, an item (a field, a variant, an associated item)
/// that carries it among its leading doc comments and attributes is covered whole, attributes
/// included, wherever among them the directive stands.
fn covered_lines(
    facts: &crate::index::FileFacts,
    directive: &Directive,
) -> std::ops::RangeInclusive<usize> {
    let line_of = |offset: u32| facts.line_index.line_of(offset);
    let (mut first, mut last) = if directive.own_line {
        let next = directive.line + 1;
        let subject = directive.leads.map_or(next, |window| line_of(window.end));
        (next, subject.max(next))
    } else {
        (directive.line, directive.line)
    };
    if let Some(window) = directive.leads {
        for item in facts
            .items
            .iter()
            .filter(|item: &&ItemExtent| (window.start..=window.end).contains(&item.span.start))
        {
            first = first.min(line_of(item.span.start));
            last = last.max(line_of(item.span.end.saturating_sub(1)));
        }
    }
    first..=last
}

fn sort_findings(workspace: &Workspace, findings: &mut [Finding]) {
    findings.sort_by_cached_key(|finding| {
        let facts = workspace.file(finding.primary.file);
        let start = facts.line_col(finding.primary.span.start);
        (
            facts.path.clone(),
            start.line,
            start.column,
            finding.code,
            finding.message.clone(),
        )
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::index_file;
    use crate::report::resolve;

    struct PanicsOnFile(&'static str);

    impl Rule for PanicsOnFile {
        fn check_file(&self, cx: &Context<'_>, file: FileId, out: &mut Vec<Diagnostic>) {
            if cx.workspace.file(file).path == self.0 {
                panic!("index out of bounds");
            }
            out.push(Diagnostic::new(
                "checked",
                Location {
                    file,
                    span: Span::new(0, 2),
                },
            ));
        }
    }

    #[test]
    fn a_panicking_rule_is_reported_as_ps003_and_the_run_completes() {
        let meta = &crate::rules::readable_secret::META;
        let engine = Engine {
            rules: vec![ConfiguredRule {
                meta,
                level: Level::Deny,
                rule: Box::new(PanicsOnFile("src/b.rs")),
            }],
            settings: Settings::default(),
        };
        let workspace = Workspace::new(
            ["src/a.rs", "src/b.rs", "src/c.rs"]
                .iter()
                .map(|path| index_file(path.to_string(), "fn f() {}".into()))
                .collect(),
        );
        let reported: Vec<String> = resolve(&workspace, &engine.check(&workspace))
            .into_iter()
            .map(|f| {
                format!(
                    "{}:{} {} {}",
                    f.region.path, f.region.line, f.code, f.message
                )
            })
            .collect();
        assert_eq!(
            reported,
            [
                "src/a.rs:1 PS104 checked",
                "src/b.rs:1 PS003 rule PS104 readable-secret failed on this file: index out of bounds",
                "src/c.rs:1 PS104 checked",
            ]
        );
    }

    /// The tool's findings, every rule allowed: place, code, message, and help after `|`.
    fn tool_findings(files: &[(&str, &str)]) -> Vec<String> {
        let mut settings = Settings::default();
        for rule in registry::rules() {
            settings.levels.insert(rule.code, Level::Allow);
        }
        let workspace = crate::testing::workspace(files);
        resolve(&workspace, &Engine::new(settings).check(&workspace))
            .into_iter()
            .map(|f| {
                format!(
                    "{}:{}:{} {} {} | {}",
                    f.region.path,
                    f.region.line,
                    f.region.column,
                    f.code,
                    f.message,
                    f.help.unwrap_or_default()
                )
            })
            .collect()
    }

    #[test]
    fn schema_commands_are_not_reported_as_parse_errors() {
        let reported = tool_findings(&[(
            "src/migrate.rs",
            r#"
async fn migrate(graph: &Graph) {
    graph.run(query("CREATE VECTOR INDEX vector_index FOR (a:Indexed) ON (a.embedding) OPTIONS {indexConfig: {`vector.dimensions`: 1536}}")).await;
    graph.run(query("CREATE BTREE INDEX b FOR (n:Place) ON (n.x)")).await;
    graph.run(query("CREATE (i:Constraint {name: $name})")).await;
    graph.run(query("MATCH (n RETURN n")).await;
}
"#,
        )]);
        // Only the broken data query: indexes hold no tenant data, whatever their kind.
        assert_eq!(
            reported,
            [
                "src/migrate.rs:6:31 PS000 Cypher query could not be parsed: unexpected token \
              `RETURN`, expected `)` | the query was not analysed; the rest of the workspace was"
            ]
        );
    }

    #[test]
    fn a_query_built_at_run_time_is_reported_at_its_hole() {
        let reported = tool_findings(&[(
            "src/plans.rs",
            r#"
async fn update(graph: &Graph, set_clauses: Vec<String>) {
    graph.run(query(&format!("MATCH (p:Plan {{id: $id}}) SET {}", set_clauses.join(", ")))).await;
}
async fn rename(graph: &Graph, set_clause: String) {
    graph.run(query(&format!("MATCH (p:Plan {{id: $id}}) SET {set_clause} RETURN p"))).await;
}
async fn typo(graph: &Graph, label: &str) {
    graph.run(query(&format!("MATCH (n:{label}) RETRUN n"))).await;
}
async fn labelled(graph: &Graph, label: &str) {
    graph.run(query(&format!("MATCH (n:{} {{id: $id}}) RETURN n", label))).await;
}
"#,
        )]);
        let run_time_help = "the query was not analysed: write what varies as parameters \
            (`$name`; `SET n += $props` sets a map of properties) so the text is fixed, or \
            suppress with `// partner-safety: allow(PS000) reason: …`";
        assert_eq!(
            reported,
            [
                // At the argument the hole is filled from.
                format!(
                    "src/plans.rs:3:67 PS000 Cypher query could not be analysed: its text is \
                     built at run time at the `{{}}` filled from `set_clauses.join(\", \")` | \
                     {run_time_help}"
                ),
                format!(
                    "src/plans.rs:6:62 PS000 Cypher query could not be analysed: its text is \
                     built at run time at the hole `{{set_clause}}` | {run_time_help}"
                ),
                // A typo in the template's own text is still a syntax error, where it is.
                "src/plans.rs:9:49 PS000 Cypher query could not be parsed: unexpected token \
                 `RETRUN`, expected clause | the query was not analysed; the rest of the \
                 workspace was"
                    .to_owned(),
            ]
        );
    }

    #[test]
    fn unreadable_queries_deny_in_partner_context_and_warn_elsewhere() {
        let mut settings = Settings::default();
        for rule in registry::rules() {
            settings.levels.insert(rule.code, Level::Allow);
        }
        settings
            .levels
            .insert(tool_codes::PARSE_ERROR.code, Level::Deny);
        let files = [
            (
                "src/partner/devices.rs",
                r#"
pub struct PartnerSession { pub partner_id: String }
pub const SHARED: &str = "MATCH (n) LET x = 1 WHEN x THEN RETURN x";
pub async fn list(s: PartnerSession, graph: &Graph, label: &str) {
    graph.run(query("MATCH (d:Device) RETURN d LIMIT")).await;
    graph.run(query("MATCH (n) SET n:$($label)")).await;
    graph.run(query("MATCH (n:$($label) {id: $id}) RETURN n")).await;
    graph.run(query(&format!("MATCH (n:{label} {{id: $id}}) RETURN n"))).await;
    graph.run(query(SHARED)).await;
}
"#,
            ),
            (
                "src/admin.rs",
                r#"
pub async fn migrate(graph: &Graph, label: &str) {
    graph.run(query("MATCH (d:Device) RETURN d LIMIT")).await;
    graph.run(query("MATCH (n:$($label) {id: $id}) RETURN n")).await;
    graph.run(query(&format!("MATCH (n:{label} {{id: $id}}) RETURN n"))).await;
    graph.run(query(crate::partner::devices::SHARED)).await;
    graph.run(query("MATCH (n) FILTER n.x = 1 NEXT RETURN 1 AS y")).await;
}
"#,
            ),
        ];
        let workspace = crate::testing::workspace(&files);
        let reported: Vec<String> = resolve(&workspace, &Engine::new(settings).check(&workspace))
            .into_iter()
            .map(|f| {
                format!(
                    "{}:{}:{} {:?} {}",
                    f.region.path, f.region.line, f.region.column, f.level, f.message
                )
            })
            .collect();
        let context = "(partner context: `partner::devices::list`)";
        assert_eq!(
            reported,
            [
                // Outside partner context: warnings, and a label chosen at run time is no
                // rule's problem.
                "src/admin.rs:3:53 Warn Cypher query could not be parsed: unexpected token \
                 `<end of input>`, expected expression"
                    .to_owned(),
                "src/admin.rs:7:47 Warn Cypher query could not be analysed: `NEXT` follows a \
                 part that does not end in RETURN, which the analysis does not understand"
                    .to_owned(),
                // Also run outside partner context, reported once, at the partner level.
                format!(
                    "src/partner/devices.rs:3:47 Deny Cypher query could not be analysed: a \
                     conditional query (`WHEN … THEN … ELSE …`) is not understood by the \
                     analysis {context}"
                ),
                format!(
                    "src/partner/devices.rs:5:53 Deny Cypher query could not be parsed: \
                     unexpected token `<end of input>`, expected expression {context}"
                ),
                format!(
                    "src/partner/devices.rs:6:38 Deny Cypher query could not be analysed: a \
                     label chosen at run time (`$(…)`) is written by SET or REMOVE: which \
                     label the node gets cannot be told {context}"
                ),
                format!(
                    "src/partner/devices.rs:7:28 Deny Cypher query could not be analysed: the \
                     label of `(n:$($label) {{id: $id}})` is chosen at run time, so whether the \
                     node is tenant data cannot be told {context}"
                ),
                format!(
                    "src/partner/devices.rs:8:37 Deny Cypher query could not be analysed: the \
                     label of `(n:{{label}} {{{{id: $id}}}})` is built at run time at the hole \
                     `{{label}}`, so whether the node is tenant data cannot be told {context}"
                ),
            ]
        );
    }

    #[test]
    fn holes_are_described_by_what_fills_them() {
        assert_eq!(
            describe_hole("{}", Some("set_clauses\n        .join(\", \")")),
            "the `{}` filled from `set_clauses .join(\", \")`"
        );
        assert_eq!(describe_hole("{sets}", Some("{sets}")), "the hole `{sets}`");
        assert_eq!(describe_hole("{0}", None), "the hole `{0}`");
        assert_eq!(describe_hole("", None), "a `format!` hole");
        let long = format!("{}.join(\", \")", "x".repeat(70));
        assert_eq!(
            describe_hole("{}", Some(&long)),
            format!("the `{{}}` filled from `{}…`", "x".repeat(60))
        );
    }

    /// Reports every `secret` word of a file, so tests can place findings anywhere.
    struct FlagsSecrets;

    impl Rule for FlagsSecrets {
        fn check_file(&self, cx: &Context<'_>, file: FileId, out: &mut Vec<Diagnostic>) {
            let text = &cx.workspace.file(file).text;
            for (at, _) in text.match_indices("secret") {
                out.push(Diagnostic::new(
                    "a secret",
                    Location {
                        file,
                        span: Span::new(at, at + "secret".len()),
                    },
                ));
            }
        }
    }

    /// What [`FlagsSecrets`] and the tool report on one file, as `line CODE message`.
    fn secrets_reported(source: &str) -> Vec<String> {
        let engine = Engine {
            rules: vec![ConfiguredRule {
                meta: &crate::rules::readable_secret::META,
                level: Level::Deny,
                rule: Box::new(FlagsSecrets),
            }],
            settings: Settings::default(),
        };
        let workspace = crate::testing::workspace(&[("src/lib.rs", source)]);
        resolve(&workspace, &engine.check(&workspace))
            .into_iter()
            .map(|f| format!("{} {} {}", f.region.line, f.code, f.message))
            .collect()
    }

    #[test]
    fn a_suppression_among_an_items_docs_and_attributes_covers_the_item() {
        let covered = [
            // After the docs, before the attributes (R10).
            "/// Credentials.\n// partner-safety: allow(PS104) reason: r\n#[derive(Serialize)]\npub struct Creds {\n    pub secret: String,\n}\n",
            // Between attributes, and after the last one.
            "#[derive(Serialize)]\n// partner-safety: allow(PS104) reason: r\n#[serde(rename_all = \"camelCase\")]\npub struct Creds {\n    pub secret: String,\n}\n",
            "/// Credentials.\n#[derive(Serialize)]\n// partner-safety: allow(PS104) reason: r\npub struct Creds {\n    pub secret: String,\n}\n",
            // At the end of an attribute's line.
            "#[derive(Serialize)] // partner-safety: allow(PS104) reason: r\npub struct Creds {\n    pub secret: String,\n}\n",
            // Separated from the item by a blank line and a comment, as before.
            "// partner-safety: allow(PS104) reason: r\n\n// The credentials.\npub struct Creds {\n    pub secret: String,\n}\n",
            // A field, its attribute on the lines between.
            "pub struct Creds {\n    /// The key.\n    // partner-safety: allow(PS104) reason: r\n    #[serde(rename = \"k\")]\n    pub key:\n        secret::Key,\n}\n",
            // Without attributes: the extent starts at the visibility, the type, the name.
            "pub struct Creds {\n    // partner-safety: allow(PS104) reason: r\n    pub(crate) key:\n        secret::Key,\n}\n",
            "pub struct Creds(\n    // partner-safety: allow(PS104) reason: r\n    Vec<\n        secret::Key>,\n);\n",
            "enum Code {\n    // partner-safety: allow(PS104) reason: r\n    Key =\n        secret::KEY,\n}\n",
            "impl Creds {\n    // partner-safety: allow(PS104) reason: r\n    pub const KEY: &str =\n        \"secret\";\n}\n",
            "impl Creds {\n    // partner-safety: allow(PS104) reason: r\n    keys! {\n        secret\n    }\n}\n",
            // A variant with fields.
            "pub enum Creds {\n    /// A key.\n    // partner-safety: allow(PS104) reason: r\n    #[serde(rename = \"k\")]\n    Key {\n        secret: String,\n    },\n}\n",
            // Associated items and functions.
            "impl Creds {\n    /// The key.\n    // partner-safety: allow(PS104) reason: r\n    #[doc(hidden)]\n    const KEY: &str =\n        \"secret\";\n}\n",
            "trait Store {\n    // partner-safety: allow(PS104) reason: r\n    /// The key type.\n    type Key:\n        secret::Key;\n}\n",
            "impl Store for Db {\n    /// Reads it.\n    // partner-safety: allow(PS104) reason: r\n    #[inline]\n    fn key(&self) -> String {\n        self.secret.clone()\n    }\n}\n",
            "/// Reads it.\n// partner-safety: allow(PS104) reason: r\n#[inline]\nfn key(db: &Db) -> String {\n    db.secret.clone()\n}\n",
        ];
        for source in covered {
            assert_eq!(secrets_reported(source), Vec::<String>::new(), "{source}");
        }
    }

    #[test]
    fn a_suppression_covers_only_the_item_it_stands_before() {
        // The item before it keeps its finding.
        assert_eq!(
            secrets_reported(
                "#[derive(Serialize)]\npub struct A {\n    pub secret: String,\n}\n// partner-safety: allow(PS104) reason: r\n#[derive(Serialize)]\npub struct B {\n    pub secret: String,\n}\n"
            ),
            ["3 PS104 a secret"]
        );
        // A field's suppression does not cover its neighbours, nor does an end-of-line one.
        assert_eq!(
            secrets_reported(
                "pub struct A {\n    // partner-safety: allow(PS104) reason: r\n    #[serde(skip)]\n    pub secret: String,\n    pub secret_too: String, // partner-safety: allow(PS104) reason: r\n    pub secret_three: String,\n}\n"
            ),
            ["6 PS104 a secret"]
        );
        // Inside a body, a suppression covers the statement's line, not the function.
        assert_eq!(
            secrets_reported(
                "fn f() {\n    // partner-safety: allow(PS104) reason: r\n    let a = secret;\n    let b = secret;\n}\n"
            ),
            ["4 PS104 a secret"]
        );
        // An inner attribute is the module's: a suppression after it covers the next item only.
        assert_eq!(
            secrets_reported(
                "mod m {\n    #![allow(dead_code)] // partner-safety: allow(PS104) reason: r\n    fn f() { secret }\n}\n"
            ),
            [
                "2 PS002 unused suppression: no PS104 finding here",
                "3 PS104 a secret"
            ]
        );
    }

    /// Everything the tool reports with default levels, as `path:line CODE message`.
    fn reported_with_default_levels(files: &[(&str, &str)]) -> Vec<String> {
        let workspace = crate::testing::workspace(files);
        resolve(
            &workspace,
            &Engine::new(Settings::default()).check(&workspace),
        )
        .into_iter()
        .map(|f| {
            format!(
                "{}:{} {} {}",
                f.region.path, f.region.line, f.code, f.message
            )
        })
        .collect()
    }

    #[test]
    fn a_file_that_was_not_analysed_reports_no_unused_suppression() {
        let suppressions = "// partner-safety: allow(PS104) reason: r\npub fn f() {}\n\
                            // partner-safety: allow(PS999) reason: r\npub fn g() {}\n\
                            // partner-safety: allow(PS104)\npub fn h() {}\n";
        let unparsable = format!("{suppressions}pub fn broken(x y) {{}}\n");
        let nested = format!(
            "{suppressions}const X: () = {};\n",
            "(".repeat(9_000) + &")".repeat(9_000)
        );
        // Not even lexed: it has no suppressions at all.
        let unlexable = format!("{suppressions}pub fn broken( {{}}\n");
        let reported = reported_with_default_levels(&[
            ("src/analysed.rs", suppressions),
            ("src/unparsable.rs", &unparsable),
            ("src/nested.rs", &nested),
            ("src/unlexable.rs", &unlexable),
        ]);
        // The analysed file: unused, unknown, no reason. The others: no PS002, but a
        // suppression without a reason is still one (PS001), and each says why it was skipped
        // (the PS000 messages belong to the parser and the depth guard).
        let without_parse_errors: Vec<&str> = reported
            .iter()
            .filter(|line| !line.contains(" PS000 "))
            .map(String::as_str)
            .collect();
        assert_eq!(
            without_parse_errors,
            [
                "src/analysed.rs:1 PS002 unused suppression: no PS104 finding here",
                "src/analysed.rs:3 PS002 suppression names unknown rule `PS999`",
                "src/analysed.rs:5 PS001 suppression without a reason suppresses nothing",
                "src/nested.rs:5 PS001 suppression without a reason suppresses nothing",
                "src/unparsable.rs:5 PS001 suppression without a reason suppresses nothing",
            ]
        );
        let parse_errors: Vec<&str> = reported
            .iter()
            .filter_map(|line| line.split_once(" PS000 ").map(|(at, _)| at))
            .collect();
        assert_eq!(
            parse_errors,
            [
                "src/nested.rs:7",
                "src/unlexable.rs:7",
                "src/unparsable.rs:7"
            ]
        );
        // A file whose indexing failed (PS003) is not analysed either.
        let engine = Engine::new(Settings::default());
        let mut facts = index_file("src/a.rs".into(), suppressions.into());
        facts.internal_error = Some("boom".into());
        let workspace = Workspace::new(vec![facts]);
        let codes: Vec<&str> = engine.check(&workspace).iter().map(|f| f.code).collect();
        assert_eq!(codes, ["PS003", "PS001"]);
    }

    #[test]
    fn internal_errors_cannot_be_allowed() {
        let mut settings = Settings::default();
        settings
            .levels
            .insert(tool_codes::INTERNAL_ERROR.code, Level::Allow);
        let engine = Engine::new(settings);
        let mut facts = index_file("src/a.rs".into(), "fn f() {}".into());
        facts.internal_error = Some("boom".into());
        let findings = engine.check(&Workspace::new(vec![facts]));
        assert_eq!(findings.len(), 1);
        assert_eq!(
            (findings[0].code, findings[0].level),
            ("PS003", Level::Deny)
        );
    }

    /// Options are read through typed keys, so a misspelt key does not compile; these
    /// catch the two mistakes left: a key left out of its rule's list (config could not
    /// set it) and a declared option nothing reads.
    fn read_keys(values: &OptionValues) -> std::collections::BTreeSet<&'static str> {
        values.reads().into_iter().map(|(key, _)| key).collect()
    }

    #[test]
    fn every_rule_reads_exactly_its_declared_options_and_gets_their_defaults() {
        for meta in registry::rules() {
            let values = OptionValues::defaults(meta.options);
            let build = meta.build.expect("a rule builds");
            drop(build(&values));
            let declared: std::collections::BTreeSet<_> =
                meta.options.iter().map(|spec| spec.key).collect();
            assert_eq!(read_keys(&values), declared, "{}", meta.code);
            for (key, found) in values.reads() {
                let spec = meta.options.iter().find(|spec| spec.key == key);
                assert_eq!(
                    found,
                    spec.map(|spec| spec.default_value()),
                    "{} {key}",
                    meta.code
                );
            }
            // The engine's defaults are the same declarations.
            let engine = Settings::default();
            for spec in meta.options {
                assert_eq!(
                    engine.options[meta.code].get_value(spec.key),
                    Some(&spec.default_value()),
                    "{} {}",
                    meta.code,
                    spec.key
                );
            }
        }
    }

    #[test]
    fn the_model_reads_exactly_its_declared_options() {
        let values = OptionValues::defaults(crate::model::MODEL_OPTIONS);
        Model::build(&Workspace::new(Vec::new()), &values);
        let declared: std::collections::BTreeSet<_> = crate::model::MODEL_OPTIONS
            .iter()
            .map(|spec| spec.key)
            .collect();
        assert_eq!(read_keys(&values), declared);
    }

    #[test]
    fn the_default_vocabulary_is_the_model_options_defaults() {
        use crate::model::vocabulary::Vocabulary;
        let from_options =
            Vocabulary::from_options(&OptionValues::defaults(crate::model::MODEL_OPTIONS));
        assert_eq!(
            format!("{from_options:?}"),
            format!("{:?}", Vocabulary::default())
        );
        assert_eq!(from_options.tenant_labels(), ["Tenant"]);
    }
}
