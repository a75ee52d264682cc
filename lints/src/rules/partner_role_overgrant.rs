//! PS201 partner-role-overgrant: a partner role mapped to permissions that
//! only the customer's own roles may have.

use crate::checklist::{ChecklistItem, Level};
use crate::diagnostic::{Diagnostic, FileId, Location};
use crate::index::roles::mentions_permission;
use crate::index::{
    FileKind, Grant, GrantKind, MappingForm, RoleMapping, RoleName, TypeKind, Workspace,
};
use crate::model::body_needs::BodyNeeds;
use crate::names::words;
use crate::options::{OptionSpec, OptionValues};
use crate::rule::{Context, Rule, RuleMeta};
use foldhash::{HashSet, HashSetExt as _};

pub const META: RuleMeta = RuleMeta {
    code: "PS201",
    name: "partner-role-overgrant",
    checklist_item: Some(ChecklistItem::RoleMapping),
    default_level: Level::Deny,
    summary: "A partner role is mapped to a forbidden permission, or to every permission",
    docs: r#"## What it does
Flags a role-to-permission mapping that gives a partner role (`partner-admin`,
`PartnerAdmin`, any role named `Partner*`) a forbidden permission (`DeleteRootAdmin`,
`DeleteTenant`, `TransferOwnership`, `ManageBilling`, `ReadSecrets`,
`ImpersonateOwner`) or every permission (`Permission::all()`, bitflags `all()`, `"*"`,
`Admin`, `Owner`, `SuperUser`, `All`).

Mappings are read from:
- `match` expressions on a role (`match self` in an `impl Role`, `match role`,
  `match user.role.as_str()`), with path, string, `|`, guarded, wildcard `_` and
  binding arms;
- `const`/`static` tables of `(role, permissions)` tuples or role structs
  (`RoleDef { name: "partner-admin", permissions: &[…] }`), followed through other
  `const`s and `static`s by name (`(Role::PartnerAdmin, PARTNER_PERMISSIONS)`);
- maps built from literals: `HashMap::from([(role, perms), …])`, `BTreeMap::from`,
  `[(role, perms), …].into_iter().collect()`, `vec![…]`, a series of
  `map.insert(role, perms)` calls in one function or in a `static`'s initialiser, and
  map macros (`phf_map!`, `phf_ordered_map!`, `hashmap!`, `btreemap!`, `indexmap!`);
- `lazy_static!` statics, and `LazyLock`/`once_cell::Lazy` initialisers, as any `static`;
- roles files (`roles.toml`, `*.roles.toml`, `roles.yaml`, `*.roles.yaml`,
  `roles.json`) shaped as `[roles.partner-admin] permissions = […]`, a map of role to
  permission list, or a list of `{ name, permissions }`, at the top level or under a
  `roles` key.

A catch-all arm (`_ => …`, `other => …`) is flagged when a partner role falls into it
and it grants a forbidden permission or everything.

One defect, one finding:
- a catch-all arm is one finding at the arm's pattern, naming every partner role that
  falls into it and every permission too many, with labels at the grants;
- an arm (or table entry) that grants shared `const`/`static` permission lists is one
  finding at the arm, naming the lists, with labels at the list and at each permission
  too many in it, so that a suppression on the line above the arm covers it (and one in
  the list's file does not);
- a permission written in the arm itself is one finding at the permission, naming
  every partner role of the arm (`PartnerAdmin | PartnerSupport => …`).

Names are compared by words, case-insensitively: `DeleteTenant`,
`Permission::DELETE_TENANT`, `delete_tenant`, `"delete-tenant"` and `"tenants:delete"`
are the same permission; `DeleteTenantNote` is not.

Decisions where the catalogue is silent:
- A role is a path on a type named after roles (`Role::…`, `UserRole::…`, `Self::…`
  in an `impl Role`), or a path, variant or string where the surroundings say roles are
  meant: a `match` on something named `role`, a const, `let`, function or map named
  after roles, a struct field `role` (or `name` in a `Role…` struct). A `match` on an
  HTTP method, or a role's display label, is not a mapping: the arms must also yield
  permissions (a collection, `all()`, a `Permission::…`/`Scope::…` path, or a function
  or binding named after permissions).
- A permission matches a forbidden one when its words end with the forbidden words
  (`CanDeleteTenant`) or are the same words in another order (`tenant:delete`); a
  trailing `s` is ignored (`secret:read` is `ReadSecrets`).
- "Everything" is `all()`, `"*"`, `"*:*"`, or a permission named exactly `All`,
  `Admin`, `Owner`, `SuperUser` (configurable). A scoped wildcard (`"tenant:*"`,
  `"billing.*"`) is flagged when its scope's words are part of a forbidden permission
  (`tenant:*` covers `DeleteTenant`). `Permissions::all() - Permissions::BILLING` (or
  `.difference(…)`) is flagged while it still includes a forbidden permission.
- Grants in every branch of an arm count: `if`/`match` inside the arm may take any.
- Which partner roles reach a catch-all arm: when the role enum is declared in the
  workspace, its partner variants that no unguarded earlier arm names (a guarded arm
  `Role::PartnerAdmin if …` still lets the role fall through). Otherwise (string roles,
  or an enum from another crate) the configured partner role names without `*`, unless
  an earlier arm names them: such a catch-all is reachable for any name it was not
  given.
- A roles file that does not parse (or is not one of the shapes above) produces no
  finding: PS000 is for Rust sources, and a config loader rejects a broken file anyway.
  Findings in YAML and JSON files point at the first occurrence of the permission after
  the role's name (those parsers keep no positions); TOML positions are exact.
- The role's name through a string const (`(PARTNER_ROLE, …)` with
  `const PARTNER_ROLE: &str = "partner-admin"`) is the string's value.

## Why is this bad?
Partners act inside their customers' tenants. Destructive and ownership permissions —
deleting the tenant or its root admin, transferring ownership, billing, reading
secrets, impersonating the owner — must stay with the customer's own roles, or a
compromised or careless partner account can take over or wipe a customer. A partner
role with every permission, or one that falls into a catch-all arm granting
everything, is the same defect in one line.

## Example
```rust
impl Role {
    pub fn permissions(&self) -> Vec<Permission> {
        match self {
            Role::Owner | Role::TenantAdmin => Permission::all(),
            Role::PartnerAdmin => vec![Permission::ManageUsers, Permission::DeleteTenant],
            _ => Permission::all(),
        }
    }
}
```

## Use instead
```rust
impl Role {
    pub fn permissions(&self) -> Vec<Permission> {
        match self {
            Role::Owner | Role::TenantAdmin => Permission::all(),
            Role::PartnerAdmin => vec![Permission::ManageUsers, Permission::ReadAuditLog],
            Role::PartnerSupport => vec![Permission::ReadTenant],
            Role::Member => vec![Permission::ReadTenant],
        }
    }
}
```

## Options
- `partner_roles`: role names that are partner roles, matched by words and
  case-insensitively; a trailing `*` matches names that start with those words
  (`Partner*`, `msp_*`).
- `forbidden_permissions`: permissions a partner role must never have.
- `broad_permissions`: permission names that mean every permission.

## Checklist item
2. Role Mapping: Are Partner roles (`partner-admin`) correctly mapped to restricted
permissions in the Child Tenant? (e.g., A Partner should generally *not* be able to
delete the Customer's root admin account).

## Fix
Not automatic: give each partner role an explicit arm (or entry) of its own with the
narrow list of permissions it needs.
"#,
    options: OPTIONS,
    build: Some(build),
};

/// Each option declared once: its key, default and doc, and the type it is read as.
mod option {
    use crate::options::{OptionKey, StringList};

    pub const PARTNER_ROLES: OptionKey<StringList> = OptionKey::strings(
        "partner_roles",
        &["partner-admin", "partner_admin", "PartnerAdmin", "Partner*"],
        "Partner role names, matched by words case-insensitively; a trailing `*` matches names starting with those words",
    );

    pub const FORBIDDEN_PERMISSIONS: OptionKey<StringList> = OptionKey::strings(
        "forbidden_permissions",
        &[
            "DeleteRootAdmin",
            "DeleteTenant",
            "TransferOwnership",
            "ManageBilling",
            "ReadSecrets",
            "ImpersonateOwner",
        ],
        "Permissions a partner role must never be granted, matched by words",
    );

    pub const BROAD_PERMISSIONS: OptionKey<StringList> = OptionKey::strings(
        "broad_permissions",
        &["All", "Admin", "Owner", "SuperUser", "Superuser"],
        "Permission names that grant everything, matched exactly by words (`all()` and `\"*\"` always do)",
    );
}

const OPTIONS: &[OptionSpec] = &[
    option::PARTNER_ROLES.spec(),
    option::FORBIDDEN_PERMISSIONS.spec(),
    option::BROAD_PERMISSIONS.spec(),
];

const HELP: &str = "give partner roles an explicit, narrow list of permissions: deleting the tenant or its \
root admin, transferring ownership, billing, secrets and impersonation stay with the customer's own roles";
const CATCH_ALL_HELP: &str =
    "give every partner role an arm of its own with a narrow list of permissions, \
so that none falls into a catch-all arm that grants more";

/// How deep `const`s that name other `const`s are followed.
const MAX_CONST_HOPS: usize = 8;

/// A role or permission name as lowercase words; `:` and `/` separate words
/// too (`tenant:delete`, `billing/manage`).
fn name_words(name: &str) -> Vec<String> {
    words(&name.replace([':', '/'], "_"))
}

/// Permission words with a plural `s` dropped, so `ReadSecrets` is `secret:read`.
fn permission_words(name: &str) -> Vec<String> {
    name_words(name)
        .into_iter()
        .map(|word| match word.strip_suffix('s') {
            Some(stem) if stem.len() >= 3 && !stem.ends_with('s') => stem.to_string(),
            _ => word,
        })
        .collect()
}

struct RolePattern {
    words: Vec<String>,
    /// `Partner*`: any role whose words start with these.
    prefix: bool,
    written: String,
}

struct ForbiddenPermission {
    words: Vec<String>,
    sorted: Vec<String>,
    written: String,
}

impl ForbiddenPermission {
    fn new(written: &str) -> Self {
        let words = permission_words(written);
        let mut sorted = words.clone();
        sorted.sort();
        ForbiddenPermission {
            words,
            sorted,
            written: written.to_string(),
        }
    }

    /// `CanDeleteTenant` and `tenant:delete` are `DeleteTenant`; `DeleteTenantNote` is not.
    fn matches(&self, name_words: &[String]) -> bool {
        if name_words.is_empty() {
            return false;
        }
        let mut sorted = name_words.to_vec();
        sorted.sort();
        name_words.ends_with(&self.words) || sorted == self.sorted
    }
}

struct PartnerRoleOvergrant {
    partner_roles: Vec<RolePattern>,
    forbidden: Vec<ForbiddenPermission>,
    broad: Vec<Vec<String>>,
}

fn build(options: &OptionValues) -> Box<dyn Rule> {
    Box::new(PartnerRoleOvergrant {
        partner_roles: options
            .get(&option::PARTNER_ROLES)
            .iter()
            .map(|written| {
                let prefix = written.ends_with('*');
                RolePattern {
                    words: name_words(written.trim_end_matches('*')),
                    prefix,
                    written: written.clone(),
                }
            })
            .filter(|pattern| !pattern.words.is_empty())
            .collect(),
        forbidden: options
            .get(&option::FORBIDDEN_PERMISSIONS)
            .iter()
            .map(|written| ForbiddenPermission::new(written))
            .filter(|forbidden| !forbidden.words.is_empty())
            .collect(),
        broad: options
            .get(&option::BROAD_PERMISSIONS)
            .iter()
            .map(|written| permission_words(written))
            .filter(|words| !words.is_empty())
            .collect(),
    })
}

/// What a grant gives that a partner must not have.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Excess {
    Forbidden,
    Everything,
    /// `all()` minus some permissions, still including these forbidden ones.
    EverythingBut(Vec<String>),
    /// A scoped wildcard (`tenant:*`) covering these forbidden permissions.
    Scope(Vec<String>),
}

