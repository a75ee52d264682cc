//! One run: discover, read and index in parallel, check, report, exit status.

use crate::budget::Bodies;
use crate::cli::{CheckArgs, Cli, ColorChoice, Command, Format, RulesFormat};
use crate::sources::{self, Loaded};
use crate::{baseline, cache, changed, config, discover, explain, fix, report, EXIT_TOOL_ERROR};
use clap::ArgMatches;
use partner_safety_lints::index::modules::{FileRole, ModuleTree, TargetRoot};
use partner_safety_lints::registry;
use partner_safety_lints::tool_codes;
use partner_safety_lints::Level;
use partner_safety_lints::{Engine, FileFacts, Workspace};
use rayon::prelude::*;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// syn's parser recurses; a deep file needs far more than the default 2 MiB
/// (a stack overflow aborts the process and cannot be caught). Memory is only
/// committed as it is touched.
const STACK_SIZE: usize = 256 * 1024 * 1024;

pub fn main(cli: Cli, matches: &ArgMatches) -> u8 {
    match cli.command {
        Some(Command::Explain { rule }) => match explain::explain(&rule) {
            Ok(text) => print_and_exit(&text, 0),
            Err(message) => {
                eprintln!("error: {message}");
                EXIT_TOOL_ERROR
            }
        },
        Some(Command::Rules { format }) => {
            print_and_exit(&explain::rules_table(format == RulesFormat::Markdown), 0)
        }
        Some(Command::Init { path }) => {
            match crate::init::init_for(path.as_deref().unwrap_or(Path::new("."))) {
                Ok(written) => {
                    let path =
                        report::escape_text(&written.path.display().to_string()).into_owned();
                    if written.moved_to_root {
                        eprintln!(
                            "wrote {path}: at the workspace root, where `cargo partner-safety` reads \
                             its configuration (not in the member's folder)"
                        );
                    } else {
                        eprintln!("wrote {path}");
                    }
                    0
                }
                Err(message) => tool_error(message),
            }
        }
        None => check(&cli.check, matches),
    }
}

fn print_and_exit(text: &str, code: u8) -> u8 {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    code
}

/// Messages quote paths and text from the linted tree: shown escaped, on one line.
fn tool_error(message: impl std::fmt::Display) -> u8 {
    eprintln!("error: {}", report::escape_text(&message.to_string()));
    EXIT_TOOL_ERROR
}

/// `-A/-W/-D` values in the order they were given.
fn level_overrides(matches: &ArgMatches) -> Vec<(Level, String)> {
    let mut overrides: Vec<(usize, Level, String)> = Vec::new();
    for (id, level) in [
        ("allow", Level::Allow),
        ("warn", Level::Warn),
        ("deny", Level::Deny),
    ] {
        if let (Some(indices), Some(values)) =
            (matches.indices_of(id), matches.get_many::<String>(id))
        {
            overrides.extend(
                indices
                    .zip(values)
                    .map(|(index, value)| (index, level, value.clone())),
            );
        }
    }
    overrides.sort_by_key(|(index, _, _)| *index);
    overrides
        .into_iter()
        .map(|(_, level, value)| (level, value))
        .collect()
}

