//! Output the linted tree cannot forge (RULES.md R11): string literals, Cypher text and
//! file names written by an untrusted pull request reach messages and paths, and must
//! reach no output as a control character, a line break, a terminal escape, a GitHub
//! Actions workflow command or live Markdown.

use crate::common::*;
use serde_json::Value;
use std::path::Path;

/// Queries whose Cypher text (after Rust's escapes) holds the attacks; the parse
/// error quotes the backtick-quoted name, attack and all.
const HOSTILE_QUERIES: &str = r##"
async fn newline(graph: &Graph) {
    graph.run(query("MATCH (n) RETURN n `\n::error file=x::forged` `x`")).await;
}
async fn crlf(graph: &Graph) {
    graph.run(query("MATCH (n) RETURN n `\r\n::add-mask::hunter2` `x`")).await;
}
async fn markup(graph: &Graph) {
    graph.run(query("MATCH (n) RETURN n `\u{1b}[31m <img src=x onerror=alert(1)> @octocat https://evil.example www.evil.example mail@evil.example #1 ![i](https://evil.example/i.png) ##[add-mask]hunter2 %0A` `x`")).await;
}
async fn stop(graph: &Graph) {
    graph.run(query("MATCH (n) RETURN n `\n::stop-commands::tok` `x`")).await;
}
"##;

/// A query with the escapes written raw into the file: the snippet shows them.
fn raw_query() -> String {
    "async fn raw(graph: &Graph) {\n    graph.run(query(\"MATCH (n) RETURN n `\u{1b}]0;pwned\u{7}\u{1b}[2J \u{202e}evil` `x`\")).await;\n}\n"
        .to_string()
}

/// File names the attack chose (a deny finding in each).
const HOSTILE_NAMES: [&str; 4] = [
    "src/a\n::error file=x::forged\u{1b}[2J.rs",
    "::warning::z.rs",
    "src/p%0A::stop-commands::t,u.rs",
    "src/\u{202e}bidi.rs",
];

fn hostile_workspace() -> tempfile::TempDir {
    let dir = workspace(&[("src/lib.rs", &format!("{HOSTILE_QUERIES}{}", raw_query()))]);
    for name in HOSTILE_NAMES {
        write(dir.path(), name, LEAKY.as_bytes());
    }
    dir
}

const FORMATS: [&str; 8] = [
    "human", "short", "json", "sarif", "github", "markdown", "junit", "gitlab",
];

fn lint(dir: &Path, format: &str, extra: &[&str]) -> Output {
    let mut args = vec![dir.to_str().unwrap(), "--format", format, "--no-cache"];
    args.extend_from_slice(extra);
    let output = run(&args);
    assert!(
        output.code == 0 || output.code == 1,
        "{format}: exit {}: {}",
        output.code,
        output.stderr
    );
    output
}

/// Characters no output may hold raw: controls other than the line feed, the line
/// and paragraph separators, bidirectional controls and zero-width characters.
fn forbidden(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(
            c,
            '\u{2028}'
                | '\u{2029}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{200b}'..='\u{200f}'
                | '\u{feff}'
        )
}

fn assert_no_raw_controls(text: &str, context: &str) {
    let raw: Vec<(usize, char)> = text.char_indices().filter(|(_, c)| forbidden(*c)).collect();
    assert!(raw.is_empty(), "{context}: raw {raw:?} in\n{text}");
}

/// What the Actions runner would run: a line starting (after white space) with `::`,
/// or `##[` anywhere. `ours` is the `github` format, whose every line is one of our
/// annotations.
fn assert_no_forged_commands(text: &str, ours: bool, context: &str) {
    for line in text.lines() {
        let command = line.trim_start().starts_with("::");
        if ours {
            assert!(
                line.starts_with("::error file=") || line.starts_with("::warning file="),
                "{context}: not one of our annotations: {line:?}"
            );
        } else {
            assert!(!command, "{context}: forged command: {line:?}");
        }
        assert!(!line.contains("##["), "{context}: legacy command: {line:?}");
    }
}

