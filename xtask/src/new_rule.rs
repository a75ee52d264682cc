//! `new-rule`: a new rule module and its two registrations. The edits are functions from
//! the files' text to the new text, so they are tested on the real files without
//! writing them.

use std::collections::BTreeMap;
use std::path::Path;

const RULES_DIR: &str = "lints/src/rules";
const RULES_MOD: &str = "lints/src/rules/mod.rs";
const REGISTRY: &str = "lints/src/registry.rs";
const CHECKLIST: &str = "lints/src/checklist.rs";
const TOOL_CODES: &str = "lints/src/tool_codes.rs";

/// What the command line asked for, checked for form.
#[derive(Debug, PartialEq, Eq)]
pub struct Request {
    pub code: String,
    pub name: String,
    pub item: String,
    pub summary: String,
}

impl Request {
    pub fn parse(args: &[String]) -> Result<Request, String> {
        let mut flags = BTreeMap::new();
        let mut args = args.iter();
        while let Some(flag) = args.next() {
            let key = match flag.as_str() {
                "--code" | "--name" | "--item" | "--summary" => &flag[2..],
                other => return Err(format!("unknown argument `{other}`")),
            };
            let Some(value) = args.next() else {
                return Err(format!("`{flag}` needs a value"));
            };
            flags.insert(key, value.clone());
        }
        let mut take = |key: &str| {
            flags
                .remove(key)
                .ok_or_else(|| format!("`--{key}` is required"))
        };
        let code = take("code")?;
        let name = take("name")?;
        let item = take("item")?;
        if !is_rule_code(&code) {
            return Err(format!(
                "`{code}` is not a rule code: `PS` and three digits, not `PS0…` (the tool's own)"
            ));
        }
        if !is_rule_name(&name) {
            return Err(format!(
                "`{name}` is not a rule name: lowercase words joined by `-`"
            ));
        }
        let summary = flags.remove("summary").unwrap_or_else(|| sentence(&name));
        Ok(Request {
            code,
            name,
            item,
            summary,
        })
    }

    /// `some-name` → `some_name`, the module.
    pub fn module(&self) -> String {
        self.name.replace('-', "_")
    }

    /// `some-name` → `SomeName`, the rule's type.
    fn type_name(&self) -> String {
        self.name
            .split('-')
            .map(|word| {
                let mut chars = word.chars();
                chars
                    .next()
                    .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                    .unwrap_or_default()
            })
            .collect()
    }
}

fn is_rule_code(code: &str) -> bool {
    code.len() == 5
        && code.starts_with("PS")
        && code[2..].bytes().all(|byte| byte.is_ascii_digit())
        && !code[2..].starts_with('0')
}

fn is_rule_name(name: &str) -> bool {
    name.split('-').all(|word| {
        word.starts_with(|c: char| c.is_ascii_lowercase())
            && word
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    })
}

/// `some-name` → `Some name`.
fn sentence(name: &str) -> String {
    let words = name.replace('-', " ");
    let mut chars = words.chars();
    chars
        .next()
        .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// The files the command reads, as text.
pub struct Sources {
    pub rules_mod: String,
    pub registry: String,
    pub checklist: String,
    /// Every rule module and the tool codes, by module name (`tool_codes` for the latter).
    pub modules: BTreeMap<String, String>,
}

impl Sources {
    pub fn read(root: &Path) -> Result<Sources, String> {
        let read = |path: &Path| {
            std::fs::read_to_string(path).map_err(|error| format!("{}: {error}", path.display()))
        };
        let mut modules = BTreeMap::new();
        let dir = root.join(RULES_DIR);
        let entries =
            std::fs::read_dir(&dir).map_err(|error| format!("{}: {error}", dir.display()))?;
        for entry in entries {
            let path = entry.map_err(|error| error.to_string())?.path();
            let Some(module) = path.file_stem().and_then(|stem| stem.to_str()) else {
                continue;
            };
            if path.extension().is_some_and(|ext| ext == "rs") && module != "mod" {
                modules.insert(module.to_string(), read(&path)?);
            }
        }
        modules.insert("tool_codes".to_string(), read(&root.join(TOOL_CODES))?);
        Ok(Sources {
            rules_mod: read(&root.join(RULES_MOD))?,
            registry: read(&root.join(REGISTRY))?,
            checklist: read(&root.join(CHECKLIST))?,
            modules,
        })
    }

    /// The code each module declares (`code: "PS203"`), in `META` or the tool codes.
    fn codes(&self) -> BTreeMap<&str, Vec<&str>> {
        self.modules
            .iter()
            .map(|(module, text)| (module.as_str(), quoted_fields(text, "code")))
            .collect()
    }

    fn checklist_items(&self) -> Vec<&str> {
        let Some(start) = self.checklist.find("pub enum ChecklistItem {") else {
            return Vec::new();
        };
        let body = &self.checklist[start..];
        let body = &body[body.find('{').map_or(0, |i| i + 1)..body.find('}').unwrap_or(0)];
        body.split(',')
            .map(str::trim)
            .filter(|variant| !variant.is_empty())
            .collect()
    }

    /// Refuses a request whose module, code or name exists, or whose item does not.
    pub fn check(&self, request: &Request) -> Result<(), String> {
        if !self.checklist_items().contains(&request.item.as_str()) {
            return Err(format!(
                "`{}` is not a checklist item; one of: {}",
                request.item,
                self.checklist_items().join(", ")
            ));
        }
        if self.modules.contains_key(&request.module()) {
            return Err(format!("a module `{}` exists", request.module()));
        }
        for (module, text) in &self.modules {
            if quoted_fields(text, "code").contains(&request.code.as_str()) {
                return Err(format!("`{}` is taken by `{module}`", request.code));
            }
            if quoted_fields(text, "name").contains(&request.name.as_str()) {
                return Err(format!("`{}` is taken by `{module}`", request.name));
            }
        }
        Ok(())
    }
}

/// The values of `field: "…",` lines (`code: "PS203",`).
fn quoted_fields<'a>(text: &'a str, field: &str) -> Vec<&'a str> {
    let prefix = format!("{field}: \"");
    text.lines()
        .filter_map(|line| line.trim().strip_prefix(prefix.as_str()))
        .filter_map(|rest| rest.strip_suffix("\","))
        .collect()
}

