//! Every Cypher query of the workspace: where its text comes from, where it
//! runs, and its parsed facts.
//!
//! Sources: the string argument of a query call (resolved through literals,
//! consts, `concat!`, `format!`, `indoc!`, `include_str!` and `let`
//! bindings), `.cypher` files no call includes, and string literals kept in
//! tables that parse as Cypher and mention a tenant-owned label.

use super::callgraph::FnId;
use super::name_patterns::Patterns;
use crate::cypher::{self, CypherError, CypherErrorKind, ParseMemo, QueryFacts};
use crate::diagnostic::{FileId, Location};
use crate::index::{CallSite, Callee, ConstDef, FileKind, Workspace};
use crate::names::Name;
use crate::options::OptionValues;
use crate::source::Span;
use crate::strings::{self, ResolvedText, Resolver, StrExpr, TextMode};
use foldhash::{HashMap, HashMapExt as _, HashSet, HashSetExt as _};
use rayon::prelude::*;

/// Where a query comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The string argument of a query call: the function and call index.
    Call { function: FnId, call: usize },
    /// A `.cypher` file that no `include_str!` in a query call reads.
    CypherFile { file: FileId },
    /// A string literal kept in a table; the function it sits in, if any.
    Table {
        file: FileId,
        function: Option<FnId>,
    },
}

pub struct Query {
    pub origin: Origin,
    pub text: ResolvedText,
    pub parsed: Result<QueryFacts, CypherError>,
}

impl Query {
    /// The function the query runs in, when it is known.
    pub fn function(&self) -> Option<FnId> {
        match self.origin {
            Origin::Call { function, .. } => Some(function),
            Origin::Table { function, .. } => function,
            Origin::CypherFile { .. } => None,
        }
    }

    /// Where a range of the query text is in the source.
    pub fn location(&self, range: std::ops::Range<usize>) -> Location {
        let (file, span) = self.text.span(range);
        Location { file, span }
    }

    /// The file the query text starts in (the rule reports there).
    pub fn text_file(&self) -> FileId {
        self.text.location(0).0
    }
}

#[derive(Default)]
pub struct Queries {
    pub queries: Vec<Query>,
    /// The graph's words for partner, tenant and manages (R3).
    pub vocabulary: super::vocabulary::Vocabulary,
    /// Labels whose nodes belong to a tenant.
    pub tenant_owned: HashSet<String>,
    /// Query indices by the file their text starts in.
    by_text_file: HashMap<FileId, Vec<usize>>,
    /// Indices of the queries run by a call, by the function making the call.
    by_calling_function: HashMap<FnId, Vec<usize>>,
}

/// Matches a call against the configured query functions, methods and macros.
pub struct QueryCalls {
    functions: Vec<Vec<String>>,
    methods: Patterns,
    macros: Patterns,
}

impl QueryCalls {
    pub fn new(options: &OptionValues) -> Self {
        QueryCalls {
            functions: options
                .get(&super::option::QUERY_FUNCTIONS)
                .iter()
                .map(|path| path.split("::").map(str::to_string).collect())
                .collect(),
            methods: Patterns::new(options.get(&super::option::QUERY_METHODS)),
            macros: Patterns::new(options.get(&super::option::QUERY_MACROS)),
        }
    }

    /// Whether a method name is a configured query method (`run`, `execute`).
    pub fn is_query_method(&self, name: &str) -> bool {
        self.methods.matches(name)
    }

    /// The query argument of a call, when the call runs a query.
    pub fn query_argument<'c>(&self, call: &'c CallSite) -> Option<&'c StrExpr> {
        let first = call.args.first()?.string.as_ref()?;
        let is_query_call = match &call.callee {
            Callee::Path(segments) => self
                .functions
                .iter()
                .any(|function| crate::names::ends_with(segments, function)),
            // A method takes the text directly only when it is a string (`graph.run(query(..))`
            // passes a call, which the inner `query` call already covers).
            Callee::Method(name) => {
                self.methods.matches(name) && !matches!(first, StrExpr::Unknown { .. })
            }
            Callee::Macro(segments) => segments
                .last()
                .is_some_and(|name| self.macros.matches(name)),
        };
        is_query_call.then_some(first)
    }
}

