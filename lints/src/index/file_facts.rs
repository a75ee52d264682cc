//! The facts of one file: its kind, items, imports, types, functions and problems, as
//! the cache stores them.

use super::*;
use crate::names::Name;
use crate::positions::{LineIndex, Span};
use crate::suppression::Directive;
use std::sync::Arc;

/// How far from the top of a file a `@generated` marker is looked for.
const GENERATED_MARKER_LINES: usize = 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ItemKind {
    Fn,
    Struct,
    Enum,
    Union,
    Impl,
    Trait,
    Mod,
    Const,
    Static,
    TypeAlias,
    Macro,
    Use,
    /// A struct, union or variant field.
    Field,
    Variant,
    Other,
}

/// An item's extent, attributes included, for item-level suppressions.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ItemExtent {
    pub kind: ItemKind,
    pub span: Span,
}

/// Why a file has no syntax facts.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileProblem {
    pub message: String,
    pub span: Span,
}

/// What a file is, by its name.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum FileKind {
    #[default]
    Rust,
    /// A `.cypher` file: one or more queries.
    Cypher,
    /// A template (`templates/**/*.html`, `*.askama`, `*.j2`, `*.jinja`, `*.jinja2`,
    /// `*.tera`, `*.hbs`).
    Template,
    /// A roles file (`roles.toml`, `*.roles.toml`, `roles.yaml`, `*.roles.yaml`, `roles.json`).
    Roles,
}

impl FileKind {
    /// The kind of a workspace-relative path, or `None` for files the analysis does not read.
    pub fn of_path(path: &str) -> Option<FileKind> {
        let name = path.rsplit('/').next().unwrap_or(path);
        let in_templates = path.split('/').any(|part| part == "templates");
        if name.ends_with(".rs") {
            Some(FileKind::Rust)
        } else if name.ends_with(".cypher") {
            Some(FileKind::Cypher)
        } else if matches!(
            name,
            "roles.toml" | "roles.yaml" | "roles.yml" | "roles.json"
        ) || name.ends_with(".roles.toml")
            || name.ends_with(".roles.yaml")
            || name.ends_with(".roles.yml")
        {
            Some(FileKind::Roles)
        } else if [".askama", ".j2", ".jinja", ".jinja2", ".tera", ".hbs"]
            .iter()
            .any(|ext| name.ends_with(ext))
            || (in_templates && name.ends_with(".html"))
        {
            Some(FileKind::Template)
        } else {
            None
        }
    }
}

/// Everything the analysis keeps of one file.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct FileFacts {
    /// Relative to the workspace root, `/`-separated.
    pub path: String,
    pub kind: FileKind,
    /// The module path the file's items live in (Rust files).
    pub module_path: Vec<Name>,
    /// Not cached: the caller has the text already (it hashes it to find the facts).
    #[serde(skip)]
    pub text: Arc<str>,
    pub line_index: LineIndex,
    /// Set when the file could not be read or parsed (reported as PS000).
    pub problem: Option<FileProblem>,
    /// Set when indexing itself failed (reported as PS003).
    pub internal_error: Option<String>,
    pub items: Vec<ItemExtent>,
    pub types: Vec<TypeDef>,
    pub trait_impls: Vec<TraitImpl>,
    pub functions: Vec<FunctionDef>,
    pub consts: Vec<ConstDef>,
    /// String literals whose text looks like Cypher (queries kept in tables).
    pub cypher_literals: Vec<Span>,
    /// Role-to-permission mappings: `match`es on roles, tables, literal maps.
    pub role_mappings: Vec<RoleMapping>,
    /// `const`/`static` permission lists, for tables that name them.
    pub permission_lists: Vec<PermissionList>,
    /// `macro_rules!` definitions whose `key = value` arguments reach other field names.
    pub macro_keys: Vec<macros::MacroKeys>,
    pub directives: Vec<Directive>,
    /// Components, view bodies, routes and templates.
    pub views: views::ViewFacts,
    /// Router chains and tonic interceptors: which handlers run behind which middleware.
    pub routers: routers::RouterFacts,
    /// `use` declarations, one per imported name (globs included).
    pub imports: Vec<Import>,
    /// `mod name;` declarations and `include!`s: the files this one makes the compiler load.
    pub module_links: Vec<modules::ModuleLink>,
    /// Items only the test harness builds (RULES.md R6): an item under exactly
    /// `#[cfg(test)]` (`cfg(any(test, …))` is built elsewhere too), and a function with a
    /// test attribute (`#[test]`, `#[tokio::test]`, `#[rstest]`, `#[bench]`).
    pub test_code: Vec<Span>,
    /// How many function bodies were left unparsed because no rule needs them (see
    /// [`super::index_file_choosing`]); 0 when every body was parsed.
    #[serde(default)]
    pub skipped_bodies: u32,
}

