//! Role-to-permission mappings, collected during the per-file pass: `match`
//! expressions on a role, `const`/`static` tables of `(role, permissions)`,
//! and maps built from literals (`HashMap::from([…])`, `….collect()`, a series
//! of `map.insert(role, perms)` calls). This module records what is mapped to
//! what, as written; PS201 decides which grants are too broad for a partner.
//!
//! What counts as a role or a permission is decided on syntax alone:
//! - a role is a path whose type segment mentions "role" (`Role::PartnerAdmin`,
//!   `UserRole::Owner`, `Self::…` in an `impl` of such a type), or any path,
//!   bare variant or string literal where the surroundings say roles are meant
//!   (a `match` on something named `role`, a const/let/fn/map named after roles);
//! - a mapping must also look like it yields permissions: a collection, a
//!   `…::all()` call, a path on a permission-like type (`Permission::…`,
//!   `Scope::…`), or a function/const named after permissions. A `match` on an
//!   HTTP method, or a role's display label, is not a mapping.

use crate::index::TypeRef;
use crate::names::{has_word, Name};
use crate::positions::Span;
use crate::source::{ident_span, span_of, span_of_tokens};
use quote::ToTokens;
use syn::punctuated::Punctuated;

/// How a mapping is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum MappingForm {
    /// A `match` on a role value.
    Match,
    /// An array or `vec!` of `(role, permissions)` tuples or structs: const
    /// tables and maps built from literals.
    Table,
    /// A series of `map.insert(role, permissions)` calls in one function.
    Inserts,
}

/// One role-to-permission mapping.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RoleMapping {
    pub form: MappingForm,
    /// The `match` expression, the table literal, or the insert calls.
    pub span: Span,
    /// The role type the entries name (`Role` in `Role::PartnerAdmin`, the
    /// `impl` type for `Self::…`), when they name one.
    pub role_type: Option<String>,
    /// In source order; a catch-all arm sees only the arms before it.
    pub entries: Vec<RoleEntry>,
}

/// One arm, tuple, struct or insert: some roles and what they are granted.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RoleEntry {
    /// The roles named (several for `A | B`); empty for a catch-all arm.
    pub roles: Vec<RoleName>,
    /// A `_` or binding arm: its pattern. The roles it catches are those not
    /// named by an unguarded arm before it.
    pub catch_all: Option<Span>,
    /// An arm with an `if` guard: its roles may still fall through.
    pub guarded: bool,
    pub grants: Vec<Grant>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RoleName {
    /// `PartnerAdmin` for `Role::PartnerAdmin`, `partner-admin` for a string.
    pub name: String,
    pub span: Span,
    /// A bare identifier (`PARTNER_ROLE`): possibly a const holding the role's name.
    pub is_ident: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum GrantKind {
    /// `Permission::DeleteTenant`, bitflags `Permissions::DELETE_TENANT`, or a
    /// path to a const of permissions (`perms::PARTNER`): `name` is the last segment.
    Path,
    /// A bare identifier: a const of permissions, or a variant brought in by
    /// `use Permission::*`.
    Ident,
    /// A string literal: `name` is its value.
    Literal,
    /// `Permission::all()`, `PermissionSet::all()`, bitflags' `all()`.
    All,
}

/// A permission as written where it is granted.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Grant {
    pub kind: GrantKind,
    pub name: String,
    /// The type segment of a path (`Permission` in `Permission::DeleteTenant`).
    pub qualifier: Option<String>,
    pub span: Span,
    /// For `All`: what is taken away (`Permissions::all() - Permissions::BILLING`,
    /// `.difference(…)`).
    pub except: Vec<Grant>,
}

/// A `const`/`static` whose value yields permission-like leaves (paths,
/// strings, `all()`), for tables that name it; a string const holding a
/// role's name (`const PARTNER: &str = "partner-admin"`) is one too.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PermissionList {
    pub name: String,
    pub name_span: Span,
    pub grants: Vec<Grant>,
}

/// Walks of expressions stop this deep; their nesting is already bounded
/// before syn sees the file, this keeps each walk cheap.
const MAX_DEPTH: usize = 64;
/// Grants kept per entry: a table larger than this is generated, not written.
const MAX_GRANTS: usize = 4096;

const PERMISSION_WORDS: &[&str] = &[
    "perm",
    "perms",
    "permission",
    "permissions",
    "scope",
    "scopes",
    "grant",
    "grants",
    "capability",
    "capabilities",
    "right",
    "rights",
    "privilege",
    "privileges",
    "access",
];

