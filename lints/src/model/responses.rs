//! Which types reach partner users: types returned from partner-context
//! functions (through `Json<…>`, `Vec<…>`, `Option<…>`, `Result<…, _>` and
//! any other wrapper), types put in a response body in partner context
//! (`Json(UserView { … })`, `Json(users)` with `users` bound from a struct
//! literal or a workspace call, `HttpResponse::Ok().json(&view)`, a tonic reply
//! `Response::new(ListReply { … })`), and,
//! transitively, the types of serialized fields of a `Serialize` type that
//! reaches them.

use super::callgraph::{CallGraph, FnId};
use super::context::PartnerContext;
use crate::diagnostic::Location;
use crate::index::{Callee, FunctionDef, TypeDef, TypeRef, Workspace};
use crate::model::context::qualified_name;
use crate::source::Span;
use foldhash::{HashMap, HashMapExt as _};
use std::collections::VecDeque;

/// How a type reaches partner users.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Via {
    /// Named in the return type of a partner-context function.
    Returned { function: FnId },
    /// Put in a response body in a partner-context function, at `span`.
    Body { function: FnId, span: Span },
    /// The type of a serialized field of another type that reaches partners.
    Nested { parent: String, field: String },
}

#[derive(Debug, Default)]
pub struct PartnerResponses {
    reach: HashMap<String, Via>,
}

/// How many `let` bindings a response body is followed through.
const MAX_BINDINGS: usize = 4;

impl PartnerResponses {
    pub fn build(
        workspace: &Workspace,
        graph: &CallGraph,
        context: &PartnerContext,
    ) -> PartnerResponses {
        let mut reach: HashMap<String, Via> = HashMap::new();
        let mut queue: VecDeque<String> = VecDeque::new();
        let mut add = |name: String, via: Via, queue: &mut VecDeque<String>| {
            if workspace.types_named(&name).next().is_none() || reach.contains_key(&name) {
                return;
            }
            reach.insert(name.clone(), via);
            queue.push_back(name);
        };
        for (file, facts) in workspace.files.iter().enumerate() {
            for (index, function) in facts.functions.iter().enumerate() {
                let id = FnId { file, index };
                if !context.contains(id) {
                    continue;
                }
                if let Some(ty) = &function.return_type {
                    let mut names = Vec::new();
                    type_names(ty, &mut names);
                    for name in names {
                        add(name, Via::Returned { function: id }, &mut queue);
                    }
                }
                for (name, span) in body_types(workspace, graph, id, function) {
                    add(name, Via::Body { function: id, span }, &mut queue);
                }
            }
        }
        while let Some(name) = queue.pop_front() {
            let mut nested = Vec::new();
            for def in workspace.types_named(&name) {
                if wire_derive(def).is_none() {
                    continue;
                }
                for field in serialized_fields(def) {
                    let mut names = Vec::new();
                    type_names(&field.ty, &mut names);
                    let member = field.name.clone().unwrap_or_else(|| "0".to_string());
                    nested.extend(names.into_iter().map(|n| (n, member.clone())));
                }
            }
            for (child, field) in nested {
                add(
                    child,
                    Via::Nested {
                        parent: name.clone(),
                        field,
                    },
                    &mut queue,
                );
            }
        }
        PartnerResponses { reach }
    }

    /// How a type (by name) reaches partner users, if it does.
    pub fn via(&self, type_name: &str) -> Option<&Via> {
        self.reach.get(type_name)
    }