/// Crates whose `query`/`execute` take SQL, not Cypher.
const SQL_CRATES: &[&str] = &[
    "sqlx",
    "diesel",
    "sea_orm",
    "sea_query",
    "tokio_postgres",
    "postgres",
    "rusqlite",
    "mysql",
    "mysql_async",
    "sqlite",
    "deadpool_postgres",
    "clickhouse",
];

/// Types of SQL connections and pools, whose `execute(..)`/`query(..)` take SQL.
const SQL_TYPES: &[&str] = &[
    "PgPool",
    "MySqlPool",
    "SqlitePool",
    "AnyPool",
    "PgConnection",
    "MySqlConnection",
    "SqliteConnection",
    "AnyConnection",
    "DatabaseConnection",
    "DatabaseTransaction",
    "PgPoolOptions",
    "Transaction",
    "Executor",
];

/// Whether a call sends SQL to a SQL crate or connection (R5): `sqlx::query("…")`, or a
/// method on a parameter or field typed as a SQL pool or connection. Such text is never
/// parsed as Cypher, whatever its first word.
fn sends_sql(function: &crate::index::FunctionDef, call: &CallSite) -> bool {
    match &call.callee {
        Callee::Path(segments) => segments
            .first()
            .is_some_and(|first| SQL_CRATES.contains(&first.as_str())),
        Callee::Method(_) => {
            let Some([receiver]) = call
                .receiver
                .as_ref()
                .and_then(|receiver| receiver.place.as_deref())
            else {
                return false;
            };
            function.params.iter().any(|param| {
                param.name.as_ref() == Some(receiver)
                    && param
                        .ty
                        .held()
                        .name()
                        .is_some_and(|name| SQL_TYPES.contains(&name))
            })
        }
        Callee::Macro(segments) => segments
            .first()
            .is_some_and(|first| SQL_CRATES.contains(&first.as_str())),
    }
}

/// The query calls of one file, resolved.
#[derive(Default)]
struct FileQueries {
    sources: Vec<(Origin, ResolvedText)>,
    used_literals: HashSet<(FileId, Span)>,
    included_files: HashSet<FileId>,
}

impl Queries {
    pub fn build(workspace: &Workspace, options: &OptionValues) -> Queries {
        Queries::build_with(workspace, options, None)
    }

