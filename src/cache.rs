//! The incremental cache: each file's facts (`FileFacts`, plain data) from the
//! last run, keyed by the file's content hash, the tool version (and the
//! binary's build) and a hash of the configuration. A re-run indexes only
//! files whose text changed; the model and every rule then run over cached and
//! fresh facts alike, so the findings are the same with or without the cache.
//! When nothing the findings depend on changed (every path and content hash,
//! the configuration, the date, the build), the last run's findings are
//! reused as well and no rule runs.
//!
//! Two files under `target/partner-safety/` of the linted workspace (or
//! `--cache-dir`): `facts.bin` and `findings.bin`. Layout of each: a magic
//! string, the format number, the tool version, the key (config hash, or the
//! workspace key for findings), the payload's length and checksum, then the
//! payload (postcard; in `facts.bin` every entry's path, content hash and
//! facts, the facts encoded on their own so only reused files are decoded, in
//! parallel). A file that is truncated, corrupt, from another version or
//! another key is ignored and rewritten, never trusted: the checksum is
//! verified before anything is decoded. Both are written to a temporary file
//! and renamed into place, so a concurrent run never reads half a file; they
//! are not synced to disk, as a file a crash damages fails its checks and is
//! rebuilt. The folder carries a `.gitignore` of its own.

use partner_safety_lints::cypher::{CypherError, ParseMemo, QueryFacts, TextMode};
use partner_safety_lints::diagnostic::{Applicability, Finding, Fix, Label, Location, Replacement};
use partner_safety_lints::index::modules::ModuleLink;
use partner_safety_lints::registry;
use partner_safety_lints::source::Span;
use partner_safety_lints::Level;
use partner_safety_lints::{Checked, FileFacts, Settings};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const MAGIC: &[u8; 8] = b"PSFACTS\0";
/// Bumped whenever the layout or the meaning of a cached fact changes
/// without a version change (the tool version is part of the key too).
const FORMAT: u32 = 24;
const FILE_NAME: &str = "facts.bin";

/// A file's content hash (xxh3, 128 bits).
pub type ContentHash = u128;

pub fn content_hash(text: &str) -> ContentHash {
    xxhash_rust::xxh3::xxh3_128(text.as_bytes())
}

/// What the facts depend on besides the file's text: the tool version and
/// the configuration (levels and options, in a fixed order).
pub fn config_hash(settings: &Settings) -> u64 {
    let mut levels: Vec<String> = settings
        .levels
        .iter()
        .map(|(code, level)| format!("{code}={level:?}"))
        .collect();
    levels.sort();
    let mut options: Vec<String> = settings
        .options
        .iter()
        .map(|(code, values)| format!("{code}={values:?}"))
        .collect();
    options.sort();
    let canonical = format!(
        "build {}\nlevels {}\noptions {}\nmodel {:?}",
        build_id().unwrap_or_default(),
        levels.join(","),
        options.join(","),
        settings.model
    );
    xxhash_rust::xxh3::xxh3_64(canonical.as_bytes())
}

/// The running binary's identity on this machine: its size and modification
/// time, and on Unix its device, inode and status-change time to the
/// nanosecond. A rebuild (another compiler, a changed fact without a version
/// bump, a fingerprint hash that differs) never reads what an earlier build
/// wrote. And since no tool can set a status-change time, the key is
/// unguessable from outside this machine: a cache file committed into a pull
/// request (under its `target/`) can never pass for one this binary wrote and
/// hide findings, even where builds have fixed modification times. `None`
/// when the binary cannot be inspected; then no cache is used at all.
pub fn build_id() -> Option<&'static str> {
    static BUILD: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    BUILD
        .get_or_init(|| {
            let metadata = std::env::current_exe().and_then(std::fs::metadata).ok()?;
            let modified = metadata
                .modified()
                .ok()
                .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |since| since.as_nanos());
            #[cfg(unix)]
            let local = {
                use std::os::unix::fs::MetadataExt;
                format!(
                    "{}:{}:{}.{}",
                    metadata.dev(),
                    metadata.ino(),
                    metadata.ctime(),
                    metadata.ctime_nsec()
                )
            };
            #[cfg(not(unix))]
            let local = metadata
                .created()
                .ok()
                .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |since| since.as_nanos())
                .to_string();
            Some(format!("{}:{modified}:{local}", metadata.len()))
        })
        .as_deref()
}

