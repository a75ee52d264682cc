//! Running git on the repository that holds the linted workspace, and nothing else.
//!
//! The linted tree is untrusted. A pull request cannot commit a `.git` entry, but it can
//! commit a folder that looks like a bare repository (`HEAD`, `objects/`, `refs/`, and a
//! `config` with `core.fsmonitor = "any command"` and `core.worktree`); git's own discovery
//! from a folder inside the tree would take that folder for the repository and run its
//! command. So the repository is found here, as the nearest folder at or above the root
//! with a `.git` entry, and named to git explicitly (`--git-dir`, `--work-tree`: no
//! discovery happens). Settings that could start a program are turned off for every call
//! (`core.fsmonitor`, hooks, pagers, external diff and text conversion, and
//! `safe.bareRepository=explicit` in case anything discovers after all), and the argument
//! list is fixed by the caller, never built from the tree's content.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The git repository that holds a workspace root.
#[derive(Debug, Clone)]
pub struct Repository {
    /// The work tree's top folder.
    pub top: PathBuf,
    /// Its `.git` folder, or the `.git` file of a linked work tree or submodule.
    git_dir: PathBuf,
}

impl Repository {
    /// The repository whose work tree holds `root`, if any: the nearest folder at or
    /// above `root` that has a `.git` entry.
    pub fn enclosing(root: &Path) -> Option<Repository> {
        root.ancestors().find_map(|folder| {
            let git_dir = folder.join(".git");
            std::fs::symlink_metadata(&git_dir).ok()?;
            Some(Repository {
                top: folder.to_path_buf(),
                git_dir,
            })
        })
    }

    /// Runs `git <args>` from `cwd` (inside the work tree) on this repository only.
    pub fn run(&self, cwd: &Path, args: &[&str]) -> std::io::Result<Output> {
        let mut git_dir = std::ffi::OsString::from("--git-dir=");
        git_dir.push(&self.git_dir);
        let mut work_tree = std::ffi::OsString::from("--work-tree=");
        work_tree.push(&self.top);
        Command::new("git")
            .arg(git_dir)
            .arg(work_tree)
            .args(HARDENING)
            .arg("--no-pager")
            .args(args)
            .current_dir(cwd)
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_OPTIONAL_LOCKS", "0")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_EXTERNAL_DIFF")
            .env_remove("GIT_PAGER")
            .env_remove("PAGER")
            .output()
    }
}

/// `-c` settings for every call: nothing git reads may start a program.
const HARDENING: &[&str] = &[
    "-c",
    "core.fsmonitor=false",
    "-c",
    "core.hooksPath=/dev/null",
    "-c",
    "core.pager=cat",
    "-c",
    "diff.external=",
    "-c",
    "safe.bareRepository=explicit",
    "-c",
    "core.untrackedCache=false",
    "-c",
    "core.quotePath=false",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repository_is_the_nearest_one_at_or_above_the_root() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".git")).unwrap();
        std::fs::create_dir_all(dir.path().join("svc/src")).unwrap();
        let repository = Repository::enclosing(&dir.path().join("svc/src")).unwrap();
        assert_eq!(repository.top, dir.path());
        // A folder that only looks like a bare repository is not a `.git` entry.
        for part in ["HEAD", "config"] {
            std::fs::write(dir.path().join("svc").join(part), "x").unwrap();
        }
        std::fs::create_dir_all(dir.path().join("svc/objects")).unwrap();
        std::fs::create_dir_all(dir.path().join("svc/refs")).unwrap();
        let repository = Repository::enclosing(&dir.path().join("svc")).unwrap();
        assert_eq!(repository.top, dir.path());
    }
}