fn check(args: &CheckArgs, matches: &ArgMatches) -> u8 {
    if args.statistics && !matches!(args.format, Format::Human | Format::Short | Format::Json) {
        return tool_error(format!(
            "--statistics prints a table (or JSON with --format json); --format {} cannot carry it",
            format_name(args.format)
        ));
    }
    // Without a build identity the cache could not be told apart from one
    // planted in the workspace, so it is not used.
    let use_cache = !args.no_cache && cache::build_id().is_some();
    let cache_warned = std::cell::Cell::new(false);
    // The cache directory for a root, as the facts cache below finds it; cargo's view of the
    // workspace is kept there too, under the same conditions. `None` when it cannot be used
    // safely (said once on stderr).
    let cache_dir_for = |root: &Path| -> Option<PathBuf> {
        let dir = args
            .cache_dir
            .clone()
            .or_else(|| std::env::var_os("PARTNER_SAFETY_CACHE_DIR").map(PathBuf::from))
            .unwrap_or_else(|| cache::default_dir(root));
        match cache::usable_dir(root, &dir) {
            Ok(()) => Some(dir),
            Err(why) => {
                if !args.quiet && !cache_warned.replace(true) {
                    eprintln!(
                        "warning: the cache is off for this run: {}",
                        report::escape_text(&why)
                    );
                }
                None
            }
        }
    };
    let discovered = match discover::discover(
        args.path.as_deref(),
        args.manifest_path.as_deref(),
        use_cache.then_some(&cache_dir_for as discover::CacheDirFor<'_>),
    ) {
        Ok(discovered) => discovered,
        Err(message) => return tool_error(message),
    };
    if !args.quiet {
        for warning in &discovered.warnings {
            eprintln!("warning: {}", report::escape_text(warning));
        }
    }
    let mut settings = match config::load(
        &discovered.root,
        discovered.manifest.as_deref(),
        args.config.as_deref(),
    ) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("{}", render_error(&error, args.color));
            return EXIT_TOOL_ERROR;
        }
    };
    if !args.quiet {
        if let Some(warning) = config::shadowed_metadata(
            &discovered.root,
            discovered.manifest.as_deref(),
            args.config.as_deref(),
        ) {
            eprintln!("warning: {warning}");
        }
    }
    let overrides = level_overrides(matches);
    if let Err(unknown) = config::apply_overrides(&mut settings, &overrides) {
        if unknown.fixed {
            return tool_error(format!("`{}` cannot be configured: a failed analysis (PS003 internal-error) is always reported", unknown.given));
        }
        let hint = unknown
            .suggestion
            .unwrap_or_else(|| "`cargo partner-safety rules` lists every code and name".into());
        return tool_error(format!(
            "unknown rule `{}` given to -A/-W/-D: {hint}",
            unknown.given
        ));
    }
    settings.today = Some(today());

    let mut pool = rayon::ThreadPoolBuilder::new().stack_size(STACK_SIZE);
    if let Some(jobs) = args.jobs {
        pool = pool.num_threads(jobs.max(1));
    }
    let pool = match pool.build() {
        Ok(pool) => pool,
        Err(error) => return tool_error(format!("cannot start worker threads: {error}")),
    };
    let root = discovered.root.clone();
    let max_file_size = args.max_file_size;
    let enabled_rules = registry::rules()
        .filter(|meta| settings.level(meta.code) != Level::Allow)
        .collect();
    let cache_dir = if use_cache {
        cache_dir_for(&discovered.root)
    } else {
        None
    };
    let config_hash = cache::config_hash(&settings);
    let today = settings.today.clone();
    let engine = Engine::new(settings);
    let fixing = args.fix || args.diff;
    // Without a partner model most bodies cannot matter to any rule: they are left out
    // unless the texts or the facts say otherwise (then everything is parsed again).
    let needs = engine.bodies_needed_without_partner_model();
    let skip_bodies = !args.full_parse && !needs.needs_everything();
    let mut needs = Some(needs);
    // `None` when the run left bodies out and found it must not have.
    let analyse = |bodies: Bodies| -> Option<Analysed> {
        let started = Instant::now();
        let mut cached = cache_dir
            .as_deref()
            .map(|dir| cache::Cache::load(dir, config_hash));
        let sources = sources::load(
            &root,
            &discovered.files,
            &discovered.targets,
            max_file_size,
            cached.as_mut(),
            bodies,
        );
        if sources.needs_every_body {
            return None;
        }
        let bodies = sources.bodies;
        let mut tree = sources.tree;
        let mut loaded = sources.loaded;
        // Folders the walk could not read, and target roots outside the root: compiled
        // code that was not analysed, whatever the module tree says.
        let not_analysed: Vec<(String, String)> = discovered
            .unreadable
            .iter()
            .map(|(path, message)| {
                (
                    crate::layout::relative(&root, path),
                    format!("cannot read: {message}; nothing below it was analysed"),
                )
            })
            .chain(discovered.not_analysed.iter().cloned())
            .collect();
        tree.roles
            .extend(std::iter::repeat_n(FileRole::Compiled, not_analysed.len()));
        let rust_files = loaded.iter().filter(|file| file.is_rust()).count();
        let rust_analysed = loaded
            .iter()
            .filter(|file| file.is_rust() && file.analysed())
            .count();
        let stray_unparsed = loaded
            .iter()
            .zip(&tree.roles)
            .filter(|(file, role)| **role == FileRole::Stray && file.is_rust() && !file.analysed())
            .count();
        // With the cache on, what the findings depend on (see `workspace_key`).
        let findings_key = cached.as_ref().map(|_| {
            let mut inputs: Vec<(&str, Result<cache::ContentHash, &str>)> = loaded
                .iter()
                .map(|file| (file.relative.as_str(), file.key_part()))
                .collect();
            inputs.extend(
                not_analysed
                    .iter()
                    .map(|(path, message)| (path.as_str(), Err(message.as_str()))),
            );
            cache::workspace_key(
                config_hash,
                today.as_deref(),
                tree_hash(&discovered.targets, &tree),
                &inputs,
            )
        });
        // Nothing changed at all (every file cached, none gone): the last run's
        // findings stand, and reporting them reads only the path and text of a file
        // no finding points into, so its cached facts are not decoded. Nothing is
        // rewritten either, so no file is left without its facts in the cache.
        // Fixing reads more of a file (whether it parsed), so it decodes.
        let unchanged = !fixing
            && cached.as_ref().is_some_and(|cache| !cache.has_leftovers())
            && loaded.iter().all(Loaded::is_cached);
        let total_files = loaded.len() + not_analysed.len();
        // `Some` once the last run's findings were looked for.
        let mut reused: Option<partner_safety_lints::Checked> = None;
        if let (true, Some(dir), Some(key)) = (unchanged, cache_dir.as_deref(), findings_key) {
            reused = cache::load_findings(dir, key, total_files);
        }
        // A finding's fingerprint names its enclosing function: the files the
        // findings point into are decoded.
        let mut decode = vec![reused.is_none(); loaded.len()];
        for finding in reused.iter().flat_map(|checked| &checked.findings) {
            let labels = finding.labels.iter().map(|label| label.location.file);
            for file in labels.chain([finding.primary.file]) {
                if let Some(decode) = decode.get_mut(file) {
                    *decode = true;
                }
            }
        }
        let indexed: Vec<(FileFacts, Option<cache::ContentHash>, bool)> =
            std::mem::take(&mut loaded)
                .into_par_iter()
                .zip(decode)
                .map(|(file, decode)| file.into_facts(decode, &bodies))
                .collect();
        // An unchanged re-run rewrites nothing.
        let rewrite = cached
            .as_ref()
            .is_some_and(|cache| cache.has_leftovers() || indexed.iter().any(|(_, _, hit)| !hit));
        let mut hashes = Vec::with_capacity(indexed.len());
        let mut files: Vec<FileFacts> = Vec::with_capacity(total_files);
        for (facts, hash, _) in indexed {
            files.push(facts);
            hashes.push(hash);
        }
        files.extend(
            not_analysed
                .into_iter()
                .map(|(path, message)| FileFacts::unreadable(path, message)),
        );
        let parse_millis = started.elapsed().as_millis();
        let workspace = Workspace::new(files).with_module_tree(tree);
        // Fixing decodes every file, so the findings were not looked for above; any other
        // run that did not look had a changed or missing file, and the key cannot match.
        if reused.is_none() && fixing {
            if let (Some(dir), Some(key)) = (&cache_dir, findings_key) {
                reused = cache::load_findings(dir, key, workspace.files.len());
            }
        }
        let checked = match reused {
            Some(checked) => checked,
            None => {
                // Queries whose text was parsed by the last run are not parsed again.
                let queries = cache_dir.as_deref().map(cache::QueryStore::load);
                let memo = queries
                    .as_ref()
                    .map(|queries| queries as &dyn partner_safety_lints::cypher::ParseMemo);
                let checked = engine.run(&workspace, memo);
                if !bodies.all() && checked.needs_every_body {
                    return None;
                }
                if let (Some(dir), Some(queries)) = (&cache_dir, queries) {
                    // A cache that cannot be written only makes the next run slower.
                    let _ = queries.store(dir);
                }
                // A rule that failed (PS003) is run again next time, like a
                // file whose indexing failed.
                let failed = checked
                    .findings
                    .iter()
                    .any(|finding| finding.code == tool_codes::INTERNAL_ERROR.code);
                if let (Some(dir), Some(key), false) = (&cache_dir, findings_key, failed) {
                    // A cache that cannot be written only makes the next run slower.
                    let _ = cache::store_findings(dir, key, &checked);
                }
                checked
            }
        };
        let partner_model = checked.partner_model;
        let findings = checked.findings;
        if let (Some(dir), true) = (&cache_dir, rewrite) {
            let entries: Vec<(&FileFacts, cache::ContentHash)> = workspace
                .files
                .iter()
                .zip(&hashes)
                .filter_map(|(facts, hash)| Some((facts, (*hash)?)))
                .filter(|(facts, _)| cache::cacheable(facts))
                .collect();
            // A cache that cannot be written only makes the next run slower.
            let _ = cache::store(dir, config_hash, &entries);
        }
        Some(Analysed {
            workspace,
            findings,
            partner_model,
            parse_millis,
            rust_files,
            rust_analysed,
            stray_unparsed,
        })
    };
    let analysed = pool.install(|| {
        let first = match needs.take() {
            Some(needs) if skip_bodies => analyse(Bodies::Needed(Box::new(needs))),
            _ => None,
        };
        // A run that parses every body always stands.
        first.or_else(|| analyse(Bodies::All))
    });
    let Some(analysed) = analysed else {
        return tool_error("internal error: a run that parsed every body did not stand");
    };
    let Analysed {
        workspace,
        mut findings,
        partner_model,
        parse_millis,
        rust_files,
        rust_analysed,
        stray_unparsed,
    } = analysed;
    if !args.quiet && !partner_model {
        eprintln!(
            "note: no partner model found: no function takes a partner context type or lies \
             under a partner path, and no query uses a MANAGES relationship, so PS102, PS302 \
             and PS303 report nothing here; if partners are modelled under other names, set \
             `partner_context_types` or `partner_paths` under [model] in partner-safety.toml"
        );
    }
    // `-D` on the command line means every finding of the rule, the secondary variants a
    // rule reports one level lower (PS104 where no partner reads the type, a query outside
    // partner context that could not be analysed) included.
    let denied = denied_on_command_line(&overrides);
    for finding in &mut findings {
        if denied.contains(finding.code) {
            finding.downgraded = false;
        }
    }
    if !args.quiet && stray_unparsed > 0 {
        eprintln!(
            "note: {stray_unparsed} {} that no target builds could not be parsed (test data, \
             fixtures); {} not reported",
            if stray_unparsed == 1 {
                "Rust file"
            } else {
                "Rust files"
            },
            if stray_unparsed == 1 {
                "it is"
            } else {
                "they are"
            },
        );
    }
    if rust_files == 0 {
        return tool_error(format!(
            "no Rust source file found under `{}`: nothing was analysed (name the folder that holds the workspace's Cargo.toml, or use --manifest-path)",
            args.path.as_deref().unwrap_or(Path::new(".")).display()
        ));
    }
    let (active, silenced): (Vec<_>, Vec<_>) = findings
        .into_iter()
        .partition(|finding| finding.suppressed.is_none());
    // Resolved apart, so a suppression never changes another finding's fingerprint.
    let mut reported = partner_safety_lints::report::resolve(&workspace, &active);
    let mut suppressed = partner_safety_lints::report::resolve(&workspace, &silenced);

    if let Some(path) = &args.write_baseline {
        let baseline = baseline::Baseline::of(&reported);
        if let Err(message) = baseline.write(path) {
            return tool_error(message);
        }
        if !args.quiet {
            eprintln!(
                "wrote {} {} to baseline `{}`",
                baseline.findings.len(),
                if baseline.findings.len() == 1 {
                    "finding"
                } else {
                    "findings"
                },
                path.display()
            );
        }
        // A failed analysis is never baselined and still fails the run.
        reported.retain(|finding| finding.code == tool_codes::INTERNAL_ERROR.code);
        return exit_status(&reported);
    }
    if let Some(path) = &args.baseline {
        let baseline = match baseline::Baseline::read(&root, path) {
            Ok(baseline) => baseline,
            Err(message) => return tool_error(message),
        };
        let (new, filtered) = baseline.filter(reported);
        reported = new;
        if !args.quiet {
            eprintln!("{}", filtered.line(path));
        }
    }
    if let Some(reference) = &args.changed_since {
        let changed = match changed::changed_since(&root, reference) {
            Ok(changed) => changed,
            Err(message) => return tool_error(message),
        };
        let before = reported.len();
        reported.retain(|finding| {
            finding.code == tool_codes::INTERNAL_ERROR.code
                || changed.touches_finding(&workspace, finding)
        });
        suppressed.retain(|finding| changed.touches_finding(&workspace, finding));
        if !args.quiet {
            let left_out = before - reported.len();
            eprintln!(
                "--changed-since {reference}: {left_out} {} in code unchanged since then left out",
                if left_out == 1 { "finding" } else { "findings" }
            );
        }
    }
    if args.fix || args.diff {
        let plans = fix::plan(&workspace, &reported);
        if args.diff {
            let mut stdout = std::io::stdout().lock();
            for plan in &plans {
                let diff = fix::unified_diff(plan);
                // A patch cannot be escaped and still apply: one that would carry control
                // characters or a workflow command from the tree into the log is not shown.
                if report::is_printable_verbatim(&diff) {
                    let _ = stdout.write_all(diff.as_bytes());
                } else {
                    eprintln!(
                        "warning: the diff for {} is not shown: it holds control characters or text a CI log would run as a command; `--fix` applies it",
                        report::escape_text(&plan.path)
                    );
                }
            }
            if !args.quiet {
                let fixes: usize = plans.iter().map(|plan| plan.applied.len()).sum();
                eprintln!(
                    "{fixes} {} in {} {} (nothing written; --fix applies them)",
                    if fixes == 1 { "fix" } else { "fixes" },
                    plans.len(),
                    if plans.len() == 1 { "file" } else { "files" }
                );
            }
            // The exit status is the catalogue's, whatever there is to fix:
            // a deny finding without a fix still fails, a fixable warning does not.
            return exit_status(&reported);
        }
        match apply_fixes(&root, &plans, args.allow_dirty) {
            // Fixes move lines: report what is left from a fresh analysis.
            Ok(true) => {
                let mut again = args.clone();
                again.fix = false;
                return check(&again, matches);
            }
            Ok(false) => {}
            Err(code) => return code,
        }
    }

    let mut summary = report::Summary::new(workspace.files.len(), &reported, parse_millis);
    summary.skipped_bodies = workspace
        .files
        .iter()
        .map(|facts| u64::from(facts.skipped_bodies))
        .sum();
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    };
    let output = report::Report {
        workspace: &workspace,
        findings: &reported,
        summary: summary.clone(),
        enabled_rules,
        color,
        quiet: args.quiet,
        suppressed: &suppressed,
        show_suppressed: args.show_suppressed,
        link_base: args.link_base.clone(),
        repository: report::RepositoryPaths::of_root(&root),
    };
    // Every Rust file failed to parse or read: whatever the levels say, nothing passed the
    // analysis, so this is no pass.
    let status = if rust_analysed == 0 {
        EXIT_TOOL_ERROR
    } else {
        exit_status(&reported)
    };
    if args.show_suppressed
        && (args.message_format.is_some() || !matches!(args.format, Format::Json | Format::Sarif))
    {
        let shown_as = match args.message_format {
            Some(_) => "--message-format json".to_string(),
            None => format!("--format {}", format_name(args.format)),
        };
        eprintln!(
            "warning: --show-suppressed has no effect with {shown_as}: only --format json lists \
             suppressed findings (--format sarif always includes them, marked as suppressed)"
        );
    }
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    let written = if args.message_format.is_some() {
        let layout = report::CargoLayout {
            root: &root,
            targets: &discovered.cargo_targets,
        };
        report::write_cargo_messages(&output, &layout, status == 0, &mut stdout)
    } else if args.statistics {
        report::write_statistics(args.format, &output, &mut stdout)
    } else {
        report::write(args.format, &output, &mut stdout)
    }
    .and_then(|()| stdout.flush());
    if let Err(error) = written {
        if error.kind() != std::io::ErrorKind::BrokenPipe {
            return tool_error(format!("cannot write the report: {error}"));
        }
    }
    let machine_output =
        args.message_format.is_some() || args.format != Format::Human || args.statistics;
    if machine_output && !args.quiet && args.format != Format::Markdown {
        eprintln!("{}", summary.timed_line());
    }
    if rust_analysed == 0 {
        eprintln!("error: none of the {rust_files} Rust source files could be analysed (see the PS000 findings)");
    }
    // The process ends right after: freeing every fact one by one would cost
    // a tenth of a cached run.
    std::mem::forget(workspace);
    status
}