#[test]
fn no_format_lets_the_source_write_controls_or_workflow_commands() {
    let dir = hostile_workspace();
    for format in FORMATS {
        let output = lint(dir.path(), format, &["--color", "never"]);
        assert_no_raw_controls(&output.stdout, format);
        assert_no_raw_controls(&output.stderr, format);
        assert_no_forged_commands(&output.stdout, format == "github", format);
        assert_no_forged_commands(&output.stderr, false, format);
        // Every hostile file and query was reported, not dropped.
        assert!(!output.stdout.contains("hunter2\n"), "{format}");
    }
}

#[test]
fn text_formats_show_the_attack_escaped() {
    let dir = hostile_workspace();
    let short = lint(dir.path(), "short", &[]).stdout;
    for shown in [
        "src/a\\n::error file=x::forged\\u{1b}[2J.rs:4:5: deny[PS104 readable-secret]",
        // A file name at the start of a line cannot start a command.
        "\\u{3a}:warning::z.rs:4:5: deny[PS104 readable-secret]",
        "src/\\u{202e}bidi.rs:4:5: deny[PS104",
        "unexpected token ``\\n::error file=x::forged``",
        "unexpected token ``\\r\\n::add-mask::hunter2``",
        "``\\u{1b}[31m <img src=x onerror=alert(1)> @octocat https://evil.example",
        "##\\u{5b}add-mask]hunter2 %0A``",
        "unexpected token ``\\u{1b}]0;pwned\\u{7}\\u{1b}[2J \\u{202e}evil``",
    ] {
        assert!(short.contains(shown), "{shown:?} not in\n{short}");
    }
    assert_eq!(short.lines().count(), 9, "{short}");
}

#[test]
fn github_annotations_cannot_be_forged() {
    let dir = hostile_workspace();
    let github = lint(dir.path(), "github", &["-q"]).stdout;
    // One annotation per finding, whatever the text held.
    assert_eq!(github.lines().count(), 9, "{github}");
    for expected in [
        // `:` and `,` escaped in the file property; `%` first, so `%0A` stays text.
        "::error file=src/p%250A%3A%3Astop-commands%3A%3At%2Cu.rs,line=4,col=5,title=PS104::",
        "::error file=%3A%3Awarning%3A%3Az.rs,line=4,col=5,title=PS104::",
        "::error file=src/a\\n%3A%3Aerror file=x%3A%3Aforged\\u{1b}[2J.rs,line=4,col=5,title=PS104::",
        "title=PS000::Cypher query could not be parsed: unexpected token ``\\n::stop-commands::tok``",
        "##\\u{5b}add-mask]hunter2 %250A``",
    ] {
        assert!(github.contains(expected), "{expected:?} not in\n{github}");
    }
}

#[test]
fn the_human_report_escapes_the_snippet_and_keeps_spans_on_it() {
    let dir = hostile_workspace();
    let plain = lint(dir.path(), "human", &["--color", "never"]).stdout;
    assert!(!plain.contains('\u{1b}'), "{plain}");
    // The snippet line shows the escapes, and the underline still starts under the
    // backtick the parser stopped at and spans the escaped name.
    let line = plain
        .lines()
        .find(|line| line.contains("graph.run(query(") && line.contains("pwned"))
        .expect("the raw query's snippet line");
    let name = "`\\u{1b}]0;pwned\\u{7}\\u{1b}[2J \\u{202e}evil`";
    let start = line.find(name).unwrap();
    let lines: Vec<&str> = plain.lines().collect();
    let at = lines.iter().position(|l| *l == line).unwrap();
    let underline = lines[at + 1];
    let column = |text: &str, byte: usize| text[..byte].chars().count();
    let first_mark = underline.find('─').unwrap();
    let marks = underline.chars().filter(|c| matches!(c, '─' | '┬')).count();
    assert_eq!(
        column(underline, first_mark),
        column(line, start),
        "{line}\n{underline}"
    );
    assert_eq!(marks, name.chars().count(), "{line}\n{underline}");
    // Message, path and fix help are escaped too.
    for shown in [
        "[src/a\\n::error file=x::forged\\u{1b}[2J.rs:4:5]",
        "fix: insert `#[serde(skip_serializing)]` at src/a\\n::error file=x::forged\\u{1b}[2J.rs:4:5",
    ] {
        assert!(plain.contains(shown), "{shown:?} not in\n{plain}");
    }
}

