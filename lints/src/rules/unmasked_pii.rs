//! PS103 unmasked-pii: customer PII sent to partner users unmasked, and
//! unmasking without an audit reason.

use crate::checklist::{ChecklistItem, Level};
use crate::diagnostic::{Diagnostic, FileId, Location};
use crate::index::{CallSite, Callee, FieldDef, FunctionDef, TypeDef, TypeKind};
use crate::model::callgraph::FnId;
use crate::model::responses::Via;
use crate::model::{contains_wrapper, is_redacting_serializer, is_text_like};
use crate::names::{words, NameList};
use crate::options::{OptionSpec, OptionValues};
use crate::rule::{Context, Rule, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "PS103",
    name: "unmasked-pii",
    checklist_item: Some(ChecklistItem::PiiMasking),
    default_level: Level::Deny,
    summary: "Customer PII reaches partner users unmasked, or is unmasked without an audit reason",
    docs: r#"## What it does
Flags PII reaching partner users unmasked: a field named as PII (`email`, `phone*`,
`mobile`, `ssn`, `national_id`, `tax_id`, `date_of_birth`, `dob`, `address*`, `street`,
`postcode`, `zip`, `first_name`, `last_name`, `full_name`, `ip_address`, `iban`,
`card_number`) of a text-like type, in a struct or enum that derives `Serialize` and
reaches partner users:
- it is named in the return type of a partner-context function, directly or inside
  `Json<…>`, `Vec<…>`, `Option<…>`, `Result<…, _>` or any other wrapper;
- it is put in a response body in partner context: `Json(…)` or `.json(…)` (as in an
  `impl IntoResponse` handler) around a struct literal, a `let`-bound value built from
  one, or a workspace call returning it;
- it is the type of a serialized field of a `Serialize` type that reaches partner users
  (nested, transitively).

A field is masked when its type contains a masking wrapper anywhere (`Masked<String>`,
`Option<Masked<String>>`, `Vec<Pii<String>>`), when it carries a masking
`#[serde(serialize_with = "…")]`/`#[serde(with = "…")]` (a function or module whose name
says `mask`, `redact`, `hide`, `obfuscate`, `omit`, `censor`, `elide` or `conceal`), or
when it is `#[serde(skip)]`/`#[serde(skip_serializing)]`.

Also flags, in partner context, a call that unmasks (`.unmask()`, `.reveal()`,
`.expose_pii()`) without an audit reason argument (a string, or an expression that says
`reason`/`justification`: `&req.reason`, `UnmaskReason::Support`) and an audit call (a
function, method or macro named `audit…`, a path through an `audit` module, a method on
an audit value such as `self.audit_log.record(..)`, or a `tracing` event with
`target: "audit"`) in the same function. The message says which is missing.

Decisions where the catalogue is silent:
- Names match whole words at the end of the field name (or its `#[serde(rename)]`):
  `contact_email` and `billing_address` are PII, `email_verified: bool` is not (not
  text-like). A name listed with `*` also matches with more words after it
  (`phone_number`, `address_line1`), except words that describe the value rather than
  hold it: `id`, `ids`, `uuid`, `count`, `type`, `kind`, `verified`, `status`, `hash`,
  `format`, `len`, `length`, `masked`.
- Types are matched by name across the workspace; only derived `Serialize` counts (a
  hand-written impl decides itself what it writes).
- Every API's responses count (R14), not only HTTP bodies: an async-graphql
  `#[derive(SimpleObject)]` result sends every field not marked `#[graphql(skip)]` (or
  `skip_output`), and a prost `#[derive(Message)]` gRPC reply sends every field, without
  serde. Returned in partner context means also a tonic method returning
  `Result<Response<Reply>, Status>` or building `Response::new(reply)`, an async-graphql
  resolver returning `Result<Vec<Device>>`, and an actix-web handler answering
  `HttpResponse::Ok().json(view)`, when the model puts them in partner context (a route
  under a partner path, `web::Data<PartnerCtx>`, `req.extensions().get::<PartnerSession>()`,
  `ctx.data::<PartnerSession>()`).
- A struct that derives `Serialize` but is never returned or put in a response body in
  partner context (an internal row, a message to another service) is not flagged.

## Why is this bad?
Partner support users act on many customer tenants. Customer PII shown to them in
clear text leaks beyond what support needs; it must be masked unless a partner user
explicitly unmasks it, with a reason that the audit trail records.

## Example
```rust
#[derive(Serialize)]
pub struct UserView { pub name: String, pub email: String }

async fn users(ctx: PartnerContext) -> Json<Vec<UserView>> { Json(store::users(&ctx).await) }
```

## Use instead
```rust
#[derive(Serialize)]
pub struct UserView { pub name: String, pub email: Masked<String> }

async fn users(ctx: PartnerContext) -> Json<Vec<UserView>> { Json(store::users(&ctx).await) }

// Where support needs the address, it is unmasked with a reason the audit trail records:
fn email_for_support(user: &User, reason: String) -> String {
    audit::record(AuditEvent { action: "unmask".into(), reason: reason.clone(), ..Default::default() });
    user.email.unmask(&reason)
}
```

## Options
- `pii_names`: field names that hold PII (whole-word suffixes; `*` for more words after).
- `wrapper_types`: types that mask their content when serialized.
- `unmask_methods`: method names that reveal masked PII.
- `ignore_names`: field names never to flag, matched exactly.

## Checklist item
1. PII Masking: Is PII in the Customer Tenant masked for Partner Support users unless
explicitly unmasked with an audit reason?

## Fix
Wrap the field's type in a masking wrapper (`Masked<String>`) or give it a masking
`serialize_with`; unmask only with a reason, and record the unmask in the audit log.
"#,
    options: OPTIONS,
    build: Some(build),
};