/// Whether a name has the word `role`/`roles` (`user_role`, `RoleDef`).
pub(crate) fn mentions_role(name: &str) -> bool {
    has_word(name, &["role", "roles"])
}

/// Whether a name has a permission word (`permissions`, `scopes`, `grants`, …).
pub(crate) fn mentions_permission(name: &str) -> bool {
    has_word(name, PERMISSION_WORDS)
}

fn type_mentions(ty: &TypeRef, predicate: fn(&str) -> bool) -> bool {
    ty.any(&mut |inner| match inner {
        TypeRef::Path { segments, .. } => segments.iter().any(|s| predicate(s)),
        _ => false,
    })
}

/// What the enclosing const, function or binding says its values are.
#[derive(Clone, Copy, Debug, Default)]
struct Hint {
    roles: bool,
    permissions: bool,
}

/// An insert series in progress: `receiver.insert(role, perms)` calls.
struct InsertSeries {
    receiver: String,
    span: Span,
    role_type: Option<String>,
    entries: Vec<RoleEntry>,
}

/// Collects mappings as the indexer walks a file; the indexer calls the
/// hooks below from its own visitor, so there is still one pass per file.
#[derive(Default)]
pub struct RoleCollector {
    pub mappings: Vec<RoleMapping>,
    pub permission_lists: Vec<PermissionList>,
    hints: Vec<Hint>,
    /// One list of insert series per function being visited.
    inserts: Vec<Vec<InsertSeries>>,
}

impl RoleCollector {
    fn hinted(&self) -> Hint {
        self.hints.iter().fold(Hint::default(), |all, hint| Hint {
            roles: all.roles || hint.roles,
            permissions: all.permissions || hint.permissions,
        })
    }

    /// `returns` is the function's return type, as the function's facts already hold it.
    pub fn enter_fn(&mut self, name: &str, returns: Option<&TypeRef>) {
        self.hints.push(Hint {
            roles: mentions_role(name),
            permissions: mentions_permission(name)
                || returns.is_some_and(|ty| type_mentions(ty, mentions_permission)),
        });
        self.inserts.push(Vec::new());
    }

    pub fn leave_fn(&mut self) {
        self.hints.pop();
        self.flush_inserts();
    }

    fn flush_inserts(&mut self) {
        for series in self.inserts.pop().unwrap_or_default() {
            self.mappings.push(RoleMapping {
                form: MappingForm::Inserts,
                span: series.span,
                role_type: series.role_type,
                entries: series.entries,
            });
        }
    }

    /// Entering a `const`, `static` or `let` whose name (and type) say what it holds.
    pub fn enter_binding(&mut self, name: &str, ty: Option<&syn::Type>) {
        let ty = ty.map(TypeRef::from_syn);
        self.hints.push(Hint {
            roles: mentions_role(name)
                || ty.as_ref().is_some_and(|t| type_mentions(t, mentions_role)),
            permissions: mentions_permission(name)
                || ty
                    .as_ref()
                    .is_some_and(|t| type_mentions(t, mentions_permission)),
        });
    }

    pub fn leave_binding(&mut self) {
        self.hints.pop();
    }

    /// Entering a `const`/`static` item: a binding, and the scope of the insert series
    /// its initialiser builds (`LazyLock::new(|| { let mut m = …; m.insert(…); m })`).
    pub fn enter_const(&mut self, name: &str, ty: Option<&syn::Type>) {
        self.enter_binding(name, ty);
        self.inserts.push(Vec::new());
    }

    pub fn leave_const(&mut self) {
        self.leave_binding();
        self.flush_inserts();
    }

    /// After a `const`/`static` was visited: keep its permissions for tables
    /// that name it, unless it was itself a table; a single role struct
    /// (`const PARTNER: RoleDef = RoleDef { … }`) is a one-entry table.
    pub fn record_const(
        &mut self,
        ident: &syn::Ident,
        expr: &syn::Expr,
        mappings_before: usize,
        impl_type: Option<&str>,
    ) {
        if self.mappings.len() > mappings_before {
            return;
        }
        let value = strip_wrappers(expr);
        if let syn::Expr::Struct(literal) = value {
            if let Some((entry, role_type)) = self.struct_entry(literal, impl_type) {
                self.mappings.push(RoleMapping {
                    form: MappingForm::Table,
                    span: span_of_tokens(expr),
                    role_type,
                    entries: vec![entry],
                });
                return;
            }
        }
        let grants = collect_grants(expr);
        if !grants.is_empty() {
            self.permission_lists.push(PermissionList {
                name: ident.to_string(),
                name_span: ident_span(ident),
                grants,
            });
        }
    }