#[test]
fn with_colour_the_only_escape_sequences_are_the_reports_own() {
    let dir = hostile_workspace();
    let coloured = lint(dir.path(), "human", &["--color", "always"]).stdout;
    // Every ESC starts a select-graphic-rendition sequence (`ESC [ … m`); once they are
    // taken out, nothing raw is left.
    let mut rest = coloured.as_str();
    let mut stripped = String::new();
    let mut sequences = 0;
    while let Some(at) = rest.find('\u{1b}') {
        stripped.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let end = after
            .strip_prefix('[')
            .and_then(|body| body.find('m').map(|end| (body, end)))
            .filter(|(body, end)| body[..*end].chars().all(|c| c.is_ascii_digit() || c == ';'))
            .map(|(_, end)| end + 2);
        let Some(end) = end else {
            panic!(
                "an escape that is not a colour: {:?}",
                &rest[at..(at + 12).min(rest.len())]
            );
        };
        sequences += 1;
        rest = &after[end..];
    }
    stripped.push_str(rest);
    assert!(sequences > 0, "no colour at all:\n{coloured}");
    assert_no_raw_controls(&stripped, "human --color always");
    assert!(
        stripped.contains("\\u{1b}]0;pwned\\u{7}\\u{1b}[2J"),
        "{stripped}"
    );
}

/// The part of a Markdown line GitHub renders as text: outside code spans (a run of
/// n backticks opens a span that the next run of exactly n closes), with backslash
/// escapes taken out.
fn live_text(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let run_at = |at: usize| chars[at..].iter().take_while(|c| **c == '`').count();
    let mut live = String::new();
    let mut at = 0;
    while at < chars.len() {
        match chars[at] {
            '\\' if chars.get(at + 1).is_some_and(|c| c.is_ascii_punctuation()) => at += 2,
            '`' => {
                let length = run_at(at);
                let mut close = at + length;
                let end = loop {
                    if close >= chars.len() {
                        break None;
                    }
                    if chars[close] == '`' {
                        let found = run_at(close);
                        if found == length {
                            break Some(close + found);
                        }
                        close += found;
                    } else {
                        close += 1;
                    }
                };
                match end {
                    Some(end) => at = end,
                    None => {
                        live.extend(&chars[at..at + length]);
                        at += length;
                    }
                }
            }
            c => {
                live.push(c);
                at += 1;
            }
        }
    }
    live
}

#[test]
fn the_markdown_comment_has_no_live_markup_mention_or_link() {
    let dir = hostile_workspace();
    let markdown = lint(dir.path(), "markdown", &[]).stdout;
    let findings: Vec<&str> = markdown
        .lines()
        .filter(|line| line.starts_with("  - ") || line.starts_with("- `"))
        .collect();
    assert_eq!(findings.len(), 9, "{markdown}");
    for line in findings {
        // After `` `CODE` name: ``, the message.
        let code = line.find(" `PS").expect("the code");
        let message = &line[code..][line[code..].find(": ").unwrap() + 2..];
        let live = live_text(message);
        for markup in [
            "<", ">", "[", "]", "@", "://", "www.", "*", "_", "|", "~", "$",
        ] {
            assert!(
                !live.contains(markup),
                "{markup:?} is live in {message:?} ({live:?})"
            );
        }
        for (at, _) in live.match_indices('&') {
            let entity = &live[at..];
            assert!(
                ["&lt;", "&gt;", "&amp;", "&#96;"]
                    .iter()
                    .any(|e| entity.starts_with(e)),
                "a raw `&` in {message:?}"
            );
        }
        let text = live.replace("&#96;", "`");
        assert!(
            !text.contains('#') && !text.to_ascii_lowercase().contains("gh-"),
            "a reference is live in {message:?}"
        );
        // The place is a code span too: what is left is the list item and the level.
        let place = live_text(&line[..code]);
        let place: Vec<&str> = place.split_whitespace().collect();
        assert!(
            place == ["-", "**deny**"] || place == ["-", "warn"],
            "{line}"
        );
    }
    // Shown, in code spans.
    for shown in [
        "`@octocat`",
        "`https://evil.example`",
        "`mail@evil.example`",
        "`#1`",
    ] {
        assert!(markdown.contains(shown), "{shown} not in\n{markdown}");
    }
    assert!(
        markdown.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{markdown}"
    );
}

