//! PS502 unconfirmed-destructive-action: a partner deletes or resets
//! something in a customer tenant without typing that tenant's name.

use crate::checklist::{ChecklistItem, Level};
use crate::diagnostic::{Diagnostic, FileId, Location};
use crate::index::{ArgFact, Callee, FunctionDef, Workspace};
use crate::model::actions::Found;
use crate::model::actors::{Role, REQUEST_EXTRACTORS};
use crate::model::callgraph::{FnId, COMMON_METHOD_NAMES};
use crate::model::name_patterns::Patterns;
use crate::names::words;
use crate::names::Name;
use crate::options::{OptionSpec, OptionValues};
use crate::rule::{Context, Rule, RuleMeta};
use crate::source::Span;

pub const META: RuleMeta = RuleMeta {
    code: "PS502",
    name: "unconfirmed-destructive-action",
    checklist_item: Some(ChecklistItem::ActionConfirmation),
    default_level: Level::Deny,
    summary:
        "A destructive partner action that does not require the target tenant's name typed out",
    docs: r#"## What it does
Flags a destructive handler in partner context that does not require a typed
confirmation. A handler is destructive when it is
- routed for HTTP `DELETE`: axum `delete(h)` (also `.route(path, delete(h))` and
  `get(a).delete(h)`), actix `web::delete().to(h)`, or an actix/rocket `#[delete(..)]`
  attribute;
- named `delete_*`, `remove_*`, `destroy_*`, `purge_*`, `wipe_*` or `reset_*`;
- or runs a Cypher `DELETE`/`DETACH DELETE`, itself or through the workspace functions it
  calls.

A typed confirmation is a request field whose name starts with `confirm`, taken from a
request extractor the shared model knows (`Json<T>`, `Query<T>`, `Form<T>`, `Path<T>`,
`QsQuery<T>`, actix `web::Json<T>`; the fields of `T` are looked up in the workspace), that is compared with the target
tenant's name before the action: `==`, `!=`, `.eq(..)`, `.eq_ignore_ascii_case(..)`,
`assert_eq!`-style macros, `ensure!(..)`/`assert!(..)` around a comparison, or a guard
function taking both (`verify_confirmation(&body.confirm_name, &tenant.name)?`). The
comparison must run in the handler before the action (the call that leads to the
`DELETE`, or the first call named like a destructive action, `store::wipe(..)` included),
in the same or an enclosing block, so a comparison inside an `if` that may not run does
not count. A comparison after the action, in the same block or in a later statement
(`store::wipe(&id).await?;` then `ensure!(..)`), or a guard called after it, is no
confirmation: the action has already run. When the handler shows no such call, the
comparison must run unconditionally and the handler must still act after it (some call
other than a constructor or a conversion follows, in the comparison's block or nested in
it): a check after the handler's last call judges what is already done.

A confirmation that is accepted but never compared, or compared only with a constant
(`body.confirm == "DELETE"`), is still flagged; the message says which. The finding is on
the handler function's name; a Cypher `DELETE` it runs is a label of that finding, not a
second finding.

Decisions where the catalogue is silent:
- The target tenant's name is a value whose name says it is a name (`tenant.name`,
  `target_tenant_name`, `tenant.display_name`, a `slug`), following `let` bindings, that
  is not the acting partner's (`session.partner_name`) and not another field of the same
  request (comparing two fields the caller typed proves nothing).
- A guard function that receives the whole request rather than the confirmation field
  counts when its name says it checks (`verify_*`, `check_*`, `ensure_*`, `require_*`,
  `assert_*`, `validate_*`, `confirm_*`) and it also receives the target tenant.
- A Cypher `DELETE` counts when its query touches tenant data (a tenant-owned label, or
  a node matched on `tenant_id`): a partner deleting its own session is not acting on a
  customer tenant.
- Only handlers are flagged: a partner-context function no other partner-context function
  calls. Helpers (`store::delete_user`) are their handler's business.
- Outside partner context nothing is flagged: a customer deleting in its own tenant knows
  which tenant it is in.

## Why is this bad?
A partner works in many customer tenants, often in several tabs. A destructive action
confirmed with a click (or not at all) can land in the wrong customer. Typing the target
tenant's name makes the partner say which customer it means, and the server must check it.

## Example
```rust
async fn delete_tenant(Extension(session): Extension<PartnerSession>, Path(tenant_id): Path<String>) {
    store::purge_tenant(&tenant_id).await?;
}
```

## Use instead
```rust
#[derive(Deserialize)]
struct DeleteTenant { confirm_tenant_name: String }

async fn delete_tenant(Extension(session): Extension<PartnerSession>, Path(tenant_id): Path<String>, Json(body): Json<DeleteTenant>) {
    let tenant = store::tenant(&tenant_id).await?;
    if body.confirm_tenant_name != tenant.name {
        return Err(Error::ConfirmationMismatch);
    }
    store::purge_tenant(&tenant_id).await?;
}
```

