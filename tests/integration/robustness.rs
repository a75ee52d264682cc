use crate::common::*;

#[test]
fn parse_errors_are_reported_and_the_rest_is_analysed() {
    let dir = workspace(&[
        ("src/broken.rs", "fn main() {\n    let x = ;\n}\n"),
        ("src/lib.rs", LEAKY),
    ]);
    let (code, findings) = short(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(
        findings,
        [
            "src/broken.rs:2:13: deny[PS000 parse-error]: expected an expression",
            "src/lib.rs:4:5: deny[PS104 readable-secret]: secret field `Settings.api_key` is serialized, and `Settings` is returned by `show` in partner context: a partner can read the secret back",
        ]
    );
}

#[test]
fn only_cypher_the_tool_cannot_read_is_a_query_parse_error() {
    let dir = workspace(&[(
        "src/store.rs",
        r#"pub async fn subtree(db: &Pool, id: i64) {
    sqlx::query(r"WITH RECURSIVE subtree AS (SELECT id FROM units WHERE id = $1) SELECT id FROM subtree").bind(id);
}
pub async fn migrate(graph: &Graph) {
    graph.run(query("CREATE VECTOR INDEX vector_index FOR (a:Indexed) ON (a.embedding) OPTIONS {indexConfig: {`vector.dimensions`: 1536}}")).await;
}
pub async fn update(graph: &Graph, set_clauses: Vec<String>) {
    graph.run(query(&format!("MATCH (p:Plan {{id: $id}}) SET {}", set_clauses.join(", ")))).await;
}
pub async fn broken(graph: &Graph) {
    graph.run(query("MATCH (p:Plan RETURN p")).await;
}
"#,
    )]);
    let (code, findings) = short(dir.path(), &[]);
    // No partner context runs these queries: at most a warning (the partner-context twins
    // are deny, in `attacks_queries`).
    assert_eq!(code, 0);
    assert_eq!(
        findings,
        [
            "src/store.rs:8:67: warn[PS000 parse-error]: Cypher query could not be analysed: its text is built at run time at the `{}` filled from `set_clauses.join(\", \")`",
            "src/store.rs:11:36: warn[PS000 parse-error]: Cypher query could not be parsed: unexpected token `RETURN`, expected `)`",
        ]
    );
}

#[test]
fn unreadable_files_are_reported() {
    let dir = workspace(&[("src/lib.rs", LEAKY)]);
    write(dir.path(), "src/latin1.rs", b"// caf\xe9\nfn f() {}\n");
    write(
        dir.path(),
        "src/big.rs",
        format!("// {}\n", "x".repeat(200)).as_bytes(),
    );
    let (code, findings) = short(dir.path(), &["--max-file-size", "150", "-A", "PS104"]);
    assert_eq!(code, 1);
    assert_eq!(
        findings,
        [
            "src/big.rs:1:1: deny[PS000 parse-error]: file is 204 bytes, over the --max-file-size limit of 150 bytes; it was skipped",
            "src/latin1.rs:1:1: deny[PS000 parse-error]: file is not valid UTF-8 (invalid byte at line 1, byte offset 6)",
        ]
    );
    // A project can lower PS000 to warn, knowingly: files it cannot analyse then pass.
    assert_eq!(
        short(
            dir.path(),
            &["--max-file-size", "150", "-A", "PS104", "-W", "PS000"]
        )
        .0,
        0
    );
}

#[test]
fn odd_but_valid_files_are_analysed() {
    let crlf = LEAKY.replace('\n', "\r\n");
    let dir = workspace(&[
        ("src/empty.rs", ""),
        ("src/bom.rs", &format!("\u{feff}{LEAKY}")),
        ("src/crlf.rs", &crlf),
        (
            "src/script.rs",
            &format!("#!/usr/bin/env run-cargo-script\n{LEAKY}"),
        ),
        ("src/binary.rs", "\0\0\u{1}ELF\0"),
    ]);
    let (_, findings) = short(dir.path(), &[]);
    let places: Vec<String> = findings
        .iter()
        .map(|line| line.split(": ").take(2).collect::<Vec<_>>().join(": "))
        .collect();
    assert_eq!(
        places,
        [
            "src/binary.rs:1:1: deny[PS000 parse-error]",
            "src/bom.rs:4:5: deny[PS104 readable-secret]",
            "src/crlf.rs:4:5: deny[PS104 readable-secret]",
            "src/script.rs:5:5: deny[PS104 readable-secret]",
        ]
    );
}

