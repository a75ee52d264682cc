//! The module tree: which files the compiler builds, found the way rustc finds them.
//!
//! A directory walk sees what ignore files, hidden folders and nested manifests let it
//! see; the compiler sees what `mod` declarations, `#[path]` attributes and `include!`
//! reach from each target's root file. A pull request could hide a compiled file from
//! the walk (a `.gitignore` entry, `#[path = ".hid/x.rs"]`, `include!("x.inc")`), so
//! every file reached from a target root is analysed whatever the walk says, and a file
//! the walk found that no target reaches is a stray (test data, fixtures), whose parse
//! failures are not findings.
//!
//! The index records each file's links ([`ModuleLink`]); [`resolve`] follows them from
//! the roots. This module does no I/O: it names the files it wants ([`ModuleTree::wanted`]),
//! and the shell reads the ones that exist and asks again until nothing new is wanted.

use crate::diagnostic::FileId;
use crate::index::FileFacts;
use crate::names::Name;
use crate::positions::Span;
use std::collections::{HashMap, HashSet, VecDeque};

/// A file-level `mod name;`, or an `include!("…")`, as written in a file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ModuleLink {
    pub kind: LinkKind,
    /// The inline modules (`mod a { mod b { … } }`) around the declaration in its file,
    /// each as the folder it stands for: its `#[path]` when it has one, else its name.
    pub inline_dirs: Vec<String>,
    /// Where the declaration is, for findings about the file it names.
    pub span: Span,
    /// Whether the declaration is test code (`#[cfg(test)] mod tests;`, or inside such a
    /// module): the file it loads is built only for tests.
    #[serde(default)]
    pub test_only: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum LinkKind {
    /// `mod name;`. `paths` holds its `#[path = "…"]` values (also those under
    /// `cfg_attr`); `default` is whether the file may also come from the name (no
    /// `path` attribute, or only conditional ones).
    Mod {
        name: Name,
        paths: Vec<String>,
        default: bool,
    },
    /// `include!("path")`: relative to the including file's folder.
    Include { path: String },
}

/// What the compiler builds a file for.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum FileRole {
    /// Reached from a library, binary, example or build-script root, or from a root of
    /// unknown kind. Also every file when no target is known (a plain folder): not
    /// knowing is treated as compiled.
    #[default]
    Compiled,
    /// Reached only from test and bench targets.
    TestOnly,
    /// Reached from no target root: test data, fixtures, files of other tools.
    Stray,
}

/// The kind of a cargo target, as far as the analysis cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum TargetKind {
    /// Libraries, binaries, examples, build scripts: code that ships or runs at build time.
    Production,
    /// Integration tests and benches.
    Test,
}

/// A target's root file, workspace-relative and `/`-separated.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct TargetRoot {
    pub path: String,
    pub kind: TargetKind,
}

/// A module the compiler would load from outside the workspace root, which the analysis
/// does not read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutsideLink {
    pub file: FileId,
    pub span: Span,
    /// The path as written in the source.
    pub written: String,
}

#[derive(Debug, Default)]
pub struct ModuleTree {
    /// One per file of the workspace, in its order.
    pub roles: Vec<FileRole>,
    /// Workspace-relative paths a reached file may load that are not among the files
    /// given: the shell reads those that exist and resolves again.
    pub wanted: Vec<String>,
    /// Links that leave the workspace root (`#[path = "../../x.rs"]`, absolute paths).
    pub outside: Vec<OutsideLink>,
}

/// Follows the module tree from `roots` over the links of `files`. With no roots at all
/// (a plain folder) every file is [`FileRole::Compiled`].
pub fn resolve(files: &[FileFacts], roots: &[TargetRoot]) -> ModuleTree {
    let paths: Vec<&str> = files.iter().map(|facts| facts.path.as_str()).collect();
    let links: Vec<&[ModuleLink]> = files.iter().map(|facts| &facts.module_links[..]).collect();
    resolve_links(&paths, &links, roots)
}

