use super::indexer::syntax_facts;
use super::*;
use crate::positions::LineIndex;
use crate::source::with_fast_spans;
use std::sync::Arc;

fn index(source: &str) -> FileFacts {
    index_file("src/lib.rs".into(), source.into())
}

#[test]
fn test_code_is_what_only_the_test_harness_builds() {
    let facts = index(
        r#"fn production() {}
#[cfg(test)]
mod tests { fn helper() {} }
#[test]
fn unit() {}
#[tokio::test]
async fn integration() {}
#[cfg(any(test, feature = "fixtures"))]
fn shared() {}
#[cfg(not(test))]
fn not_test() {}
mod tests_by_name { fn helper() {} }
#[cfg(test)]
mod support;
mod api;
impl Server { #[test] fn method_test() {} fn method() {} }
"#,
    );
    let test_functions: Vec<&str> = facts
        .functions
        .iter()
        .filter(|function| facts.is_test_code(function.span.start))
        .map(|function| function.name.as_str())
        .collect();
    assert_eq!(
        test_functions,
        ["helper", "unit", "integration", "method_test"]
    );
    let test_links: Vec<bool> = facts
        .module_links
        .iter()
        .map(|link| link.test_only)
        .collect();
    assert_eq!(test_links, [true, false]);
}

/// The look at a literal's token never rules out a literal that reads as Cypher: every
/// clause keyword, in any case, after whitespace, comments and escapes, plain or raw.
#[test]
fn literal_look_ahead_keeps_every_query() {
    use crate::cypher::literal_may_be_cypher;
    let keywords = [
        "MATCH",
        "UNWIND",
        "WITH",
        "CALL",
        "RETURN",
        "FOREACH",
        "USE",
        "CREATE",
        "MERGE",
        "OPTIONAL MATCH",
        "LOAD CSV",
    ];
    let mut values = Vec::new();
    for keyword in keywords {
        for word in [keyword.to_owned(), keyword.to_lowercase()] {
            for lead in ["", "  ", "\n\t ", "\u{a0}", "// c\n", "/* c */ "] {
                values.push(format!("{lead}{word} (n) RETURN n"));
            }
        }
    }
    values.extend(["SELECT 1", "user logged in", "", "{} items", "42", "-- x"].map(String::from));
    let mut queries = 0;
    for value in &values {
        for token in [format!("{value:?}"), format!("r#\"{value}\"#")] {
            let literal: syn::LitStr = syn::parse_str(&token).unwrap();
            let cypher = crate::cypher::looks_like_cypher(&literal.value());
            queries += usize::from(cypher);
            assert!(!cypher || literal_may_be_cypher(&token), "{token}");
        }
    }
    assert!(queries > 200, "{queries}");
    // An escape first: the decoded text decides.
    assert!(literal_may_be_cypher(r#""\u{4d}ATCH (n)""#));
    assert!(literal_may_be_cypher(r#""MA\u{54}CH (n)""#));
    for token in [
        r#""SELECT 1""#,
        r#""Failed to load tenant""#,
        r#""matches: {}""#,
        r#""""#,
        r#""42""#,
    ] {
        assert!(!literal_may_be_cypher(token), "{token}");
    }
}

#[test]
fn cypher_literals_found_through_escapes_and_raw_strings() {
    let facts = index(
        r##"
            //! Failed to load
            //! MATCH (n) RETURN n
            const A: &str = "\nMATCH (t:Tenant) RETURN t";
            const B: &str = r#"  // why
                CREATE (n:Note)"#;
            const C: &str = "\u{4d}ATCH (n) RETURN n";
            const D: &str = "match made in heaven";
            const E: &str = "user logged in";
            /// MATCH (n) RETURN n
            /** CREATE (n) */
            struct Documented;
            "##,
    );
    let found: Vec<&str> = facts
        .cypher_literals
        .iter()
        .map(|span| &facts.text[span.range()])
        .collect();
    assert_eq!(
        found,
        [
            "//! MATCH (n) RETURN n",
            "\"\\nMATCH (t:Tenant) RETURN t\"",
            "r#\"  // why\n                CREATE (n:Note)\"#",
            "\"\\u{4d}ATCH (n) RETURN n\"",
            "\"match made in heaven\"",
            "/// MATCH (n) RETURN n",
            "/** CREATE (n) */",
        ]
    );
}

#[test]
fn collects_fields_derives_and_serde_attributes() {
    let facts = index(
        r#"
            #[derive(Debug, serde::Serialize)]
            #[cfg_attr(feature = "x", derive(Clone))]
            pub struct Settings {
                #[serde(rename = "apiKey", skip_serializing_if = "Option::is_none")]
                pub api_key: Option<String>,
                #[serde(skip_serializing)]
                password: String,
                #[serde(serialize_with = "redact")]
                token: String,
            }
            "#,
    );
    assert_eq!(facts.problem, None);
    let ty = &facts.types[0];
    let derive_names: Vec<_> = ty.derives.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(derive_names, ["Debug", "Serialize", "Clone"]);
    assert_eq!(ty.fields[0].serde.rename.as_deref(), Some("apiKey"));
    assert!(!ty.fields[0].serde.never_serialized());
    assert_eq!(ty.fields[0].ty.name(), Some("Option"));
    assert_eq!(ty.fields[0].ty.args()[0].name(), Some("String"));
    assert!(ty.fields[1].serde.skip_serializing);
    assert_eq!(ty.fields[2].serde.serialize_with.as_deref(), Some("redact"));
    let span = ty.fields[0].span;
    assert_eq!(&facts.text[span.range()], "pub api_key: Option<String>");
}

#[test]
fn trait_impls_record_revealing_self_field_reads_only() {
    let facts = index(
        r#"
            impl std::fmt::Debug for Settings {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    write!(f, "{} {}", self.name, self.password.is_some())?;
                    let Self { region, token: _, .. } = self;
                    f.debug_struct("S").field("key", &self.api_key.len())
                        .field("pass", &self.pass.as_ref().map(|_| format_args!("***")))
                        .field("user", &self.user.as_ref().map(|u| u.len()))
                        .finish()
                }
            }
            "#,
    );
    let imp = &facts.trait_impls[0];
    assert_eq!(imp.trait_name, "Debug");
    assert_eq!(imp.self_type, "Settings");
    assert_eq!(imp.self_field_reads, ["name", "region", "user"]);
}

#[test]
fn imports_expand_names_to_their_paths() {
    let facts = index(
        "use redis::{aio::ConnectionManager, Commands as _, self};\nuse moka::future::Cache as MokaCache;\nuse fred::prelude::*;\nfn f() { use std::collections::HashMap; }",
    );
    let expand = |name: &str| facts.expand_path(&[Name::from(name)]).join("::");
    assert_eq!(expand("ConnectionManager"), "redis::aio::ConnectionManager");
    assert_eq!(expand("MokaCache"), "moka::future::Cache");
    assert_eq!(expand("redis"), "redis");
    assert_eq!(expand("HashMap"), "std::collections::HashMap");
    assert_eq!(expand("Client"), "Client");
    let globs: Vec<String> = facts.glob_imports().map(|path| path.join("::")).collect();
    assert_eq!(globs, ["fred::prelude"]);
}

#[test]
fn literals_through_a_use_alias_take_the_imported_name() {
    let literal_names = |source: &str| -> Vec<String> {
        index(source).functions[0]
            .struct_literals
            .iter()
            .map(|literal| literal.type_name.to_string())
            .collect()
    };
    assert_eq!(
        literal_names(
            "use crate::services::LicenseAuditEntry as ServiceAuditEntry;\nuse crate::services as svc;\nfn f() { ServiceAuditEntry { a: 1 }; svc::LicenseAuditEntry { a: 1 }; svc::ServiceAuditEntry { a: 1 }; LicenseAuditEntry { a: 1 }; }"
        ),
        ["LicenseAuditEntry", "LicenseAuditEntry", "ServiceAuditEntry", "LicenseAuditEntry"]
    );
    // A type of the alias's name defined in the file may be the one meant.
    assert_eq!(
        literal_names(
            "fn f() { ServiceAuditEntry { a: 1 }; }\npub struct ServiceAuditEntry { a: u8 }\nmod old { use crate::services::LicenseAuditEntry as ServiceAuditEntry; }"
        ),
        ["ServiceAuditEntry"]
    );
}

#[test]
fn parse_errors_point_at_syn_error() {
    let facts = index("fn main() {\n    let x = ;\n}\n");
    let problem = facts.problem.clone().expect("a parse error");
    assert_eq!(problem.message, "expected an expression");
    assert_eq!(facts.line_col(problem.span.start).line, 2);
}

/// Every construct the depth guard counts, nested `n` deep.
fn nested(n: usize) -> Vec<(&'static str, String)> {
    let r = |text: &str, count: usize| text.repeat(count);
    let body = |expr: String| format!("fn main() {{ let _ = {expr}; }}\n");
    vec![
        ("parentheses", body(format!("{}a{}", r("(", n), r(")", n)))),
        ("brackets", body(format!("{}a{}", r("[", n), r("]", n)))),
        ("blocks", body(format!("{}a{}", r("{", n), r("}", n)))),
        ("if", body(format!("{}a{}", r("if a { ", n), r(" }", n)))),
        (
            "if conditions",
            body(format!("{}a{}", r("if ", n), r(" {}", n))),
        ),
        (
            "match",
            body(format!("{}a{}", r("match a { _ => ", n), r(" }", n))),
        ),
        ("loops", body(format!("{}a{}", r("loop { ", n), r(" }", n)))),
        ("closures", body(format!("{}a", r("|| ", n)))),
        (
            "closures with parameters",
            body(format!("{}a", r("|x, y| ", n))),
        ),
        ("move closures", body(format!("{}a", r("move |x| ", n)))),
        (
            "closure blocks",
            body(format!("{}a{}", r("|| { ", n), r(" }", n))),
        ),
        ("return", body(format!("{}a", r("return ", n)))),
        (
            "break with a label",
            body(format!("{}a", r("break 'a ", n))),
        ),
        ("not", body(format!("{}a", r("!", n)))),
        ("negation", body(format!("{}a", r("- ", n)))),
        ("dereference", body(format!("{}a", r("*", n)))),
        ("references", body(format!("{}a", r("&", n)))),
        ("mutable references", body(format!("{}a", r("&mut ", n)))),
        ("ranges", body(format!("{}a", r(".. ", n)))),
        ("additions", body(format!("a{}", r(" + a", n)))),
        ("conjunctions", body(format!("a{}", r(" && a", n)))),
        (
            "assignments",
            format!("fn main() {{ a{} = a; }}\n", r(" = a", n)),
        ),
        ("method calls", body(format!("a{}", r(".f(x)", n)))),
        ("fields", body(format!("a{}", r(".f", n)))),
        ("tuple fields", body(format!("a{}", r(".0.1", n)))),
        ("indexing", body(format!("a{}", r("[0]", n)))),
        ("calls", body(format!("f{}", r("()", n)))),
        ("try", body(format!("a{}", r("?", n)))),
        (
            "await",
            format!("async fn main() {{ let _ = a{}; }}\n", r(".await", n)),
        ),
        ("casts", body(format!("a{}", r(" as u8", n)))),
        (
            "let chains",
            body(format!("if let a = a{} {{}}", r(" && let a = a", n))),
        ),
        (
            "async blocks",
            body(format!("{}a{}", r("async { ", n), r(" }", n))),
        ),
        (
            "unsafe blocks",
            body(format!("{}a{}", r("unsafe { ", n), r(" }", n))),
        ),
        (
            "struct literals",
            body(format!("{}a{}", r("S { a: ", n), r(" }", n))),
        ),
        (
            "reference types",
            format!("fn main() {{ let _: {}u8; }}\n", r("& ", n)),
        ),
        (
            "pointer types",
            format!("fn main() {{ let _: {}u8; }}\n", r("*const ", n)),
        ),
        (
            "generic types",
            format!("fn main() {{ let _: {}u8{}; }}\n", r("Vec<", n), r(">", n)),
        ),
        (
            "array types",
            format!("fn main() {{ let _: {}u8{}; }}\n", r("[", n), r("; 1]", n)),
        ),
        (
            "tuple types",
            format!("fn main() {{ let _: {}u8{}; }}\n", r("(", n), r(",)", n)),
        ),
        (
            "function types",
            format!("type T = {}u8;\n", r("fn() -> ", n)),
        ),
        (
            "impl Fn types",
            format!("fn f() -> {}u8 {{}}\n", r("impl Fn() -> ", n)),
        ),
        (
            "dyn types",
            format!("type T = {}u8{};\n", r("Box<dyn Fn(", n), r(")>", n)),
        ),
        (
            "qualified paths",
            format!("type T = {}T{};\n", r("<", n), r(" as A>::B", n)),
        ),
        (
            "turbofish",
            body(format!("f::<{}u8{}>()", r("Vec<", n), r(">", n))),
        ),
        (
            "reference patterns",
            format!("fn main() {{ let {}a = 1; }}\n", r("& ", n)),
        ),
        (
            "tuple patterns",
            format!("fn main() {{ let {}a{} = 1; }}\n", r("(", n), r(",)", n)),
        ),
        (
            "slice patterns",
            format!("fn main() {{ let {}a{} = 1; }}\n", r("[", n), r("]", n)),
        ),
        (
            "struct patterns",
            format!(
                "fn main() {{ let {}a{} = 1; }}\n",
                r("S { a: ", n),
                r(" }", n)
            ),
        ),
        (
            "binding patterns",
            format!("fn main() {{ let {}a = 1; }}\n", r("a @ ", n)),
        ),
        (
            "use trees",
            format!("use {}a{};\n", r("a::{", n), r("}", n)),
        ),
        (
            "modules",
            format!("{}fn f() {{}}{}\n", r("mod a { ", n), r(" }", n)),
        ),
        (
            "impl blocks in functions",
            format!("{}{}\n", r("fn f() { impl A { ", n), r("} }", n)),
        ),
        (
            "macro tokens",
            body(format!("m!{}a{}", r("(", n), r(")", n))),
        ),
        (
            "vec! in vec!",
            body(format!("{}a{}", r("vec![", n), r("]", n))),
        ),
        (
            "format! in format!",
            body(format!("{}a{}", r("format!(\"{}\", ", n), r(")", n))),
        ),
        (
            "json! objects",
            body(format!("json!({}1{})", r("{\"a\": ", n), r("}", n))),
        ),
        (
            "attributes",
            format!("#[a{}]\nfn f() {{}}\n", r("(a", n) + &r(")", n)),
        ),
    ]
}

/// The guard's bound of `source`, in levels, or its refusal.
fn levels(source: &str) -> Result<usize, String> {
    let text: Arc<str> = source.into();
    let lines = LineIndex::new(&text);
    let measured = with_fast_spans(&text, &lines, || {
        let stream: proc_macro2::TokenStream = text.parse().map_err(|_| "not tokens")?;
        guard::measure(stream)
            .map(|measured| measured.levels)
            .map_err(|problem| problem.message)
            .map_err(|message| message.leak() as &str)
    });
    proc_macro2::extra::invalidate_current_thread_spans();
    measured.map_err(str::to_string)
}

/// The constant the guard sizes stacks by holds for every construct: each, nested some
/// hundred levels, is parsed, indexed and dropped within its levels' worth of stack (the
/// spawned thread gets twice that). An overflow would abort this test binary. Frames are
/// largest in a debug build, which the tests run.
#[test]
fn every_construct_fits_in_its_levels_worth_of_stack() {
    for (name, source) in nested(400) {
        let levels = levels(&source).unwrap_or_else(|message| panic!("{name}: {message}"));
        assert!(levels >= 400, "{name}: {levels}");
        let text: Arc<str> = source.into();
        let lines = LineIndex::new(&text);
        let stack = levels * guard::STACK_PER_LEVEL + 256 * 1024;
        let indexed = std::thread::scope(|scope| {
            std::thread::Builder::new()
                .stack_size(stack)
                .spawn_scoped(scope, || {
                    syntax_facts(&text, &lines, &[], true, None).is_ok()
                })
                .expect("a thread")
                .join()
                .expect("no panic")
        });
        assert!(indexed, "{name}");
    }
}

/// A file nested deeper than a small thread's stack holds is indexed on a thread of its
/// own, whatever thread asks.
#[test]
fn deep_files_are_indexed_on_a_stack_that_fits() {
    let source = format!(
        "fn f() {{ let _ = {}a{}; }}",
        "(".repeat(4_000),
        ")".repeat(4_000)
    );
    let facts = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn_scoped(scope, || index(&source))
            .expect("a thread")
            .join()
            .expect("no panic")
    });
    assert_eq!(facts.problem, None);
    assert_eq!(facts.internal_error, None);
    assert_eq!(facts.functions.len(), 1);
}

/// The problem of a refused file: its message, line and column.
fn refusal(source: &str) -> (String, u32, u32) {
    let facts = index(source);
    let problem = facts.problem.clone().expect("refused");
    let at = facts.line_col(problem.span.start);
    (problem.message, at.line, at.column)
}

#[test]
fn nesting_beyond_the_limit_is_refused_where_it_is_deepest() {
    let nesting = |levels: &str, innermost: (u32, u32)| {
        (
            format!("brackets, blocks, generics or closures nest at least {levels} levels deep here (this is the innermost), more than the 8,000 this tool can parse without risking a stack overflow; move the inner parts into their own functions, types or `let` bindings"),
            innermost.0,
            innermost.1,
        )
    };
    assert_eq!(
        refusal(&format!(
            "fn f() {{\n    let _ = {}1{};\n}}",
            "(".repeat(9_000),
            ")".repeat(9_000)
        )),
        nesting("8,001", (2, 12 + 8_000))
    );
    assert_eq!(
        refusal(&format!(
            "type T = {}u8{};",
            "Vec<".repeat(9_000),
            ">".repeat(9_000)
        )),
        nesting("8,001", (1, 10 + 4 * 8_000 + 3))
    );
    assert_eq!(
        refusal(&format!(
            "fn f() {{ {}{} }}",
            "{".repeat(9_000),
            "}".repeat(9_000)
        )),
        nesting("8,001", (1, 10 + 7_999))
    );
}

#[test]
fn chains_beyond_the_limit_are_refused_where_they_start() {
    let chain = |chain: &str, levels: &str, column: u32| {
        (
            format!("a chain of {chain} operators, calls, casts or keywords starts here and nests {levels} levels deep, more than the 8,000 this tool can parse without risking a stack overflow; split it into smaller expressions (with `let` bindings or helper functions)"),
            2,
            column,
        )
    };
    let statement = |expr: String| format!("fn f() {{\n    let _ = {expr};\n}}");
    // `let` and `=` start the chain; 300,000 `[0]` are 300,000 indexing operations.
    assert_eq!(
        refusal(&statement(format!("a{}", "[0]".repeat(300_000)))),
        chain("300,002", "300,006", 5)
    );
    assert_eq!(
        refusal(&statement(format!("f{}", "()".repeat(1_000_000)))),
        chain("1,000,002", "1,000,006", 5)
    );
    assert_eq!(
        refusal(&statement(format!("1{}", " as u8".repeat(10_000)))),
        chain("10,002", "10,005", 5)
    );
    assert_eq!(
        refusal(&statement(format!("a{}", " + a".repeat(10_000)))),
        chain("10,002", "10,005", 5)
    );
    assert_eq!(
        refusal(&statement(format!("{}a", "!".repeat(10_000)))),
        chain("10,002", "10,005", 5)
    );
    assert_eq!(
        refusal(&statement(format!("{}a", "|| ".repeat(10_000)))),
        chain("10,002", "10,005", 5)
    );
    assert_eq!(
        refusal(&statement(format!("{}a", "return ".repeat(10_000)))),
        chain("10,002", "10,005", 5)
    );
}

/// An `else if` chain is walked one arm after the other, so only the drop of its tree
/// recurses per arm: a chain of 20,000 arms is indexed within its arms' worth of stack
/// (`guard::STACK_PER_ARM` each) on top of its levels'. An overflow would abort this test
/// binary.
#[test]
fn else_if_chains_fit_in_their_arms_worth_of_stack() {
    let arms: String = (1..=20_000)
        .map(|arm| format!(" else if x == {arm} {{ g({arm}) }}"))
        .collect();
    let source =
        format!("fn f(x: u32) -> u32 {{\n    if x == 0 {{ g(0) }}{arms} else {{ 1 }}\n}}\n");
    let text: Arc<str> = source.into();
    let lines = LineIndex::new(&text);
    let stream: proc_macro2::TokenStream = text.parse().expect("tokens");
    let measured = guard::measure(stream).unwrap_or_else(|problem| panic!("{problem:?}"));
    proc_macro2::extra::invalidate_current_thread_spans();
    assert_eq!(measured.arms, 20_000);
    assert!(measured.levels < 10, "{}", measured.levels);
    let stack = measured.stack_bytes() + 256 * 1024;
    let facts = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(stack)
            .spawn_scoped(scope, || syntax_facts(&text, &lines, &[], true, None))
            .expect("a thread")
            .join()
            .expect("no panic")
    });
    let Ok(facts) = facts else {
        panic!("not indexed");
    };
    let [function] = &facts.functions[..] else {
        panic!("{} functions", facts.functions.len());
    };
    // Every call is seen, each in its arm's block; each `else` is a branch in the one
    // before, so the last call is 20,000 `else` blocks (and its own) below the body.
    assert_eq!(function.calls.len(), 20_001);
    let last = function.calls.last().expect("a call");
    let mut depth = 0;
    let mut block = Some(last.block);
    while let Some(index) = block {
        depth += 1;
        block = function.blocks[index].parent;
    }
    assert_eq!(depth, 1 + 20_000 + 1);
    assert!(index(&text).problem.is_none());
}