    /// As [`Queries::build`], taking parse results from (and giving new ones to) `memo`.
    pub fn build_with(
        workspace: &Workspace,
        options: &OptionValues,
        memo: Option<&dyn ParseMemo>,
    ) -> Queries {
        let calls = QueryCalls::new(options);
        let resolver = WorkspaceResolver::new(workspace);
        // Resolving query arguments is per file and read-only: all cores.
        let per_file: Vec<FileQueries> = workspace
            .files
            .par_iter()
            .enumerate()
            .map(|(file, facts)| {
                let mut found = FileQueries::default();
                let FileQueries {
                    sources,
                    used_literals,
                    included_files,
                } = &mut found;
                for (index, function) in facts.functions.iter().enumerate() {
                    for (call_index, call) in function.calls.iter().enumerate() {
                        let Some(argument) = calls.query_argument(call) else {
                            continue;
                        };
                        if sends_sql(function, call) {
                            continue;
                        }
                        let Some(text) = strings::resolve(argument, file, &resolver) else {
                            continue;
                        };
                        // `query` and `run` are common names (sqlx, search APIs, test
                        // helpers): only text that starts like Cypher is treated as Cypher.
                        if !cypher::looks_like_cypher(&text.text) {
                            continue;
                        }
                        for piece_file in text.files() {
                            if workspace.file(piece_file).kind == FileKind::Cypher {
                                included_files.insert(piece_file);
                            }
                        }
                        collect_literals(argument, file, &resolver, used_literals, 0);
                        sources.push((
                            Origin::Call {
                                function: FnId { file, index },
                                call: call_index,
                            },
                            text,
                        ));
                    }
                }
                found
            })
            .collect();
        let mut sources: Vec<(Origin, ResolvedText)> = Vec::new();
        let mut used_literals: HashSet<(FileId, Span)> = HashSet::new();
        let mut included_files: HashSet<FileId> = HashSet::new();
        for found in per_file {
            sources.extend(found.sources);
            used_literals.extend(found.used_literals);
            included_files.extend(found.included_files);
        }
        for (file, facts) in workspace.files.iter().enumerate() {
            if facts.kind == FileKind::Cypher && !included_files.contains(&file) {
                sources.push((
                    Origin::CypherFile { file },
                    ResolvedText::whole_file(file, &facts.text),
                ));
            }
            for &span in &facts.cypher_literals {
                if used_literals.contains(&(file, span)) {
                    continue;
                }
                let literal = StrExpr::Literal { span };
                if let Some(text) = strings::resolve(&literal, file, &resolver) {
                    let function = facts
                        .functions
                        .iter()
                        .position(|function| {
                            function.span.start <= span.start && span.end <= function.span.end
                        })
                        .map(|index| FnId { file, index });
                    sources.push((Origin::Table { file, function }, text));
                }
            }
        }
        // The same text (a const used at many call sites) is parsed once.
        let mut slot_of: HashMap<(&str, TextMode), usize> = HashMap::new();
        let mut unique: Vec<(&str, TextMode)> = Vec::new();
        let slots: Vec<usize> = sources
            .iter()
            .map(|(_, text)| {
                *slot_of
                    .entry((text.text.as_str(), text.mode))
                    .or_insert_with(|| {
                        unique.push((text.text.as_str(), text.mode));
                        unique.len() - 1
                    })
            })
            .collect();
        drop(slot_of);
        // Batches, so each worker hands its queries to its parser thread a few times, not
        // once per query; small enough that both workers get some.
        let batch_size = unique
            .len()
            .div_ceil(4 * rayon::current_num_threads())
            .max(1);
        let mut parsed: Vec<Option<Result<QueryFacts, CypherError>>> = match memo {
            Some(memo) => unique
                .par_iter()
                .map(|(text, mode)| memo.recall(text, *mode))
                .collect(),
            None => vec![None; unique.len()],
        };
        let unparsed: Vec<usize> = (0..unique.len())
            .filter(|&slot| parsed[slot].is_none())
            .collect();
        let fresh: Vec<Result<QueryFacts, CypherError>> = unparsed
            .par_chunks(batch_size)
            .flat_map_iter(|batch| {
                let owned = batch
                    .iter()
                    .map(|&slot| (unique[slot].0.to_owned(), unique[slot].1))
                    .collect();
                cypher::parse_queries(owned)
            })
            .collect();
        for (slot, result) in unparsed.into_iter().zip(fresh) {
            let failed = matches!(&result, Err(error) if error.kind == CypherErrorKind::Internal);
            if let (Some(memo), false) = (memo, failed) {
                memo.remember(unique[slot].0, unique[slot].1, &result);
            }
            parsed[slot] = Some(result);
        }
        drop(unique);
        // Each query moves its text in, and the last one to use a parse result takes it:
        // a copy of every query alive at once would double the model's peak memory.
        let mut uses_left = vec![0usize; parsed.len()];
        for &slot in &slots {
            uses_left[slot] += 1;
        }
        let mut queries: Vec<Query> = sources
            .into_iter()
            .zip(slots)
            .filter_map(|((origin, text), slot)| {
                uses_left[slot] -= 1;
                let parsed = if uses_left[slot] == 0 {
                    parsed[slot].take()?
                } else {
                    parsed[slot].clone()?
                };
                Some(Query {
                    origin,
                    text,
                    parsed,
                })
            })
            .collect();
        let vocabulary = super::vocabulary::Vocabulary::from_options(options);
        let tenant_owned = tenant_owned_labels(&queries, options, &vocabulary);
        // Table strings count only when they touch tenant data: most strings
        // that start with MATCH are not queries the service runs.
        queries.retain(|query| {
            !matches!(query.origin, Origin::Table { .. }) || mentions_any(query, &tenant_owned)
        });
        let mut by_text_file: HashMap<FileId, Vec<usize>> = HashMap::new();
        let mut by_calling_function: HashMap<FnId, Vec<usize>> = HashMap::new();
        for (index, query) in queries.iter().enumerate() {
            by_text_file
                .entry(query.text_file())
                .or_default()
                .push(index);
            if let Origin::Call { function, .. } = query.origin {
                by_calling_function.entry(function).or_default().push(index);
            }
        }
        Queries {
            queries,
            vocabulary,
            tenant_owned,
            by_text_file,
            by_calling_function,
        }
    }

    /// The queries `function` runs through its own calls, with the index of each call.
    pub fn run_by(&self, function: FnId) -> impl Iterator<Item = (usize, &Query)> {
        self.by_calling_function
            .get(&function)
            .into_iter()
            .flatten()
            .filter_map(|&index| {
                let query = &self.queries[index];
                match query.origin {
                    Origin::Call { call, .. } => Some((call, query)),
                    _ => None,
                }
            })
    }

