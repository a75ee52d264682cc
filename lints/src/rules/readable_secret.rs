//! PS104 readable-secret: customer secrets that partners can read back.

use crate::checklist::{ChecklistItem, Level};
use crate::diagnostic::{Applicability, Diagnostic, FileId, Fix, Location, Replacement};
use crate::index::{Callee, FieldDef, TypeDef, TypeKind, TypeRef, Workspace};
use crate::model::body_needs::BodyNeeds;
use crate::model::name_patterns::Pattern;
use crate::model::responses::Via;
use crate::model::{contains_wrapper, is_redacting_serializer, is_text_like};
use crate::names::{words, NameList};
use crate::options::{OptionSpec, OptionValues};
use crate::rule::{Context, Rule, RuleMeta};
use crate::source::Span;

pub const META: RuleMeta = RuleMeta {
    code: "PS104",
    name: "readable-secret",
    checklist_item: Some(ChecklistItem::SecretProtection),
    default_level: Level::Deny,
    summary: "A secret field in a `Serialize` (or `Debug`) type can be read back",
    docs: r#"## What it does
Flags a secret field that can be read back: a field named as a secret (`api_key`,
`smtp_password`, `webhook_secret`, …) of a text-like type in a struct or enum variant
that derives or implements `Serialize`, unless the field is `#[serde(skip)]`,
`#[serde(skip_serializing)]`, has a redacting `serialize_with`/`with`, or its type is a
secret wrapper (`secrecy::SecretString`, `SecretBox`, `Secret<…>`, `Redacted<…>`).

The level follows who can read the secret back:
- **deny** when a partner can: the type, or a type that holds it, is returned from or put
  in a response body (`Json(…)`, `.json(…)`) by a function in partner context, decided as
  PS103 decides it for PII. The message names the function and the way there.
- **warn** otherwise: the type is handed out by the service's own API outside partner
  context, or no known path leads to a response (a config, wire or storage type that
  could be returned one day). A service without partners does not fail on its own API.
- **not flagged**: a credential that only authentication flows outside partner context
  hand out (functions named for `login`, `sign_in`/`sign_up`, `register`,
  `authenticate`, `token`, `refresh`, `oauth`, `exchange`, `callback`): it is issued to
  the caller for themselves, once. The same type returned by any other function is
  flagged again, and returned in partner context (a partner issuing or rotating a
  customer's token and reading it back) it is deny.

A field that a derived `Debug` prints, or that a hand-written `Debug` impl reads, ends up
in logs: said in the same finding when the field is also serialized (one field, one
finding), or as a warning of its own when it is not.

Names match on whole words at the end of the name: `smtp_password`, `stripeApiKey` and
a field renamed `#[serde(rename = "apiKey")]` are secrets; `password_policy`,
`api_key_id`, `secret_name` and `token_count` only mention one. Names that say the value
is public are not secrets either: public keys (`public_key_pem`), certificates and their
chains (`certificate_pem`, `tls_cert_pem`, `ca_chain_pem`), and pagination or sync
cursors (`next_page_token`, `continuation_token`, `next_token`, `sync_token`), which the
server hands out to be sent back and which grant nothing. A field must also be
text-like (`String`, `&str`, `Cow<str>`, `Box<str>`, `Vec<u8>`, `[u8; N]`, a newtype
around one, or `Option`/`Vec` of one): `has_api_key: bool` is not a secret. A tuple
struct or variant named as a secret (`struct ApiKey(String)`) is a secret too, unless
it is an error (a variant of an enum named `*Error`, or with a `thiserror` message):
`AuthError::MalformedPassword(&'static str)` names a failure and holds its message.

Decisions where the catalogue is silent:
- Every API's responses count (R14): a type without `Serialize` that derives
  async-graphql's `SimpleObject` (a GraphQL result) or prost's `Message` (a gRPC reply)
  sends its fields too, except a GraphQL field marked `#[graphql(skip)]` (or
  `skip_output`). Their finding has no serde fix: hide the field from the schema or
  leave it out of the message. Partner context and responses come from the shared
  model, as for PS103 (tonic replies, async-graphql resolvers, actix-web handlers).
- A redacting `serialize_with`/`with` is one whose function or module name contains
  `redact`, `mask`, `hide`, `obfuscate`, `omit`, `censor`, `elide` or `conceal`.
- A hand-written `Serialize` or `Debug` impl leaks a field when its body reads
  `self.field` (or binds it in a `Self { field, .. }` pattern), except through
  `is_some`/`is_none`/`is_empty`/`len`/`is_ok`/`is_err`, or a `.map(|_| …)` that drops
  the value (`self.password.as_ref().map(|_| "***")`), which reveal nothing. Impls
  found anywhere in the workspace count, matched by type name. Hand-written impls on
  enums are trusted.
- `skip_serializing_if` is conditional and hides nothing.
- A name with the word `public` (or `pubkey`) is public material, unless it also has
  `private`, `secret`, `password` or `passwd` (`public_client_secret` is a secret).
- `pem` alone says nothing of what the PEM holds, so it is a secret unless the word
  before it (past a `bundle`) is `cert`, `certs`, `certificate`, `certificates`, `crt`,
  `chain`, `fullchain` or `ca`: `certificate_pem`, `ca_bundle_pem` and `ca_chain_pem`
  are public; `key_pem`, `tls_key_pem`, `ca_key_pem` and `pem` are not. `cert_key` is
  a certificate's private key: a secret.
- A token is a cursor only when the built-in name it ends with is `token` itself (not
  `access_token` or `refresh_token`: `page_access_token` is a credential) and the word
  before `token` is `page`, `continuation`, `pagination`, `cursor` or `resume`, or
  every word before it is one of those or `next`, `prev`, `previous`, `sync`, `delta`,
  `skip`: `sync_token` and `next_sync_token` are cursors, `github_sync_token` may be a
  job's credential and is flagged. `token`, `api_token` and `session_token` are secrets.
- These exceptions narrow the built-in names only. A field that ends with a name listed
  in `extra_secret_names` is a secret whatever the rest of its name says: listing
  `sync_token` (or `token`) there flags `sync_token`.
- A field that holds where a secret is, or public material, is not a secret: its doc
  comment's first line starts with a location word (`/// Path to the private key`,
  `/// The file holding …`: `path`, `file`, `filename`, `location`, `directory`, `url`,
  `uri`) or calls the value public without calling it private or secret; its type is an
  `Encapsulated…` (sealed) value, a `…PublicKey…` or a `Certificate`; or its own type's
  methods open it as a file (`fs::read(&self.private_key)`, `File::open`,
  `Path::new`). Only the type's own methods count: opening `config.password` elsewhere
  clears no `password` field.
- Both findings, serialized and printed by `Debug`, use the same notion of a secret.

## Why is this bad?
Partners manage customer tenants; they may set or rotate a customer's secrets, but
must never read them. A secret that serializes is one API response, export or
cache entry away from a partner user. A secret in a derived `Debug` ends up in logs.

## Example
```rust
#[derive(Serialize, Deserialize, Debug)]
pub struct TenantIntegration {
    pub name: String,
    pub stripe_api_key: String,
}
```

## Use instead
```rust
#[derive(Serialize, Deserialize)]
pub struct TenantIntegration {
    pub name: String,
    #[serde(skip_serializing)]
    pub stripe_api_key: secrecy::SecretString,
}
```

## Options
- `extra_secret_names`: more names that are secrets (whole-word suffixes, snake_case);
  the public and cursor exceptions above never undo them.
- `extra_wrapper_types`: more types that keep a secret unreadable (`Sensitive`).
- `ignore_names`: field names never to flag, matched exactly (`csrf_token`).

## Checklist item
1. Secret Protection: Are Customer secrets (API Keys, private certs) hidden from
Partners? Partners should only be able to overwrite/reset, not read.

## Fix
For a derived `Serialize`: add `#[serde(skip_serializing)]` above the field. The field
can still be written (deserialized), never read back. The fix is machine-applicable
(`--fix` applies it) only for a deny finding whose type is never read in: it reaches
partners, derives or implements no `Deserialize`, and its file is not marked
`@generated` in its first comment lines. A type that is deserialized too is a wire type
whose other side may need the field (a client's login request, a driver's handshake), a
type with no known response may be a request body, a secret the service shows its own
users may be the feature (an API key shown once), and a generated file is rewritten by
its generator: for those the fix is a suggestion for a person to review, never applied
by `--fix`.
"#,
    options: OPTIONS,
    build: Some(build),
};

