//! Configuration: `partner-safety.toml` at the workspace root, or
//! `[workspace.metadata.partner-safety]` (or `[package.metadata.…]`) in its
//! Cargo.toml, or `--config FILE`; then `-A/-W/-D` from the command line.
//!
//! ```toml
//! [rules]
//! PS501 = "allow"                  # a level, by code or name
//!
//! [rules.readable-secret]          # or [rules.PS104]
//! level = "deny"
//! extra_secret_names = ["pin_code"]
//! ```
//!
//! Errors point into the file and suggest the closest valid name.

// A config error ends the run, so its size on the error path costs nothing.
#![allow(clippy::result_large_err)]

use miette::{Diagnostic, LabeledSpan, NamedSource, SourceSpan};
use partner_safety_lints::engine::Settings;
use partner_safety_lints::model::MODEL_OPTIONS;
use partner_safety_lints::options::{OptionKind, OptionSpec, OptionValue};
use partner_safety_lints::registry;
use partner_safety_lints::tool_codes;
use partner_safety_lints::{Level, RuleMeta};
use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use toml_edit::{Item, Key, TableLike, Value};

pub const CONFIG_FILE: &str = "partner-safety.toml";

/// A config problem, shown with the offending part of the file.
#[derive(Debug)]
pub struct ConfigError {
    pub message: String,
    pub source: Option<NamedSource<String>>,
    pub span: Option<SourceSpan>,
    pub label: String,
    pub help: Option<String>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

impl Diagnostic for ConfigError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new("partner-safety::config"))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source
            .as_ref()
            .map(|source| source as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.span?;
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            Some(self.label.clone()),
            span,
        ))))
    }
}

/// Reads the configuration for a workspace root.
pub fn load(
    root: &Path,
    manifest: Option<&Path>,
    explicit: Option<&Path>,
) -> Result<Settings, ConfigError> {
    let mut settings = Settings::default();
    if let Some(path) = explicit {
        let text = read(root, path, Some("check the path given to --config"))?;
        let document = Document::new(root, path, text);
        // A manifest given as the config (a CI job pinning the base branch's
        // configuration) is read for its metadata table, as at the root.
        if path.file_name().is_some_and(|name| name == "Cargo.toml") {
            apply_manifest_metadata(&mut settings, &document)?;
        } else {
            apply_document(&mut settings, &document, &[])?;
        }
        return Ok(settings);
    }
    let own_file = root.join(CONFIG_FILE);
    if exists(&own_file) {
        let text = read(root, &own_file, None)?;
        let document = Document::new(root, &own_file, text);
        apply_document(&mut settings, &document, &[])?;
        return Ok(settings);
    }
    if let Some(manifest) = manifest.filter(|manifest| exists(manifest)) {
        let text = read(root, manifest, None)?;
        let document = Document::new(root, manifest, text);
        apply_manifest_metadata(&mut settings, &document)?;
    }
    Ok(settings)
}

/// Whatever stands at a config file's name counts as there: a link is refused, not
/// passed over.
fn exists(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

const METADATA_TABLES: [[&str; 3]; 2] = [
    ["workspace", "metadata", "partner-safety"],
    ["package", "metadata", "partner-safety"],
];

/// Applies the first metadata table a manifest has, if any.
fn apply_manifest_metadata(
    settings: &mut Settings,
    manifest: &Document<'_>,
) -> Result<(), ConfigError> {
    for prefix in METADATA_TABLES {
        if apply_metadata(settings, manifest, &prefix)? {
            break;
        }
    }
    Ok(())
}

/// When `partner-safety.toml` and a metadata table in the root's manifest are both
/// there, the file is used and the table is not: a warning that says so. `None` when
/// only one (or neither) is there, or when `--config` names the configuration.
pub fn shadowed_metadata(
    root: &Path,
    manifest: Option<&Path>,
    explicit: Option<&Path>,
) -> Option<String> {
    let manifest = manifest.filter(|_| explicit.is_none() && exists(&root.join(CONFIG_FILE)))?;
    let table = metadata_table(root, manifest)?;
    Some(format!(
        "both `{CONFIG_FILE}` and `[{table}]` in `Cargo.toml` configure partner-safety; \
         `{CONFIG_FILE}` is used and the `Cargo.toml` table is ignored (keep one of them)"
    ))
}

/// The name of the partner-safety metadata table a manifest has (`workspace.metadata.…`
/// or `package.metadata.…`), if it has one. A manifest that cannot be read or parsed has
/// none here: reading the configuration reports that.
pub fn metadata_table(root: &Path, manifest: &Path) -> Option<String> {
    if !exists(manifest) {
        return None;
    }
    let text = crate::discover::read_regular_text(root, manifest, CONFIG_LIMIT).ok()?;
    let parsed = toml_edit::Document::parse(text).ok()?;
    METADATA_TABLES.iter().find_map(|prefix| {
        let mut item = parsed.as_item();
        for key in prefix {
            item = item.as_table_like()?.get(key)?;
        }
        Some(prefix.join("."))
    })
}

/// Configuration files are untrusted input too: only regular files, never through a
/// link, and an error never shows what was in a file it refused.
const CONFIG_LIMIT: u64 = 4 * 1024 * 1024;

fn read(root: &Path, path: &Path, help: Option<&str>) -> Result<String, ConfigError> {
    crate::discover::read_regular_text(root, path, CONFIG_LIMIT).map_err(|problem| ConfigError {
        message: format!("cannot read configuration: {problem}"),
        source: None,
        span: None,
        label: String::new(),
        help: help.map(str::to_string),
    })
}

/// A configuration file's text, and whether errors may quote it: only files inside the
/// linted folder are shown in error snippets (a `--config` elsewhere is named, not shown).
struct Document<'a> {
    path: &'a Path,
    text: String,
    quotable: bool,
}