/// [`resolve`] over paths and links alone.
pub fn resolve_links(paths: &[&str], links: &[&[ModuleLink]], roots: &[TargetRoot]) -> ModuleTree {
    if roots.is_empty() {
        return ModuleTree {
            roles: vec![FileRole::Compiled; paths.len()],
            ..ModuleTree::default()
        };
    }
    let by_path: HashMap<&str, FileId> = paths
        .iter()
        .enumerate()
        .map(|(id, path)| (*path, id))
        .collect();
    let mut reached_by_production = vec![false; paths.len()];
    let mut reached_by_test = vec![false; paths.len()];
    let mut wanted: Vec<String> = Vec::new();
    let mut wanted_seen: HashSet<String> = HashSet::new();
    let mut outside: Vec<OutsideLink> = Vec::new();
    let mut outside_seen: HashSet<(FileId, Span, String)> = HashSet::new();
    let mut test_seeds: Vec<(FileId, bool)> = Vec::new();
    for kind in [TargetKind::Production, TargetKind::Test] {
        let reached = match kind {
            TargetKind::Production => &mut reached_by_production,
            TargetKind::Test => &mut reached_by_test,
        };
        // A file reached as a directory owner (a root, a `mod.rs`, a `#[path]` file) and
        // as a plain module file resolves its children differently; both are followed.
        let mut seen: HashSet<(FileId, bool)> = HashSet::new();
        let mut queue: VecDeque<(FileId, bool)> = VecDeque::new();
        if kind == TargetKind::Test {
            queue.extend(test_seeds.drain(..));
        }
        for root in roots.iter().filter(|root| root.kind == kind) {
            match by_path.get(root.path.as_str()) {
                Some(&id) => queue.push_back((id, true)),
                None => {
                    if wanted_seen.insert(root.path.clone()) {
                        wanted.push(root.path.clone());
                    }
                }
            }
        }
        while let Some((file, owns_dir)) = queue.pop_front() {
            if !seen.insert((file, owns_dir)) {
                continue;
            }
            reached[file] = true;
            let path = paths[file];
            for link in links[file] {
                for target in link_targets(path, owns_dir, link) {
                    match target {
                        Target::Inside { path, owns_dir } => match by_path.get(path.as_str()) {
                            // A module behind `#[cfg(test)]` is built by the test harness
                            // only: the production pass hands it to the test pass.
                            Some(&id) if kind == TargetKind::Production && link.test_only => {
                                test_seeds.push((id, owns_dir))
                            }
                            Some(&id) => queue.push_back((id, owns_dir)),
                            None => {
                                if wanted_seen.insert(path.clone()) {
                                    wanted.push(path);
                                }
                            }
                        },
                        Target::Outside(written) => {
                            if outside_seen.insert((file, link.span, written.clone())) {
                                outside.push(OutsideLink {
                                    file,
                                    span: link.span,
                                    written,
                                });
                            }
                        }
                    }
                }
            }
        }
    }
    let roles = (0..paths.len())
        .map(|file| {
            if reached_by_production[file] {
                FileRole::Compiled
            } else if reached_by_test[file] {
                FileRole::TestOnly
            } else {
                FileRole::Stray
            }
        })
        .collect();
    outside.sort_by_key(|link| (link.file, link.span.start));
    ModuleTree {
        roles,
        wanted,
        outside,
    }
}

enum Target {
    /// A workspace-relative file, and whether it owns its folder (`mod.rs`-like).
    Inside { path: String, owns_dir: bool },
    /// A path that leaves the root, as written.
    Outside(String),
}

