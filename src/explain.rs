//! `explain CODE` and `rules`: generated from the registry, like the README table.

use crate::config::suggest;
use partner_safety_lints::options::OptionDefault;
use partner_safety_lints::registry;
use partner_safety_lints::RuleMeta;

pub fn explain(code_or_name: &str) -> Result<String, String> {
    let meta = registry::lookup(code_or_name).ok_or_else(|| {
        let hint = suggest(code_or_name, registry::all_identifiers()).unwrap_or_else(|| {
            "`cargo partner-safety rules` lists every code and name".to_string()
        });
        format!("unknown rule `{code_or_name}`: {hint}")
    })?;
    let mut text = format!("# {} {}\n\n", meta.code, meta.name);
    text.push_str(&format!("Default level: {}", meta.default_level.as_str()));
    if let Some(item) = meta.checklist_item {
        text.push_str(&format!(". Checklist item: {}", item.label()));
    }
    text.push_str(&format!(
        ".\n\n{}\n\n{}\n",
        meta.summary,
        meta.docs.trim_end()
    ));
    if !meta.options.is_empty() {
        text.push_str(&format!(
            "\n## Configuration\n```toml\n{}```\n",
            option_table(meta)
        ));
    }
    Ok(text)
}

/// `[rules.NAME]` with every option at its default, as TOML.
pub fn option_table(meta: &RuleMeta) -> String {
    let mut text = format!(
        "[rules.{}]\nlevel = \"{}\"\n",
        meta.name,
        meta.default_level.as_str()
    );
    for spec in meta.options {
        let value = match spec.default {
            OptionDefault::StringList(items) => {
                format!(
                    "[{}]",
                    items
                        .iter()
                        .map(|item| format!("{item:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
            OptionDefault::Integer(value) => value.to_string(),
            OptionDefault::Bool(value) => value.to_string(),
        };
        text.push_str(&format!("# {}\n{} = {}\n", spec.doc, spec.key, value));
    }
    text
}

/// The rule table for `rules` (plain) and for the README (Markdown).
pub fn rules_table(markdown: bool) -> String {
    let mut text = String::new();
    if markdown {
        text.push_str("| code | name | checklist item | default level | what it flags |\n|---|---|---|---|---|\n");
    }
    let label = |meta: &RuleMeta| {
        meta.checklist_item
            .map_or_else(|| "tool".to_string(), |item| item.label())
    };
    // Each column as wide as its widest entry, so that a long name cannot push its row's
    // later columns out of line.
    let name_width = registry::all()
        .iter()
        .map(|meta| meta.name.len())
        .max()
        .unwrap_or(0);
    let item_width = registry::all()
        .iter()
        .map(|meta| label(meta).chars().count())
        .max()
        .unwrap_or(0);
    for meta in registry::all() {
        let item = label(meta);
        if markdown {
            text.push_str(&format!(
                "| {} | `{}` | {} | {} | {} |\n",
                meta.code,
                meta.name,
                item,
                meta.default_level.as_str(),
                meta.summary.replace('|', "\\|")
            ));
        } else {
            text.push_str(&format!(
                "{:<6} {:<name_width$} {:<5} {:<item_width$} {}\n",
                meta.code,
                meta.name,
                meta.default_level.as_str(),
                item,
                meta.summary
            ));
        }
    }
    text
}