/// A grant a partner role must not have, where it is written, and the
/// `const`s it was reached through.
struct Overgrant {
    at: Location,
    excess: Excess,
    via: Vec<(Location, String)>,
}

/// A partner role a catch-all arm catches.
struct CaughtRole {
    name: String,
    declared_at: Option<Location>,
}

impl Rule for PartnerRoleOvergrant {
    /// Role tables are read wherever they are, and each form is found through a name that
    /// mentions a role: the function's, its `impl`'s, or one the body uses.
    fn bodies_needed_without_partner_model(&self, needs: &mut BodyNeeds) {
        needs.piece("role");
    }

    fn check_file(&self, cx: &Context<'_>, file: FileId, out: &mut Vec<Diagnostic>) {
        let workspace = cx.workspace;
        let facts = workspace.file(file);
        match facts.kind {
            FileKind::Rust => {
                let mut reported = HashSet::new();
                for mapping in &facts.role_mappings {
                    self.check_mapping(workspace, file, mapping, &mut reported, out);
                }
            }
            FileKind::Roles => self.check_roles_file(workspace, file, out),
            FileKind::Cypher | FileKind::Template => {}
        }
    }
}

impl PartnerRoleOvergrant {
    fn is_partner_role(&self, name: &str) -> bool {
        let words = name_words(name);
        self.partner_roles.iter().any(|pattern| {
            if pattern.prefix {
                words.starts_with(&pattern.words)
            } else {
                words == pattern.words
            }
        })
    }

