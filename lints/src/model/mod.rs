//! The shared semantic model the rules stand on: type predicates, the call
//! graph, partner context, actor vs target, and "runs before" checks. A rule
//! asks these instead of re-deriving them, so every rule means the same thing.

pub mod actions;
pub mod actors;
pub mod bindings;
pub mod body_needs;
pub mod caches;
pub mod callgraph;
pub mod checks;
pub mod context;
pub mod delete_routes;
pub mod grants;
pub mod layers;
pub mod name_patterns;
pub mod pages;
pub mod provenance;
pub mod queries;
pub mod responses;
pub mod signals;
pub mod vocabulary;

use crate::index::{CallSite, TypeRef, Workspace};
use crate::names::words;
use crate::options::{OptionSpec, OptionValues};
use callgraph::CallGraph;
use checks::{Checks, Found};
use context::{PartnerContext, PartnerPaths};
use name_patterns::Patterns;

/// Each option declared once: its key, default and doc, and the type it is read as.
pub(crate) mod option {
    use crate::options::{OptionKey, StringList};

    pub const PARTNER_CONTEXT_TYPES: OptionKey<StringList> = OptionKey::strings(
        "partner_context_types",
        &[
            "Partner*Context",
            "Partner*Ctx",
            "Partner*Session",
            "Partner*Claims",
            "ActingAs*",
            "PartnerPrincipal",
            "PartnerUser",
        ],
        "Parameter types (last path segment, `*` wildcards) that put a function in partner context",
    );

    pub const PARTNER_PATHS: OptionKey<StringList> = OptionKey::strings(
        "partner_paths",
        &[
            "**/partner/**",
            "**/partners/**",
            "**/partner_*.rs",
            "**/msp/**",
        ],
        "File or module path globs whose functions are in partner context",
    );

    pub const GUARD_FUNCTIONS: OptionKey<StringList> = OptionKey::strings(
        "guard_functions",
        &[
            "ensure_manages",
            "assert_partner_manages",
            "authorize_partner*",
            "check_partner_access",
            "require_manages",
            "ensure_*manages*",
            "assert_*manages*",
            "check_*manages*",
            "verify_*manages*",
            "require_*manages*",
            "authorize_*manages*",
            "ensure_*partner_access*",
            "assert_*partner_access*",
            "check_*partner_access*",
            "verify_*partner_access*",
            "require_*partner_access*",
            "authorize_*partner_access*",
        ],
        "Calls that check the partner manages the target tenant (`*` wildcards)",
    );

    pub const TENANT_ID_TYPES: OptionKey<StringList> = OptionKey::strings(
        "tenant_id_types",
        &["TenantId"],
        "Types whose values identify a target tenant",
    );

    pub const PARTNER_LABELS: OptionKey<StringList> = OptionKey::strings(
        "partner_labels",
        &["Partner"],
        "Graph labels of partners (the acting organisation): `Agency`, `Reseller`",
    );

    pub const TENANT_LABELS: OptionKey<StringList> = OptionKey::strings(
        "tenant_labels",
        &["Tenant"],
        "Graph labels of customer tenants (the organisations acted on): `Account`, `Customer`",
    );

    pub const MANAGES_RELATIONSHIPS: OptionKey<StringList> = OptionKey::strings(
        "manages_relationships",
        &["MANAGES"],
        "Relationship types from a partner to a tenant it may act on: `SERVES`",
    );

    pub const TENANT_OWNED_LABELS: OptionKey<StringList> = OptionKey::strings(
        "tenant_owned_labels",
        &[],
        "Graph labels owned by a tenant, besides the tenant labels and labels related to a tenant node in any query",
    );

    pub const QUERY_FUNCTIONS: OptionKey<StringList> = OptionKey::strings(
        "query_functions",
        &["query", "neo4rs::query", "Query::new"],
        "Functions whose first argument is a Cypher query",
    );

    pub const QUERY_METHODS: OptionKey<StringList> = OptionKey::strings(
        "query_methods",
        &["run", "execute", "run_query", "execute_query"],
        "Methods that take a Cypher query string directly as first argument",
    );

    pub const QUERY_MACROS: OptionKey<StringList> = OptionKey::strings(
        "query_macros",
        &["cypher", "cypher_query"],
        "Macros whose first argument is a Cypher query",
    );
}

