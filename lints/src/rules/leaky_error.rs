//! PS303 leaky-error: internal error detail sent to partners in a response body.

use crate::checklist::{ChecklistItem, Level};
use crate::diagnostic::{Diagnostic, FileId, Location};
use crate::index::{ArgFact, CallSite, Callee, FunctionDef, TypeDef, TypeRef, Workspace};
use crate::model::callgraph::FnId;
use crate::model::name_patterns::Patterns;
use crate::model::provenance::{hole_values, HoleValue, Provenance, SourceKind, Steps};
use crate::model::queries::WorkspaceResolver;
use crate::names::words;
use crate::names::Name;
use crate::options::{OptionSpec, OptionValues};
use crate::rule::{Context, Rule, RuleMeta};
use crate::source::Span;
use crate::strings::{format_holes, HoleArg};
use std::cell::OnceCell;

pub const META: RuleMeta = RuleMeta {
    code: "PS303",
    name: "leaky-error",
    checklist_item: Some(ChecklistItem::ErrorHandling),
    default_level: Level::Deny,
    summary: "An HTTP response shows internal error detail, query text or another tenant's identifiers to a partner",
    docs: r#"## What it does
Flags a response body, built in partner context or in an `IntoResponse`,
`ResponseError` or `Responder` impl, that carries internal detail:
- the text of an error value: `e.to_string()`, `format!("{e}")`, `format!("{}", e)`,
  `{:?}` (Debug), `{:#}` or `.chain()` (an `anyhow` chain), `.source()`, or the error
  itself inside `json!`;
- Cypher text (a value that resolves to a query string), query parameters (values
  named `params`/`parameters`), or identifiers of another tenant (`owner_tenant_id`,
  `other_tenant_id`, `existing_partner_id`, …).

Response bodies are every way a partner receives data: the parts after the status in
`(StatusCode::…, body)` tuples, `Json(…)` (with `json!` values), `.body(…)`/`.json(…)`
on a `Response::builder()`, `HttpResponse::…()` or `HttpResponse::build(…)`, the
receiver of `.into_response()`, actix `ErrorInternalServerError(e)`-style helpers;
every argument of a tonic `Status` constructor (`Status::internal(msg)`,
`Status::new(Code::Internal, msg)`, `Status::with_details(code, msg, details)`);
async-graphql's `Error::new(msg)` (written `async_graphql::Error` or imported from it)
and juniper's `FieldError::new(msg, extensions)`, the receiver and closure of
`.extend_with(…)` (the receiver's text becomes the message, what the closure sets
becomes an extension) and the receiver of `.extend()`; a struct literal of a type that
has its own `IntoResponse`/`ResponseError`/`Responder` impl (`ErrorBody { message: … }`
is serialized as it is built); the whole body of `impl From<E> for ApiError` when
`ApiError` has such an impl (the conversion builds the response); and, in a
partner-context function that returns `Result<_, String>` (or a status tuple or
response), the `map_err` closure and `Err(…)` values that become the response. A
`let` a body reads is followed to what it was bound to (`let message = e.to_string();`
then `.body(message)`), up to 4 bindings deep.

Partner context comes from the shared model: besides axum extractors, an actix-web
handler routed under a partner path (`#[get("/partner/{tid}/devices")]`) or taking
`web::Data<PartnerCtx>`, a tonic method that reads `req.extensions().get::<PartnerSession>()`,
and an async-graphql resolver that reads `ctx.data::<PartnerSession>()`.

An *error value* is known by where it comes from or its type: the parameter of a
`map_err`/`or_else`/`unwrap_or_else`/`inspect_err` closure, a name bound by `Err(e)`
in a `match`/`if let`, a field bound from an error enum's variant
(`AppError::Db(e)`) whose type is an error, a parameter typed as one, and `self` in
an impl for an error type. A type is an error when its name matches `error_types`
(`neo4rs::Error`, `sqlx::Error`, `RedisError`, `anyhow::Error`, `AppError`).

Decisions where the catalogue is silent:
- Every crate may have its own error type named exactly `Error` (`crate::Error`): a name
  means the type in the same file, else the one in the same crate. A qualified path into
  another crate (`neo4rs::Error`, `sqlx::Error`) is that crate's type, not the
  workspace's own `Error`, so `#[error("{0}")] Graph(#[from] neo4rs::Error)` leaks.
- Cypher text is also recognised when the response names a query `const` of another
  workspace crate (`use queries::LIST_DEVICES;`, `queries::LIST_DEVICES`), the crate
  known by its folder name.
- `std::io::Error::new(kind, e.to_string())` and other crates' `Error::new` are not
  GraphQL errors; what they carry is judged only where it reaches a response.
- An error type of the workspace whose `thiserror` messages are written for users
  (`#[error("tenant not found")]`) is not a leak. A message is a leak when it is
  `#[error(transparent)]` or formats an inner error (`{0}`, `{source}`, or a field
  whose type is an error). A workspace error type with a hand-written `Display` is
  not judged (its text is not known) and not flagged. Inside a `match` arm about some of
  its variants (`Self::Unauthorized => (StatusCode::UNAUTHORIZED, self.to_string())`),
  `self` is one of those variants, and only their messages are judged; elsewhere (a `_`
  arm, after the `match`) every variant's message is. The same holds for an inner error
  matched again (`AppError::Store(e) => match &e { StoreError::NotFound => … }`).
- `err.into_response()` (and `Err(err) => err.into_response()` in a blanket impl)
  hands the value to its own `IntoResponse` impl; that impl is judged where it is
  written, so the hand-over is not a leak.
- `#[error(transparent)]` shows its one field's message: it leaks when that field's
  type does (a driver error, `Box<dyn Error>`), not when it describes the caller's
  own input (`validator::ValidationErrors`, an extractor's `FormRejection`).
- Methods that reveal no text (`e.status()`, `e.code()`, `e.kind()`) are not leaks;
  neither is anything logged with `tracing` (only response bodies are read).
- A tenant identifier named for the caller's request (`tenant_id`, `target_tenant_id`)
  is the partner's own input and not a leak; names that say the identifier belongs to
  someone else (`owner_`, `other_`, `existing_`, `conflicting_`, `foreign_`,
  `another_`) are.

A workspace without a partner model (no function in partner context, no query that
uses a manages relationship) reports nothing for this rule: the checklist item is about
partners acting on tenants, and the run says once on stderr that no partner model was
found. Test code (items under exactly `#[cfg(test)]`, test functions, files only test
and bench targets reach) is never reported.

## Why is this bad?
Driver errors and formatted chains carry query text, parameters, hostnames, and
identifiers of other tenants' rows. A partner acting for a customer learns internal
state of that customer tenant (or of others) from an error page.

## Example
```rust
async fn tenant_users(session: PartnerSession, graph: Graph) -> Result<Json<Vec<User>>, (StatusCode, String)> {
    let rows = graph.execute(query(LIST_USERS)).await
        .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    Ok(Json(rows))
}
```

## Use instead
```rust
async fn tenant_users(session: PartnerSession, graph: Graph) -> Result<Json<Vec<User>>, (StatusCode, String)> {
    let rows = graph.execute(query(LIST_USERS)).await.map_err(|e| {
        tracing::error!(?e, "listing users failed");
        (StatusCode::INTERNAL_SERVER_ERROR, "internal error".to_string())
    })?;
    Ok(Json(rows))
}
```

## Options
- `error_types`: type names (last segment, `*` wildcards) whose values are errors.
- `parameter_names`: names of values that hold query parameters.

## Checklist item
3. Error Handling: Do error messages leaked to the Partner avoid revealing sensitive
internal state of the Customer Tenant?

## Fix
Map the error to a fixed message or an error code in the response, and log the detail
server-side: `tracing::error!(?e, "…")`.
"#,
    options: OPTIONS,
    build: Some(build),
};

/// Each option declared once: its key, default and doc, and the type it is read as.
mod option {
    use crate::options::{OptionKey, StringList};

    pub const ERROR_TYPES: OptionKey<StringList> = OptionKey::strings(
        "error_types",
        &["*Error", "Error", "*Exception"],
        "Type names (last path segment, `*` wildcards) whose values are errors",
    );

    pub const PARAMETER_NAMES: OptionKey<StringList> = OptionKey::strings(
        "parameter_names",
        &["params", "parameters", "query_params", "bind_params"],
        "Names of values that hold query parameters",
    );
}

const OPTIONS: &[OptionSpec] = &[option::ERROR_TYPES.spec(), option::PARAMETER_NAMES.spec()];

struct LeakyError {
    error_types: Patterns,
    parameter_names: Vec<String>,
}

fn build(options: &OptionValues) -> Box<dyn Rule> {
    Box::new(LeakyError {
        error_types: Patterns::new(options.get(&option::ERROR_TYPES)),
        parameter_names: options.get(&option::PARAMETER_NAMES).to_vec(),
    })
}

/// Traits whose impls build responses.
const RESPONSE_TRAITS: &[&str] = &["IntoResponse", "ResponseError", "Responder"];

/// Closures whose parameter is the error of the `Result` they are called on.
const ERROR_CLOSURES: &[&str] = &["map_err", "or_else", "unwrap_or_else", "inspect_err"];

/// Methods that turn an error into text.
const TEXT_METHODS: &[&str] = &[
    "to_string",
    "chain",
    "root_cause",
    "source",
    "description",
    "backtrace",
];

/// Macros whose first argument is a format template.
const FORMAT_MACROS: &[&str] = &["format", "format_args", "anyhow", "eyre", "bail"];

/// Words that say an identifier belongs to someone other than the caller.
const FOREIGN_WORDS: &[&str] = &[
    "owner",
    "other",
    "existing",
    "conflicting",
    "foreign",
    "another",
];

/// How deep error types are followed through their fields.
const MAX_TYPE_DEPTH: usize = 4;

/// How many `let` bindings a response body is followed through.
const MAX_BINDINGS: usize = 4;

impl Rule for LeakyError {
    fn check_file(&self, cx: &Context<'_>, file: FileId, out: &mut Vec<Diagnostic>) {
        // Without a partner model this checklist item does not apply (R6).
        if !cx.model.has_partner_model() {
            return;
        }
        let workspace = cx.workspace;
        let resolver = OnceCell::new();
        let provenance = Provenance::new(workspace, cx.model.roles(workspace));
        for (index, function) in workspace.file(file).functions.iter().enumerate() {
            let id = FnId { file, index };
            let response_trait = match function.trait_name.as_deref() {
                Some(name) if RESPONSE_TRAITS.contains(&name) => Some(name),
                Some("From")
                    if function
                        .impl_type
                        .as_deref()
                        .is_some_and(|ty| becomes_response(workspace, ty)) =>
                {
                    Some("From<_>")
                }
                _ if cx.model.context.contains(id) => None,
                _ => continue,
            };
            let check = ResponseFunction {
                rule: self,
                cx,
                id,
                function,
                resolver: &resolver,
                provenance: &provenance,
            };
            let mut leaks = Vec::new();
            for body in check.bodies() {
                check.leaks_in(body, &mut leaks);
            }
            if leaks.is_empty() {
                continue;
            }
            // Named only once a leak is found: the call chain is a walk of the model.
            let place = match response_trait {
                Some(name) => format!(
                    "in `impl {name} for {}`",
                    function.impl_type.as_deref().unwrap_or("_")
                ),
                None => format!("({})", cx.model.chain_text(workspace, id)),
            };
            leaks.sort_by_key(|leak| (leak.span.start, std::cmp::Reverse(leak.span.end)));
            // One node, one finding; a leak inside a reported one is the same defect.
            let mut reported: Vec<Span> = Vec::new();
            for leak in leaks {
                if reported
                    .iter()
                    .any(|done| done.start <= leak.span.start && leak.span.end <= done.end)
                {
                    continue;
                }
                reported.push(leak.span);
                out.push(
                    Diagnostic::new(
                        format!("response body shows {} to the partner {place}", leak.what),
                        Location { file, span: leak.span },
                    )
                    .with_primary_label("internal detail in the response")
                    .with_help("send a fixed message or an error code, and log the detail server-side: `tracing::error!(?e, \"…\")`"),
                );
            }
        }
    }
}

struct Leak {
    span: Span,
    what: String,
}

/// Where an error value comes from, for messages.
struct ErrorValue {
    description: String,
}

/// A function that may build a response a partner reads, with what judging its
/// bodies needs.
struct ResponseFunction<'a> {
    rule: &'a LeakyError,
    cx: &'a Context<'a>,
    id: FnId,
    function: &'a FunctionDef,
    resolver: &'a OnceCell<WorkspaceResolver<'a>>,
    /// What the values a body reads were bound to.
    provenance: &'a Provenance<'a>,
}