    /// The role's name, through a string const when it is a bare identifier.
    fn role_name(&self, workspace: &Workspace, role: &RoleName) -> String {
        if role.is_ident {
            for (_, list) in workspace.permission_lists_named(&role.name) {
                if let [grant] = list.grants.as_slice() {
                    if grant.kind == GrantKind::Literal {
                        return grant.name.clone();
                    }
                }
            }
        }
        role.name.clone()
    }

    /// One finding per defect (R8): a catch-all arm is one finding naming every partner
    /// role that falls into it; an arm granting shared `const` lists is one finding at the
    /// arm, so a suppression there covers it; a permission written in the arm itself is
    /// one finding at the permission, naming the arm's partner roles.
    fn check_mapping(
        &self,
        workspace: &Workspace,
        file: FileId,
        mapping: &RoleMapping,
        reported: &mut HashSet<(Vec<String>, Location)>,
        out: &mut Vec<Diagnostic>,
    ) {
        for (index, entry) in mapping.entries.iter().enumerate() {
            if entry.catch_all.is_some() && mapping.form != MappingForm::Match {
                continue;
            }
            let overgrants = self.overgrants(workspace, file, &entry.grants);
            if overgrants.is_empty() {
                continue;
            }
            if let Some(catch_all) = entry.catch_all {
                let caught = self.roles_reaching_catch_all(workspace, mapping, index);
                let names: Vec<String> = caught.iter().map(|role| role.name.clone()).collect();
                let at = Location {
                    file,
                    span: catch_all,
                };
                if names.is_empty() || !reported.insert((role_key(&names), at)) {
                    continue;
                }
                let verb = if names.len() == 1 { "falls" } else { "fall" };
                let message = format!(
                    "{} {verb} into the catch-all arm, which grants {}",
                    roles_phrase(&names),
                    describe_all(workspace, &overgrants)
                );
                let mut diagnostic = arm_diagnostic(message, at, &overgrants, CATCH_ALL_HELP);
                for role in &caught {
                    if let Some(declared_at) = role.declared_at {
                        diagnostic = diagnostic
                            .with_label(declared_at, format!("`{}` is declared here", role.name));
                    }
                }
                out.push(diagnostic);
                continue;
            }
            let partner_roles: Vec<(String, crate::source::Span)> = entry
                .roles
                .iter()
                .map(|role| (self.role_name(workspace, role), role.span))
                .filter(|(name, _)| self.is_partner_role(name))
                .collect();
            let Some(arm_span) = partner_roles
                .iter()
                .map(|(_, span)| *span)
                .reduce(crate::source::Span::cover)
            else {
                continue;
            };
            let names: Vec<String> = partner_roles.iter().map(|(name, _)| name.clone()).collect();
            let (direct, shared): (Vec<Overgrant>, Vec<Overgrant>) = overgrants
                .into_iter()
                .partition(|overgrant| overgrant.via.is_empty());
            let verb = if names.len() == 1 { "is" } else { "are" };
            for overgrant in &direct {
                if !reported.insert((role_key(&names), overgrant.at)) {
                    continue;
                }
                let message = format!(
                    "{} {verb} granted {}",
                    roles_phrase(&names),
                    describe(workspace, overgrant)
                );
                let mut diagnostic = self.diagnostic(message, overgrant, HELP);
                for (_, span) in &partner_roles {
                    diagnostic = diagnostic
                        .with_label(Location { file, span: *span }, "partner role mapped here");
                }
                out.push(diagnostic);
            }
            let at = Location {
                file,
                span: arm_span,
            };
            if shared.is_empty() || !reported.insert((role_key(&names), at)) {
                continue;
            }
            let mut lists: Vec<&str> = Vec::new();
            for overgrant in &shared {
                if let Some((_, name)) = overgrant.via.first() {
                    if !lists.contains(&name.as_str()) {
                        lists.push(name);
                    }
                }
            }
            let lists: Vec<String> = lists.iter().map(|name| format!("`{name}`")).collect();
            let message = format!(
                "{} {verb} granted {} through {}",
                roles_phrase(&names),
                describe_all(workspace, &shared),
                join_and(&lists)
            );
            out.push(arm_diagnostic(message, at, &shared, HELP));
        }
    }

    fn diagnostic(&self, message: String, overgrant: &Overgrant, help: &str) -> Diagnostic {
        let mut diagnostic = Diagnostic::new(message, overgrant.at)
            .with_primary_label("granted to a partner role")
            .with_help(help);
        for (location, name) in &overgrant.via {
            diagnostic =
                diagnostic.with_label(*location, format!("permissions taken from `{name}`"));
        }
        diagnostic
    }

    /// Partner roles that reach the catch-all arm at `index`: those no
    /// unguarded arm before it names.
    fn roles_reaching_catch_all(
        &self,
        workspace: &Workspace,
        mapping: &RoleMapping,
        index: usize,
    ) -> Vec<CaughtRole> {
        let covered: Vec<Vec<String>> = mapping.entries[..index]
            .iter()
            .filter(|entry| !entry.guarded)
            .flat_map(|entry| entry.roles.iter())
            .map(|role| name_words(&self.role_name(workspace, role)))
            .collect();
        let mut caught: Vec<CaughtRole> = Vec::new();
        let mut seen: Vec<Vec<String>> = Vec::new();
        let mut consider = |name: &str, declared_at: Option<Location>| {
            let words = name_words(name);
            if self.is_partner_role(name) && !covered.contains(&words) && !seen.contains(&words) {
                seen.push(words);
                caught.push(CaughtRole {
                    name: name.to_string(),
                    declared_at,
                });
            }
        };
        let enums: Vec<_> = mapping
            .role_type
            .iter()
            .flat_map(|name| workspace.type_defs_named(name))
            .filter(|(_, def)| def.kind == TypeKind::Enum)
            .collect();
        if enums.is_empty() {
            // Roles are strings, or an enum we cannot see: every configured
            // partner name the arms do not name reaches the catch-all.
            for pattern in self.partner_roles.iter().filter(|pattern| !pattern.prefix) {
                consider(&pattern.written, None);
            }
        } else {
            for (def_file, def) in enums {
                for variant in &def.variants {
                    consider(
                        &variant.name,
                        Some(Location {
                            file: def_file,
                            span: variant.name_span,
                        }),
                    );
                }
            }
        }
        caught
    }

    /// The grants a partner must not have, following `const`s by name.
    fn overgrants(&self, workspace: &Workspace, file: FileId, grants: &[Grant]) -> Vec<Overgrant> {
        let mut found = Vec::new();
        let mut followed = HashSet::new();
        self.collect_overgrants(workspace, file, grants, &[], &mut followed, &mut found);
        found
    }