## Options
- `destructive_handlers`: handler names (`*` wildcards) that are destructive.
- `confirmation_fields`: request field names (`*` wildcards) that carry the confirmation.
- `tenant_name_words`: words that make a value the target tenant's name (`name`, `slug`;
  add `label` when tenants are named by a label).

## Checklist item
5. Action Confirmation: Do destructive actions require re-confirmation with the specific
Tenant Name typed out?

## Fix
Add a confirmation field to the request and compare it with the target tenant's name
before acting. No automatic fix: the request type and the tenant lookup are the author's.
"#,
    options: OPTIONS,
    build: Some(build),
};

/// Each option declared once: its key, default and doc, and the type it is read as.
mod option {
    use crate::options::{OptionKey, StringList};

    pub const DESTRUCTIVE_HANDLERS: OptionKey<StringList> = OptionKey::strings(
        "destructive_handlers",
        &[
            "delete_*",
            "remove_*",
            "destroy_*",
            "purge_*",
            "wipe_*",
            "reset_*",
        ],
        "Handler names (`*` wildcards) that make a handler destructive",
    );

    pub const CONFIRMATION_FIELDS: OptionKey<StringList> = OptionKey::strings(
        "confirmation_fields",
        &["confirm*"],
        "Request field names (`*` wildcards) that carry a typed confirmation",
    );

    pub const TENANT_NAME_WORDS: OptionKey<StringList> = OptionKey::strings(
        "tenant_name_words",
        &["name", "slug"],
        "Words that make a value the target tenant's name, which the confirmation must be compared with",
    );
}

const OPTIONS: &[OptionSpec] = &[
    option::DESTRUCTIVE_HANDLERS.spec(),
    option::CONFIRMATION_FIELDS.spec(),
    option::TENANT_NAME_WORDS.spec(),
];

/// First words of guard functions that check what they are given.
const GUARD_VERBS: &[&str] = &[
    "verify", "check", "ensure", "require", "assert", "validate", "confirm",
];

/// Words that say a value is (about) the tenant.
const TENANT_WORDS: &[&str] = &["tenant", "customer"];

struct UnconfirmedDestructiveAction {
    destructive: Patterns,
    confirmation_fields: Patterns,
    /// Words that say a value is a name the partner can type.
    tenant_name_words: Vec<String>,
}

fn build(options: &OptionValues) -> Box<dyn Rule> {
    Box::new(UnconfirmedDestructiveAction {
        destructive: Patterns::new(options.get(&option::DESTRUCTIVE_HANDLERS)),
        confirmation_fields: Patterns::new(options.get(&option::CONFIRMATION_FIELDS)),
        tenant_name_words: options
            .get(&option::TENANT_NAME_WORDS)
            .iter()
            .map(|word| word.to_lowercase())
            .collect(),
    })
}

/// A confirmation field a handler accepts.
struct Confirmation {
    /// `["body", "confirm_name"]`, or `["confirm_name"]` when destructured.
    place: Vec<Name>,
    /// The request parameter's name, when bound whole.
    request: Option<Name>,
}

/// What became of the confirmation.
enum Outcome {
    Confirmed,
    NoField,
    NeverCompared(String),
    Constant(String, Span),
    Other(String, String, Span),
}

impl Rule for UnconfirmedDestructiveAction {
    fn check_file(&self, cx: &Context<'_>, file: FileId, out: &mut Vec<Diagnostic>) {
        let workspace = cx.workspace;
        let model = cx.model;
        for (index, function) in workspace.file(file).functions.iter().enumerate() {
            let id = FnId { file, index };
            if !model.context.contains(id) {
                continue;
            }
            // Only handlers: no partner-context function calls this one.
            let is_handler = model
                .graph
                .callers(id)
                .iter()
                .all(|(caller, _)| !model.context.contains(*caller));
            if !is_handler {
                continue;
            }
            let route = model.delete_routes.route_of(id);
            let attribute = function.attributes.iter().any(|attr| attr.name == "delete");
            let named = self.destructive.matches(&function.name);
            let deletes = model
                .actions
                .first_under(workspace, &model.graph, id, &|action| {
                    action.deletes() && action.tenant_data
                });
            let why = if route.is_some() {
                "routed for `DELETE`".to_string()
            } else if attribute {
                "`#[delete]`".to_string()
            } else if named {
                format!("named `{}`", function.name)
            } else if let Some(found) = &deletes {
                found.action.describe()
            } else {
                continue;
            };
            let (offset, block) = self.action_point(cx, id, function, deletes.as_ref());
            let outcome = self.outcome(cx, file, function, offset, block);
            let message_tail = match &outcome {
                Outcome::Confirmed => continue,
                Outcome::NoField => {
                    "requires no typed confirmation of the target tenant's name".to_string()
                }
                Outcome::NeverCompared(field) => format!(
                    "accepts `{field}` but never compares it with the target tenant's name before acting"
                ),
                Outcome::Constant(field, _) => format!(
                    "compares `{field}` only with a constant, not with the target tenant's name"
                ),
                Outcome::Other(field, other, _) => format!(
                    "compares `{field}` with `{other}`, not with the target tenant's name"
                ),
            };
            let message = format!(
                "destructive handler `{}` ({why}) {message_tail} ({})",
                function.name,
                model.chain_text(workspace, id)
            );
            let at = |span| Location { file, span };
            let mut diagnostic = Diagnostic::new(message, at(function.name_span))
                .with_primary_label("destructive action without a typed confirmation")
                .with_help(
                    "take a confirmation field from the request (`confirm_tenant_name`) and compare it \
                     with the target tenant's name before acting: \
                     `if body.confirm_tenant_name != tenant.name { return Err(..) }`",
                );
            if let Some(location) = route {
                diagnostic = diagnostic.with_label(location, "routed for `DELETE` here");
            }
            if let Some(found) = &deletes {
                diagnostic = diagnostic.with_label(
                    found.action.location,
                    format!("{} here", found.action.describe()),
                );
            }
            match outcome {
                Outcome::Constant(_, span) => {
                    diagnostic = diagnostic.with_label(at(span), "compared with a constant");
                }
                Outcome::Other(_, _, span) => {
                    diagnostic = diagnostic.with_label(at(span), "not the target tenant's name");
                }
                _ => {}
            }
            out.push(diagnostic);
        }
    }
}

