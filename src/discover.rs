//! Finds the workspace root, its targets and its source files without building or running
//! anything of the linted project.
//!
//! The linted tree is untrusted: the root is the folder the user named (or the workspace
//! cargo finds above it), never one a manifest redirects to elsewhere; no link is followed;
//! and the directory walk only finds candidates. Which files the compiler builds is decided
//! afterwards from the module tree (`partner_safety_lints::index::modules`), starting from
//! the target roots found here.

use crate::cache;
use crate::layout::relative;
use crate::layout::LayoutTarget;
use ignore::WalkBuilder;
use partner_safety_lints::index::modules::{TargetKind, TargetRoot};
use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

#[derive(Debug)]
pub struct Discovered {
    pub root: PathBuf,
    /// The root's Cargo.toml, when it has one.
    pub manifest: Option<PathBuf>,
    /// Source files the walk found under the root, sorted.
    pub files: Vec<PathBuf>,
    /// Folders (or files) the walk could not read, with why.
    pub unreadable: Vec<(PathBuf, String)>,
    /// Every target's root file, workspace-relative; empty for a plain folder.
    pub targets: Vec<TargetRoot>,
    /// Files the compiler builds that cannot be analysed, found before any source is read
    /// (a target root outside the root): a path relative to the root and why.
    pub not_analysed: Vec<(String, String)>,
    /// What the user should know about how the workspace was read (for stderr).
    pub warnings: Vec<String>,
    /// Cargo's targets of the member packages inside the root; empty for a plain folder.
    pub cargo_targets: Vec<LayoutTarget>,
}

/// Given the directory the command starts in, the cache directory to use, if any.
pub type CacheDirFor<'a> = &'a dyn Fn(&Path) -> Option<PathBuf>;

/// `layout_cache`: where to keep cargo's answer between runs (`None`: ask cargo every time);
/// given the directory the command starts in, it returns the cache directory, or `None`
/// when there is none that can be used safely.
pub fn discover(
    path: Option<&Path>,
    manifest_path: Option<&Path>,
    layout_cache: Option<CacheDirFor<'_>>,
) -> Result<Discovered, String> {
    let (start_dir, manifest) = match manifest_path {
        Some(manifest) => {
            regular_file(manifest)
                .map_err(|problem| format!("manifest `{}` {problem}", manifest.display()))?;
            let dir = match manifest.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
                _ => PathBuf::from("."),
            };
            (absolute(&dir)?, Some(absolute(manifest)?))
        }
        None => {
            let dir = path
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from("."));
            if !dir.is_dir() {
                return Err(not_a_directory(&dir));
            }
            let dir = absolute(&dir)?;
            // Like cargo, the nearest folder at or above the one named that has a manifest.
            let manifest = dir
                .ancestors()
                .map(|folder| folder.join("Cargo.toml"))
                .find(|manifest| std::fs::symlink_metadata(manifest).is_ok());
            (dir, manifest)
        }
    };
    let mut warnings = Vec::new();
    let Some(manifest) = manifest else {
        return Ok(plain_folder(start_dir, warnings));
    };
    let manifest_dir = manifest.parent().unwrap_or(&manifest).to_path_buf();
    if let Err(problem) = regular_file(&manifest) {
        warnings.push(format!(
            "`{}` {problem}; analysing `{}` as a plain folder, every file counted as built",
            shown(&start_dir, &manifest),
            shown(&start_dir, &start_dir)
        ));
        return Ok(plain_folder(start_dir, warnings));
    }
    match cargo_workspace(
        &manifest,
        layout_cache
            .and_then(|dir_for| dir_for(&start_dir))
            .as_deref(),
    ) {
        Ok(layout) => {
            // The workspace cargo finds upward is the workspace; one a manifest places
            // elsewhere (`package.workspace = "other"`) would swap in another folder's
            // files for the one named.
            let root = if manifest_dir.starts_with(&layout.root) {
                layout.root.clone()
            } else {
                warnings.push(format!(
                    "`{}` puts its package in the workspace at `{}` (`package.workspace`), which is not a \
                     folder above it; analysing `{}` as the workspace",
                    shown(&start_dir, &manifest),
                    shown(&manifest_dir, &layout.root),
                    shown(&start_dir, &manifest_dir)
                ));
                manifest_dir.clone()
            };
            let mut members = HashSet::new();
            for member in &layout.members {
                if member.starts_with(&root) {
                    members.insert(member.clone());
                } else {
                    warnings.push(format!(
                        "workspace member `{}` is outside `{}` and was not analysed",
                        shown(&root, member),
                        shown(&start_dir, &root)
                    ));
                }
            }
            let mut targets = Vec::new();
            let mut not_analysed = Vec::new();
            let mut cargo_targets = Vec::new();
            for target in &layout.targets {
                if !target.package_dir.starts_with(&root) {
                    continue;
                }
                cargo_targets.push(target.clone());
                match relative_inside(&root, &target.path) {
                    Some(relative) => targets.push(TargetRoot {
                        path: relative,
                        kind: target.kind,
                    }),
                    None => not_analysed.push((
                        relative(&root, &target.package_dir.join("Cargo.toml")),
                        format!(
                            "target `{}` is built from `{}`, outside the workspace root; it was \
                             not analysed",
                            target.name.escape_debug(),
                            shown(&target.package_dir, &target.path).escape_debug()
                        ),
                    )),
                }
            }
            targets.sort_by(|a, b| a.path.cmp(&b.path));
            targets.dedup();
            let manifests = manifests_under(&root);
            let excluded = excluded_dirs(&root, &members, &layout.target_directory, &manifests);
            let walked = walk(&root, excluded);
            Ok(Discovered {
                manifest: Some(root.join("Cargo.toml")),
                root,
                files: walked.files,
                unreadable: walked.unreadable,
                targets,
                not_analysed,
                warnings,
                cargo_targets,
            })
        }
        Err(reason) => {
            warnings.push(format!(
                "cargo metadata failed ({reason}); analysing `{}` as a plain folder, every file \
                 counted as built",
                shown(&start_dir, &manifest_dir)
            ));
            let mut discovered = plain_folder(manifest_dir, warnings);
            discovered.manifest = Some(manifest);
            Ok(discovered)
        }
    }
}