/// Each option declared once: its key, default and doc, and the type it is read as.
mod option {
    use crate::options::{OptionKey, StringList};

    pub const EXTRA_SECRET_NAMES: OptionKey<StringList> = OptionKey::strings(
        "extra_secret_names",
        &[],
        "More field names that hold secrets, matched as whole-word suffixes; no built-in exception undoes them",
    );

    pub const EXTRA_WRAPPER_TYPES: OptionKey<StringList> = OptionKey::strings(
        "extra_wrapper_types",
        &[],
        "More types that keep a secret unreadable when serialized or printed",
    );

    pub const IGNORE_NAMES: OptionKey<StringList> = OptionKey::strings(
        "ignore_names",
        &[],
        "Field names never to flag, matched exactly",
    );
}

const OPTIONS: &[OptionSpec] = &[
    option::EXTRA_SECRET_NAMES.spec(),
    option::EXTRA_WRAPPER_TYPES.spec(),
    option::IGNORE_NAMES.spec(),
];

const SECRET_NAMES: &[&str] = &[
    "secret",
    "password",
    "passwd",
    "api_key",
    "apikey",
    "private_key",
    "client_secret",
    "access_token",
    "refresh_token",
    "token",
    "cert_key",
    "pem",
    "signing_key",
    "webhook_secret",
    "credentials",
];

const SECRET_WRAPPERS: &[&str] = &[
    "SecretString",
    "SecretBox",
    "Secret",
    "Redacted",
    "SecretVec",
    "SecretSlice",
];

struct ReadableSecret {
    /// The built-in names: a match may be undone by what the rest of the name says.
    secret_names: NameList,
    /// The configured names: a match is a secret, whatever the rest of the name says.
    extra_secret_names: NameList,
    wrappers: Vec<String>,
    ignored: Vec<String>,
    /// Fields their own type's methods open as files (`fs::read(&self.private_key)`), as
    /// (type, field) names, found once.
    opened_as_files: std::sync::OnceLock<std::collections::HashSet<(String, String)>>,
}

fn build(options: &OptionValues) -> Box<dyn Rule> {
    Box::new(ReadableSecret {
        secret_names: NameList::new(SECRET_NAMES),
        extra_secret_names: NameList::new(options.get(&option::EXTRA_SECRET_NAMES)),
        wrappers: SECRET_WRAPPERS
            .iter()
            .map(|w| w.to_string())
            .chain(options.get(&option::EXTRA_WRAPPER_TYPES).iter().cloned())
            .collect(),
        ignored: options.get(&option::IGNORE_NAMES).to_vec(),
        opened_as_files: std::sync::OnceLock::new(),
    })
}

/// A field together with the names a reader would call it by.
struct SecretField<'a> {
    field: &'a FieldDef,
    /// `TenantSettings.api_key`, `Credential::Password.value`, `ApiKey.0`.
    display: String,
    /// The field name as written (`0` for a tuple field), for impl body reads.
    member: String,
}

/// How the type's values get serialized or printed.
enum Exposure {
    Derived(Span),
    /// A GraphQL object (`SimpleObject`) or a protobuf message (prost's `Message`):
    /// every field not hidden from the schema is sent to the client.
    Wire {
        span: Span,
        graphql: bool,
    },
    HandWritten {
        file: FileId,
        span: Span,
        reads: Vec<String>,
    },
    None,
}

impl Rule for ReadableSecret {
    /// Outside partner context this rule reads, of bodies: `Json(…)` responses (which types
    /// any function hands out, and whether only authentication flows do), hand-written
    /// `Serialize::serialize` and `Debug::fmt` (which fields they write), and methods that
    /// open a field as a file (a path to a secret, not the secret).
    fn bodies_needed_without_partner_model(&self, needs: &mut BodyNeeds) {
        needs.call("Json");
        needs.method_in_impl("serialize", vec![Pattern::new("Serialize")]);
        needs.method_in_impl("fmt", vec![Pattern::new("Debug")]);
        for opens in FILE_OPENING_CALLS {
            needs.call_in_method(opens);
        }
    }

    fn check_file(&self, cx: &Context<'_>, file: FileId, out: &mut Vec<Diagnostic>) {
        let workspace = cx.workspace;
        let generated = workspace.file(file).is_marked_generated();
        for def in &workspace.file(file).types {
            let serialize = match exposure(workspace, def, "Serialize") {
                Exposure::None => wire_exposure(def),
                serialize => serialize,
            };
            let debug = exposure(workspace, def, "Debug");
            if matches!((&serialize, &debug), (Exposure::None, Exposure::None)) {
                continue;
            }
            let audience = audience(cx, def);
            for secret in self.secret_fields(workspace, def) {
                let at = Location {
                    file,
                    span: secret.field.span,
                };
                let serialized = match audience {
                    // A credential an authentication flow issues is the caller's own.
                    Audience::AuthenticationFlow => None,
                    _ => serialized(def, &secret, &serialize, at),
                };
                let printed = printed(def, &secret, &debug, at);
                let fix = serialized.as_ref().and_then(|serialized| {
                    serialized.fixable.then(|| {
                        let machine = !generated
                            && matches!(audience, Audience::Partner(_))
                            && !is_deserialized(workspace, def);
                        skip_serializing_fix(workspace, file, secret.field, machine)
                    })
                });
                if let Some(diagnostic) =
                    finding(cx, def, &secret, at, serialized, printed, &audience)
                {
                    out.push(match fix {
                        Some(fix) => diagnostic.with_fix(fix),
                        None => diagnostic,
                    });
                }
            }
        }
    }
}

