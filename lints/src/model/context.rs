//! Partner context: which functions run on behalf of a partner, and how.
//!
//! A function is an entry when a parameter's type is a partner context type
//! (through `Extension<T>`, `State<T>`, `web::Data<T>`, `Request<T>`, `&T`, …),
//! when its body looks a partner context value up by type (a tonic extension
//! `req.extensions().get::<PartnerSession>()`, async-graphql's
//! `ctx.data::<PartnerSession>()`, actix's `req.app_data::<T>()`), when an
//! actix-web route attribute (`#[get("/partner/{tid}/devices")]`) puts it under
//! a partner path, or when its file or module path matches a partner path glob.
//! Context then flows along resolved calls.

use super::callgraph::{CallGraph, FnId};
use super::name_patterns::Patterns;
use crate::index::{FunctionDef, TypeRef, Workspace};
use crate::names::Name;
use foldhash::{HashMap, HashMapExt as _};
use globset::{Glob, GlobSet, GlobSetBuilder};
use std::collections::VecDeque;

/// Why a function is in partner context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// A parameter of a partner context type.
    Parameter(usize),
    /// Its file or module path matches a partner path glob.
    Path,
    /// Its body looks a partner context value up by type (index into `type_lookups`).
    Lookup(usize),
    /// A route attribute (`#[get("/partner/…")]`) whose path matches a partner path glob.
    Route,
    /// Called from a partner-context function (caller, call index).
    CalledFrom(FnId, usize),
}

#[derive(Debug, Default)]
pub struct PartnerContext {
    reasons: HashMap<FnId, Reason>,
}

/// How deep a type is searched for a partner context type (`Option<Extension<&T>>`).
const MAX_WRAPPER_DEPTH: usize = 4;

pub fn is_context_type(ty: &TypeRef, types: &Patterns) -> bool {
    fn search(ty: &TypeRef, types: &Patterns, depth: usize) -> bool {
        if depth > MAX_WRAPPER_DEPTH {
            return false;
        }
        if ty.name().is_some_and(|name| types.matches(name)) {
            return true;
        }
        match ty {
            TypeRef::Reference(inner) => search(inner, types, depth + 1),
            _ => ty.args().iter().any(|arg| search(arg, types, depth + 1)),
        }
    }
    search(ty, types, 0)
}

/// Methods that look framework state up by type: tonic's and http's
/// `extensions().get::<T>()`, async-graphql's `ctx.data::<T>()` family, actix's
/// `app_data::<T>()`.
const LOOKUP_METHODS: &[&str] = &[
    "get",
    "get_mut",
    "data",
    "data_opt",
    "data_unchecked",
    "app_data",
    "extract",
];

/// actix-web route macros whose first argument is the route's path.
const ROUTE_ATTRIBUTES: &[&str] = &[
    "get", "post", "put", "patch", "delete", "head", "options", "trace", "route",
];

/// Whether the function looks a partner context value up by type; the lookup's index.
fn context_lookup(function: &FunctionDef, types: &Patterns) -> Option<usize> {
    function.type_lookups.iter().position(|lookup| {
        LOOKUP_METHODS.contains(&lookup.method.as_str()) && is_context_type(&lookup.ty, types)
    })
}

/// Whether an actix-web route attribute puts the function under a partner path.
fn partner_route(function: &FunctionDef, paths: &PartnerPaths) -> bool {
    function.attributes.iter().any(|attribute| {
        ROUTE_ATTRIBUTES.contains(&attribute.name.as_str())
            && attribute
                .first_string
                .as_deref()
                .is_some_and(|route| paths.matches_route(route))
    })
}

/// Compiled partner path globs, matched against a file's path and against
/// its module path spelled as a path (`crate/partner/handlers.rs`).
#[derive(Debug)]
pub struct PartnerPaths(GlobSet);