/// One file: its facts are encoded on their own, so a run decodes only the
/// files it reuses, on all cores; the little the run needs of every file before
/// it knows whether it reuses the last findings is kept beside them.
#[derive(Serialize, Deserialize)]
struct Entry {
    path: String,
    hash: ContentHash,
    summary: Summary,
    facts: Vec<u8>,
}

/// What a run needs of every file even when it does not decode its facts: the module
/// tree is followed from every run's files (a file the tree reaches may have appeared).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub module_links: Vec<ModuleLink>,
    /// Whether the file was parsed and indexed (no `problem`, no internal error).
    pub analysed: bool,
    /// How many function bodies were left unparsed: such facts serve only a run that
    /// leaves bodies out too.
    pub skipped_bodies: u32,
}

impl Summary {
    pub fn of(facts: &FileFacts) -> Summary {
        Summary {
            module_links: facts.module_links.clone(),
            analysed: facts.problem.is_none() && facts.internal_error.is_none(),
            skipped_bodies: facts.skipped_bodies,
        }
    }
}

/// A cached file: its encoded facts (decode them with [`decode_facts`]) and summary.
pub struct CachedFile {
    pub facts: Vec<u8>,
    pub summary: Summary,
}

/// The encoded facts of the last run, by workspace-relative path.
#[derive(Default)]
pub struct Cache {
    entries: HashMap<String, (ContentHash, CachedFile)>,
}

/// Where the cache lives for a workspace root, unless configured.
pub fn default_dir(root: &Path) -> PathBuf {
    root.join("target").join("partner-safety")
}

fn header(config: u64, payload: &[u8]) -> Vec<u8> {
    let version = env!("CARGO_PKG_VERSION").as_bytes();
    let mut header = Vec::with_capacity(64);
    header.extend_from_slice(MAGIC);
    header.extend_from_slice(&FORMAT.to_le_bytes());
    header.extend_from_slice(&(version.len() as u32).to_le_bytes());
    header.extend_from_slice(version);
    header.extend_from_slice(&config.to_le_bytes());
    header.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    header.extend_from_slice(&xxhash_rust::xxh3::xxh3_64(payload).to_le_bytes());
    header
}

impl Cache {
    /// The cache in `dir`, or an empty one when there is none or it cannot
    /// be trusted.
    pub fn load(dir: &Path, config: u64) -> Cache {
        read_cache_file(&dir.join(FILE_NAME))
            .ok()
            .and_then(|bytes| Self::decode(&bytes, config))
            .unwrap_or_default()
    }

    fn decode(bytes: &[u8], config: u64) -> Option<Cache> {
        let payload = verified_payload(bytes, config)?;
        let entries: Vec<Entry> = postcard::from_bytes(payload).ok()?;
        Some(Cache {
            entries: entries
                .into_iter()
                .map(|entry| {
                    let file = CachedFile {
                        facts: entry.facts,
                        summary: entry.summary,
                    };
                    (entry.path, (entry.hash, file))
                })
                .collect(),
        })
    }

    /// Takes what is cached of `path` if its text still hashes to `hash` and, when the run
    /// parses every body (`whole`), no body was left out of it.
    pub fn take(&mut self, path: &str, hash: ContentHash, whole: bool) -> Option<CachedFile> {
        match self.entries.remove(path) {
            Some((cached, facts))
                if cached == hash && !(whole && facts.summary.skipped_bodies > 0) =>
            {
                Some(facts)
            }
            _ => None,
        }
    }

    /// Whether any cached file was not taken (deleted or renamed since).
    pub fn has_leftovers(&self) -> bool {
        !self.entries.is_empty()
    }
}