/// Options of the shared model, under `[model]` in the config: every rule
/// sees partner context, guards and tenants the same way.
pub const MODEL_OPTIONS: &[OptionSpec] = &[
    option::PARTNER_CONTEXT_TYPES.spec(),
    option::PARTNER_PATHS.spec(),
    option::GUARD_FUNCTIONS.spec(),
    option::TENANT_ID_TYPES.spec(),
    option::PARTNER_LABELS.spec(),
    option::TENANT_LABELS.spec(),
    option::MANAGES_RELATIONSHIPS.spec(),
    option::TENANT_OWNED_LABELS.spec(),
    option::QUERY_FUNCTIONS.spec(),
    option::QUERY_METHODS.spec(),
    option::QUERY_MACROS.spec(),
];

/// The shared model of one run, built once from the index.
pub struct Model {
    /// Whether the workspace has a partner model at all (RULES.md R6): some function runs in
    /// partner context, or some query uses a manages relationship. Without one, the
    /// checklist items about partner access do not apply.
    pub partner_model: bool,
    pub graph: CallGraph,
    pub context: PartnerContext,
    pub queries: queries::Queries,
    /// Every `MANAGES` grant, by file, and whether the customer can revoke.
    pub grants: grants::Grants,
    /// Node and row creations and deletions, by function.
    pub actions: actions::Actions,
    /// Handlers routed for HTTP `DELETE`.
    pub delete_routes: delete_routes::DeleteRoutes,
    /// Routes, what they render, components and templates (PS501).
    pub pages: pages::Pages,
    /// Which types reach partner users (returned or put in a response body).
    pub responses: responses::PartnerResponses,
    /// Which types any function hands out, and whether only authentication flows do.
    pub all_responses: responses::AllResponses,
    /// Handlers a guard runs before on entry: in a route layer, interceptor or extractor.
    pub entry_guards: layers::EntryGuards,
    pub context_types: Patterns,
    pub tenant_id_types: Patterns,
    pub guards: Patterns,
    pub options: OptionValues,
}

impl Model {
    pub fn build(workspace: &Workspace, options: &OptionValues) -> Model {
        Model::build_with(workspace, options, None)
    }

    /// As [`Model::build`], with Cypher parse results kept between runs by the caller.
    pub fn build_with(
        workspace: &Workspace,
        options: &OptionValues,
        memo: Option<&dyn crate::cypher::ParseMemo>,
    ) -> Model {
        let context_types = Patterns::new(options.get(&option::PARTNER_CONTEXT_TYPES));
        // Globs were validated with the config; a bad one here matches nothing.
        let paths = PartnerPaths::new(options.get(&option::PARTNER_PATHS))
            .unwrap_or_else(|_| PartnerPaths::empty());
        // Phases that do not need each other run side by side: several are sequential inside,
        // and on a large workspace they would otherwise leave the other cores idle.
        let guards = Patterns::new(options.get(&option::GUARD_FUNCTIONS));
        let ((graph, context, entry_guards), queries) = rayon::join(
            || {
                let graph = CallGraph::build(workspace);
                let context = PartnerContext::build(workspace, &graph, &context_types, &paths);
                let checks = Checks {
                    workspace,
                    graph: &graph,
                    context: &context,
                };
                let entry_guards = layers::EntryGuards::build(
                    workspace,
                    &checks,
                    &|function, call| is_guard_call(workspace, &graph, &guards, function, call),
                    &|name| guards.matches(name),
                );
                (graph, context, entry_guards)
            },
            || queries::Queries::build_with(workspace, options, memo),
        );
        let ((grants, actions), ((pages, responses), (delete_routes, all_responses))) = rayon::join(
            || {
                rayon::join(
                    || grants::Grants::build(&queries, &graph, &context),
                    || actions::Actions::build(workspace, &queries),
                )
            },
            || {
                rayon::join(
                    || {
                        rayon::join(
                            || pages::Pages::build(workspace, &graph, &context),
                            || responses::PartnerResponses::build(workspace, &graph, &context),
                        )
                    },
                    || {
                        rayon::join(
                            || delete_routes::DeleteRoutes::build(workspace),
                            || responses::AllResponses::build(workspace),
                        )
                    },
                )
            },
        );
        let partner_model = !context.is_empty() || uses_manages(&queries);
        Model {
            partner_model,
            graph,
            context,
            queries,
            grants,
            actions,
            delete_routes,
            pages,
            responses,
            all_responses,
            entry_guards,
            context_types,
            tenant_id_types: Patterns::new(options.get(&option::TENANT_ID_TYPES)),
            guards,
            options: options.clone(),
        }
    }

