//! PS203 broad-manages-grant: a `MANAGES` relationship that grants more than needed.

use crate::checklist::{ChecklistItem, Level};
use crate::cypher::Span as QuerySpan;
use crate::cypher::{PropValue, QueryFacts, RelPattern};
use crate::diagnostic::{Diagnostic, FileId, Location};
use crate::index::{ArgFact, FunctionDef, Workspace};
use crate::model::body_needs::BodyNeeds;
use crate::model::callgraph::FnId;
use crate::model::name_patterns::Pattern;
use crate::model::name_patterns::Patterns;
use crate::model::queries::{Origin, Query};
use crate::names::words;
use crate::options::{OptionSpec, OptionValues};
use crate::rule::{Context, Rule, RuleMeta};
use crate::source::Span;

pub const META: RuleMeta = RuleMeta {
    code: "PS203",
    name: "broad-manages-grant",
    checklist_item: Some(ChecklistItem::LeastPrivilege),
    default_level: Level::Deny,
    summary: "A `MANAGES` grant without explicit permissions, or with broad ones",
    docs: r#"## What it does
Flags a `CREATE`/`MERGE` of a `MANAGES` relationship that sets no permission property
(`permissions`, `scopes`, `role` by default; in the pattern or in a `SET`/`ON CREATE SET`
on the relationship in the same query), or sets it to a broad value: `'*'`, `'all'`,
`'admin'`, `'owner'`, a list containing one of those, or a query parameter bound (with
`.param("name", value)` in the same function) to a broad Rust value such as
`Permissions::all()`, `Scope::Full`, `Role::Admin`/`Owner`/`SuperUser` or `vec!["*"]`.
Also flags a hand-written `Default` impl of a grant type (names matching `*Manages*`,
`*Grant*`) that returns such a broad value.

Decisions where the catalogue is silent:
- A relationship given a whole property map (`[:MANAGES $props]`, `SET r += $props`) is
  not judged: the keys are not known statically.
- A parameter whose Rust value cannot be found in the same function is not judged.

## Why is this bad?
The default grant is the one every partner gets. If it means "everything", every partner
can do everything in every customer tenant it manages, which no customer agreed to.

## Example
```cypher
MATCH (p:Partner {id: $partner_id}), (t:Tenant {id: $tenant_id})
CREATE (p)-[:MANAGES]->(t)
```

## Use instead
```cypher
MATCH (p:Partner {id: $partner_id}), (t:Tenant {id: $tenant_id})
CREATE (p)-[:MANAGES {permissions: ['users:read', 'tickets:write'], granted_at: datetime()}]->(t)
```

## Options
- `permission_properties`: relationship properties that carry the grant.
- `broad_values`: values that grant everything (strings in Cypher, last path segments in Rust).
- `grant_types`: type names (wildcards) whose `Default` impl is checked.

## Checklist item
2. Least Privilege: Does the default `:MANAGES` relationship grant the minimum necessary
permissions?

## Fix
None automatic: the right permissions depend on the product.
"#,
    options: OPTIONS,
    build: Some(build),
};

/// Each option declared once: its key, default and doc, and the type it is read as.
mod option {
    use crate::options::{OptionKey, StringList};

    pub const PERMISSION_PROPERTIES: OptionKey<StringList> = OptionKey::strings(
        "permission_properties",
        &["permissions", "scopes", "role"],
        "Relationship properties that carry what a MANAGES grant allows",
    );

    pub const BROAD_VALUES: OptionKey<StringList> = OptionKey::strings(
        "broad_values",
        &[
            "*",
            "all",
            "admin",
            "owner",
            "full",
            "superuser",
            "everything",
        ],
        "Values that grant everything, compared as whole words without case",
    );

    pub const GRANT_TYPES: OptionKey<StringList> = OptionKey::strings(
        "grant_types",
        &["*Manages*", "*Grant*"],
        "Types whose hand-written `Default` impl must not grant broad permissions",
    );
}

const OPTIONS: &[OptionSpec] = &[
    option::PERMISSION_PROPERTIES.spec(),
    option::BROAD_VALUES.spec(),
    option::GRANT_TYPES.spec(),
];

fn build(options: &OptionValues) -> Box<dyn Rule> {
    Box::new(BroadManagesGrant {
        permission_properties: options.get(&option::PERMISSION_PROPERTIES).to_vec(),
        broad_values: options
            .get(&option::BROAD_VALUES)
            .iter()
            .map(|value| value.to_ascii_lowercase())
            .collect(),
        grant_types: Patterns::new(options.get(&option::GRANT_TYPES)),
    })
}