/// Who can read a type's serialized values back.
enum Audience<'a> {
    /// A partner: the type reaches partner users (returned or put in a response in
    /// partner context, or nested in such a type).
    Partner(&'a Via),
    /// Only the caller of an authentication flow outside partner context (`login`,
    /// `refresh_token`, `oauth_callback`): their own credential, issued once.
    AuthenticationFlow,
    /// Users of the service's own API (some function outside partner context hands it out).
    OwnUsers,
    /// Nobody known: a config, wire or storage type that could be returned one day.
    Unknown,
}

fn audience<'a>(cx: &Context<'a>, def: &TypeDef) -> Audience<'a> {
    if let Some(via) = cx.model.responses.via(&def.name) {
        return Audience::Partner(via);
    }
    match cx.model.all_responses.handed_out(&def.name) {
        Some(true) => Audience::AuthenticationFlow,
        Some(false) => Audience::OwnUsers,
        None => Audience::Unknown,
    }
}

/// How a secret field is written out when its type is serialized.
struct Serialized {
    /// `serialized`, `written by a hand-written `Serialize``.
    how: &'static str,
    label: (Location, &'static str),
    /// Whether `#[serde(skip_serializing)]` can stop it (a derived `Serialize`).
    fixable: bool,
}

fn serialized(
    def: &TypeDef,
    secret: &SecretField<'_>,
    serialize: &Exposure,
    at: Location,
) -> Option<Serialized> {
    match serialize {
        Exposure::Derived(derive_span) => {
            let serde = &secret.field.serde;
            let redacted = [&serde.serialize_with, &serde.with]
                .into_iter()
                .flatten()
                .any(|path| is_redacting_serializer(path));
            if serde.never_serialized() || redacted {
                return None;
            }
            Some(Serialized {
                how: "serialized",
                label: (
                    Location {
                        file: at.file,
                        span: *derive_span,
                    },
                    "`Serialize` derived here",
                ),
                fixable: true,
            })
        }
        Exposure::HandWritten { file, span, reads } => {
            (def.kind == TypeKind::Struct && reads.contains(&secret.member)).then_some(Serialized {
                how: "written out by a hand-written `Serialize` impl",
                label: (
                    Location {
                        file: *file,
                        span: *span,
                    },
                    "this hand-written `Serialize` writes the field",
                ),
                fixable: false,
            })
        }
        Exposure::Wire { span, graphql } => {
            let hidden = if *graphql {
                secret.field.serde.graphql_skip
            } else {
                false
            };
            (!hidden).then_some(Serialized {
                how: if *graphql {
                    "sent in a GraphQL object"
                } else {
                    "sent in a protobuf message"
                },
                label: (
                    Location {
                        file: at.file,
                        span: *span,
                    },
                    if *graphql {
                        "`SimpleObject` derived here"
                    } else {
                        "`Message` derived here"
                    },
                ),
                fixable: false,
            })
        }
        Exposure::None => None,
    }
}

/// How a secret field is printed by `Debug`, and where.
struct Printed {
    how: &'static str,
    label: (Location, &'static str),
}

fn printed(
    def: &TypeDef,
    secret: &SecretField<'_>,
    debug: &Exposure,
    at: Location,
) -> Option<Printed> {
    match debug {
        Exposure::Derived(derive_span) => Some(Printed {
            how: "printed by `#[derive(Debug)]`",
            label: (
                Location {
                    file: at.file,
                    span: *derive_span,
                },
                "`Debug` derived here",
            ),
        }),
        Exposure::HandWritten { file, span, reads }
            if def.kind == TypeKind::Struct && reads.contains(&secret.member) =>
        {
            Some(Printed {
                how: "printed by a hand-written `Debug` impl",
                label: (
                    Location {
                        file: *file,
                        span: *span,
                    },
                    "this `Debug` impl prints the field",
                ),
            })
        }
        _ => None,
    }
}

/// One finding per field: serialized and printed are said together. Deny when a partner
/// can read the type back; warn when only the service's own users (or nobody known) can,
/// and for a field only `Debug` prints.
fn finding(
    cx: &Context<'_>,
    def: &TypeDef,
    secret: &SecretField<'_>,
    at: Location,
    serialized: Option<Serialized>,
    printed: Option<Printed>,
    audience: &Audience<'_>,
) -> Option<Diagnostic> {
    let field = &secret.display;
    let logs = "it can end up in logs";
    let wrapper = "use a secret wrapper type (`secrecy::SecretString` prints `[REDACTED]`), or implement `Debug` by hand and leave the value out";
    let Some(serialized) = serialized else {
        let printed = printed?;
        return Some(
            Diagnostic::new(
                format!("secret field `{field}` is {}, so {logs}", printed.how),
                at,
            )
            .with_primary_label("printed by Debug")
            .with_label(printed.label.0, printed.label.1)
            .with_help(wrapper)
            .downgraded(),
        );
    };
    let both = match &printed {
        Some(printed) => format!("{} and {}", serialized.how, printed.how),
        None => serialized.how.to_string(),
    };
    let also_logs = if printed.is_some() {
        format!(", and {logs}")
    } else {
        String::new()
    };
    let mut diagnostic = match audience {
        Audience::Partner(via) => {
            let (how, label) = cx.model.responses.describe(cx.workspace, &def.name, via);
            let diagnostic = Diagnostic::new(
                format!("secret field `{field}` is {both}, and {how}: a partner can read the secret back{also_logs}"),
                at,
            );
            match label {
                Some((location, message)) => diagnostic.with_label(location, message),
                None => diagnostic,
            }
        }
        _ => Diagnostic::new(
            format!(
                "secret field `{field}` is {both}: whoever can read `{}` can read the secret back{also_logs}",
                def.name
            ),
            at,
        )
        .downgraded(),
    };
    diagnostic = diagnostic
        .with_primary_label("readable secret")
        .with_label(serialized.label.0, serialized.label.1);
    if let Some(printed) = printed {
        diagnostic = diagnostic.with_label(printed.label.0, printed.label.1);
    }
    let help = if serialized.fixable {
        "secrets must be write-only for partners: skip the field when serializing (`#[serde(skip_serializing)]`) or make its type a secret wrapper (`secrecy::SecretString`)"
    } else {
        "leave the field out of the hand-written `Serialize` impl, or make its type a secret wrapper (`secrecy::SecretString`)"
    };
    Some(diagnostic.with_help(help))
}

/// Whether values of the type are read in (a derived or hand-written `Deserialize`):
/// skipping the field when serializing would then break a round trip, so the fix needs
/// a person to look.
fn is_deserialized(workspace: &Workspace, def: &TypeDef) -> bool {
    def.derive("Deserialize").is_some()
        || workspace
            .trait_impls_for(&def.name, "Deserialize")
            .next()
            .is_some()
}

impl ReadableSecret {
    /// Whether a field, or a newtype or variant that wraps one value, called `name`
    /// holds a secret. A configured name always does; a built-in one unless the rest of
    /// the name says the value is public or a cursor (`public_key_pem`, `sync_token`).
    fn is_secret_name(&self, name: &str) -> bool {
        if self.extra_secret_names.suffix_match(name).is_some() {
            return true;
        }
        let Some(matched) = self.secret_names.suffix_match(name) else {
            return false;
        };
        let words = words(name);
        !(names_public_material(&words, &matched) || names_a_cursor(&words, &matched))
    }