/// The payload of a cache file written by this build for `key`, after its
/// magic, format, version, key, length and checksum are all verified.
fn verified_payload(bytes: &[u8], key: u64) -> Option<&[u8]> {
    let mut rest = bytes.strip_prefix(MAGIC)?;
    let mut take = |n: usize| -> Option<&[u8]> {
        let (head, tail) = (rest.get(..n)?, rest.get(n..)?);
        rest = tail;
        Some(head)
    };
    let u32_at = |b: &[u8]| b.try_into().ok().map(u32::from_le_bytes);
    let u64_at = |b: &[u8]| b.try_into().ok().map(u64::from_le_bytes);
    if u32_at(take(4)?)? != FORMAT {
        return None;
    }
    let version_len = u32_at(take(4)?)? as usize;
    if take(version_len)? != env!("CARGO_PKG_VERSION").as_bytes() {
        return None;
    }
    if u64_at(take(8)?)? != key {
        return None;
    }
    let len = usize::try_from(u64_at(take(8)?)?).ok()?;
    let checksum = u64_at(take(8)?)?;
    let payload = take(len)?;
    (xxhash_rust::xxh3::xxh3_64(payload) == checksum).then_some(payload)
}

/// A cached file's facts with its text restored (the cache does not keep
/// the text); `None` if they do not decode.
pub fn decode_facts(bytes: &[u8], text: Arc<str>) -> Option<FileFacts> {
    let mut facts: FileFacts = postcard::from_bytes(bytes).ok()?;
    facts.text = text;
    Some(facts)
}

/// Whether facts may be cached: a failure inside the indexer is reported
/// each run, and files that could not be read have no hash.
pub fn cacheable(facts: &FileFacts) -> bool {
    facts.internal_error.is_none()
}

/// Writes the cache atomically: a temporary file in `dir`, then a rename.
pub fn store(dir: &Path, config: u64, files: &[(&FileFacts, ContentHash)]) -> std::io::Result<()> {
    use rayon::prelude::*;
    let entries: Vec<Entry> = files
        .par_iter()
        .map(|(facts, hash)| {
            postcard::to_stdvec(facts).map(|encoded| Entry {
                path: facts.path.clone(),
                hash: *hash,
                summary: Summary::of(facts),
                facts: encoded,
            })
        })
        .collect::<Result<_, _>>()
        .map_err(std::io::Error::other)?;
    let payload = postcard::to_stdvec(&entries).map_err(std::io::Error::other)?;
    write_atomically(dir, FILE_NAME, &header(config, &payload), &payload)
}

/// Writes `header` and `payload` to `dir/name` through a temporary file in `dir` and a
/// rename, so a concurrent run never reads half a file.
///
/// The linted tree is untrusted, and the cache lives in it: a link or a file planted
/// where the cache writes must never redirect a write. [`usable_dir`] refuses a cache
/// folder reached through a link before any run writes; here the temporary file is
/// created exclusively under an unpredictable name (a planted link of any name is never
/// opened), and the rename replaces a link at `name` instead of following it.
fn write_atomically(dir: &Path, name: &str, header: &[u8], payload: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    if std::fs::symlink_metadata(dir)?.file_type().is_symlink() {
        return Err(std::io::Error::other("the cache folder is a symbolic link"));
    }
    // Like `.ruff_cache`: the cache ignores itself, so a workspace without a
    // `.gitignore` for `target/` (or a plain folder) never commits it, and a
    // pre-commit hook never sees it as a file it modified. Created only when absent:
    // whatever stands at that name (a link included) is left alone.
    if let Ok(mut ignore) = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(dir.join(".gitignore"))
    {
        let _ =
            ignore.write_all(b"# Written by partner-safety: the cache is never committed.\n*\n");
    }
    let mut temporary = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(dir)?;
    temporary.write_all(header)?;
    temporary.write_all(payload)?;
    // No fsync: waiting for the disk was a third of a re-run after an edit, and a file
    // a crash leaves damaged fails its length and checksum and is rebuilt.
    temporary
        .persist(dir.join(name))
        .map(drop)
        .map_err(|error| error.error)
}

