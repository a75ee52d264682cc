//! Attacks on the parser's stack, time and memory (issue 23, items 4 and 12), each in a crate
//! of its own: the hostile file is a module of the library, so the compiler builds it, and it
//! carries the canary. Either the file is analysed (the canary is found) or it is refused with
//! a deny PS000 that says what to change; either way the gate fails (exit 1), and nothing
//! crashes. Ordinary flat code that the old byte-level estimate refused is analysed.
//!
//! Sizes here are just beyond each limit, so the suite stays fast; the sizes of the issue
//! (300,000 `[0]`, a million `()`, 40,000 `else if` arms, files of 10 MB) run with time and
//! memory bounds in `partner-safety-bench stress` (README, Performance).

use crate::common::*;

/// Always a deny finding when its file is analysed: a secret in a type that a function in
/// partner context returns (R7).
const CANARY: &str = "#[derive(serde::Serialize)] pub struct Creds { pub api_key: String } pub fn show(ctx: PartnerContext) -> Creds { todo!() }\n";

/// The canary's finding on `line` of `src/{module}.rs`.
fn canary_at(module: &str, line: usize) -> String {
    format!("src/{module}.rs:{line}:48: deny[PS104 readable-secret]: secret field `Creds.api_key` is serialized, and `Creds` is returned by `{module}::show` in partner context: a partner can read the secret back")
}

fn refused(path: &str, line: usize, column: usize, message: &str) -> String {
    format!("{path}:{line}:{column}: deny[PS000 parse-error]: {message}")
}

/// The guard's message for a chain of `chain` operators nesting `levels` deep.
fn chain(chain: &str, levels: &str) -> String {
    format!("a chain of {chain} operators, calls, casts or keywords starts here and nests {levels} levels deep, more than the 8,000 this tool can parse without risking a stack overflow; split it into smaller expressions (with `let` bindings or helper functions)")
}

/// A crate whose library declares each module (`mod name;` in `src/lib.rs`, which is
/// otherwise clean) with the given text, linted with `--format short`.
fn lint_modules(modules: &[(&str, String)]) -> Output {
    let declarations: String = modules
        .iter()
        .map(|(name, _)| format!("mod {name};\n"))
        .collect();
    let mut files = vec![
        ("Cargo.toml".to_string(), MANIFEST.to_string()),
        ("src/lib.rs".to_string(), declarations),
    ];
    files.extend(
        modules
            .iter()
            .map(|(name, text)| (format!("src/{name}.rs"), text.clone())),
    );
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(path, text)| (path.as_str(), text.as_str()))
        .collect();
    let dir = workspace(&refs);
    run(&[dir.path().to_str().unwrap(), "--format", "short"])
}

fn findings(output: &Output) -> Vec<&str> {
    output.stdout.lines().collect()
}

/// `let _ = {expr};` in a function, on line 2; the canary on line 4.
fn statement(expr: &str) -> String {
    format!("fn main() {{\n    let _ = {expr};\n}}\n{CANARY}")
}

#[test]
fn an_array_of_520_comparisons_is_analysed() {
    // The byte-level estimate counted every `<` as a generic opening: 520 levels, refused.
    let output = lint_modules(&[(
        "flags",
        format!(
            "const FLAGS: [bool; 520] = [{}];\n{CANARY}",
            "a < 1, ".repeat(520)
        ),
    )]);
    assert_eq!(findings(&output), [canary_at("flags", 2)]);
    assert_eq!(output.code, 1);
}

#[test]
fn a_chain_of_513_additions_is_analysed_and_one_past_the_limit_is_refused() {
    let sum = |terms: usize| format!("const N: u64 = {};\n{CANARY}", vec!["1"; terms].join(" + "));
    let output = lint_modules(&[("long", sum(9_001)), ("sum", sum(514))]);
    assert_eq!(
        findings(&output),
        [
            refused("src/long.rs", 1, 1, &chain("9,003", "9,003")),
            canary_at("sum", 2),
        ]
    );
    // The refused file carries a deny finding of its own: the gate fails on it alone.
    assert_eq!(output.code, 1);
}