#[test]
fn json_formats_keep_the_data_and_write_nothing_raw() {
    let dir = hostile_workspace();
    let json: Value = serde_json::from_str(&lint(dir.path(), "json", &[]).stdout).unwrap();
    let findings = json["findings"].as_array().unwrap();
    // The data is the file's name and the parser's message, byte for byte.
    let paths: Vec<&str> = findings.iter().filter_map(|f| f["path"].as_str()).collect();
    for name in HOSTILE_NAMES {
        assert!(paths.contains(&name), "{name:?} not in {paths:?}");
    }
    assert!(findings.iter().any(|f| f["message"]
        .as_str()
        .unwrap()
        .contains("``\n::error file=x::forged``")));
    let sarif_text = lint(dir.path(), "sarif", &[]).stdout;
    let sarif: Value = serde_json::from_str(&sarif_text).unwrap();
    let schema: Value =
        serde_json::from_str(include_str!("../data/sarif-schema-2.1.0.json")).unwrap();
    let validator = jsonschema::draft4::new(&schema).expect("the schema compiles");
    assert!(validator.is_valid(&sarif));
    // An image link quoted from the source is no embedded link in SARIF.
    assert!(
        sarif_text.contains(r"!\\[i](https://evil.example/i.png)"),
        "{sarif_text}"
    );
    let gitlab: Value = serde_json::from_str(&lint(dir.path(), "gitlab", &[]).stdout).unwrap();
    let issues = gitlab.as_array().unwrap();
    assert!(issues
        .iter()
        .any(|issue| issue["location"]["path"] == HOSTILE_NAMES[0]));
    assert!(issues.iter().any(|issue| issue["description"]
        .as_str()
        .unwrap()
        .contains("``\\n::error file=x::forged``")));
}

#[test]
fn fix_messages_on_stderr_escape_the_file_name() {
    let dir = hostile_workspace();
    let output = lint(dir.path(), "short", &["--fix", "--allow-dirty"]);
    assert!(
        output
            .stderr
            .contains("fixed src/a\\n::error file=x::forged\\u{1b}[2J.rs:4: PS104"),
        "{}",
        output.stderr
    );
    assert_no_raw_controls(&output.stderr, "--fix");
    assert_no_forged_commands(&output.stderr, false, "--fix");
}

#[test]
fn config_errors_quoting_the_tree_are_escaped() {
    // A rule name holding an escape and a line that would start a command, and a raw
    // escape in a comment: the message and the snippet show them escaped.
    for (config, shown) in [
        (
            "[rules]\n\"x\\u001b[31m\\n::error::forged\" = \"deny\"\n",
            "unknown rule `x\\u{1b}[31m\\n::error::forged`",
        ),
        ("# \u{1b}[2J\n[rules]\n", " 1 │ # \\u{1b}[2J"),
    ] {
        let dir = workspace(&[("partner-safety.toml", config), ("src/lib.rs", LEAKY)]);
        let output = run(&[dir.path().to_str().unwrap(), "--color", "never"]);
        assert_eq!(output.code, 2, "{}", output.stderr);
        assert_no_raw_controls(&output.stderr, "config error");
        assert_no_forged_commands(&output.stderr, false, "config error");
        assert!(
            output.stderr.contains(shown),
            "{shown:?} not in\n{}",
            output.stderr
        );
    }
}

#[test]
fn a_diff_that_would_carry_controls_into_the_log_is_not_shown() {
    let forged = "#[derive(Serialize)]\npub struct Settings {\n    pub api_key: String,\n}\nconst BANNER: &str = \"\u{1b}[2J##[add-mask]x\";\n";
    let dir = workspace(&[("src/lib.rs", forged), ("src/clean.rs", LEAKY)]);
    let output = run(&[dir.path().to_str().unwrap(), "--diff", "-q"]);
    assert_no_raw_controls(&output.stdout, "--diff stdout");
    assert!(!output.stdout.contains("##["), "{}", output.stdout);
    // The clean file's patch is shown as it is; the other is named on stderr.
    assert!(
        output.stdout.contains("+++ b/src/clean.rs"),
        "{}",
        output.stdout
    );
    assert!(!output.stdout.contains("src/lib.rs"), "{}", output.stdout);
    assert!(
        output.stderr.contains(
            "warning: the diff for src/lib.rs is not shown: it holds control characters or text a CI log would run as a command; `--fix` applies it"
        ),
        "{}",
        output.stderr
    );
}