impl<'a> Document<'a> {
    fn new(root: &Path, path: &'a Path, text: String) -> Self {
        Document {
            quotable: crate::discover::is_inside(root, path),
            path,
            text,
        }
    }

    fn source(&self) -> Option<NamedSource<String>> {
        self.quotable
            .then(|| NamedSource::new(self.path.display().to_string(), self.text.clone()))
    }
}

/// Applies `[<prefix>]` of a Cargo.toml; false when the manifest has no such table.
fn apply_metadata(
    settings: &mut Settings,
    manifest: &Document<'_>,
    prefix: &[&str; 3],
) -> Result<bool, ConfigError> {
    let parsed = parse(manifest)?;
    let mut item = parsed.as_item();
    for key in prefix {
        match item.as_table_like().and_then(|table| table.get(key)) {
            Some(next) => item = next,
            None => return Ok(false),
        }
    }
    apply_document(settings, manifest, prefix)?;
    Ok(true)
}

fn parse(document: &Document<'_>) -> Result<toml_edit::Document<String>, ConfigError> {
    toml_edit::Document::parse(document.text.clone()).map_err(|error| {
        let at = error.span().map(|span| {
            let line = document.text[..span.start.min(document.text.len())]
                .matches('\n')
                .count()
                + 1;
            format!(" (line {line})")
        });
        ConfigError {
            message: format!(
                "`{}` is not valid TOML{}: {}",
                document.path.display(),
                at.unwrap_or_default(),
                error.message().trim()
            ),
            source: document.source(),
            span: error.span().map(SourceSpan::from),
            label: "here".to_string(),
            help: None,
        }
    })
}

struct Validator<'a> {
    document: &'a Document<'a>,
}

impl Validator<'_> {
    fn error(
        &self,
        message: String,
        span: Option<std::ops::Range<usize>>,
        label: &str,
        help: Option<String>,
    ) -> ConfigError {
        ConfigError {
            message: format!("{} in `{}`", message, self.document.path.display()),
            source: self.document.source(),
            span: span.map(SourceSpan::from),
            label: label.to_string(),
            help,
        }
    }
}

fn apply_document(
    settings: &mut Settings,
    document: &Document<'_>,
    prefix: &[&str],
) -> Result<(), ConfigError> {
    let parsed = parse(document)?;
    let validator = Validator { document };
    let mut item = parsed.as_item();
    for key in prefix {
        item = item
            .as_table_like()
            .and_then(|table| table.get(key))
            .unwrap_or(item);
    }
    let Some(table) = item.as_table_like() else {
        return Err(validator.error(
            "the partner-safety configuration must be a table".into(),
            item.span(),
            "not a table",
            None,
        ));
    };
    for (key, value) in table.iter() {
        let key_span = key_span(table, key);
        match key {
            "rules" => apply_rules(settings, &validator, value)?,
            "model" => apply_model(settings, &validator, value)?,
            unknown => {
                return Err(validator.error(
                    format!("unknown configuration key `{unknown}`"),
                    key_span,
                    "unknown key",
                    Some(suggest(unknown, ["rules", "model"]).unwrap_or_else(|| {
                        "the configuration has two tables: `[rules]` and `[model]`".to_string()
                    })),
                ))
            }
        }
    }
    Ok(())
}