impl<'a> ResponseFunction<'a> {
    fn workspace(&self) -> &'a Workspace {
        self.cx.workspace
    }

    fn text(&self, span: Span) -> String {
        self.workspace()
            .file(self.id.file)
            .text
            .get(span.range())
            .unwrap_or("")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// A plain local name (`err`), not `self`, a field path or an expression
    /// (`place` sees through `err.to_string()`, so the text is compared too).
    fn is_bare_binding(&self, value: &ArgFact) -> bool {
        matches!(value.place.as_deref(), Some([name]) if name != "self" && self.text(value.span) == *name)
    }

    fn within(outer: Span, inner: Span) -> bool {
        outer.start <= inner.start && inner.end <= outer.end
    }

    /// async-graphql's `Error::new(msg)` and juniper's `FieldError::new(msg, ext)`:
    /// `FieldError` by name, `Error` when written with its crate or imported from it.
    fn is_graphql_error(&self, segments: &[Name]) -> bool {
        let [.., owner, method] = segments else {
            return false;
        };
        if method != "new" || !matches!(owner.as_str(), "Error" | "FieldError" | "ServerError") {
            return false;
        }
        if owner == "FieldError" {
            return true;
        }
        let expanded = self.workspace().file(self.id.file).expand_path(segments);
        expanded
            .first()
            .is_some_and(|head| GRAPHQL_CRATES.contains(&head.as_str()))
    }

    /// The spans of every response body built in the function.
    fn bodies(&self) -> Vec<Span> {
        let function = self.function;
        let mut bodies: Vec<Span> = function
            .status_tuples
            .iter()
            .flat_map(|tuple| tuple.parts.iter().map(|part| part.span))
            .collect();
        for call in &function.calls {
            let name = call.name();
            match &call.callee {
                Callee::Path(_) if name == "Json" || is_actix_error_helper(name) => {
                    bodies.extend(call.args.first().map(|arg| arg.span));
                }
                Callee::Path(segments)
                    if is_grpc_status(segments) || self.is_graphql_error(segments) =>
                {
                    // Every argument is sent: the message, and the details or
                    // extensions after it (a `Code` shows nothing).
                    bodies.extend(call.args.iter().map(|arg| arg.span));
                }
                Callee::Method(_) if name == "extend_with" => {
                    // async-graphql's `ErrorExtensions`: the receiver's `Display` text becomes
                    // the message, and what the closure sets becomes an extension.
                    bodies.extend(call.receiver.as_ref().map(|receiver| receiver.span));
                    bodies.extend(call.args.iter().map(|arg| arg.span));
                }
                Callee::Method(_) if name == "extend" => {
                    // `e.extend()` is the same conversion without extensions; on anything
                    // but an error (`params.extend(more)`) it is a collection's `extend`.
                    bodies.extend(
                        call.receiver
                            .as_ref()
                            .filter(|receiver| self.error_value(receiver, call.block).is_some())
                            .map(|receiver| receiver.span),
                    );
                }
                Callee::Method(_) if name == "into_response" => {
                    // `err.into_response()` hands the value to its own
                    // `IntoResponse` impl, which is judged where it is written.
                    bodies.extend(
                        call.receiver
                            .as_ref()
                            .filter(|receiver| !self.is_bare_binding(receiver))
                            .map(|receiver| receiver.span),
                    );
                }
                Callee::Method(_) if matches!(name, "body" | "json") => {
                    let on_builder = call.receiver.as_deref().is_some_and(|receiver| {
                        function.calls.iter().any(|inner| {
                            Self::within(receiver.span, inner.span)
                                && matches!(&inner.callee, Callee::Path(segments) if segments.iter().any(|s| is_response_type(s)))
                        })
                    });
                    if on_builder {
                        bodies.extend(call.args.first().map(|arg| arg.span));
                    }
                }
                _ => {}
            }
        }
        // A value of a type with its own response impl (`ErrorBody { message: … }`)
        // is serialized into the response as it is built.
        bodies.extend(
            function
                .struct_literals
                .iter()
                .filter(|literal| becomes_response(self.workspace(), &literal.type_name))
                .map(|literal| literal.span),
        );
        let converts_to_response = function.trait_name.as_deref() == Some("From")
            && function
                .impl_type
                .as_deref()
                .is_some_and(|ty| becomes_response(self.workspace(), ty));
        if converts_to_response {
            // `impl From<sqlx::Error> for ApiError`: what it builds is the response.
            bodies.extend(function.blocks.first().map(|block| block.span));
        }
        if self.cx.model.context.contains(self.id) && returns_text_error(function) {
            bodies.extend(
                function
                    .closures
                    .iter()
                    .filter(|closure| ERROR_CLOSURES.contains(&closure.callee.as_str()))
                    .filter_map(|closure| {
                        function.blocks.get(closure.body).map(|block| block.span)
                    }),
            );
            bodies.extend(
                function
                    .calls
                    .iter()
                    .filter(|call| matches!(&call.callee, Callee::Path(segments) if segments.len() == 1 && segments[0] == "Err"))
                    .filter_map(|call| call.args.first().map(|arg| arg.span)),
            );
        }
        bodies
    }

    /// Every leak inside `body`, and inside what the `let`s it reads were bound to
    /// (`let message = e.to_string(); … .body(message)`).
    fn leaks_in(&self, body: Span, out: &mut Vec<Leak>) {
        let bound = self
            .provenance
            .sources(self.id, body, Steps::bindings(MAX_BINDINGS));
        for source in bound {
            if source.kind != SourceKind::Value {
                continue;
            }
            let span = source.span;
            if source.depth == 0 {
                self.leaks_in_span(span, out);
                continue;
            }
            // In `let rows = load().await.map_err(|e| anyhow!("{e}"))?;` the closure
            // builds the error `?` returns, not the value bound: only the value counts.
            let closures: Vec<Span> = self
                .function
                .closures
                .iter()
                .filter(|closure| Self::within(span, closure.span))
                .map(|closure| closure.span)
                .collect();
            let mut found = Vec::new();
            self.leaks_in_span(span, &mut found);
            out.extend(found.into_iter().filter(|leak| {
                !closures
                    .iter()
                    .any(|closure| Self::within(*closure, leak.span))
            }));
        }
    }

    fn leaks_in_span(&self, body: Span, out: &mut Vec<Leak>) {
        let function = self.function;
        let block = function.block_at(body.start);
        // The body itself, when it is a value (`e.to_string()` reads `e`).
        let body_value = function
            .calls
            .iter()
            .flat_map(CallSite::values)
            .chain(function.status_tuples.iter().flat_map(|tuple| &tuple.parts))
            .find(|value| value.span == body);
        if let Some(value) = body_value {
            self.value_leak(value, block, "", None, out);
        }
        // Detail logged server-side is the fix, not a leak.
        let logged: Vec<Span> = function
            .calls
            .iter()
            .filter(|call| is_logging_macro(call))
            .map(|call| call.span)
            .collect();
        for call in function.calls.iter().filter(|call| {
            Self::within(body, call.span)
                && !logged.iter().any(|span| Self::within(*span, call.span))
        }) {
            self.call_leak(call, out);
        }
    }

    fn call_leak(&self, call: &CallSite, out: &mut Vec<Leak>) {
        let name = call.name();
        match &call.callee {
            Callee::Method(_) if TEXT_METHODS.contains(&name) => {
                let Some(receiver) = &call.receiver else {
                    return;
                };
                if let Some(error) = self.error_value(receiver, call.block) {
                    let how = match name {
                        "chain" | "root_cause" | "source" => "the error chain",
                        _ => "the text",
                    };
                    out.push(Leak {
                        span: call.span,
                        what: format!(
                            "`{}`, {how} of {},",
                            self.text(call.span),
                            error.description
                        ),
                    });
                }
            }
            Callee::Macro(_) if FORMAT_MACROS.contains(&name) => self.format_leak(call, out),
            Callee::Macro(_) if name == "json" => {
                for value in &call.args {
                    self.value_leak(value, call.block, "", None, out);
                }
            }
            _ => {}
        }
    }

    /// A value placed in a body or a format hole: an error, Cypher text,
    /// query parameters, another tenant's identifier.
    fn value_leak(
        &self,
        value: &ArgFact,
        block: usize,
        spec: &str,
        shown: Option<String>,
        out: &mut Vec<Leak>,
    ) {
        let Some(place) = &value.place else {
            return;
        };
        let text = shown.unwrap_or_else(|| self.text(value.span));
        if let Some(error) = self.error_value(value, block) {
            let how = if spec.contains('#') {
                "the `anyhow` chain"
            } else if spec.contains('?') {
                "the `Debug` text"
            } else {
                "the text"
            };
            out.push(Leak {
                span: value.span,
                what: format!("`{text}`, {how} of {},", error.description),
            });
            return;
        }
        let last = place.last().map_or("", Name::as_str);
        if self
            .rule
            .parameter_names
            .iter()
            .any(|name| name.eq_ignore_ascii_case(last))
        {
            out.push(Leak {
                span: value.span,
                what: format!("`{text}`, query parameters,"),
            });
            return;
        }
        let name_words = words(last);
        let is_identifier = last.ends_with("tenant_id")
            || last.ends_with("partner_id")
            || last.ends_with("customer_id");
        if is_identifier
            && name_words
                .first()
                .is_some_and(|word| FOREIGN_WORDS.contains(&word.as_str()))
        {
            out.push(Leak {
                span: value.span,
                what: format!("`{text}`, another tenant's identifier,"),
            });
            return;
        }
        if self.is_cypher(value) {
            out.push(Leak {
                span: value.span,
                what: format!("`{text}`, Cypher query text,"),
            });
        }
    }

    fn is_cypher(&self, value: &ArgFact) -> bool {
        let Some(string) = &value.string else {
            return false;
        };
        if !matches!(
            string,
            crate::strings::StrExpr::Name { .. } | crate::strings::StrExpr::Path { .. }
        ) {
            return false;
        }
        let resolver = self
            .resolver
            .get_or_init(|| WorkspaceResolver::new(self.workspace()));
        if let Some(text) = crate::strings::resolve(string, self.id.file, resolver) {
            return crate::cypher::looks_like_cypher(&text.text);
        }
        self.other_crate_const(string)
            .and_then(|(file, value)| crate::strings::resolve(&value, file, resolver))
            .is_some_and(|text| crate::cypher::looks_like_cypher(&text.text))
    }

    /// A const of another workspace crate named by a path into it
    /// (`queries::LIST_DEVICES`, or `LIST_DEVICES` after `use queries::LIST_DEVICES`):
    /// its value and the file it is in. Names resolve within their own crate
    /// first; this is the path's first segment read as a crate's name.
    fn other_crate_const(
        &self,
        string: &crate::strings::StrExpr,
    ) -> Option<(FileId, crate::strings::StrExpr)> {
        let written = match string {
            crate::strings::StrExpr::Name { name, .. } => vec![name.clone()],
            crate::strings::StrExpr::Path { segments, .. } => segments.clone(),
            _ => return None,
        };
        let here = self.workspace().file(self.id.file);
        let expanded = here.expand_path(&written);
        let [head, modules @ .., name] = expanded.as_slice() else {
            return None;
        };
        let own_crate = crate_name(&here.path);
        if own_crate.as_deref() == Some(head.as_str()) {
            return None;
        }
        let mut found = None;
        for (file, constant) in self.workspace().consts_named(name) {
            let facts = self.workspace().file(file);
            if crate_name(&facts.path).as_deref() != Some(head.as_str())
                || facts.module_path.as_slice() != modules
            {
                continue;
            }
            match found {
                // The file's first const of that name is the one, as in a scan of it.
                Some((seen, _)) if seen == file => continue,
                Some(_) => return None,
                None => found = Some((file, constant.value.clone()?)),
            }
        }
        found
    }

    /// Holes of a `format!`-family template filled with leaking values.
    fn format_leak(&self, call: &CallSite, out: &mut Vec<Leak>) {
        let Some(template) = call.args.first() else {
            return;
        };
        let Some(string) = &template.string else {
            return;
        };
        let resolver = self
            .resolver
            .get_or_init(|| WorkspaceResolver::new(self.workspace()));
        let Some(text) = crate::strings::resolve(string, self.id.file, resolver) else {
            return;
        };
        let positional: Vec<&ArgFact> = call.args.iter().skip(1).collect();
        let holes = format_holes(&text.text);
        let mut found = Vec::new();
        for (hole, value) in hole_values(&holes, &positional) {
            match value {
                HoleValue::Argument(value) => {
                    self.value_leak(value, call.block, &hole.spec, None, &mut found);
                }
                HoleValue::Named(name) => {
                    // `{e}` reads the binding `e`: judge it as a value at the macro.
                    let value = ArgFact {
                        span: call.span,
                        place: Some(vec![Name::from(name)]),
                        string: None,
                        shape_span: None,
                        int: None,
                    };
                    let colon = if hole.spec.is_empty() { "" } else { ":" };
                    let shown = format!("{{{name}{colon}{}}}", hole.spec);
                    self.value_leak(&value, call.block, &hole.spec, Some(shown), &mut found);
                }
            }
        }
        out.extend(found);
    }

    /// Whether a value is an error whose text is internal detail, and where it comes from.
    fn error_value(&self, value: &ArgFact, block: usize) -> Option<ErrorValue> {
        let place = value.place.as_ref()?;
        let head = place.first()?.as_str();
        let function = self.function;
        if place.len() > 1 && head != "self" {
            // `e.message`: a field of an error is not the error's text.
            return None;
        }
        if head == "self" {
            let self_type = function.impl_type.as_deref()?;
            let is_error = self.rule.error_types.matches(self_type)
                || function.trait_name.as_deref() == Some("ResponseError")
                || self
                    .workspace()
                    .trait_impls_for(self_type, "Error")
                    .next()
                    .is_some();
            if !is_error {
                return None;
            }
            return match place.get(1) {
                None => {
                    let variants = self.matched_variants(self_type, block);
                    if variants.is_empty() {
                        self.type_leaks(self_type, 0).then(|| ErrorValue {
                            description: format!(
                                "the `{self_type}` itself, whose message includes an inner error"
                            ),
                        })
                    } else {
                        let leaking = variants
                            .into_iter()
                            .find(|variant| self.variant_leaks(self_type, variant))?;
                        Some(ErrorValue {
                            description: format!(
                                "the `{self_type}::{leaking}` itself, whose message includes an inner error"
                            ),
                        })
                    }
                }
                Some(field) => {
                    let ty = self.field_type(self_type, field)?;
                    self.type_ref_leaks(&ty, 0).then(|| ErrorValue {
                        description: format!("the inner error `self.{field}`"),
                    })
                }
            };
        }
        // A closure parameter of `map_err` and the like.
        if let Some(closure) = function.closures.iter().find(|closure| {
            ERROR_CLOSURES.contains(&closure.callee.as_str())
                && closure.params.iter().any(|param| param == head)
                && function.block_within(block, closure.body)
        }) {
            let source = closure
                .receiver
                .and_then(|span| self.outermost_call(span))
                .map(|call| format!(" of `{}`", call_text(call)))
                .unwrap_or_default();
            return Some(ErrorValue {
                description: format!("the `{}` error `{head}`{source}", closure.callee),
            });
        }
        // A name bound by `Err(e)` or by an error variant.
        for pattern in function.patterns.iter().rev() {
            let Some((_, member)) = pattern.bindings.iter().find(|(name, _)| name == head) else {
                continue;
            };
            if !function.block_within(block, pattern.scope) {
                continue;
            }
            let path = &pattern.path;
            if path.len() == 1 && path[0] == "Err" {
                return Some(ErrorValue {
                    description: format!("the `Err` value `{head}`"),
                });
            }
            let (variant, owner) = match path.as_slice() {
                [.., owner, variant] => (variant.as_str(), owner.as_str()),
                _ => return None,
            };
            let owner = if owner == "Self" {
                function.impl_type.as_deref()?
            } else {
                owner
            };
            let ty = self.variant_field_type(owner, variant, member)?;
            let leaks = match self.arm_variants(&ty, block) {
                Some((inner, variants)) => variants
                    .iter()
                    .any(|matched| self.variant_leaks(inner, matched)),
                None => self.type_ref_leaks(&ty, 0),
            };
            return leaks.then(|| ErrorValue {
                description: format!("the inner error `{head}` of `{owner}::{variant}`"),
            });
        }
        // A parameter typed as an error.
        let param = function
            .params
            .iter()
            .find(|param| param.name.as_deref() == Some(head))?;
        let name = param.ty.name()?;
        let path = match &param.ty {
            TypeRef::Path { segments, .. } => segments.join("::"),
            TypeRef::Reference(inner) => match &**inner {
                TypeRef::Path { segments, .. } => segments.join("::"),
                _ => name.to_string(),
            },
            _ => name.to_string(),
        };
        (self.rule.error_types.matches(name) && self.type_ref_leaks(&param.ty, 0)).then(|| {
            ErrorValue {
                description: format!("the error `{head}` (`{path}`)"),
            }
        })
    }

    /// The variants of `type_name` that the `match` arms around `block` are about
    /// (`Self::Unauthorized => …`, `ApiError::Db(_) | ApiError::Pool(_) => …`): there, a value
    /// of that type is one of them, and only their messages are shown. Empty outside such arms.
    fn matched_variants(&self, type_name: &str, block: usize) -> Vec<&'a str> {
        let function = self.function;
        let is_self = function.impl_type.as_deref() == Some(type_name);
        function
            .patterns
            .iter()
            .filter(|pattern| function.block_within(block, pattern.scope))
            .filter_map(|pattern| match pattern.path.as_slice() {
                [.., owner, variant] if owner == type_name || (is_self && owner == "Self") => {
                    Some(variant.as_str())
                }
                _ => None,
            })
            .collect()
    }

    /// A workspace enum type (through `&`, `Box`, `Arc`) and the variants of it the `match`
    /// arms around `block` are about, when there are any: an inner error bound by
    /// `AppError::Store(e)` and matched again (`StoreError::NotFound => e.to_string()`).
    fn arm_variants(&self, ty: &TypeRef, block: usize) -> Option<(&'a str, Vec<&'a str>)> {
        let def = self.type_def(ty.held().name()?)?;
        let variants = self.matched_variants(&def.name, block);
        (!variants.is_empty()).then_some((def.name.as_str(), variants))
    }

    /// Whether one variant's `thiserror` message includes an inner error.
    fn variant_leaks(&self, type_name: &str, variant: &str) -> bool {
        self.type_def(type_name)
            .and_then(|def| def.variants.iter().find(|v| v.name == variant))
            .and_then(|v| Some((v.error_message.as_deref()?, &v.fields)))
            .is_some_and(|(message, fields)| self.message_leaks(message, fields, 0))
    }

    /// The call an expression is the result of (the widest call inside it).
    fn outermost_call(&self, span: Span) -> Option<&'a CallSite> {
        self.function
            .calls
            .iter()
            .filter(|call| Self::within(span, call.span))
            .max_by_key(|call| (call.span.len(), std::cmp::Reverse(call.span.start)))
    }

    /// The workspace type a name means here: the one in this file, else the one in this
    /// crate, else any. Every crate of a workspace may have its own `Error`
    /// (`crate::Error`), and they say different things.
    fn type_def(&self, name: &str) -> Option<&'a TypeDef> {
        let workspace = self.workspace();
        let here = &workspace.file(self.id.file).path;
        let mut fallback = None;
        let mut same_crate = None;
        for (file, def) in workspace.type_defs_named(name) {
            if file == self.id.file {
                return Some(def);
            }
            if same_crate.is_none() && crate_name(&workspace.file(file).path) == crate_name(here) {
                same_crate = Some(def);
            }
            fallback.get_or_insert(def);
        }
        same_crate.or(fallback)
    }

    fn field_type(&self, type_name: &str, field: &str) -> Option<TypeRef> {
        let def = self.type_def(type_name)?;
        field_of(&def.fields, field)
    }

    fn variant_field_type(&self, type_name: &str, variant: &str, member: &str) -> Option<TypeRef> {
        let def = self.type_def(type_name)?;
        let variant = def.variants.iter().find(|v| v.name == variant)?;
        field_of(&variant.fields, member)
    }

    /// Whether a value of this type shows internal detail when formatted:
    /// an error type outside the workspace, or a workspace error type whose
    /// `thiserror` messages include an inner error.
    fn type_ref_leaks(&self, ty: &TypeRef, depth: usize) -> bool {
        let ty = match ty {
            TypeRef::Reference(inner) => inner,
            other => other,
        };
        let Some(name) = ty.name() else {
            return false;
        };
        if matches!(name, "Box" | "Arc" | "Option") {
            // `Box<dyn Error>` has no name inside: an error of any kind.
            return ty.args().first().is_some_and(|inner| {
                inner.name().is_none() || self.type_ref_leaks(inner, depth + 1)
            });
        }
        if self.type_def(name).is_some() && !self.names_outside_type(ty) {
            return self.type_leaks(name, depth);
        }
        self.rule.error_types.matches(name)
    }

    /// Whether a qualified path names a type of another crate although the workspace has
    /// a type of that name: `neo4rs::Error` beside the workspace's own `crate::Error`.
    /// The path names a workspace type when its qualifier is `crate`/`self`/`super` or a
    /// module that holds a type of that name.
    fn names_outside_type(&self, ty: &TypeRef) -> bool {
        let TypeRef::Path { segments, .. } = ty else {
            return false;
        };
        let [head, .., name] = segments.as_slice() else {
            return false;
        };
        let Some(qualifier) = segments
            .len()
            .checked_sub(2)
            .and_then(|at| segments.get(at))
        else {
            return false;
        };
        if matches!(head.as_str(), "crate" | "self" | "super" | "Self") {
            return false;
        }
        !self.workspace().type_defs_named(name).any(|(file, _)| {
            let facts = self.workspace().file(file);
            facts.module_path.last() == Some(qualifier)
                || facts.module_path.first() == Some(head)
                || crate_name(&facts.path).as_deref() == Some(head.as_str())
        })
    }

    /// Whether a workspace type's own message includes an inner error.
    fn type_leaks(&self, name: &str, depth: usize) -> bool {
        if depth > MAX_TYPE_DEPTH {
            return false;
        }
        let Some(def) = self.type_def(name) else {
            return self.rule.error_types.matches(name);
        };
        let mut any_message = def.error_message.is_some();
        let mut leaks = def
            .error_message
            .as_deref()
            .is_some_and(|message| self.message_leaks(message, &def.fields, depth));
        for variant in &def.variants {
            if let Some(message) = &variant.error_message {
                any_message = true;
                leaks |= self.message_leaks(message, &variant.fields, depth);
            }
        }
        // No `thiserror` messages: a hand-written `Display`, not judged.
        any_message && leaks
    }

    fn message_leaks(
        &self,
        message: &str,
        fields: &[crate::index::FieldDef],
        depth: usize,
    ) -> bool {
        if message == "transparent" {
            // The message is the one field's: it leaks when that field does
            // (`ValidationErrors` or an extractor `*Rejection` describe the
            // caller's own input, a driver error does not).
            return fields
                .first()
                .is_some_and(|field| self.type_ref_leaks(&field.ty, depth + 1));
        }
        let mut next = 0;
        format_holes(message).into_iter().any(|hole| {
            let member = match hole.arg {
                HoleArg::Next => {
                    next += 1;
                    (next - 1).to_string()
                }
                HoleArg::Index(index) => index.to_string(),
                HoleArg::Name(name) => name,
            };
            if member == "source" {
                return true;
            }
            field_of(fields, &member).is_some_and(|ty| {
                ty.name()
                    .is_some_and(|name| self.rule.error_types.matches(name))
                    && self.type_ref_leaks(&ty, depth + 1)
            })
        })
    }
}