impl UnconfirmedDestructiveAction {
    /// A call named like a destructive action: `delete_tenant`, or the bare
    /// verb of a pattern (`wipe` for `wipe_*`, `.delete()`).
    fn is_destructive_call(&self, name: &str) -> bool {
        self.destructive.matches(name) || self.destructive.matches(&format!("{name}_"))
    }

    /// Where the action starts in the handler: the call that leads to the
    /// `DELETE` (or the `DELETE` itself), or the first call named like a
    /// destructive action, whichever comes first; the end of the body when
    /// neither is known.
    fn action_point(
        &self,
        cx: &Context<'_>,
        id: FnId,
        function: &FunctionDef,
        deletes: Option<&Found<'_>>,
    ) -> (u32, usize) {
        let mut points: Vec<(u32, usize)> = Vec::new();
        if let Some(found) = deletes {
            match found.path.get(1) {
                None => points.push((found.action.offset, found.action.block)),
                Some(next) => {
                    if let Some(call) = function
                        .calls
                        .iter()
                        .enumerate()
                        .find(|(index, _)| cx.model.graph.callees(id, *index).contains(next))
                        .map(|(_, call)| call)
                    {
                        points.push((call.span.start, call.block));
                    }
                }
            }
        }
        if let Some(call) = function.calls.iter().find(|call| {
            !matches!(call.callee, Callee::Macro(_)) && self.is_destructive_call(call.name())
        }) {
            points.push((call.span.start, call.block));
        }
        points
            .into_iter()
            .min_by_key(|(offset, _)| *offset)
            .unwrap_or((u32::MAX, 0))
    }

    /// The confirmation fields the handler accepts from its request.
    fn confirmations(&self, workspace: &Workspace, function: &FunctionDef) -> Vec<Confirmation> {
        let mut found = Vec::new();
        for param in &function.params {
            let extractor = param
                .ty
                .name()
                .is_some_and(|name| REQUEST_EXTRACTORS.contains(&name));
            let Some(inner) = param.ty.args().first().and_then(|arg| arg.name()) else {
                continue;
            };
            if !extractor {
                continue;
            }
            for def in workspace.types_named(inner) {
                for field in &def.fields {
                    let Some(name) = &field.name else { continue };
                    if !self.confirmation_fields.matches(name) {
                        continue;
                    }
                    let place = match &param.name {
                        Some(request) => vec![request.clone(), Name::from(name.as_str())],
                        None => vec![Name::from(name.as_str())],
                    };
                    if !found.iter().any(|c: &Confirmation| c.place == place) {
                        found.push(Confirmation {
                            place,
                            request: param.name.clone(),
                        });
                    }
                }
            }
        }
        found
    }

