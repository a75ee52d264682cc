//! Finds the workspace root and its source files without building or running
//! anything of the linted project.

use ignore::WalkBuilder;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct Discovered {
    pub root: PathBuf,
    /// The root's Cargo.toml, when it has one.
    pub manifest: Option<PathBuf>,
    /// Source files under the root, sorted.
    pub files: Vec<PathBuf>,
    /// Folders (or files) the walk could not read, with why.
    pub unreadable: Vec<(PathBuf, String)>,
    /// Why cargo's view of the workspace was not used, if it was not.
    pub fallback_reason: Option<String>,
}

pub fn discover(path: Option<&Path>, manifest_path: Option<&Path>) -> Result<Discovered, String> {
    let (start_dir, manifest) = match manifest_path {
        Some(manifest) => {
            if !manifest.is_file() {
                return Err(format!(
                    "manifest `{}` does not exist or is not a file",
                    manifest.display()
                ));
            }
            let dir = manifest.parent().map(Path::to_path_buf).unwrap_or_default();
            (dir, Some(manifest.to_path_buf()))
        }
        None => {
            let dir = path
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from("."));
            if !dir.is_dir() {
                return Err(format!("`{}` is not a directory", dir.display()));
            }
            let manifest = dir.join("Cargo.toml");
            let manifest = manifest.is_file().then_some(manifest);
            (dir, manifest)
        }
    };
    let start_dir = absolute(&start_dir)?;
    let mut discovered = match manifest {
        Some(manifest) => match cargo_workspace(&absolute(&manifest)?) {
            Ok(layout) => {
                let walked = walk(&layout.root, layout.excluded_dirs);
                Discovered {
                    manifest: Some(layout.root.join("Cargo.toml")),
                    root: layout.root,
                    files: walked.files,
                    unreadable: walked.unreadable,
                    fallback_reason: None,
                }
            }
            Err(reason) => {
                let walked = walk(&start_dir, HashSet::new());
                Discovered {
                    files: walked.files,
                    unreadable: walked.unreadable,
                    manifest: Some(start_dir.join("Cargo.toml")),
                    root: start_dir,
                    fallback_reason: Some(reason),
                }
            }
        },
        None => {
            let walked = walk(&start_dir, HashSet::new());
            Discovered {
                files: walked.files,
                unreadable: walked.unreadable,
                root: start_dir,
                manifest: None,
                fallback_reason: None,
            }
        }
    };
    discovered.files.sort();
    Ok(discovered)
}

fn absolute(path: &Path) -> Result<PathBuf, String> {
    std::fs::canonicalize(path)
        .map_err(|error| format!("cannot resolve `{}`: {error}", path.display()))
}

struct CargoLayout {
    root: PathBuf,
    /// Directories that are not part of the workspace's sources: the target
    /// directory and packages under the root that are not members.
    excluded_dirs: HashSet<PathBuf>,
}

/// Asks cargo for the workspace layout. `--no-deps` and `--offline` keep it
/// from resolving or fetching anything; it never builds, so no build script or
/// proc macro of the linted project runs. It runs from a neutral directory so
/// a `rust-toolchain.toml` or `.cargo/config.toml` in the linted tree cannot
/// pick the program that runs, and wrapper settings are cleared.
fn cargo_workspace(manifest: &Path) -> Result<CargoLayout, String> {
    let metadata = cargo_metadata::MetadataCommand::new()
        .manifest_path(manifest)
        .no_deps()
        .other_options(vec!["--offline".to_string()])
        .current_dir(std::env::temp_dir())
        .env("CARGO_NET_OFFLINE", "true")
        .env("RUSTC_WRAPPER", "")
        .env("RUSTC_WORKSPACE_WRAPPER", "")
        .env("CARGO_BUILD_RUSTC_WRAPPER", "")
        .env("CARGO_BUILD_RUSTC_WORKSPACE_WRAPPER", "")
        .exec()
        .map_err(|error| first_line(&error.to_string()))?;
    let root = PathBuf::from(metadata.workspace_root.as_std_path());
    let members: HashSet<PathBuf> = metadata
        .workspace_packages()
        .iter()
        .filter_map(|package| {
            package
                .manifest_path
                .parent()
                .map(|dir| dir.as_std_path().to_path_buf())
        })
        .collect();
    let mut excluded_dirs = HashSet::new();
    excluded_dirs.insert(metadata.target_directory.as_std_path().to_path_buf());
    // Nested packages that are not members (examples, fixtures, vendored
    // crates) are found during the walk: any directory with a Cargo.toml
    // that is not a member's.
    for entry in WalkBuilder::new(&root)
        .follow_links(false)
        .require_git(false)
        .git_global(false)
        .build()
        .flatten()
    {
        let path = entry.path();
        if path.file_name().is_some_and(|name| name == "Cargo.toml") {
            if let Some(dir) = path.parent() {
                if dir != root && !members.contains(dir) {
                    excluded_dirs.insert(dir.to_path_buf());
                }
            }
        }
    }
    Ok(CargoLayout {
        root,
        excluded_dirs,
    })
}

