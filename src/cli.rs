//! Command-line interface. `cargo partner-safety …` reaches us as
//! `cargo-partner-safety partner-safety …`; `main` drops that extra word.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  cargo partner-safety                         lint the workspace in the current directory
  cargo partner-safety path/to/service         lint another workspace or a plain folder
  cargo partner-safety --manifest-path svc/Cargo.toml
  cargo partner-safety -D all -A PS501         deny every rule except the UI indicator
  cargo partner-safety --format sarif > partner-safety.sarif
  cargo partner-safety --format github         annotations in a GitHub Actions log
  cargo partner-safety --message-format json   cargo's JSON messages, for rust-analyzer and bacon
  cargo partner-safety explain PS104           what a rule flags and how to fix it
  cargo partner-safety rules                   every rule with its level and checklist item
  cargo partner-safety init                    write a partner-safety.toml with every default
  cargo partner-safety --write-baseline partner-safety-baseline.json
  cargo partner-safety --baseline partner-safety-baseline.json    only new findings
  cargo partner-safety --changed-since origin/main                 only changed lines
  cargo partner-safety --diff                  show the automatic fixes; --fix applies them

Exit status: 0 clean or warnings only, 1 a deny-level finding, 2 a usage, config, I/O or
internal error (never 1 for a tool failure).";

#[derive(Debug, Parser)]
#[command(
    name = "cargo-partner-safety",
    bin_name = "cargo partner-safety",
    version,
    about = "Finds tenant-isolation defects in partner (MSP/reseller) features of a Rust workspace",
    after_help = EXAMPLES,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub check: CheckArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show what a rule flags, why, an example, the fix and its options.
    Explain {
        /// A rule code or name: `PS104` or `readable-secret`.
        rule: String,
    },
    /// List every rule with its default level and checklist item.
    Rules {
        /// Output format.
        #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
        format: RulesFormat,
    },
    /// Write a commented partner-safety.toml with every rule, its level and
    /// options at their defaults. Never overwrites an existing file.
    Init {
        /// Folder to write partner-safety.toml into (default: the current directory).
        path: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Table,
    Markdown,
}

#[derive(Clone, Debug, Args)]
pub struct CheckArgs {
    /// Workspace or folder to lint (default: the current directory). The
    /// workspace is found upward as cargo finds it; a folder in no workspace is
    /// linted as plain files.
    pub path: Option<PathBuf>,

    /// Path to the workspace's Cargo.toml, as with cargo (instead of PATH).
    #[arg(long, value_name = "PATH", conflicts_with = "path")]
    pub manifest_path: Option<PathBuf>,

    /// Config file to use instead of partner-safety.toml or
    /// [workspace.metadata.partner-safety] at the workspace root; a file named
    /// Cargo.toml is read for its [workspace.metadata.partner-safety] (or
    /// [package.metadata.partner-safety]) table.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Set a rule (code, name or `all`) to allow. Repeatable; later flags win.
    #[arg(short = 'A', long = "allow", value_name = "RULE")]
    pub allow: Vec<String>,

    /// Set a rule (code, name or `all`) to warn. Repeatable; later flags win.
    #[arg(short = 'W', long = "warn", value_name = "RULE")]
    pub warn: Vec<String>,

    /// Set a rule (code, name or `all`) to deny. Repeatable; later flags win.
    #[arg(short = 'D', long = "deny", value_name = "RULE")]
    pub deny: Vec<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// Cargo's JSON message stream instead of a report (one `compiler-message`
    /// per finding, then `build-finished`), for rust-analyzer's
    /// `check.overrideCommand`, bacon and other cargo-aware tools.
    #[arg(long, value_enum, value_name = "FMT", conflicts_with_all = ["format", "statistics"])]
    pub message_format: Option<MessageFormat>,

    /// When to use colours in human output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Print findings only: no summary line.
    #[arg(short, long)]
    pub quiet: bool,

    /// Files larger than this many bytes are skipped with a PS000 diagnostic.
    #[arg(long, value_name = "BYTES", default_value_t = 10 * 1024 * 1024)]
    pub max_file_size: u64,

    /// Number of threads (default: all cores).
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,

    /// Report only findings that are not in this baseline file (written by
    /// --write-baseline); says how many baselined findings are gone.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Record the current findings in FILE (sorted JSON) and exit 0; no report
    /// is printed.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with_all = ["baseline", "fix", "diff", "changed_since", "format", "message_format", "statistics", "show_suppressed"]
    )]
    pub write_baseline: Option<PathBuf>,

    /// Report only findings on lines changed since the git revision REF
    /// (`git diff REF`, plus untracked files); the analysis still sees the
    /// whole workspace.
    #[arg(long, value_name = "REF")]
    pub changed_since: Option<String>,

    /// Apply machine-applicable fixes to the files, then report what is left.
    #[arg(long, conflicts_with = "diff")]
    pub fix: bool,

    /// Print the machine-applicable fixes as a unified diff; write nothing.
    /// The diff is the whole output, so no report option goes with it.
    #[arg(
        long,
        conflicts_with_all = ["format", "message_format", "statistics", "show_suppressed"]
    )]
    pub diff: bool,

    /// With --fix: also fix files with uncommitted changes in git.
    #[arg(long, requires = "fix")]
    pub allow_dirty: bool,

    /// JSON output: include findings silenced by a suppression comment, with
    /// a `suppressed` field. SARIF always includes them, marked as suppressed;
    /// other formats cannot show them (said on stderr).
    #[arg(long)]
    pub show_suppressed: bool,

    /// Print the number of findings per rule instead of the findings: text,
    /// or JSON with --format json (other formats are refused).
    #[arg(long)]
    pub statistics: bool,

    /// Markdown output: link findings to `URL/PATH#LLINE` (default, in GitHub
    /// Actions: `$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/blob/$GITHUB_SHA`).
    #[arg(long, value_name = "URL")]
    pub link_base: Option<String>,
    /// Index every file afresh and leave the cache alone.
    #[arg(long)]
    pub no_cache: bool,

    /// Parse every function body. By default, in a workspace with no partner model, the
    /// bodies no rule reads are not parsed (the findings are the same; a syntax error inside
    /// such a body is not reported, as the compiler rejects it anyway).
    #[arg(long)]
    pub full_parse: bool,

    /// Where the per-file facts of the last run are kept
    /// [default: $PARTNER_SAFETY_CACHE_DIR, else target/partner-safety/ of the
    /// linted workspace].
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    pub cache_dir: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// miette reports with source snippets (the default).
    Human,
    /// `path:line:col: level[CODE name]: message`, one per line.
    Short,
    /// One JSON object with every finding.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=…`).
    Github,
    /// The checklist, ticked or listing findings, for a pull-request comment.
    Markdown,
    /// JUnit XML: one test case per rule and file.
    Junit,
    /// GitLab Code Quality report (JSON).
    Gitlab,
}

/// `--message-format`, as cargo names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MessageFormat {
    /// One JSON message per line, as `cargo check --message-format json` writes them.
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}