    fn outcome(
        &self,
        cx: &Context<'_>,
        file: FileId,
        function: &FunctionDef,
        offset: u32,
        block: usize,
    ) -> Outcome {
        let confirmations = self.confirmations(cx.workspace, function);
        let Some(first) = confirmations.first() else {
            return Outcome::NoField;
        };
        // Without a known action, a check counts only when the handler still acts after
        // it: checked after the last call, the confirmation judges what is already done.
        let acts_after = |span: Span, at_block: usize| {
            function.calls.iter().any(|call| {
                call.span.start >= span.end
                    && !matches!(call.callee, Callee::Macro(_))
                    && !call.name().starts_with(char::is_uppercase)
                    && !COMMON_METHOD_NAMES.contains(&call.name())
                    && function.block_within(call.block, at_block)
            })
        };
        let before = |span: Span, at_block: usize| {
            span.end <= offset
                && if offset == u32::MAX {
                    function.block_unconditional(at_block) && acts_after(span, at_block)
                } else {
                    function.block_within(block, at_block)
                }
        };
        let values = Values {
            cx,
            name_words: &self.tenant_name_words,
            file,
            function,
            confirmations: &confirmations,
        };
        let mut worst: Option<Outcome> = None;
        for comparison in &function.comparisons {
            if !before(comparison.span, comparison.block) {
                continue;
            }
            for (mine, other) in [
                (&comparison.left, &comparison.right),
                (&comparison.right, &comparison.left),
            ] {
                let Some(confirmation) = values.confirmation(mine) else {
                    continue;
                };
                let field = confirmation.place.join(".");
                if values.is_constant(other) {
                    worst.get_or_insert(Outcome::Constant(field, comparison.span));
                } else if values.is_target_name(other) {
                    return Outcome::Confirmed;
                } else {
                    worst.get_or_insert(Outcome::Other(field, values.text(other), comparison.span));
                }
            }
        }
        // A guard function taking both.
        for call in &function.calls {
            if matches!(call.callee, Callee::Macro(_))
                || call.result_discarded
                || self.is_destructive_call(call.name())
                || !before(call.span, call.block)
            {
                continue;
            }
            let checks = words(call.name())
                .first()
                .is_some_and(|verb| GUARD_VERBS.contains(&verb.as_str()));
            for (position, arg) in call.args.iter().enumerate() {
                let others = call
                    .args
                    .iter()
                    .enumerate()
                    .filter(|(other, _)| *other != position)
                    .map(|(_, other)| other);
                let confirmed = if values.confirmation(arg).is_some() {
                    others.clone().any(|other| values.is_target_name(other))
                } else {
                    checks
                        && values.is_whole_request(arg, &confirmations)
                        && others
                            .clone()
                            .any(|other| values.mentions_tenant(other, &confirmations))
                };
                if confirmed {
                    return Outcome::Confirmed;
                }
            }
        }
        worst.unwrap_or_else(|| Outcome::NeverCompared(first.place.join(".")))
    }
}

/// Classifies values read in one handler.
struct Values<'a> {
    cx: &'a Context<'a>,
    name_words: &'a [String],
    file: FileId,
    function: &'a FunctionDef,
    confirmations: &'a [Confirmation],
}

/// How many `let` bindings are followed back.
const MAX_BINDINGS: usize = 4;

impl<'a> Values<'a> {
    /// The place a value reads, through simple `let` bindings, without `.0`
    /// of tuple extractors.
    fn place(&self, value: &ArgFact) -> Option<Vec<Name>> {
        let mut value = value;
        for _ in 0..MAX_BINDINGS {
            match self.function.bound_init(value) {
                Some(init) if init.place.is_some() || init.shape_span.is_some() => value = init,
                _ => break,
            }
        }
        value
            .place
            .as_ref()
            .map(|place| place.iter().filter(|s| *s != "0").cloned().collect())
    }

