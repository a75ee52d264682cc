//! Reading and indexing the workspace's sources: the files the walk found, then every file
//! the module tree reaches from the target roots that the walk did not find (hidden by an
//! ignore file, a hidden folder, a nested manifest, or outside the source folders), round
//! by round until the tree wants nothing new. Each file's facts come from the cache when
//! its text is unchanged; only what the module tree needs is decoded before the run knows
//! whether it reuses the last findings.

use crate::budget::{index_file, Bodies};
use crate::cache::{self, CachedFile, ContentHash};
use partner_safety_lints::index::modules::{self, ModuleLink, ModuleTree, TargetRoot};
use partner_safety_lints::index::FileKind;
use partner_safety_lints::FileFacts;
use rayon::prelude::*;
use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One source file as loaded.
pub struct Loaded {
    pub relative: String,
    state: State,
}

enum State {
    /// Indexed by this run, or not readable (`hash` is `None`).
    Fresh {
        facts: Box<FileFacts>,
        hash: Option<ContentHash>,
    },
    /// Unchanged since the last run: its facts are still encoded.
    Cached {
        text: Arc<str>,
        hash: ContentHash,
        cached: CachedFile,
    },
}

impl Loaded {
    fn links(&self) -> &[ModuleLink] {
        match &self.state {
            State::Fresh { facts, .. } => &facts.module_links,
            State::Cached { cached, .. } => &cached.summary.module_links,
        }
    }

    /// Whether the file was parsed and indexed.
    pub fn analysed(&self) -> bool {
        match &self.state {
            State::Fresh { facts, .. } => facts.problem.is_none() && facts.internal_error.is_none(),
            State::Cached { cached, .. } => cached.summary.analysed,
        }
    }

    pub fn is_rust(&self) -> bool {
        FileKind::of_path(&self.relative).unwrap_or(FileKind::Rust) == FileKind::Rust
    }

    pub fn is_cached(&self) -> bool {
        matches!(self.state, State::Cached { .. })
    }

    /// What the findings key knows of the file: its content hash, or why it has none.
    pub fn key_part(&self) -> Result<ContentHash, &str> {
        match &self.state {
            State::Cached { hash, .. }
            | State::Fresh {
                hash: Some(hash), ..
            } => Ok(*hash),
            State::Fresh { facts, hash: None } => Err(facts
                .problem
                .as_ref()
                .map_or("unreadable", |problem| problem.message.as_str())),
        }
    }

    /// The file's facts: decoded from the cache when `decode` (or indexed again if they do
    /// not decode), else only its text; its content hash; whether they came from the cache.
    pub fn into_facts(
        self,
        decode: bool,
        bodies: &Bodies,
    ) -> (FileFacts, Option<ContentHash>, bool) {
        match self.state {
            State::Fresh { facts, hash } => (*facts, hash, false),
            State::Cached { text, .. } if !decode => {
                (FileFacts::text_only(self.relative, text), None, true)
            }
            State::Cached { text, hash, cached } => {
                match cache::decode_facts(&cached.facts, text.clone()) {
                    Some(facts) => (facts, Some(hash), true),
                    None => (index_file(self.relative, text, bodies), Some(hash), false),
                }
            }
        }
    }
}

/// Every source of the workspace, and the module tree over them.
pub struct Sources {
    pub loaded: Vec<Loaded>,
    pub tree: ModuleTree,
    /// Which bodies were parsed: [`Bodies::All`] when any text read before indexing holds a
    /// signal of a partner model, whatever was asked.
    pub bodies: Bodies,
    /// A file read after the first round (reached through the module tree) holds such a
    /// signal while bodies were left out: the files must be indexed again, whole.
    pub needs_every_body: bool,
}

/// Loads the walked files, then follows the module tree from `targets`, reading every
/// file it reaches that exists under `root` (never through a link) until it wants
/// nothing new.
pub fn load(
    root: &Path,
    walked: &[PathBuf],
    targets: &[TargetRoot],
    max_file_size: u64,
    mut cache: Option<&mut cache::Cache>,
    bodies: Bodies,
) -> Sources {
    let first: Vec<(String, Result<Arc<str>, String>)> = walked
        .par_iter()
        .map(|path| {
            (
                crate::layout::relative(root, path),
                read_source(path, max_file_size),
            )
        })
        .collect();
    let bodies = match bodies {
        Bodies::Needed(needs) if !has_signal(&first, &needs) => Bodies::Needed(needs),
        _ => Bodies::All,
    };
    let mut needs_every_body = false;
    let mut loaded = index_round(first, cache.as_deref_mut(), &bodies);
    let mut known: HashSet<String> = loaded.iter().map(|file| file.relative.clone()).collect();
    loop {
        let tree = resolve(&loaded, targets);
        let mut wanted: Vec<String> = tree
            .wanted
            .into_iter()
            .filter(|path| !known.contains(path))
            .filter(|path| std::fs::symlink_metadata(root.join(path)).is_ok_and(|m| !m.is_dir()))
            .collect();
        if wanted.is_empty() {
            break;
        }
        wanted.sort();
        known.extend(wanted.iter().cloned());
        let round: Vec<(String, Result<Arc<str>, String>)> = wanted
            .into_par_iter()
            .map(|relative| {
                let read = read_inside(root, &relative, max_file_size);
                (relative, read)
            })
            .collect();
        if let Bodies::Needed(needs) = &bodies {
            needs_every_body |= has_signal(&round, needs);
        }
        loaded.extend(index_round(round, cache.as_deref_mut(), &bodies));
    }
    let tree = resolve(&loaded, targets);
    Sources {
        loaded,
        tree,
        bodies,
        needs_every_body,
    }
}