/// A cache file's bytes: only a regular file, never through a link (a planted
/// `facts.bin -> /dev/zero` would never end), and no more than its size said.
fn read_cache_file(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let metadata = std::fs::symlink_metadata(path)?;
    if !metadata.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    std::fs::File::open(path)?
        .take(metadata.len())
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Whether the cache may live in `dir` for the workspace at `root`: no folder on the way
/// from the root to it may be a symbolic link (a committed `target/partner-safety ->
/// ../src` would put the cache's files, its `.gitignore` among them, into the sources;
/// `target -> /anywhere` would write outside the workspace). For a folder outside the
/// root (`--cache-dir`, chosen by whoever runs the tool) only the folder itself is
/// checked. `Err` says why the cache is off.
pub fn usable_dir(root: &Path, dir: &Path) -> Result<(), String> {
    let mut checked: Vec<PathBuf> = Vec::new();
    match dir.strip_prefix(root) {
        Ok(below) => {
            let mut path = root.to_path_buf();
            for component in below.components() {
                path.push(component);
                checked.push(path.clone());
            }
        }
        Err(_) => checked.push(dir.to_path_buf()),
    }
    for path in checked {
        match std::fs::symlink_metadata(&path) {
            Ok(metadata) if metadata.file_type().is_symlink() => {
                return Err(format!(
                    "`{}` is a symbolic link",
                    crate::layout::relative(root, &path)
                ))
            }
            Ok(metadata) if !metadata.is_dir() => {
                return Err(format!(
                    "`{}` is not a folder",
                    crate::layout::relative(root, &path)
                ))
            }
            // What does not exist yet is created as real folders.
            _ => {}
        }
    }
    Ok(())
}

/// What the findings of a run depend on: every file's path and content hash
/// (or why it could not be read), in analysis order, the configuration, the
/// date (suppressions expire), the build, and the module tree (`tree`: a hash of the
/// target roots and of what each file is built for, which a manifest alone can change). Equal keys give equal findings,
/// so an unchanged re-run reuses them instead of rebuilding the model and
/// running every rule.
pub fn workspace_key(
    config: u64,
    today: Option<&str>,
    tree: u64,
    files: &[(&str, Result<ContentHash, &str>)],
) -> u64 {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    hasher.update(&FORMAT.to_le_bytes());
    hasher.update(&config.to_le_bytes());
    hasher.update(&tree.to_le_bytes());
    hasher.update(today.unwrap_or("").as_bytes());
    hasher.update(&[0xff]);
    for (path, hash) in files {
        hasher.update(path.as_bytes());
        hasher.update(&[0]);
        match hash {
            Ok(hash) => {
                hasher.update(&[1]);
                hasher.update(&hash.to_le_bytes());
            }
            Err(problem) => {
                hasher.update(&[2]);
                hasher.update(problem.as_bytes());
                hasher.update(&[0]);
            }
        }
    }
    hasher.digest()
}

const FINDINGS_FILE: &str = "findings.bin";

/// A label or replacement as stored: file index, span, text.
type StoredText = (usize, Span, String);

/// A [`Finding`] as stored: the rule's identity by code (name and checklist
/// item come back from the registry), locations by file index and span.
#[derive(Serialize, Deserialize)]
struct StoredFinding {
    code: String,
    level: String,
    downgraded: bool,
    message: String,
    primary: (usize, Span),
    primary_label: Option<String>,
    labels: Vec<StoredText>,
    help: Option<String>,
    /// The replacements, and whether the fix is machine-applicable.
    fix: Option<(Vec<StoredText>, bool)>,
    suppressed: Option<String>,
}

impl StoredFinding {
    fn of(finding: &Finding) -> StoredFinding {
        let at = |location: &Location| (location.file, location.span);
        StoredFinding {
            code: finding.code.to_string(),
            level: finding.level.as_str().to_string(),
            downgraded: finding.downgraded,
            message: finding.message.clone(),
            primary: at(&finding.primary),
            primary_label: finding.primary_label.clone(),
            labels: finding
                .labels
                .iter()
                .map(|label| {
                    (
                        label.location.file,
                        label.location.span,
                        label.message.clone(),
                    )
                })
                .collect(),
            help: finding.help.clone(),
            fix: finding.fix.as_ref().map(|fix| {
                (
                    fix.replacements
                        .iter()
                        .map(|r| (r.location.file, r.location.span, r.text.clone()))
                        .collect(),
                    fix.applicability == Applicability::MachineApplicable,
                )
            }),
            suppressed: finding.suppressed.clone(),
        }
    }

    /// The finding back, or `None` when its code or level is unknown to this
    /// build or a location names a file outside the workspace.
    fn finding(self, files: usize) -> Option<Finding> {
        let meta = registry::lookup(&self.code).filter(|meta| meta.code == self.code)?;
        let location =
            |(file, span): (usize, Span)| (file < files).then_some(Location { file, span });
        Some(Finding {
            code: meta.code,
            name: meta.name,
            checklist_item: meta.checklist_item,
            level: Level::parse(&self.level)?,
            downgraded: self.downgraded,
            message: self.message,
            primary: location(self.primary)?,
            primary_label: self.primary_label,
            labels: self
                .labels
                .into_iter()
                .map(|(file, span, message)| {
                    Some(Label {
                        location: location((file, span))?,
                        message,
                    })
                })
                .collect::<Option<_>>()?,
            help: self.help,
            fix: match self.fix {
                None => None,
                Some((replacements, machine)) => Some(Fix {
                    replacements: replacements
                        .into_iter()
                        .map(|(file, span, text)| {
                            Some(Replacement {
                                location: location((file, span))?,
                                text,
                            })
                        })
                        .collect::<Option<_>>()?,
                    applicability: if machine {
                        Applicability::MachineApplicable
                    } else {
                        Applicability::MaybeIncorrect
                    },
                }),
            },
            suppressed: self.suppressed,
        })
    }
}

/// The findings stored for `key`, if the stored ones are for that key and
/// decode in full (`files` is the workspace's file count).
pub fn load_findings(dir: &Path, key: u64, files: usize) -> Option<Checked> {
    let bytes = read_cache_file(&dir.join(FINDINGS_FILE)).ok()?;
    let payload = verified_payload(&bytes, key)?;
    let (partner_model, stored): (bool, Vec<StoredFinding>) = postcard::from_bytes(payload).ok()?;
    let findings = stored
        .into_iter()
        .map(|finding| finding.finding(files))
        .collect::<Option<Vec<Finding>>>()?;
    // Findings are stored only from a run that stands, so it needed nothing more.
    Some(Checked {
        findings,
        partner_model,
        needs_every_body: false,
    })
}

/// Stores what the run whose inputs hash to `key` found.
pub fn store_findings(dir: &Path, key: u64, checked: &Checked) -> std::io::Result<()> {
    let stored: Vec<StoredFinding> = checked.findings.iter().map(StoredFinding::of).collect();
    let payload =
        postcard::to_stdvec(&(checked.partner_model, stored)).map_err(std::io::Error::other)?;
    write_atomically(dir, FINDINGS_FILE, &header(key, &payload), &payload)
}

const QUERIES_FILE: &str = "queries.bin";

/// Cypher parse results by query text, for the model: a run after an edit re-parses only
/// the queries whose text changed. Each entry keeps its text and is only used for exactly
/// that text; the file holds the entries the last run used or made, so it does not grow.
#[derive(Default)]
pub struct QueryStore {
    previous: HashMap<(TextMode, String), Vec<u8>>,
    current: std::sync::Mutex<HashMap<(TextMode, String), Vec<u8>>>,
}

type StoredQueries = Vec<((TextMode, String), Vec<u8>)>;

/// Parse results depend on nothing but the text and the parser, which is part of the build.
fn queries_key() -> Option<u64> {
    Some(xxhash_rust::xxh3::xxh3_64(build_id()?.as_bytes()))
}

impl QueryStore {
    /// The results the last run kept in `dir`, or none when they cannot be trusted.
    pub fn load(dir: &Path) -> QueryStore {
        let previous = queries_key()
            .and_then(|key| {
                let bytes = read_cache_file(&dir.join(QUERIES_FILE)).ok()?;
                let stored: StoredQueries =
                    postcard::from_bytes(verified_payload(&bytes, key)?).ok()?;
                Some(stored.into_iter().collect())
            })
            .unwrap_or_default();
        QueryStore {
            previous,
            current: Default::default(),
        }
    }

    /// Writes what this run used and made, unless that is what was read.
    pub fn store(self, dir: &Path) -> std::io::Result<()> {
        let current = self
            .current
            .into_inner()
            .unwrap_or_else(|poison| poison.into_inner());
        if current.len() == self.previous.len()
            && current.keys().all(|key| self.previous.contains_key(key))
        {
            return Ok(());
        }
        let Some(key) = queries_key() else {
            return Ok(());
        };
        let mut stored: StoredQueries = current.into_iter().collect();
        // The same results give the same file.
        stored.sort_by(|((a_mode, a), _), ((b_mode, b), _)| {
            (a, *a_mode == TextMode::Template).cmp(&(b, *b_mode == TextMode::Template))
        });
        let payload = postcard::to_stdvec(&stored).map_err(std::io::Error::other)?;
        write_atomically(dir, QUERIES_FILE, &header(key, &payload), &payload)
    }
}

impl ParseMemo for QueryStore {
    fn recall(&self, text: &str, mode: TextMode) -> Option<Result<QueryFacts, CypherError>> {
        let (key, encoded) = self.previous.get_key_value(&(mode, text.to_string()))?;
        let parsed = postcard::from_bytes(encoded).ok()?;
        if let Ok(mut current) = self.current.lock() {
            current.insert(key.clone(), encoded.clone());
        }
        Some(parsed)
    }

    fn remember(&self, text: &str, mode: TextMode, parsed: &Result<QueryFacts, CypherError>) {
        if let (Ok(encoded), Ok(mut current)) = (postcard::to_stdvec(parsed), self.current.lock()) {
            current.insert((mode, text.to_string()), encoded);
        }
    }
}

const LAYOUT_FILE: &str = "layout.bin";

/// What `cargo metadata` said about a workspace, kept so that an unchanged re-run does not
/// start cargo again (on a small workspace that was most of the run).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredLayout {
    pub root: PathBuf,
    /// The directories of the member packages' manifests.
    pub members: Vec<PathBuf>,
    pub target_directory: PathBuf,
    /// Every member target's root file.
    pub targets: Vec<crate::layout::LayoutTarget>,
}