    fn confirmation(&self, value: &ArgFact) -> Option<&'a Confirmation> {
        let place = self.place(value)?;
        self.confirmations
            .iter()
            .find(|confirmation| confirmation.place == place)
    }

    fn source(&self, span: Span) -> &str {
        self.cx
            .workspace
            .files
            .get(self.file)
            .and_then(|facts| facts.text.get(span.range()))
            .unwrap_or("")
    }

    fn text(&self, value: &ArgFact) -> String {
        match &value.place {
            Some(place) => place.join("."),
            None => self
                .source(value.span)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
        }
    }

    /// A literal, or a constant by naming convention (`CONFIRM_WORD`, `Self::WORD`).
    fn is_constant(&self, value: &ArgFact) -> bool {
        if matches!(value.string, Some(crate::strings::StrExpr::Literal { .. })) {
            return true;
        }
        let mut value = value;
        for _ in 0..MAX_BINDINGS {
            match self.function.bound_init(value) {
                Some(init) => value = init,
                None => break,
            }
        }
        if matches!(value.string, Some(crate::strings::StrExpr::Literal { .. })) {
            return true;
        }
        if let Some(last) = value.place.as_ref().and_then(|place| place.last()) {
            return last.len() > 1
                && last
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        }
        let text = self.source(value.span).trim();
        text.starts_with('"')
            || text.starts_with("r\"")
            || text.starts_with("r#")
            || text.starts_with(|c: char| c.is_ascii_digit())
            || text == "true"
            || text == "false"
    }

    /// The identifiers' words of a value: its place through `let`s, or the
    /// identifiers of its expression (`tenant.name()`, `store::tenant_name(&id)`).
    fn value_words(&self, value: &ArgFact) -> Vec<String> {
        match self.place(value) {
            Some(place) => place.iter().flat_map(|segment| words(segment)).collect(),
            None => {
                let mut value = value;
                for _ in 0..MAX_BINDINGS {
                    match self.function.bound_init(value) {
                        Some(init) => value = init,
                        None => break,
                    }
                }
                self.source(value.span)
                    .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .flat_map(words)
                    .collect()
            }
        }
    }

    fn role(&self, value: &ArgFact) -> Role {
        match self.place(value) {
            Some(place) => self.cx.model.roles(self.cx.workspace).classify(
                self.function,
                &place,
                value.span.start,
            ),
            None => Role::Unknown,
        }
    }

    /// Whether the value comes from the same request as a confirmation.
    fn is_request_field(&self, value: &ArgFact) -> bool {
        let Some(head) = self.place(value).and_then(|place| place.first().cloned()) else {
            return false;
        };
        self.confirmations
            .iter()
            .any(|confirmation| confirmation.request.as_deref() == Some(head.as_str()))
    }

    fn is_target_name(&self, value: &ArgFact) -> bool {
        let value_words = self.value_words(value);
        value_words
            .iter()
            .any(|word| self.name_words.contains(word))
            && !self.is_constant(value)
            && self.confirmation(value).is_none()
            && !self.is_request_field(value)
            && self.role(value) != Role::Actor
            && !value_words
                .iter()
                .any(|word| matches!(word.as_str(), "partner" | "actor" | "caller" | "session"))
    }

    fn is_whole_request(&self, value: &ArgFact, confirmations: &[Confirmation]) -> bool {
        matches!(self.place(value).as_deref(), Some([request])
            if confirmations.iter().any(|c| c.request.as_deref() == Some(request.as_str())))
    }

    fn mentions_tenant(&self, value: &ArgFact, confirmations: &[Confirmation]) -> bool {
        !self.is_whole_request(value, confirmations)
            && self.role(value) != Role::Actor
            && (self.role(value) == Role::Target
                || self
                    .value_words(value)
                    .iter()
                    .any(|word| TENANT_WORDS.contains(&word.as_str())))
    }
}

#[cfg(test)]
mod tests {
    use crate::options::OptionValue;
    use crate::testing::{check, check_with, Expect};

    /// A fixture analysed with `TYPES`.
    #[track_caller]
    fn expect(fixture: &str) {
        Expect::rule("PS502").with_files(&[TYPES]).findings(fixture);
    }

    const TYPES: (&str, &str) = (
        "src/requests.rs",
        r#"
#[derive(Deserialize)]
pub struct DeleteTenantRequest { pub confirm_tenant_name: String, pub reason: String }
#[derive(Deserialize)]
pub struct ResetRequest { pub confirm: String }
"#,
    );

    #[test]
    fn each_form_of_destructive_handler_without_a_confirmation() {
        Expect::rule("PS502").findings(
            r#"
//- src/main.rs
fn app() -> Router {
    Router::new()
        .route("/partner/tenants/{id}", delete(partner::offboard))
        .route("/partner/users/{id}", get(partner::show_user).delete(partner::drop_user))
}
//- src/partner/mod.rs
pub async fn offboard(session: PartnerSession, Path(tenant_id): Path<String>) {}
//           ^^^^^^^^ deny[PS502] destructive handler `offboard` (routed for `DELETE`) requires no typed confirmation of the target tenant's name (partner context: `partner::offboard`)
pub async fn drop_user(session: PartnerSession, Path(id): Path<String>) {}
//           ^^^^^^^^^ deny[PS502] destructive handler `drop_user` (routed for `DELETE`) requires no typed confirmation of the target tenant's name (partner context: `partner::drop_user`)
pub async fn show_user(session: PartnerSession, Path(id): Path<String>) {}
#[delete("/partner/tenants/{id}/devices")]
pub async fn devices(session: PartnerSession, path: web::Path<String>) {}
//           ^^^^^^^ deny[PS502] destructive handler `devices` (`#[delete]`) requires no typed confirmation of the target tenant's name (partner context: `partner::devices`)
pub async fn wipe_tenant(session: PartnerSession, Path(tenant_id): Path<String>) {}
//           ^^^^^^^^^^^ deny[PS502] destructive handler `wipe_tenant` (named `wipe_tenant`) requires no typed confirmation of the target tenant's name (partner context: `partner::wipe_tenant`)
pub async fn retire(session: PartnerSession, Path(tenant_id): Path<String>, g: Graph) {
//           ^^^^^^ deny[PS502] destructive handler `retire` (runs `DETACH DELETE`) requires no typed confirmation of the target tenant's name (partner context: `partner::retire`)
    store::drop_all(&g, &tenant_id).await;
}
mod store {
    pub async fn drop_all(g: &Graph, tenant_id: &str) {
        g.run(query("MATCH (t:Tenant {id: $tenant_id})<-[:BELONGS_TO]-(n) DETACH DELETE n")).await;
    }
}
"#,
        );
    }