fn field_of(fields: &[crate::index::FieldDef], member: &str) -> Option<TypeRef> {
    match member.parse::<usize>() {
        Ok(index) => fields.get(index).map(|field| field.ty.clone()),
        Err(_) => fields
            .iter()
            .find(|field| field.name.as_deref() == Some(member))
            .map(|field| field.ty.clone()),
    }
}

/// `graph.execute(..)`, `store::load(..)`, `.send(..)`, for messages.
fn call_text(call: &CallSite) -> String {
    match &call.callee {
        Callee::Path(segments) => format!("{}(..)", segments.join("::")),
        Callee::Macro(segments) => format!("{}!(..)", segments.join("::")),
        Callee::Method(name) => match call.receiver.as_deref().and_then(|r| r.place.as_ref()) {
            Some(place) => format!("{}.{name}(..)", place.join(".")),
            None => format!(".{name}(..)"),
        },
    }
}

/// `tracing`/`log` event macros: what they format goes to the server log.
fn is_logging_macro(call: &CallSite) -> bool {
    matches!(&call.callee, Callee::Macro(_))
        && matches!(
            call.name(),
            "trace" | "debug" | "info" | "warn" | "error" | "event" | "log"
        )
}

/// The crate a file belongs to, as code names it: the folder holding its `src/`
/// (`crates/db-core/src/lib.rs` → `db_core`).
fn crate_name(path: &str) -> Option<String> {
    let root = &path[..path.find("src/")?];
    let folder = root.trim_end_matches('/').rsplit('/').next()?;
    (!folder.is_empty()).then(|| folder.replace('-', "_"))
}