struct BroadManagesGrant {
    permission_properties: Vec<String>,
    broad_values: Vec<String>,
    grant_types: Patterns,
}

/// What the grant's permission property holds.
enum Permissions<'a> {
    Missing,
    Unknown,
    Broad {
        value: String,
        at: Location,
    },
    Narrow,
    /// Bound to `$name`: judged by the Rust value passed for it.
    Parameter(&'a str),
}

impl Rule for BroadManagesGrant {
    /// `impl Default for ManagesGrant` is read wherever it is: `default` in an `impl` of
    /// `Default` for a grant type.
    fn bodies_needed_without_partner_model(&self, needs: &mut BodyNeeds) {
        for grant_type in self.grant_types.iter() {
            needs.method_in_impl("default", vec![Pattern::new("Default"), grant_type.clone()]);
        }
    }

    fn check_file(&self, cx: &Context<'_>, file: FileId, out: &mut Vec<Diagnostic>) {
        for grant in cx.model.grants.in_file(&cx.model.queries, file) {
            let Ok(facts) = &grant.query.parsed else {
                continue;
            };
            let at = grant.query.location(grant.relationship.span.range());
            // The relationship as the workspace calls it (R3): `MANAGES`, `SERVES`, ….
            let vocabulary = &cx.model.queries.vocabulary;
            let kind = grant
                .relationship
                .types
                .iter()
                .find(|kind| vocabulary.is_manages_type(kind))
                .map_or("MANAGES", String::as_str);
            match self.permissions(facts, grant.query, grant.relationship) {
                Permissions::Missing => out.push(
                    Diagnostic::new(format!("`{kind}` grant sets no explicit permissions, so the partner gets whatever \"managing\" means everywhere"), at)
                        .with_primary_label("no permission property")
                        .with_help(format!(
                            "give the relationship the narrowest grant it needs, e.g. `[:{kind} {{{}: ['users:read']}}]`",
                            self.permission_properties.first().map_or("permissions", String::as_str)
                        )),
                ),
                Permissions::Broad { value, at: value_at } => out.push(
                    Diagnostic::new(format!("`{kind}` grant gives broad permissions `{value}`"), value_at)
                        .with_primary_label("broad grant")
                        .with_label(at, "granted here")
                        .with_help("grant named permissions the partner needs instead of everything"),
                ),
                Permissions::Parameter(name) => {
                    if let Some((value, value_at)) = self.broad_parameter(cx.workspace, grant.query, name) {
                        out.push(
                            Diagnostic::new(format!("`{kind}` grant gives broad permissions: `${name}` is `{value}`"), value_at)
                                .with_primary_label("broad grant")
                                .with_label(at, "granted here")
                                .with_help("grant named permissions the partner needs instead of everything"),
                        );
                    }
                }
                Permissions::Narrow | Permissions::Unknown => {}
            }
        }
        self.check_default_impls(cx.workspace, file, out);
    }
}

impl BroadManagesGrant {
    fn is_broad(&self, text: &str) -> bool {
        let text = text.trim().trim_matches(['\'', '"']).to_ascii_lowercase();
        self.broad_values.contains(&text)
            || (text.len() <= 24
                && words(&text).len() == 1
                && self.broad_values.contains(&words(&text)[0]))
    }