#[test]
fn an_index_chain_after_let_is_refused_where_it_starts() {
    // The 300,000 `[0]` aborted the process; the stress bench runs that size.
    let output = lint_modules(&[
        ("deep", statement(&format!("a{}", "[0]".repeat(10_000)))),
        ("shallow", statement(&format!("a{}", "[0]".repeat(1_000)))),
    ]);
    assert_eq!(
        findings(&output),
        [
            refused("src/deep.rs", 2, 5, &chain("10,002", "10,006")),
            canary_at("shallow", 4),
        ]
    );
    assert_eq!(output.code, 1);
}

#[test]
fn a_chain_of_calls_is_refused_where_it_starts() {
    // The million `()` aborted the process; the stress bench runs that size.
    let output = lint_modules(&[
        ("deep", statement(&format!("f{}", "()".repeat(10_000)))),
        ("shallow", statement(&format!("f{}", "()".repeat(1_000)))),
    ]);
    assert_eq!(
        findings(&output),
        [
            refused("src/deep.rs", 2, 5, &chain("10,002", "10,006")),
            canary_at("shallow", 4),
        ]
    );
    assert_eq!(output.code, 1);
}

#[test]
fn a_chain_of_casts_is_refused_where_it_starts() {
    let output = lint_modules(&[
        ("deep", statement(&format!("1{}", " as u8".repeat(10_000)))),
        (
            "shallow",
            statement(&format!("1{}", " as u8".repeat(1_000))),
        ),
    ]);
    assert_eq!(
        findings(&output),
        [
            refused("src/deep.rs", 2, 5, &chain("10,002", "10,005")),
            canary_at("shallow", 4),
        ]
    );
    assert_eq!(output.code, 1);
}

#[test]
fn a_long_else_if_chain_is_analysed_and_ifs_nested_in_else_blocks_are_refused() {
    // 20,000 arms took 45 s; the stress bench times 10,000 to 40,000.
    let arms: String = (1..10_000)
        .map(|arm| format!(" else if x == {arm} {{ {arm} }}"))
        .collect();
    let chain = format!(
        "pub fn f(x: u32) -> u32 {{\n    if x == 0 {{ 0 }}{arms} else {{ 1 }}\n}}\n{CANARY}"
    );
    // Written with blocks, each `if` is inside the `else` before it: real nesting.
    let nested = format!(
        "pub fn f(x: u32) -> u32 {{\n    {} 1 {}\n}}\n{CANARY}",
        "if x == 0 { 0 } else {".repeat(9_000),
        "}".repeat(9_000)
    );
    let output = lint_modules(&[("chain", chain), ("nested", nested)]);
    // The body is the first level, each `else` block one more: the 8,000th `if` (22
    // characters each) opens the 8,001st.
    assert_eq!(
        findings(&output),
        [
            canary_at("chain", 4),
            refused("src/nested.rs", 2, 5 + 22 * 7_999, "brackets, blocks, generics or closures nest at least 8,001 levels deep here (this is the innermost), more than the 8,000 this tool can parse without risking a stack overflow; move the inner parts into their own functions, types or `let` bindings"),
        ]
    );
    assert_eq!(output.code, 1);
}

#[test]
fn a_syntax_tree_too_large_for_memory_is_refused_and_split_code_is_analysed() {
    // The file of 10 MB of `a = a;` peaked at 2.7 GB; one function of them is one
    // syntax tree. The same statements in functions of 10,000 are parsed one run at a time.
    let one_function = format!(
        "fn main() {{\n{}}}\n{CANARY}",
        "    a = a;\n".repeat(130_000)
    );
    let functions: String = (0..13)
        .map(|n| format!("fn f{n}() {{\n{}}}\n", "    a = a;\n".repeat(10_000)))
        .collect();
    let output = lint_modules(&[
        ("many", format!("{functions}{CANARY}")),
        ("one", one_function),
    ]);
    assert_eq!(
        findings(&output),
        [
            canary_at("many", 130_000 + 2 * 13 + 1),
            refused("src/one.rs", 1, 1, "this item has 520,004 tokens, more than the 500,000 this tool parses in one item (its syntax tree could exhaust memory); split it into smaller items"),
        ]
    );
    assert_eq!(output.code, 1);
}