/// One name a `use` declaration brings into scope: `use redis::aio::ConnectionManager`
/// → `ConnectionManager` = `redis::aio::ConnectionManager`; `use fred::prelude::*`
/// → a glob of `fred::prelude`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Import {
    /// The name in scope (the alias for `as`); `None` for a glob.
    pub name: Option<Name>,
    /// The full path as written, `self`/`crate` segments included.
    pub path: Vec<Name>,
}

impl FileFacts {
    /// The full path a type or function name written as `segments` refers
    /// to in this file: the first segment expanded through the file's `use`
    /// declarations (`Cache` → `moka::future::Cache`). Globs are not
    /// expanded: the name stays as written.
    pub fn expand_path(&self, segments: &[Name]) -> Vec<Name> {
        let Some(first) = segments.first() else {
            return Vec::new();
        };
        match self
            .imports
            .iter()
            .find(|import| import.name.as_deref() == Some(first.as_str()))
        {
            Some(import) => import
                .path
                .iter()
                .chain(segments.iter().skip(1))
                .cloned()
                .collect(),
            None => segments.to_vec(),
        }
    }

    /// Paths this file glob-imports from (`fred::prelude` for `use fred::prelude::*`).
    pub fn glob_imports(&self) -> impl Iterator<Item = &[Name]> {
        self.imports
            .iter()
            .filter(|import| import.name.is_none())
            .map(|import| import.path.as_slice())
    }

    /// A file's path and text, without its facts: what reporting and fixing read of a file,
    /// for a run that reuses the last run's findings because nothing changed.
    pub fn text_only(path: String, text: Arc<str>) -> FileFacts {
        FileFacts {
            kind: FileKind::of_path(&path).unwrap_or(FileKind::Rust),
            line_index: LineIndex::new(&text),
            path,
            text,
            ..FileFacts::default()
        }
    }

    /// Facts for a file whose text could not be obtained.
    pub fn unreadable(path: String, message: String) -> FileFacts {
        FileFacts {
            path,
            problem: Some(FileProblem {
                message,
                span: Span::default(),
            }),
            ..FileFacts::default()
        }
    }

    pub fn line_col(&self, offset: u32) -> crate::source::LineCol {
        self.line_index.line_col(&self.text, offset)
    }

    /// Whether the file says, in a comment among its first lines, that a tool wrote it
    /// (`// @generated`, `/* This file is @generated by … */`). Anyone can write that
    /// line, so it only ever makes the tool more careful (fixes are not applied there),
    /// never quieter.
    /// Whether the byte at `offset` lies in an item only the test harness builds.
    pub fn is_test_code(&self, offset: u32) -> bool {
        self.test_code
            .iter()
            .any(|span| span.start <= offset && offset < span.end)
    }

    pub fn is_marked_generated(&self) -> bool {
        self.text.lines().take(GENERATED_MARKER_LINES).any(|line| {
            let line = line.trim_start();
            (line.starts_with("//") || line.starts_with("/*") || line.starts_with('*'))
                && line.contains("@generated")
        })
    }
}