/// Whether any of the texts read holds a signal of a partner model (see [`BodyNeeds`]).
///
/// [`BodyNeeds`]: partner_safety_lints::model::body_needs::BodyNeeds
fn has_signal(
    read: &[(String, Result<Arc<str>, String>)],
    needs: &partner_safety_lints::model::body_needs::BodyNeeds,
) -> bool {
    read.par_iter().any(|(relative, text)| {
        text.as_ref()
            .is_ok_and(|text| needs.signal_in_file(relative, text))
    })
}

fn resolve(loaded: &[Loaded], targets: &[TargetRoot]) -> ModuleTree {
    let paths: Vec<&str> = loaded.iter().map(|file| file.relative.as_str()).collect();
    let links: Vec<&[ModuleLink]> = loaded.iter().map(Loaded::links).collect();
    modules::resolve_links(&paths, &links, targets)
}

/// A file's text with its content hash, or why it could not be read.
type Hashed = Result<(Arc<str>, ContentHash), String>;

/// Texts are hashed in parallel, cached facts taken out of the cache in order, and the
/// rest indexed in parallel.
fn index_round(
    read: Vec<(String, Result<Arc<str>, String>)>,
    cache: Option<&mut cache::Cache>,
    bodies: &Bodies,
) -> Vec<Loaded> {
    let hashed: Vec<(String, Hashed)> = read
        .into_par_iter()
        .map(|(relative, text)| {
            let hashed = text.map(|text| {
                let hash = cache::content_hash(&text);
                (text, hash)
            });
            (relative, hashed)
        })
        .collect();
    let caching = cache.is_some();
    let hits: Vec<Option<CachedFile>> = match cache {
        Some(cache) => hashed
            .iter()
            .map(|(relative, read)| {
                let (_, hash) = read.as_ref().ok()?;
                cache.take(relative, *hash, bodies.all())
            })
            .collect(),
        None => hashed.iter().map(|_| None).collect(),
    };
    hashed
        .into_par_iter()
        .zip(hits)
        .map(|((relative, read), hit)| {
            let state = match (read, hit) {
                (Ok((text, hash)), Some(cached)) => State::Cached { text, hash, cached },
                (Ok((text, hash)), None) => State::Fresh {
                    facts: Box::new(index_file(relative.clone(), text, bodies)),
                    hash: caching.then_some(hash),
                },
                (Err(message), _) => State::Fresh {
                    facts: Box::new(FileFacts::unreadable(relative.clone(), message)),
                    hash: None,
                },
            };
            Loaded { relative, state }
        })
        .collect()
}

/// Reads a file the module tree reached, `relative` to `root`: no folder on the way may be
/// a link (it could lead out of the root, where nothing is read).
fn read_inside(root: &Path, relative: &str, max_file_size: u64) -> Result<Arc<str>, String> {
    let mut path = root.to_path_buf();
    let parts: Vec<&str> = relative.split('/').collect();
    for part in &parts[..parts.len().saturating_sub(1)] {
        path.push(part);
        let is_link = std::fs::symlink_metadata(&path)
            .map(|metadata| metadata.file_type().is_symlink())
            .unwrap_or(false);
        if is_link {
            return Err(format!(
                "a folder on the way to this file (`{}`) is a symbolic link; links are not followed",
                crate::layout::relative(root, &path)
            ));
        }
    }
    read_source(&root.join(relative), max_file_size)
}

/// Reads one source file: bounded by `max_file_size`, never following a link, UTF-8
/// checked, a byte-order mark dropped.
pub fn read_source(path: &Path, max_file_size: u64) -> Result<Arc<str>, String> {
    let metadata =
        std::fs::symlink_metadata(path).map_err(|error| format!("cannot read file: {error}"))?;
    if metadata.file_type().is_symlink() {
        return Err("file is a symbolic link; links are not followed".to_string());
    }
    if !metadata.is_file() {
        return Err("not a regular file; it was not read".to_string());
    }
    if metadata.len() > max_file_size {
        return Err(format!("file is {} bytes, over the --max-file-size limit of {max_file_size} bytes; it was skipped", metadata.len()));
    }
    let file = std::fs::File::open(path).map_err(|error| format!("cannot read file: {error}"))?;
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    // The file may grow between the size check and the read.
    file.take(max_file_size + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| format!("cannot read file: {error}"))?;
    if bytes.len() as u64 > max_file_size {
        return Err(format!(
            "file is over the --max-file-size limit of {max_file_size} bytes; it was skipped"
        ));
    }
    let text = String::from_utf8(bytes).map_err(|error| {
        let valid = error.utf8_error().valid_up_to();
        let bytes = error.as_bytes();
        let line = bytes[..valid].iter().filter(|&&b| b == b'\n').count() + 1;
        format!("file is not valid UTF-8 (invalid byte at line {line}, byte offset {valid})")
    })?;
    // A byte-order mark is not part of the code; positions are reported without it.
    let text = text
        .strip_prefix('\u{feff}')
        .map(str::to_string)
        .unwrap_or(text);
    Ok(Arc::from(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_that_vanished_is_a_read_problem() {
        let missing = std::env::temp_dir().join("partner-safety-no-such-file.rs");
        let problem = read_source(&missing, 1024).unwrap_err();
        assert!(problem.starts_with("cannot read file: "), "{problem}");
    }

    #[cfg(unix)]
    #[test]
    fn files_behind_a_linked_folder_are_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("x.rs"), "fn f() {}").unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("linked")).unwrap();
        let problem = read_inside(dir.path(), "linked/x.rs", 1024).unwrap_err();
        assert_eq!(
            problem,
            "a folder on the way to this file (`linked`) is a symbolic link; links are not followed"
        );
    }
}