    /// Whether the checklist items about partner access apply (R6); see
    /// [`Model::partner_model`].
    pub fn has_partner_model(&self) -> bool {
        self.partner_model
    }

    pub fn checks<'a>(&'a self, workspace: &'a Workspace) -> Checks<'a> {
        Checks {
            workspace,
            graph: &self.graph,
            context: &self.context,
        }
    }

    /// Whether a call is named like a guard. Use [`Model::is_guard_in`] where the calling
    /// function is known: a workspace guard must also really check.
    pub fn is_guard(&self, call: &CallSite) -> bool {
        self.guards.matches(call.name())
    }

    /// Whether a call in `function` is a partner-access guard (R13): it is named like one,
    /// and when it resolves to workspace functions, one of them really checks something.
    /// A stub `fn ensure_manages(..) -> Result<(), E> { Ok(()) }` guards nothing.
    pub fn is_guard_in(
        &self,
        workspace: &Workspace,
        function: callgraph::FnId,
        call: &CallSite,
    ) -> bool {
        is_guard_call(workspace, &self.graph, &self.guards, function, call)
    }

    /// Whether a partner-access guard runs before `offset` in `function`: a guard call, or
    /// the route layer, interceptor or extractor the function is entered through.
    pub fn guard_before(
        &self,
        workspace: &Workspace,
        function: callgraph::FnId,
        offset: u32,
        block: usize,
    ) -> Option<Found> {
        self.checks(workspace).runs_before_or_on_entry(
            function,
            offset,
            block,
            &|caller, call| self.is_guard_in(workspace, caller, call),
            &|entered| self.entry_guards.is_guarded(entered),
        )
    }

    /// "partner context: `partner::handler` → `store::list`", for messages.
    pub fn chain_text(&self, workspace: &Workspace, function: callgraph::FnId) -> String {
        Self::describe_chain(workspace, &self.context.chain(function))
    }

    /// The partner-context path to `function` along which no caller runs a
    /// guard, described for a message.
    pub fn unguarded_chain_text(&self, workspace: &Workspace, function: callgraph::FnId) -> String {
        let chain = self.checks(workspace).unchecked_chain_or_on_entry(
            function,
            &|caller, call| self.is_guard_in(workspace, caller, call),
            &|entered| self.entry_guards.is_guarded(entered),
        );
        self.entry_chain_text(workspace, &chain)
    }

    /// The partner-context path to `function` along which no caller runs a
    /// check matching `is_check`, described for a message.
    pub fn unchecked_chain_text_in(
        &self,
        workspace: &Workspace,
        function: callgraph::FnId,
        is_check: &dyn Fn(callgraph::FnId, &CallSite) -> bool,
    ) -> String {
        let chain = self
            .checks(workspace)
            .unchecked_chain_in(function, is_check);
        self.entry_chain_text(workspace, &chain)
    }

    /// A chain described from where it reaches an entry point: the rest is context already.
    fn entry_chain_text(&self, workspace: &Workspace, chain: &[callgraph::FnId]) -> String {
        let start = chain
            .iter()
            .rposition(|id| {
                !matches!(
                    self.context.reason(*id),
                    Some(context::Reason::CalledFrom(..))
                )
            })
            .unwrap_or(0);
        Self::describe_chain(workspace, &chain[start..])
    }

    fn describe_chain(workspace: &Workspace, chain: &[callgraph::FnId]) -> String {
        format!("partner context: {}", context::describe(workspace, chain))
    }

    pub fn roles<'a>(&'a self, workspace: &'a Workspace) -> actors::Roles<'a> {
        actors::Roles {
            workspace,
            context_types: &self.context_types,
            tenant_id_types: &self.tenant_id_types,
            vocabulary: &self.queries.vocabulary,
        }
    }
}

/// How many newtype layers `is_text_like` looks through (`struct Token(ApiKey)`).
const MAX_NEWTYPE_DEPTH: usize = 4;