/// The files a link may load, as rustc resolves them: `mod name;` in a file that owns
/// its folder (a crate root, a `mod.rs`, a file loaded by `#[path]`) looks in that
/// folder, in any other file `x.rs` in the folder `x/`; inline modules add their folders;
/// `#[path]` is relative to the declaring file's folder (plus the inline modules' folders,
/// as for a name), and the file it loads owns its folder. `include!` is relative to the
/// including file's folder.
fn link_targets(path: &str, owns_dir: bool, link: &ModuleLink) -> Vec<Target> {
    let dir = parent(path);
    let mut module_dir: Vec<String> = Vec::new();
    if !owns_dir {
        let file_name = path.rsplit('/').next().unwrap_or(path);
        let stem = file_name.strip_suffix(".rs").unwrap_or(file_name);
        module_dir.push(stem.to_string());
    }
    module_dir.extend(link.inline_dirs.iter().cloned());
    let mut targets = Vec::new();
    match &link.kind {
        LinkKind::Mod {
            name,
            paths,
            default,
        } => {
            for written in paths {
                // Outside inline modules a `#[path]` is relative to the file's folder, in
                // either kind of file; inside them, to the inline modules' folder.
                let base = if link.inline_dirs.is_empty() {
                    Vec::new()
                } else {
                    module_dir.clone()
                };
                targets.push(join(dir, &base, written, true));
            }
            if *default {
                for (relative, owns) in [
                    (format!("{name}.rs"), false),
                    (format!("{name}/mod.rs"), true),
                ] {
                    targets.push(join(dir, &module_dir, &relative, owns));
                }
            }
        }
        LinkKind::Include { path: written } => {
            targets.push(join(dir, &[], written, true));
        }
    }
    targets
}

/// The folder of a workspace-relative path (`""` for a file at the root).
fn parent(path: &str) -> &str {
    path.rfind('/').map_or("", |slash| &path[..slash])
}

/// `dir/base…/relative`, normalised; outside when it is absolute or climbs above the root.
fn join(dir: &str, base: &[String], relative: &str, owns_dir: bool) -> Target {
    let relative_slashed = relative.replace('\\', "/");
    let absolute = relative_slashed.starts_with('/')
        || (relative_slashed.len() >= 2 && relative_slashed.as_bytes()[1] == b':');
    if absolute {
        return Target::Outside(relative.to_string());
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|part| !part.is_empty()).collect();
    for part in base
        .iter()
        .flat_map(|segment| segment.split('/'))
        .chain(relative_slashed.split('/'))
    {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Target::Outside(relative.to_string());
                }
            }
            part => parts.push(part),
        }
    }
    if parts.is_empty() {
        return Target::Outside(relative.to_string());
    }
    Target::Inside {
        path: parts.join("/"),
        owns_dir,
    }
}

/// The `#[path = "…"]` values on a module, and whether the default file may be used too:
/// a plain `path` attribute replaces the default; one under `cfg_attr` applies only when
/// its condition holds, so both are possible.
pub(crate) fn path_attributes(attrs: &[syn::Attribute]) -> (Vec<String>, bool) {
    let mut paths = Vec::new();
    let mut default = true;
    for attr in attrs {
        if attr.path().is_ident("path") {
            if let syn::Meta::NameValue(name_value) = &attr.meta {
                if let Some(value) = string_value(&name_value.value) {
                    paths.push(value);
                    default = false;
                }
            }
        } else if attr.path().is_ident("cfg_attr") {
            let nested = attr.parse_args_with(
                syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
            );
            for meta in nested.into_iter().flatten().skip(1) {
                if let syn::Meta::NameValue(name_value) = meta {
                    if name_value.path.is_ident("path") {
                        if let Some(value) = string_value(&name_value.value) {
                            paths.push(value);
                        }
                    }
                }
            }
        }
    }
    (paths, default)
}

fn string_value(expr: &syn::Expr) -> Option<String> {
    match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(literal),
            ..
        }) => Some(literal.value()),
        _ => None,
    }
}

/// The file an `include!` names, when it is a string literal.
pub(crate) fn include_path(mac: &syn::Macro) -> Option<String> {
    let last = mac.path.segments.last()?;
    if last.ident != "include" || mac.path.segments.len() > 2 {
        return None;
    }
    let literal: syn::LitStr = mac.parse_body().ok()?;
    Some(literal.value())
}