/// Each option declared once: its key, default and doc, and the type it is read as.
mod option {
    use crate::options::{OptionKey, StringList};

    pub const PII_NAMES: OptionKey<StringList> = OptionKey::strings(
        "pii_names",
        &[
            "email",
            "phone*",
            "mobile",
            "ssn",
            "national_id",
            "tax_id",
            "date_of_birth",
            "dob",
            "address*",
            "street",
            "postcode",
            "zip",
            "first_name",
            "last_name",
            "full_name",
            "ip_address",
            "iban",
            "card_number",
        ],
        "Field names that hold PII (whole-word suffixes; a trailing `*` allows more words after)",
    );

    pub const WRAPPER_TYPES: OptionKey<StringList> = OptionKey::strings(
        "wrapper_types",
        &["Masked", "Redacted", "Pii"],
        "Types that mask their content when serialized",
    );

    pub const UNMASK_METHODS: OptionKey<StringList> = OptionKey::strings(
        "unmask_methods",
        &["unmask", "reveal", "expose_pii"],
        "Methods that reveal masked PII",
    );

    pub const IGNORE_NAMES: OptionKey<StringList> = OptionKey::strings(
        "ignore_names",
        &[],
        "Field names never to flag, matched exactly",
    );
}

const OPTIONS: &[OptionSpec] = &[
    option::PII_NAMES.spec(),
    option::WRAPPER_TYPES.spec(),
    option::UNMASK_METHODS.spec(),
    option::IGNORE_NAMES.spec(),
];

/// Words after a `*` PII name that describe the value instead of holding it.
const DESCRIPTIVE_WORDS: &[&str] = &[
    "id", "ids", "uuid", "count", "type", "kind", "verified", "status", "hash", "format", "len",
    "length", "masked",
];

/// Words in an argument that make it an audit reason.
const REASON_WORDS: &[&str] = &["reason", "justification"];

struct UnmaskedPii {
    /// Names matched as whole-word suffixes.
    suffixes: NameList,
    /// `phone*`: the words of names that may have more words after them.
    prefixes: Vec<Vec<String>>,
    wrappers: Vec<String>,
    unmask_methods: Vec<String>,
    ignored: Vec<String>,
}