    /// A `match` whose arms match roles and yield permissions.
    pub fn match_expr(&mut self, expr: &syn::ExprMatch, impl_type: Option<&str>) {
        let hint = self.hinted();
        let on_self = is_self(&expr.expr);
        let impl_is_role = impl_type.is_some_and(mentions_role);
        let scrutinee_is_role = idents_of(&expr.expr)
            .iter()
            .any(|ident| mentions_role(ident))
            || (on_self && impl_is_role);
        let mut entries = Vec::new();
        let mut role_type = None;
        let mut typed_role_pattern = false;
        for arm in &expr.arms {
            let mut roles = Vec::new();
            let shape = pattern_roles(&arm.pat, impl_type, &mut roles, 0);
            let catch_all = match shape {
                PatShape::Roles => None,
                PatShape::CatchAll => Some(span_of_tokens(&arm.pat)),
                PatShape::Other => continue,
            };
            let mut names = Vec::new();
            for found in roles {
                if let Some(ty) = &found.role_type {
                    typed_role_pattern |= mentions_role(ty);
                    role_type.get_or_insert_with(|| ty.clone());
                }
                names.push(found.name);
            }
            entries.push(RoleEntry {
                roles: names,
                catch_all,
                guarded: arm.guard.is_some(),
                grants: collect_grants(&arm.body),
            });
        }
        if !(scrutinee_is_role || typed_role_pattern) {
            return;
        }
        let named_arms = entries.iter().any(|entry| !entry.roles.is_empty());
        let permission_like = hint.permissions
            || entries
                .iter()
                .any(|entry| grants_look_like_permissions(&entry.grants));
        if !named_arms || !permission_like {
            return;
        }
        self.mappings.push(RoleMapping {
            form: MappingForm::Match,
            span: span_of_tokens(expr),
            role_type,
            entries,
        });
    }

    /// An array or `vec!` whose elements are `(role, permissions)` tuples or
    /// role structs: a const table, or the literal a map is built from.
    pub fn table<'a>(
        &mut self,
        elements: impl IntoIterator<Item = &'a syn::Expr>,
        // Asked for only when the elements are a table: finding it costs a walk of the tokens.
        span: impl FnOnce() -> Span,
        impl_type: Option<&str>,
    ) {
        let mut entries = Vec::new();
        let mut role_type = None;
        for element in elements {
            let found = match strip_wrappers(element) {
                syn::Expr::Tuple(tuple) if tuple.elems.len() == 2 => {
                    self.pair_entry(&tuple.elems[0], &tuple.elems[1], impl_type)
                }
                syn::Expr::Struct(literal) => self.struct_entry(literal, impl_type),
                _ => None,
            };
            if let Some((entry, ty)) = found {
                if role_type.is_none() {
                    role_type = ty;
                }
                entries.push(entry);
            }
        }
        if !entries.is_empty() {
            self.mappings.push(RoleMapping {
                form: MappingForm::Table,
                span: span(),
                role_type,
                entries,
            });
        }
    }

    /// The `key => value` entries of a map macro (`phf_map!`, `hashmap!`, …): a table.
    pub fn map_entries(
        &mut self,
        entries: &[(syn::Expr, syn::Expr)],
        span: impl FnOnce() -> Span,
        impl_type: Option<&str>,
    ) {
        let mut found_entries = Vec::new();
        let mut role_type = None;
        for (key, value) in entries {
            if let Some((entry, ty)) = self.pair_entry(key, value, impl_type) {
                if role_type.is_none() {
                    role_type = ty;
                }
                found_entries.push(entry);
            }
        }
        if !found_entries.is_empty() {
            self.mappings.push(RoleMapping {
                form: MappingForm::Table,
                span: span(),
                role_type,
                entries: found_entries,
            });
        }
    }

    /// `map.insert(role, permissions)`: one entry of the function's series for that map.
    pub fn method_call(&mut self, call: &syn::ExprMethodCall, impl_type: Option<&str>) {
        if call.method != "insert" || call.args.len() != 2 {
            return;
        }
        let receiver = idents_of(&call.receiver).join(".");
        self.hints.push(Hint {
            roles: mentions_role(&receiver),
            permissions: mentions_permission(&receiver),
        });
        let found = self.pair_entry(&call.args[0], &call.args[1], impl_type);
        self.hints.pop();
        let (Some((entry, role_type)), Some(series_list)) = (found, self.inserts.last_mut()) else {
            return;
        };
        let span = span_of_tokens(call);
        match series_list
            .iter_mut()
            .find(|series| series.receiver == receiver)
        {
            Some(series) => {
                series.span = series.span.cover(span);
                series.role_type = series.role_type.take().or(role_type);
                series.entries.push(entry);
            }
            None => series_list.push(InsertSeries {
                receiver,
                span,
                role_type,
                entries: vec![entry],
            }),
        }
    }

    fn pair_entry(
        &self,
        role: &syn::Expr,
        permissions: &syn::Expr,
        impl_type: Option<&str>,
    ) -> Option<(RoleEntry, Option<String>)> {
        let hint = self.hinted();
        let found = role_expr(role, impl_type, hint.roles)?;
        let grants = collect_grants(permissions);
        let permission_like =
            hint.permissions || grants_look_like_permissions(&grants) || is_collection(permissions);
        if grants.is_empty() || !permission_like {
            return None;
        }
        Some((
            RoleEntry {
                roles: vec![found.name],
                catch_all: None,
                guarded: false,
                grants,
            },
            found.role_type,
        ))
    }

    /// `RoleDef { name: "partner-admin", permissions: &[…] }`: a field naming
    /// the role (`role`, `role_name`; `name`/`id`/`key` when the struct is
    /// named after roles) and a field holding permissions.
    fn struct_entry(
        &self,
        literal: &syn::ExprStruct,
        impl_type: Option<&str>,
    ) -> Option<(RoleEntry, Option<String>)> {
        let struct_name = literal.path.segments.last()?.ident.to_string();
        let struct_is_role = mentions_role(&struct_name);
        let mut role = None;
        let mut grants = Vec::new();
        for field in &literal.fields {
            let syn::Member::Named(ident) = &field.member else {
                continue;
            };
            let field_name = ident.to_string();
            let names_role = mentions_role(&field_name)
                || (struct_is_role && matches!(field_name.as_str(), "name" | "id" | "key"));
            if names_role && role.is_none() {
                role = role_expr(&field.expr, impl_type, true);
            } else if mentions_permission(&field_name) {
                grants.extend(collect_grants(&field.expr));
            }
        }
        let role = role?;
        if grants.is_empty() {
            return None;
        }
        Some((
            RoleEntry {
                roles: vec![role.name],
                catch_all: None,
                guarded: false,
                grants,
            },
            role.role_type,
        ))
    }
}