/// `mod name;` declarations written inside a macro's tokens (`cfg_if! { if #[cfg(unix)] {
/// mod unix; } }`, a `macro_rules!` that declares modules): the compiler may build those
/// files, so they are followed, with any `#[path = "…"]` right before them. Names made
/// of macro variables (`mod $name;`) cannot be followed.
pub(crate) fn links_in_tokens(
    tokens: proc_macro2::TokenStream,
    inline_dirs: &[String],
    links: &mut Vec<ModuleLink>,
) {
    use proc_macro2::TokenTree;
    let first_new = links.len();
    // Groups still to scan, so the nesting of macro bodies never deepens our stack.
    let mut pending = vec![tokens];
    while let Some(stream) = pending.pop() {
        let trees: Vec<TokenTree> = stream.into_iter().collect();
        let mut path_attr: Vec<String> = Vec::new();
        for (index, tree) in trees.iter().enumerate() {
            match tree {
                TokenTree::Group(group) => {
                    if group.delimiter() == proc_macro2::Delimiter::Bracket
                        && index > 0
                        && matches!(&trees[index - 1], TokenTree::Punct(p) if p.as_char() == '#')
                    {
                        if let Some(value) = path_attribute_tokens(group.stream()) {
                            path_attr.push(value);
                            continue;
                        }
                    } else {
                        pending.push(group.stream());
                    }
                }
                TokenTree::Ident(ident) if ident == "mod" => {
                    let name = trees.get(index + 1);
                    let semi = trees.get(index + 2);
                    if let (Some(TokenTree::Ident(name)), Some(TokenTree::Punct(semi))) =
                        (name, semi)
                    {
                        if semi.as_char() == ';' {
                            let start = crate::source::span_of(ident.span());
                            let end = crate::source::span_of(semi.span());
                            let name = Name::from(name.to_string().trim_start_matches("r#"));
                            links.push(ModuleLink {
                                kind: LinkKind::Mod {
                                    name,
                                    default: path_attr.is_empty(),
                                    paths: std::mem::take(&mut path_attr),
                                },
                                inline_dirs: inline_dirs.to_vec(),
                                span: Span::new(start.start as usize, end.end as usize),
                                test_only: false,
                            });
                        }
                    }
                }
                TokenTree::Punct(punct) if punct.as_char() == ';' => path_attr.clear(),
                _ => {}
            }
        }
    }
    // Groups were scanned last-in first-out: back to the order of the source.
    links[first_new..].sort_by_key(|link| link.span.start);
}