    fn collect_overgrants(
        &self,
        workspace: &Workspace,
        file: FileId,
        grants: &[Grant],
        via: &[(Location, String)],
        followed: &mut HashSet<String>,
        found: &mut Vec<Overgrant>,
    ) {
        for grant in grants {
            let at = Location {
                file,
                span: grant.span,
            };
            if matches!(grant.kind, GrantKind::Ident | GrantKind::Path) {
                let lists: Vec<_> = workspace.permission_lists_named(&grant.name).collect();
                if !lists.is_empty() {
                    if via.len() < MAX_CONST_HOPS && followed.insert(grant.name.clone()) {
                        let mut deeper = via.to_vec();
                        deeper.push((at, grant.name.clone()));
                        for (list_file, list) in lists {
                            self.collect_overgrants(
                                workspace,
                                list_file,
                                &list.grants,
                                &deeper,
                                followed,
                                found,
                            );
                        }
                    }
                    continue;
                }
            }
            if let Some(excess) = self.excess(grant) {
                found.push(Overgrant {
                    at,
                    excess,
                    via: via.to_vec(),
                });
            }
        }
    }

    fn excess(&self, grant: &Grant) -> Option<Excess> {
        match grant.kind {
            GrantKind::All => {
                if grant.except.is_empty() {
                    return Some(Excess::Everything);
                }
                let taken_away: Vec<Vec<String>> = grant
                    .except
                    .iter()
                    .map(|except| permission_words(&except.name))
                    .collect();
                let still_granted: Vec<String> = self
                    .forbidden
                    .iter()
                    .filter(|forbidden| !taken_away.iter().any(|words| forbidden.matches(words)))
                    .map(|forbidden| forbidden.written.clone())
                    .collect();
                (!still_granted.is_empty()).then_some(Excess::EverythingBut(still_granted))
            }
            GrantKind::Literal if grant.name.contains('*') => self.wildcard_excess(&grant.name),
            GrantKind::Literal | GrantKind::Ident | GrantKind::Path => {
                let words = permission_words(&grant.name);
                if self.broad.contains(&words) {
                    Some(Excess::Everything)
                } else if self
                    .forbidden
                    .iter()
                    .any(|forbidden| forbidden.matches(&words))
                {
                    Some(Excess::Forbidden)
                } else {
                    None
                }
            }
        }
    }

    /// `"*"` grants everything; `"tenant:*"` grants every forbidden
    /// permission whose words include `tenant`.
    fn wildcard_excess(&self, text: &str) -> Option<Excess> {
        let scope = text.trim_end_matches(['*', ':', '.', '/', '_', '-', ' ']);
        if scope.is_empty()
            || scope
                .chars()
                .all(|c| matches!(c, '*' | ':' | '.' | '/' | '_' | '-' | ' '))
        {
            return Some(Excess::Everything);
        }
        let scope_words = permission_words(scope);
        let covered: Vec<String> = self
            .forbidden
            .iter()
            .filter(|forbidden| {
                scope_words
                    .iter()
                    .all(|word| forbidden.words.contains(word))
            })
            .map(|forbidden| forbidden.written.clone())
            .collect();
        (!covered.is_empty()).then_some(Excess::Scope(covered))
    }

    fn check_roles_file(&self, workspace: &Workspace, file: FileId, out: &mut Vec<Diagnostic>) {
        let facts = workspace.file(file);
        let Some(roles) = roles_file::parse(&facts.path, &facts.text) else {
            return;
        };
        let mut reported = HashSet::new();
        for role in roles {
            if !self.is_partner_role(&role.name) {
                continue;
            }
            for permission in &role.permissions {
                let grant = Grant {
                    kind: GrantKind::Literal,
                    name: permission.value.clone(),
                    qualifier: None,
                    span: permission.span,
                    except: Vec::new(),
                };
                let Some(excess) = self.excess(&grant) else {
                    continue;
                };
                let overgrant = Overgrant {
                    at: Location {
                        file,
                        span: permission.span,
                    },
                    excess,
                    via: Vec::new(),
                };
                if !reported.insert((name_words(&role.name), overgrant.at)) {
                    continue;
                }
                let message = format!(
                    "partner role `{}` is granted {}",
                    role.name,
                    describe(workspace, &overgrant)
                );
                out.push(self.diagnostic(message, &overgrant, HELP).with_label(
                    Location {
                        file,
                        span: role.name_span,
                    },
                    "partner role defined here",
                ));
            }
        }
    }
}

