//! The GitHub Action (`action.yml`) run as a runner would run it: its steps in order,
//! its `${{ }}` expressions filled from a pull request or push event, its shell steps
//! (`.github/action/run.sh`) under bash with GitHub's variables and files, against real
//! git repositories. The two `uses:` steps (the cache and the SARIF upload) are recorded,
//! not run. Building the tool is the one thing replaced: a `cargo` on PATH answers
//! `cargo install` by linking the binary this test run built.
//!
//! action.yml is read with PyYAML from the virtualenv the pre-commit test makes (it comes
//! with pre-commit); without python3 the test is skipped, never in CI.

use crate::common::*;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A YAML file of this repository as JSON.
fn yaml(path: &str) -> Option<Value> {
    let venv = crate::pre_commit::pre_commit_venv()?;
    let output = Command::new(venv.join("python"))
        .args([
            "-c",
            "import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)",
        ])
        .arg(repo_root().join(path))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(serde_json::from_slice(&output.stdout).unwrap())
}

fn action_definition() -> Option<Value> {
    yaml("action.yml")
}

fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(["-c", "protocol.file.allow=always"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

const OLD_LEAK: &str = "#[derive(Serialize)]\npub struct Smtp {\n    pub password: String,\n}\npub fn smtp(ctx: PartnerContext) -> Smtp { todo!() }\n";
const NEW_LEAK: &str = "#[derive(Serialize)]\npub struct Stripe {\n    pub api_key: String,\n}\npub fn stripe(ctx: PartnerContext) -> Stripe { todo!() }\n";

/// The runner's side of one job: the event, the folders, and what the steps left.
struct Job {
    /// `$GITHUB_WORKSPACE`: the checkouts live under it.
    workspace: tempfile::TempDir,
    /// `$RUNNER_TEMP` and `$RUNNER_TOOL_CACHE` (kept between jobs to test the cache).
    runner: PathBuf,
    event_name: &'static str,
    event: Value,
    inputs: HashMap<String, String>,
    fake_bin: PathBuf,
}

/// What running the action did.
#[derive(Debug)]
struct Ran {
    /// The exit status of each shell step, by step id (or position).
    statuses: Vec<(String, i32)>,
    log: String,
    summary: String,
    outputs: HashMap<String, HashMap<String, String>>,
    /// `uses:` steps that ran, with their `with:` filled in.
    used: Vec<(String, HashMap<String, String>)>,
    cargo_calls: Vec<String>,
}

impl Ran {
    fn status(&self, id: &str) -> i32 {
        self.statuses
            .iter()
            .find(|(step, _)| step == id)
            .unwrap_or_else(|| panic!("step {id} did not run: {self:#?}"))
            .1
    }

    fn output(&self, step: &str, name: &str) -> &str {
        self.outputs
            .get(step)
            .and_then(|outputs| outputs.get(name))
            .map_or("", String::as_str)
    }

    fn uploaded(&self) -> Option<&HashMap<String, String>> {
        self.used
            .iter()
            .find(|(uses, _)| uses.starts_with("github/codeql-action/upload-sarif@"))
            .map(|(_, with)| with)
    }

    fn annotations(&self) -> Vec<&str> {
        self.log
            .lines()
            .filter(|line| line.starts_with("::error file=") || line.starts_with("::warning file="))
            .collect()
    }
}

impl Job {
    fn new(event_name: &'static str, event: Value) -> Job {
        let workspace = tempfile::tempdir().unwrap();
        let runner = workspace.path().join("_runner");
        std::fs::create_dir_all(runner.join("temp")).unwrap();
        std::fs::create_dir_all(runner.join("tool-cache")).unwrap();
        let fake_bin = runner.join("fake-bin");
        std::fs::create_dir_all(&fake_bin).unwrap();
        // `cargo install` links the binary under test; anything else goes to cargo.
        let fake_cargo = fake_bin.join("cargo");
        std::fs::write(
            &fake_cargo,
            "#!/bin/sh\n\
             if [ \"$1\" = install ]; then\n\
             \x20 printf '%s\\n' \"$*\" >> \"$FAKE_CARGO_LOG\"\n\
             \x20 root=''\n\
             \x20 while [ $# -gt 0 ]; do [ \"$1\" = --root ] && root=\"$2\"; shift; done\n\
             \x20 mkdir -p \"$root/bin\" && ln -sf \"$TOOL_BINARY\" \"$root/bin/cargo-partner-safety\"\n\
             \x20 exit 0\n\
             fi\n\
             exec \"$REAL_CARGO\" \"$@\"\n",
        )
        .unwrap();
        make_executable(&fake_cargo);
        Job {
            workspace,
            runner,
            event_name,
            event,
            inputs: HashMap::new(),
            fake_bin,
        }
    }

    fn with(mut self, input: &str, value: &str) -> Job {
        self.inputs.insert(input.to_string(), value.to_string());
        self
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.workspace.path().join(relative)
    }

    /// Runs the action's steps as the runner does.
    fn run(&self, action: &Value) -> Ran {
        let mut inputs: HashMap<String, String> = HashMap::new();
        for (name, spec) in action["inputs"].as_object().unwrap() {
            let default = spec["default"].as_str().unwrap_or("").to_string();
            inputs.insert(name.clone(), default);
        }
        for (name, value) in &self.inputs {
            assert!(
                inputs.contains_key(name),
                "action.yml has no input `{name}`"
            );
            inputs.insert(name.clone(), value.clone());
        }
        let summary_file = self.runner.join("summary.md");
        let path_file = self.runner.join("path.txt");
        let cargo_log = self.runner.join("cargo-calls.txt");
        for file in [&summary_file, &path_file, &cargo_log] {
            std::fs::write(file, "").unwrap();
        }
        let event_file = self.runner.join("event.json");
        std::fs::write(&event_file, self.event.to_string()).unwrap();
        let context = Context {
            inputs: &inputs,
            event: &self.event,
        };
        let mut ran = Ran {
            statuses: Vec::new(),
            log: String::new(),
            summary: String::new(),
            outputs: HashMap::new(),
            used: Vec::new(),
            cargo_calls: Vec::new(),
        };
        let mut failed = false;
        let mut extra_path: Vec<PathBuf> = Vec::new();
        let steps = action["runs"]["steps"].as_array().unwrap();
        assert_eq!(action["runs"]["using"], "composite");
        for (index, step) in steps.iter().enumerate() {
            let id = step["id"]
                .as_str()
                .map_or_else(|| format!("step{index}"), str::to_string);
            if !context.condition(step["if"].as_str(), failed, &ran.outputs) {
                continue;
            }
            if let Some(uses) = step["uses"].as_str() {
                let mut with = HashMap::new();
                for (name, value) in step["with"].as_object().into_iter().flatten() {
                    let value = context.fill(value.as_str().unwrap(), &ran.outputs);
                    with.insert(name.clone(), value);
                }
                ran.used.push((uses.to_string(), with));
                continue;
            }
            assert_eq!(step["shell"], "bash", "{id}");
            let script = step["run"].as_str().unwrap();
            assert!(
                !script.contains("${{"),
                "{id}: an expression in a script's text"
            );
            let output_file = self.runner.join(format!("output-{index}.txt"));
            std::fs::write(&output_file, "").unwrap();
            let path_var = std::env::join_paths(
                extra_path
                    .iter()
                    .cloned()
                    .chain([self.fake_bin.clone()])
                    .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
            )
            .unwrap();
            let mut command = Command::new("bash");
            command
                .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
                .current_dir(self.workspace.path())
                .env_clear()
                .env("PATH", path_var)
                .env("HOME", std::env::var_os("HOME").unwrap_or_default())
                .env("CI", "true")
                .env("GITHUB_ACTIONS", "true")
                .env("GITHUB_ACTION_PATH", repo_root())
                .env("GITHUB_WORKSPACE", self.workspace.path())
                .env("GITHUB_EVENT_NAME", self.event_name)
                .env("GITHUB_EVENT_PATH", &event_file)
                .env("GITHUB_REPOSITORY", "acme/portal")
                .env("GITHUB_ACTOR", "octocat")
                .env("GITHUB_OUTPUT", &output_file)
                .env("GITHUB_PATH", &path_file)
                .env("GITHUB_STEP_SUMMARY", &summary_file)
                .env("RUNNER_TEMP", self.runner.join("temp"))
                .env("RUNNER_TOOL_CACHE", self.runner.join("tool-cache"))
                // The tool asks cargo for the workspace layout; the fake stands in for
                // `cargo install` only.
                .env(
                    "REAL_CARGO",
                    std::env::var_os("CARGO").unwrap_or("cargo".into()),
                )
                .env("CARGO", std::env::var_os("CARGO").unwrap_or("cargo".into()))
                .env("TOOL_BINARY", env!("CARGO_BIN_EXE_cargo-partner-safety"))
                .env("FAKE_CARGO_LOG", &cargo_log)
                .env("PARTNER_SAFETY_TODAY", "2026-11-26")
                .env("PARTNER_SAFETY_CACHE_DIR", cache_dir());
            for (name, value) in step["env"].as_object().into_iter().flatten() {
                command.env(name, context.fill(value.as_str().unwrap(), &ran.outputs));
            }
            let output = command.output().unwrap();
            ran.log.push_str(&String::from_utf8_lossy(&output.stdout));
            ran.log.push_str(&String::from_utf8_lossy(&output.stderr));
            let status = output.status.code().unwrap_or(-1);
            ran.statuses.push((id.clone(), status));
            let written = std::fs::read_to_string(&output_file).unwrap();
            let outputs = ran.outputs.entry(id.clone()).or_default();
            for line in written.lines() {
                let (name, value) = line.split_once('=').expect("name=value");
                outputs.insert(name.to_string(), value.to_string());
            }
            extra_path = std::fs::read_to_string(&path_file)
                .unwrap()
                .lines()
                .rev()
                .map(PathBuf::from)
                .collect();
            if status != 0 {
                failed = true;
            }
        }
        ran.summary = std::fs::read_to_string(&summary_file).unwrap();
        ran.cargo_calls = std::fs::read_to_string(&cargo_log)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
        ran
    }
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// The parts of GitHub's expression language that action.yml uses.
struct Context<'a> {
    inputs: &'a HashMap<String, String>,
    event: &'a Value,
}

impl Context<'_> {
    fn value(
        &self,
        expression: &str,
        outputs: &HashMap<String, HashMap<String, String>>,
    ) -> String {
        let parts: Vec<&str> = expression.trim().split('.').collect();
        match parts.as_slice() {
            ["inputs", name] => self.inputs[*name].clone(),
            ["steps", step, "outputs", name] => outputs
                .get(*step)
                .and_then(|outputs| outputs.get(*name))
                .cloned()
                .unwrap_or_default(),
            ["runner", "os"] => "Linux".into(),
            ["runner", "arch"] => "X64".into(),
            ["github", "event", rest @ ..] => {
                let mut value = self.event;
                for key in rest {
                    value = &value[*key];
                }
                value.as_str().unwrap_or("").to_string()
            }
            _ => panic!("an expression this runner does not know: {expression}"),
        }
    }

    fn fill(&self, text: &str, outputs: &HashMap<String, HashMap<String, String>>) -> String {
        let mut filled = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${{") {
            let end = rest[start..].find("}}").unwrap() + start;
            filled.push_str(&rest[..start]);
            filled.push_str(&self.value(&rest[start + 3..end], outputs));
            rest = &rest[end + 2..];
        }
        filled.push_str(rest);
        filled
    }

    /// `if:` as `&&` of `!cancelled()`, `always()`, `success()` and `a == 'b'`; without a
    /// status function, `success()` is implied.
    fn condition(
        &self,
        condition: Option<&str>,
        failed: bool,
        outputs: &HashMap<String, HashMap<String, String>>,
    ) -> bool {
        let Some(condition) = condition else {
            return !failed;
        };
        let condition = condition
            .trim()
            .trim_start_matches("${{")
            .trim_end_matches("}}");
        let mut status_function = false;
        let mut holds = true;
        for term in condition.split("&&").map(str::trim) {
            match term {
                "!cancelled()" | "always()" => status_function = true,
                "success()" => {
                    status_function = true;
                    holds &= !failed;
                }
                comparison => {
                    let (left, right) = comparison.split_once("==").expect("a comparison");
                    let right = right.trim().trim_matches('\'');
                    holds &= self.value(left, outputs) == right;
                }
            }
        }
        holds && (status_function || !failed)
    }
}

/// A repository with the service in `server/svc`: the base commit has an old leak, the
/// head commit adds a new one. Returns (repository, base commit).
fn service_repository(at: &Path) -> String {
    write(at, "README.md", b"portal\n");
    write(at, "server/svc/Cargo.toml", MANIFEST.as_bytes());
    write(at, "server/svc/src/lib.rs", b"mod old;\n");
    write(at, "server/svc/src/old.rs", OLD_LEAK.as_bytes());
    git(at, &["init", "-q"]);
    git(at, &["add", "-A"]);
    git(at, &["commit", "-q", "-m", "base"]);
    let base = git(at, &["rev-parse", "HEAD"]);
    write(at, "server/svc/src/lib.rs", b"mod old;\nmod new;\n");
    write(at, "server/svc/src/new.rs", NEW_LEAK.as_bytes());
    git(at, &["add", "-A"]);
    git(at, &["commit", "-q", "-m", "head"]);
    base
}

fn pull_request(base: &str, head_repository: &str) -> Value {
    json!({
        "pull_request": {
            "base": { "sha": base, "ref": "main" },
            "head": { "repo": { "full_name": head_repository } },
        }
    })
}

const NEW_ANNOTATION: &str = "::error file=server/svc/src/new.rs,line=3,col=5,title=PS104::secret field `Stripe.api_key` is serialized, and `Stripe` is returned by `new::stripe` in partner context: a partner can read the secret back (readable-secret)";
const OLD_ANNOTATION: &str = "::error file=server/svc/src/old.rs,line=3,col=5,title=PS104::secret field `Smtp.password` is serialized, and `Smtp` is returned by `old::smtp` in partner context: a partner can read the secret back (readable-secret)";

#[test]
fn a_pull_request_is_gated_on_its_changes_and_its_sarif_uploaded() {
    let Some(action) = action_definition() else {
        return;
    };
    let job = Job::new("pull_request", json!(null));
    let head = job.path("head");
    let base = service_repository(&head);
    let job = Job {
        event: pull_request(&base, "acme/portal"),
        ..job
    }
    .with("path", "head/server/svc")
    .with("changed-since", "base");
    let ran = job.run(&action);

    // Built once, from the action's own checkout, with its lock file.
    let key = ran.output("build-key", "key");
    assert_eq!(key.len(), 32, "{ran:#?}");
    let root = job.runner.join("tool-cache/partner-safety").join(key);
    assert_eq!(
        ran.output("build-key", "install-root"),
        root.to_str().unwrap()
    );
    assert_eq!(
        ran.cargo_calls,
        [format!(
            "install --locked --path {} --root {}",
            repo_root().display(),
            root.display()
        )]
    );
    let cache = &ran.used[0];
    assert!(cache.0.starts_with("actions/cache@"));
    assert_eq!(cache.1["path"], root.to_str().unwrap());
    assert_eq!(cache.1["key"], format!("partner-safety-Linux-X64-{key}"));

    // The gate: only the finding the pull request brings, by its repository path.
    assert_eq!(ran.status("check"), 1, "{}", ran.log);
    assert_eq!(ran.output("check", "exit-status"), "1");
    assert_eq!(ran.annotations(), [NEW_ANNOTATION], "{}", ran.log);
    assert!(
        ran.summary.contains(&format!(
            "Only findings in code this change touched (`--changed-since {base}`)."
        )),
        "{}",
        ran.summary
    );
    assert!(ran
        .summary
        .contains("## partner-safety: Partner Feature Safety Checklist"));
    assert!(
        ran.summary.contains("`server/svc/src/new.rs:3`"),
        "{}",
        ran.summary
    );
    assert!(!ran.summary.contains("old.rs"), "{}", ran.summary);

    // Code scanning gets every finding (it compares with the base branch itself), after
    // the failed check step.
    let uploaded = ran.uploaded().expect("the SARIF upload ran");
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(&uploaded["sarif_file"]).unwrap()).unwrap();
    let uris: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|result| {
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(uris, ["server/svc/src/new.rs", "server/svc/src/old.rs"]);
    assert_eq!(uploaded["category"], "partner-safety");
    assert_eq!(
        uploaded["checkout_path"],
        head.canonicalize().unwrap().to_str().unwrap()
    );

    // A second job with the runner's tool cache kept does not build again.
    let again = job.run(&action);
    assert_eq!(again.cargo_calls, Vec::<String>::new());
    assert!(
        again.log.contains("using the cached build"),
        "{}",
        again.log
    );
    assert_eq!(again.status("check"), 1);
}

#[test]
fn a_pull_request_from_a_fork_uploads_nothing_and_is_still_gated() {
    let Some(action) = action_definition() else {
        return;
    };
    let job = Job::new("pull_request", json!(null));
    let base = service_repository(&job.path("head"));
    let job = Job {
        event: pull_request(&base, "someone/portal"),
        ..job
    }
    .with("path", "head/server/svc");
    let ran = job.run(&action);
    assert_eq!(ran.status("check"), 1);
    assert!(ran.uploaded().is_none(), "{ran:#?}");
    assert_eq!(ran.output("check", "upload"), "false");
    assert!(ran.log.contains(
        "::notice title=partner-safety::SARIF not uploaded to code scanning: a pull request from the fork someone/portal has a read-only token"
    ), "{}", ran.log);
    // Without changed-since, every finding.
    assert_eq!(ran.annotations(), [NEW_ANNOTATION, OLD_ANNOTATION]);
    assert!(ran.summary.contains("`server/svc/src/old.rs:3`"));
}

#[test]
fn a_push_has_no_base_so_every_finding_is_reported() {
    let Some(action) = action_definition() else {
        return;
    };
    let job = Job::new("push", json!({ "before": "0000000", "after": "x" }))
        .with("path", "head/server/svc")
        .with("changed-since", "base");
    service_repository(&job.path("head"));
    let ran = job.run(&action);
    assert_eq!(ran.status("check"), 1, "{}", ran.log);
    assert!(ran.log.contains(
        "::notice title=partner-safety::no pull request base on a push event: every finding is reported"
    ), "{}", ran.log);
    assert_eq!(ran.annotations(), [NEW_ANNOTATION, OLD_ANNOTATION]);
    assert!(!ran.summary.contains("Only findings"), "{}", ran.summary);
    assert!(ran.uploaded().is_some());
}

#[test]
fn a_shallow_checkout_fetches_the_base_commit() {
    let Some(action) = action_definition() else {
        return;
    };
    let job = Job::new("pull_request", json!(null));
    let upstream = job.path("upstream");
    let base = service_repository(&upstream);
    let origin = job.path("origin.git");
    git(
        job.workspace.path(),
        &[
            "clone",
            "-q",
            "--bare",
            upstream.to_str().unwrap(),
            origin.to_str().unwrap(),
        ],
    );
    git(
        &origin,
        &["config", "uploadpack.allowReachableSHA1InWant", "true"],
    );
    let url = format!("file://{}", origin.display());
    git(
        job.workspace.path(),
        &["clone", "-q", "--depth", "1", &url, "head"],
    );
    let head = job.path("head");
    let missing = Command::new("git")
        .args(["cat-file", "-e", &format!("{base}^{{commit}}")])
        .current_dir(&head)
        .output()
        .unwrap();
    assert!(!missing.status.success(), "the clone is shallow");
    let job = Job {
        event: pull_request(&base, "acme/portal"),
        ..job
    }
    .with("path", "head/server/svc")
    .with("changed-since", "base");
    let ran = job.run(&action);
    assert_eq!(ran.status("check"), 1, "{}", ran.log);
    assert_eq!(ran.annotations(), [NEW_ANNOTATION], "{}", ran.log);
}

#[test]
fn a_check_that_cannot_run_fails_and_uploads_no_sarif() {
    let Some(action) = action_definition() else {
        return;
    };
    let job = Job::new("push", json!({}))
        .with("path", "head/server/svc")
        .with("config", "base");
    service_repository(&job.path("head"));
    write(
        &job.path("base"),
        "partner-safety.toml",
        b"[rules]\nPS104 = \"fatal\"\n",
    );
    let ran = job.run(&action);
    assert_eq!(ran.status("check"), 2, "{}", ran.log);
    assert_eq!(ran.output("check", "exit-status"), "2");
    assert_eq!(ran.output("check", "sarif-file"), "");
    assert_eq!(ran.output("check", "upload"), "false");
    assert!(ran.uploaded().is_none(), "{ran:#?}");
    assert!(ran.annotations().is_empty());
    assert!(ran.log.contains(
        "::error title=partner-safety::the check could not run (exit status 2); see the messages above"
    ), "{}", ran.log);
    assert!(
        ran.summary
            .starts_with("## partner-safety: the check could not run\n\nExit status 2:"),
        "{}",
        ran.summary
    );
    // No SARIF file is left where the upload would look.
    let leftover: Vec<_> = walk_files(&job.runner.join("temp"))
        .into_iter()
        .filter(|file| file.extension().is_some_and(|ext| ext == "sarif"))
        .collect();
    assert_eq!(leftover, Vec::<PathBuf>::new());
}

fn walk_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk_files(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn findings_beyond_what_github_annotates_are_all_in_the_summary() {
    let Some(action) = action_definition() else {
        return;
    };
    let job = Job::new("push", json!({})).with("path", "head");
    let head = job.path("head");
    let mut lib = String::new();
    for index in 0..12 {
        lib.push_str(&format!("mod leak{index:02};\n"));
        write(
            &head,
            &format!("src/leak{index:02}.rs"),
            format!(
                "#[derive(Serialize)]\npub struct Leak{index} {{\n    pub api_key: String,\n}}\npub fn leak{index}(ctx: PartnerContext) -> Leak{index} {{ todo!() }}\n"
            )
            .as_bytes(),
        );
    }
    write(&head, "src/lib.rs", lib.as_bytes());
    write(&head, "Cargo.toml", MANIFEST.as_bytes());
    git(&head, &["init", "-q"]);
    let ran = job.run(&action);
    assert_eq!(ran.status("check"), 1, "{}", ran.log);
    assert_eq!(ran.annotations().len(), 12);
    assert!(ran.summary.starts_with(
        "> **Note:** 12 errors and 0 warnings were annotated; GitHub shows at most\n> 10 of each per step on the pull request. Every finding is listed below and in\n> the step's log.\n\n## partner-safety"
    ), "{}", ran.summary);
    for index in 0..12 {
        assert!(
            ran.summary.contains(&format!("`src/leak{index:02}.rs:3`")),
            "{index}: {}",
            ran.summary
        );
    }
}

#[test]
fn the_base_branch_configuration_and_baseline_are_the_ones_used() {
    let Some(action) = action_definition() else {
        return;
    };
    // The pull request turns the rule off.
    let job = Job::new("push", json!({})).with("path", "head");
    let head = job.path("head");
    write(&head, "Cargo.toml", MANIFEST.as_bytes());
    write(&head, "src/lib.rs", NEW_LEAK.as_bytes());
    write(
        &head,
        "partner-safety.toml",
        b"[rules]\nPS104 = \"allow\"\n",
    );
    git(&head, &["init", "-q"]);
    let trusting = job.run(&action);
    assert_eq!(
        trusting.status("check"),
        0,
        "its own config wins: {}",
        trusting.log
    );

    // The base branch has no configuration and no baseline: defaults, every finding.
    std::fs::create_dir_all(job.path("base")).unwrap();
    let pinned = job
        .with("config", "base")
        .with("baseline", "base/partner-safety-baseline.json");
    let ran = pinned.run(&action);
    assert_eq!(ran.status("check"), 1, "{}", ran.log);
    assert!(ran.log.contains(
        "::notice title=partner-safety::no configuration at base: the rules run at their default levels"
    ), "{}", ran.log);
    assert!(ran.log.contains(
        "::warning title=partner-safety::baseline base/partner-safety-baseline.json not found: every finding is reported"
    ), "{}", ran.log);
    assert_eq!(ran.annotations().len(), 1);

    // The base branch's own configuration, in Cargo.toml metadata, is read from there.
    write(
        &pinned.path("base"),
        "Cargo.toml",
        b"[package]\nname = \"sample\"\nversion = \"0.1.0\"\n\n[package.metadata.partner-safety.rules]\nPS104 = \"warn\"\n",
    );
    let from_metadata = pinned.run(&action);
    assert_eq!(from_metadata.status("check"), 0, "{}", from_metadata.log);
    assert_eq!(
        from_metadata.annotations(),
        ["::warning file=src/lib.rs,line=3,col=5,title=PS104::secret field `Stripe.api_key` is serialized, and `Stripe` is returned by `stripe` in partner context: a partner can read the secret back (readable-secret)"]
    );
}

#[test]
fn the_documented_workflow_gates_on_the_base_branchs_configuration_and_baseline() {
    let (Some(action), Some(workflow)) = (action_definition(), yaml("docs/github-actions.yml"))
    else {
        return;
    };
    let job = &workflow["jobs"]["partner-safety"];
    assert_eq!(
        job["permissions"],
        json!({ "contents": "read", "security-events": "write", "actions": "read" })
    );
    let steps = job["steps"].as_array().unwrap();
    let checkouts: Vec<&Value> = steps
        .iter()
        .filter(|step| step["uses"] == "actions/checkout@v4")
        .collect();
    assert_eq!(checkouts[0]["with"], json!({ "path": "head" }));
    let base_checkout = &checkouts[1]["with"];
    assert_eq!(base_checkout["path"], "base");
    assert_eq!(
        base_checkout["ref"],
        "${{ github.event.pull_request.base.sha || github.sha }}"
    );
    let sparse: Vec<&str> = base_checkout["sparse-checkout"]
        .as_str()
        .unwrap()
        .lines()
        .collect();
    assert_eq!(
        sparse,
        [
            "/partner-safety.toml",
            "/Cargo.toml",
            "/partner-safety-baseline.json"
        ]
    );
    let action_step = steps
        .iter()
        .find(|step| {
            step["uses"]
                .as_str()
                .unwrap_or("")
                .starts_with("OWNER/partner-safety@")
        })
        .unwrap();
    assert_eq!(action_step["uses"], "OWNER/partner-safety@COMMIT");

    // The base branch: an old finding, baselined. The pull request adds a finding, turns
    // the rule off in its own partner-safety.toml and baselines its finding too.
    let mut job = Job::new("pull_request", json!(null));
    let head = job.path("head");
    write(&head, "Cargo.toml", MANIFEST.as_bytes());
    write(&head, "src/lib.rs", b"mod old;\n");
    write(&head, "src/old.rs", OLD_LEAK.as_bytes());
    let write_baseline = |dir: &Path| {
        let baseline = dir.join("partner-safety-baseline.json");
        let written = run(&[
            dir.to_str().unwrap(),
            "--write-baseline",
            baseline.to_str().unwrap(),
        ]);
        assert_eq!(written.code, 0, "{}", written.stderr);
    };
    write_baseline(&head);
    git(&head, &["init", "-q"]);
    git(&head, &["add", "-A"]);
    git(&head, &["commit", "-q", "-m", "base"]);
    let base = git(&head, &["rev-parse", "HEAD"]);
    write(&head, "src/lib.rs", b"mod old;\nmod new;\n");
    write(&head, "src/new.rs", NEW_LEAK.as_bytes());
    write_baseline(&head);
    write(
        &head,
        "partner-safety.toml",
        b"[rules]\nPS104 = \"allow\"\n",
    );
    git(&head, &["add", "-A"]);
    git(&head, &["commit", "-q", "-m", "head"]);
    // What the sparse checkout of the base commit leaves in base/.
    for path in &sparse {
        let path = path.trim_start_matches('/');
        let shown = Command::new("git")
            .args(["show", &format!("{base}:{path}")])
            .current_dir(&head)
            .output()
            .unwrap();
        if shown.status.success() {
            write(&job.path("base"), path, &shown.stdout);
        }
    }
    assert!(job.path("base/partner-safety-baseline.json").is_file());
    assert!(!job.path("base/partner-safety.toml").exists());

    job.event = pull_request(&base, "acme/portal");
    for (input, value) in action_step["with"].as_object().unwrap() {
        job = job.with(input, value.as_str().unwrap());
    }
    let ran = job.run(&action);
    assert_eq!(ran.status("check"), 1, "{}", ran.log);
    assert_eq!(
        ran.annotations(),
        ["::error file=src/new.rs,line=3,col=5,title=PS104::secret field `Stripe.api_key` is serialized, and `Stripe` is returned by `new::stripe` in partner context: a partner can read the secret back (readable-secret)"],
        "{}",
        ran.log
    );
    assert!(ran.log.contains("baseline: 1 finding in"), "{}", ran.log);
    assert!(ran.uploaded().is_some());
}