/// `path = "…"` inside the brackets of an attribute written in macro tokens.
fn path_attribute_tokens(stream: proc_macro2::TokenStream) -> Option<String> {
    let attr: syn::Meta = syn::parse2(stream).ok()?;
    match attr {
        syn::Meta::NameValue(name_value) if name_value.path.is_ident("path") => {
            string_value(&name_value.value)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(name: &str, inline: &[&str], paths: &[&str]) -> ModuleLink {
        ModuleLink {
            kind: LinkKind::Mod {
                name: Name::from(name),
                paths: paths.iter().map(|path| path.to_string()).collect(),
                default: paths.is_empty(),
            },
            inline_dirs: inline.iter().map(|dir| dir.to_string()).collect(),
            span: Span::new(0, 1),
            test_only: false,
        }
    }

    fn include(path: &str) -> ModuleLink {
        ModuleLink {
            kind: LinkKind::Include {
                path: path.to_string(),
            },
            inline_dirs: Vec::new(),
            span: Span::new(0, 1),
            test_only: false,
        }
    }

    fn lib(path: &str) -> TargetRoot {
        TargetRoot {
            path: path.to_string(),
            kind: TargetKind::Production,
        }
    }

    fn test(path: &str) -> TargetRoot {
        TargetRoot {
            path: path.to_string(),
            kind: TargetKind::Test,
        }
    }

    fn resolved(files: &[(&str, Vec<ModuleLink>)], roots: &[TargetRoot]) -> ModuleTree {
        let paths: Vec<&str> = files.iter().map(|(path, _)| *path).collect();
        let links: Vec<&[ModuleLink]> = files.iter().map(|(_, links)| &links[..]).collect();
        resolve_links(&paths, &links, roots)
    }

    #[test]
    fn names_resolve_like_rustc_for_each_kind_of_file() {
        let tree = resolved(
            &[
                (
                    "src/lib.rs",
                    vec![module("a", &[], &[]), module("b", &[], &[])],
                ),
                ("src/a.rs", vec![module("c", &[], &[])]),
                ("src/b/mod.rs", vec![module("d", &[], &[])]),
                ("src/a/c.rs", vec![]),
                ("src/b/d.rs", vec![]),
                ("src/c.rs", vec![]),
            ],
            &[lib("src/lib.rs")],
        );
        use FileRole::*;
        assert_eq!(
            tree.roles,
            [Compiled, Compiled, Compiled, Compiled, Compiled, Stray]
        );
        // Each name is looked for as `x.rs` and `x/mod.rs`; only absent ones are wanted.
        assert_eq!(
            tree.wanted,
            [
                "src/a/mod.rs",
                "src/b.rs",
                "src/a/c/mod.rs",
                "src/b/d/mod.rs"
            ]
        );
    }

    #[test]
    fn path_attributes_and_inline_modules_follow_the_reference() {
        let tree = resolved(
            &[
                (
                    "src/lib.rs",
                    vec![
                        module("x", &[], &[".hid/x.rs"]),
                        module("y", &["outer"], &[]),
                        module("z", &["thread_files"], &["tls.rs"]),
                        module("m", &[], &[]),
                    ],
                ),
                // A `#[path]` file owns its folder: its `mod w;` is `.hid/w.rs`.
                ("src/.hid/x.rs", vec![module("w", &[], &[])]),
                ("src/.hid/w.rs", vec![]),
                ("src/outer/y.rs", vec![]),
                ("src/thread_files/tls.rs", vec![]),
                // In a non-owning file, inline modules sit under the file's own folder.
                ("src/m.rs", vec![module("n", &["inner"], &[])]),
                ("src/m/inner/n.rs", vec![]),
            ],
            &[lib("src/lib.rs")],
        );
        assert!(tree.roles.iter().all(|role| *role == FileRole::Compiled));
    }

    #[test]
    fn includes_and_paths_out_of_the_root_are_reported_not_read() {
        let mut links = vec![
            include("x.inc"),
            module("up", &[], &["../../../etc/passwd"]),
            module("abs", &[], &["/proc/self/environ"]),
            module("sibling", &[], &["../other/lib.rs"]),
        ];
        for (at, link) in links.iter_mut().enumerate() {
            link.span = Span::new(at, at + 1);
        }
        let tree = resolved(&[("src/lib.rs", links)], &[lib("src/lib.rs")]);
        assert_eq!(tree.wanted, ["src/x.inc", "other/lib.rs"]);
        let written: Vec<&str> = tree.outside.iter().map(|o| o.written.as_str()).collect();
        assert_eq!(written, ["../../../etc/passwd", "/proc/self/environ"]);
    }

    #[test]
    fn modules_behind_cfg_test_are_test_only_unless_production_reaches_them_too() {
        let mut tests = module("tests", &[], &[]);
        tests.test_only = true;
        let mut fixtures = module("fixtures", &[], &[]);
        fixtures.test_only = true;
        let tree = resolved(
            &[
                ("src/lib.rs", vec![tests, fixtures, module("api", &[], &[])]),
                ("src/tests.rs", vec![module("helpers", &[], &[])]),
                ("src/tests/helpers.rs", vec![]),
                ("src/fixtures.rs", vec![]),
                // `api` also declares `fixtures` for production: built outside tests too.
                (
                    "src/api.rs",
                    vec![module("fixtures", &[], &["fixtures.rs"])],
                ),
            ],
            &[lib("src/lib.rs")],
        );
        use FileRole::*;
        assert_eq!(
            tree.roles,
            [Compiled, TestOnly, TestOnly, Compiled, Compiled]
        );
    }

    #[test]
    fn files_only_tests_reach_are_test_only() {
        let tree = resolved(
            &[
                ("src/lib.rs", vec![module("api", &[], &[])]),
                ("src/api.rs", vec![]),
                ("tests/flow.rs", vec![module("helpers", &[], &[])]),
                ("tests/helpers/mod.rs", vec![]),
                // A test target reaching into the library's files does not make them tests.
                ("benches/b.rs", vec![module("api", &[], &["../src/api.rs"])]),
                ("tests/data/broken.rs", vec![]),
            ],
            &[
                lib("src/lib.rs"),
                test("tests/flow.rs"),
                test("benches/b.rs"),
            ],
        );
        use FileRole::*;
        assert_eq!(
            tree.roles,
            [Compiled, Compiled, TestOnly, TestOnly, TestOnly, Stray]
        );
    }

    #[test]
    fn without_targets_every_file_counts_as_compiled() {
        let tree = resolved(&[("a.rs", vec![]), ("b/c.rs", vec![])], &[]);
        assert_eq!(tree.roles, [FileRole::Compiled, FileRole::Compiled]);
        assert!(tree.wanted.is_empty());
    }

    #[test]
    fn cycles_end() {
        let tree = resolved(
            &[
                ("src/lib.rs", vec![module("a", &[], &["a.rs"])]),
                ("src/a.rs", vec![module("b", &[], &["lib.rs"])]),
            ],
            &[lib("src/lib.rs")],
        );
        assert_eq!(tree.roles, [FileRole::Compiled, FileRole::Compiled]);
    }

    fn links_of(source: &str) -> Vec<(LinkKind, Vec<String>)> {
        let facts = crate::index_file("src/lib.rs".into(), source.into());
        assert!(facts.problem.is_none(), "{:?}", facts.problem);
        facts
            .module_links
            .into_iter()
            .map(|link| (link.kind, link.inline_dirs))
            .collect()
    }

    fn declared(name: &str, paths: &[&str], default: bool) -> LinkKind {
        LinkKind::Mod {
            name: Name::from(name),
            paths: paths.iter().map(|path| path.to_string()).collect(),
            default,
        }
    }

    #[test]
    fn the_index_records_every_way_a_file_is_loaded() {
        let links = links_of(
            r#"
mod plain;
#[path = ".hid/x.rs"] mod hidden;
#[cfg_attr(unix, path = "unix.rs")] mod platform;
mod outer {
    mod nested;
    #[path = "deep.rs"] mod deep;
    pub fn f() { let _ = include!("generated.inc"); }
}
#[path = "threads"] mod thread { mod local; }
cfg_if::cfg_if! {
    if #[cfg(unix)] { #[path = "sys/unix.rs"] mod sys; } else { mod fallback; }
}
macro_rules! declare { ($name:ident) => { mod $name; }; }
include!("items.inc");
mod inline { pub fn g() {} }
"#,
        );
        let no_dirs: Vec<String> = Vec::new();
        let outer = vec!["outer".to_string()];
        assert_eq!(
            links,
            [
                (declared("plain", &[], true), no_dirs.clone()),
                (declared("hidden", &[".hid/x.rs"], false), no_dirs.clone()),
                // Under `cfg_attr` the path applies only when the condition holds.
                (declared("platform", &["unix.rs"], true), no_dirs.clone()),
                (declared("nested", &[], true), outer.clone()),
                (declared("deep", &["deep.rs"], false), outer.clone()),
                (
                    LinkKind::Include {
                        path: "generated.inc".into()
                    },
                    outer
                ),
                // An inline module's `#[path]` is the folder it stands for.
                (declared("local", &[], true), vec!["threads".to_string()]),
                (declared("sys", &["sys/unix.rs"], false), no_dirs.clone()),
                (declared("fallback", &[], true), no_dirs.clone()),
                (
                    LinkKind::Include {
                        path: "items.inc".into()
                    },
                    no_dirs
                ),
            ]
        );
    }

    #[test]
    fn a_missing_root_is_wanted() {
        let tree = resolved(&[("src/main.rs", vec![])], &[lib("target/lib.rs")]);
        assert_eq!(tree.wanted, ["target/lib.rs"]);
        assert_eq!(tree.roles, [FileRole::Stray]);
    }
}