    /// How a type reaches partner users, for a message (`` `UserView` is returned by
    /// `partner::users::list` in partner context ``), and where to point a label.
    pub fn describe(
        &self,
        workspace: &Workspace,
        type_name: &str,
        via: &Via,
    ) -> (String, Option<(Location, String)>) {
        let mut chain = vec![type_name.to_string()];
        let mut current = via;
        // Nested types: walk up to the type a function returns.
        for _ in 0..16 {
            let Via::Nested { parent, field } = current else {
                break;
            };
            chain.push(format!("{parent}.{field}"));
            match self.via(parent) {
                Some(next) => current = next,
                None => break,
            }
        }
        let nesting = if chain.len() > 1 {
            format!(
                "`{}` is nested in {}, ",
                type_name,
                chain[1..]
                    .iter()
                    .map(|link| format!("`{link}`"))
                    .collect::<Vec<_>>()
                    .join(" in ")
            )
        } else {
            String::new()
        };
        let root_type = chain
            .last()
            .and_then(|link| link.split('.').next())
            .unwrap_or(type_name)
            .to_string();
        match current {
            Via::Returned { function } | Via::Body { function, .. } => {
                let Some(def) = workspace.get_function(*function) else {
                    return (format!("{nesting}`{root_type}` is sent to partners"), None);
                };
                let name = qualified_name(def);
                let (verb, span) = match current {
                    Via::Body { span, .. } => ("put in a response body by", *span),
                    _ => ("returned by", def.name_span),
                };
                (
                    format!("{nesting}`{root_type}` is {verb} `{name}` in partner context"),
                    Some((
                        Location {
                            file: function.file,
                            span,
                        },
                        format!("`{root_type}` reaches partner users here"),
                    )),
                )
            }
            Via::Nested { .. } => (format!("{nesting}`{root_type}` is sent to partners"), None),
        }
    }
}

/// Which types any function hands out, in or out of partner context: named in a return
/// type or wrapped in a `Json(…)` response, and, transitively, the types of their
/// serialized fields. For each, whether only authentication flows hand it out (`login`,
/// `refresh_token`, `oauth_callback`, …): a credential such a flow issues is the caller's
/// own, returned to them once.
#[derive(Debug, Default)]
pub struct AllResponses {
    /// Type name → whether every function that hands it out is an authentication flow.
    reach: HashMap<String, bool>,
}

impl AllResponses {
    pub fn build(workspace: &Workspace) -> AllResponses {
        let mut reach: HashMap<String, bool> = HashMap::new();
        let mut queue: VecDeque<String> = VecDeque::new();
        // Flags only ever go from "only authentication flows" to "not only": a type is
        // queued again when its flag falls, so this ends.
        let add = |reach: &mut HashMap<String, bool>,
                   name: String,
                   auth: bool,
                   queue: &mut VecDeque<String>| {
            if workspace.types_named(&name).next().is_none() {
                return;
            }
            match reach.get_mut(&name) {
                None => {
                    reach.insert(name.clone(), auth);
                    queue.push_back(name);
                }
                Some(only_auth) if *only_auth && !auth => {
                    *only_auth = false;
                    queue.push_back(name);
                }
                Some(_) => {}
            }
        };
        for facts in &workspace.files {
            for function in &facts.functions {
                let auth = is_authentication_flow(&function.name);
                let mut names = Vec::new();
                if let Some(ty) = &function.return_type {
                    type_names(ty, &mut names);
                }
                for call in &function.calls {
                    if matches!(call.callee, Callee::Path(_)) && call.name() == "Json" {
                        names.extend(
                            function
                                .struct_literals
                                .iter()
                                .filter(|literal| {
                                    call.span.start <= literal.span.start
                                        && literal.span.end <= call.span.end
                                })
                                .map(|literal| literal.type_name.to_string()),
                        );
                    }
                }
                for name in names {
                    add(&mut reach, name, auth, &mut queue);
                }
            }
        }
        while let Some(name) = queue.pop_front() {
            let auth = reach.get(&name).copied().unwrap_or(false);
            let mut nested = Vec::new();
            for def in workspace.types_named(&name) {
                if wire_derive(def).is_none() {
                    continue;
                }
                for field in serialized_fields(def) {
                    type_names(&field.ty, &mut nested);
                }
            }
            for child in nested {
                add(&mut reach, child, auth, &mut queue);
            }
        }
        AllResponses { reach }
    }

    /// Whether some function hands the type out; `Some(true)` when only authentication
    /// flows do.
    pub fn handed_out(&self, type_name: &str) -> Option<bool> {
        self.reach.get(type_name).copied()
    }
}

/// Words of a function name that make it an authentication flow: it issues the
/// authenticated caller their own credential.
const AUTHENTICATION_WORDS: &[&str] = &[
    "login",
    "logon",
    "signin",
    "signup",
    "register",
    "authenticate",
    "token",
    "tokens",
    "refresh",
    "oauth",
    "exchange",
    "callback",
];

/// `login`, `sign_in`, `refresh_access_token`, `oauth_callback`, `exchange_code`.
pub fn is_authentication_flow(function_name: &str) -> bool {
    let words = crate::names::words(function_name);
    words
        .iter()
        .any(|word| AUTHENTICATION_WORDS.contains(&word.as_str()))
        || words.windows(2).any(|pair| {
            matches!(
                (pair[0].as_str(), pair[1].as_str()),
                ("sign" | "log", "in" | "on" | "up")
            )
        })
}