impl PartnerPaths {
    pub fn new<S: AsRef<str>>(globs: impl IntoIterator<Item = S>) -> Result<Self, String> {
        let mut builder = GlobSetBuilder::new();
        for glob in globs {
            builder.add(Glob::new(glob.as_ref()).map_err(|error| error.to_string())?);
        }
        builder
            .build()
            .map(PartnerPaths)
            .map_err(|error| error.to_string())
    }

    pub fn empty() -> Self {
        PartnerPaths(GlobSet::empty())
    }

    /// A route path (`/partner/{tid}/devices`) read as a relative path, so that
    /// `**/partner/**` matches it as it matches `src/partner/devices.rs`.
    pub fn matches_route(&self, route: &str) -> bool {
        let relative = route.trim_start_matches('/');
        !relative.is_empty()
            && (self.0.is_match(relative) || self.0.is_match(format!("{relative}/_")))
    }

    pub fn matches(&self, file_path: &str, module_path: &[Name]) -> bool {
        // A module can live in `a/b.rs` or `a/b/mod.rs`; either spelling may match.
        let module = module_path.join("/");
        self.0.is_match(file_path)
            || (!module_path.is_empty()
                && (self.0.is_match(format!("crate/{module}.rs"))
                    || self.0.is_match(format!("crate/{module}/mod.rs"))))
    }
}

impl PartnerContext {
    pub fn build(
        workspace: &Workspace,
        graph: &CallGraph,
        types: &Patterns,
        paths: &PartnerPaths,
    ) -> Self {
        let mut reasons = HashMap::new();
        let mut queue = VecDeque::new();
        for (file, facts) in workspace.files.iter().enumerate() {
            // A file's functions nearly all share its module path: match the globs once per path.
            let mut last_module: Option<(&[Name], bool)> = None;
            for (index, function) in facts.functions.iter().enumerate() {
                let id = FnId { file, index };
                // Test code is never partner context (R6): a test that builds a partner
                // session to call a handler does not make what it calls run for a partner.
                if workspace.is_test_code(file, function.span.start) {
                    continue;
                }
                let reason = function
                    .params
                    .iter()
                    .position(|param| is_context_type(workspace.bound_type(param), types))
                    .map(Reason::Parameter)
                    .or_else(|| context_lookup(function, types).map(Reason::Lookup))
                    .or_else(|| partner_route(function, paths).then_some(Reason::Route))
                    .or_else(|| {
                        let module = function.module_path.as_slice();
                        let matched = match last_module {
                            Some((seen, matched)) if seen == module => matched,
                            _ => {
                                let matched = paths.matches(&facts.path, module);
                                last_module = Some((module, matched));
                                matched
                            }
                        };
                        matched.then_some(Reason::Path)
                    });
                if let Some(reason) = reason {
                    reasons.insert(id, reason);
                    queue.push_back(id);
                }
            }
        }
        // Breadth first, so each function keeps its shortest chain from an entry.
        while let Some(caller) = queue.pop_front() {
            let calls = workspace.function(caller).calls.len();
            for call in 0..calls {
                for &callee in graph.callees(caller, call) {
                    if workspace.is_test_code(callee.file, workspace.function(callee).span.start) {
                        continue;
                    }
                    if let std::collections::hash_map::Entry::Vacant(entry) = reasons.entry(callee)
                    {
                        entry.insert(Reason::CalledFrom(caller, call));
                        queue.push_back(callee);
                    }
                }
            }
        }
        PartnerContext { reasons }
    }

    pub fn contains(&self, function: FnId) -> bool {
        self.reasons.contains_key(&function)
    }

    /// Whether no function runs in partner context.
    pub fn is_empty(&self) -> bool {
        self.reasons.is_empty()
    }

    pub fn reason(&self, function: FnId) -> Option<Reason> {
        self.reasons.get(&function).copied()
    }