    fn secret_fields<'a>(&self, workspace: &Workspace, def: &'a TypeDef) -> Vec<SecretField<'a>> {
        // The variants of an error type name failures (`MalformedPassword(&str)`
        // carries a message about a password), not the value they hold.
        let error_type = words(&def.name)
            .last()
            .is_some_and(|word| word == "error" || word == "errors");
        let owners: Vec<(String, &str, &[FieldDef], bool)> = match def.kind {
            TypeKind::Struct => vec![(
                def.name.clone(),
                def.name.as_str(),
                def.fields.as_slice(),
                def.error_message.is_some(),
            )],
            TypeKind::Enum => def
                .variants
                .iter()
                .map(|variant| {
                    (
                        format!("{}::{}", def.name, variant.name),
                        variant.name.as_str(),
                        variant.fields.as_slice(),
                        error_type || variant.error_message.is_some(),
                    )
                })
                .collect(),
        };
        let mut secrets = Vec::new();
        for (owner_display, owner_name, fields, names_a_failure) in owners {
            for (index, field) in fields.iter().enumerate() {
                let is_secret = match &field.name {
                    Some(name) => {
                        !self.ignored.contains(name)
                            && (self.is_secret_name(name)
                                || field
                                    .serde
                                    .rename
                                    .as_deref()
                                    .is_some_and(|renamed| self.is_secret_name(renamed)))
                    }
                    // `struct ApiKey(String)`: the newtype is the secret.
                    None => {
                        fields.len() == 1 && !names_a_failure && self.is_secret_name(owner_name)
                    }
                };
                if !is_secret
                    || !is_text_like(workspace, &field.ty)
                    || contains_wrapper(&field.ty, &self.wrappers)
                    || holds_public_material(&field.ty)
                    || field.doc.as_deref().is_some_and(doc_says_not_a_secret)
                    || field.name.as_ref().is_some_and(|name| {
                        self.opened_as_files
                            .get_or_init(|| fields_opened_as_files(workspace))
                            .contains(&(def.name.clone(), name.clone()))
                    })
                {
                    continue;
                }
                let member = field.name.clone().unwrap_or_else(|| index.to_string());
                secrets.push(SecretField {
                    field,
                    display: format!("{owner_display}.{member}"),
                    member,
                });
            }
        }
        secrets
    }
}

/// Types whose values are public or sealed by construction: a public key, or an
/// encapsulated (already encrypted) secret.
fn holds_public_material(ty: &TypeRef) -> bool {
    ty.name().is_some_and(|name| {
        name.starts_with("Encapsulated") || name.contains("PublicKey") || name == "Certificate"
    })
}

/// Words a doc comment starts with when the field holds where a secret is, not the secret:
/// "Path to the private key", "The file holding the client secret".
const LOCATION_WORDS: &[&str] = &[
    "path",
    "paths",
    "file",
    "filename",
    "filepath",
    "location",
    "directory",
    "dir",
    "url",
    "uri",
];

/// Whether the first line of a field's doc comment says it is a path or public: its
/// first word past an article names a location, or it calls the value public without
/// calling it private or secret.
fn doc_says_not_a_secret(doc: &str) -> bool {
    let words = words(doc);
    let first = words
        .iter()
        .find(|word| !matches!(word.as_str(), "the" | "a" | "an"));
    if first.is_some_and(|word| LOCATION_WORDS.contains(&word.as_str())) {
        return true;
    }
    let says = |listed: &[&str]| words.iter().any(|word| listed.contains(&word.as_str()));
    says(PUBLIC_WORDS) && !says(SECRET_WORDS)
}

/// Calls that open a file by its path: `fs::read`, `std::fs::read_to_string`,
/// `tokio::fs::read`, `File::open`, `Path::new`, `PathBuf::from`.
/// Calls that open a file, by the last two segments of their path: an argument is a path.
const FILE_OPENING_CALLS: &[&str] = &[
    "fs::read",
    "fs::read_to_string",
    "fs::read_to_end",
    "fs::File",
    "fs::metadata",
    "fs::canonicalize",
    "File::open",
    "File::options",
    "Path::new",
    "PathBuf::from",
];

fn opens_a_file(segments: &[crate::names::Name]) -> bool {
    let [.., owner, function] = segments else {
        return false;
    };
    FILE_OPENING_CALLS
        .iter()
        .any(|call| call.split_once("::") == Some((owner.as_str(), function.as_str())))
}

/// The fields a type's own methods pass (as `self.private_key`) to a call that opens a
/// file: they hold a path, whatever the name says. Only the type's own methods count, so
/// that opening `config.password` somewhere does not clear every `password` field.
fn fields_opened_as_files(workspace: &Workspace) -> std::collections::HashSet<(String, String)> {
    let mut opened = std::collections::HashSet::new();
    for facts in &workspace.files {
        for function in &facts.functions {
            let Some(owner) = &function.impl_type else {
                continue;
            };
            for call in &function.calls {
                let Callee::Path(segments) = &call.callee else {
                    continue;
                };
                if !opens_a_file(segments) {
                    continue;
                }
                for arg in &call.args {
                    if let Some([receiver, field]) = arg.place.as_deref() {
                        if receiver.as_str() == "self" {
                            opened.insert((owner.to_string(), field.to_string()));
                        }
                    }
                }
            }
        }
    }
    opened
}

/// Words that say a value is meant to be seen: `public_key_pem`, `publicToken`.
const PUBLIC_WORDS: &[&str] = &["public", "pubkey"];

/// Words that make a name about a secret again, whatever else it says:
/// `public_client_secret` is still a client secret.
const SECRET_WORDS: &[&str] = &["private", "secret", "password", "passwd"];