/// Map macros written `key => value, …`, by their last path segment.
const MAP_MACROS: &[&str] = &[
    "phf_map",
    "phf_ordered_map",
    "hashmap",
    "btreemap",
    "indexmap",
];

/// The entries of a map macro (`phf_map! { "partner-admin" => &["*"], … }`), or `None`
/// for any other macro or a body of another shape.
pub fn map_macro_entries(mac: &syn::Macro) -> Option<Vec<(syn::Expr, syn::Expr)>> {
    let name = mac.path.segments.last()?.ident.to_string();
    if !MAP_MACROS.contains(&name.as_str()) {
        return None;
    }
    mac.parse_body_with(|input: syn::parse::ParseStream<'_>| {
        let mut entries = Vec::new();
        while !input.is_empty() {
            let key: syn::Expr = input.parse()?;
            input.parse::<syn::Token![=>]>()?;
            let value: syn::Expr = input.parse()?;
            entries.push((key, value));
            if input.is_empty() {
                break;
            }
            input.parse::<syn::Token![,]>()?;
        }
        Ok(entries)
    })
    .ok()
}

/// The statics of a `lazy_static!` block (`static ref NAME: Type = value;`, with
/// attributes and visibility), as the `static` items they stand for, or `None` for any
/// other macro.
pub fn lazy_statics(mac: &syn::Macro) -> Option<Vec<syn::ItemStatic>> {
    if mac.path.segments.last()?.ident != "lazy_static" {
        return None;
    }
    mac.parse_body_with(|input: syn::parse::ParseStream<'_>| {
        let mut statics = Vec::new();
        while !input.is_empty() {
            let attrs = input.call(syn::Attribute::parse_outer)?;
            let vis: syn::Visibility = input.parse()?;
            let static_token: syn::Token![static] = input.parse()?;
            input.parse::<syn::Token![ref]>()?;
            let ident: syn::Ident = input.parse()?;
            let colon_token: syn::Token![:] = input.parse()?;
            let ty: syn::Type = input.parse()?;
            let eq_token: syn::Token![=] = input.parse()?;
            let expr: syn::Expr = input.parse()?;
            let semi_token: syn::Token![;] = input.parse()?;
            statics.push(syn::ItemStatic {
                attrs,
                vis,
                static_token,
                mutability: syn::StaticMutability::None,
                ident,
                colon_token,
                ty: Box::new(ty),
                eq_token,
                expr: Box::new(expr),
                semi_token,
            });
        }
        Ok(statics)
    })
    .ok()
}