/// The rules whose last `-A/-W/-D` on the command line (`all` included) was `-D`.
fn denied_on_command_line(
    overrides: &[(Level, String)],
) -> std::collections::HashSet<&'static str> {
    let mut denied = std::collections::HashSet::new();
    for (level, target) in overrides {
        let codes: Vec<&'static str> = if target == "all" {
            registry::all().iter().map(|meta| meta.code).collect()
        } else {
            registry::lookup(target)
                .map(|meta| meta.code)
                .into_iter()
                .collect()
        };
        for code in codes {
            if *level == Level::Deny {
                denied.insert(code);
            } else {
                denied.remove(code);
            }
        }
    }
    denied
}

/// A format as it is written on the command line.
fn format_name(format: Format) -> String {
    use clap::ValueEnum;
    format.to_possible_value().map_or_else(
        || format!("{format:?}"),
        |value| value.get_name().to_string(),
    )
}

/// What the analysis phase hands to reporting.
struct Analysed {
    workspace: Workspace,
    findings: Vec<partner_safety_lints::Finding>,
    /// Whether the workspace has a partner model (R6).
    partner_model: bool,
    parse_millis: u128,
    rust_files: usize,
    rust_analysed: usize,
    stray_unparsed: usize,
}

/// The module tree's part of the findings key: the target roots and what each file is
/// built for (a manifest can change both without changing any source file).
fn tree_hash(targets: &[TargetRoot], tree: &ModuleTree) -> u64 {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    for target in targets {
        hasher.update(target.path.as_bytes());
        hasher.update(&[0, target.kind as u8]);
    }
    hasher.update(&[0xff]);
    for role in &tree.roles {
        hasher.update(&[*role as u8]);
    }
    for outside in &tree.outside {
        hasher.update(&(outside.file as u64).to_le_bytes());
        hasher.update(&outside.span.start.to_le_bytes());
        hasher.update(outside.written.as_bytes());
        hasher.update(&[0]);
    }
    hasher.digest()
}

