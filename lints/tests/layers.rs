//! The lint pack's layering, as ARCHITECTURE.md's "Layers" table writes it down: every
//! module uses only the modules its row allows. The table is read from the document, so the
//! two cannot drift apart, and a module missing from it is a failure too.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use syn::visit::{self, Visit};

/// The table: each module with the modules it may use, in the table's order.
fn allowed_uses(architecture: &str) -> Vec<(String, BTreeSet<String>)> {
    let section = architecture
        .split("\n## ")
        .find(|section| section.starts_with("Layers"))
        .expect("ARCHITECTURE.md has a \"Layers\" section");
    let mut rows: Vec<(String, BTreeSet<String>)> = Vec::new();
    for line in section.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // `| module | may use |` splits into ["", module, may use, ""].
        let [_, module, may_use, _] = cells.as_slice() else {
            continue;
        };
        let Some(module) = backticked(module) else {
            continue;
        };
        let mut allowed = BTreeSet::new();
        for entry in may_use.split(", ").filter(|entry| !entry.is_empty()) {
            if let Some(rest) = entry.strip_prefix("every module above") {
                allowed.extend(rows.iter().map(|(name, _)| name.clone()));
                if let Some(extra) = rest.strip_prefix(", ") {
                    allowed.insert(backticked(extra).expect("a module name").to_string());
                }
            } else if let Some(base) = entry.strip_suffix(" and everything it may use") {
                let base = backticked(base).expect("a module name");
                let (_, below) = rows
                    .iter()
                    .find(|(name, _)| name == base)
                    .unwrap_or_else(|| panic!("`{base}` needs its own row above `{module}`"));
                allowed.extend(below.iter().cloned());
                allowed.insert(base.to_string());
            } else {
                let name = backticked(entry)
                    .unwrap_or_else(|| panic!("cannot read `{entry}` in the row of `{module}`"));
                allowed.insert(name.to_string());
            }
        }
        rows.push((module.to_string(), allowed));
    }
    rows
}

fn backticked(text: &str) -> Option<&str> {
    text.strip_prefix('`')?.strip_suffix('`')
}

/// Every `.rs` file under `dir`, with its module path (`index/functions.rs` → `index`,
/// `functions`; `index/mod.rs` → `index`).
fn source_files(dir: &Path, module: &[String], out: &mut Vec<(PathBuf, Vec<String>)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("the lint pack's sources")
        .map(|entry| entry.expect("a readable entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if path.is_dir() {
            let mut inner = module.to_vec();
            inner.push(name);
            source_files(&path, &inner, out);
        } else if let Some(stem) = name.strip_suffix(".rs") {
            let mut path_of_module = module.to_vec();
            if stem != "mod" && stem != "lib" {
                path_of_module.push(stem.to_string());
            }
            out.push((path, path_of_module));
        }
    }
}

/// The crate's top-level modules a file uses outside its tests: through `use`, any path,
/// and `crate::…` tokens inside macro calls.
struct Uses {
    module: Vec<String>,
    found: BTreeSet<String>,
    /// Names the crate root re-exports (`crate::FileId`), by the module they come from.
    root_exports: BTreeMap<String, String>,
}

impl Uses {
    /// The top-level module a path names, if it leaves the current one through `crate`
    /// or `super`.
    fn record<'a>(&mut self, segments: impl IntoIterator<Item = &'a str>) {
        let mut segments = segments.into_iter().peekable();
        let resolved: Vec<String> = match segments.peek().copied() {
            Some("crate") => {
                segments.next();
                segments.map(str::to_string).collect()
            }
            Some("super") => {
                let mut base = self.module.clone();
                while segments.peek().copied() == Some("super") {
                    segments.next();
                    base.pop();
                }
                base.extend(segments.map(str::to_string));
                base
            }
            _ => return,
        };
        if let Some(top) = resolved.first() {
            let module = self.root_exports.get(top).unwrap_or(top);
            self.found.insert(module.clone());
        }
    }

    fn record_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(path) => {
                prefix.push(path.ident.to_string());
                self.record_tree(prefix, &path.tree);
                prefix.pop();
            }
            syn::UseTree::Group(group) => {
                for item in &group.items {
                    self.record_tree(prefix, item);
                }
            }
            syn::UseTree::Name(name) => {
                prefix.push(name.ident.to_string());
                self.record(prefix.iter().map(String::as_str));
                prefix.pop();
            }
            syn::UseTree::Rename(rename) => {
                prefix.push(rename.ident.to_string());
                self.record(prefix.iter().map(String::as_str));
                prefix.pop();
            }
            syn::UseTree::Glob(_) => self.record(prefix.iter().map(String::as_str)),
        }
    }
}

fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident("cfg")
            && attr
                .parse_args::<syn::Path>()
                .is_ok_and(|path| path.is_ident("test"))
    })
}

impl<'ast> Visit<'ast> for Uses {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let attrs = match item {
            syn::Item::Mod(item) => &item.attrs,
            syn::Item::Fn(item) => &item.attrs,
            syn::Item::Use(item) => &item.attrs,
            syn::Item::Impl(item) => &item.attrs,
            _ => return visit::visit_item(self, item),
        };
        if !is_test_only(attrs) {
            visit::visit_item(self, item);
        }
    }

    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        if item.content.is_some() {
            self.module.push(item.ident.to_string());
            visit::visit_item_mod(self, item);
            self.module.pop();
        }
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        self.record_tree(&mut Vec::new(), &item.tree);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let names: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        self.record(names.iter().map(String::as_str));
        visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.record_tokens(mac.tokens.clone());
        visit::visit_macro(self, mac);
    }
}