fn is_self(expr: &syn::Expr) -> bool {
    match expr {
        syn::Expr::Path(path) => path.path.is_ident("self"),
        syn::Expr::Unary(unary) => is_self(&unary.expr),
        syn::Expr::Reference(reference) => is_self(&reference.expr),
        syn::Expr::Paren(paren) => is_self(&paren.expr),
        _ => false,
    }
}

/// The identifiers of an expression's tokens (`user.role.as_str()` → `user`,
/// `role`, `as_str`), to ask whether it mentions a role.
fn idents_of(expr: &syn::Expr) -> Vec<String> {
    fn walk(tokens: proc_macro2::TokenStream, depth: usize, out: &mut Vec<String>) {
        if depth > MAX_DEPTH {
            return;
        }
        for token in tokens {
            match token {
                proc_macro2::TokenTree::Ident(ident) => out.push(ident.to_string()),
                proc_macro2::TokenTree::Group(group) => walk(group.stream(), depth + 1, out),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    walk(expr.to_token_stream(), 0, &mut out);
    out
}

/// References, parentheses and conversions that leave a value as it is,
/// including `String::from("partner-admin")`.
fn strip_wrappers(expr: &syn::Expr) -> &syn::Expr {
    let mut current = expr;
    for _ in 0..MAX_DEPTH {
        current = super::functions::strip_transparent(current);
        match current {
            syn::Expr::Call(call)
                if call.args.len() == 1
                    && matches!(&*call.func, syn::Expr::Path(p) if p.path.segments.len() == 2
                        && p.path.segments[0].ident == "String" && p.path.segments[1].ident == "from") =>
            {
                current = &call.args[0];
            }
            _ => return current,
        }
    }
    current
}

fn is_collection(expr: &syn::Expr) -> bool {
    match strip_wrappers(expr) {
        syn::Expr::Array(_) => true,
        syn::Expr::Macro(mac) => mac.mac.path.is_ident("vec"),
        _ => false,
    }
}

struct FoundRole {
    name: RoleName,
    role_type: Option<String>,
}

/// The role an expression names: a path on a role type always; with a hint
/// that roles are meant, also other paths, bare identifiers and strings.
fn role_expr(expr: &syn::Expr, impl_type: Option<&str>, hinted: bool) -> Option<FoundRole> {
    match strip_wrappers(expr) {
        syn::Expr::Path(path) if path.qself.is_none() => {
            let segments = crate::names::segment_names(&path.path);
            found_path_role(&segments, span_of_tokens(path), impl_type, hinted)
        }
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(text),
            ..
        }) if hinted => Some(FoundRole {
            name: RoleName {
                name: text.value(),
                span: span_of(text.span()),
                is_ident: false,
            },
            role_type: None,
        }),
        _ => None,
    }
}

fn found_path_role(
    segments: &[Name],
    span: Span,
    impl_type: Option<&str>,
    hinted: bool,
) -> Option<FoundRole> {
    let name = segments.last()?.to_string();
    if segments.len() == 1 {
        // A capitalised name is a const or a variant in scope; a lowercase
        // one is a local binding whose value we do not know.
        let capitalised = name.chars().next().is_some_and(char::is_uppercase);
        return (hinted && capitalised).then_some(FoundRole {
            name: RoleName {
                name,
                span,
                is_ident: true,
            },
            role_type: None,
        });
    }
    let qualifier = &segments[segments.len() - 2];
    let role_type = if qualifier == "Self" {
        impl_type.map(str::to_string)
    } else {
        Some(qualifier.to_string())
    };
    let typed = role_type.as_deref().is_some_and(mentions_role);
    (typed || hinted).then_some(FoundRole {
        name: RoleName {
            name,
            span,
            is_ident: false,
        },
        role_type,
    })
}

enum PatShape {
    /// Names roles (collected).
    Roles,
    /// `_` or a lowercase binding: catches whatever is left.
    CatchAll,
    /// Something else (a tuple, a range): not a role arm.
    Other,
}

struct PatRole {
    name: RoleName,
    role_type: Option<String>,
}

fn pattern_roles(
    pat: &syn::Pat,
    impl_type: Option<&str>,
    out: &mut Vec<PatRole>,
    depth: usize,
) -> PatShape {
    if depth > MAX_DEPTH {
        return PatShape::Other;
    }
    let path_role = |path: &syn::Path, out: &mut Vec<PatRole>| {
        let segments = crate::names::segment_names(path);
        // Patterns are judged as a whole (by the scrutinee or a typed
        // pattern), so every path here is taken as a role.
        match found_path_role(&segments, span_of_tokens(path), impl_type, true) {
            Some(found) => {
                out.push(PatRole {
                    name: found.name,
                    role_type: found.role_type,
                });
                PatShape::Roles
            }
            None => PatShape::Other,
        }
    };
    match pat {
        syn::Pat::Wild(_) => PatShape::CatchAll,
        syn::Pat::Ident(ident) => {
            if let Some((_, sub)) = &ident.subpat {
                return pattern_roles(sub, impl_type, out, depth + 1);
            }
            let name = ident.ident.to_string();
            // A capitalised lone identifier is a unit variant in scope
            // (`use Role::*`); a lowercase one binds whatever is left.
            if name.chars().next().is_some_and(char::is_uppercase) {
                out.push(PatRole {
                    name: RoleName {
                        name,
                        span: ident_span(&ident.ident),
                        is_ident: false,
                    },
                    role_type: None,
                });
                PatShape::Roles
            } else {
                PatShape::CatchAll
            }
        }
        syn::Pat::Path(path) if path.qself.is_none() => path_role(&path.path, out),
        // `Some(Role::PartnerAdmin)` when matching on an `Option<Role>`.
        syn::Pat::TupleStruct(tuple)
            if tuple.elems.len() == 1
                && (tuple.path.is_ident("Some") || tuple.path.is_ident("Ok")) =>
        {
            match tuple.elems.first() {
                Some(inner) => pattern_roles(inner, impl_type, out, depth + 1),
                None => PatShape::Other,
            }
        }
        syn::Pat::TupleStruct(tuple) if tuple.qself.is_none() => path_role(&tuple.path, out),
        syn::Pat::Struct(structure) if structure.qself.is_none() => path_role(&structure.path, out),
        syn::Pat::Lit(syn::ExprLit {
            lit: syn::Lit::Str(text),
            ..
        }) => {
            out.push(PatRole {
                name: RoleName {
                    name: text.value(),
                    span: span_of(text.span()),
                    is_ident: false,
                },
                role_type: None,
            });
            PatShape::Roles
        }
        syn::Pat::Or(or) => {
            let mut shape = PatShape::Other;
            for case in &or.cases {
                match pattern_roles(case, impl_type, out, depth + 1) {
                    PatShape::CatchAll => return PatShape::CatchAll,
                    PatShape::Roles => shape = PatShape::Roles,
                    PatShape::Other => {}
                }
            }
            shape
        }
        syn::Pat::Reference(reference) => pattern_roles(&reference.pat, impl_type, out, depth + 1),
        syn::Pat::Paren(paren) => pattern_roles(&paren.pat, impl_type, out, depth + 1),
        _ => PatShape::Other,
    }
}

/// Whether grants found by themselves say "permissions": `all()`, or a path
/// on a permission-like type (`Permission::…`, `Scope::…`).
fn grants_look_like_permissions(grants: &[Grant]) -> bool {
    grants.iter().any(|grant| {
        grant.kind == GrantKind::All || grant.qualifier.as_deref().is_some_and(mentions_permission)
    })
}

/// Every permission an expression yields, as written: through collections,
/// references, conversions, set constructors, bitflag `|`, blocks and branches.
pub fn collect_grants(expr: &syn::Expr) -> Vec<Grant> {
    let mut out = Vec::new();
    collect_into(expr, 0, &mut out);
    out
}

fn collect_into(expr: &syn::Expr, depth: usize, out: &mut Vec<Grant>) {
    if depth > MAX_DEPTH || out.len() >= MAX_GRANTS {
        return;
    }
    let next = depth + 1;
    match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(text),
            ..
        }) => out.push(Grant {
            kind: GrantKind::Literal,
            name: text.value(),
            qualifier: None,
            span: span_of(text.span()),
            except: Vec::new(),
        }),
        syn::Expr::Path(path) if path.qself.is_none() => {
            let segments = &path.path.segments;
            let Some(last) = segments.last() else { return };
            let name = last.ident.to_string();
            if segments.len() == 1 {
                // Lowercase names are local bindings, not permissions.
                if name.chars().next().is_some_and(char::is_uppercase) && name != "None" {
                    out.push(Grant {
                        kind: GrantKind::Ident,
                        name,
                        qualifier: None,
                        span: span_of_tokens(path),
                        except: Vec::new(),
                    });
                }
            } else {
                out.push(Grant {
                    kind: GrantKind::Path,
                    name,
                    qualifier: Some(segments[segments.len() - 2].ident.to_string()),
                    span: span_of_tokens(path),
                    except: Vec::new(),
                });
            }
        }
        syn::Expr::Call(call) => {
            if let syn::Expr::Path(func) = &*call.func {
                let segments = &func.path.segments;
                if call.args.is_empty()
                    && segments.len() >= 2
                    && segments.last().is_some_and(|s| s.ident == "all")
                {
                    out.push(Grant {
                        kind: GrantKind::All,
                        name: "all".to_string(),
                        qualifier: Some(segments[segments.len() - 2].ident.to_string()),
                        span: span_of_tokens(call),
                        except: Vec::new(),
                    });
                    return;
                }
            }
            // `HashSet::from([…])`, `PermissionSet::new(&[…])`, `Some(…)`.
            for arg in &call.args {
                collect_into(arg, next, out);
            }
        }
        syn::Expr::MethodCall(call) => {
            let before = out.len();
            collect_into(&call.receiver, next, out);
            if call.method == "difference" {
                let except: Vec<Grant> = call.args.iter().flat_map(collect_grants).collect();
                add_exceptions(&mut out[before..], &except);
            } else {
                for arg in &call.args {
                    if !matches!(arg, syn::Expr::Closure(_)) {
                        collect_into(arg, next, out);
                    }
                }
            }
        }
        syn::Expr::Binary(binary) => {
            let before = out.len();
            collect_into(&binary.left, next, out);
            if matches!(binary.op, syn::BinOp::Sub(_)) {
                let mut except = Vec::new();
                collect_into(&binary.right, next, &mut except);
                add_exceptions(&mut out[before..], &except);
            } else if matches!(binary.op, syn::BinOp::BitOr(_) | syn::BinOp::Add(_)) {
                collect_into(&binary.right, next, out);
            }
        }
        syn::Expr::Array(array) => {
            for element in &array.elems {
                collect_into(element, next, out);
            }
        }
        syn::Expr::Tuple(tuple) => {
            for element in &tuple.elems {
                collect_into(element, next, out);
            }
        }
        syn::Expr::Macro(mac) => collect_macro(&mac.mac, next, out),
        syn::Expr::Reference(inner) => collect_into(&inner.expr, next, out),
        syn::Expr::Paren(inner) => collect_into(&inner.expr, next, out),
        syn::Expr::Group(inner) => collect_into(&inner.expr, next, out),
        syn::Expr::Cast(inner) => collect_into(&inner.expr, next, out),
        syn::Expr::Return(inner) => {
            if let Some(value) = &inner.expr {
                collect_into(value, next, out);
            }
        }
        syn::Expr::Block(block) => collect_block(&block.block, next, out),
        syn::Expr::Unsafe(block) => collect_block(&block.block, next, out),
        // Every branch may be taken, so each branch's grants count.
        syn::Expr::If(branch) => {
            collect_block(&branch.then_branch, next, out);
            if let Some((_, otherwise)) = &branch.else_branch {
                collect_into(otherwise, next, out);
            }
        }
        syn::Expr::Match(inner) => {
            for arm in &inner.arms {
                collect_into(&arm.body, next, out);
            }
        }
        _ => {}
    }
}