/// Writes the module and both registrations, after every check passed.
pub fn write(root: &Path, request: &Request) -> Result<String, String> {
    let sources = Sources::read(root)?;
    sources.check(request)?;
    let module = request.module();
    let rules_mod = add_module(&sources.rules_mod, &module)?;
    let codes: BTreeMap<&str, &str> = sources
        .codes()
        .into_iter()
        .filter_map(|(module, codes)| Some((module, *codes.first()?)))
        .collect();
    let registry = add_to_registry(&sources.registry, &module, &request.code, &codes)?;
    let path = root.join(RULES_DIR).join(format!("{module}.rs"));
    let write = |path: &Path, text: &str| {
        std::fs::write(path, text).map_err(|error| format!("{}: {error}", path.display()))
    };
    write(&path, &rule_module(request))?;
    write(&root.join(RULES_MOD), &rules_mod)?;
    write(&root.join(REGISTRY), &registry)?;
    Ok(format!(
        "wrote {RULES_DIR}/{module}.rs and registered {} {} in {RULES_MOD} and {REGISTRY}.\n\
         Its test `flags_the_example` fails until the check reports the docs' example; \
         see CONTRIBUTING.md, \"Add a rule\", for the rest.",
        request.code, request.name
    ))
}

/// `pub mod <module>;` among the others, in alphabetical order.
pub fn add_module(rules_mod: &str, module: &str) -> Result<String, String> {
    let line = format!("pub mod {module};");
    let mut lines: Vec<&str> = rules_mod.lines().collect();
    let declared: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].starts_with("pub mod "))
        .collect();
    let Some(&last) = declared.last() else {
        return Err(format!("{RULES_MOD} declares no module"));
    };
    if declared.iter().any(|&i| lines[i] == line) {
        return Err(format!("{RULES_MOD} declares `{module}` already"));
    }
    let at = declared
        .iter()
        .copied()
        .find(|&i| lines[i] > line.as_str())
        .unwrap_or(last + 1);
    lines.insert(at, &line);
    Ok(lines.join("\n") + "\n")
}

/// `&crate::rules::<module>::META,` in `registry::all`, in code order among the rules
/// (`codes`: each rule module's code).
pub fn add_to_registry(
    registry: &str,
    module: &str,
    code: &str,
    codes: &BTreeMap<&str, &str>,
) -> Result<String, String> {
    let entry = |module: &str| format!("&crate::rules::{module}::META,");
    let mut lines: Vec<String> = registry.lines().map(str::to_string).collect();
    let rules: Vec<(usize, &str)> = lines
        .iter()
        .enumerate()
        .filter_map(|(i, line)| {
            let module = line.trim().strip_prefix("&crate::rules::")?;
            Some((i, module.strip_suffix("::META,")?))
        })
        .collect();
    let Some(&(last, _)) = rules.last() else {
        return Err(format!("{REGISTRY} lists no rule"));
    };
    if rules.iter().any(|&(_, listed)| listed == module) {
        return Err(format!("{REGISTRY} lists `{module}` already"));
    }
    let indent = &lines[last][..lines[last].len() - lines[last].trim_start().len()];
    let new_line = format!("{indent}{}", entry(module));
    let at = rules
        .iter()
        .find(|&&(_, listed)| codes.get(listed).is_some_and(|&listed| listed > code))
        .map_or(last + 1, |&(i, _)| i);
    lines.insert(at, new_line);
    Ok(lines.join("\n") + "\n")
}