/// What a PEM holds when it is public: a certificate or a chain of them
/// (`certificate_pem`, `tls_cert_pem`, `ca_chain_pem`, `ca_pem`).
const CERTIFICATE_WORDS: &[&str] = &[
    "cert",
    "certs",
    "certificate",
    "certificates",
    "crt",
    "chain",
    "fullchain",
    "ca",
];

/// A name whose words say the value is public: it has the word `public` (and no word
/// that names a secret), or it is a PEM of certificates. A PEM of a key (`key_pem`,
/// `tls_key_pem`, `ca_key_pem`) or of nothing said (`pem`) stays a secret.
fn names_public_material(words: &[String], matched: &str) -> bool {
    let has = |listed: &[&str]| words.iter().any(|word| listed.contains(&word.as_str()));
    if has(SECRET_WORDS) {
        return false;
    }
    if has(PUBLIC_WORDS) {
        return true;
    }
    if matched != "pem" {
        return false;
    }
    // The word before `pem`, past a `bundle` (`ca_bundle_pem`), says what it holds.
    words
        .iter()
        .rev()
        .skip(1)
        .find(|word| *word != "bundle")
        .is_some_and(|holder| CERTIFICATE_WORDS.contains(&holder.as_str()))
}

/// Words before `token` that make it a pagination cursor whatever comes before them
/// (`next_page_token`, `users_continuation_token`).
const PAGE_WORDS: &[&str] = &["page", "continuation", "pagination", "cursor", "resume"];

/// Words before `token` that make it a cursor only when the name says nothing else
/// (`next_token`, `sync_token`, `next_sync_token`): `github_sync_token` may well be a
/// credential a sync job uses.
const POSITION_WORDS: &[&str] = &["next", "prev", "previous", "sync", "delta", "skip"];

/// A pagination or sync cursor named a token: the server hands it out to be sent
/// back, it grants nothing. Only a bare `token` is one: `page_access_token` and
/// `sync_refresh_token` are credentials.
fn names_a_cursor(words: &[String], matched: &str) -> bool {
    let [before @ .., _token] = words else {
        return false;
    };
    matched == "token"
        && match before.last() {
            Some(word) if PAGE_WORDS.contains(&word.as_str()) => true,
            Some(_) => before.iter().all(|word| {
                PAGE_WORDS.contains(&word.as_str()) || POSITION_WORDS.contains(&word.as_str())
            }),
            None => false,
        }
}

fn exposure(workspace: &Workspace, def: &TypeDef, trait_name: &'static str) -> Exposure {
    if let Some(derive) = def.derive(trait_name) {
        return Exposure::Derived(derive.span);
    }
    match workspace.trait_impls_for(&def.name, trait_name).next() {
        Some((file, imp)) => Exposure::HandWritten {
            file,
            span: imp.span,
            reads: imp.self_field_reads.clone(),
        },
        None => Exposure::None,
    }
}

/// A GraphQL object or protobuf message, which sends its fields without serde.
fn wire_exposure(def: &TypeDef) -> Exposure {
    match crate::model::responses::wire_derive(def) {
        Some(derive) if derive.name != "Serialize" => Exposure::Wire {
            span: derive.span,
            graphql: derive.name == "SimpleObject",
        },
        _ => Exposure::None,
    }
}

/// `#[serde(skip_serializing)]` on its own line above the field, indented
/// like it, or inline before a field that shares its line. `machine` says whether
/// `--fix` may apply it unattended (see the rule docs for when).
fn skip_serializing_fix(
    workspace: &Workspace,
    file: FileId,
    field: &FieldDef,
    machine: bool,
) -> Fix {
    let facts = workspace.file(file);
    let insert_at = field.attribute_insert_at;
    let line = facts.line_index.line_of(insert_at);
    let line_start = facts.line_index.line_start(line) as usize;
    let before = facts.text.get(line_start..insert_at as usize).unwrap_or("");
    let text = if before.trim().is_empty() {
        format!("#[serde(skip_serializing)]\n{before}")
    } else {
        "#[serde(skip_serializing)] ".to_string()
    };
    Fix {
        replacements: vec![Replacement {
            location: Location {
                file,
                span: Span::empty_at(insert_at as usize),
            },
            text,
        }],
        applicability: if machine {
            Applicability::MachineApplicable
        } else {
            Applicability::MaybeIncorrect
        },
    }
}

#[cfg(test)]
mod tests {
    use crate::options::OptionValue;
    use crate::testing::{check, check_fixes, check_with, Expect};

    #[track_caller]
    fn expect(fixture: &str) {
        Expect::rule("PS104").findings(fixture);
    }

    fn lint(source: &str) -> Vec<String> {
        check("PS104", &[("src/model.rs", source)])
    }

    #[test]
    fn flags_serialized_secret_fields_and_their_debug() {
        expect(
            r#"
//- src/model.rs
#[derive(Debug, Serialize, Deserialize)]
pub struct TenantIntegration {
    pub name: String,
    pub stripe_api_key: String,
//  ^^^^^^^^^^^^^^^^^^^^^^^^^^ warn[PS104] secret field `TenantIntegration.stripe_api_key` is serialized and printed by `#[derive(Debug)]`: whoever can read `TenantIntegration` can read the secret back, and it can end up in logs
    pub smtp_password: Option<String>,
//  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ warn[PS104] secret field `TenantIntegration.smtp_password` is serialized and printed by `#[derive(Debug)]`: whoever can read `TenantIntegration` can read the secret back, and it can end up in logs
    pub webhook_secret: Box<str>,
//  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^ warn[PS104] secret field `TenantIntegration.webhook_secret` is serialized and printed by `#[derive(Debug)]`: whoever can read `TenantIntegration` can read the secret back, and it can end up in logs
}
"#,
        );
    }

    const PARTNER_ROUTES: &str = "pub async fn show(ctx: PartnerContext) -> Json<IntegrationView> { todo!() }\npub async fn export(ctx: PartnerContext) -> Json<Export> { todo!() }\n";

    #[test]
    fn secrets_a_partner_can_read_back_are_denied_with_the_way_there() {
        Expect::rule("PS104")
            .with_files(&[("src/partner/integrations.rs", PARTNER_ROUTES)])
            .findings(
                r#"
//- src/views.rs
#[derive(Debug, Serialize)]
pub struct IntegrationView { pub name: String, pub api_key: String }
//                                             ^^^^^^^^^^^^^^^^^^^ deny[PS104] secret field `IntegrationView.api_key` is serialized and printed by `#[derive(Debug)]`, and `IntegrationView` is returned by `partner::integrations::show` in partner context: a partner can read the secret back, and it can end up in logs
#[derive(Serialize)]
pub struct Export { pub tenant: String, pub mail: MailSettings }
#[derive(Serialize)]
pub struct MailSettings { pub host: String, pub smtp_password: String }
//                                          ^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS104] secret field `MailSettings.smtp_password` is serialized, and `MailSettings` is nested in `Export.mail`, `Export` is returned by `partner::integrations::export` in partner context: a partner can read the secret back
"#,
            );
    }