#[test]
fn realistic_code_is_analysed() {
    for (name, source) in [
        ("comparisons", format!("fn f() {{ let _ = [{}]; }}", "a < 1, ".repeat(100_000))),
        ("shifts and casts", format!("const FLAGS: [u64; 1000] = [{}];", "1 << 3, 1 >> 2, (x < y) as u64, a <= b,".repeat(250))),
        ("statements", format!("fn f() {{ {} }}", "let a = (1) + (2);\n".repeat(10_000))),
        ("fields", format!("struct S {{ {} }}", "a: Vec<Vec<u8>>, b: Option<&'static str>,\n".repeat(1_000))),
        ("match arms", format!("fn f(x: u8) {{ match x {{ {} _ => {{}} }} }}", "n if n < 5 => {}\n".repeat(10_000))),
        ("else if chain", format!("fn f(x: u8) -> u8 {{ if x == 0 {{ 0 }}{} else {{ 1 }} }}", (1..2_000).map(|n| format!(" else if x == {n} {{ {n} }}")).collect::<String>())),
        ("builder chain", format!("fn app() -> Router {{ Router::new(){} }}", (0..1_000).map(|n| format!(".route(\"/r{n}\", get(h{n}))")).collect::<String>())),
        ("condition", format!("fn f() -> bool {{ {} }}", (0..500).map(|n| format!("a{n} > {n}")).collect::<Vec<_>>().join(" && "))),
        ("generic-heavy types", "type Handler = Arc<Mutex<HashMap<String, Vec<Box<dyn Fn(&Request<Body>) -> Pin<Box<dyn Future<Output = Result<Response<Body>, Box<dyn std::error::Error + Send + Sync>>> + Send>> + Send + Sync>>>>>;".repeat(100)),
        ("deep real nesting", format!("fn f() {{ {}x{} }}", "if a { for b in c { match d { _ => { ".repeat(50), " } } } }".repeat(50))),
        ("items", "pub fn f(a: Vec<u8>) -> Option<u8> { a.first().copied() }\n".repeat(5_000)),
        ("long string", format!("const S: &str = \"{}\";", "MATCH (n) ".repeat(100_000))),
    ] {
        let facts = index(&source);
        assert_eq!(facts.problem, None, "{name}");
        assert_eq!(facts.internal_error, None, "{name}");
    }
    assert_eq!(
        index(&"pub fn f(a: Vec<u8>) -> Option<u8> { a.first().copied() }\n".repeat(5_000))
            .functions
            .len(),
        5_000
    );
}

