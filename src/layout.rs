//! The workspace's shape as reported to the rest of the shell: the target roots cargo
//! names, and paths relative to the root. Discovery produces it and the cache stores it.

use partner_safety_lints::index::modules::TargetKind;
use std::path::{Path, PathBuf};

/// A target's root file, as cargo reports it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LayoutTarget {
    pub name: String,
    pub kind: TargetKind,
    pub path: PathBuf,
    /// The folder of the package's manifest.
    pub package_dir: PathBuf,
    /// Cargo's id of the package, and the target as cargo names it (`lib`, `bin`, …),
    /// for `--message-format json`, whose readers match messages to packages by id.
    pub package_id: String,
    pub cargo_kinds: Vec<String>,
    pub crate_types: Vec<String>,
    pub edition: String,
}

/// The path relative to the root, `/`-separated, as reported everywhere.
pub fn relative(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    relative
        .components()
        .map(|part| part.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