    #[test]
    fn secrets_only_the_services_own_users_can_read_are_warnings() {
        expect(
            r#"
//- src/views.rs
#[derive(Serialize)]
pub struct Settings { pub webhook_secret: String }
//                    ^^^^^^^^^^^^^^^^^^^^^^^^^^ warn[PS104] secret field `Settings.webhook_secret` is serialized: whoever can read `Settings` can read the secret back
#[derive(Serialize)]
pub struct Config { pub api_key: String }
//                  ^^^^^^^^^^^^^^^^^^^ warn[PS104] secret field `Config.api_key` is serialized: whoever can read `Config` can read the secret back
//- src/routes.rs
pub async fn settings(user: User) -> Json<Settings> { todo!() }
"#,
        );
    }

    #[test]
    fn credentials_an_authentication_flow_issues_to_its_caller_are_not_flagged() {
        let tokens = "#[derive(Serialize)]\npub struct TokenPair { pub access_token: String, pub refresh_token: String }\n#[derive(Serialize, Debug)]\npub struct Session { pub token: String }\n";
        let findings = check(
            "PS104",
            &[
                ("src/auth/types.rs", tokens),
                (
                    "src/auth/routes.rs",
                    "pub async fn login(form: Form<Login>) -> Json<TokenPair> { todo!() }\npub async fn refresh_token(body: Json<Refresh>) -> Json<TokenPair> { todo!() }\npub async fn sign_in(form: Form<Login>) -> Json<Session> { todo!() }\n",
                ),
            ],
        );
        // `Debug` still prints the caller's token into logs.
        assert_eq!(
            findings,
            ["src/auth/types.rs:4:22: warn[PS104] secret field `Session.token` is printed by `#[derive(Debug)]`, so it can end up in logs"]
        );

        // The twin: the same type handed out in partner context is a partner reading a
        // customer's credential.
        let findings = check(
            "PS104",
            &[
                ("src/auth/types.rs", tokens),
                (
                    "src/auth/routes.rs",
                    "pub async fn login(form: Form<Login>) -> Json<TokenPair> { todo!() }\n",
                ),
                (
                    "src/partner/tenants.rs",
                    "pub async fn issue_tenant_token(ctx: PartnerContext) -> Json<TokenPair> { todo!() }\n",
                ),
            ],
        );
        assert_eq!(
            findings,
            [
                "src/auth/types.rs:2:24: deny[PS104] secret field `TokenPair.access_token` is serialized, and `TokenPair` is returned by `partner::tenants::issue_tenant_token` in partner context: a partner can read the secret back",
                "src/auth/types.rs:2:50: deny[PS104] secret field `TokenPair.refresh_token` is serialized, and `TokenPair` is returned by `partner::tenants::issue_tenant_token` in partner context: a partner can read the secret back",
                // No flow hands `Session` out here: who reads it is unknown.
                "src/auth/types.rs:4:22: warn[PS104] secret field `Session.token` is serialized and printed by `#[derive(Debug)]`: whoever can read `Session` can read the secret back, and it can end up in logs",
            ]
        );

        // Handed out by a login and by an ordinary read: the ordinary read makes it
        // readable by the service's users again.
        let findings = check(
            "PS104",
            &[
                ("src/auth/types.rs", tokens),
                (
                    "src/auth/routes.rs",
                    "pub async fn login(form: Form<Login>) -> Json<TokenPair> { todo!() }\npub async fn current(user: User) -> Json<TokenPair> { todo!() }\npub async fn sign_in(form: Form<Login>) -> Json<Session> { todo!() }\n",
                ),
            ],
        );
        assert_eq!(
            findings,
            [
                "src/auth/types.rs:2:24: warn[PS104] secret field `TokenPair.access_token` is serialized: whoever can read `TokenPair` can read the secret back",
                "src/auth/types.rs:2:50: warn[PS104] secret field `TokenPair.refresh_token` is serialized: whoever can read `TokenPair` can read the secret back",
                "src/auth/types.rs:4:22: warn[PS104] secret field `Session.token` is printed by `#[derive(Debug)]`, so it can end up in logs",
            ]
        );
    }

    #[test]
    fn the_fix_is_applied_unattended_only_for_responses_never_read_in_outside_generated_files() {
        let routes = "pub async fn a(ctx: PartnerContext) -> Json<Plain> { todo!() }\npub async fn b(ctx: PartnerContext) -> Json<RoundTrip> { todo!() }\npub async fn c(ctx: PartnerContext) -> Json<Generated> { todo!() }\npub async fn d(ctx: PartnerContext) -> Json<HandWritten> { todo!() }\n";
        let fixes = check_fixes(
            "PS104",
            &[
                (
                    "src/views.rs",
                    r#"#[derive(Serialize)]
pub struct Plain { pub api_key: String }
#[derive(Serialize, Deserialize)]
pub struct RoundTrip { pub api_key: String }
#[derive(Serialize)]
pub struct Unreturned { pub api_key: String }
pub struct HandWritten { pub api_key: String }
impl Serialize for HandWritten {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> { s.serialize_str(&self.api_key) }
}
"#,
                ),
                (
                    "src/client.rs",
                    "// @generated by the SDK generator; do not edit.\n#[derive(Serialize)]\npub struct Generated { pub api_key: String }\n",
                ),
                ("src/partner/routes.rs", routes),
            ],
        );
        assert_eq!(
            fixes,
            [
                "src/client.rs:3: MaybeIncorrect",
                "src/views.rs:2: MachineApplicable",
                "src/views.rs:4: MaybeIncorrect",
                "src/views.rs:6: MaybeIncorrect",
                "src/views.rs:7: none",
            ]
        );
    }

    #[test]
    fn paths_to_secrets_and_public_material_are_not_secrets() {
        expect(
            r#"
//- src/tls.rs
#[derive(Serialize)]
pub struct TlsConfig {
    pub private_key_path: String,
    /// Path to the PEM file holding the private key.
    pub private_key: String,
    /// The server's public key, safe to publish.
    pub signing_key: String,
    pub client_secret: EncapsulatedSecret,
    pub api_key: EcdsaPublicKey,
    pub webhook_secret: String,
    /// The private key; never public.
    pub secret: String,
//  ^^^^^^^^^^^^^^^^^^ warn[PS104] secret field `TlsConfig.secret` is serialized: whoever can read `TlsConfig` can read the secret back
    /// A password, see the path rules in the docs.
    pub password: String,
//  ^^^^^^^^^^^^^^^^^^^^ warn[PS104] secret field `TlsConfig.password` is serialized: whoever can read `TlsConfig` can read the secret back
    pub token: String,
//  ^^^^^^^^^^^^^^^^^ warn[PS104] secret field `TlsConfig.token` is serialized: whoever can read `TlsConfig` can read the secret back
}
pub struct EncapsulatedSecret(Vec<u8>);
pub struct EcdsaPublicKey(Vec<u8>);
impl TlsConfig {
    fn load(&self) -> Vec<u8> { std::fs::read(&self.webhook_secret).unwrap() }
}
pub struct Other { pub token: String }
impl Other {
    // Another type's method opening its own `token` says nothing of `TlsConfig.token`.
    fn load(&self) -> Vec<u8> { std::fs::read(&self.token).unwrap() }
}
"#,
        );
    }