fn add_exceptions(grants: &mut [Grant], except: &[Grant]) {
    for grant in grants
        .iter_mut()
        .filter(|grant| grant.kind == GrantKind::All)
    {
        grant.except.extend(except.iter().cloned());
    }
}

fn collect_block(block: &syn::Block, depth: usize, out: &mut Vec<Grant>) {
    for stmt in &block.stmts {
        match stmt {
            syn::Stmt::Local(local) => {
                if let Some(init) = &local.init {
                    collect_into(&init.expr, depth, out);
                }
            }
            syn::Stmt::Expr(expr, _) => collect_into(expr, depth, out),
            syn::Stmt::Macro(mac) => collect_macro(&mac.mac, depth, out),
            syn::Stmt::Item(_) => {}
        }
    }
}

/// `vec![…]`, `hashset![…]` and the like: most collection macros take expressions.
fn collect_macro(mac: &syn::Macro, depth: usize, out: &mut Vec<Grant>) {
    if let Ok(args) = mac.parse_body_with(Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
    {
        for arg in &args {
            collect_into(arg, depth, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::index::{index_file, FileFacts, GrantKind, MappingForm};

    fn index(source: &str) -> FileFacts {
        let facts = index_file("src/roles.rs".into(), source.into());
        assert_eq!(facts.problem, None);
        facts
    }

    fn summary(facts: &FileFacts) -> Vec<String> {
        facts
            .role_mappings
            .iter()
            .map(|mapping| {
                let entries: Vec<String> = mapping
                    .entries
                    .iter()
                    .map(|entry| {
                        let roles = if entry.catch_all.is_some() {
                            "_".to_string()
                        } else {
                            entry
                                .roles
                                .iter()
                                .map(|r| r.name.as_str())
                                .collect::<Vec<_>>()
                                .join("|")
                        };
                        let grants: Vec<&str> =
                            entry.grants.iter().map(|g| g.name.as_str()).collect();
                        format!("{roles}=>{}", grants.join(","))
                    })
                    .collect();
                format!(
                    "{:?} {:?}: {}",
                    mapping.form,
                    mapping.role_type,
                    entries.join("; ")
                )
            })
            .collect()
    }

    #[test]
    fn match_on_self_in_a_role_impl() {
        let facts = index(
            r#"
impl Role {
    pub fn permissions(&self) -> Vec<Permission> {
        match self {
            Role::PartnerAdmin | Self::PartnerSupport => vec![Permission::ReadTenant],
            Role::Owner if true => Permission::all(),
            _ => Vec::new(),
        }
    }
}
"#,
        );
        assert_eq!(
            summary(&facts),
            ["Match Some(\"Role\"): PartnerAdmin|PartnerSupport=>ReadTenant; Owner=>all; _=>"]
        );
        assert!(facts.role_mappings[0].entries[1].guarded);
        assert_eq!(
            facts.role_mappings[0].entries[1].grants[0].kind,
            GrantKind::All
        );
    }

    #[test]
    fn matches_that_are_not_role_mappings_are_left_out() {
        let facts = index(
            r#"
fn required(method: &Method) -> &'static str {
    match method { Method::GET => "read", Method::DELETE => "delete_tenant", _ => "*" }
}
impl Role {
    fn label(&self) -> &'static str { match self { Role::PartnerAdmin => "Partner admin", _ => "Other" } }
}
"#,
        );
        assert_eq!(summary(&facts), Vec::<String>::new());
    }

    #[test]
    fn tables_maps_and_inserts() {
        let facts = index(
            r#"
const ROLE_PERMISSIONS: &[(Role, &[Permission])] = &[
    (Role::PartnerAdmin, PARTNER_ADMIN_PERMS),
    (Role::Owner, &[Permission::DeleteTenant]),
];
const PARTNER_ADMIN_PERMS: &[Permission] = &[Permission::ReadTenant, Permission::ManageUsers];
static DEFS: &[RoleDef] = &[RoleDef { name: "partner-admin", permissions: &["tenant:read"] }];
fn role_grants() -> HashMap<&'static str, Vec<&'static str>> {
    let mut grants = HashMap::from([("partner_admin", vec!["*"])]);
    grants.insert("owner", vec!["billing:manage"]);
    grants.insert("partner-support", vec!["tenant:read"]);
    grants
}
"#,
        );
        assert_eq!(
            summary(&facts),
            [
                "Table Some(\"Role\"): PartnerAdmin=>PARTNER_ADMIN_PERMS; Owner=>DeleteTenant",
                "Table None: partner-admin=>tenant:read",
                "Table None: partner_admin=>*",
                "Inserts None: owner=>billing:manage; partner-support=>tenant:read",
            ]
        );
        let lists: Vec<(&str, usize)> = facts
            .permission_lists
            .iter()
            .map(|list| (list.name.as_str(), list.grants.len()))
            .collect();
        assert_eq!(lists, [("PARTNER_ADMIN_PERMS", 2)]);
        assert_eq!(facts.role_mappings[3].form, MappingForm::Inserts);
    }

    #[test]
    fn bitflags_union_and_difference() {
        let facts = index(
            r#"
fn permissions_for(role: Role) -> Permissions {
    match role {
        Role::PartnerAdmin => Permissions::all() - Permissions::BILLING,
        Role::PartnerSupport => Permissions::READ | Permissions::DELETE_TENANT,
        _ => Permissions::empty(),
    }
}
"#,
        );
        let mapping = &facts.role_mappings[0];
        let all = &mapping.entries[0].grants[0];
        assert_eq!(all.kind, GrantKind::All);
        assert_eq!(all.except[0].name, "BILLING");
        assert_eq!(mapping.entries[0].grants.len(), 1);
        let names: Vec<&str> = mapping.entries[1]
            .grants
            .iter()
            .map(|g| g.name.as_str())
            .collect();
        assert_eq!(names, ["READ", "DELETE_TENANT"]);
    }
}