/// The layout stored for `key` (see `discover::layout_key`), if it is for that key.
pub fn load_layout(dir: &Path, key: u64) -> Option<StoredLayout> {
    let bytes = read_cache_file(&dir.join(LAYOUT_FILE)).ok()?;
    postcard::from_bytes(verified_payload(&bytes, key)?).ok()
}

pub fn store_layout(dir: &Path, key: u64, layout: &StoredLayout) -> std::io::Result<()> {
    let payload = postcard::to_stdvec(layout).map_err(std::io::Error::other)?;
    write_atomically(dir, LAYOUT_FILE, &header(key, &payload), &payload)
}

#[cfg(test)]
mod tests {
    use super::*;
    use partner_safety_lints::index_file;

    fn facts(path: &str, text: &str) -> (FileFacts, ContentHash) {
        (index_file(path.into(), text.into()), content_hash(text))
    }

    #[test]
    fn query_results_are_kept_for_their_exact_text_and_only_while_used() {
        let dir = tempfile::tempdir().unwrap();
        let user = "MATCH (u:User) RETURN u";
        let device = "MATCH (d:Device) RETURN d";
        let parse = |text| partner_safety_lints::cypher::parse_query(text, TextMode::Plain);
        let first = QueryStore::load(dir.path());
        assert!(first.recall(user, TextMode::Plain).is_none());
        first.remember(user, TextMode::Plain, &parse(user));
        first.remember(device, TextMode::Plain, &parse(device));
        first.store(dir.path()).unwrap();

        let second = QueryStore::load(dir.path());
        assert_eq!(second.recall(user, TextMode::Plain), Some(parse(user)));
        // Only the very text and mode: not a template, not a text with one more space.
        assert!(second.recall(user, TextMode::Template).is_none());
        assert!(second
            .recall(&format!("{user} "), TextMode::Plain)
            .is_none());
        second.store(dir.path()).unwrap();

        // The device query was not used by the second run, so it is gone.
        let third = QueryStore::load(dir.path());
        assert!(third.recall(device, TextMode::Plain).is_none());
        assert_eq!(third.recall(user, TextMode::Plain), Some(parse(user)));

        // A damaged file is not trusted.
        let path = dir.path().join(QUERIES_FILE);
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(&path, bytes).unwrap();
        assert!(QueryStore::load(dir.path())
            .recall(user, TextMode::Plain)
            .is_none());
    }