fn build(options: &OptionValues) -> Box<dyn Rule> {
    let names = options.get(&option::PII_NAMES);
    Box::new(UnmaskedPii {
        suffixes: NameList::new(names.iter().map(|name| name.trim_end_matches('*'))),
        prefixes: names
            .iter()
            .filter_map(|name| name.strip_suffix('*'))
            .map(words)
            .filter(|words| !words.is_empty())
            .collect(),
        wrappers: options.get(&option::WRAPPER_TYPES).to_vec(),
        unmask_methods: options.get(&option::UNMASK_METHODS).to_vec(),
        ignored: options.get(&option::IGNORE_NAMES).to_vec(),
    })
}

impl Rule for UnmaskedPii {
    fn check_file(&self, cx: &Context<'_>, file: FileId, out: &mut Vec<Diagnostic>) {
        let workspace = cx.workspace;
        let facts = workspace.file(file);
        for def in &facts.types {
            let Some(derive) = crate::model::responses::wire_derive(def) else {
                continue;
            };
            let Some(via) = cx.model.responses.via(&def.name) else {
                continue;
            };
            for (owner, field) in fields(def) {
                if crate::model::responses::field_hidden(&derive.name, field) {
                    continue;
                }
                if let Some(diagnostic) = self.field_finding(cx, file, &owner, field, via) {
                    out.push(diagnostic);
                }
            }
        }
        for (index, function) in facts.functions.iter().enumerate() {
            let id = FnId { file, index };
            if !cx.model.context.contains(id) {
                continue;
            }
            for call in &function.calls {
                if let Some(diagnostic) = self.unmask_finding(cx, id, function, call) {
                    out.push(diagnostic);
                }
            }
        }
    }
}

/// A type's fields with the name of their owner (`UserView`, `Contact::Email`).
fn fields(def: &TypeDef) -> Vec<(String, &FieldDef)> {
    match def.kind {
        TypeKind::Struct => def.fields.iter().map(|f| (def.name.clone(), f)).collect(),
        TypeKind::Enum => def
            .variants
            .iter()
            .flat_map(|variant| {
                variant
                    .fields
                    .iter()
                    .map(move |f| (format!("{}::{}", def.name, variant.name), f))
            })
            .collect(),
    }
}

impl UnmaskedPii {
    fn is_pii_name(&self, name: &str) -> bool {
        if self.suffixes.suffix_match(name).is_some() {
            return true;
        }
        let name_words = words(name);
        self.prefixes.iter().any(|prefix| {
            (0..name_words.len()).any(|start| {
                let rest = &name_words[start..];
                rest.starts_with(prefix)
                    && rest.len() > prefix.len()
                    && !rest[prefix.len()..]
                        .iter()
                        .any(|word| DESCRIPTIVE_WORDS.contains(&word.as_str()))
            })
        })
    }

    fn field_finding(
        &self,
        cx: &Context<'_>,
        file: FileId,
        owner: &str,
        field: &FieldDef,
        via: &Via,
    ) -> Option<Diagnostic> {
        let workspace = cx.workspace;
        let name = field.name.as_deref()?;
        let pii = !self.ignored.iter().any(|ignored| ignored == name)
            && (self.is_pii_name(name)
                || field
                    .serde
                    .rename
                    .as_deref()
                    .is_some_and(|renamed| self.is_pii_name(renamed)));
        if !pii || !is_text_like(workspace, &field.ty) {
            return None;
        }
        let masked_by_serializer = [&field.serde.serialize_with, &field.serde.with]
            .into_iter()
            .flatten()
            .any(|path| is_redacting_serializer(path));
        if field.serde.never_serialized()
            || masked_by_serializer
            || contains_wrapper(&field.ty, &self.wrappers)
        {
            return None;
        }
        let type_name = owner.split("::").next().unwrap_or(owner);
        let (how, label) = cx.model.responses.describe(cx.workspace, type_name, via);
        let mut diagnostic = Diagnostic::new(
            format!("PII field `{owner}.{name}` reaches partner users unmasked: {how}"),
            Location {
                file,
                span: field.span,
            },
        )
        .with_primary_label("unmasked PII")
        .with_help(format!(
            "mask it for partner users: make the type `{}<…>` or add a masking `#[serde(serialize_with = \"…\")]`; \
             unmask only on request, with an audit reason",
            self.wrappers.first().map_or("Masked", String::as_str)
        ));
        if let Some((location, text)) = label {
            diagnostic = diagnostic.with_label(location, text);
        }
        Some(diagnostic)
    }