/// The granted permission as written, and why it is too much.
fn describe(workspace: &Workspace, overgrant: &Overgrant) -> String {
    let written = workspace
        .file(overgrant.at.file)
        .text
        .get(overgrant.at.span.range())
        .unwrap_or("")
        .to_string();
    let list = |names: &[String]| {
        names
            .iter()
            .map(|name| format!("`{name}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match &overgrant.excess {
        Excess::Forbidden => format!("forbidden permission `{written}`"),
        Excess::Everything => format!("every permission (`{written}`)"),
        Excess::EverythingBut(still) => format!(
            "every permission but a few (`{written}`), still including forbidden {}",
            list(still)
        ),
        Excess::Scope(covered) => format!("`{written}`, which covers forbidden {}", list(covered)),
    }
}

/// Every grant of one arm, described in source order: `A`, `B` and `C`.
fn describe_all(workspace: &Workspace, overgrants: &[Overgrant]) -> String {
    let described: Vec<String> = overgrants
        .iter()
        .map(|overgrant| describe(workspace, overgrant))
        .collect();
    join_and(&described)
}

fn join_and(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [only] => only.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// `partner role `A`` or `partner roles `A`, `B``.
fn roles_phrase(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
    if names.len() == 1 {
        format!("partner role {}", quoted.join(", "))
    } else {
        format!("partner roles {}", quoted.join(", "))
    }
}

/// The roles of a finding as a key, so one arm reached twice is reported once.
fn role_key(names: &[String]) -> Vec<String> {
    names.iter().flat_map(|name| name_words(name)).collect()
}

/// A finding at an arm: each grant it stands for, and the `const`s on the way, as labels.
fn arm_diagnostic(
    message: String,
    at: Location,
    overgrants: &[Overgrant],
    help: &str,
) -> Diagnostic {
    let mut diagnostic = Diagnostic::new(message, at)
        .with_primary_label("granted to partner roles at this arm")
        .with_help(help);
    let mut labelled: Vec<Location> = Vec::new();
    for overgrant in overgrants {
        for (location, name) in &overgrant.via {
            if !labelled.contains(location) {
                labelled.push(*location);
                diagnostic =
                    diagnostic.with_label(*location, format!("permissions taken from `{name}`"));
            }
        }
        if !labelled.contains(&overgrant.at) {
            labelled.push(overgrant.at);
            diagnostic = diagnostic.with_label(overgrant.at, "granted here");
        }
    }
    diagnostic
}

/// Roles files: TOML, YAML or JSON text handed in by the shell, parsed here
/// (pure) into roles and their permission strings with positions.
mod roles_file {
    use super::mentions_permission;
    use crate::source::Span;

    pub struct FileRole {
        pub name: String,
        pub name_span: Span,
        pub permissions: Vec<Permission>,
    }

    pub struct Permission {
        pub value: String,
        pub span: Span,
    }

    /// A parsed document, with positions where the parser keeps them (TOML).
    enum Node {
        Str(String, Option<Span>),
        List(Vec<Node>),
        Map(Vec<(String, Option<Span>, Node)>),
        Other,
    }

    /// Nodes deeper than this are not looked at (parsers bound depth too).
    const MAX_DEPTH: usize = 64;

    /// The roles a file defines, or `None` when it does not parse (or nests
    /// too deep to be a roles file).
    pub fn parse(path: &str, text: &str) -> Option<Vec<FileRole>> {
        let scan = scan_text(text);
        // libyaml takes minutes on deeply nested flow collections before
        // serde's depth limit applies; a real roles file nests a few levels.
        if scan.deepest > MAX_DEPTH {
            return None;
        }
        let (root, yaml) = if path.ends_with(".toml") {
            let table = toml::de::DeTable::parse(text).ok()?;
            let span = table.span();
            (
                from_toml(&toml::de::DeValue::Table(table.into_inner()), span, 0),
                false,
            )
        } else if path.ends_with(".json") {
            (
                from_json(&serde_json::from_str::<serde_json::Value>(text).ok()?, 0),
                false,
            )
        } else {
            (
                from_json(&serde_norway::from_str::<serde_json::Value>(text).ok()?, 0),
                true,
            )
        };
        let mut locator = Locator {
            text,
            comments: if yaml { scan.comments } else { Vec::new() },
            searches_left: MAX_FAILED_SEARCHES,
        };
        let mut roles = Vec::new();
        let scope = match &root {
            Node::Map(entries) => entries
                .iter()
                .find(|(key, _, _)| key.eq_ignore_ascii_case("roles"))
                .map_or(&root, |(_, _, value)| value),
            _ => &root,
        };
        match scope {
            Node::Map(entries) => {
                for (key, key_span, value) in entries {
                    let permissions = match value {
                        Node::Map(fields) => permission_field(fields),
                        other => strings(other),
                    };
                    roles.push(locator.role(key, *key_span, permissions));
                }
            }
            Node::List(items) => {
                for item in items {
                    let Node::Map(fields) = item else { continue };
                    let name = fields.iter().find_map(|(key, _, value)| match value {
                        Node::Str(name, span)
                            if matches!(key.as_str(), "name" | "role" | "id" | "key") =>
                        {
                            Some((name, *span))
                        }
                        _ => None,
                    });
                    if let Some((name, span)) = name {
                        roles.push(locator.role(name, span, permission_field(fields)));
                    }
                }
            }
            _ => {}
        }
        Some(roles)
    }

    /// What one linear pass over a roles file's text finds: how deep its
    /// brackets nest and where its `#` comments are (outside quotes).
    struct TextScan {
        deepest: usize,
        comments: Vec<std::ops::Range<usize>>,
    }

    fn scan_text(text: &str) -> TextScan {
        let bytes = text.as_bytes();
        let mut scan = TextScan {
            deepest: 0,
            comments: Vec::new(),
        };
        let mut depth = 0usize;
        let mut quote: Option<u8> = None;
        let mut escaped = false;
        let mut comment_from: Option<usize> = None;
        for (at, &byte) in bytes.iter().enumerate() {
            if let Some(from) = comment_from {
                if byte == b'\n' {
                    scan.comments.push(from..at);
                    comment_from = None;
                }
                continue;
            }
            if let Some(open) = quote {
                if escaped {
                    escaped = false;
                } else if byte == b'\\' && open == b'"' {
                    escaped = true;
                } else if byte == open || byte == b'\n' {
                    quote = None;
                }
                continue;
            }
            match byte {
                b'"' | b'\'' => quote = Some(byte),
                // A YAML comment starts after whitespace (`a#b` is a plain scalar).
                b'#' if at == 0 || bytes[at - 1].is_ascii_whitespace() => comment_from = Some(at),
                b'[' | b'{' => {
                    depth += 1;
                    scan.deepest = scan.deepest.max(depth);
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        if let Some(from) = comment_from {
            scan.comments.push(from..bytes.len());
        }
        scan
    }

    fn permission_field(fields: &[(String, Option<Span>, Node)]) -> Vec<(String, Option<Span>)> {
        fields
            .iter()
            .filter(|(key, _, _)| {
                mentions_permission(key) || matches!(key.as_str(), "allow" | "allowed" | "actions")
            })
            .flat_map(|(_, _, value)| strings(value))
            .collect()
    }

    fn strings(node: &Node) -> Vec<(String, Option<Span>)> {
        match node {
            Node::Str(value, span) => vec![(value.clone(), *span)],
            Node::List(items) => items
                .iter()
                .filter_map(|item| match item {
                    Node::Str(value, span) => Some((value.clone(), *span)),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Text searches that may scan to the end of the file without a match;
    /// past that, positions fall back to the role's name, so a hostile file
    /// cannot make locating quadratic.
    const MAX_FAILED_SEARCHES: usize = 64;

    /// Finds positions in the text for values a parser gave without them.
    struct Locator<'a> {
        text: &'a str,
        /// YAML comments, sorted: a name mentioned there is not the name.
        comments: Vec<std::ops::Range<usize>>,
        searches_left: usize,
    }

    impl Locator<'_> {
        /// A role with positions: the parser's when it has them, else the
        /// first occurrence of the name, and of each permission after the
        /// previous one (lists keep file order).
        fn role(
            &mut self,
            name: &str,
            name_span: Option<Span>,
            permissions: Vec<(String, Option<Span>)>,
        ) -> FileRole {
            let name_span = name_span
                .or_else(|| self.find_token(name, 0))
                .unwrap_or_default();
            let mut cursor = name_span.end as usize;
            let permissions = permissions
                .into_iter()
                .map(|(value, span)| {
                    let span = span
                        .or_else(|| self.find_token(&value, cursor))
                        .or_else(|| self.find_token(&value, 0))
                        .unwrap_or(name_span);
                    cursor = cursor.max(span.end as usize);
                    Permission { value, span }
                })
                .collect();
            FileRole {
                name: name.to_string(),
                name_span,
                permissions,
            }
        }

        /// `needle` as a whole token at or after `from`: not part of a longer
        /// name, and not inside a comment.
        fn find_token(&mut self, needle: &str, from: usize) -> Option<Span> {
            if needle.is_empty() || self.searches_left == 0 {
                return None;
            }
            let text = self.text;
            let part_of_name =
                |c: char| c.is_alphanumeric() || matches!(c, '_' | '-' | ':' | '.' | '*' | '/');
            let found = text
                .get(from..)?
                .match_indices(needle)
                .map(|(at, _)| from + at)
                .find(|&start| {
                    let end = start + needle.len();
                    let before = text[..start].chars().next_back();
                    let after = text[end..].chars().next();
                    !before.is_some_and(part_of_name)
                        && !after.is_some_and(part_of_name)
                        && !self.in_comment(start)
                })
                .map(|start| Span::new(start, start + needle.len()));
            if found.is_none() {
                self.searches_left -= 1;
            }
            found
        }

        fn in_comment(&self, offset: usize) -> bool {
            let after = self
                .comments
                .partition_point(|comment| comment.start <= offset);
            after > 0 && self.comments[after - 1].contains(&offset)
        }
    }

    fn from_toml(
        value: &toml::de::DeValue<'_>,
        span: std::ops::Range<usize>,
        depth: usize,
    ) -> Node {
        if depth > MAX_DEPTH {
            return Node::Other;
        }
        match value {
            toml::de::DeValue::String(text) => {
                Node::Str(text.to_string(), Some(Span::new(span.start, span.end)))
            }
            toml::de::DeValue::Array(items) => Node::List(
                items
                    .iter()
                    .map(|item| from_toml(item.get_ref(), item.span(), depth + 1))
                    .collect(),
            ),
            toml::de::DeValue::Table(table) => Node::Map(
                table
                    .iter()
                    .map(|(key, item)| {
                        let key_span = key.span();
                        (
                            key.get_ref().to_string(),
                            Some(Span::new(key_span.start, key_span.end)),
                            from_toml(item.get_ref(), item.span(), depth + 1),
                        )
                    })
                    .collect(),
            ),
            _ => Node::Other,
        }
    }

    fn from_json(value: &serde_json::Value, depth: usize) -> Node {
        if depth > MAX_DEPTH {
            return Node::Other;
        }
        match value {
            serde_json::Value::String(text) => Node::Str(text.clone(), None),
            serde_json::Value::Array(items) => Node::List(
                items
                    .iter()
                    .map(|item| from_json(item, depth + 1))
                    .collect(),
            ),
            serde_json::Value::Object(map) => Node::Map(
                map.iter()
                    .map(|(key, item)| (key.clone(), None, from_json(item, depth + 1)))
                    .collect(),
            ),
            _ => Node::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::options::OptionValue;
    use crate::testing::{check, Expect};

    #[track_caller]
    fn expect(fixture: &str) {
        Expect::rule("PS201").findings(fixture);
    }

    const ROLE_ENUM: &str =
        "pub enum Role { Owner, TenantAdmin, Member, PartnerAdmin, PartnerSupport }\n";

    fn lint_with_enum(source: &str) -> Vec<String> {
        check(
            "PS201",
            &[("src/model.rs", ROLE_ENUM), ("src/roles.rs", source)],
        )
    }

    #[test]
    fn match_on_self_flags_forbidden_and_everything_for_partner_roles_only() {
        expect(
            r#"
//- src/roles.rs
impl Role {
    pub fn permissions(&self) -> Vec<Permission> {
        match self {
            Role::Owner | Role::TenantAdmin => Permission::all(),
            Role::PartnerAdmin => vec![Permission::ManageUsers, Permission::DeleteTenant, Permission::DeleteTenantNote],
//                                                              ^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS201] partner role `PartnerAdmin` is granted forbidden permission `Permission::DeleteTenant`
            Self::PartnerSupport => PermissionSet::all(),
//                                  ^^^^^^^^^^^^^^^^^^^^ deny[PS201] partner role `PartnerSupport` is granted every permission (`PermissionSet::all()`)
            Role::Member => vec![Permission::ReadTenant],
        }
    }
}
"#,
        );
    }

    #[test]
    fn string_roles_string_permissions_and_or_patterns() {
        expect(
            r#"
//- src/roles.rs
fn permissions_for(role: &str) -> Vec<&'static str> {
    match role {
        "owner" => vec!["*"],
        "partner-admin" | "partner_support" => vec!["users:manage", "delete-tenant", "tenants:delete"],
//                                                                  ^^^^^^^^^^^^^^^ deny[PS201] partner roles `partner-admin`, `partner_support` are granted forbidden permission `"delete-tenant"`
//                                                                                   ^^^^^^^^^^^^^^^^ deny[PS201] partner roles `partner-admin`, `partner_support` are granted forbidden permission `"tenants:delete"`
        "partner-billing" => vec!["billing:*"],
//                                ^^^^^^^^^^^ deny[PS201] partner role `partner-billing` is granted `"billing:*"`, which covers forbidden `ManageBilling`
        "partner-readonly" => vec!["tenant:read", "reports:*"],
        _ => vec![],
    }
}
"#,
        );
    }

    #[test]
    fn catch_all_arm_that_partner_roles_fall_into() {
        let findings = lint_with_enum(
            r#"
impl Role {
    pub fn permissions(&self) -> Vec<Permission> {
        match self {
            Role::Member => vec![Permission::ReadTenant],
            Role::PartnerSupport if self.is_trial() => vec![Permission::ReadTenant],
            _ => Permission::all(),
        }
    }
}
"#,
        );
        assert_eq!(
            findings,
            [
                "src/roles.rs:7:13: deny[PS201] partner roles `PartnerAdmin`, `PartnerSupport` fall into the catch-all arm, which grants every permission (`Permission::all()`)",
            ]
        );
    }

    #[test]
    fn catch_all_arm_unreachable_for_partner_roles_is_fine() {
        let findings = lint_with_enum(
            r#"
impl Role {
    pub fn permissions(&self) -> Vec<Permission> {
        match self {
            Role::PartnerAdmin => vec![Permission::ManageUsers, Permission::ReadAuditLog],
            Role::PartnerSupport => vec![Permission::ReadTenant],
            _ => Permission::all(),
        }
    }
}
"#,
        );
        assert_eq!(findings, Vec::<String>::new());
    }

    #[test]
    fn binding_arm_over_string_roles_catches_partner_admin() {
        expect(
            r#"
//- src/roles.rs
fn scopes(user: &User) -> Vec<String> {
    match user.role.as_str() {
        "member" => vec!["tenant:read".into()],
        other => vec!["tenant:read".into(), "secrets:read".into()],
//      ^^^^^ deny[PS201] partner role `partner-admin` falls into the catch-all arm, which grants forbidden permission `"secrets:read"`
    }
}
fn scopes_for_partners(user: &User) -> Vec<String> {
    match user.role.as_str() {
        "partner_admin" => vec!["tenant:read".into()],
        _ => vec!["*".into()],
    }
}
"#,
        );
    }

    #[test]
    fn const_tables_followed_through_consts_and_statics() {
        expect(
            r#"
//- src/perms.rs
pub const PARTNER_ADMIN_PERMISSIONS: &[Permission] = &[Permission::ReadTenant, BILLING_PERMISSIONS];
pub static BILLING_PERMISSIONS: &[Permission] = &[Permission::ManageBilling];
pub const OWNER_PERMISSIONS: &[Permission] = &[Permission::DeleteTenant];
//- src/roles.rs
pub const ROLE_PERMISSIONS: &[(Role, &[Permission])] = &[
    (Role::Owner, OWNER_PERMISSIONS),
    (Role::PartnerAdmin, crate::perms::PARTNER_ADMIN_PERMISSIONS),
//   ^^^^^^^^^^^^^^^^^^ deny[PS201] partner role `PartnerAdmin` is granted forbidden permission `Permission::ManageBilling` through `PARTNER_ADMIN_PERMISSIONS`
];
pub static ROLE_DEFS: &[RoleDef] = &[
    RoleDef { name: "partner-support", permissions: &["tenant:read", "impersonate_owner"] },
//                                                                   ^^^^^^^^^^^^^^^^^^^ deny[PS201] partner role `partner-support` is granted forbidden permission `"impersonate_owner"`
    RoleDef { name: "owner", permissions: &["*"] },
];
pub const PARTNER_ROLE: &str = "partner-admin";
pub const GRANTS_BY_ROLE: [(&str, &[&str]); 1] = [(PARTNER_ROLE, &["TransferOwnership"])];
//                                                                 ^^^^^^^^^^^^^^^^^^^ deny[PS201] partner role `partner-admin` is granted forbidden permission `"TransferOwnership"`
"#,
        );
    }

    #[test]
    fn maps_built_from_literals_and_insert_series() {
        expect(
            r#"
//- src/roles.rs
static ROLE_GRANTS: LazyLock<HashMap<Role, Vec<Permission>>> = LazyLock::new(|| {
    HashMap::from([
        (Role::Owner, vec![Permission::DeleteRootAdmin]),
        (Role::PartnerAdmin, vec![Permission::ReadTenant, Permission::DeleteRootAdmin]),
//                                                        ^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS201] partner role `PartnerAdmin` is granted forbidden permission `Permission::DeleteRootAdmin`
    ])
});
fn role_permissions() -> BTreeMap<&'static str, Vec<&'static str>> {
    let from_pairs: BTreeMap<_, _> = [("partner-admin", vec!["tenant:read"]), ("owner", vec!["*"])].into_iter().collect();
    let mut map = BTreeMap::new();
    map.insert("owner", vec!["*"]);
    map.insert("partner-admin", vec!["*"]);
//                                   ^^^ deny[PS201] partner role `partner-admin` is granted every permission (`"*"`)
    map
}
"#,
        );
    }

    #[test]
    fn bitflags_all_admin_variants_and_differences() {
        expect(
            r#"
//- src/roles.rs
fn permissions_for(role: Role) -> Permissions {
    match role {
        Role::PartnerAdmin => Permissions::all() - Permissions::MANAGE_BILLING,
//                            ^^^^^^^^^^^^^^^^^^ deny[PS201] partner role `PartnerAdmin` is granted every permission but a few (`Permissions::all()`), still including forbidden `DeleteRootAdmin`, `DeleteTenant`, `TransferOwnership`, `ReadSecrets`, `ImpersonateOwner`
        Role::PartnerSupport => Permissions::READ | Permissions::SUPER_USER,
//                                                  ^^^^^^^^^^^^^^^^^^^^^^^ deny[PS201] partner role `PartnerSupport` is granted every permission (`Permissions::SUPER_USER`)
        Role::PartnerObserver => Permissions::all()
            .difference(Permissions::DELETE_ROOT_ADMIN | Permissions::DELETE_TENANT | Permissions::TRANSFER_OWNERSHIP
                | Permissions::MANAGE_BILLING | Permissions::READ_SECRETS | Permissions::IMPERSONATE_OWNER),
        Role::Owner => Permissions::all(),
    }
}
"#,
        );
    }

    #[test]
    fn non_role_matches_and_narrow_partner_roles_are_fine() {
        expect(
            r#"
//- src/roles.rs
fn required_permission(method: &Method) -> &'static str {
    match method {
        &Method::GET => "tenant:read",
        &Method::DELETE => "delete_tenant",
        _ => "*",
    }
}
impl Role {
    fn label(&self) -> &'static str {
        match self { Role::PartnerAdmin => "Partner admin", Role::Owner => "Owner", _ => "Admin" }
    }
    fn permissions(&self) -> &'static [Permission] {
        match self {
            Role::PartnerAdmin => &[Permission::ManageUsers, Permission::DeleteTenantNote, Permission::ReadAuditLog],
            Role::Owner | Role::TenantAdmin => &[Permission::DeleteTenant, Permission::ManageBilling],
        }
    }
}
"#,
        );
    }

    #[test]
    fn roles_toml_flags_partner_roles_only() {
        expect(
            r#"
//- config/roles.toml
# partner-admin must never delete tenants
[roles.owner]
permissions = ["*"]

[roles.partner-admin]
permissions = ["tenant:read", "users:manage", "tenant:delete"]
//                                            ^^^^^^^^^^^^^^^ deny[PS201] partner role `partner-admin` is granted forbidden permission `"tenant:delete"`

[roles.partner-support]
permissions = ["tenant:read"]
"#,
        );
    }

    #[test]
    fn roles_yaml_and_json_shapes() {
        expect(
            r#"
//- deploy/portal.roles.yaml
# partner_admin: read only
roles:
  - name: owner
    permissions: ['*']
  - name: partner_admin
    permissions:
      - tenant:read
      - '*'
//       ^ deny[PS201] partner role `partner_admin` is granted every permission (`*`)
//- roles.json
{"PartnerSupport": ["tenant:read", "secrets:read"], "TenantAdmin": ["*"], "PartnerBilling": {"scopes": "billing.manage"}}
//                                  ^^^^^^^^^^^^ deny[PS201] partner role `PartnerSupport` is granted forbidden permission `secrets:read`
//                                                                                                      ^^^^^^^^^^^^^^ deny[PS201] partner role `PartnerBilling` is granted forbidden permission `billing.manage`
"#,
        );
    }

    #[test]
    fn unparsable_roles_files_report_nothing() {
        expect(
            r#"
//- roles.toml
[roles.partner-admin
permissions = ["*"]
//- roles.json
{"partner-admin": ["*"
//- roles.yaml
partner-admin: ["*"
  - : :
"#,
        );
    }

    #[test]
    fn hostile_roles_files_are_bounded() {
        let deep_json = format!(
            "{{\"partner-admin\": {}\"*\"{}}}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let deep_toml = format!(
            "partner-admin = {}\"*\"{}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let deep_yaml = format!(
            "partner-admin: {}'*'{}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        // Aliases that would expand to billions of nodes.
        let mut laughs = String::from(
            "a: &a [\"*\", \"*\", \"*\", \"*\", \"*\", \"*\", \"*\", \"*\", \"*\", \"*\"]\n",
        );
        for level in 1..12 {
            let previous = (b'a' + level - 1) as char;
            let name = (b'a' + level) as char;
            laughs.push_str(&format!(
                "{name}: &{name} [{}]\n",
                vec![format!("*{previous}"); 10].join(", ")
            ));
        }
        laughs.push_str("partner-admin: *l\n");
        let findings = check(
            "PS201",
            &[
                ("a/roles.json", deep_json.as_str()),
                ("b/roles.toml", deep_toml.as_str()),
                ("c/roles.yaml", deep_yaml.as_str()),
                ("d/roles.yaml", laughs.as_str()),
            ],
        );
        assert_eq!(findings, Vec::<String>::new());
    }

    #[test]
    fn tables_in_map_macros_and_lazy_initialisers() {
        expect(
            r#"
//- src/roles.rs
static ROLE_SCOPES: phf::Map<&'static str, &'static [&'static str]> = phf_map! {
    "owner" => &["*"],
    "partner-admin" => &["tenant:read", "tenant:delete"],
//                                      ^^^^^^^^^^^^^^^ deny[PS201] partner role `partner-admin` is granted forbidden permission `"tenant:delete"`
};
lazy_static! {
    static ref ROLE_GRANTS: HashMap<Role, Vec<Permission>> = HashMap::from([
        (Role::PartnerSupport, vec![Permission::ReadSecrets]),
//                                  ^^^^^^^^^^^^^^^^^^^^^^^ deny[PS201] partner role `PartnerSupport` is granted forbidden permission `Permission::ReadSecrets`
        (Role::Owner, vec![Permission::ReadSecrets]),
    ]);
    pub static ref PLAIN: u32 = 1;
}
static BY_ROLE: once_cell::sync::Lazy<BTreeMap<&str, Vec<&str>>> = once_cell::sync::Lazy::new(|| {
    let mut map = BTreeMap::new();
    map.insert("owner", vec!["*"]);
    map.insert("partner_admin", vec!["billing:manage"]);
//                                   ^^^^^^^^^^^^^^^^ deny[PS201] partner role `partner_admin` is granted forbidden permission `"billing:manage"`
    map
});
static ROLE_TABLE: LazyLock<BTreeMap<&str, Vec<&str>>> =
    LazyLock::new(|| BTreeMap::from([("partner-observer", vec!["*"])]));
//                                                             ^^^ deny[PS201] partner role `partner-observer` is granted every permission (`"*"`)
pub const ROLE_WILDCARDS: &[(&str, &[&str])] = &[("owner", &["*"]), ("partner-admin", &["*"])];
//                                                                                      ^^^ deny[PS201] partner role `partner-admin` is granted every permission (`"*"`)
"#,
        );
    }

    #[test]
    fn map_macros_and_lazy_initialisers_without_roles_are_not_tables() {
        expect(
            r#"
//- src/roles.rs
static MIME_TYPES: phf::Map<&'static str, &'static str> = phf_map! {
    "partner-admin" => "text/html",
};
static STATUS_LABELS: phf::Map<&'static str, &'static [&'static str]> = phf_map! {
    "partner-admin" => &["*"],
};
lazy_static! {
    static ref ROUTES: HashMap<&'static str, Vec<&'static str>> = HashMap::from([("partner-admin", vec!["*"])]);
}
static PARTNER_ROLE_LABELS: phf::Map<&'static str, &'static str> = phf_map! {
    "partner-admin" => "Partner administrator",
};
"#,
        );
    }

    #[test]
    fn several_partner_roles_in_one_catch_all_arm_are_one_finding_at_the_arm() {
        let findings = lint_with_enum(
            r#"
impl Role {
    pub fn permissions(&self) -> Vec<Permission> {
        match self {
            Role::Member => vec![Permission::ReadTenant],
            _ => vec![Permission::DeleteTenant, Permission::ReadSecrets],
        }
    }
}
"#,
        );
        assert_eq!(
            findings,
            ["src/roles.rs:6:13: deny[PS201] partner roles `PartnerAdmin`, `PartnerSupport` fall into the catch-all arm, which grants forbidden permission `Permission::DeleteTenant` and forbidden permission `Permission::ReadSecrets`"]
        );
    }

    #[test]
    fn a_shared_permission_const_is_one_finding_at_each_partner_arm() {
        let perms = "pub const SUPPORT_PERMISSIONS: &[Permission] = &[Permission::ReadTenant, Permission::ReadSecrets, Permission::DeleteTenant];\n\
                     pub const READ_ONLY: &[Permission] = &[Permission::ReadTenant];\n";
        let roles = r#"
impl Role {
    pub fn permissions(&self) -> &'static [Permission] {
        match self {
            Role::Owner => SUPPORT_PERMISSIONS,
            Role::PartnerAdmin | Role::PartnerSupport => SUPPORT_PERMISSIONS,
            Role::Member => READ_ONLY,
        }
    }
}
pub const ROLE_TABLE: &[(Role, &[Permission])] = &[(Role::PartnerAdmin, crate::perms::SUPPORT_PERMISSIONS)];
"#;
        let findings = check("PS201", &[("src/perms.rs", perms), ("src/roles.rs", roles)]);
        assert_eq!(
            findings,
            [
                "src/roles.rs:6:13: deny[PS201] partner roles `PartnerAdmin`, `PartnerSupport` are granted forbidden permission `Permission::ReadSecrets` and forbidden permission `Permission::DeleteTenant` through `SUPPORT_PERMISSIONS`",
                "src/roles.rs:11:53: deny[PS201] partner role `PartnerAdmin` is granted forbidden permission `Permission::ReadSecrets` and forbidden permission `Permission::DeleteTenant` through `SUPPORT_PERMISSIONS`",
            ]
        );
    }

    #[test]
    fn a_reasoned_suppression_at_the_arm_covers_the_shared_const_and_is_used() {
        let perms = "pub const SUPPORT_PERMISSIONS: &[Permission] = &[Permission::ReadTenant, Permission::ReadSecrets];\n";
        let roles = r#"
impl Role {
    pub fn permissions(&self) -> &'static [Permission] {
        match self {
            // partner-safety: allow(PS201) reason: support reads secrets under a signed contract
            Role::PartnerSupport => SUPPORT_PERMISSIONS,
            // partner-safety: allow(PS201) reason: owners are not partners
            Role::Owner => SUPPORT_PERMISSIONS,
            _ => &[],
        }
    }
}
"#;
        let findings = check("PS201", &[("src/perms.rs", perms), ("src/roles.rs", roles)]);
        assert_eq!(
            findings,
            ["src/roles.rs:7:38: warn[PS002] unused suppression: no PS201 finding here"]
        );
    }

    #[test]
    fn options_configure_partner_roles_and_permissions() {
        Expect::rule("PS201")
            .with_options(&[
                (
                    "partner_roles",
                    OptionValue::StringList(vec!["msp*".into()]),
                ),
                (
                    "forbidden_permissions",
                    OptionValue::StringList(vec!["WipeDevices".into()]),
                ),
            ])
            .findings(
                r#"
//- src/roles.rs
fn permissions_for(role: &str) -> Vec<&'static str> {
    match role {
        "msp-technician" => vec!["devices:wipe"],
//                               ^^^^^^^^^^^^^^ deny[PS201] partner role `msp-technician` is granted forbidden permission `"devices:wipe"`
        "partner-admin" => vec!["tenant:delete"],
        _ => vec![],
    }
}
"#,
            );
    }
}