    #[test]
    fn a_confirmation_compared_with_the_tenant_name_is_fine() {
        expect(
            r#"
//- src/partner/tenants.rs
pub async fn delete_tenant(session: PartnerSession, Path(tenant_id): Path<String>, Json(body): Json<DeleteTenantRequest>) {
    let tenant = store::tenant(&tenant_id).await?;
    if body.confirm_tenant_name.trim() != tenant.name {
        return Err(Error::Mismatch);
    }
    store::delete_tenant(&tenant_id).await;
}
pub async fn remove_tenant(session: PartnerSession, Path(tenant_id): Path<String>, Json(body): Json<DeleteTenantRequest>) {
    let expected = tenant_name(&tenant_id).await?;
    ensure!(body.confirm_tenant_name == expected, "type the tenant name");
    store::delete_tenant(&tenant_id).await;
}
pub async fn purge_tenant(session: PartnerSession, Path(tenant_id): Path<String>, web::Json(req): web::Json<DeleteTenantRequest>) {
    let tenant = store::tenant(&tenant_id).await?;
    if !req.confirm_tenant_name.eq_ignore_ascii_case(&tenant.display_name) { return Err(Error::Mismatch); }
    store::delete_tenant(&tenant_id).await;
}
pub async fn destroy_tenant(session: PartnerSession, Path(tenant_id): Path<String>, Form(DeleteTenantRequest { confirm_tenant_name, .. }): Form<DeleteTenantRequest>) {
    let tenant = store::tenant(&tenant_id).await?;
    verify_typed_name(&confirm_tenant_name, &tenant.name)?;
    store::delete_tenant(&tenant_id).await;
}
pub async fn reset_tenant(session: PartnerSession, Path(tenant_id): Path<String>, Query(q): Query<ResetRequest>) {
    let tenant = store::tenant(&tenant_id).await?;
    check_confirmation(&q, &tenant)?;
    store::reset(&tenant_id).await;
}
"#,
        );
    }

    #[test]
    fn accepted_but_not_compared_or_compared_with_a_constant_or_too_late() {
        expect(
            r#"
//- src/partner/tenants.rs
pub async fn delete_tenant(session: PartnerSession, Path(tenant_id): Path<String>, Json(body): Json<DeleteTenantRequest>) {
//           ^^^^^^^^^^^^^ deny[PS502] destructive handler `delete_tenant` (named `delete_tenant`) accepts `body.confirm_tenant_name` but never compares it with the target tenant's name before acting (partner context: `partner::tenants::delete_tenant`)
    store::delete_tenant(&tenant_id).await;
}
pub async fn remove_tenant(session: PartnerSession, Path(tenant_id): Path<String>, Json(body): Json<ResetRequest>) {
//           ^^^^^^^^^^^^^ deny[PS502] destructive handler `remove_tenant` (named `remove_tenant`) compares `body.confirm` only with a constant, not with the target tenant's name (partner context: `partner::tenants::remove_tenant`)
    if body.confirm != "DELETE" { return Err(Error::Mismatch); }
    store::delete_tenant(&tenant_id).await;
}
pub async fn purge_tenant(session: PartnerSession, Path(tenant_id): Path<String>, Json(body): Json<DeleteTenantRequest>) {
//           ^^^^^^^^^^^^ deny[PS502] destructive handler `purge_tenant` (named `purge_tenant`) compares `body.confirm_tenant_name` with `session.partner_name`, not with the target tenant's name (partner context: `partner::tenants::purge_tenant`)
    if body.confirm_tenant_name != session.partner_name { return Err(Error::Mismatch); }
    store::delete_tenant(&tenant_id).await;
}
pub async fn wipe_tenant(session: PartnerSession, Path(tenant_id): Path<String>, Json(body): Json<DeleteTenantRequest>) {
//           ^^^^^^^^^^^ deny[PS502] destructive handler `wipe_tenant` (named `wipe_tenant`) accepts `body.confirm_tenant_name` but never compares it with the target tenant's name before acting (partner context: `partner::tenants::wipe_tenant`)
    let tenant = store::tenant(&tenant_id).await?;
    store::wipe(&tenant_id).await;
    if body.confirm_tenant_name != tenant.name { return Err(Error::Mismatch); }
}
pub async fn destroy_tenant(session: PartnerSession, Path(tenant_id): Path<String>, Json(body): Json<DeleteTenantRequest>) {
//           ^^^^^^^^^^^^^^ deny[PS502] destructive handler `destroy_tenant` (named `destroy_tenant`) accepts `body.confirm_tenant_name` but never compares it with the target tenant's name before acting (partner context: `partner::tenants::destroy_tenant`)
    let tenant = store::tenant(&tenant_id).await?;
    if strict { if body.confirm_tenant_name != tenant.name { return Err(Error::Mismatch); } }
    store::delete_tenant(&tenant_id).await;
}
"#,
        );
    }