    #[test]
    fn names_that_only_mention_a_secret_are_not_secrets() {
        expect(
            r#"
//- src/model.rs
#[derive(Debug, serde::Serialize)]
pub struct Settings {
    pub token_count: String,
    pub password_policy: String,
    pub has_api_key: bool,
    pub api_key_id: String,
    pub secret_name: String,
    pub tokenizer: String,
    pub token_expires_at: Option<String>,
}
"#,
        );
    }

    #[test]
    fn skipped_redacted_and_wrapped_secrets_are_not_readable() {
        expect(
            r#"
//- src/model.rs
#[derive(Serialize)]
pub struct Settings {
    #[serde(skip)]
    pub password: String,
    #[serde(skip_serializing)]
    pub api_key: String,
    #[serde(serialize_with = "crate::serde_util::redact")]
    pub client_secret: String,
    #[serde(with = "masked")]
    pub refresh_token: String,
    pub access_token: secrecy::SecretString,
    pub signing_key: Option<SecretBox<str>>,
    pub private_key: Redacted<Vec<u8>>,
}
"#,
        );
    }

    #[test]
    fn deserialize_only_structs_are_write_only() {
        expect(
            r#"
//- src/model.rs
#[derive(Deserialize)]
pub struct RotateSecretRequest { pub api_key: String, pub password: String }
"#,
        );
    }

    #[test]
    fn debug_is_flagged_even_when_serde_skips_the_field() {
        expect(
            r#"
//- src/model.rs
#[derive(Debug, Serialize)]
struct Settings {
    #[serde(skip_serializing)]
    password: String,
//  ^^^^^^^^^^^^^^^^ warn[PS104] secret field `Settings.password` is printed by `#[derive(Debug)]`, so it can end up in logs
}
"#,
        );
    }