    #[test]
    fn round_trip_keyed_by_content_version_and_config() {
        let dir = tempfile::tempdir().unwrap();
        let text = "#[derive(Serialize)] struct A { password: String }\nfn f(s: &PartnerSession) { g(s.tenant_id, \"x\"); }";
        let (a, hash) = facts("src/a.rs", text);
        store(dir.path(), 7, &[(&a, hash)]).unwrap();

        let mut cache = Cache::load(dir.path(), 7);
        let cached = decode_facts(
            &cache.take("src/a.rs", hash, true).unwrap().facts,
            text.into(),
        )
        .unwrap();
        assert_eq!(format!("{cached:?}"), format!("{a:?}"));

        // Another text, another config: nothing is reused.
        let mut cache = Cache::load(dir.path(), 7);
        assert!(cache
            .take("src/a.rs", content_hash("fn g() {}"), true)
            .is_none());
        assert!(Cache::load(dir.path(), 8)
            .take("src/a.rs", hash, true)
            .is_none());
    }

    #[test]
    fn facts_with_bodies_left_out_serve_only_a_run_that_leaves_them_out() {
        let dir = tempfile::tempdir().unwrap();
        let text = "fn f() { g(); }\nfn h() { k(); }\n";
        let skeleton = partner_safety_lints::index_file_choosing(
            "src/a.rs".into(),
            text.into(),
            &|_, _, _| false,
        );
        assert_eq!(skeleton.skipped_bodies, 2);
        let hash = content_hash(text);
        store(dir.path(), 7, &[(&skeleton, hash)]).unwrap();
        assert!(Cache::load(dir.path(), 7)
            .take("src/a.rs", hash, true)
            .is_none());
        let cached = Cache::load(dir.path(), 7)
            .take("src/a.rs", hash, false)
            .unwrap();
        assert_eq!(cached.summary.skipped_bodies, 2);
        // Facts of a full parse serve both.
        let (full, hash) = facts("src/a.rs", text);
        store(dir.path(), 7, &[(&full, hash)]).unwrap();
        assert!(Cache::load(dir.path(), 7)
            .take("src/a.rs", hash, true)
            .is_some());
        assert!(Cache::load(dir.path(), 7)
            .take("src/a.rs", hash, false)
            .is_some());
    }