impl Uses {
    /// `crate :: name` inside a macro call's tokens.
    fn record_tokens(&mut self, tokens: proc_macro2::TokenStream) {
        let tokens: Vec<proc_macro2::TokenTree> = tokens.into_iter().collect();
        for (index, token) in tokens.iter().enumerate() {
            match token {
                proc_macro2::TokenTree::Group(group) => self.record_tokens(group.stream()),
                proc_macro2::TokenTree::Ident(ident) if ident == "crate" => {
                    if let Some(proc_macro2::TokenTree::Ident(next)) = tokens.get(index + 3) {
                        self.record(["crate", &next.to_string()]);
                    }
                }
                _ => {}
            }
        }
    }
}

/// What `lib.rs` re-exports at the crate root: `pub use diagnostic::{FileId, Finding};`
/// maps `FileId` and `Finding` to `diagnostic`.
fn root_exports(lib: &syn::File) -> BTreeMap<String, String> {
    fn names(tree: &syn::UseTree, out: &mut Vec<String>) {
        match tree {
            syn::UseTree::Path(path) => names(&path.tree, out),
            syn::UseTree::Name(name) => out.push(name.ident.to_string()),
            syn::UseTree::Rename(rename) => out.push(rename.rename.to_string()),
            syn::UseTree::Group(group) => group.items.iter().for_each(|item| names(item, out)),
            syn::UseTree::Glob(_) => {}
        }
    }
    let mut exports = BTreeMap::new();
    for item in &lib.items {
        if let syn::Item::Use(item) = item {
            if let syn::UseTree::Path(path) = &item.tree {
                let mut exported = Vec::new();
                names(&path.tree, &mut exported);
                for name in exported {
                    exports.insert(name, path.ident.to_string());
                }
            }
        }
    }
    exports
}

#[test]
fn every_module_uses_only_what_its_layer_allows() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let architecture = std::fs::read_to_string(root.join("../ARCHITECTURE.md")).unwrap();
    let table: BTreeMap<String, BTreeSet<String>> =
        allowed_uses(&architecture).into_iter().collect();
    let lib = std::fs::read_to_string(root.join("src/lib.rs")).unwrap();
    let root_exports = root_exports(&syn::parse_file(&lib).unwrap());
    let mut files = Vec::new();
    source_files(&root.join("src"), &[], &mut files);
    let mut broken = Vec::new();
    for (path, module) in &files {
        let Some(top) = module.first() else {
            continue; // lib.rs declares the modules and re-exports their public names
        };
        let shown = path.strip_prefix(root).unwrap().display().to_string();
        let Some(allowed) = table.get(top) else {
            broken.push(format!(
                "{shown}: module `{top}` has no row in the Layers table"
            ));
            continue;
        };
        let text = std::fs::read_to_string(path).unwrap();
        let file = syn::parse_file(&text).unwrap_or_else(|error| panic!("{shown}: {error}"));
        let mut uses = Uses {
            module: module.clone(),
            found: BTreeSet::new(),
            root_exports: root_exports.clone(),
        };
        uses.visit_file(&file);
        for used in &uses.found {
            if used != top && !allowed.contains(used) {
                broken.push(format!(
                    "{shown}: `{top}` uses `{used}`, which its row does not allow"
                ));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "imports that break the layers:\n{}",
        broken.join("\n")
    );
}

#[test]
fn the_table_reads_rows_and_their_shorthands() {
    let table = allowed_uses(
        "# A\n\n## Layers\n\n| module | may use |\n|---|---|\n| `a` | |\n| `b` | `a` |\n\
         | `c` | `b` and everything it may use, `x` |\n| `d` | every module above, `e` |\n\n## Next\n| `z` | `a` |\n",
    );
    let names = |set: &BTreeSet<String>| set.iter().cloned().collect::<Vec<_>>().join(" ");
    let rows: Vec<(String, String)> = table
        .iter()
        .map(|(module, set)| (module.clone(), names(set)))
        .collect();
    assert_eq!(
        rows,
        [
            ("a".to_string(), String::new()),
            ("b".to_string(), "a".to_string()),
            ("c".to_string(), "a b x".to_string()),
            ("d".to_string(), "a b c e".to_string()),
        ]
    );
}

#[test]
fn an_import_across_the_layers_is_found_in_uses_paths_and_macros() {
    let file: syn::File = syn::parse_str(
        "use crate::{engine::Engine, source::Span, FileId};\n\
         use super::super::model::Model;\n\
         fn f() { let _ = crate::registry::all(); format!(\"{}\", crate::report::x()); }\n\
         #[cfg(test)] mod tests { use crate::testing::check; }\n",
    )
    .unwrap();
    let mut uses = Uses {
        module: vec!["index".into(), "functions".into()],
        found: BTreeSet::new(),
        root_exports: BTreeMap::from([("FileId".to_string(), "positions".to_string())]),
    };
    uses.visit_file(&file);
    assert_eq!(
        uses.found.into_iter().collect::<Vec<_>>(),
        [
            "engine",
            "model",
            "positions",
            "registry",
            "report",
            "source"
        ]
    );
}