/// Applies the planned fixes; returns whether any file was written, or the
/// exit status when it refuses or a write fails.
fn apply_fixes(root: &Path, plans: &[fix::FilePlan], allow_dirty: bool) -> Result<bool, u8> {
    if !allow_dirty {
        let paths: Vec<&str> = plans.iter().map(|plan| plan.path.as_str()).collect();
        let dirty = fix::dirty_files(root, &paths);
        if !dirty.is_empty() {
            let dirty: Vec<_> = dirty.iter().map(|path| report::escape_text(path)).collect();
            eprintln!(
                "error: --fix would change files with uncommitted changes: {}\ncommit or stash them first, or pass --allow-dirty",
                dirty.join(", ")
            );
            return Err(EXIT_TOOL_ERROR);
        }
    }
    let mut written = false;
    let mut failed = false;
    for plan in plans {
        let path = report::escape_text(&plan.path);
        if !fix::parses(plan) {
            eprintln!(
                "warning: the fixes for {path} would leave it unparsable; it was left unchanged"
            );
            continue;
        }
        if let Err(message) = fix::write(root, plan) {
            eprintln!(
                "error: cannot fix {path}: {}",
                report::escape_text(&message.to_string())
            );
            failed = true;
            continue;
        }
        for (code, line) in &plan.applied {
            eprintln!("fixed {path}:{line}: {code}");
        }
        written = true;
    }
    if failed {
        return Err(EXIT_TOOL_ERROR);
    }
    Ok(written)
}