    /// Queries whose text starts in `file`.
    pub fn in_file(&self, file: FileId) -> impl Iterator<Item = &Query> {
        self.by_text_file
            .get(&file)
            .into_iter()
            .flatten()
            .map(|&index| &self.queries[index])
    }

    pub fn is_tenant_owned(&self, label: &str) -> bool {
        self.tenant_owned.contains(label)
    }
}

fn mentions_any(query: &Query, labels: &HashSet<String>) -> bool {
    query.parsed.as_ref().is_ok_and(|facts| {
        facts
            .nodes
            .iter()
            .any(|node| node.labels.iter().any(|label| labels.contains(label)))
    })
}

/// `Tenant`, the configured labels, and every label a query relates to a
/// `:Tenant` node directly (`(u:User)-[:BELONGS_TO]->(:Tenant)`). `Partner`
/// never is.
fn tenant_owned_labels(
    queries: &[Query],
    options: &OptionValues,
    vocabulary: &super::vocabulary::Vocabulary,
) -> HashSet<String> {
    let mut labels: HashSet<String> = options
        .get(&super::option::TENANT_OWNED_LABELS)
        .iter()
        .cloned()
        .collect();
    labels.extend(vocabulary.tenant_labels().iter().cloned());
    for facts in queries
        .iter()
        .filter_map(|query| query.parsed.as_ref().ok())
    {
        for relationship in &facts.relationships {
            let (Some(left), Some(right)) = (
                facts.nodes.get(relationship.left),
                facts.nodes.get(relationship.right),
            ) else {
                continue;
            };
            let labels_of = |binding| {
                facts
                    .nodes_of(binding)
                    .flat_map(|node| node.labels.iter().cloned())
                    .collect::<Vec<String>>()
            };
            let (left_labels, right_labels) = (labels_of(left.binding), labels_of(right.binding));
            for (one, other) in [(&left_labels, &right_labels), (&right_labels, &left_labels)] {
                if one.iter().any(|label| vocabulary.is_tenant_label(label)) {
                    labels.extend(
                        other
                            .iter()
                            .filter(|label| !vocabulary.is_partner_label(label))
                            .cloned(),
                    );
                }
            }
        }
    }
    labels.retain(|label| !vocabulary.is_partner_label(label));
    labels
}

/// Literal spans a query argument resolves through, so table detection
/// does not count them a second time.
fn collect_literals(
    expr: &StrExpr,
    file: FileId,
    resolver: &WorkspaceResolver<'_>,
    out: &mut HashSet<(FileId, Span)>,
    depth: usize,
) {
    if depth > 16 {
        return;
    }
    match expr {
        StrExpr::Literal { span } => {
            out.insert((file, *span));
        }
        StrExpr::Concat(parts) => parts
            .iter()
            .for_each(|part| collect_literals(part, file, resolver, out, depth + 1)),
        StrExpr::Format { template, .. } => {
            collect_literals(template, file, resolver, out, depth + 1)
        }
        StrExpr::Indoc(inner) => collect_literals(inner, file, resolver, out, depth + 1),
        StrExpr::Name { name, span } => {
            if let Some(bound) = resolver.binding(file, name, span.start) {
                collect_literals(&bound, file, resolver, out, depth + 1);
            } else if let Some((const_file, value)) =
                resolver.constant(file, std::slice::from_ref(name))
            {
                collect_literals(&value, const_file, resolver, out, depth + 1);
            }
        }
        StrExpr::Path { segments, .. } => {
            if let Some((const_file, value)) = resolver.constant(file, segments) {
                collect_literals(&value, const_file, resolver, out, depth + 1);
            }
        }
        StrExpr::Include { .. } | StrExpr::Text { .. } | StrExpr::Unknown { .. } => {}
    }
}

/// Resolves names, consts and includes against the workspace index.
pub struct WorkspaceResolver<'a> {
    workspace: &'a Workspace,
    /// Consts by crate (see [`crate_root`]) and name: a const resolves within its crate.
    consts_by_name: HashMap<(&'a str, &'a str), Vec<(FileId, usize)>>,
    files_by_path: HashMap<&'a str, FileId>,
}