/// Whether a value of this type carries text or bytes that can hold a secret
/// or PII: `String`, `&str`, `Cow<str>`, `Box<str>`, `Arc<str>`, `Vec<u8>`,
/// `[u8; N]`, a workspace newtype around one, or `Option`/`Vec` of one.
pub fn is_text_like(workspace: &Workspace, ty: &TypeRef) -> bool {
    text_like(workspace, ty, 0)
}

fn text_like(workspace: &Workspace, ty: &TypeRef, depth: usize) -> bool {
    if depth > MAX_NEWTYPE_DEPTH {
        return false;
    }
    let is_u8 = |ty: &TypeRef| ty.name() == Some("u8");
    match ty {
        TypeRef::Reference(inner) => text_like(workspace, inner, depth),
        TypeRef::Slice(inner) | TypeRef::Array(inner) => is_u8(inner),
        TypeRef::Path { .. } => {
            let args = ty.args();
            match ty.name() {
                Some("String" | "str") => true,
                Some("Cow" | "Box" | "Arc" | "Rc") => args
                    .iter()
                    .any(|arg| arg.name() == Some("str") || text_like(workspace, arg, depth + 1)),
                Some("Vec") => args
                    .first()
                    .is_some_and(|arg| is_u8(arg) || text_like(workspace, arg, depth + 1)),
                Some("Option") => args
                    .first()
                    .is_some_and(|arg| text_like(workspace, arg, depth + 1)),
                Some(name) => workspace.types_named(name).any(|def| {
                    def.newtype_field()
                        .is_some_and(|field| text_like(workspace, &field.ty, depth + 1))
                }),
                None => false,
            }
        }
        TypeRef::Tuple(_) | TypeRef::Other => false,
    }
}

/// Whether any part of the type is one of the wrapper types (`Option<Masked<String>>`
/// contains `Masked`). Wrappers may be given with a path; the last segment counts.
pub fn contains_wrapper<S: AsRef<str>>(ty: &TypeRef, wrappers: &[S]) -> bool {
    ty.any(&mut |part| {
        part.name().is_some_and(|name| {
            wrappers
                .iter()
                .any(|wrapper| wrapper.as_ref().rsplit("::").next() == Some(name))
        })
    })
}

/// Words that mark a serializer function or module as one that hides the value.
const REDACTING_WORDS: &[&str] = &[
    "redact",
    "redacted",
    "mask",
    "masked",
    "hide",
    "hidden",
    "obfuscate",
    "omit",
    "censor",
    "elide",
    "conceal",
];

/// Whether a `serialize_with`/`with` path names a redacting serializer
/// (`"redact"`, `"crate::serde_util::mask_secret"`, `"masked"`).
pub fn is_redacting_serializer(path: &str) -> bool {
    let last = path.rsplit("::").next().unwrap_or(path);
    words(last)
        .iter()
        .any(|word| REDACTING_WORDS.contains(&word.as_str()))
}

/// Calls that decide nothing: building the success value, conversions, logging.
const INERT_CALLS: &[&str] = &[
    "Ok",
    "Some",
    "default",
    "Default",
    "from",
    "into",
    "clone",
    "to_string",
    "to_owned",
    "info",
    "debug",
    "trace",
    "warn",
    "error",
    "println",
    "eprintln",
    "print",
    "eprint",
    "log",
    "event",
    "instrument",
];

/// Whether a guard's body can decide anything: it compares, or calls something beyond
/// building its success value and logging. `Ok(())` alone, whatever the name says,
/// checks nothing.
fn checks_something(function: &crate::index::FunctionDef) -> bool {
    !function.comparisons.is_empty()
        || function
            .calls
            .iter()
            .any(|call| !INERT_CALLS.contains(&call.name()))
}

/// See [`Model::is_guard_in`]; free of the model so that its parts can ask while it is built.
fn is_guard_call(
    workspace: &Workspace,
    graph: &CallGraph,
    guards: &Patterns,
    function: callgraph::FnId,
    call: &CallSite,
) -> bool {
    if !guards.matches(call.name()) {
        return false;
    }
    let Some(caller) = workspace.get_function(function) else {
        return true;
    };
    let Some(index) = caller.calls.iter().position(|own| std::ptr::eq(own, call)) else {
        return true;
    };
    let callees = graph.callees(function, index);
    callees.is_empty()
        || callees.iter().any(|callee| {
            workspace
                .files
                .get(callee.file)
                .and_then(|facts| facts.functions.get(callee.index))
                .is_some_and(checks_something)
        })
}