    #[test]
    fn a_confirmation_checked_after_the_action_ran_is_no_confirmation() {
        expect(
            r#"
//- src/partner/tenants.rs
pub async fn delete_tenant(session: PartnerSession, Path(tenant_id): Path<String>, Json(body): Json<DeleteTenantRequest>) -> Result<(), Error> {
//           ^^^^^^^^^^^^^ deny[PS502] destructive handler `delete_tenant` (named `delete_tenant`) accepts `body.confirm_tenant_name` but never compares it with the target tenant's name before acting (partner context: `partner::tenants::delete_tenant`)
    let tenant = store::tenant(&tenant_id).await?;
    let removed = store::delete_tenant(&tenant_id).await?;
    ensure!(body.confirm_tenant_name == tenant.name, "type the tenant name");
    Ok(())
}
pub async fn remove_tenant(session: PartnerSession, Path(tenant_id): Path<String>, Json(body): Json<DeleteTenantRequest>) -> Result<(), Error> {
//           ^^^^^^^^^^^^^ deny[PS502] destructive handler `remove_tenant` (named `remove_tenant`) accepts `body.confirm_tenant_name` but never compares it with the target tenant's name before acting (partner context: `partner::tenants::remove_tenant`)
    let tenant = store::tenant(&tenant_id).await?;
    store::remove(&tenant_id).await?;
    verify_typed_name(&body.confirm_tenant_name, &tenant.name)?;
    Ok(())
}
pub async fn retire(session: PartnerSession, Path(tenant_id): Path<String>, Json(body): Json<DeleteTenantRequest>, g: Graph) -> Result<(), Error> {
//           ^^^^^^ deny[PS502] destructive handler `retire` (runs `DETACH DELETE`) accepts `body.confirm_tenant_name` but never compares it with the target tenant's name before acting (partner context: `partner::tenants::retire`)
    let tenant = store::tenant(&tenant_id).await?;
    remove_tenant_nodes(&g, &tenant_id).await?;
    check_confirmation(&body, &tenant)?;
    Ok(())
}
async fn remove_tenant_nodes(g: &Graph, tenant_id: &str) -> Result<(), Error> {
    g.run(query("MATCH (t:Tenant {id: $tenant_id}) DETACH DELETE t")).await?;
    Ok(())
}
"#,
        );
    }

    #[test]
    fn a_confirmation_that_gates_the_action_in_the_same_statement_counts() {
        expect(
            r#"
//- src/partner/tenants.rs
pub async fn delete_tenant(session: PartnerSession, Path(tenant_id): Path<String>, Json(body): Json<DeleteTenantRequest>) -> Result<(), Error> {
    let tenant = store::tenant(&tenant_id).await?;
    if body.confirm_tenant_name == tenant.name { store::delete_tenant(&tenant_id).await?; }
    Ok(())
}
pub async fn retire(session: PartnerSession, Path(tenant_id): Path<String>, Json(body): Json<DeleteTenantRequest>, g: Graph) -> Result<(), Error> {
    let tenant = store::tenant(&tenant_id).await?;
    check_confirmation(&body, &tenant)?; remove_tenant_nodes(&g, &tenant_id).await?;
    Ok(())
}
async fn remove_tenant_nodes(g: &Graph, tenant_id: &str) -> Result<(), Error> {
    g.run(query("MATCH (t:Tenant {id: $tenant_id}) DETACH DELETE t")).await?;
    Ok(())
}
"#,
        );
    }

    #[test]
    fn without_a_known_action_a_check_after_the_last_call_is_too_late() {
        expect(
            r#"
//- src/partner/tenants.rs
pub async fn delete_tenant(session: PartnerSession, Path(tenant_id): Path<String>, Json(body): Json<DeleteTenantRequest>) -> Result<(), Error> {
//           ^^^^^^^^^^^^^ deny[PS502] destructive handler `delete_tenant` (named `delete_tenant`) accepts `body.confirm_tenant_name` but never compares it with the target tenant's name before acting (partner context: `partner::tenants::delete_tenant`)
    let tenant = store::tenant(&tenant_id).await?;
    store::offboard(&tenant_id).await?;
    if body.confirm_tenant_name != tenant.name { return Err(Error::Mismatch); }
    Ok(())
}
pub async fn remove_tenant(session: PartnerSession, Path(tenant_id): Path<String>, Json(body): Json<DeleteTenantRequest>) -> Result<(), Error> {
//           ^^^^^^^^^^^^^ deny[PS502] destructive handler `remove_tenant` (named `remove_tenant`) accepts `body.confirm_tenant_name` but never compares it with the target tenant's name before acting (partner context: `partner::tenants::remove_tenant`)
    let tenant = store::tenant(&tenant_id).await?;
    store::offboard(&tenant_id).await?;
    verify_typed_name(&body.confirm_tenant_name, &tenant.name)?;
    Ok(Json(tenant.into()))
}
pub async fn purge_tenant(session: PartnerSession, Path(tenant_id): Path<String>, Json(body): Json<DeleteTenantRequest>) -> Result<(), Error> {
    let tenant = store::tenant(&tenant_id).await?;
    if body.confirm_tenant_name != tenant.name { return Err(Error::Mismatch); }
    store::offboard(&tenant_id).await?;
    Ok(())
}
pub async fn wipe_tenant(session: PartnerSession, Path(tenant_id): Path<String>, Json(body): Json<DeleteTenantRequest>) -> Result<(), Error> {
    let tenant = store::tenant(&tenant_id).await?;
    if body.confirm_tenant_name == tenant.name { jobs.enqueue(Job::Offboard(tenant_id)).await?; }
    Ok(())
}
"#,
        );
    }