    fn permissions<'f>(
        &self,
        facts: &'f QueryFacts,
        query: &Query,
        relationship: &'f RelPattern,
    ) -> Permissions<'f> {
        if relationship.properties_parameter.is_some() {
            return Permissions::Unknown;
        }
        // A property's span may end at its key (lists have no recorded end):
        // the value runs to the next property or the end of the pattern.
        let in_pattern = relationship
            .properties
            .iter()
            .enumerate()
            .find(|(_, p)| self.permission_properties.contains(&p.key))
            .map(|(i, p)| {
                let end = relationship
                    .properties
                    .get(i + 1)
                    .map_or(relationship.span.end, |next| next.span.start);
                (&p.value, QuerySpan::new(p.span.start, end.max(p.span.end)))
            });
        let written = facts
            .clauses
            .iter()
            .flat_map(|clause| &clause.writes)
            .find(|write| {
                write.target.binding == Some(relationship.binding)
                    && write
                        .property
                        .as_ref()
                        .is_some_and(|key| self.permission_properties.contains(key))
            });
        let map_written = facts
            .clauses
            .iter()
            .flat_map(|clause| &clause.writes)
            .any(|write| {
                write.target.binding == Some(relationship.binding) && write.property.is_none()
            });
        let (value, span) = match (in_pattern, written) {
            (Some((value, span)), _) => (value, span),
            (None, Some(write)) => (&write.value, write.target.span),
            (None, None) if map_written => return Permissions::Unknown,
            (None, None) => return Permissions::Missing,
        };
        let broad = |text: &str| Permissions::Broad {
            value: text.to_string(),
            at: query.location(span.range()),
        };
        match value {
            PropValue::Literal(text) if self.is_broad(text) => broad(text),
            PropValue::Parameter(name) => Permissions::Parameter(name),
            PropValue::Other => {
                // A list literal: look at the quoted strings in it.
                let written_text = query.text.text.get(span.range()).unwrap_or("");
                match quoted_strings(written_text)
                    .into_iter()
                    .find(|s| self.is_broad(s))
                {
                    Some(text) => broad(&text),
                    None => Permissions::Narrow,
                }
            }
            PropValue::TemplateHole | PropValue::Variable { .. } | PropValue::PropertyOf { .. } => {
                Permissions::Unknown
            }
            PropValue::Literal(_) => Permissions::Narrow,
        }
    }

    /// The Rust value passed for `$name` with `.param("name", value)` after the query call.
    fn broad_parameter(
        &self,
        workspace: &Workspace,
        query: &Query,
        name: &str,
    ) -> Option<(String, Location)> {
        let Origin::Call { function, call } = query.origin else {
            return None;
        };
        let def = workspace.function(function);
        let query_call = def.calls.get(call)?;
        let text = &workspace.file(function.file).text;
        let value = def.calls.iter().find_map(|candidate| {
            let is_param = candidate.name() == "param"
                && candidate.span.start <= query_call.span.start
                && query_call.span.end <= candidate.span.end;
            let key = candidate.args.first()?;
            let key_text = text.get(key.span.range())?.trim_matches('"');
            (is_param && key_text == name)
                .then(|| candidate.args.get(1))
                .flatten()
        })?;
        let span = bound_value_span(def, value);
        self.broad_in(workspace, function, span).map(|found| {
            (
                found,
                Location {
                    file: function.file,
                    span: value.span,
                },
            )
        })
    }

    /// A broad value (a path such as `Permissions::all` or a string like `"*"`) inside `span`.
    fn broad_in(&self, workspace: &Workspace, function: FnId, span: Span) -> Option<String> {
        let def = workspace.function(function);
        let inside = |at: Span| span.start <= at.start && at.end <= span.end;
        if let Some((segments, _)) = def.value_paths.iter().find(|(segments, at)| {
            inside(*at)
                && segments.len() >= 2
                && segments.last().is_some_and(|last| self.is_broad(last))
        }) {
            return Some(segments.join("::"));
        }
        let text = workspace.file(function.file).text.get(span.range())?;
        quoted_strings(text)
            .into_iter()
            .find(|s| self.is_broad(s))
            .map(|s| format!("\"{s}\""))
    }

    fn check_default_impls(&self, workspace: &Workspace, file: FileId, out: &mut Vec<Diagnostic>) {
        for (index, def) in workspace.file(file).functions.iter().enumerate() {
            let is_grant_default = def.trait_name.as_deref() == Some("Default")
                && def
                    .impl_type
                    .as_deref()
                    .is_some_and(|ty| self.grant_types.matches(ty));
            if !is_grant_default {
                continue;
            }
            let body = def.blocks.first().map_or(def.span, |block| block.span);
            if let Some(value) = self.broad_in(workspace, FnId { file, index }, body) {
                let at = def
                    .value_paths
                    .iter()
                    .find(|(segments, _)| segments.join("::") == value)
                    .map_or(def.name_span, |(_, span)| *span);
                out.push(
                    Diagnostic::new(
                        format!("`Default` for `{}` grants broad permissions `{value}`", def.impl_type.as_deref().unwrap_or("")),
                        Location { file, span: at },
                    )
                    .with_primary_label("broad default grant")
                    .with_help("make the default grant the narrowest useful set, and widen it explicitly where needed"),
                );
            }
        }
    }
}

/// The expression a value comes from: its `let` initializer when it is a bound name.
fn bound_value_span(def: &FunctionDef, value: &ArgFact) -> Span {
    def.bound_init(value).map_or(value.span, |init| init.span)
}