/// GraphQL server crates whose errors are sent to the client.
const GRAPHQL_CRATES: &[&str] = &["async_graphql", "juniper"];

/// `Status::internal(msg)`, `tonic::Status::new(Code::Internal, msg)`,
/// `Status::with_details(code, msg, details)`: a gRPC status the client reads.
fn is_grpc_status(segments: &[Name]) -> bool {
    matches!(segments, [.., owner, _] if owner == "Status")
}

/// Whether values of a workspace type become responses on their own: it
/// implements `IntoResponse`, `ResponseError` or `Responder`.
fn becomes_response(workspace: &Workspace, type_name: &str) -> bool {
    RESPONSE_TRAITS
        .iter()
        .any(|name| workspace.trait_impls_for(type_name, name).next().is_some())
}

fn is_response_type(segment: &str) -> bool {
    matches!(
        segment,
        "HttpResponse" | "Response" | "HttpResponseBuilder" | "ResponseBuilder"
    )
}

/// actix-web's `ErrorInternalServerError(e)`, `ErrorBadRequest(e)`, …: the
/// error's `Display` text becomes the body.
fn is_actix_error_helper(name: &str) -> bool {
    name.strip_prefix("Error")
        .is_some_and(|rest| rest.chars().next().is_some_and(char::is_uppercase))
}

