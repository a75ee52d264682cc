//! `cargo partner-safety init`: a commented `partner-safety.toml` with every
//! rule at its default level and options, generated from the registry so a
//! new rule appears in it without a change here.

use crate::config::CONFIG_FILE;
use partner_safety_lints::model::MODEL_OPTIONS;
use partner_safety_lints::options::{OptionDefault, OptionSpec};
use partner_safety_lints::registry;
use partner_safety_lints::tool_codes;
use partner_safety_lints::RuleMeta;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where `init` wrote, and whether that is another folder than the one named.
pub struct Written {
    /// Under the folder as named when written there; the root's full path otherwise.
    pub path: PathBuf,
    /// Whether the workspace root is another folder than the one named (a member's).
    pub moved_to_root: bool,
}

/// Writes `partner-safety.toml` where a run from `named` reads it: at the root of the
/// workspace that `named` belongs to (the folder itself for a plain folder). A member's
/// folder would be the wrong place: the configuration is only read at the root.
pub fn init_for(named: &Path) -> Result<Written, String> {
    let discovered = crate::discover::discover(Some(named), None, None)?;
    let root = discovered.root;
    if let Some(table) = discovered
        .manifest
        .as_deref()
        .and_then(|manifest| crate::config::metadata_table(&root, manifest))
    {
        return Err(format!(
            "the workspace's Cargo.toml configures partner-safety in `[{table}]`; a {CONFIG_FILE} \
             beside it would replace that configuration, so none was written (edit the table, or \
             move it into {CONFIG_FILE} first)"
        ));
    }
    let path = init(&root)?;
    let named_folder = std::fs::canonicalize(named).unwrap_or_else(|_| named.to_path_buf());
    let moved_to_root = named_folder != root;
    Ok(Written {
        // As the user named it, unless it went elsewhere.
        path: if moved_to_root {
            path
        } else {
            named.join(CONFIG_FILE)
        },
        moved_to_root,
    })
}

/// Writes `DIR/partner-safety.toml`; never replaces an existing file.
pub fn init(dir: &Path) -> Result<PathBuf, String> {
    let path = dir.join(CONFIG_FILE);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|error| {
            if error.kind() == std::io::ErrorKind::AlreadyExists {
                format!(
                    "`{}` already exists; it was left as it is (remove it first to start over)",
                    path.display()
                )
            } else {
                format!("cannot create `{}`: {error}", path.display())
            }
        })?;
    file.write_all(render().as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|error| format!("cannot write `{}`: {error}", path.display()))?;
    Ok(path)
}

/// The whole file.
pub fn render() -> String {
    let mut out = String::new();
    out.push_str(
        "# partner-safety configuration: every rule with its default level and options.\n\
# Levels: \"allow\" (off), \"warn\" (reported, exit status 0), \"deny\" (exit status 1).\n\
# Rules are named by name or by code (`[rules.PS104]` works too);\n\
# `cargo partner-safety explain CODE` documents each one.\n\
# Delete what you do not change: defaults apply to anything left out.\n\n[rules]\n",
    );
    let metas = registry::all();
    for meta in metas.iter().filter(|meta| meta.options.is_empty()) {
        out.push_str(&format!(
            "# {} {}: {}\n",
            meta.code, meta.name, meta.summary
        ));
        if meta.code == tool_codes::INTERNAL_ERROR.code {
            out.push_str("# (always reported as deny; it cannot be configured)\n\n");
            continue;
        }
        out.push_str(&format!(
            "{} = \"{}\"\n\n",
            meta.name,
            meta.default_level.as_str()
        ));
    }
    for meta in metas.iter().filter(|meta| !meta.options.is_empty()) {
        rule_table(&mut out, meta);
    }
    out.push_str(
        "# The shared model: what counts as partner context, guards and queries (all rules).\n[model]\n",
    );
    options(&mut out, MODEL_OPTIONS);
    out
}