/// A folder without a usable manifest: every source file under it, none known as a
/// target root (so each counts as built).
fn plain_folder(root: PathBuf, warnings: Vec<String>) -> Discovered {
    let walked = walk(&root, HashSet::new());
    Discovered {
        root,
        manifest: None,
        files: walked.files,
        unreadable: walked.unreadable,
        targets: Vec::new(),
        not_analysed: Vec::new(),
        warnings,
        cargo_targets: Vec::new(),
    }
}

fn not_a_directory(dir: &Path) -> String {
    let shown = dir.display();
    if std::fs::symlink_metadata(dir).is_err() {
        format!("`{shown}` does not exist")
    } else if dir.file_name().is_some_and(|name| name == "Cargo.toml") {
        format!(
            "`{shown}` is a manifest, not a folder: name it with `--manifest-path {shown}`, or \
             give the folder that holds it"
        )
    } else if dir.extension().is_some_and(|ext| ext == "rs") {
        format!(
            "`{shown}` is a file: partner-safety lints a whole workspace (a finding can depend \
             on other files); give the folder that holds it, and its workspace is found upward"
        )
    } else {
        format!("`{shown}` is not a directory")
    }
}

/// Why a file the tool is asked to read is refused: it must be a regular file, not a link.
pub fn regular_file(path: &Path) -> Result<(), &'static str> {
    match std::fs::symlink_metadata(path) {
        Err(_) => Err("does not exist"),
        Ok(metadata) if metadata.file_type().is_symlink() => {
            Err("is a symbolic link, which partner-safety does not follow")
        }
        Ok(metadata) if !metadata.is_file() => Err("is not a regular file"),
        Ok(_) => Ok(()),
    }
}