/// Whether the function returns `Result<_, E>` where `E` becomes a response
/// body as it is: text, a status tuple or a response.
fn returns_text_error(function: &FunctionDef) -> bool {
    let Some(ty) = &function.return_type else {
        return false;
    };
    if ty.name() != Some("Result") {
        return false;
    }
    match ty.args().get(1) {
        Some(TypeRef::Tuple(_)) => true,
        Some(error) => matches!(
            error.name(),
            Some("String" | "str" | "Response" | "HttpResponse" | "Html")
        ),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::Expect;

    /// These tests are about services with a partner model, as `check` says.
    #[track_caller]
    fn expect(fixture: &str) {
        Expect::rule("PS303").with_partner_model().findings(fixture);
    }

    /// These tests are about services with a partner model; without one the rule reports
    /// nothing (R6), which `without_a_partner_model_nothing_is_reported` tests.
    fn check(code: &str, files: &[(&str, &str)]) -> Vec<String> {
        crate::testing::check_with_partner_model(code, &[], files)
    }

    #[test]
    fn without_a_partner_model_nothing_is_reported() {
        // A service with no partners answers its own users; which tenant an error text
        // may leak across does not arise (R6).
        let errors = r#"
pub enum ApiError { Db(sqlx::Error) }
impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Db(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
        }
    }
}
"#;
        assert_eq!(
            crate::testing::check("PS303", &[("src/errors.rs", errors)]),
            Vec::<String>::new()
        );
        // The twin: the same impl in a service with partners answers them too.
        assert_eq!(
            check("PS303", &[("src/errors.rs", errors)]),
            ["src/errors.rs:6:68: deny[PS303] response body shows `e.to_string()`, the text of the inner error `e` of `ApiError::Db`, to the partner in `impl IntoResponse for ApiError`"]
        );
    }

    #[test]
    fn axum_status_tuple_from_map_err() {
        expect(
            r#"
//- src/partner/handlers.rs
async fn users(Extension(session): Extension<PartnerSession>, State(graph): State<Graph>) -> Result<Json<Vec<String>>, (StatusCode, String)> {
    let rows = graph.execute(query("MATCH (u:User) RETURN u")).await
        .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
//                                                       ^^^^^^^^^^^^^ deny[PS303] response body shows `e.to_string()`, the text of the `map_err` error `e` of `graph.execute(..)`, to the partner (partner context: `partner::handlers::users`)
    Ok(Json(rows))
}
"#,
        );
    }

    #[test]
    fn json_bodies_debug_and_anyhow_chains_in_err_arms() {
        expect(
            r#"
//- src/partner/handlers.rs
async fn sync(Extension(session): Extension<PartnerSession>) -> Response {
    match run_sync(&session).await {
        Ok(n) => Json(json!({"synced": n})).into_response(),
        Err(err) => (StatusCode::BAD_GATEWAY, Json(json!({"error": format!("sync failed: {err:#}")}))).into_response(),
//                                                                 ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS303] response body shows `{err:#}`, the `anyhow` chain of the `Err` value `err`, to the partner (partner context: `partner::handlers::sync`)
    }
}
async fn sync_debug(Extension(session): Extension<PartnerSession>) -> Response {
    if let Err(err) = run_sync(&session).await {
        let causes: Vec<String> = vec![];
        return Response::builder().status(502).body(format!("failed: {:?}", err)).unwrap();
//                                                                          ^^^ deny[PS303] response body shows `err`, the `Debug` text of the `Err` value `err`, to the partner (partner context: `partner::handlers::sync_debug`)
    }
    match run_sync(&session).await {
        Err(e) => Json(json!({"error": e.chain().map(|c| c.to_string()).collect::<Vec<_>>()})).into_response(),
//                                     ^^^^^^^^^ deny[PS303] response body shows `e.chain()`, the error chain of the `Err` value `e`, to the partner (partner context: `partner::handlers::sync_debug`)
        Ok(_) => StatusCode::OK.into_response(),
    }
}
async fn sync_raw(Extension(session): Extension<PartnerSession>) -> Response {
    match run_sync(&session).await {
        Err(e) => Json(json!({"error": e, "code": "sync_failed"})).into_response(),
//                                     ^ deny[PS303] response body shows `e`, the text of the `Err` value `e`, to the partner (partner context: `partner::handlers::sync_raw`)
        Ok(_) => StatusCode::OK.into_response(),
    }
}
"#,
        );
    }

    #[test]
    fn actix_responses_and_error_helpers() {
        expect(
            r#"
//- src/partner/handlers.rs
async fn devices(session: PartnerSession, db: web::Data<Pool>) -> HttpResponse {
    match load(&db).await {
        Ok(devices) => HttpResponse::Ok().json(devices),
        Err(e) => HttpResponse::InternalServerError().body(e.to_string()),
//                                                         ^^^^^^^^^^^^^ deny[PS303] response body shows `e.to_string()`, the text of the `Err` value `e`, to the partner (partner context: `partner::handlers::devices`)
    }
}
async fn backups(session: PartnerSession, db: web::Data<Pool>) -> actix_web::Result<HttpResponse> {
    let rows = load(&db).await.map_err(|e| actix_web::error::ErrorInternalServerError(e))?;
//                                                                                    ^ deny[PS303] response body shows `e`, the text of the `map_err` error `e` of `load(..)`, to the partner (partner context: `partner::handlers::backups`)
    Ok(HttpResponse::Ok().json(json!({"rows": rows})))
}
"#,
        );
    }

    const ERRORS: &str = r#"
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("tenant not found")]
    NotFound,
    #[error("database error: {0}")]
    Db(#[from] neo4rs::Error),
    #[error(transparent)]
    Other(anyhow::Error),
}