    fn unmask_finding(
        &self,
        cx: &Context<'_>,
        id: FnId,
        function: &FunctionDef,
        call: &CallSite,
    ) -> Option<Diagnostic> {
        let Callee::Method(method) = &call.callee else {
            return None;
        };
        if !self.unmask_methods.iter().any(|name| name == method) {
            return None;
        }
        let text = &cx.workspace.file(id.file).text;
        let has_reason = call.args.iter().any(|arg| {
            let literal_text = matches!(
                arg.string,
                Some(
                    crate::strings::StrExpr::Literal { .. }
                        | crate::strings::StrExpr::Format { .. }
                        | crate::strings::StrExpr::Concat(_)
                )
            );
            let named = text.get(arg.span.range()).is_some_and(|source| {
                words(&source.replace(|c: char| !c.is_alphanumeric(), "_"))
                    .iter()
                    .any(|word| REASON_WORDS.contains(&word.as_str()))
            });
            literal_text || named
        });
        let audited = function.calls.iter().any(is_audit_call);
        let missing = match (has_reason, audited) {
            (true, true) => return None,
            (false, true) => "without an audit reason argument",
            (true, false) => "without an audit call in the same function",
            (false, false) => "without an audit reason argument or an audit call",
        };
        let chain = cx
            .model
            .context
            .describe_chain(cx.workspace, id)
            .unwrap_or_default();
        Some(
            Diagnostic::new(
                format!("`.{method}()` reveals PII in partner context ({chain}) {missing}"),
                Location {
                    file: id.file,
                    span: call.span,
                },
            )
            .with_primary_label("unmasked here")
            .with_help(format!(
                "pass the partner user's reason (`.{method}(&reason)`) and record it with an audit call (`audit::record(..)`) in the same function"
            )),
        )
    }
}

/// An audit call: a function, method or macro named `audit…`, a path
/// through an `audit` module, or a `tracing` event with `target: "audit"`.
fn is_audit_call(call: &CallSite) -> bool {
    let named = |name: &str| words(name).iter().any(|word| word == "audit");
    let by_path = match &call.callee {
        Callee::Path(segments) | Callee::Macro(segments) => {
            segments.iter().any(|segment| segment == "audit")
        }
        // `self.audit.record(..)`, `audit_log.write(..)`.
        Callee::Method(_) => call
            .receiver
            .as_ref()
            .and_then(|receiver| receiver.place.as_ref())
            .is_some_and(|place| place.iter().any(|segment| named(segment))),
    };
    named(call.name())
        || by_path
        || call
            .event
            .as_ref()
            .is_some_and(|event| event.target.as_deref() == Some("audit"))
}

#[cfg(test)]
pub(crate) mod tests {
    use crate::options::OptionValue;
    use crate::testing::Expect;

    #[track_caller]
    fn expect(fixture: &str) {
        Expect::rule("PS103").findings(fixture);
    }

