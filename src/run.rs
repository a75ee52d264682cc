//! One run: discover, read and index in parallel, check, report, exit status.

use crate::cli::{CheckArgs, Cli, ColorChoice, Command, Format, RulesFormat};
use crate::{baseline, cache, changed, config, discover, explain, fix, report, EXIT_TOOL_ERROR};
use clap::ArgMatches;
use partner_safety_lints::engine::tool_codes;
use partner_safety_lints::registry::{self, Level};
use partner_safety_lints::{index_file, Engine, FileFacts, Workspace};
use rayon::prelude::*;
use std::io::{IsTerminal, Read, Write};
use std::path::Path;
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
            match crate::init::init(path.as_deref().unwrap_or(Path::new("."))) {
                Ok(written) => {
                    eprintln!("wrote {}", written.display());
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
    // The cache directory for a root, as the facts cache below finds it; cargo's view of the
    // workspace is kept there too, under the same conditions.
    let cache_dir_for = |root: &std::path::Path| {
        args.cache_dir
            .clone()
            .or_else(|| std::env::var_os("PARTNER_SAFETY_CACHE_DIR").map(std::path::PathBuf::from))
            .unwrap_or_else(|| cache::default_dir(root))
    };
    // Without a build identity the cache could not be told apart from one
    // planted in the workspace, so it is not used.
    let use_cache = !args.no_cache && cache::build_id().is_some();
    let discovered = match discover::discover(
        args.path.as_deref(),
        args.manifest_path.as_deref(),
        use_cache.then_some(&cache_dir_for as &dyn Fn(&std::path::Path) -> std::path::PathBuf),
    ) {
        Ok(discovered) => discovered,
        Err(message) => return tool_error(message),
    };
    if let Some(reason) = &discovered.fallback_reason {
        if !args.quiet {
            eprintln!(
                "warning: cargo metadata failed ({}); analysing `{}` as a plain folder",
                report::escape_text(reason),
                report::escape_text(&discovered.root.display().to_string())
            );
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
    if let Err(unknown) = config::apply_overrides(&mut settings, &level_overrides(matches)) {
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
    let cache_dir = use_cache.then(|| cache_dir_for(&discovered.root));
    let config_hash = cache::config_hash(&settings);
    let today = settings.today.clone();
    let engine = Engine::new(settings);
    let fixing = args.fix || args.diff;
    let (workspace, findings, parse_millis) = pool.install(|| {
        let started = Instant::now();
        let mut cached = cache_dir
            .as_deref()
            .map(|dir| cache::Cache::load(dir, config_hash));
        let relative_paths: Vec<String> = discovered
            .files
            .iter()
            .map(|path| discover::relative(&root, path))
            .collect();
        // With the cache on, what the findings depend on (see `workspace_key`).
        let mut findings_key = None;
        // `Some` once the last run's findings were looked for: `Some(None)` when they cannot
        // be reused, so they are not read twice.
        let mut reused_findings: Option<Option<Vec<_>>> = None;
        let indexed: Vec<(FileFacts, Option<cache::ContentHash>, bool)> = match &mut cached {
            Some(cache) => {
                // Texts are read and hashed in parallel; cached facts are
                // taken out of the cache in order; misses are indexed in parallel.
                let read: Vec<Result<(Arc<str>, cache::ContentHash), String>> = discovered
                    .files
                    .par_iter()
                    .map(|path| {
                        read_source(path, max_file_size).map(|text| {
                            let hash = cache::content_hash(&text);
                            (text, hash)
                        })
                    })
                    .collect();
                let mut inputs: Vec<(&str, Result<cache::ContentHash, &str>)> = read
                    .iter()
                    .zip(&relative_paths)
                    .map(|(read, path)| {
                        let hash = read.as_ref().map(|(_, hash)| *hash);
                        (path.as_str(), hash.map_err(String::as_str))
                    })
                    .collect();
                let folders: Vec<String> = discovered
                    .unreadable
                    .iter()
                    .map(|(path, _)| discover::relative(&root, path))
                    .collect();
                inputs.extend(
                    folders
                        .iter()
                        .zip(&discovered.unreadable)
                        .map(|(path, (_, message))| (path.as_str(), Err(message.as_str()))),
                );
                findings_key = Some(cache::workspace_key(config_hash, today.as_deref(), &inputs));
                let hits: Vec<Option<Vec<u8>>> = read
                    .iter()
                    .zip(&relative_paths)
                    .map(|(read, path)| {
                        let (_, hash) = read.as_ref().ok()?;
                        cache.take(path, *hash)
                    })
                    .collect();
                // Nothing changed at all (every file cached, none gone): the last run's
                // findings stand, and reporting them reads only the path and text of a file
                // no finding points into, so its cached facts are not decoded. Nothing is
                // rewritten either, so no file is left without its facts in the cache.
                // Fixing reads more of a file (whether it parsed), so it decodes.
                let unchanged =
                    !fixing && !cache.has_leftovers() && hits.iter().all(|hit| hit.is_some());
                if let (true, Some(dir), Some(key)) =
                    (unchanged, cache_dir.as_deref(), findings_key)
                {
                    let files = read.len() + discovered.unreadable.len();
                    reused_findings = Some(cache::load_findings(dir, key, files));
                }
                // A finding's fingerprint names its enclosing function: the files the
                // findings point into are decoded.
                let reusing = matches!(reused_findings, Some(Some(_)));
                let mut decode = vec![!reusing; read.len()];
                for finding in reused_findings.iter().flatten().flatten() {
                    let labels = finding.labels.iter().map(|label| label.location.file);
                    for file in labels.chain([finding.primary.file]) {
                        if let Some(decode) = decode.get_mut(file) {
                            *decode = true;
                        }
                    }
                }
                read.into_par_iter()
                    .zip(hits)
                    .zip(relative_paths)
                    .zip(decode)
                    .map(|(((read, hit), relative), decode)| match (read, hit) {
                        (Ok((text, _)), Some(_)) if !decode => {
                            (FileFacts::text_only(relative, text), None, true)
                        }
                        (Ok((text, hash)), Some(encoded)) => {
                            match cache::decode_facts(&encoded, text.clone()) {
                                Some(facts) => (facts, Some(hash), true),
                                None => (index_file(relative, text), Some(hash), false),
                            }
                        }
                        (Ok((text, hash)), None) => (index_file(relative, text), Some(hash), false),
                        (Err(message), _) => {
                            (FileFacts::unreadable(relative, message), None, false)
                        }
                    })
                    .collect()
            }
            None => discovered
                .files
                .par_iter()
                .zip(relative_paths)
                .map(|(path, relative)| {
                    (read_and_index(path, relative, max_file_size), None, false)
                })
                .collect(),
        };
        // An unchanged re-run rewrites nothing.
        let rewrite = cached
            .as_ref()
            .is_some_and(|cache| cache.has_leftovers() || indexed.iter().any(|(_, _, hit)| !hit));
        let mut hashes = Vec::with_capacity(indexed.len());
        let mut files: Vec<FileFacts> = Vec::with_capacity(indexed.len());
        for (facts, hash, _) in indexed {
            files.push(facts);
            hashes.push(hash);
        }
        files.extend(discovered.unreadable.iter().map(|(path, message)| {
            FileFacts::unreadable(
                discover::relative(&root, path),
                format!("cannot read: {message}; nothing below it was analysed"),
            )
        }));
        let parse_millis = started.elapsed().as_millis();
        let workspace = Workspace::new(files);
        // Fixing decodes every file, so the findings were not looked for above; any other
        // run that did not look had a changed or missing file, and the key cannot match.
        let reused = match (reused_findings, &cache_dir, findings_key) {
            (Some(tried), _, _) => tried,
            (None, Some(dir), Some(key)) if fixing => {
                cache::load_findings(dir, key, workspace.files.len())
            }
            _ => None,
        };
        let findings = match reused {
            Some(findings) => findings,
            None => {
                // Queries whose text was parsed by the last run are not parsed again.
                let queries = cache_dir.as_deref().map(cache::QueryStore::load);
                let memo = queries
                    .as_ref()
                    .map(|queries| queries as &dyn partner_safety_lints::cypher::ParseMemo);
                let findings = engine.check_keeping_suppressed_with(&workspace, memo);
                if let (Some(dir), Some(queries)) = (&cache_dir, queries) {
                    // A cache that cannot be written only makes the next run slower.
                    let _ = queries.store(dir);
                }
                // A rule that failed (PS003) is run again next time, like a
                // file whose indexing failed.
                let failed = findings
                    .iter()
                    .any(|finding| finding.code == tool_codes::INTERNAL_ERROR.code);
                if let (Some(dir), Some(key), false) = (&cache_dir, findings_key, failed) {
                    // A cache that cannot be written only makes the next run slower.
                    let _ = cache::store_findings(dir, key, &findings);
                }
                findings
            }
        };
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
        (workspace, findings, parse_millis)
    });
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
        let baseline = match baseline::Baseline::read(path) {
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
        reported.retain(|finding| {
            finding.code == tool_codes::INTERNAL_ERROR.code
                || changed.contains(&finding.region.path, finding.region.line)
        });
        suppressed.retain(|finding| changed.contains(&finding.region.path, finding.region.line));
    }
    if args.fix || args.diff {
        let plans = fix::plan(&workspace, &reported);
        if args.diff {
            let mut stdout = std::io::stdout().lock();
            for plan in &plans {
                let _ = stdout.write_all(fix::unified_diff(plan).as_bytes());
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

    let summary = report::Summary::new(workspace.files.len(), &reported, parse_millis);
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
    };
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    let written = if args.statistics {
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
    if (args.format != Format::Human || args.statistics)
        && !args.quiet
        && args.format != Format::Markdown
    {
        eprintln!("{}", summary.timed_line());
    }
    let status = exit_status(&reported);
    // The process ends right after: freeing every fact one by one would cost
    // a tenth of a cached run.
    std::mem::forget(workspace);
    status
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

/// Reads one file (bounded by `max_file_size`, never following a link) and
/// indexes it; any problem becomes a PS000 on that file.
fn read_and_index(path: &Path, relative: String, max_file_size: u64) -> FileFacts {
    match read_source(path, max_file_size) {
        Ok(text) => index_file(relative, text),
        Err(message) => FileFacts::unreadable(relative, message),
    }
}

fn read_source(path: &Path, max_file_size: u64) -> Result<Arc<str>, String> {
    let metadata =
        std::fs::symlink_metadata(path).map_err(|error| format!("cannot read file: {error}"))?;
    if metadata.file_type().is_symlink() {
        return Err("file is a symbolic link; links are not followed".to_string());
    }
    if metadata.len() > max_file_size {
        return Err(format!("file is {} bytes, over the --max-file-size limit of {max_file_size} bytes; it was skipped", metadata.len()));
    }
    let file = std::fs::File::open(path).map_err(|error| format!("cannot read file: {error}"))?;
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    // The file may grow between the size check and the read.
    file.take(max_file_size + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| format!("cannot read file: {error}"))?;
    if bytes.len() as u64 > max_file_size {
        return Err(format!(
            "file is over the --max-file-size limit of {max_file_size} bytes; it was skipped"
        ));
    }
    let text = String::from_utf8(bytes).map_err(|error| {
        let valid = error.utf8_error().valid_up_to();
        let bytes = error.as_bytes();
        let line = bytes[..valid].iter().filter(|&&b| b == b'\n').count() + 1;
        format!("file is not valid UTF-8 (invalid byte at line {line}, byte offset {valid})")
    })?;
    // A byte-order mark is not part of the code; positions are reported without it.
    let text = text
        .strip_prefix('\u{feff}')
        .map(str::to_string)
        .unwrap_or(text);
    Ok(Arc::from(text))
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

    #[test]
    fn a_file_that_vanished_is_a_read_problem() {
        let missing = std::env::temp_dir().join("partner-safety-no-such-file.rs");
        let problem = read_source(&missing, 1024).unwrap_err();
        assert!(problem.starts_with("cannot read file: "), "{problem}");
    }
}