/// Derives that write a type's fields out to a client: serde's `Serialize`,
/// async-graphql's `SimpleObject` (a GraphQL result), prost's `Message` (a gRPC reply).
pub const WIRE_DERIVES: &[&str] = &["Serialize", "SimpleObject", "Message"];

/// The derive that sends a type's fields to a client, `Serialize` first.
pub fn wire_derive(def: &TypeDef) -> Option<&crate::index::Derive> {
    WIRE_DERIVES.iter().find_map(|name| def.derive(name))
}

/// Whether a field of a type with this derive is left out of what is sent.
pub fn field_hidden(derive: &str, field: &crate::index::FieldDef) -> bool {
    match derive {
        "SimpleObject" => field.serde.graphql_skip,
        "Message" => false,
        _ => field.serde.never_serialized(),
    }
}

fn serialized_fields(def: &TypeDef) -> impl Iterator<Item = &crate::index::FieldDef> {
    let derive = wire_derive(def).map_or("Serialize", |derive| derive.name.as_str());
    def.fields
        .iter()
        .chain(
            def.variants
                .iter()
                .flat_map(|variant| variant.fields.iter()),
        )
        .filter(move |field| !field_hidden(derive, field))
}

/// The type names in a type, the error side of `Result` left out.
pub fn type_names(ty: &TypeRef, out: &mut Vec<String>) {
    match ty {
        TypeRef::Path { args, .. } => {
            let Some(name) = ty.name() else { return };
            if name == "Result" {
                if let Some(ok) = args.first() {
                    type_names(ok, out);
                }
                return;
            }
            out.push(name.to_string());
            for arg in args {
                type_names(arg, out);
            }
        }
        TypeRef::Reference(inner) | TypeRef::Slice(inner) | TypeRef::Array(inner) => {
            type_names(inner, out)
        }
        TypeRef::Tuple(items) => {
            for item in items {
                type_names(item, out);
            }
        }
        TypeRef::Other => {}
    }
}

/// Types put in a response body: the arguments of `Json(…)`, `.json(…)` and of a
/// tonic reply `Response::new(…)` (`tonic::Response`; an `http::Response::new(body)` is a
/// body too).
fn body_types(
    workspace: &Workspace,
    graph: &CallGraph,
    id: FnId,
    function: &FunctionDef,
) -> Vec<(String, Span)> {
    let mut found = Vec::new();
    for call in &function.calls {
        let is_body = match &call.callee {
            Callee::Path(segments) => call.name() == "Json" || is_reply_constructor(segments),
            Callee::Method(name) => name == "json",
            Callee::Macro(_) => false,
        };
        if !is_body {
            continue;
        }
        for arg in &call.args {
            values_in(workspace, graph, id, function, arg.span, 0, &mut found);
        }
    }
    found
}

/// `Response::new(…)`, `tonic::Response::new(…)`: a gRPC reply around its message.
pub fn is_reply_constructor(segments: &[crate::names::Name]) -> bool {
    matches!(segments, [.., owner, method] if owner == "Response" && method == "new")
}