    #[test]
    fn pii_fields_of_partner_returned_structs() {
        expect(
            r#"
//- src/views.rs
use serde::Serialize;
#[derive(Serialize)]
pub struct UserView {
    pub id: u64,
    pub email: String,
//  ^^^^^^^^^^^^^^^^^ deny[PS103] PII field `UserView.email` reaches partner users unmasked: `UserView` is returned by `partner::users::list` in partner context
    pub phone_number: Option<String>,
//  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS103] PII field `UserView.phone_number` reaches partner users unmasked: `UserView` is returned by `partner::users::list` in partner context
    pub email_verified: bool,
    pub address_id: String,
    pub masked_email: Masked<String>,
    pub home_phone: Option<Masked<String>>,
    #[serde(serialize_with = "mask_email")]
    pub contact_email: String,
    #[serde(skip_serializing)]
    pub ssn: String,
    #[serde(rename = "dateOfBirth")]
    pub born: String,
//  ^^^^^^^^^^^^^^^^ deny[PS103] PII field `UserView.born` reaches partner users unmasked: `UserView` is returned by `partner::users::list` in partner context
    pub billing: BillingInfo,
}
#[derive(Serialize)]
pub struct BillingInfo { pub iban: String, pub plan: String }
//                       ^^^^^^^^^^^^^^^^ deny[PS103] PII field `BillingInfo.iban` reaches partner users unmasked: `BillingInfo` is nested in `UserView.billing`, `UserView` is returned by `partner::users::list` in partner context
#[derive(Serialize)]
pub struct InternalRow { pub email: String }
pub struct NotSerialized { pub email: String }
//- src/partner/users.rs
pub async fn list(ctx: PartnerContext) -> Result<Json<Vec<UserView>>, ApiError> { todo!() }
//- src/jobs.rs
pub fn export() -> Vec<InternalRow> { Vec::new() }
pub fn other() -> NotSerialized { todo!() }
"#,
        );
    }

    #[test]
    fn response_bodies_built_in_partner_handlers() {
        expect(
            r#"
//- src/partner/h.rs
#[derive(Serialize)] struct Contact { full_name: String, street: String }
//                                    ^^^^^^^^^^^^^^^^^ deny[PS103] PII field `Contact.full_name` reaches partner users unmasked: `Contact` is put in a response body by `partner::h::show` in partner context
//                                                       ^^^^^^^^^^^^^^ deny[PS103] PII field `Contact.street` reaches partner users unmasked: `Contact` is put in a response body by `partner::h::show` in partner context
#[derive(Serialize)] enum Lookup { Found { mobile: String }, Missing }
//                                         ^^^^^^^^^^^^^^ deny[PS103] PII field `Lookup::Found.mobile` reaches partner users unmasked: `Lookup` is put in a response body by `partner::h::lookup` in partner context
#[derive(Serialize)] struct Card { card_number: String }
async fn show(ctx: PartnerContext) -> impl IntoResponse {
    let contact = Contact { full_name: n, street: s };
    (StatusCode::OK, Json(contact)).into_response()
}
async fn lookup(ctx: PartnerContext) -> HttpResponse { HttpResponse::Ok().json(Lookup::Found { mobile: m }) }
async fn unrelated(ctx: PartnerContext) -> StatusCode { let c = Card { card_number: x }; store(c); StatusCode::OK }
"#,
        );
    }

    #[test]
    fn unmask_calls_need_a_reason_and_an_audit_call() {
        expect(
            r#"
//- src/partner/support.rs
async fn a(ctx: PartnerContext, user: User) -> String { user.email.unmask() }
//                                                      ^^^^^^^^^^^^^^^^^^^ deny[PS103] `.unmask()` reveals PII in partner context (`partner::support::a`) without an audit reason argument or an audit call
async fn b(ctx: PartnerContext, user: User, req: UnmaskRequest) -> String {
    audit::record(AuditEvent { action: "unmask" });
    user.email.reveal(&req.reason)
}
async fn c(ctx: PartnerContext, user: User) -> String { user.phone.expose_pii("support ticket") }
//                                                      ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS103] `.expose_pii()` reveals PII in partner context (`partner::support::c`) without an audit call in the same function
async fn d(ctx: PartnerContext, user: User) -> String { audit_log("unmask"); user.phone.expose_pii() }
//                                                                           ^^^^^^^^^^^^^^^^^^^^^^^ deny[PS103] `.expose_pii()` reveals PII in partner context (`partner::support::d`) without an audit reason argument
async fn e(ctx: PartnerContext, user: User, reason: String) -> String {
    tracing::info!(target: "audit", actor = %ctx.user_id, "unmask");
    user.email.unmask(&reason)
}
async fn f(ctx: PartnerContext, user: User, audit_log: AuditLog) -> String {
    audit_log.record(&ctx);
    user.email.unmask(UnmaskReason::Support)
}
//- src/admin.rs
fn own(user: User) -> String { user.email.unmask() }
"#,
        );
    }