fn key_span(table: &dyn TableLike, key: &str) -> Option<std::ops::Range<usize>> {
    table
        .get_key_value(key)
        .and_then(|(key, item): (&Key, &Item)| key.span().or_else(|| item.span()))
}

fn apply_rules(
    settings: &mut Settings,
    validator: &Validator<'_>,
    rules: &Item,
) -> Result<(), ConfigError> {
    let Some(rules) = rules.as_table_like() else {
        return Err(validator.error(
            "`rules` must be a table".into(),
            rules.span(),
            "not a table",
            None,
        ));
    };
    let mut seen: HashMap<&'static str, String> = HashMap::new();
    for (key, value) in rules.iter() {
        let span = key_span(rules, key);
        let meta = registry::lookup(key).ok_or_else(|| {
            validator.error(
                format!("unknown rule `{key}`"),
                span.clone(),
                "no rule has this code or name",
                Some(
                    suggest(key, registry::all_identifiers()).unwrap_or_else(|| {
                        "`cargo partner-safety rules` lists every code and name".into()
                    }),
                ),
            )
        })?;
        if let Some(previous) = seen.insert(meta.code, key.to_string()) {
            return Err(validator.error(
                format!(
                    "rule {} is configured twice, as `{previous}` and as `{key}`",
                    meta.code
                ),
                span,
                "second configuration",
                Some("keep one of them".into()),
            ));
        }
        if meta.code == tool_codes::INTERNAL_ERROR.code {
            return Err(validator.error(
                "PS003 internal-error cannot be configured: a failed analysis is always reported"
                    .into(),
                span,
                "always on",
                None,
            ));
        }
        match value {
            Item::Value(Value::String(level)) => {
                settings.levels.insert(meta.code, parse_level(validator, level.value(), value.span())?);
            }
            _ => match value.as_table_like() {
                Some(table) => apply_rule_table(settings, validator, meta, table)?,
                None => {
                    return Err(validator.error(
                        format!("`{key}` must be a level (\"allow\", \"warn\", \"deny\") or a table of options"),
                        value.span(),
                        "expected a string or a table",
                        None,
                    ))
                }
            },
        }
    }
    Ok(())
}

fn parse_level(
    validator: &Validator<'_>,
    text: &str,
    span: Option<std::ops::Range<usize>>,
) -> Result<Level, ConfigError> {
    Level::parse(text).ok_or_else(|| {
        validator.error(
            format!("unknown level `{text}`"),
            span,
            "expected \"allow\", \"warn\" or \"deny\"",
            suggest(text, ["allow", "warn", "deny"]),
        )
    })
}

fn apply_rule_table(
    settings: &mut Settings,
    validator: &Validator<'_>,
    meta: &'static RuleMeta,
    table: &dyn TableLike,
) -> Result<(), ConfigError> {
    for (key, value) in table.iter() {
        let span = key_span(table, key);
        if key == "level" {
            let Some(level) = value.as_str() else {
                return Err(validator.error(
                    "`level` must be a string".into(),
                    value.span(),
                    "expected \"allow\", \"warn\" or \"deny\"",
                    None,
                ));
            };
            settings
                .levels
                .insert(meta.code, parse_level(validator, level, value.span())?);
            continue;
        }
        let Some(spec) = meta.options.iter().find(|spec| spec.key == key) else {
            let valid = std::iter::once("level").chain(meta.options.iter().map(|spec| spec.key));
            let listing = std::iter::once("level")
                .chain(meta.options.iter().map(|spec| spec.key))
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ");
            return Err(validator.error(
                format!(
                    "unknown option `{key}` for rule {} {}",
                    meta.code, meta.name
                ),
                span,
                "unknown option",
                Some(suggest(key, valid).unwrap_or_else(|| format!("valid keys: {listing}"))),
            ));
        };
        let owner = format!("{} {}", meta.code, meta.name);
        let parsed = parse_option(validator, spec, key, value, &owner)?;
        settings
            .options
            .entry(meta.code)
            .or_default()
            .set(spec.key, parsed);
    }
    Ok(())
}