fn first_line(text: &str) -> String {
    text.lines()
        .find(|line| !line.trim().is_empty())
        .unwrap_or(text)
        .trim()
        .to_string()
}

/// Source files under `root`: `.gitignore` respected, `target/` and excluded
/// directories skipped, symlinks never followed (a link could lead out of the
/// root).
fn walk(root: &Path, excluded_dirs: HashSet<PathBuf>) -> Walked {
    let root_owned = root.to_path_buf();
    let mut walked = Walked::default();
    let entries = WalkBuilder::new(root)
        .follow_links(false)
        .require_git(false)
        .git_global(false)
        .filter_entry(move |entry| {
            let path = entry.path();
            if !entry.file_type().is_some_and(|kind| kind.is_dir()) || path == root_owned {
                return true;
            }
            !(excluded_dirs.contains(path) || is_build_output(path))
        })
        .build();
    for entry in entries {
        match entry {
            Ok(entry) => {
                let is_file = !entry.path_is_symlink()
                    && entry.file_type().is_some_and(|kind| kind.is_file());
                if is_file && is_source(entry.path()) {
                    walked.files.push(entry.into_path());
                }
            }
            // A folder that cannot be read hides its files: say so, never skip silently.
            Err(error) => {
                let (path, message) = describe_walk_error(&error);
                walked
                    .unreadable
                    .push((path.unwrap_or_else(|| root.to_path_buf()), message));
            }
        }
    }
    walked
}

#[derive(Default)]
struct Walked {
    files: Vec<PathBuf>,
    unreadable: Vec<(PathBuf, String)>,
}

/// The path an error is about, and its message without the path (reports
/// carry paths relative to the root, never the machine's absolute ones).
fn describe_walk_error(error: &ignore::Error) -> (Option<PathBuf>, String) {
    match error {
        ignore::Error::WithPath { path, err } => {
            let (_, message) = describe_walk_error(err);
            (Some(path.clone()), message)
        }
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            describe_walk_error(err)
        }
        ignore::Error::Io(io) => (None, io.to_string()),
        other => (None, other.to_string()),
    }
}

/// A `target` directory next to a Cargo.toml, or any directory cargo tagged.
fn is_build_output(dir: &Path) -> bool {
    let next_to_manifest = dir.file_name().is_some_and(|name| name == "target")
        && dir
            .parent()
            .is_some_and(|parent| parent.join("Cargo.toml").is_file());
    next_to_manifest || dir.join("CACHEDIR.TAG").is_file()
}

/// Rust sources, and the `.cypher`, template and roles files rules read.
fn is_source(path: &Path) -> bool {
    path.to_str().is_some_and(|path| {
        partner_safety_lints::index::FileKind::of_path(&path.replace('\\', "/")).is_some()
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walk_errors_keep_the_path_apart_from_the_message() {
        // Root reads every folder, so an unreadable one cannot be made in a test
        // run as root; the error the walker would give is built instead.
        let denied = std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            "Permission denied (os error 13)",
        );
        let error = ignore::Error::WithDepth {
            depth: 2,
            err: Box::new(ignore::Error::WithPath {
                path: PathBuf::from("/ws/secret"),
                err: Box::new(ignore::Error::Io(denied)),
            }),
        };
        assert_eq!(
            describe_walk_error(&error),
            (
                Some(PathBuf::from("/ws/secret")),
                "Permission denied (os error 13)".to_string()
            )
        );
    }
}