    #[test]
    fn corrupt_truncated_or_foreign_files_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let (a, hash) = facts("src/a.rs", "fn f() { g(1) }");
        store(dir.path(), 1, &[(&a, hash)]).unwrap();
        let path = dir.path().join(FILE_NAME);
        let good = std::fs::read(&path).unwrap();
        let header_len = header(1, &[]).len();
        let mut variants: Vec<Vec<u8>> = vec![
            Vec::new(),
            b"not a cache".to_vec(),
            good[..good.len() / 2].to_vec(),
            good[..header_len - 3].to_vec(),
        ];
        // One flipped bit anywhere: in the header or the payload.
        for at in [0, 9, 14, header_len - 1, header_len + 1, good.len() - 1] {
            let mut flipped = good.clone();
            flipped[at] ^= 0x10;
            variants.push(flipped);
        }
        // Another version.
        let mut foreign = good.clone();
        let version_at = MAGIC.len() + 8;
        foreign[version_at] = b'9';
        variants.push(foreign);
        for bytes in variants {
            std::fs::write(&path, &bytes).unwrap();
            assert!(
                Cache::load(dir.path(), 1)
                    .take("src/a.rs", hash, true)
                    .is_none(),
                "{bytes:?}"
            );
        }
        std::fs::write(&path, &good).unwrap();
        assert!(Cache::load(dir.path(), 1)
            .take("src/a.rs", hash, true)
            .is_some());
    }

    fn finding_with_everything() -> Finding {
        let meta = registry::lookup("PS104").unwrap();
        let at = |file, start, end| Location {
            file,
            span: Span { start, end },
        };
        Finding {
            code: meta.code,
            name: meta.name,
            checklist_item: meta.checklist_item,
            level: Level::Deny,
            downgraded: true,
            message: "secret field `A.password` is serialized".into(),
            primary: at(1, 30, 46),
            primary_label: Some("readable".into()),
            labels: vec![Label {
                location: at(0, 2, 5),
                message: "derived here".into(),
            }],
            help: Some("skip it".into()),
            fix: Some(Fix {
                replacements: vec![Replacement {
                    location: at(1, 30, 30),
                    text: "#[serde(skip_serializing)] ".into(),
                }],
                applicability: Applicability::MachineApplicable,
            }),
            suppressed: Some("reviewed".into()),
        }
    }

    #[test]
    fn findings_come_back_whole_for_the_same_key_only() {
        let dir = tempfile::tempdir().unwrap();
        let finding = finding_with_everything();
        let checked = Checked {
            findings: vec![finding.clone()],
            partner_model: true,
            needs_every_body: false,
        };
        store_findings(dir.path(), 42, &checked).unwrap();
        let loaded = load_findings(dir.path(), 42, 2).unwrap();
        assert_eq!(
            (loaded.findings, loaded.partner_model),
            (vec![finding], true)
        );
        assert!(load_findings(dir.path(), 43, 2).is_none());
        // A location outside the workspace means the file list changed.
        assert!(load_findings(dir.path(), 42, 1).is_none());
        // Any flipped bit, and the stored findings are not trusted.
        let path = dir.path().join(FINDINGS_FILE);
        let good = std::fs::read(&path).unwrap();
        for at in [0, good.len() / 2, good.len() - 1] {
            let mut flipped = good.clone();
            flipped[at] ^= 0x01;
            std::fs::write(&path, &flipped).unwrap();
            assert!(load_findings(dir.path(), 42, 2).is_none(), "bit at {at}");
        }
    }

    #[test]
    fn the_workspace_key_changes_with_every_input_the_findings_depend_on() {
        let a = content_hash("fn a() {}");
        let b = content_hash("fn b() {}");
        let base = workspace_key(
            1,
            Some("2026-11-26"),
            0,
            &[("a.rs", Ok(a)), ("b.rs", Ok(b))],
        );
        let variants = [
            workspace_key(
                2,
                Some("2026-11-26"),
                0,
                &[("a.rs", Ok(a)), ("b.rs", Ok(b))],
            ),
            workspace_key(
                1,
                Some("2026-11-27"),
                0,
                &[("a.rs", Ok(a)), ("b.rs", Ok(b))],
            ),
            workspace_key(1, None, 0, &[("a.rs", Ok(a)), ("b.rs", Ok(b))]),
            workspace_key(
                1,
                Some("2026-11-26"),
                0,
                &[("a.rs", Ok(b)), ("b.rs", Ok(b))],
            ),
            workspace_key(
                1,
                Some("2026-11-26"),
                0,
                &[("b.rs", Ok(b)), ("a.rs", Ok(a))],
            ),
            workspace_key(1, Some("2026-11-26"), 0, &[("a.rs", Ok(a))]),
            workspace_key(
                1,
                Some("2026-11-26"),
                0,
                &[("a.rs", Ok(a)), ("b.rs", Err("too big"))],
            ),
            workspace_key(
                1,
                Some("2026-11-26"),
                0,
                &[("a.rs", Ok(a)), ("b.rs", Err("not UTF-8"))],
            ),
        ];
        for (index, key) in variants.iter().enumerate() {
            assert_ne!(*key, base, "variant {index}");
        }
        assert_ne!(variants[6], variants[7]);
        assert_eq!(
            base,
            workspace_key(
                1,
                Some("2026-11-26"),
                0,
                &[("a.rs", Ok(a)), ("b.rs", Ok(b))]
            )
        );
    }

    #[test]
    fn the_build_identity_includes_what_only_this_machine_knows() {
        let id = build_id().expect("the test binary can be inspected");
        assert_eq!(build_id(), Some(id));
        // size, modification time, then device, inode and status-change time.
        #[cfg(unix)]
        assert_eq!(id.split(':').count(), 5, "{id}");
    }
}