/// Checks an option's value against its declared type.
fn parse_option(
    validator: &Validator<'_>,
    spec: &OptionSpec,
    key: &str,
    value: &Item,
    owner: &str,
) -> Result<OptionValue, ConfigError> {
    let wrong_type = || {
        validator.error(
            format!(
                "option `{key}` of {owner} must be {}",
                spec.kind().describe()
            ),
            value.span(),
            "wrong type",
            None,
        )
    };
    Ok(match spec.kind() {
        OptionKind::StringList => {
            let array = value.as_array().ok_or_else(wrong_type)?;
            let mut items = Vec::new();
            for item in array.iter() {
                let Some(text) = item.as_str() else {
                    return Err(validator.error(
                        format!("option `{key}` of {owner} must be a list of strings"),
                        item.span(),
                        "not a string",
                        None,
                    ));
                };
                items.push(text.to_string());
            }
            OptionValue::StringList(items)
        }
        OptionKind::Integer => {
            let integer = value.as_integer().ok_or_else(wrong_type)?;
            // The rule reads the option as its own type (`u64` seconds): a value that
            // type cannot hold is refused here, not read as the default.
            if let Err(accepted) = spec.check_integer(integer) {
                return Err(validator.error(
                    format!("option `{key}` of {owner} must be {accepted}"),
                    value.span(),
                    "out of range",
                    None,
                ));
            }
            OptionValue::Integer(integer)
        }
        OptionKind::Bool => OptionValue::Bool(value.as_bool().ok_or_else(wrong_type)?),
    })
}

/// `[model]`: the shared model's options (partner context, guards, queries).
fn apply_model(
    settings: &mut Settings,
    validator: &Validator<'_>,
    model: &Item,
) -> Result<(), ConfigError> {
    let Some(table) = model.as_table_like() else {
        return Err(validator.error(
            "`model` must be a table".into(),
            model.span(),
            "not a table",
            None,
        ));
    };
    for (key, value) in table.iter() {
        let Some(spec) = MODEL_OPTIONS.iter().find(|spec| spec.key == key) else {
            return Err(validator.error(
                format!("unknown option `{key}` in [model]"),
                key_span(table, key),
                "unknown option",
                suggest(key, MODEL_OPTIONS.iter().map(|spec| spec.key)),
            ));
        };
        let parsed = parse_option(validator, spec, key, value, "[model]")?;
        if key == "partner_paths" {
            if let (OptionValue::StringList(globs), Some(array)) = (&parsed, value.as_array()) {
                for (glob, item) in globs.iter().zip(array.iter()) {
                    if let Err(error) = globset::Glob::new(glob) {
                        return Err(validator.error(
                            format!("invalid glob `{glob}`: {error}"),
                            item.span(),
                            "invalid glob",
                            None,
                        ));
                    }
                }
            }
        }
        settings.model.set(spec.key, parsed);
    }
    Ok(())
}

/// "did you mean `readable-secret`?" for the closest candidate, if close enough.
pub fn suggest<'a>(given: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let given_lower = given.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|candidate| {
            (
                strsim::jaro_winkler(&given_lower, &candidate.to_ascii_lowercase()),
                candidate,
            )
        })
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| format!("did you mean `{candidate}`?"))
}

/// A command-line level override that cannot be applied.
#[derive(Debug)]
pub struct UnknownRule {
    pub given: String,
    pub suggestion: Option<String>,
    /// Set when the rule exists but its level is fixed.
    pub fixed: bool,
}

/// Applies `-A/-W/-D` in command-line order; `all` means every configurable code.
pub fn apply_overrides(
    settings: &mut Settings,
    overrides: &[(Level, String)],
) -> Result<(), UnknownRule> {
    for (level, target) in overrides {
        if target == "all" {
            for meta in registry::all() {
                if meta.code != tool_codes::INTERNAL_ERROR.code {
                    settings.levels.insert(meta.code, *level);
                }
            }
            continue;
        }
        match registry::lookup(target) {
            Some(meta) if meta.code != tool_codes::INTERNAL_ERROR.code => {
                settings.levels.insert(meta.code, *level);
            }
            Some(_) => {
                return Err(UnknownRule {
                    given: target.clone(),
                    suggestion: None,
                    fixed: true,
                });
            }
            _ => {
                return Err(UnknownRule {
                    given: target.clone(),
                    suggestion: suggest(target, registry::all_identifiers().chain(["all"])),
                    fixed: false,
                })
            }
        }
    }
    Ok(())
}