impl<'a> WorkspaceResolver<'a> {
    pub fn new(workspace: &'a Workspace) -> Self {
        let mut consts_by_name: HashMap<(&str, &str), Vec<(FileId, usize)>> = HashMap::new();
        let mut files_by_path = HashMap::new();
        for (file, facts) in workspace.files.iter().enumerate() {
            files_by_path.insert(facts.path.as_str(), file);
            for (index, constant) in facts.consts.iter().enumerate() {
                consts_by_name
                    .entry((crate_root(&facts.path), constant.name.as_str()))
                    .or_default()
                    .push((file, index));
            }
        }
        WorkspaceResolver {
            workspace,
            consts_by_name,
            files_by_path,
        }
    }
}

impl<'a> WorkspaceResolver<'a> {
    /// The `const`/`static` a path read in `file` names, and the file declaring it: within
    /// the file's crate, through the file's imports (`use crate::queries as q;`), the one
    /// in the file itself first, otherwise the only one of that name and qualifier.
    pub fn const_def(&self, file: FileId, segments: &[Name]) -> Option<(FileId, &'a ConstDef)> {
        let facts = self.workspace.files.get(file)?;
        // A name or module imported under another name (`use crate::queries as q;`,
        // `use crate::queries::LIST as Q;`) stands for its path. `crate`, `self` and `super`
        // only say where that path starts: what follows is the module it names.
        let expanded = facts.expand_path(segments);
        let start = expanded
            .iter()
            .take_while(|segment| matches!(segment.as_str(), "crate" | "self" | "super"))
            .count();
        let (name, qualifier) = expanded.get(start..)?.split_last()?;
        let here = crate_root(&facts.path);
        let candidates: Vec<(FileId, usize)> = self
            .consts_by_name
            .get(&(here, name.as_str()))?
            .iter()
            .copied()
            .filter(|&(const_file, index)| {
                let facts = &self.workspace.files[const_file];
                let constant = &facts.consts[index];
                let qualified = match qualifier.last().map(Name::as_str) {
                    None => true,
                    Some("Self") => constant.impl_type.is_some() && const_file == file,
                    Some(last) if last.chars().next().is_some_and(char::is_uppercase) => {
                        constant.impl_type.as_deref() == Some(last)
                    }
                    Some(_) => constant.module_path.ends_with(qualifier),
                };
                qualified
            })
            .collect();
        // Prefer the file itself; otherwise the name must be unique in the crate.
        let unique = match candidates.as_slice() {
            [only] => Some(only),
            _ => None,
        };
        let chosen = candidates
            .iter()
            .find(|(const_file, _)| *const_file == file)
            .or(unique)?;
        let workspace: &'a Workspace = self.workspace;
        Some((chosen.0, &workspace.files[chosen.0].consts[chosen.1]))
    }
}

/// The crate a file belongs to: its path up to `src/` (consts resolve within a crate).
fn crate_root(path: &str) -> &str {
    path.find("src/").map_or("", |at| &path[..at])
}