    #[test]
    fn deletes_outside_partner_context_and_helpers_are_not_flagged() {
        expect(
            r#"
//- src/account.rs
pub async fn delete_account(user: CustomerSession, g: Graph) {
    g.run(query("MATCH (u:User {id: $id}) DETACH DELETE u")).await;
}
//- src/partner/tenants.rs
pub async fn logout(session: PartnerSession, g: Graph) {
    g.run(query("MATCH (s:Session {id: $id}) DELETE s")).await;
}
pub async fn delete_tenant(session: PartnerSession, Path(tenant_id): Path<String>, Json(body): Json<DeleteTenantRequest>, g: Graph) {
    let tenant = store::tenant(&tenant_id).await?;
    if body.confirm_tenant_name != tenant.name { return Err(Error::Mismatch); }
    remove_tenant_nodes(&g, &tenant_id).await;
}
async fn remove_tenant_nodes(g: &Graph, tenant_id: &str) {
    g.run(query("MATCH (t:Tenant {id: $tenant_id}) DETACH DELETE t")).await;
}
pub async fn list_tenants(session: PartnerSession) {}
"#,
        );
    }

    #[test]
    fn a_name_read_through_a_method_counts_but_the_tenant_id_does_not() {
        expect(
            r#"
//- src/partner/tenants.rs
#[delete("/partner/tenants/{id}")]
pub async fn retire(session: PartnerSession, Path(tenant_id): Path<String>, Json(body): Json<DeleteTenantRequest>) {
    let tenant = store::tenant(&tenant_id).await?;
    if body.confirm_tenant_name != tenant.name() { return Err(Error::Mismatch); }
    store::delete_tenant(&tenant_id).await;
}
#[delete("/partner/tenants/{id}/data")]
pub async fn retire_data(session: PartnerSession, Path(tenant_id): Path<String>, Json(body): Json<DeleteTenantRequest>) {
//           ^^^^^^^^^^^ deny[PS502] destructive handler `retire_data` (`#[delete]`) compares `body.confirm_tenant_name` with `tenant_id`, not with the target tenant's name (partner context: `partner::tenants::retire_data`)
    if body.confirm_tenant_name != tenant_id { return Err(Error::Mismatch); }
    store::delete_tenant(&tenant_id).await;
}
"#,
        );
    }

    #[test]
    fn tenant_name_words_come_from_config() {
        let source = r#"
pub async fn delete_tenant(session: PartnerSession, Path(tenant_id): Path<String>, Json(body): Json<DeleteTenantRequest>) {
    let tenant = store::tenant(&tenant_id).await?;
    if body.confirm_tenant_name != tenant.label { return Err(Error::Mismatch); }
    store::delete_tenant(&tenant_id).await;
}
"#;
        let files = [("src/partner/tenants.rs", source), TYPES];
        assert_eq!(
            check("PS502", &files),
            ["src/partner/tenants.rs:2:14: deny[PS502] destructive handler `delete_tenant` (named `delete_tenant`) compares `body.confirm_tenant_name` with `tenant.label`, not with the target tenant's name (partner context: `partner::tenants::delete_tenant`)"]
        );
        let configured = check_with(
            "PS502",
            &[(
                "tenant_name_words",
                OptionValue::StringList(vec!["label".into()]),
            )],
            &files,
        );
        assert_eq!(configured, Vec::<String>::new());
    }

    #[test]
    fn two_request_fields_compared_prove_nothing() {
        Expect::rule("PS502")
            .with_options(&[(
                "confirmation_fields",
                OptionValue::StringList(vec!["typed_*".into()]),
            )])
            .findings(
                r#"
//- src/requests.rs
pub struct Wipe { pub typed_name: String, pub tenant_name: String }
//- src/partner/x.rs
pub async fn wipe_all(session: PartnerSession, Json(body): Json<Wipe>) {
//           ^^^^^^^^ deny[PS502] destructive handler `wipe_all` (named `wipe_all`) compares `body.typed_name` with `body.tenant_name`, not with the target tenant's name (partner context: `partner::x::wipe_all`)
    assert_eq!(body.typed_name, body.tenant_name);
    store::wipe(&body.tenant_name).await;
}
"#,
            );
    }
}