/// A config error as a miette report, unwrapped so messages stay whole.
fn render_error(error: &config::ConfigError, color: ColorChoice) -> String {
    let color = match color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    };
    let theme = if color {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let handler = miette::GraphicalReportHandler::new_themed(theme)
        .with_wrap_lines(false)
        .with_links(false);
    let error = inert(error);
    let mut rendered = String::new();
    if handler.render_report(&mut rendered, &error).is_err() {
        rendered = format!("error: {error}");
    }
    report::guard_line_starts(&rendered).into_owned()
}

/// The config file may come from the linted tree: what the error quotes of it (its
/// text, its name, the key or value in the message) is shown escaped.
fn inert(error: &config::ConfigError) -> config::ConfigError {
    let escaped = |text: &str| report::escape_text(text).into_owned();
    let shown = error.source.as_ref().map(|source| {
        let text = report::SourceText::new(&Arc::from(source.inner().as_str()));
        let named = miette::NamedSource::new(escaped(source.name()), text.text().to_string());
        (named, text)
    });
    config::ConfigError {
        message: escaped(&error.message),
        span: match (&shown, error.span) {
            (Some((_, text)), Some(span)) => {
                Some(text.range(span.offset()..span.offset() + span.len()).into())
            }
            (_, span) => span,
        },
        source: shown.map(|(named, _)| named),
        label: escaped(&error.label),
        help: error.help.as_deref().map(escaped),
    }
}

