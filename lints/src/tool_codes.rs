//! The tool's own codes (PS0xx): what it reports about the run itself rather than about
//! the checklist.

use crate::checklist::Level;
use crate::rule::RuleMeta;

pub const PARSE_ERROR: RuleMeta = RuleMeta {
    code: "PS000",
    name: "parse-error",
    checklist_item: None,
    default_level: Level::Deny,
    summary: "A file could not be read or parsed; it was left out of the analysis",
    docs: "## What it does\nReports a file the compiler builds that could not be analysed: \
it could not be read (permissions, not UTF-8, a symbolic link, larger than `--max-file-size`), \
syn could not parse it (nightly-only syntax, invalid code), or it nests deeper than the analysis \
allows. Also reports a module loaded from outside the linted folder (`#[path = \"../x.rs\"]`), \
which is not read, and a Cypher query passed to a query call that could not be analysed: it \
does not parse, or uses syntax the analysis does not read (it names the construct), or, in \
partner context, a node's label is chosen at run time (`MATCH (n:$($label))`, \
`format!(\"MATCH (n:{label})\")`), which hides whether the node is tenant data. The rest of its \
file is analysed. A query that runs in partner context is reported at this code's level; one \
that does not is at most a warning.\n\n\
Which files the compiler builds is decided from the module tree: every target's root file \
that `cargo metadata` names, then `mod` declarations (also those in `cfg_if!` and other macro \
bodies), `#[path]` attributes and `include!`. Those files are analysed even when an ignore \
file, a hidden folder or a nested `Cargo.toml` hides them from the directory walk. A `.rs` \
file no target reaches (test data, fixtures) is analysed too, but when it does not parse that \
is not a finding: the run counts such files on stderr. In a plain folder (no `Cargo.toml`) \
every file counts as built.\n\n\
A `format!` template that does not parse where a hole stands, or right after one \
(`format!(\"MATCH (p:Plan {{id: $id}}) SET {}\", sets.join(\", \"))`), has Cypher structure \
that is decided at run time: no reading of the source can analyse it, so the finding says so \
and names the hole and what fills it, instead of reporting a syntax error.\n\n\
Schema commands (`CREATE [VECTOR|FULLTEXT|TEXT|POINT|RANGE|LOOKUP|BTREE] INDEX`, `CREATE \
CONSTRAINT`, `DROP INDEX|CONSTRAINT`, `SHOW … INDEXES|CONSTRAINTS`) read and write no tenant \
data: they are not analysed and never reported, whatever syntax they use.\n\n\
## Why is this bad?\n\
A file that is not analysed is a file whose defects go unseen: a gate that passed it would \
fail open, so this is `deny` by default and the run goes on with the other files.\n\n\
## Use instead\nFix the file. Write a query whose text varies as one fixed text with \
parameters (`SET p += $changes` for a varying set of properties), or suppress the finding with \
a reason. A project that accepts unanalysed files can lower this code to `warn` in its \
configuration, knowingly.",
    options: &[],
    build: None,
};

pub const SUPPRESSION_WITHOUT_REASON: RuleMeta = RuleMeta {
    code: "PS001",
    name: "suppression-without-reason",
    checklist_item: None,
    default_level: Level::Deny,
    summary:
        "A suppression comment without a reason (or one that cannot be read) suppresses nothing",
    docs: "## What it does\nReports a `// partner-safety: allow(…)` comment that has no \
`reason: …`, or that cannot be read: an unknown form, or an `until:` date that is not a real \
day written `YYYY-MM-DD` (`2099-02-31`, `2027-4-1`). Such a comment suppresses nothing.\n\n\
Only `//` comments are suppressions, as the compiler lexes the file: text in a string or char \
literal, a doc comment and a `/* */` comment never are.\n\n## Why is this bad?\n\
A suppression is a security exception; a reviewer needs to know why it was granted.\n\n\
## Example\n```rust\n// partner-safety: allow(PS104)\n```\n\n## Use instead\n```rust\n\
// partner-safety: allow(PS104) reason: write-only config, never returned by the API\n```",
    options: &[],
    build: None,
};

pub const UNUSED_SUPPRESSION: RuleMeta = RuleMeta {
    code: "PS002",
    name: "unused-suppression",
    checklist_item: None,
    default_level: Level::Warn,
    summary: "A suppression that suppresses nothing, or names an unknown rule",
    docs: "## What it does\nReports a suppression whose code suppressed no finding on the \
line or item it covers, or that names a rule that does not exist.\n\n## Why is this bad?\n\
Stale suppressions hide future findings at that place for no reason.\n\n## Use instead\n\
Remove the suppression, or correct the code.",
    options: &[],
    build: None,
};

pub const INTERNAL_ERROR: RuleMeta = RuleMeta {
    code: "PS003",
    name: "internal-error",
    checklist_item: None,
    default_level: Level::Deny,
    summary: "A rule failed on a file; the run completes but exits with status 2",
    docs: "## What it does\nReports that a rule (or the indexer) failed on a file. The \
other rules and files are still analysed, and the exit status is 2 so the failure is never a \
silent pass.\n\n## Use instead\nPlease report it with the file that triggers it.",
    options: &[],
    build: None,
};

pub const EXPIRED_SUPPRESSION: RuleMeta = RuleMeta {
    code: "PS004",
    name: "expired-suppression",
    checklist_item: None,
    default_level: Level::Deny,
    summary: "A suppression whose `until:` date has passed; it suppresses nothing",
    docs: "## What it does\nReports a suppression with `until: YYYY-MM-DD` once that date has \
passed. It no longer suppresses anything.\n\n## Example\n```rust\n\
// partner-safety: allow(PS102) until: 2025-01-31 reason: migrating cache keys\n```\n\n\
## Use instead\nFix the finding, or renew the suppression with a new date and reason.",
    options: &[],
    build: None,
};