    /// The chain from the partner-context entry point to `function`, entry first.
    pub fn chain(&self, function: FnId) -> Vec<FnId> {
        let mut chain = vec![function];
        let mut current = function;
        while let Some(Reason::CalledFrom(caller, _)) = self.reason(current) {
            if chain.contains(&caller) || chain.len() > 64 {
                break;
            }
            chain.push(caller);
            current = caller;
        }
        chain.reverse();
        chain
    }
}

impl PartnerContext {
    /// `` `partner::rotate_key` → `audit::record` ``: the chain from the
    /// partner-context entry point to `function`, for messages; `None` when
    /// `function` is not in partner context.
    pub fn describe_chain(&self, workspace: &Workspace, function: FnId) -> Option<String> {
        self.contains(function)
            .then(|| describe(workspace, &self.chain(function)))
    }
}

/// `` `a::f` → `b::g` `` for a chain of functions.
pub fn describe(workspace: &Workspace, chain: &[FnId]) -> String {
    chain
        .iter()
        .filter_map(|&id| workspace.get_function(id))
        .map(|def| format!("`{}`", qualified_name(def)))
        .collect::<Vec<_>>()
        .join(" → ")
}

/// `module::Type::name` for messages.
pub fn qualified_name(function: &FunctionDef) -> String {
    let mut parts = function.module_path.clone();
    parts.extend(function.impl_type.clone());
    parts.push(function.name.clone());
    parts.join("::")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(files: &[(&str, &str)]) -> (Workspace, PartnerContext) {
        let workspace = crate::testing::workspace(files);
        let graph = CallGraph::build(&workspace);
        let types = Patterns::new(["Partner*Context", "Partner*Session", "ActingAs*"]);
        let paths = PartnerPaths::new(["**/partner/**", "**/partner_*.rs", "**/msp/**"]).unwrap();
        let context = PartnerContext::build(&workspace, &graph, &types, &paths);
        (workspace, context)
    }

    fn in_context(workspace: &Workspace, context: &PartnerContext) -> Vec<String> {
        let mut names = Vec::new();
        for (file, facts) in workspace.files.iter().enumerate() {
            for (index, function) in facts.functions.iter().enumerate() {
                if context.contains(FnId { file, index }) {
                    names.push(qualified_name(function));
                }
            }
        }
        names
    }

    #[test]
    fn parameters_through_extractors_and_three_calls_deep() {
        let (workspace, context) = context(&[(
            "src/api.rs",
            r#"
            async fn handler(Extension(session): Extension<PartnerSession>) { service::load(&session).await }
            async fn customer_handler(user: CustomerSession) { service::other().await }
            mod service {
                pub async fn load(s: &PartnerSession) { repo::fetch(1).await }
                pub async fn other() {}
                mod repo { pub async fn fetch(id: u32) { crate::db::run_query(id) } }
            }
            mod db { pub fn run_query(id: u32) {} }
            "#,
        )]);
        assert_eq!(
            in_context(&workspace, &context),
            [
                "api::handler",
                "api::service::load",
                "api::service::repo::fetch",
                "api::db::run_query"
            ]
        );
        let fetch_chain: Vec<String> = context
            .chain(FnId { file: 0, index: 5 })
            .iter()
            .map(|id| qualified_name(workspace.function(*id)))
            .collect();
        // `load` takes a partner session itself, so the chain starts there.
        assert_eq!(
            fetch_chain,
            [
                "api::service::load",
                "api::service::repo::fetch",
                "api::db::run_query"
            ]
        );
    }

    #[test]
    fn path_globs_on_files_and_inline_modules() {
        let (workspace, context) = context(&[
            ("portal/src/partner/tenants.rs", "fn a() {}"),
            ("src/partner_api.rs", "fn b() {}"),
            ("src/lib.rs", "mod msp { fn c() {} } fn d() {}"),
            ("src/partnership.rs", "fn e() {}"),
        ]);
        assert_eq!(
            in_context(&workspace, &context),
            ["partner::tenants::a", "partner_api::b", "msp::c"]
        );
    }

    #[test]
    fn a_session_bound_inside_a_workspace_extractor_is_partner_context() {
        // `PartnerAuth(session): PartnerAuth` binds the `PartnerSession` the extractor
        // holds, as `Extension(session)` does. The twin wraps a customer's session.
        let (workspace, context) = context(&[(
            "src/api.rs",
            r#"
            pub struct PartnerAuth(pub PartnerSession);
            pub struct CustomerAuth(pub CustomerSession);
            pub struct Extension<T>(pub T);
            async fn partner_handler(PartnerAuth(session): PartnerAuth) {}
            async fn customer_handler(CustomerAuth(user): CustomerAuth) {}
            async fn own_wrapper(Extension(session): Extension<PartnerSession>) {}
            "#,
        )]);
        assert_eq!(
            in_context(&workspace, &context),
            ["api::partner_handler", "api::own_wrapper"]
        );
    }

    #[test]
    fn framework_entries_actix_routes_tonic_extensions_and_graphql_data() {
        let workspace = crate::testing::workspace(&[(
            "src/api.rs",
            r#"
#[get("/partner/{tid}/devices")]
async fn actix_routed(tid: web::Path<TenantId>) -> HttpResponse { todo!() }
#[delete("/partners")]
async fn actix_root(tid: web::Path<TenantId>) -> HttpResponse { todo!() }
#[post("/admin/{tid}/devices")]
async fn actix_admin(tid: web::Path<TenantId>) -> HttpResponse { todo!() }
#[get("/partnership/terms")]
async fn actix_terms() -> HttpResponse { todo!() }
async fn actix_data(ctx: web::Data<PartnerCtx>) -> HttpResponse { todo!() }
impl DeviceService for Svc {
    async fn list(&self, req: Request<ListReq>) -> Result<Response<ListReply>, Status> {
        let session = req.extensions().get::<PartnerSession>().cloned();
        todo!()
    }
    async fn own(&self, req: Request<ListReq>) -> Result<Response<ListReply>, Status> {
        let user = req.extensions().get::<CustomerSession>().cloned();
        let n = req.get_ref().count.parse::<PartnerContext>();
        todo!()
    }
}
impl Query {
    async fn devices(&self, ctx: &Context<'_>) -> Result<Vec<Device>> {
        let s = ctx.data::<PartnerSession>()?;
        todo!()
    }
    async fn me(&self, ctx: &Context<'_>) -> Result<User> { let s = ctx.data::<UserSession>()?; todo!() }
}
"#,
        )]);
        let types = Patterns::new(["Partner*Context", "Partner*Ctx", "Partner*Session"]);
        let graph = CallGraph::build(&workspace);
        let paths = PartnerPaths::new(["**/partner/**", "**/partners/**"]).unwrap();
        let context = PartnerContext::build(&workspace, &graph, &types, &paths);
        assert_eq!(
            in_context(&workspace, &context),
            [
                "api::actix_routed",
                "api::actix_root",
                "api::actix_data",
                "api::Svc::list",
                "api::Query::devices"
            ]
        );
        let reasons: Vec<Option<Reason>> = [0, 4, 5, 7]
            .into_iter()
            .map(|index| context.reason(FnId { file: 0, index }))
            .collect();
        assert_eq!(
            reasons,
            [
                Some(Reason::Route),
                Some(Reason::Parameter(0)),
                Some(Reason::Lookup(0)),
                Some(Reason::Lookup(0))
            ]
        );
    }

    #[test]
    fn ambiguous_and_common_calls_do_not_pass_context_on() {
        let impls: String = (0..4)
            .map(|i| format!("struct T{i}; impl T{i} {{ fn sync(&self) {{}} }}\n"))
            .collect();
        let (workspace, context) = context(&[(
            "src/lib.rs",
            &format!("fn h(ctx: PartnerContext) {{ x.sync(); Store::new(); }}\nstruct Store; impl Store {{ fn new() {{}} }}\n{impls}"),
        )]);
        assert_eq!(in_context(&workspace, &context), ["h"]);
    }
}