#[test]
fn a_syntax_tree_too_large_for_memory_is_refused() {
    let item = format!("fn f() {{\n{}}}\n", ";".repeat(500_001));
    assert_eq!(
        refusal(&format!("struct A;\n{item}")),
        ("this item has 500,005 tokens, more than the 500,000 this tool parses in one item (its syntax tree could exhaust memory); split it into smaller items".to_string(), 2, 1)
    );
    let too_many = ("the file has more than 5,000,000 tokens, the most this tool parses in one file (a syntax tree that large could exhaust memory); split it into smaller files".to_string(), 1, 1);
    // Too many at the top level or inside one group (both refused before they are
    // collected: the stress bench measures the memory this saves), or in many groups.
    assert_eq!(refusal(&"struct S;\n".repeat(1_666_667)), too_many);
    assert_eq!(
        refusal(&format!(
            "mod m {{\n{}}}\n",
            "struct S;\n".repeat(1_666_666)
        )),
        too_many
    );
    assert_eq!(refusal(&"mod m { struct S; }\n".repeat(833_334)), too_many);
    // Just under both limits: analysed.
    assert_eq!(
        index(&format!("fn f() {{\n{}}}\n", ";".repeat(499_990))).problem,
        None
    );
}

#[test]
fn items_are_parsed_a_run_at_a_time_as_in_one_piece() {
    // Inner attributes and doc comments of the file, then many runs of items.
    let mut source = "#![allow(dead_code)]\n//! MATCH (t:Tenant) RETURN t\n".to_string();
    for n in 0..3_000 {
        source.push_str(&format!(
            "pub fn f{n}() {{ let q = \"MATCH (n) RETURN n\"; }}\n"
        ));
    }
    let facts = index(&source);
    assert_eq!(facts.problem, None);
    assert_eq!(facts.functions.len(), 3_000);
    assert_eq!(facts.functions[2_999].name, "f2999");
    assert_eq!(
        facts.line_col(facts.functions[2_999].span.start).line,
        3_002
    );
    assert_eq!(facts.cypher_literals.len(), 3_001);
    // A syntax error far into the file, or inner attributes after an item, are syn's
    // errors where syn puts them when it parses the file in one piece.
    source.push_str("fn broken() { let x = ; }\n");
    for source in [
        source.as_str(),
        "fn a() {}\n#![allow(x)]\n",
        "fn a() {} fn b() {} impl",
    ] {
        let facts = index(source);
        let problem = facts.problem.clone().expect("a parse error");
        let Err(whole) = syn::parse_file(source) else {
            panic!("{source} parses");
        };
        let start = whole.span().start();
        assert_eq!(problem.message, whole.to_string());
        let at = facts.line_col(problem.span.start);
        assert_eq!(
            (at.line as usize, at.column as usize - 1),
            (start.line, start.column)
        );
    }
}