    #[test]
    fn hand_written_debug_that_redacts_is_fine_and_one_that_prints_is_not() {
        expect(
            r#"
//- src/model.rs
pub struct Redacting { pub user: String, pub password: String }
pub struct Printing { pub user: String, pub api_key: String }
//                                      ^^^^^^^^^^^^^^^^^^^ warn[PS104] secret field `Printing.api_key` is printed by a hand-written `Debug` impl, so it can end up in logs
pub struct Connection { pub host: String, pub password: Option<String> }
//- src/debug.rs
impl std::fmt::Debug for Redacting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redacting").field("user", &self.user).field("password", &"[REDACTED]")
            .field("has_password", &!self.password.is_empty()).finish()
    }
}
impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection").field("host", &self.host)
            .field("password", &self.password.as_ref().map(|_| format_args!("***"))).finish()
    }
}
impl fmt::Debug for Printing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.user, self.api_key)
    }
}
"#,
        );
    }

    #[test]
    fn enum_variants_tuple_structs_renames_and_nested_types() {
        expect(
            r#"
//- src/model.rs
#[derive(Serialize)]
pub enum Credential {
    ApiKey(String),
//         ^^^^^^ warn[PS104] secret field `Credential::ApiKey.0` is serialized: whoever can read `Credential` can read the secret back
    Basic { user: String, password: String },
//                        ^^^^^^^^^^^^^^^^ warn[PS104] secret field `Credential::Basic.password` is serialized: whoever can read `Credential` can read the secret back
    None,
}
#[derive(Serialize)]
pub struct ApiToken(pub String);
//                  ^^^^^^^^^^ warn[PS104] secret field `ApiToken.0` is serialized: whoever can read `ApiToken` can read the secret back
#[derive(Serialize)]
pub struct Renamed {
    #[serde(rename = "apiKey")]
    pub key: String,
//  ^^^^^^^^^^^^^^^ warn[PS104] secret field `Renamed.key` is serialized: whoever can read `Renamed` can read the secret back
    pub refresh_token: Vec<Cow<'static, str>>,
//  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ warn[PS104] secret field `Renamed.refresh_token` is serialized: whoever can read `Renamed` can read the secret back
    pub pem: Option<ApiToken>,
//  ^^^^^^^^^^^^^^^^^^^^^^^^^ warn[PS104] secret field `Renamed.pem` is serialized: whoever can read `Renamed` can read the secret back
}
"#,
        );
    }

    #[test]
    fn pagination_cursors_named_tokens_are_not_secrets() {
        expect(
            r#"
//- src/model.rs
#[derive(Serialize, Deserialize, Debug)]
pub struct ListResponse {
    pub items: Vec<String>,
    pub next_page_token: Option<String>,
    pub continuation_token: Option<String>,
    pub access_token: String,
//  ^^^^^^^^^^^^^^^^^^^^^^^^ warn[PS104] secret field `ListResponse.access_token` is serialized and printed by `#[derive(Debug)]`: whoever can read `ListResponse` can read the secret back, and it can end up in logs
}
"#,
        );
    }

    #[test]
    fn public_keys_certificates_and_sync_cursors_are_not_secrets() {
        expect(
            r#"
//- src/model.rs
#[derive(Serialize, Deserialize)]
pub struct SigningKeyPair {
    pub public_key_pem: String,
    #[serde(skip_serializing)]
    pub private_key_pem: String,
}
#[derive(Debug, Serialize)]
pub struct IssuedCertificate {
    pub certificate_pem: String,
    pub chain_pem: String,
    pub ca_chain_pem: Option<String>,
    pub ca_bundle_pem: String,
    pub tls_cert_pem: String,
    pub publicKeyPem: String,
    pub pubkey_pem: String,
    pub public_api_key: String,
}
#[derive(Debug, Serialize)]
pub struct ChangesPage {
    /// Delta-sync cursor: sent back to get the changes since this page.
    pub sync_token: String,
    pub next_token: Option<String>,
    pub page_token: Option<String>,
    pub next_sync_token: String,
    pub nextPageToken: Option<String>,
}
#[derive(Serialize)]
pub struct SyncToken(pub String);
#[derive(Serialize)]
pub struct CertificatePem(pub String);
"#,
        );
    }

    #[test]
    fn keys_and_credentials_beside_public_names_are_still_secrets() {
        let findings = lint(
            r#"
#[derive(Serialize)]
pub struct Material {
    pub private_key_pem: String,
    pub private_key: String,
    pub cert_key: String,
    pub signing_key: String,
    pub access_token: String,
    pub refresh_token: String,
    pub token: String,
    pub api_token: String,
    pub session_token: String,
    pub client_secret: String,
    pub password: String,
    pub key_pem: String,
    pub tls_key_pem: String,
    pub ca_key_pem: String,
    pub public_client_secret: String,
    pub page_access_token: String,
    pub github_sync_token: String,
    pub sync_refresh_token: String,
}
"#,
        );
        let fields = [
            (4, "private_key_pem"),
            (5, "private_key"),
            (6, "cert_key"),
            (7, "signing_key"),
            (8, "access_token"),
            (9, "refresh_token"),
            (10, "token"),
            (11, "api_token"),
            (12, "session_token"),
            (13, "client_secret"),
            (14, "password"),
            (15, "key_pem"),
            (16, "tls_key_pem"),
            (17, "ca_key_pem"),
            (18, "public_client_secret"),
            (19, "page_access_token"),
            (20, "github_sync_token"),
            (21, "sync_refresh_token"),
        ];
        let expected: Vec<String> = fields
            .iter()
            .map(|(line, field)| {
                format!("src/model.rs:{line}:5: warn[PS104] secret field `Material.{field}` is serialized: whoever can read `Material` can read the secret back")
            })
            .collect();
        assert_eq!(findings, expected);
    }

    #[test]
    fn debug_warnings_use_the_same_notion_of_a_secret() {
        expect(
            r#"
//- src/model.rs
#[derive(Debug)]
pub struct KeyPair {
    pub public_key_pem: String,
    pub certificate_pem: String,
    pub sync_token: String,
    pub tls_key_pem: String,
//  ^^^^^^^^^^^^^^^^^^^^^^^ warn[PS104] secret field `KeyPair.tls_key_pem` is printed by `#[derive(Debug)]`, so it can end up in logs
}
#[derive(Debug)]
pub struct SyncToken(String);
#[derive(Debug)]
pub struct SessionToken(String);
//                      ^^^^^^ warn[PS104] secret field `SessionToken.0` is printed by `#[derive(Debug)]`, so it can end up in logs
"#,
        );
    }

    #[test]
    fn configured_secret_names_are_not_undone_by_the_exceptions() {
        let source = r#"
#[derive(Serialize)]
pub struct Feed {
    pub sync_token: String,
    pub next_token: String,
    pub tls_cert_pem: String,
    pub public_key_pem: String,
}
"#;
        let configured = |names: &[&str]| {
            check_with(
                "PS104",
                &[(
                    "extra_secret_names",
                    OptionValue::StringList(names.iter().map(|name| name.to_string()).collect()),
                )],
                &[("src/model.rs", source)],
            )
        };
        let message = |line: u32, field: &str| {
            format!("src/model.rs:{line}:5: warn[PS104] secret field `Feed.{field}` is serialized: whoever can read `Feed` can read the secret back")
        };
        assert_eq!(
            configured(&["sync_token", "cert_pem"]),
            [message(4, "sync_token"), message(6, "tls_cert_pem")]
        );
        // A built-in word listed again is a choice too: every name ending with it.
        assert_eq!(
            configured(&["token"]),
            [message(4, "sync_token"), message(5, "next_token")]
        );
        assert_eq!(configured(&[]), Vec::<String>::new());
    }

    #[test]
    fn error_variants_named_for_a_secret_hold_a_message_not_the_secret() {
        expect(
            r#"
//- src/model.rs
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("malformed password message: {0}")]
    MalformedPassword(&'static str),
    #[error("bad login")]
    Rejected { user: String, password: String },
//                           ^^^^^^^^^^^^^^^^ warn[PS104] secret field `AuthError::Rejected.password` is printed by `#[derive(Debug)]`, so it can end up in logs
}
#[derive(Debug)]
pub enum LoginFailure {
    #[error("expired token: {0}")]
    ExpiredToken(String),
}
#[derive(Debug)]
pub enum Secret {
    ApiKey(String),
//         ^^^^^^ warn[PS104] secret field `Secret::ApiKey.0` is printed by `#[derive(Debug)]`, so it can end up in logs
}
"#,
        );
    }

    #[test]
    fn hand_written_serialize_leaks_only_the_fields_it_writes() {
        expect(
            r#"
//- src/model.rs
pub struct Settings { pub name: String, pub api_key: String, pub password: String }
//                                      ^^^^^^^^^^^^^^^^^^^ warn[PS104] secret field `Settings.api_key` is written out by a hand-written `Serialize` impl: whoever can read `Settings` can read the secret back
impl Serialize for Settings {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Settings", 2)?;
        st.serialize_field("name", &self.name)?;
        st.serialize_field("api_key", &self.api_key)?;
        st.end()
    }
}
"#,
        );
    }

    #[test]
    fn options_add_names_and_wrappers_and_ignore_names() {
        Expect::rule("PS104")
            .with_options(&[
                (
                    "extra_secret_names",
                    OptionValue::StringList(vec!["pin_code".into()]),
                ),
                (
                    "extra_wrapper_types",
                    OptionValue::StringList(vec!["Sensitive".into()]),
                ),
                (
                    "ignore_names",
                    OptionValue::StringList(vec!["csrf_token".into()]),
                ),
            ])
            .findings(
                r#"
//- src/model.rs
#[derive(Serialize)]
pub struct Device { pub pin_code: String, pub csrf_token: String, pub password: Sensitive<String> }
//                  ^^^^^^^^^^^^^^^^^^^^ warn[PS104] secret field `Device.pin_code` is serialized: whoever can read `Device` can read the secret back
"#,
            );
    }

    #[test]
    fn actix_tonic_and_graphql_responses() {
        use crate::rules::unmasked_pii::tests::{FRAMEWORK_API, VIEWS_ON_THE_WIRE};
        let findings = crate::testing::check(
            "PS104",
            &[
                ("src/views.rs", VIEWS_ON_THE_WIRE),
                ("src/api.rs", FRAMEWORK_API),
            ],
        );
        // `OwnView` has no known path to a partner; `Device.api_key` is hidden from GraphQL.
        assert_eq!(
            findings,
            [
                "src/views.rs:1:65: deny[PS104] secret field `DeviceView.api_key` is serialized, and `DeviceView` is put in a response body by `api::devices` in partner context: a partner can read the secret back",
                "src/views.rs:2:62: warn[PS104] secret field `OwnView.api_key` is serialized: whoever can read `OwnView` can read the secret back",
                "src/views.rs:4:99: deny[PS104] secret field `ListReply.token` is sent in a protobuf message, and `ListReply` is returned by `api::Svc::list` in partner context: a partner can read the secret back",
                "src/views.rs:6:78: deny[PS104] secret field `Device.password` is sent in a GraphQL object, and `Device` is returned by `api::Query::devices` in partner context: a partner can read the secret back",
            ]
        );
    }
}