/// A configuration, baseline or manifest file's text, read only when it is a regular file
/// reached through no link (when it lies under `root`, no folder between the root and it
/// may be a link either). The error names the file and the problem and never quotes what
/// is in it. Files of this kind are small; more than `limit` bytes is refused.
pub fn read_regular_text(root: &Path, path: &Path, limit: u64) -> Result<String, String> {
    use std::io::Read;
    let shown_path = path.display();
    regular_file(path).map_err(|problem| format!("`{shown_path}` {problem}"))?;
    let absolute_path = absolute(path)?;
    if let (Ok(root), Ok(written)) = (absolute(root), std::path::absolute(path)) {
        let mut on_the_way = PathBuf::new();
        for component in written.components() {
            on_the_way.push(component);
            let below_root = on_the_way.starts_with(&root) && on_the_way != root;
            if below_root
                && std::fs::symlink_metadata(&on_the_way)
                    .is_ok_and(|metadata| metadata.file_type().is_symlink())
            {
                return Err(format!(
                    "`{shown_path}` is reached through a symbolic link, which partner-safety does not follow"
                ));
            }
        }
    }
    let file = std::fs::File::open(&absolute_path)
        .map_err(|error| format!("cannot read `{shown_path}`: {error}"))?;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| format!("cannot read `{shown_path}`: {error}"))?;
    if bytes.len() as u64 > limit {
        return Err(format!("`{shown_path}` is larger than {limit} bytes"));
    }
    String::from_utf8(bytes).map_err(|_| format!("`{shown_path}` is not valid UTF-8"))
}

/// Whether `path` lies under `root` (both as the file system resolves them).
pub fn is_inside(root: &Path, path: &Path) -> bool {
    match (absolute(root), absolute(path)) {
        (Ok(root), Ok(path)) => path.starts_with(root),
        _ => false,
    }
}

fn absolute(path: &Path) -> Result<PathBuf, String> {
    std::fs::canonicalize(path)
        .map_err(|error| format!("cannot resolve `{}`: {error}", path.display()))
}

/// `path` as the user can read it: relative to `base` when below it, with `..` when beside
/// it, never the machine's absolute path when a relative one exists.
fn shown(base: &Path, path: &Path) -> String {
    if let Ok(below) = path.strip_prefix(base) {
        let text = relative_components(below);
        return if text.is_empty() { ".".into() } else { text };
    }
    let common = base
        .ancestors()
        .find(|ancestor| path.starts_with(ancestor))
        .unwrap_or(Path::new("/"));
    let ups = base
        .strip_prefix(common)
        .map_or(0, |rest| rest.components().count());
    let rest = path
        .strip_prefix(common)
        .map(relative_components)
        .unwrap_or_default();
    let mut parts: Vec<String> = vec!["..".to_string(); ups];
    if !rest.is_empty() {
        parts.push(rest);
    }
    parts.join("/")
}

fn relative_components(path: &Path) -> String {
    path.components()
        .map(|part| part.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// `path` relative to `root` when it lies inside it once `.` and `..` are resolved
/// (cargo reports a custom target path as written).
pub fn relative_inside(root: &Path, path: &Path) -> Option<String> {
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                if !normal.pop() {
                    return None;
                }
            }
            Component::CurDir => {}
            other => normal.push(other.as_os_str()),
        }
    }
    let below = normal.strip_prefix(root).ok()?;
    let text = relative_components(below);
    (!text.is_empty()).then_some(text)
}

struct CargoLayout {
    root: PathBuf,
    /// The directories of the member packages' manifests.
    members: Vec<PathBuf>,
    target_directory: PathBuf,
    targets: Vec<LayoutTarget>,
}