#[test]
fn text_that_is_not_rust_tokens_says_why() {
    let why = |source: &str| {
        let facts = index(source);
        let problem = facts.problem.clone().expect("refused");
        let at = facts.line_col(problem.span.start);
        (
            problem.message,
            at.line,
            at.column,
            source[problem.span.range()].to_string(),
        )
    };
    assert_eq!(
        why("fn f() {\n    let s = \"abc;\n}\n").0,
        "this string literal is never closed: no `\"` ends it"
    );
    assert_eq!(why("fn f() {\n    let s = \"abc;\n}\n").1, 2);
    assert_eq!(
        why("fn f() {\n    let s = r##\"abc\"#;\n}\n").0,
        "this raw string literal is never closed: no `\"##` ends it"
    );
    assert_eq!(
        why("fn f() { let s = \"a\\qb\"; }"),
        ("`\\\\q` is not an escape Rust knows in this string literal (`\\n`, `\\r`, `\\t`, `\\\\`, `\\0`, `\\'`, `\\\"`, `\\x7F`, `\\u{…}`)".to_string(), 1, 20, "\\q".to_string())
    );
    assert_eq!(
        why("fn f() { let c = '\\q'; }").0,
        "`\\\\q` is not an escape Rust knows in a character literal"
    );
    assert_eq!(
        why("fn f() { let c = ' ;\n}").0,
        "this character literal is never closed: no `'` ends it on this line"
    );
    assert_eq!(why("fn f() {}\n/* a /* b */\nfn g() {}\n").0, "this block comment is never closed: no `*/` ends it (block comments nest, so each `/*` inside needs its own `*/`)");
    assert_eq!(
        why("fn f() {\n    let a = (1;\n}\n"),
        (
            "this `}` does not close the `(` opened at line 2, column 13, which needs a `)` first"
                .to_string(),
            3,
            1,
            "}".to_string()
        )
    );
    assert_eq!(
        why("fn f() {\n    g(1);\n"),
        (
            "this `{` is never closed: the file ends before its `}`".to_string(),
            1,
            8,
            "{".to_string()
        )
    );
    assert_eq!(
        why("fn f() {}\n}\n"),
        (
            "this `}` closes nothing: no bracket is open before it".to_string(),
            2,
            1,
            "}".to_string()
        )
    );
    assert_eq!(
        why("fn f() { let a = 1 € 2; }").0,
        "`€` (U+20AC) cannot appear in Rust code outside a string or comment"
    );
    assert_eq!(
        why("fn f() { let a = 1 \u{7} 2; }").0,
        "`\\u{7}` (U+0007) cannot appear in Rust code outside a string or comment"
    );
}