/// Whether any query names a manages relationship (`-[:MANAGES]->`), in any clause.
/// What the shared model reads of function bodies when no function is in partner context,
/// and what would give the workspace a partner model (see [`body_needs`]).
///
/// Read from bodies: every query call (the queries, their problems and the fan-out over
/// tenants they return come from them), every string that looks like Cypher (a query kept in
/// a table, which may use a manages relationship), `include!` (it adds a file to the module
/// tree) and `lazy_static!` (its statics are consts and permission lists, and one more const
/// of a name can change which one a query or a bound resolves to).
///
/// Signals: the pieces of each partner context type pattern (a parameter or a `get::<T>()`
/// lookup of one makes partner context) and of each partner path glob (a file, an inline
/// module or a route attribute under one), each manages relationship (a query using it),
/// and the pieces of each guard function pattern (context and PS202 follow a guard's
/// callees).
pub fn bodies_needed_without_partner_model(
    options: &OptionValues,
    needs: &mut body_needs::BodyNeeds,
) {
    for function in options.get(&option::QUERY_FUNCTIONS) {
        needs.call(function);
    }
    for method in options.get(&option::QUERY_METHODS) {
        needs.call(method);
    }
    for macro_name in options.get(&option::QUERY_MACROS) {
        needs.call(macro_name);
    }
    needs.cypher_strings();
    needs.call("include");
    needs.call("lazy_static");
    for pattern in options.get(&option::PARTNER_CONTEXT_TYPES) {
        needs.signal_pattern(pattern);
    }
    for glob in options.get(&option::PARTNER_PATHS) {
        needs.signal_glob(glob);
    }
    let vocabulary = vocabulary::Vocabulary::from_options(options);
    for relationship in vocabulary.manages_relationships() {
        needs.signal(relationship);
    }
    for pattern in options.get(&option::GUARD_FUNCTIONS) {
        needs.signal_pattern(pattern);
    }
}

fn uses_manages(queries: &queries::Queries) -> bool {
    queries
        .queries
        .iter()
        .filter_map(|query| query.parsed.as_ref().ok())
        .any(|facts| {
            facts
                .relationships
                .iter()
                .any(|relationship| queries.vocabulary.is_manages(relationship))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::index_file;

    fn ty(source: &str) -> TypeRef {
        let ty: syn::Type = syn::parse_str(source).unwrap();
        TypeRef::from_syn(&ty)
    }

    #[test]
    fn text_like_types() {
        let workspace = Workspace::new(vec![index_file(
            "src/lib.rs".into(),
            "struct ApiToken(String); struct Nested(ApiToken); struct Count(u32);".into(),
        )]);
        for text in [
            "String",
            "&str",
            "&'static str",
            "Cow<'a, str>",
            "Box<str>",
            "Vec<u8>",
            "[u8; 32]",
            "Option<String>",
            "ApiToken",
            "Option<Nested>",
            "Vec<String>",
        ] {
            assert!(is_text_like(&workspace, &ty(text)), "{text} is text-like");
        }
        for text in [
            "bool",
            "u32",
            "Count",
            "Option<bool>",
            "Vec<u32>",
            "(String, String)",
            "Uuid",
        ] {
            assert!(
                !is_text_like(&workspace, &ty(text)),
                "{text} is not text-like"
            );
        }
    }

    #[test]
    fn wrappers_anywhere_in_the_type() {
        let wrappers = ["secrecy::SecretString", "Masked"];
        assert!(contains_wrapper(&ty("Option<Masked<String>>"), &wrappers));
        assert!(contains_wrapper(&ty("secrecy::SecretString"), &wrappers));
        assert!(!contains_wrapper(&ty("Option<String>"), &wrappers));
    }

    #[test]
    fn redacting_serializers() {
        assert!(is_redacting_serializer("redact"));
        assert!(is_redacting_serializer("crate::serde_util::mask_secret"));
        assert!(is_redacting_serializer("serialize_redacted"));
        assert!(!is_redacting_serializer("serialize_secret"));
        assert!(!is_redacting_serializer("hex::serialize"));
    }
}