fn exit_status(findings: &[partner_safety_lints::report::ReportedFinding]) -> u8 {
    if findings
        .iter()
        .any(|finding| finding.code == tool_codes::INTERNAL_ERROR.code)
    {
        EXIT_TOOL_ERROR
    } else if findings.iter().any(|finding| finding.level == Level::Deny) {
        1
    } else {
        0
    }
}

/// Today's date in UTC as `YYYY-MM-DD`, for expiring suppressions.
/// `PARTNER_SAFETY_TODAY` overrides it (for reproducible runs and tests).
fn today() -> String {
    if let Ok(fixed) = std::env::var("PARTNER_SAFETY_TODAY") {
        return fixed;
    }
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    civil_date((seconds / 86_400) as i64)
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::civil_date;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(19_782), "2024-02-29");
        assert_eq!(civil_date(20_783), "2026-11-26");
    }
}

#[cfg(test)]
mod exit_tests {
    use super::*;
    use partner_safety_lints::report::{Region, ReportedFinding};

    fn finding(code: &'static str, level: Level) -> ReportedFinding {
        let region = Region {
            path: "a.rs".into(),
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 1,
        };
        ReportedFinding {
            code,
            name: "x",
            level,
            message: String::new(),
            checklist_item: None,
            region,
            location: partner_safety_lints::diagnostic::Location {
                file: 0,
                span: Default::default(),
            },
            primary_label: None,
            labels: vec![],
            help: None,
            fix: None,
            fingerprint: String::new(),
            suppressed: None,
        }
    }

    #[test]
    fn a_tool_failure_is_never_exit_1() {
        assert_eq!(exit_status(&[]), 0);
        assert_eq!(exit_status(&[finding("PS104", Level::Warn)]), 0);
        assert_eq!(exit_status(&[finding("PS104", Level::Deny)]), 1);
        assert_eq!(
            exit_status(&[finding("PS104", Level::Deny), finding("PS003", Level::Deny)]),
            2
        );
    }
}