impl Resolver for WorkspaceResolver<'_> {
    fn file_text(&self, file: FileId) -> &str {
        self.workspace
            .files
            .get(file)
            .map_or("", |facts| &facts.text)
    }

    fn binding(&self, file: FileId, name: &str, before: u32) -> Option<StrExpr> {
        let facts = self.workspace.files.get(file)?;
        let function = facts
            .functions
            .iter()
            .filter(|function| function.span.start <= before && before < function.span.end)
            .max_by_key(|function| function.span.start)?;
        let block = function.block_at(before);
        function
            .lets
            .iter()
            .rev()
            .find(|binding| {
                binding.name == name
                    && binding.span.end <= before
                    && function.block_within(block, binding.block)
            })
            .and_then(|binding| binding.init.as_ref()?.string.clone())
    }

    fn constant(&self, file: FileId, segments: &[Name]) -> Option<(FileId, StrExpr)> {
        let (const_file, constant) = self.const_def(file, segments)?;
        Some((const_file, constant.value.clone()?))
    }

    fn include(&self, file: FileId, path: &str) -> Option<FileId> {
        let from = &self.workspace.files.get(file)?.path;
        let mut parts: Vec<&str> = from.split('/').collect();
        parts.pop();
        for part in path.split('/') {
            match part {
                "" | "." => {}
                // Leaving the workspace root is never followed.
                ".." => {
                    parts.pop()?;
                }
                part => parts.push(part),
            }
        }
        self.files_by_path.get(parts.join("/").as_str()).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MODEL_OPTIONS;

    fn queries(files: &[(&str, &str)]) -> (Workspace, Queries) {
        let workspace = crate::testing::workspace(files);
        let queries = Queries::build(&workspace, &OptionValues::defaults(MODEL_OPTIONS));
        (workspace, queries)
    }

    fn describe(workspace: &Workspace, queries: &Queries) -> Vec<String> {
        queries
            .queries
            .iter()
            .map(|query| {
                let origin = match query.origin {
                    Origin::Call { .. } => "call",
                    Origin::CypherFile { .. } => "file",
                    Origin::Table { .. } => "table",
                };
                let (file, offset) = query.text.location(0);
                let facts = workspace.file(file);
                let at = facts.line_col(offset);
                format!(
                    "{origin} {}:{}:{} {}",
                    facts.path,
                    at.line,
                    at.column,
                    query.text.text.replace('\n', " ")
                )
            })
            .collect()
    }

    #[test]
    fn sql_sent_to_a_sql_crate_or_connection_is_not_cypher() {
        let (workspace, found) = queries(&[(
            "src/store.rs",
            r#"pub async fn purge(pool: &PgPool, db: State<DatabaseConnection>, graph: &Graph) {
    sqlx::query("DELETE FROM sessions WHERE tenant_id = $1").execute(pool).await;
    pool.execute("CALL refresh_tenant_stats($1)").await;
    db.execute("WITH active AS (SELECT id FROM tenants) DELETE FROM sessions USING active").await;
    graph.execute("MATCH (t:Tenant) DELETE t").await;
    graph.run(query("MATCH (t:Tenant) RETURN t")).await;
}
"#,
        )]);
        let texts: Vec<String> = found
            .queries
            .iter()
            .map(|query| query.text.text.to_string())
            .collect();
        assert_eq!(
            texts,
            ["MATCH (t:Tenant) DELETE t", "MATCH (t:Tenant) RETURN t"],
            "{:?}",
            describe(&workspace, &found)
        );
    }

    /// Remembers what it is given and hands back what it was seeded with.
    #[derive(Default)]
    struct RecordingMemo {
        seeded: HashMap<String, Result<QueryFacts, CypherError>>,
        remembered: std::sync::Mutex<Vec<String>>,
    }

    impl ParseMemo for RecordingMemo {
        fn recall(&self, text: &str, _mode: TextMode) -> Option<Result<QueryFacts, CypherError>> {
            self.seeded.get(text).cloned()
        }

        fn remember(&self, text: &str, _mode: TextMode, _parsed: &Result<QueryFacts, CypherError>) {
            self.remembered.lock().unwrap().push(text.to_string());
        }
    }

    #[test]
    fn parse_results_come_from_the_memo_and_new_ones_go_to_it() {
        let files = [(
            "src/store.rs",
            r#"
const SHARED: &str = "MATCH (u:User) RETURN u";
fn a(g: Graph) { g.run(query(SHARED)); g.run(query(SHARED)); }
fn b(g: Graph) { g.run(query("MATCH (d:Device) RETURN d")); }
fn c(g: Graph) { g.run(query("MATCH (n RETURN n")); }
"#,
        )];
        let workspace = crate::testing::workspace(&files);
        let options = OptionValues::defaults(MODEL_OPTIONS);
        let first = RecordingMemo::default();
        let parsed = Queries::build_with(&workspace, &options, Some(&first));
        // Each distinct text once, syntax errors too (they are results, not failures).
        let mut remembered = first.remembered.lock().unwrap().clone();
        remembered.sort();
        assert_eq!(
            remembered,
            [
                "MATCH (d:Device) RETURN d",
                "MATCH (n RETURN n",
                "MATCH (u:User) RETURN u"
            ]
        );
        assert!(parsed.queries[3].parsed.is_err());

        // A recalled result is used as it is: here a made-up one, to tell it from a parse.
        let mut made_up = parsed.queries[2].parsed.clone().unwrap();
        made_up.nodes.clear();
        let second = RecordingMemo {
            seeded: [("MATCH (d:Device) RETURN d".to_string(), Ok(made_up.clone()))]
                .into_iter()
                .collect(),
            ..RecordingMemo::default()
        };
        let again = Queries::build_with(&workspace, &options, Some(&second));
        assert_eq!(again.queries[2].parsed, Ok(made_up));
        assert_eq!(again.queries[0].parsed, parsed.queries[0].parsed);
        assert_eq!(second.remembered.lock().unwrap().len(), 2);
    }

    #[test]
    fn every_source_form() {
        let (workspace, queries) = queries(&[
            (
                "src/store.rs",
                r#"
const BY_ID: &str = "MATCH (u:User {id: $id}) RETURN u";
static TEMPLATE: &str = indoc::indoc!("
    MATCH (t:Tenant)
    RETURN t");
fn a(g: Graph) { g.run(query(BY_ID)); }
fn b(g: Graph) { let q = concat!("MATCH (t:Tenant) ", "RETURN t"); g.run(query(q)); }
fn c(g: Graph, l: &str) { g.execute(neo4rs::query(&format!("MATCH (n:{l}) RETURN n"))); }
fn d(g: Graph) { g.run(Query::new(TEMPLATE.to_string())); }
fn e(g: Graph) { g.run(query(include_str!("../queries/one.cypher"))); }
fn f(db: Pool) { sqlx::query("SELECT * FROM users"); search.run("not cypher"); }
const TABLE: &[(&str, &str)] = &[("users", "MATCH (u:User)-[:BELONGS_TO]->(t:Tenant) RETURN u"), ("settings", "MATCH (s:Setting) RETURN s")];
"#,
            ),
            ("queries/one.cypher", "MATCH (d:Device) RETURN d"),
            ("queries/standalone.cypher", "MATCH (x:Invoice) RETURN x"),
        ]);
        assert_eq!(
            describe(&workspace, &queries),
            [
                "call src/store.rs:2:22 MATCH (u:User {id: $id}) RETURN u",
                "call src/store.rs:7:35 MATCH (t:Tenant) RETURN t",
                "call src/store.rs:8:61 MATCH (n:{l}) RETURN n",
                "call src/store.rs:4:5 MATCH (t:Tenant) RETURN t",
                "call queries/one.cypher:1:1 MATCH (d:Device) RETURN d",
                // Tables count when they touch tenant data.
                "table src/store.rs:12:45 MATCH (u:User)-[:BELONGS_TO]->(t:Tenant) RETURN u",
                "file queries/standalone.cypher:1:1 MATCH (x:Invoice) RETURN x",
            ]
        );
        assert!(queries.queries.iter().all(|query| query.parsed.is_ok()));
        let mut owned: Vec<&String> = queries.tenant_owned.iter().collect();
        owned.sort();
        assert_eq!(owned, ["Tenant", "User"]);
    }

    #[test]
    fn query_consts_are_found_through_imports_under_other_names_and_inline_modules() {
        let (workspace, queries) = queries(&[
            (
                "src/queries.rs",
                r#"
pub const LIST: &str = "MATCH (d:Device) RETURN d";
pub mod admin { pub const PURGE: &str = "MATCH (a:Audit) DETACH DELETE a"; }
"#,
            ),
            (
                "src/partner/devices.rs",
                r#"
use crate::queries as q;
use crate::queries::LIST as DEVICES;
use crate::queries::admin::{self as purge};
use super::super::queries::admin::PURGE as WIPE;
mod local { pub const ONE: &str = "MATCH (t:Tenant {id: $id}) RETURN t"; }
use self::local::ONE as FIRST;
fn a(g: Graph) { g.run(query(q::LIST)); }
fn b(g: Graph) { g.run(query(DEVICES)); }
fn c(g: Graph) { g.run(query(purge::PURGE)); }
fn d(g: Graph) { g.run(query(WIPE)); }
fn e(g: Graph) { g.run(query(local::ONE)); }
fn f(g: Graph) { g.run(query(FIRST)); }
fn g(g: Graph) { g.run(query(q::admin::PURGE)); }
"#,
            ),
        ]);
        assert_eq!(
            describe(&workspace, &queries),
            [
                "call src/queries.rs:2:25 MATCH (d:Device) RETURN d",
                "call src/queries.rs:2:25 MATCH (d:Device) RETURN d",
                "call src/queries.rs:3:42 MATCH (a:Audit) DETACH DELETE a",
                "call src/queries.rs:3:42 MATCH (a:Audit) DETACH DELETE a",
                "call src/partner/devices.rs:6:36 MATCH (t:Tenant {id: $id}) RETURN t",
                "call src/partner/devices.rs:6:36 MATCH (t:Tenant {id: $id}) RETURN t",
                "call src/queries.rs:3:42 MATCH (a:Audit) DETACH DELETE a",
            ]
        );
    }

    #[test]
    fn sql_common_table_expressions_are_not_queries() {
        let (workspace, queries) = queries(&[(
            "src/store.rs",
            r#"
const TREE: &str = r"WITH RECURSIVE subtree AS (SELECT id FROM units WHERE id = $1) SELECT id FROM subtree";
fn a(db: Pool) { sqlx::query(TREE); sqlx::query("WITH t(id) AS (SELECT 1) SELECT id FROM t"); }
fn b(g: Graph) { g.run(query("WITH $tenant AS t MATCH (x:Tenant {id: t}) RETURN x")); }
"#,
        )]);
        assert_eq!(
            describe(&workspace, &queries),
            ["call src/store.rs:4:31 WITH $tenant AS t MATCH (x:Tenant {id: t}) RETURN x"]
        );
    }

    #[test]
    fn include_paths_never_leave_the_workspace() {
        let (workspace, queries) = queries(&[
            (
                "src/store.rs",
                r#"fn e(g: Graph) { g.run(query(include_str!("../../../etc/passwd.cypher"))); }"#,
            ),
            ("etc/passwd.cypher", "MATCH (n) RETURN n"),
        ]);
        // `../../../etc` from `src/` leaves the root: nothing is resolved through it.
        assert_eq!(
            describe(&workspace, &queries),
            ["file etc/passwd.cypher:1:1 MATCH (n) RETURN n"]
        );
    }

    /// A query kept in a nested inline module, imported under another name and run by the
    /// implementation behind a trait object, is judged like any other (R4): flagged when
    /// nothing scopes it, not when the handler runs a guard before calling the repository.
    #[test]
    fn query_consts_in_nested_modules_run_through_trait_objects_are_judged() {
        let lib = r#"
pub mod q {
    pub mod partner {
        pub const LIST: &str = "MATCH (d:Device)-[:OWNED_BY]->(t:Tenant {id: $tid}) RETURN d";
        pub const NAMES: &str = "MATCH (u:User)-[:BELONGS_TO]->(t:Tenant {id: $tid}) RETURN u.name";
    }
}
"#;
        let repo = r#"
use crate::q::partner as pq;
#[async_trait]
pub trait Repo { async fn devices(&self, tid: &str); async fn names(&self, tid: &str); }
pub struct GraphRepo { graph: Graph }
#[async_trait]
impl Repo for GraphRepo {
    async fn devices(&self, tid: &str) { self.graph.run(query(pq::LIST).param("tid", tid)).await; }
    async fn names(&self, tid: &str) {
        use crate::q::partner as q;
        self.graph.run(query(q::NAMES).param("tid", tid)).await;
    }
}
"#;
        let run = |handlers: &str| {
            crate::testing::check(
                "PS101",
                &[
                    ("src/lib.rs", lib),
                    ("src/repo.rs", repo),
                    ("src/partner/handlers.rs", handlers),
                ],
            )
        };
        let unguarded = r#"
pub async fn devices(ctx: PartnerContext, repo: Arc<dyn Repo>, tid: String) { repo.devices(&tid).await; }
pub async fn names(ctx: PartnerContext, repo: Arc<dyn Repo>, tid: String) { repo.names(&tid).await; }
"#;
        assert_eq!(
            run(unguarded),
            [
                "src/lib.rs:4:39: deny[PS101] query reads tenant-owned `:Device` without scoping it to a tenant the partner manages (partner context: `partner::handlers::devices` → `repo::GraphRepo::devices`)",
                "src/lib.rs:5:40: deny[PS101] query reads tenant-owned `:User` without scoping it to a tenant the partner manages (partner context: `partner::handlers::names` → `repo::GraphRepo::names`)",
            ]
        );
        let guarded = r#"
pub async fn devices(ctx: PartnerContext, repo: Arc<dyn Repo>, tid: String) {
    ensure_manages(&ctx, &tid).await?;
    repo.devices(&tid).await;
}
pub async fn names(ctx: PartnerContext, repo: Arc<dyn Repo>, tid: String) {
    ensure_manages(&ctx, &tid).await?;
    repo.names(&tid).await;
}
"#;
        assert_eq!(run(guarded), Vec::<String>::new());
    }
}