#[test]
fn text_that_is_not_rust_tokens_says_what_and_where() {
    // proc-macro2's "cannot parse string into token stream" said neither.
    let output = lint_modules(&[
        (
            "brackets",
            format!("fn f() {{\n    let a = (1;\n}}\n{CANARY}"),
        ),
        ("comment", format!("{CANARY}fn f() {{}}\n/* a /* b */\n")),
        (
            "string",
            format!("fn f() {{\n    let s = \"abc;\n}}\n{CANARY}"),
        ),
    ]);
    assert_eq!(
        findings(&output),
        [
            refused("src/brackets.rs", 3, 1, "this `}` does not close the `(` opened at line 2, column 13, which needs a `)` first"),
            refused("src/comment.rs", 3, 1, "this block comment is never closed: no `*/` ends it (block comments nest, so each `/*` inside needs its own `*/`)"),
            refused("src/string.rs", 2, 13, "this string literal is never closed: no `\"` ends it"),
        ]
    );
    assert_eq!(output.code, 1);
}

/// Each shape at three sizes in one crate: under the limits analysed (the canary found in
/// every file), over them refused, never a crash.
#[test]
fn growing_inputs_are_analysed_or_refused_never_a_crash() {
    type Shape = fn(usize) -> String;
    let shapes: [(&str, Shape); 8] = [
        ("else_if", |n| {
            let arms: String = (1..n)
                .map(|a| format!(" else if x == {a} {{ {a} }}"))
                .collect();
            format!("fn f(x: u32) -> u32 {{ if x == 0 {{ 0 }}{arms} else {{ 1 }} }}\n")
        }),
        ("index", |n| {
            format!("fn f() {{ let _ = a{}; }}\n", "[0]".repeat(n))
        }),
        ("calls", |n| {
            format!("fn f() {{ let _ = f{}; }}\n", "()".repeat(n))
        }),
        ("casts", |n| {
            format!("fn f() {{ let _ = 1{}; }}\n", " as u8".repeat(n))
        }),
        ("and", |n| {
            let terms: Vec<String> = (0..n).map(|i| format!("a{i} > {i}")).collect();
            format!("fn f() -> bool {{ {} }}\n", terms.join(" && "))
        }),
        ("statements", |n| {
            format!("fn f() {{\n{}}}\n", "    a = a;\n".repeat(n * 4))
        }),
        // Runs of joined `<` (qualified paths never closed: not Rust at any size, but the
        // parser recurses once per `<` before it finds out) and `||` (closures without
        // parameters): each `<` and each `||` is a level, not the whole run one operator.
        ("angles", |n| format!("fn f() -> {} {{}}\n", "<".repeat(n))),
        ("pipes", |n| {
            format!("fn f() {{ let _ = {} 0; }}\n", "||".repeat(n))
        }),
    ];
    let mut modules = Vec::new();
    for (name, shape) in shapes {
        for size in [100, 1_000, 10_000] {
            modules.push((format!("{name}_{size}"), format!("{}{CANARY}", shape(size))));
        }
    }
    let refs: Vec<(&str, String)> = modules
        .iter()
        .map(|(name, text)| (name.as_str(), text.clone()))
        .collect();
    let output = lint_modules(&refs);
    assert_eq!(output.code, 1, "{}", output.stderr);
    let files = |code: &str| -> Vec<&str> {
        findings(&output)
            .into_iter()
            .filter(|finding| finding.contains(code))
            .filter_map(|finding| finding.split(':').next())
            .collect()
    };
    // `x == n` is one level per arm, a `&&` two: only the 10,000-long chains are too deep;
    // every `else if` chain is analysed. The runs of `<` are syntax errors at every size.
    assert_eq!(
        files("[PS000 "),
        [
            "src/and_10000.rs",
            "src/angles_100.rs",
            "src/angles_1000.rs",
            "src/angles_10000.rs",
            "src/calls_10000.rs",
            "src/casts_10000.rs",
            "src/index_10000.rs",
            "src/pipes_10000.rs"
        ]
    );
    assert_eq!(files("[PS104 ").len(), modules.len() - 8);
    let too_deep: Vec<&str> = findings(&output)
        .into_iter()
        .filter(|finding| finding.starts_with("src/angles_10000.rs:"))
        .collect();
    assert!(
        too_deep.len() == 1 && too_deep[0].contains("levels deep"),
        "{too_deep:?}"
    );
}