/// The new module: the smallest shape of a rule, every section present.
pub fn rule_module(request: &Request) -> String {
    let Request {
        code,
        name,
        item,
        summary,
    } = request;
    let type_name = request.type_name();
    format!(
        r####"//! {code} {name}: {summary}.

use crate::checklist::{{ChecklistItem, Level}};
use crate::diagnostic::{{Diagnostic, FileId}};
use crate::options::{{OptionSpec, OptionValues}};
use crate::rule::{{Context, Rule, RuleMeta}};

pub const META: RuleMeta = RuleMeta {{
    code: "{code}",
    name: "{name}",
    checklist_item: Some(ChecklistItem::{item}),
    default_level: Level::Deny,
    summary: "{summary}",
    docs: r#"## What it does
Flags {summary_lower}.

## Why is this bad?
What a partner could do to a customer tenant because of it.

## Example
```rust
{EXAMPLE}```

## Use instead
```rust
{USE_INSTEAD}```

## Options
None.

## Checklist item
The checklist item's number and question.

## Fix
None automatic.
"#,
    options: OPTIONS,
    build: Some(build),
}};

/// Options, each declared as an `OptionKey` (CONTRIBUTING.md, "Add an option").
const OPTIONS: &[OptionSpec] = &[];

fn build(_options: &OptionValues) -> Box<dyn Rule> {{
    Box::new({type_name})
}}

struct {type_name};

impl Rule for {type_name} {{
    fn check_file(&self, _cx: &Context<'_>, _file: FileId, _out: &mut Vec<Diagnostic>) {{}}
}}

#[cfg(test)]
mod tests {{
    use crate::testing::Expect;

    /// Fails until the check reports the docs' example: run it with `UPDATE_EXPECT=1` to
    /// write the finding it reports under the line, and read what was written.
    #[test]
    fn flags_the_example() {{
        Expect::rule("{code}").findings(
            r#"
pub fn example() {{}}
//     ^^^^^^^ deny[{code}] {summary_lower}
"#,
        );
    }}

    #[test]
    fn does_not_flag_the_fix() {{
        Expect::rule("{code}").findings(
            r#"
pub fn use_instead() {{}}
"#,
        );
    }}
}}
"####,
        summary_lower = lowercase_first(summary),
    )
}

const EXAMPLE: &str = "pub fn example() {}\n";
const USE_INSTEAD: &str = "pub fn use_instead() {}\n";

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_lowercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn root() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    fn request(code: &str, name: &str, item: &str) -> Request {
        let args: Vec<String> = ["--code", code, "--name", name, "--item", item]
            .iter()
            .map(|arg| arg.to_string())
            .collect();
        Request::parse(&args).unwrap()
    }

    /// The lines of `after` that `before` does not have, in order.
    fn added_lines(before: &str, after: &str) -> Vec<String> {
        let mut before: Vec<&str> = before.lines().collect();
        after
            .lines()
            .filter(|line| match before.iter().position(|old| old == line) {
                Some(i) => {
                    before.remove(i);
                    false
                }
                None => true,
            })
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn the_module_is_declared_in_alphabetical_order() {
        let sources = Sources::read(&root()).unwrap();
        let edited = add_module(&sources.rules_mod, "leaky_session").unwrap();
        assert_eq!(
            added_lines(&sources.rules_mod, &edited),
            ["pub mod leaky_session;"]
        );
        let modules: Vec<&str> = edited
            .lines()
            .filter(|line| line.starts_with("pub mod "))
            .collect();
        let mut sorted = modules.clone();
        sorted.sort();
        assert_eq!(modules, sorted);
        assert_eq!(
            add_module(&sources.rules_mod, "leaky_error"),
            Err("lints/src/rules/mod.rs declares `leaky_error` already".to_string())
        );
    }

    #[test]
    fn the_rule_is_listed_in_code_order() {
        let sources = Sources::read(&root()).unwrap();
        let codes: BTreeMap<&str, &str> = sources
            .codes()
            .into_iter()
            .filter_map(|(module, codes)| Some((module, *codes.first()?)))
            .collect();
        let edited =
            add_to_registry(&sources.registry, "grant_on_signup", "PS205", &codes).unwrap();
        assert_eq!(
            added_lines(&sources.registry, &edited),
            ["        &crate::rules::grant_on_signup::META,"]
        );
        let listed: Vec<&str> = edited
            .lines()
            .filter_map(|line| line.trim().strip_prefix("&crate::rules::"))
            .filter_map(|rest| rest.strip_suffix("::META,"))
            .collect();
        let at = listed.iter().position(|&m| m == "grant_on_signup").unwrap();
        assert!(codes[listed[at - 1]] < "PS205", "{listed:?}");
        assert!(codes[listed[at + 1]] > "PS205", "{listed:?}");
        // A code after every rule goes last.
        let edited = add_to_registry(&sources.registry, "late_rule", "PS601", &codes).unwrap();
        let last_rule = edited
            .lines()
            .rfind(|line| line.trim().starts_with("&crate::rules::"));
        assert_eq!(last_rule, Some("        &crate::rules::late_rule::META,"));
        assert_eq!(
            add_to_registry(&sources.registry, "leaky_error", "PS602", &codes),
            Err("lints/src/registry.rs lists `leaky_error` already".to_string())
        );
    }

    #[test]
    fn an_existing_code_name_or_module_and_an_unknown_item_are_refused() {
        let sources = Sources::read(&root()).unwrap();
        assert_eq!(
            sources.check(&request("PS601", "some-name", "ContextLeakage")),
            Ok(())
        );
        assert_eq!(
            sources.check(&request("PS202", "some-name", "ContextLeakage")),
            Err("`PS202` is taken by `no_break_glass`".to_string())
        );
        assert_eq!(
            sources.check(&request("PS601", "no-break-glass", "BreakGlass")),
            Err("a module `no_break_glass` exists".to_string())
        );
        assert_eq!(
            sources.check(&request("PS601", "some-name", "ContextLeaks")),
            Err(
                "`ContextLeaks` is not a checklist item; one of: ScopeEnforcement, \
                 ContextLeakage, PiiMasking, SecretProtection, RoleMapping, BreakGlass, \
                 LeastPrivilege, NoisyNeighbor, AuditTrail, ErrorHandling, Attribution, \
                 QuotaInheritance, ContextIndicator, ActionConfirmation"
                    .to_string()
            )
        );
    }

    #[test]
    fn a_name_used_by_a_module_of_another_name_is_refused() {
        let mut sources = Sources::read(&root()).unwrap();
        sources.modules.insert(
            "renamed".to_string(),
            "    code: \"PS699\",\n    name: \"some-name\",\n".to_string(),
        );
        assert_eq!(
            sources.check(&request("PS601", "some-name", "ContextLeakage")),
            Err("`some-name` is taken by `renamed`".to_string())
        );
    }

    #[test]
    fn malformed_arguments_are_refused() {
        let parse = |args: &[&str]| {
            Request::parse(&args.iter().map(|arg| arg.to_string()).collect::<Vec<_>>())
        };
        assert_eq!(
            parse(&["--code", "PS61", "--name", "a", "--item", "BreakGlass"]),
            Err(
                "`PS61` is not a rule code: `PS` and three digits, not `PS0…` (the tool's own)"
                    .to_string()
            )
        );
        assert_eq!(
            parse(&["--code", "PS005", "--name", "a", "--item", "BreakGlass"]).map(|_| ()),
            Err(
                "`PS005` is not a rule code: `PS` and three digits, not `PS0…` (the tool's own)"
                    .to_string()
            )
        );
        assert_eq!(
            parse(&[
                "--code",
                "PS601",
                "--name",
                "Some_Name",
                "--item",
                "BreakGlass"
            ]),
            Err("`Some_Name` is not a rule name: lowercase words joined by `-`".to_string())
        );
        assert_eq!(
            parse(&["--code", "PS601", "--name", "a"]),
            Err("`--item` is required".to_string())
        );
        assert_eq!(
            parse(&["--code", "PS601", "--name"]),
            Err("`--name` needs a value".to_string())
        );
    }

    #[test]
    fn the_module_has_every_section_in_order() {
        let module = rule_module(&request("PS601", "stale-grant-cache", "ContextLeakage"));
        let at = |needle: &str| {
            module
                .find(needle)
                .unwrap_or_else(|| panic!("no `{needle}` in:\n{module}"))
        };
        let order = [
            "//! PS601 stale-grant-cache: Stale grant cache.",
            "code: \"PS601\",",
            "name: \"stale-grant-cache\",",
            "checklist_item: Some(ChecklistItem::ContextLeakage),",
            "## What it does\nFlags stale grant cache.",
            "## Why is this bad?",
            "## Example",
            "## Use instead",
            "## Options",
            "## Checklist item",
            "## Fix",
            "const OPTIONS: &[OptionSpec] = &[];",
            "struct StaleGrantCache;",
            "impl Rule for StaleGrantCache {",
            "mod tests {",
            "fn flags_the_example() {",
            "//     ^^^^^^^ deny[PS601] stale grant cache",
            "fn does_not_flag_the_fix() {",
        ];
        let positions: Vec<usize> = order.iter().map(|needle| at(needle)).collect();
        let mut sorted = positions.clone();
        sorted.sort();
        assert_eq!(positions, sorted);
    }
}