fn rule_table(out: &mut String, meta: &RuleMeta) {
    out.push_str(&format!(
        "# {} {}: {}\n",
        meta.code, meta.name, meta.summary
    ));
    out.push_str(&format!("[rules.{}]\n", meta.name));
    out.push_str(&format!("level = \"{}\"\n", meta.default_level.as_str()));
    options(out, meta.options);
}

fn options(out: &mut String, specs: &[OptionSpec]) {
    for spec in specs {
        for line in spec.doc.lines() {
            out.push_str(&format!("# {}\n", line.trim_end()).replace("# \n", "#\n"));
        }
        out.push_str(&format!("{} = {}\n", spec.key, value(&spec.default)));
    }
    out.push('\n');
}

fn value(default: &OptionDefault) -> String {
    match default {
        OptionDefault::StringList(items) => {
            if items.is_empty() {
                return "[]".to_string();
            }
            let items: Vec<String> = items.iter().map(|item| quote(item)).collect();
            let one_line = format!("[{}]", items.join(", "));
            if one_line.len() <= 80 {
                one_line
            } else {
                format!("[\n    {},\n]", items.join(",\n    "))
            }
        }
        OptionDefault::Integer(value) => value.to_string(),
        OptionDefault::Bool(value) => value.to_string(),
    }
}

/// A TOML basic string.
fn quote(text: &str) -> String {
    let mut quoted = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            c if c.is_control() => quoted.push_str(&format!("\\u{:04X}", c as u32)),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;
    use partner_safety_lints::engine::Settings;

    /// The generated file, read back by the real loader, is the defaults.
    #[test]
    fn init_output_loads_as_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = init(dir.path()).unwrap();
        let loaded = crate::config::load(dir.path(), None, Some(&path)).unwrap();
        let defaults = Settings::default();
        for meta in registry::all() {
            assert_eq!(
                loaded.level(meta.code),
                defaults.level(meta.code),
                "{}",
                meta.code
            );
            for spec in meta.options {
                assert_eq!(
                    loaded.options[meta.code].get_value(spec.key),
                    Some(&spec.default_value()),
                    "{} {}",
                    meta.code,
                    spec.key
                );
            }
        }
        for spec in MODEL_OPTIONS {
            assert_eq!(
                loaded.model.get_value(spec.key),
                Some(&spec.default_value()),
                "{}",
                spec.key
            );
        }
    }

    /// The keys are live, not comments: changing one changes the settings.
    #[test]
    fn edited_levels_take_effect() {
        use partner_safety_lints::Level;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CONFIG_FILE);
        let mut text = render();
        for meta in registry::rules() {
            let (from, to) = match meta.options.is_empty() {
                true => (
                    format!("\n{} = \"", meta.name),
                    format!("\n{} = \"allow\" #", meta.name),
                ),
                false => (
                    format!("[rules.{}]\nlevel = \"", meta.name),
                    format!("[rules.{}]\nlevel = \"allow\" #", meta.name),
                ),
            };
            assert!(text.contains(&from), "{}", meta.code);
            text = text.replacen(&from, &to, 1);
        }
        std::fs::write(&path, text).unwrap();
        let loaded = crate::config::load(dir.path(), None, Some(&path)).unwrap();
        for meta in registry::rules() {
            assert_eq!(loaded.level(meta.code), Level::Allow, "{}", meta.code);
        }
    }

    #[test]
    fn every_rule_and_option_is_written() {
        let text = render();
        for meta in registry::all() {
            assert!(
                text.contains(&format!("# {} {}:", meta.code, meta.name)),
                "{}",
                meta.code
            );
            for spec in meta.options {
                assert!(text.contains(&format!("\n{} = ", spec.key)), "{}", spec.key);
            }
        }
    }

    #[test]
    fn init_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CONFIG_FILE), "# mine\n").unwrap();
        let error = init(dir.path()).unwrap_err();
        assert!(error.contains("already exists"), "{error}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join(CONFIG_FILE)).unwrap(),
            "# mine\n"
        );
    }
}