/// The types of values built in `span`: struct literals, workspace calls'
/// return types, and what `let`-bound names read there were bound to.
fn values_in(
    workspace: &Workspace,
    graph: &CallGraph,
    id: FnId,
    function: &FunctionDef,
    span: Span,
    depth: usize,
    found: &mut Vec<(String, Span)>,
) {
    if depth > MAX_BINDINGS {
        return;
    }
    let within = |inner: Span| span.start <= inner.start && inner.end <= span.end;
    let text = workspace.files.get(id.file).map(|facts| &facts.text);
    for literal in function.struct_literals.iter().filter(|l| within(l.span)) {
        // `Lookup::Found { .. }` is a value of the enum `Lookup`.
        let written = text
            .and_then(|text| text.get(literal.path_span.range()))
            .unwrap_or("");
        let segments: Vec<&str> = written.split("::").map(str::trim).collect();
        let enum_name = match segments.as_slice() {
            [.., owner, variant] => workspace
                .types_named(owner)
                .any(|def| def.variants.iter().any(|v| v.name == *variant))
                .then(|| owner.to_string()),
            _ => None,
        };
        found.push((
            enum_name.unwrap_or_else(|| literal.type_name.to_string()),
            literal.path_span,
        ));
    }
    for (index, call) in function.calls.iter().enumerate() {
        if !within(call.span) {
            continue;
        }
        for callee in graph.callees(id, index) {
            let Some(def) = workspace
                .files
                .get(callee.file)
                .and_then(|facts| facts.functions.get(callee.index))
            else {
                continue;
            };
            if let Some(ty) = &def.return_type {
                let mut names = Vec::new();
                type_names(ty, &mut names);
                found.extend(names.into_iter().map(|name| (name, call.span)));
            }
        }
    }
    for read in function.reads_within(span) {
        let [name] = read.place.as_slice() else {
            continue;
        };
        if let Some(init) = function
            .binding_before(name, read.span.start)
            .and_then(|binding| binding.init.as_ref())
        {
            values_in(workspace, graph, id, function, init.span, depth + 1, found);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Model;
    use crate::options::OptionValues;
    use crate::testing::workspace;

    #[test]
    fn returned_body_and_nested_types_reach_partners() {
        let workspace = workspace(&[
            (
                "src/views.rs",
                r#"
#[derive(Serialize)] pub struct UserView { pub email: String, pub address: Address, #[serde(skip)] pub internal: Internal }
#[derive(Serialize)] pub struct Address { pub street: String }
#[derive(Serialize)] pub struct Internal { pub note: String }
#[derive(Serialize)] pub struct Summary { pub n: u32 }
#[derive(Serialize)] pub struct Built { pub n: u32 }
#[derive(Serialize)] pub struct Loaded { pub n: u32 }
#[derive(Serialize)] pub struct Private { pub n: u32 }
#[derive(Serialize)] pub struct ErrorBody { pub email: String }
pub fn load() -> Vec<Loaded> { Vec::new() }
pub fn internal() -> Private { Private { n: 1 } }
"#,
            ),
            (
                "src/partner/users.rs",
                r#"
pub async fn list(ctx: PartnerContext) -> Result<Json<Vec<UserView>>, ErrorBody> { todo!() }
pub async fn summary(ctx: PartnerContext) -> impl IntoResponse {
    let built = Built { n: 1 };
    let loaded = views::load();
    (StatusCode::OK, Json((Summary { n: 2 }, built, loaded))).into_response()
}
"#,
            ),
        ]);
        let model = Model::build(
            &workspace,
            &OptionValues::defaults(crate::model::MODEL_OPTIONS),
        );
        let reached = |name: &str| model.responses.via(name).cloned();
        assert!(matches!(reached("UserView"), Some(Via::Returned { .. })));
        assert_eq!(
            reached("Address"),
            Some(Via::Nested {
                parent: "UserView".into(),
                field: "address".into()
            })
        );
        for name in ["Summary", "Built"] {
            assert!(matches!(reached(name), Some(Via::Body { .. })), "{name}");
        }
        // `load` is in partner context (called from `summary`): its return type counts.
        assert!(matches!(reached("Loaded"), Some(Via::Returned { .. })));
        for name in ["Internal", "ErrorBody", "Private"] {
            assert_eq!(reached(name), None, "{name}");
        }
    }

    #[test]
    fn a_tonic_reply_built_with_response_new_is_a_body() {
        let workspace = workspace(&[(
            "src/grpc.rs",
            r#"
#[derive(Clone, PartialEq, ::prost::Message)] pub struct Page { #[prost(string, tag = "1")] pub email: String }
#[derive(Clone, PartialEq, ::prost::Message)] pub struct Unsent { #[prost(string, tag = "1")] pub email: String }
impl DeviceService for Svc {
    async fn page(&self, req: Request<PageReq>) -> GrpcResult<Self::PageStream> {
        let session = req.extensions().get::<PartnerSession>();
        let unsent = Unsent { email: String::new() };
        Ok(Response::new(Page { email: String::new() }))
    }
}
"#,
        )]);
        let model = Model::build(
            &workspace,
            &OptionValues::defaults(crate::model::MODEL_OPTIONS),
        );
        assert!(matches!(
            model.responses.via("Page"),
            Some(Via::Body { .. })
        ));
        assert_eq!(model.responses.via("Unsent"), None);
    }
}