    #[test]
    fn options_name_pii_and_wrappers() {
        Expect::rule("PS103")
            .with_options(&[
                ("pii_names", OptionValue::StringList(vec!["nickname".into()])),
                ("wrapper_types", OptionValue::StringList(vec!["Hidden".into()])),
                ("ignore_names", OptionValue::StringList(vec!["public_nickname".into()])),
            ])
            .findings(
                r#"
//- src/partner/v.rs
#[derive(Serialize)] pub struct V { nickname: String, public_nickname: String, email: String, secret_nickname: Hidden<String> }
//                                  ^^^^^^^^^^^^^^^^ deny[PS103] PII field `V.nickname` reaches partner users unmasked: `V` is returned by `partner::v::v` in partner context
pub fn v(ctx: PartnerContext) -> V { todo!() }
"#,
            );
    }

    /// Types sent by actix-web (`.json(…)`), tonic (a prost `Message` reply) and
    /// async-graphql (a `SimpleObject` result), with fields hidden from GraphQL.
    pub(crate) const VIEWS_ON_THE_WIRE: &str = r#"#[derive(Serialize)] pub struct DeviceView { pub email: String, pub api_key: String }
#[derive(Serialize)] pub struct OwnView { pub email: String, pub api_key: String }
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct ListReply { #[prost(string, tag = "1")] pub phone: String, #[prost(string, tag = "2")] pub token: String }
#[derive(SimpleObject)]
pub struct Device { pub email: String, #[graphql(skip)] pub address: String, pub password: String, #[graphql(skip)] pub api_key: String }
"#;

    /// Handlers of the three frameworks: partner context from an actix route under
    /// `/partner`, a tonic extension and an async-graphql context lookup; `own` answers
    /// the service's own users.
    pub(crate) const FRAMEWORK_API: &str = r#"#[get("/partner/{tid}/devices")]
async fn devices(tid: web::Path<TenantId>) -> HttpResponse { HttpResponse::Ok().json(DeviceView { email: String::new(), api_key: String::new() }) }
#[get("/account/devices")]
async fn own(user: web::Data<UserSession>) -> HttpResponse { HttpResponse::Ok().json(OwnView { email: String::new(), api_key: String::new() }) }
impl DeviceService for Svc {
    async fn list(&self, req: Request<ListReq>) -> Result<Response<ListReply>, Status> {
        let session = req.extensions().get::<PartnerSession>();
        todo!()
    }
}
impl Query {
    async fn devices(&self, ctx: &Context<'_>) -> Result<Vec<Device>> { let s = ctx.data::<PartnerSession>()?; todo!() }
}
"#;

    #[test]
    fn actix_tonic_and_graphql_responses() {
        let findings = crate::testing::check(
            "PS103",
            &[
                ("src/views.rs", VIEWS_ON_THE_WIRE),
                ("src/api.rs", FRAMEWORK_API),
            ],
        );
        // `OwnView` goes to the service's own users; `Device.address` is hidden from GraphQL.
        assert_eq!(
            findings,
            [
                "src/views.rs:1:46: deny[PS103] PII field `DeviceView.email` reaches partner users unmasked: `DeviceView` is put in a response body by `api::devices` in partner context",
                "src/views.rs:4:52: deny[PS103] PII field `ListReply.phone` reaches partner users unmasked: `ListReply` is returned by `api::Svc::list` in partner context",
                "src/views.rs:6:21: deny[PS103] PII field `Device.email` reaches partner users unmasked: `Device` is returned by `api::Query::devices` in partner context",
            ]
        );
    }
}