/// The contents of `'…'` and `"…"` strings in a snippet of Cypher or Rust.
fn quoted_strings(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut chars = text.char_indices();
    while let Some((_, c)) = chars.next() {
        if c == '\'' || c == '"' {
            let mut content = String::new();
            for (_, next) in chars.by_ref() {
                if next == c {
                    break;
                }
                content.push(next);
            }
            found.push(content);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use crate::testing::Expect;

    #[track_caller]
    fn expect(fixture: &str) {
        Expect::rule("PS203")
            .in_file("src/onboarding.rs")
            .findings(fixture);
    }

    #[test]
    fn a_grant_without_permissions_is_flagged() {
        expect(
            r#"
fn grant(g: Graph) { g.run(query("MATCH (p:Partner {id: $p}), (t:Tenant {id: $t}) CREATE (p)-[:MANAGES]->(t)")); }
//                                                                                          ^^^^^^^^^^^^^ deny[PS203] `MANAGES` grant sets no explicit permissions, so the partner gets whatever "managing" means everywhere
"#,
        );
    }

    #[test]
    fn broad_literal_and_list_values_are_flagged() {
        expect(
            r#"
fn grant(g: Graph) { g.run(query("MATCH (p:Partner {id: $p}), (t:Tenant {id: $t}) MERGE (p)-[:MANAGES {permissions: '*'}]->(t)")); }
//                                                                                                     ^^^^^^^^^^^^^^^^^^^^ deny[PS203] `MANAGES` grant gives broad permissions `*`
fn grant(g: Graph) { g.run(query("MATCH (p:Partner {id: $p}), (t:Tenant {id: $t}) CREATE (p)-[:MANAGES {role: 'Admin'}]->(t)")); }
//                                                                                                      ^^^^^^^^^^^^^^^^^ deny[PS203] `MANAGES` grant gives broad permissions `Admin`
fn grant(g: Graph) { g.run(query("MATCH (p:Partner {id: $p}), (t:Tenant {id: $t}) CREATE (p)-[:MANAGES {scopes: ['users:read', 'all']}]->(t)")); }
//                                                                                                      ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS203] `MANAGES` grant gives broad permissions `all`
fn grant(g: Graph) { g.run(query("MATCH (p:Partner {id: $p}), (t:Tenant {id: $t}) MERGE (p)-[r:MANAGES]->(t) ON CREATE SET r.permissions = 'owner'")); }
//                                                                                                                         ^ deny[PS203] `MANAGES` grant gives broad permissions `owner`
"#,
        );
    }

    #[test]
    fn explicit_narrow_permissions_are_fine() {
        expect(
            r#"
fn grant(g: Graph) { g.run(query("MATCH (p:Partner {id: $p}), (t:Tenant {id: $t}) CREATE (p)-[:MANAGES {permissions: ['users:read', 'tickets:write']}]->(t)")); }
fn grant(g: Graph) { g.run(query("MATCH (p:Partner {id: $p}), (t:Tenant {id: $t}) MERGE (p)-[r:MANAGES]->(t) ON CREATE SET r.scopes = $scopes")); }
// A whole map cannot be judged statically.
fn grant(g: Graph) { g.run(query("MATCH (p:Partner {id: $p}), (t:Tenant {id: $t}) CREATE (p)-[:MANAGES $grant]->(t)")); }
// Reading MANAGES is not granting it.
fn grant(g: Graph) { g.run(query("MATCH (p:Partner {id: $p})-[:MANAGES]->(t:Tenant) RETURN t")); }
"#,
        );
    }

    #[test]
    fn a_parameter_bound_to_a_broad_rust_value_is_flagged() {
        expect(
            r#"fn grant(g: Graph, narrow: Vec<String>) {
    let everything = Permissions::all();
    g.run(query("MATCH (p:Partner {id: $p}), (t:Tenant {id: $t}) CREATE (p)-[:MANAGES {permissions: $perms}]->(t)").param("perms", everything));
//                                                                                                                                 ^^^^^^^^^^ deny[PS203] `MANAGES` grant gives broad permissions: `$perms` is `Permissions::all`
    g.run(query("MATCH (p:Partner {id: $p}), (t:Tenant {id: $t}) CREATE (p)-[:MANAGES {permissions: $perms}]->(t)").param("perms", narrow));
    g.run(query("MATCH (p:Partner {id: $p}), (t:Tenant {id: $t}) CREATE (p)-[:MANAGES {scopes: $s}]->(t)").param("s", vec!["*"]));
//                                                                                                                    ^^^^^^^^^ deny[PS203] `MANAGES` grant gives broad permissions: `$s` is `"*"`
}"#,
        );
    }

    #[test]
    fn a_default_grant_type_with_broad_permissions_is_flagged() {
        expect(
            r#"
impl Default for ManagesGrant { fn default() -> Self { Self { scope: Scope::Full, since: None } } }
//                                                                   ^^^^^^^^^^^ deny[PS203] `Default` for `ManagesGrant` grants broad permissions `Scope::Full`
impl Default for ReportGrant { fn default() -> Self { Self { scope: Scope::ReadOnly } } }
impl Default for Settings { fn default() -> Self { Self { scope: Scope::Full } } }
"#,
        );
    }
}