#[derive(Debug, thiserror::Error)]
pub enum PublicError {
    #[error("tenant not found")]
    NotFound,
    #[error("the service is unavailable, try again later")]
    Unavailable { source: UpstreamFailure },
    #[error("plan {plan} does not allow this")]
    Plan { plan: String },
}

#[derive(Debug)]
pub struct UpstreamFailure;
"#;

    #[test]
    fn impls_for_error_types_judge_thiserror_messages() {
        Expect::rule("PS303")
            .with_partner_model()
            .with_files(&[("src/errors.rs", ERRORS)])
            .findings(
                r#"
//- src/http.rs
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = match &self { AppError::NotFound => StatusCode::NOT_FOUND, _ => StatusCode::INTERNAL_SERVER_ERROR };
        (status, self.to_string()).into_response()
//               ^^^^^^^^^^^^^^^^ deny[PS303] response body shows `self.to_string()`, the text of the `AppError` itself, whose message includes an inner error, to the partner in `impl IntoResponse for AppError`
    }
}
impl ResponseError for AppError {
    fn error_response(&self) -> HttpResponse {
        match self {
            AppError::Db(inner) => HttpResponse::InternalServerError().body(format!("{inner:?}")),
//                                                                          ^^^^^^^^^^^^^^^^^^^^ deny[PS303] response body shows `{inner:?}`, the `Debug` text of the inner error `inner` of `AppError::Db`, to the partner in `impl ResponseError for AppError`
            AppError::NotFound => HttpResponse::NotFound().json(json!({"code": "not_found"})),
            AppError::Other(e) => HttpResponse::InternalServerError().finish(),
        }
    }
}
impl IntoResponse for PublicError {
    fn into_response(self) -> Response {
        (StatusCode::BAD_REQUEST, Json(json!({"error": self.to_string()}))).into_response()
    }
}
"#,
            );
    }

    #[test]
    fn text_errors_returned_from_partner_functions() {
        expect(
            r#"
//- src/partner/handlers.rs
pub async fn ensure_plan(Extension(session): Extension<PartnerSession>, graph: &Graph) -> Result<(), String> {
    graph.run(query("MATCH (t:Tenant) RETURN t")).await.map_err(|e| format!("lookup failed: {e}"))?;
//                                                                  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS303] response body shows `{e}`, the text of the `map_err` error `e` of `graph.run(..)`, to the partner (partner context: `partner::handlers::ensure_plan`)
    if let Err(e) = graph.run(query("RETURN 1")).await {
        return Err(e.to_string());
//                 ^^^^^^^^^^^^^ deny[PS303] response body shows `e.to_string()`, the text of the `Err` value `e`, to the partner (partner context: `partner::handlers::ensure_plan`)
    }
    graph.run(query("RETURN 2")).await.map_err(|_| "lookup failed".to_string())?;
    Ok(())
}
pub async fn internal(Extension(session): Extension<PartnerSession>, graph: &Graph) -> anyhow::Result<()> {
    graph.run(query("RETURN 1")).await.map_err(|e| anyhow::anyhow!("lookup failed: {e}"))?;
    Ok(())
}
"#,
        );
    }

    #[test]
    fn cypher_text_parameters_and_other_tenants_identifiers() {
        expect(
            r#"
//- src/partner/handlers.rs
const MOVE_DEVICE: &str = "MATCH (d:Device {id: $id}) SET d.tenant = $tenant";
async fn move_device(Extension(session): Extension<PartnerSession>, Json(params): Json<MoveParams>) -> Response {
    let owner_tenant_id = lookup_owner(&params.id).await;
    if owner_tenant_id != params.tenant {
        return (StatusCode::CONFLICT, format!("device belongs to tenant {}", owner_tenant_id)).into_response();
//                                                                           ^^^^^^^^^^^^^^^ deny[PS303] response body shows `owner_tenant_id`, another tenant's identifier, to the partner (partner context: `partner::handlers::move_device`)
    }
    (StatusCode::BAD_REQUEST, format!("query {} failed with {:?}", MOVE_DEVICE, params)).into_response()
//                                                                 ^^^^^^^^^^^ deny[PS303] response body shows `MOVE_DEVICE`, Cypher query text, to the partner (partner context: `partner::handlers::move_device`)
//                                                                              ^^^^^^ deny[PS303] response body shows `params`, query parameters, to the partner (partner context: `partner::handlers::move_device`)
}
"#,
        );
    }

    #[test]
    fn fixed_messages_codes_and_logged_detail_are_fine() {
        expect(
            r#"
//- src/partner/handlers.rs
async fn users(Extension(session): Extension<PartnerSession>, State(graph): State<Graph>, Path(tenant_id): Path<String>) -> Result<Json<Vec<String>>, (StatusCode, String)> {
    let rows = graph.execute(query("MATCH (u:User) RETURN u")).await.map_err(|e| {
        tracing::error!(?e, error = %e, "listing users failed");
        log::warn!("listing users failed: {}", e.to_string());
        (StatusCode::INTERNAL_SERVER_ERROR, "internal error".to_string())
    })?;
    match refresh(&graph).await {
        Err(e) => return Err((e.status().unwrap_or(StatusCode::BAD_GATEWAY), format!("refresh failed (code {})", ERROR_CODE))),
        Ok(_) => {}
    }
    if rows.is_empty() {
        return Err((StatusCode::NOT_FOUND, format!("tenant {tenant_id} has no users")));
    }
    Ok(Json(json!({"users": rows, "code": "ok"})))
}
"#,
        );
    }

    #[test]
    fn outside_partner_context_and_response_impls_nothing_is_flagged() {
        expect(
            r#"
//- src/customer.rs
async fn users(Extension(session): Extension<CustomerSession>, State(graph): State<Graph>) -> Result<Json<Vec<String>>, (StatusCode, String)> {
    let rows = graph.execute(query("MATCH (u:User) RETURN u")).await
        .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    Ok(Json(rows))
}
impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { write!(f, "{}", self.inner) }
}
"#,
        );
    }

    #[test]
    fn user_facing_error_enums_are_not_leaks() {
        Expect::rule("PS303")
            .with_partner_model()
            .with_files(&[("src/errors.rs", ERRORS)])
            .findings(
                r#"
//- src/partner/api.rs
async fn plan(Extension(session): Extension<PartnerSession>) -> Response {
    match change_plan(&session).await {
        Err(PublicError::Unavailable { source }) => (StatusCode::SERVICE_UNAVAILABLE, "try again later".to_string()).into_response(),
        Err(PublicError::Plan { plan }) => (StatusCode::BAD_REQUEST, plan).into_response(),
        Err(AppError::Db(inner)) => (StatusCode::INTERNAL_SERVER_ERROR, inner.to_string()).into_response(),
//                                                                      ^^^^^^^^^^^^^^^^^ deny[PS303] response body shows `inner.to_string()`, the text of the inner error `inner` of `AppError::Db`, to the partner (partner context: `partner::api::plan`)
        _ => StatusCode::OK.into_response(),
    }
}
"#,
            );
    }

    #[test]
    fn responder_impls_and_parameters_typed_as_driver_errors() {
        Expect::rule("PS303")
            .with_partner_model()
            .with_files(&[("src/errors.rs", ERRORS)])
            .findings(
                r#"
//- src/reports.rs
impl Responder for TenantReport {
    type Body = BoxBody;
    fn respond_to(self, _req: &HttpRequest) -> HttpResponse {
        match self.render() {
            Ok(html) => HttpResponse::Ok().body(html),
            Err(e) => HttpResponse::InternalServerError().body(format!("render failed: {e:?}")),
//                                                             ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS303] response body shows `{e:?}`, the `Debug` text of the `Err` value `e`, to the partner in `impl Responder for TenantReport`
        }
    }
}
//- src/partner/convert.rs
pub fn db_failure(err: sqlx::Error) -> HttpResponse {
    HttpResponse::InternalServerError().json(json!({"error": err.to_string()}))
//                                                           ^^^^^^^^^^^^^^^ deny[PS303] response body shows `err.to_string()`, the text of the error `err` (`sqlx::Error`), to the partner (partner context: `partner::convert::db_failure`)
}
pub fn public_failure(err: &PublicError) -> HttpResponse {
    HttpResponse::BadRequest().json(json!({"error": err.to_string()}))
}
"#,
            );
    }

    #[test]
    fn handing_an_error_to_its_own_into_response_is_not_a_leak() {
        expect(
            r#"
//- src/partner/handlers.rs
impl<T: IntoResponse, E: IntoResponse> IntoResponse for Outcome<T, E> {
    fn into_response(self) -> Response {
        match self.0 {
            Ok(value) => value.into_response(),
            Err(err) => err.into_response(),
        }
    }
}
async fn sync(Extension(session): Extension<PartnerSession>) -> Response {
    match run_sync().await {
        Ok(n) => Json(n).into_response(),
        Err(err) => err.into_response(),
    }
}
async fn sync_text(Extension(session): Extension<PartnerSession>) -> Response {
    match run_sync().await {
        Ok(n) => Json(n).into_response(),
        Err(err) => err.to_string().into_response(),
//                  ^^^^^^^^^^^^^^^ deny[PS303] response body shows `err.to_string()`, the text of the `Err` value `err`, to the partner (partner context: `partner::handlers::sync_text`)
    }
}
"#,
        );
    }

    #[test]
    fn in_a_match_arm_self_shows_only_its_variants_message() {
        expect(
            r#"
//- src/errors.rs
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("Authentication required")]
    Unauthorized,
    #[error("Access denied")]
    Forbidden,
    #[error("Connector not found: {0}")]
    ConnectorNotFound(Uuid),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}
impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, message) = match &self {
            Self::Unauthorized => (StatusCode::UNAUTHORIZED, self.to_string()),
            ApiError::Forbidden | Self::ConnectorNotFound(_) => (StatusCode::FORBIDDEN, self.to_string()),
            Self::Database(_) => (StatusCode::INTERNAL_SERVER_ERROR, self.to_string()),
//                                                                   ^^^^^^^^^^^^^^^^ deny[PS303] response body shows `self.to_string()`, the text of the `ApiError::Database` itself, whose message includes an inner error, to the partner in `impl IntoResponse for ApiError`
        };
        (status, message).into_response()
    }
}
impl ResponseError for ApiError {
    fn error_response(&self) -> HttpResponse {
        let kind = match self { Self::Unauthorized => "auth", _ => "other" };
        match self {
            Self::Unauthorized => HttpResponse::Unauthorized().body(self.to_string()),
            _ => HttpResponse::InternalServerError().body(format!("{kind}: {}", self)),
//                                                                              ^^^^ deny[PS303] response body shows `self`, the text of the `ApiError` itself, whose message includes an inner error, to the partner in `impl ResponseError for ApiError`
        }
    }
}
"#,
        );
    }

    #[test]
    fn an_inner_error_matched_again_shows_only_its_variants_message() {
        expect(
            r#"
//- src/errors.rs
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("invalid: {0}")]
    Invalid(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error(transparent)]
    Store(#[from] StoreError),
}
impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        match self {
            WebError::Store(e) => match &e {
                StoreError::NotFound | StoreError::Invalid(_) => (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
                _ => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
//                                                       ^^^^^^^^^^^^^ deny[PS303] response body shows `e.to_string()`, the text of the inner error `e` of `WebError::Store`, to the partner in `impl IntoResponse for WebError`
            },
        }
    }
}
"#,
        );
    }

    #[test]
    fn transparent_errors_leak_only_what_their_field_leaks() {
        expect(
            r#"
//- src/errors.rs
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error(transparent)]
    Invalid(#[from] validator::ValidationErrors),
    #[error(transparent)]
    Form(#[from] FormRejection),
}
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}
impl IntoResponse for InputError {
    fn into_response(self) -> Response {
        (StatusCode::BAD_REQUEST, self.to_string()).into_response()
    }
}
impl IntoResponse for StoreError {
    fn into_response(self) -> Response {
        (StatusCode::INTERNAL_SERVER_ERROR, self.to_string()).into_response()
//                                          ^^^^^^^^^^^^^^^^ deny[PS303] response body shows `self.to_string()`, the text of the `StoreError` itself, whose message includes an inner error, to the partner in `impl IntoResponse for StoreError`
    }
}
"#,
        );
    }
    #[test]
    fn tonic_status_messages_and_details_are_responses() {
        expect(
            r#"
//- src/grpc.rs
use tonic::{Code, Request, Response, Status};
#[tonic::async_trait]
impl DeviceService for Svc {
    async fn list(&self, req: Request<ListReq>) -> Result<Response<ListReply>, Status> {
        let session = req.extensions().get::<PartnerSession>().cloned();
        let rows = self.graph.execute(query(LIST)).await.map_err(|e| Status::internal(format!("{e}")))?;
//                                                                                    ^^^^^^^^^^^^^^ deny[PS303] response body shows `{e}`, the text of the `map_err` error `e` of `self.graph.execute(..)`, to the partner (partner context: `grpc::Svc::list`)
        let more = self.graph.execute(query(LIST)).await.map_err(|e| Status::new(Code::Internal, e.to_string()))?;
//                                                                                               ^^^^^^^^^^^^^ deny[PS303] response body shows `e.to_string()`, the text of the `map_err` error `e` of `self.graph.execute(..)`, to the partner (partner context: `grpc::Svc::list`)
        let fixed = self.graph.execute(query(LIST)).await.map_err(|e| {
            tracing::error!(?e, "listing devices failed");
            Status::internal("listing devices failed")
        })?;
        if rows.is_empty() {
            return Err(Status::not_found(format!("tenant {} has no devices", req.get_ref().tenant_id)));
        }
        Ok(Response::new(ListReply { rows }))
    }
    async fn own(&self, req: Request<ListReq>) -> Result<Response<ListReply>, Status> {
        let user = req.extensions().get::<CustomerSession>().cloned();
        let rows = self.graph.execute(query(LIST)).await.map_err(|e| Status::internal(format!("{e}")))?;
        Ok(Response::new(ListReply { rows }))
    }
}
"#,
        );
    }

    #[test]
    fn async_graphql_errors_and_extensions_are_responses() {
        expect(
            r#"
//- src/graphql.rs
use async_graphql::{Context, Error, ErrorExtensions, Object, Result};
#[Object]
impl Query {
    async fn devices(&self, ctx: &Context<'_>) -> Result<Vec<Device>> {
        let session = ctx.data::<PartnerSession>()?;
        let rows = load(session).await.map_err(|e| Error::new(e.to_string()))?;
//                                                            ^^^^^^^^^^^^^ deny[PS303] response body shows `e.to_string()`, the text of the `map_err` error `e` of `load(..)`, to the partner (partner context: `graphql::Query::devices`)
        let more = load(session).await.map_err(|e| Error::new("lookup failed").extend_with(|_, ext| ext.set("detail", e.to_string())))?;
//                                                                                                                    ^^^^^^^^^^^^^ deny[PS303] response body shows `e.to_string()`, the text of the `map_err` error `e` of `load(..)`, to the partner (partner context: `graphql::Query::devices`)
        let again = load(session).await.map_err(|e| e.extend_with(|_, ext| ext.set("code", "DB")))?;
//                                                  ^ deny[PS303] response body shows `e`, the text of the `map_err` error `e` of `load(..)`, to the partner (partner context: `graphql::Query::devices`)
        let plain = load(session).await.map_err(|e| e.extend())?;
//                                                  ^ deny[PS303] response body shows `e`, the text of the `map_err` error `e` of `load(..)`, to the partner (partner context: `graphql::Query::devices`)
        let mut params = vec![session.partner_id];
        params.extend(rows.iter().map(|row| row.id));
        let fixed = load(session).await.map_err(|e| {
            tracing::error!(?e, "lookup failed");
            Error::new("lookup failed").extend_with(|_, ext| ext.set("code", "DB_UNAVAILABLE"))
        })?;
        let io = load(session).await.map_err(|e| std::io::Error::new(ErrorKind::Other, e.to_string()));
        Ok(rows)
    }
}
"#,
        );
    }

    #[test]
    fn actix_handlers_routed_under_a_partner_path_are_partner_context() {
        expect(
            r#"
//- src/routes.rs
#[get("/partner/{tid}/devices")]
async fn partner_devices(tid: web::Path<TenantId>, graph: web::Data<Graph>) -> HttpResponse {
    match load(&graph, &tid).await {
        Ok(rows) => HttpResponse::Ok().json(rows),
        Err(e) => HttpResponse::InternalServerError().body(e.to_string()),
//                                                         ^^^^^^^^^^^^^ deny[PS303] response body shows `e.to_string()`, the text of the `Err` value `e`, to the partner (partner context: `routes::partner_devices`)
    }
}
#[get("/account/{tid}/devices")]
async fn own_devices(tid: web::Path<TenantId>, graph: web::Data<Graph>) -> HttpResponse {
    match load(&graph, &tid).await {
        Ok(rows) => HttpResponse::Ok().json(rows),
        Err(e) => HttpResponse::InternalServerError().body(e.to_string()),
    }
}
"#,
        );
    }

    #[test]
    fn a_workspace_error_named_error_with_driver_sources() {
        expect(
            r#"
//- crates/api/src/lib.rs
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Graph(#[from] neo4rs::Error),
    #[error("not found")]
    NotFound,
}
impl IntoResponse for Error {
    fn into_response(self) -> Response {
        (StatusCode::INTERNAL_SERVER_ERROR, self.to_string()).into_response()
//                                          ^^^^^^^^^^^^^^^^ deny[PS303] response body shows `self.to_string()`, the text of the `Error` itself, whose message includes an inner error, to the partner in `impl IntoResponse for Error`
    }
}
//- crates/store/src/lib.rs
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the store is unavailable")]
    Db(#[from] sqlx::Error),
}
impl IntoResponse for Error {
    fn into_response(self) -> Response {
        (StatusCode::INTERNAL_SERVER_ERROR, self.to_string()).into_response()
    }
}
"#,
        );
    }

    #[test]
    fn error_text_through_lets_conversions_and_response_structs() {
        expect(
            r#"
//- src/errors.rs
pub struct ApiError { pub message: String }
impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({"error": self.message}))).into_response()
    }
}
impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        ApiError { message: e.to_string() }
//                          ^^^^^^^^^^^^^ deny[PS303] response body shows `e.to_string()`, the text of the error `e` (`sqlx::Error`), to the partner in `impl From<_> for ApiError`
    }
}
impl From<neo4rs::Error> for ApiError {
    fn from(e: neo4rs::Error) -> Self {
        tracing::error!(?e, "graph failure");
        ApiError { message: "internal error".to_string() }
    }
}
pub struct StoreError { pub detail: String }
impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self { StoreError { detail: e.to_string() } }
}
pub mod partner {
    pub struct RowError { pub detail: String }
    impl From<sqlx::Error> for RowError {
        fn from(e: sqlx::Error) -> Self { RowError { detail: e.to_string() } }
    }
}
//- src/partner/devices.rs
async fn devices(Extension(session): Extension<PartnerSession>) -> Response {
    match sync(&session).await {
        Ok(_) => StatusCode::OK.into_response(),
        Err(err) => {
            let message = err.to_string();
//                        ^^^^^^^^^^^^^^^ deny[PS303] response body shows `err.to_string()`, the text of the `Err` value `err`, to the partner (partner context: `partner::devices::devices`)
            let detail = format!("{:#}", err);
//                                       ^^^ deny[PS303] response body shows `err`, the `anyhow` chain of the `Err` value `err`, to the partner (partner context: `partner::devices::devices`)
            let fixed = "sync failed".to_string();
            (StatusCode::BAD_GATEWAY, message, detail, fixed).into_response()
        }
    }
}
async fn loaded(Extension(session): Extension<PartnerSession>) -> Result<Json<Vec<Device>>, AppError> {
    let rows = load(&session).await.map_err(|e| anyhow::anyhow!("load failed: {e}"))?;
    Ok(Json(rows))
}
async fn devices_struct(Extension(session): Extension<PartnerSession>) -> Result<Json<Vec<Device>>, ApiError> {
    let rows = load(&session).await.map_err(|e| ApiError { message: e.to_string() })?;
//                                                                  ^^^^^^^^^^^^^ deny[PS303] response body shows `e.to_string()`, the text of the `map_err` error `e` of `load(..)`, to the partner (partner context: `partner::devices::devices_struct`)
    let fixed = load(&session).await.map_err(|_| ApiError { message: "load failed".into() })?;
    Ok(Json(rows))
}
"#,
        );
    }

    #[test]
    fn a_query_const_from_another_crate_echoed_in_a_response() {
        expect(
            r#"
//- crates/queries/src/lib.rs
pub const LIST_DEVICES: &str = "MATCH (t:Tenant {id: $tid})-[:HAS]->(d:Device) RETURN d";
pub const SUPPORT_URL: &str = "https://support.example.com";
//- crates/api/src/partner/devices.rs
use queries::LIST_DEVICES;
async fn devices(Extension(session): Extension<PartnerSession>) -> Response {
    (StatusCode::BAD_GATEWAY, format!("query {} failed, see {}", LIST_DEVICES, queries::SUPPORT_URL)).into_response()
//                                                               ^^^^^^^^^^^^ deny[PS303] response body shows `LIST_DEVICES`, Cypher query text, to the partner (partner context: `partner::devices::devices`)
}
"#,
        );
    }
}