#[test]
fn deep_nesting_never_overflows_the_stack() {
    // Each construct nested about `n` levels deep.
    let depth = |n: usize| {
        [
            format!(
                "fn f() {{ let x = {}1{}; }}\n",
                "(".repeat(n),
                ")".repeat(n)
            ),
            format!("type T = {}u8{};\n", "Vec<".repeat(n), ">".repeat(n)),
            format!("fn f() {{ let x = {}y; }}\n", "!".repeat(n)),
            format!("fn f() {}{}\n", "{".repeat(n), "}".repeat(n)),
            format!(
                "fn f() {{ let x = {}1{}; }}\n",
                "[".repeat(n),
                "]".repeat(n)
            ),
            format!("type T = {}u8;\n", "&".repeat(n)),
            format!("fn f() {{ let c = {}1; }}\n", "|| ".repeat(n / 2)),
        ]
    };
    // Deep but under the limit: parsed and analysed, no crash.
    let shallow: Vec<(String, String)> = depth(3_000)
        .into_iter()
        .enumerate()
        .map(|(i, source)| (format!("src/shallow{i}.rs"), source))
        .collect();
    // Far over it: refused with a diagnostic.
    let deep: Vec<(String, String)> = depth(100_000)
        .into_iter()
        .enumerate()
        .map(|(i, source)| (format!("src/deep{i}.rs"), source))
        .collect();
    let files: Vec<(&str, &str)> = shallow
        .iter()
        .chain(&deep)
        .map(|(p, s)| (p.as_str(), s.as_str()))
        .collect();
    let dir = workspace(&files);
    let (code, findings) = short(dir.path(), &[]);
    assert_eq!(code, 1, "{findings:?}");
    assert_eq!(findings.len(), 7, "{findings:?}");
    for finding in findings {
        assert!(finding.starts_with("src/deep"), "{finding}");
        assert!(
            finding.contains(
                "more than the 8,000 this tool can parse without risking a stack overflow"
            ),
            "{finding}"
        );
    }
}

#[test]
fn long_operator_chains_never_overflow_the_stack() {
    // Flat text, deep trees: `1 + 1 + …` and `x.f().f()…` nest one level per operator.
    let chain = |n: usize| {
        [
            format!("fn f() -> u64 {{ {} }}\n", vec!["1"; n].join(" + ")),
            format!("fn g() {{ x{}; }}\n", ".f()".repeat(n)),
            format!("fn h() {{ let y = a{}; }}\n", "?".repeat(n)),
        ]
    };
    let mut files: Vec<(String, String)> = chain(3_000)
        .into_iter()
        .enumerate()
        .map(|(i, source)| (format!("src/ok{i}.rs"), source))
        .collect();
    files.extend(
        chain(20_000)
            .into_iter()
            .enumerate()
            .map(|(i, source)| (format!("src/long{i}.rs"), source)),
    );
    // A long line of plain data is fine.
    files.push((
        "src/data.rs".into(),
        format!("const S: &str = \"{}\";\n", "a".repeat(500_000)),
    ));
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, s)| (p.as_str(), s.as_str()))
        .collect();
    let dir = workspace(&refs);
    let (code, findings) = short(dir.path(), &[]);
    assert_eq!(code, 1, "{findings:?}");
    let summary: Vec<&str> = findings
        .iter()
        .map(|f| f.split(": ").next().unwrap())
        .collect();
    assert_eq!(
        summary,
        [
            "src/long0.rs:1:19",
            "src/long1.rs:1:11",
            // The statement's chain starts at its `let`.
            "src/long2.rs:1:10"
        ]
    );
    assert!(
        findings
            .iter()
            .all(|f| f.contains("operators, calls, casts or keywords starts here and nests")),
        "{findings:?}"
    );
}

#[test]
fn symlinks_are_never_followed_out_of_the_root() {
    let outside = workspace(&[("secret.rs", LEAKY), ("dir/more.rs", LEAKY)]);
    let dir = workspace(&[("src/lib.rs", "pub fn ok() {}\n")]);
    std::os::unix::fs::symlink(
        outside.path().join("secret.rs"),
        dir.path().join("src/linked.rs"),
    )
    .unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("dir"),
        dir.path().join("src/linked_dir"),
    )
    .unwrap();
    std::os::unix::fs::symlink(dir.path().join("src"), dir.path().join("src/loop")).unwrap();
    let output = run(&[dir.path().to_str().unwrap(), "--format", "json", "-q"]);
    assert_eq!(output.code, 0, "{}", output.stdout);
    assert!(!output.stdout.contains("api_key"), "{}", output.stdout);
    assert!(
        output.stdout.contains("\"findings\": []"),
        "{}",
        output.stdout
    );
}

#[test]
fn never_builds_or_runs_the_linted_project() {
    let marker = tempfile::tempdir().unwrap();
    let marker_file = marker.path().join("ran");
    let build_rs = format!(
        "fn main() {{ std::fs::write({:?}, b\"build script ran\").unwrap(); }}\n",
        marker_file
    );
    let proc_macro = format!(
        "#[proc_macro]\npub fn evil(_: proc_macro::TokenStream) -> proc_macro::TokenStream {{ std::fs::write({:?}, b\"macro ran\").unwrap(); Default::default() }}\n",
        marker_file
    );
    let dir = workspace(&[
        ("Cargo.toml", "[workspace]\nmembers = [\"app\", \"evil\"]\n"),
        ("app/Cargo.toml", "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\nbuild = \"build.rs\"\n[dependencies]\nevil = { path = \"../evil\" }\n"),
        ("app/build.rs", &build_rs),
        ("app/src/lib.rs", &format!("evil::evil!();\n{LEAKY}")),
        ("evil/Cargo.toml", "[package]\nname = \"evil\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[lib]\nproc-macro = true\n"),
        ("evil/src/lib.rs", &proc_macro),
    ]);
    let (code, findings) = short(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(
        findings[0].starts_with("app/src/lib.rs:5:5: deny[PS104"),
        "{findings:?}"
    );
    assert!(!marker_file.exists(), "the linted project's code ran");
    assert!(!dir.path().join("target").exists(), "nothing was built");
}