/// Asks cargo for the workspace layout. `--no-deps` and `--offline` keep it
/// from resolving or fetching anything; it never builds, so no build script or
/// proc macro of the linted project runs. It runs from a neutral directory so
/// a `rust-toolchain.toml` or `.cargo/config.toml` in the linted tree cannot
/// pick the program that runs, and wrapper settings are cleared.
///
/// With a `layout_cache` directory, cargo's answer is kept there under a key of everything
/// it depends on ([`layout_key`]) and reused while that key holds; it is only kept for a
/// manifest at the workspace root, where the manifests under it are all the members'.
fn cargo_workspace(manifest: &Path, layout_cache: Option<&Path>) -> Result<CargoLayout, String> {
    let manifest_dir = manifest.parent().unwrap_or(manifest);
    // Every manifest under the folder: cargo reads the members' ones, so none may be a
    // link (cargo would follow it, and quote what it found in its errors).
    let manifests = manifests_under(manifest_dir);
    for found in &manifests {
        if let Err(problem) = regular_file(found) {
            return Err(format!("`{}` {problem}", shown(manifest_dir, found)));
        }
    }
    let key = layout_cache.and_then(|_| layout_key(manifest, &manifests));
    if let (Some(dir), Some(key)) = (layout_cache, key) {
        // Only a layout whose root is this manifest's folder is kept: the key covers the
        // manifests under the manifest, not those of a workspace above it.
        if let Some(stored) =
            cache::load_layout(dir, key).filter(|stored| stored.root == manifest_dir)
        {
            return Ok(CargoLayout {
                root: stored.root,
                members: stored.members,
                target_directory: stored.target_directory,
                targets: stored.targets,
            });
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
    let mut members: Vec<PathBuf> = Vec::new();
    let mut targets: Vec<LayoutTarget> = Vec::new();
    for package in metadata.workspace_packages() {
        let Some(package_dir) = package.manifest_path.parent() else {
            continue;
        };
        let package_dir = package_dir.as_std_path().to_path_buf();
        members.push(package_dir.clone());
        for target in &package.targets {
            let test_only = target.kind.iter().all(|kind| {
                matches!(
                    kind,
                    cargo_metadata::TargetKind::Test | cargo_metadata::TargetKind::Bench
                )
            });
            targets.push(LayoutTarget {
                name: target.name.clone(),
                kind: if test_only {
                    TargetKind::Test
                } else {
                    TargetKind::Production
                },
                path: target.src_path.as_std_path().to_path_buf(),
                package_dir: package_dir.clone(),
                package_id: package.id.repr.clone(),
                cargo_kinds: target.kind.iter().map(ToString::to_string).collect(),
                crate_types: target.crate_types.iter().map(ToString::to_string).collect(),
                edition: target.edition.as_str().to_string(),
            });
        }
    }
    members.sort();
    targets.sort_by(|a, b| (&a.path, &a.name).cmp(&(&b.path, &b.name)));
    let layout = CargoLayout {
        root,
        members,
        target_directory: metadata.target_directory.as_std_path().to_path_buf(),
        targets,
    };
    if let (Some(dir), Some(key), true) = (layout_cache, key, layout.root == manifest_dir) {
        let stored = cache::StoredLayout {
            root: layout.root.clone(),
            members: layout.members.clone(),
            target_directory: layout.target_directory.clone(),
            targets: layout.targets.clone(),
        };
        // Without it the next run asks cargo again; nothing else depends on it.
        let _ = cache::store_layout(dir, key, &stored);
    }
    Ok(layout)
}

/// Nested packages that are not members (examples, fixtures, vendored crates) are any
/// directory with a Cargo.toml that is not a member's; they and the target directory are
/// left out of the walk. Files of theirs that a target builds come back through the module
/// tree.
fn excluded_dirs(
    root: &Path,
    members: &HashSet<PathBuf>,
    target_directory: &Path,
    manifests: &[PathBuf],
) -> HashSet<PathBuf> {
    let mut excluded = HashSet::new();
    excluded.insert(target_directory.to_path_buf());
    for dir in manifests.iter().filter_map(|manifest| manifest.parent()) {
        if dir != root && !members.contains(dir) {
            excluded.insert(dir.to_path_buf());
        }
    }
    excluded
}

/// Every Cargo.toml under `root`, sorted. Ignore files and hidden folders do not hide one
/// (cargo reads manifests whatever `.gitignore` says); only `.git` and cargo's own build
/// folders (a `target` next to a manifest, tagged `CACHEDIR.TAG`) are passed over.
fn manifests_under(root: &Path) -> Vec<PathBuf> {
    let mut manifests: Vec<PathBuf> = WalkBuilder::new(root)
        .standard_filters(false)
        .follow_links(false)
        .filter_entry(|entry| {
            let path = entry.path();
            if !entry.file_type().is_some_and(|kind| kind.is_dir()) {
                return true;
            }
            let name = entry.file_name();
            if name == ".git" {
                return false;
            }
            !(name == "target"
                && path.join("CACHEDIR.TAG").is_file()
                && path
                    .parent()
                    .is_some_and(|parent| parent.join("Cargo.toml").is_file()))
        })
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
