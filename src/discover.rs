//! Finds the workspace root and its source files without building or running
//! anything of the linted project.

use crate::cache;
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

/// `layout_cache`: where to keep cargo's answer between runs (`None`: ask cargo every time);
/// given the directory the command starts in, it returns the cache directory.
pub fn discover(
    path: Option<&Path>,
    manifest_path: Option<&Path>,
    layout_cache: Option<&dyn Fn(&Path) -> PathBuf>,
) -> Result<Discovered, String> {
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
        Some(manifest) => match cargo_workspace(
            &absolute(&manifest)?,
            layout_cache.map(|dir_for| dir_for(&start_dir)).as_deref(),
        ) {
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
///
/// With a `layout_cache` directory, cargo's answer is kept there under a key of everything
/// it depends on ([`layout_key`]) and reused while that key holds; it is only kept for a
/// manifest at the workspace root, where the walk for the key is the walk for packages.
fn cargo_workspace(manifest: &Path, layout_cache: Option<&Path>) -> Result<CargoLayout, String> {
    let manifest_dir = manifest.parent().unwrap_or(manifest);
    // Walked first only for the key; without a cache the walk below finds them under the root.
    let manifests = layout_cache.map(|_| manifests_under(manifest_dir));
    let key = manifests
        .as_deref()
        .and_then(|manifests| layout_key(manifest, manifests));
    if let (Some(dir), Some(key), Some(manifests)) = (layout_cache, key, &manifests) {
        if let Some(stored) = cache::load_layout(dir, key) {
            if stored.root == manifest_dir {
                let members = stored.members.into_iter().collect();
                return Ok(layout_of(
                    stored.root,
                    &members,
                    stored.target_directory,
                    manifests,
                ));
            }
        }
    }
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
    let target_directory = metadata.target_directory.as_std_path().to_path_buf();
    let manifests = match manifests {
        Some(manifests) if root == manifest_dir => manifests,
        _ => manifests_under(&root),
    };
    if root != manifest_dir {
        return Ok(layout_of(root, &members, target_directory, &manifests));
    }
    if let (Some(dir), Some(key)) = (layout_cache, key) {
        let mut sorted_members: Vec<PathBuf> = members.iter().cloned().collect();
        sorted_members.sort();
        let stored = cache::StoredLayout {
            root: root.clone(),
            members: sorted_members,
            target_directory: target_directory.clone(),
        };
        // Without it the next run asks cargo again; nothing else depends on it.
        let _ = cache::store_layout(dir, key, &stored);
    }
    Ok(layout_of(root, &members, target_directory, &manifests))
}

/// Nested packages that are not members (examples, fixtures, vendored crates) are any
/// directory with a Cargo.toml that is not a member's; they and the target directory are
/// left out of the walk.
fn layout_of(
    root: PathBuf,
    members: &HashSet<PathBuf>,
    target_directory: PathBuf,
    manifests: &[PathBuf],
) -> CargoLayout {
    let mut excluded_dirs = HashSet::new();
    excluded_dirs.insert(target_directory);
    for dir in manifests.iter().filter_map(|manifest| manifest.parent()) {
        if dir != root && !members.contains(dir) {
            excluded_dirs.insert(dir.to_path_buf());
        }
    }
    CargoLayout {
        root,
        excluded_dirs,
    }
}

/// Every Cargo.toml under `root`, sorted, found the way the source walk finds files.
fn manifests_under(root: &Path) -> Vec<PathBuf> {
    let mut manifests: Vec<PathBuf> = WalkBuilder::new(root)
        .follow_links(false)
        .require_git(false)
        .git_global(false)
        .build()
        .flatten()
        .filter(|entry| entry.file_name() == "Cargo.toml")
        .map(ignore::DirEntry::into_path)
        .collect();
    manifests.sort();
    manifests
}

/// What cargo's view of the workspace depends on, hashed: this build, the manifest asked
/// about, the path and content of every Cargo.toml under it (a new, removed or edited
/// package changes the key) and above it (a parent workspace could claim it), and where the
/// target directory can be configured (the `CARGO_TARGET_DIR`, `CARGO_BUILD_TARGET_DIR` and
/// `CARGO_HOME` variables, and the cargo configuration files cargo reads when it runs from
/// the temporary directory, as it does here). `None` when any of them cannot be read, or a
/// manifest under it is a link: then cargo is asked.
fn layout_key(manifest: &Path, manifests: &[PathBuf]) -> Option<u64> {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let mut add = |bytes: &[u8]| {
        hasher.update(&(bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };
    add(cache::build_id()?.as_bytes());
    add(manifest.as_os_str().as_encoded_bytes());
    for manifest in manifests {
        // A linked manifest is not read here: the walk never follows a link.
        if std::fs::symlink_metadata(manifest)
            .ok()?
            .file_type()
            .is_symlink()
        {
            return None;
        }
        add(manifest.as_os_str().as_encoded_bytes());
        add(&std::fs::read(manifest).ok()?);
    }
    let mut optional_files: Vec<PathBuf> = Vec::new();
    let manifest_dir = manifest.parent()?;
    optional_files.extend(
        manifest_dir
            .ancestors()
            .skip(1)
            .map(|dir| dir.join("Cargo.toml")),
    );
    let temp_dir = std::env::temp_dir();
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")));
    for dir in temp_dir
        .ancestors()
        .map(|dir| dir.join(".cargo"))
        .chain(cargo_home)
    {
        optional_files.push(dir.join("config.toml"));
        optional_files.push(dir.join("config"));
    }
    for file in optional_files {
        add(file.as_os_str().as_encoded_bytes());
        match std::fs::read(&file) {
            Ok(bytes) => add(&bytes),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => add(b"\0absent"),
            Err(_) => return None,
        }
    }
    for variable in [
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET_DIR",
        "CARGO_HOME",
        "HOME",
    ] {
        add(variable.as_bytes());
        match std::env::var_os(variable) {
            Some(value) => add(value.as_encoded_bytes()),
            None => add(b"\0unset"),
        }
    }
    Some(hasher.digest())
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
