//! PS302 audit-actor-target: audit records that do not keep the acting
//! partner and the customer tenant apart.

use crate::checklist::{ChecklistItem, Level};
use crate::diagnostic::{Diagnostic, FileId, Location};
use crate::index::{
    ArgFact, CallSite, Callee, FunctionDef, StructLiteral, TypeDef, TypeKind, TypeRef, Workspace,
};
use crate::model::bindings::Origin;
use crate::model::callgraph::FnId;
use crate::model::context::PartnerContext;
use crate::model::name_patterns::{Pattern, Patterns};
use crate::model::provenance::Provenance;
use crate::model::vocabulary::Vocabulary;
use crate::names::words;
use crate::names::{without_path_root, Name};
use crate::options::{OptionSpec, OptionValues};
use crate::rule::{Context, Rule, RuleMeta};
use crate::source::Span;
use std::collections::BTreeMap;

pub const META: RuleMeta = RuleMeta {
    code: "PS302",
    name: "audit-actor-target",
    checklist_item: Some(ChecklistItem::AuditTrail),
    default_level: Level::Deny,
    summary: "An audit record that does not keep `actor_tenant_id` and `target_tenant_id` apart",
    docs: r#"## What it does
Flags an audit record that does not keep the actor (the partner) and the target (the
customer tenant acted on) apart:
- a struct literal of an audit type (`AuditEvent { … }`), or any struct literal passed
  to an audit call, that lacks `actor_tenant_id` or `target_tenant_id`, or leaves
  them to `..Default::default()`;
- an audit event macro (`tracing` events with `target: "audit"`, or an audit macro
  written as `name = value` pairs) without either field;
- a positional call to a workspace audit function (`audit_log(&tenant_id, "rotate")`)
  whose parameters do not include both fields;
- any of these, in partner context, giving both fields the same value (compared
  structurally after following `let` bindings: `let t = session.tenant_id.clone()`
  and `session.tenant_id` are the same value);
- an audit type definition (a struct named like an audit type) that lacks either field.

One defect, one finding: an audit call whose argument is a struct literal (directly,
through `&`, or through a `let`) is reported once, at the literal, with the call as a
label; a literal of an audit type defined in the workspace without the field is covered
by the finding on the type.

Decisions where the catalogue is silent:
- A literal written through an import alias is a literal of the imported type: after
  `use crate::services::LicenseAuditEntry as ServiceAuditEntry;`, a
  `ServiceAuditEntry { … }` is checked, and covered by the type's finding, exactly like
  `LicenseAuditEntry { … }`, and its messages name `LicenseAuditEntry`. A file that
  also defines a type of the alias's name (in another `mod`) keeps the name as written.
- Outside partner context the same value in both fields is fine: a customer acting on
  its own tenant is its own actor and target.
- An audit type or function counts as an audit *record* only when it names a party
  (a field or parameter whose name has one of the words `tenant`, `actor`, `target`,
  `partner`, `user`, `customer`, `account`, `org`, `principal`, `caller`, `subject`,
  `by`). `AuditConfig { retention_days }`, `AuditSink { .. }` or `audit::flush()` are
  not records and are not flagged. A struct passed to an audit call, and a `tracing`
  event with an audit target, are always records.
- A type whose name ends with `Query`, `Filter`, `Params`, `Parameters`, `Criteria`
  or `Search` (`AuditLogQuery { actor_id, from, to }`) selects records to read; it is
  not a record and is not flagged, even though it names a party.
- A function that takes the record as a value (a parameter of an audit type, or of a
  workspace struct that has both fields) is checked where that value is built.
- An event that logs a whole record (`info!(target: "audit", ?event)`, where `event`
  is a parameter of a record type or a literal built in the function) is checked where
  the record is built. A literal passed beside other arguments
  (`record_audit(&actor, &target, Details { .. })`) is a payload, not the record,
  unless it is of an audit type or names a party.
- `..other_record` copies fields from another value the analysis does not follow; such
  a literal is not flagged for the fields it does not write.
- Calls to audit functions outside the workspace (or macros) that pass plain
  positional arguments are not flagged: their parameter names are unknown.
- A target filled with a *different* actor value (`session.partner_id`) is not
  flagged: every field of a partner context is an actor in the shared model, including
  the customer tenant of an `ActingAs` context, so that check would cry wolf.
- Event field names are matched exactly as they will be logged: `%session.tenant_id`
  logs a field named `session.tenant_id`, which is not `actor_tenant_id`.
- An audit macro defined in the workspace (`macro_rules! audit`, or any macro named in
  `audit_functions`, such as `record_event`) and invoked with `key = value` arguments is
  read through its definition: a key its rules pass to a field of another name
  (`(actor = $a:expr, …) => { AuditEvent { actor_tenant_id: $a, … } }`, or an event field
  `actor_tenant_id = %$a`) stands for that field, so `audit!(actor = p.id, target = p.id)`
  gives both fields the same value. Nothing else of the macro is expanded; a key the
  definition does not forward keeps its own name.

The field names follow the graph's words (R3): with `[model] tenant_labels = ["Account"]`
the record keeps `actor_account_id` and `target_account_id` apart (the first tenant label,
as an identifier word), and those are the fields asked for.

A workspace without a partner model (no function in partner context, no query that
uses a manages relationship) reports nothing for this rule: the checklist item is about
partners acting on tenants, and the run says once on stderr that no partner model was
found. Test code (items under exactly `#[cfg(test)]`, test functions, files only test
and bench targets reach) is never reported.

## Why is this bad?
When a partner acts on a customer tenant, an audit log that records only one tenant,
or the same tenant twice, cannot answer "which partner did this to which customer". The
customer cannot see partner actions in its own trail, and incident response cannot
tell a partner's action from the customer's own.

## Example
```rust
async fn rotate_key(Extension(session): Extension<PartnerSession>, Path(tenant_id): Path<String>) {
    audit::record(AuditEvent {
        actor_tenant_id: session.tenant_id.clone(),
        target_tenant_id: session.tenant_id.clone(),
        action: "rotate_key".into(),
    });
}
```

## Use instead
```rust
async fn rotate_key(Extension(session): Extension<PartnerSession>, Path(tenant_id): Path<String>) {
    audit::record(AuditEvent {
        actor_tenant_id: session.tenant_id.clone(),
        target_tenant_id: tenant_id.clone(),
        action: "rotate_key".into(),
    });
}
```

## Options
- `audit_types`: struct names that are audit records (`*` wildcards; default `*Audit*`).
- `audit_functions`: functions and macros that write audit records; a pattern with
  `::` matches the end of the call path (`audit::*` matches `crate::audit::record(..)`
  and `state.audit.record(..)`); a leading `crate::`, `self::` or `super::` is ignored
  on both sides.
- `audit_targets`: `tracing` targets of audit events (`*` wildcards).

## Checklist item
3. Audit Trail: Is the `actor_tenant_id` (Partner) distinct from the `target_tenant_id`
(Customer) in all audit logs?

## Fix
Record both: `actor_tenant_id` from the partner session, `target_tenant_id` from the
request (the tenant being acted on). No automatic fix: only the author knows where the
target comes from.
"#,
    options: OPTIONS,
    build: Some(build),
};

/// Each option declared once: its key, default and doc, and the type it is read as.
mod option {
    use crate::options::{OptionKey, StringList};

    pub const AUDIT_TYPES: OptionKey<StringList> = OptionKey::strings(
        "audit_types",
        &["*Audit*"],
        "Struct names (`*` wildcards) whose values are audit records",
    );

    pub const AUDIT_FUNCTIONS: OptionKey<StringList> = OptionKey::strings(
        "audit_functions",
        &[
            "audit",
            "audit_log",
            "record_audit",
            "emit_audit",
            "audit::*",
        ],
        "Functions and macros that write audit records; `a::*` matches the end of a call path",
    );

    pub const AUDIT_TARGETS: OptionKey<StringList> = OptionKey::strings(
        "audit_targets",
        &["audit"],
        "`tracing` event targets (`*` wildcards) that are audit records",
    );
}

const OPTIONS: &[OptionSpec] = &[
    option::AUDIT_TYPES.spec(),
    option::AUDIT_FUNCTIONS.spec(),
    option::AUDIT_TARGETS.spec(),
];

/// The two fields an audit record keeps apart: `actor_tenant_id` and `target_tenant_id`,
/// in the workspace's words (R3: with `tenant_labels = ["Account"]`, `actor_account_id`
/// and `target_account_id`).
struct PartyFieldNames {
    actor: String,
    target: String,
}

impl PartyFieldNames {
    fn of(vocabulary: &Vocabulary) -> PartyFieldNames {
        let tenant = vocabulary
            .tenant_words()
            .first()
            .map_or("tenant", String::as_str);
        PartyFieldNames {
            actor: format!("actor_{tenant}_id"),
            target: format!("target_{tenant}_id"),
        }
    }

    fn both(&self) -> [&str; 2] {
        [&self.actor, &self.target]
    }
}

/// Words that name a party of an action: a type or signature with one of
/// them records who did what to whom.
const PARTY_WORDS: &[&str] = &[
    "tenant",
    "actor",
    "target",
    "partner",
    "user",
    "customer",
    "account",
    "org",
    "principal",
    "caller",
    "subject",
    "by",
];

struct AuditActorTarget {
    types: Patterns,
    /// Each pattern split at `::`, each segment a wildcard pattern.
    functions: Vec<Vec<Pattern>>,
    targets: Patterns,
}

fn build(options: &OptionValues) -> Box<dyn Rule> {
    Box::new(AuditActorTarget {
        types: Patterns::new(options.get(&option::AUDIT_TYPES)),
        functions: audit_function_patterns(options.get(&option::AUDIT_FUNCTIONS)),
        targets: Patterns::new(options.get(&option::AUDIT_TARGETS)),
    })
}

/// The configured audit functions, each split at `::`. Call paths are matched without a
/// leading `crate`, `self` or `super`, so the patterns drop them too: `crate::audit::record`
/// names the same function as `audit::record`.
fn audit_function_patterns(patterns: &[String]) -> Vec<Vec<Pattern>> {
    patterns
        .iter()
        .map(|pattern| {
            let segments: Vec<&str> = pattern.split("::").collect();
            without_path_root(&segments)
                .iter()
                .map(|segment| Pattern::new(segment))
                .collect::<Vec<_>>()
        })
        // `crate` alone names no function; an empty pattern would match every call.
        .filter(|pattern| !pattern.is_empty())
        .collect()
}

/// Last words of a type name that say it selects audit records rather than
/// being one: `AuditLogQuery { actor_id, from, to }` is a filter.
const LOOKUP_WORDS: &[&str] = &[
    "query",
    "queries",
    "filter",
    "filters",
    "params",
    "parameters",
    "criteria",
    "search",
];

fn names_a_party(name: &str) -> bool {
    words(name)
        .iter()
        .any(|word| PARTY_WORDS.contains(&word.as_str()))
}

/// What is wrong with one audit record.
#[derive(Default)]
struct Problems<'a> {
    missing: Vec<&'a str>,
    defaulted: Vec<&'a str>,
    /// The value both fields share.
    same: Option<String>,
}

impl Problems<'_> {
    fn is_empty(&self) -> bool {
        self.missing.is_empty() && self.defaulted.is_empty() && self.same.is_none()
    }

    fn describe(&self, fields: &PartyFieldNames) -> String {
        let (actor, target) = (&fields.actor, &fields.target);
        let mut parts = Vec::new();
        match self.missing.as_slice() {
            [] => {}
            [one] => parts.push(format!("has no `{one}`")),
            _ => parts.push(format!("has neither `{actor}` nor `{target}`")),
        }
        if !self.defaulted.is_empty() {
            let fields: Vec<String> = self.defaulted.iter().map(|f| format!("`{f}`")).collect();
            parts.push(format!(
                "leaves {} to `..Default::default()`",
                fields.join(" and ")
            ));
        }
        if let Some(value) = &self.same {
            parts.push(format!(
                "gives `{actor}` and `{target}` the same value `{value}`"
            ));
        }
        parts.join(" and ")
    }

    fn help(&self, fields: &PartyFieldNames) -> String {
        let (actor, target) = (&fields.actor, &fields.target);
        if self.same.is_some() && self.missing.is_empty() && self.defaulted.is_empty() {
            format!("take `{actor}` from the partner session and `{target}` from the request (the customer tenant acted on)")
        } else {
            format!("record both `{actor}` (the partner's tenant, from the session) and `{target}` (the customer tenant acted on, from the request)")
        }
    }
}

/// A function whose audit records are checked, with the field names asked for and what
/// messages say about its context.
struct AuditScope<'a> {
    workspace: &'a Workspace,
    file: FileId,
    function: &'a FunctionDef,
    id: FnId,
    context: &'a PartnerContext,
    fields: &'a PartyFieldNames,
    /// Where the two fields' values come from.
    provenance: &'a Provenance<'a>,
}

impl AuditScope<'_> {
    fn at(&self, span: Span) -> Location {
        Location {
            file: self.file,
            span,
        }
    }

    fn text(&self, span: Span) -> String {
        let text = self
            .workspace
            .file(self.file)
            .text
            .get(span.range())
            .unwrap_or("");
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// The shared value of the two fields, in partner context only.
    fn same_value(&self, actor: &ArgFact, target: &ArgFact) -> Option<String> {
        if !self.context.contains(self.id) {
            return None;
        }
        let actor_origin = self.provenance.origin(self.id, actor);
        if !actor_origin.same_as(&self.provenance.origin(self.id, target)) {
            return None;
        }
        Some(match actor_origin {
            Origin::Place(place) => place.join("."),
            _ => self.text(actor.span),
        })
    }

    fn message(&self, record: &str, problems: &Problems) -> String {
        let mut message = format!("{record} {}", problems.describe(self.fields));
        // Named only for a finding: most functions in partner context have none.
        if let Some(chain) = self.context.describe_chain(self.workspace, self.id) {
            message.push_str(&format!(" in partner context ({chain})"));
        }
        message
    }
}

impl Rule for AuditActorTarget {
    fn check_file(&self, cx: &Context<'_>, file: FileId, out: &mut Vec<Diagnostic>) {
        // Without a partner model this checklist item does not apply (R6).
        if !cx.model.has_partner_model() {
            return;
        }
        let workspace = cx.workspace;
        let facts = workspace.file(file);
        let fields = PartyFieldNames::of(&cx.model.queries.vocabulary);
        let provenance = Provenance::new(workspace, cx.model.roles(workspace));
        for def in &facts.types {
            if let Some(diagnostic) = self.check_type(file, def, &fields) {
                out.push(diagnostic);
            }
        }
        for (index, function) in facts.functions.iter().enumerate() {
            let id = FnId { file, index };
            let scope = AuditScope {
                workspace,
                file,
                function,
                id,
                context: &cx.model.context,
                fields: &fields,
                provenance: &provenance,
            };
            self.check_function(cx, id, &scope, out);
        }
    }
}

impl AuditActorTarget {
    /// An audit record type: a struct named like one that names a party.
    fn is_record_type(&self, def: &TypeDef) -> bool {
        def.kind == TypeKind::Struct
            && self.types.matches(&def.name)
            && !words(&def.name)
                .last()
                .is_some_and(|word| LOOKUP_WORDS.contains(&word.as_str()))
            && def
                .fields
                .iter()
                .any(|field| field.name.as_deref().is_some_and(names_a_party))
    }

    fn check_type(
        &self,
        file: FileId,
        def: &TypeDef,
        fields: &PartyFieldNames,
    ) -> Option<Diagnostic> {
        if !self.is_record_type(def) {
            return None;
        }
        let missing: Vec<&str> = fields
            .both()
            .into_iter()
            .filter(|wanted| {
                !def.fields
                    .iter()
                    .any(|f| f.name.as_deref() == Some(*wanted))
            })
            .collect();
        let what = match missing.as_slice() {
            [] => return None,
            [one] => format!("no `{one}` field"),
            _ => format!("neither `{}` nor `{}`", fields.actor, fields.target),
        };
        Some(
            Diagnostic::new(
                format!(
                    "audit type `{}` has {what}, so its records cannot tell the acting partner from the customer tenant acted on",
                    def.name
                ),
                Location { file, span: def.name_span },
            )
            .with_primary_label("audit record type")
            .with_help("add both `actor_tenant_id` (the partner's tenant) and `target_tenant_id` (the customer tenant acted on)"),
        )
    }

    /// Whether the call's path ends with an `audit_functions` pattern, the path read as
    /// `crate::audit::record` → `audit::record`, `state.audit.record(..)` →
    /// `state::audit::record`.
    fn is_audit_function(&self, call: &CallSite) -> bool {
        // Compared from the last segment back, without collecting the path: every call of
        // the workspace is asked.
        let (segments, method): (&[Name], Option<&Name>) = match &call.callee {
            Callee::Path(segments) | Callee::Macro(segments) => (without_path_root(segments), None),
            Callee::Method(name) => (
                call.receiver
                    .as_ref()
                    .and_then(|receiver| receiver.place.as_deref())
                    .unwrap_or_default(),
                Some(name),
            ),
        };
        let length = segments.len() + usize::from(method.is_some());
        self.functions.iter().any(|pattern| {
            pattern.len() <= length
                && pattern
                    .iter()
                    .rev()
                    .zip(method.into_iter().chain(segments.iter().rev()))
                    .all(|(pattern, segment)| pattern.matches(segment))
        })
    }

    fn is_audit_event(&self, call: &CallSite) -> bool {
        call.event
            .as_ref()
            .and_then(|event| event.target.as_deref())
            .is_some_and(|target| self.targets.matches(target))
    }

    fn check_function(
        &self,
        cx: &Context<'_>,
        id: FnId,
        scope: &AuditScope<'_>,
        out: &mut Vec<Diagnostic>,
    ) {
        let function = scope.function;
        // Literals passed to audit calls, with those calls; other audit calls.
        let mut passed: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        let mut plain_calls = Vec::new();
        for (index, call) in function.calls.iter().enumerate() {
            if !self.is_audit_event(call) && !self.is_audit_function(call) {
                continue;
            }
            // A literal passed alongside other arguments may be a payload
            // (`audit::record(&actor, &target, Details { reason })`): it is
            // the record only when it is the only argument, is of an audit
            // type, or names a party.
            let values: Vec<&ArgFact> = call
                .args
                .iter()
                .chain(
                    call.event
                        .iter()
                        .flat_map(|event| event.fields.iter().map(|f| &f.value)),
                )
                .collect();
            let literals: Vec<usize> = values
                .iter()
                .filter_map(|value| passed_literal(function, value))
                .filter(|&literal| {
                    let literal = &function.struct_literals[literal];
                    values.len() == 1
                        || self.types.matches(&literal.type_name)
                        || literal
                            .fields
                            .iter()
                            .any(|field| names_a_party(&field.name))
                })
                .collect();
            if literals.is_empty() {
                plain_calls.push(index);
            }
            for literal in literals {
                passed.entry(literal).or_default().push(index);
            }
        }
        for (index, literal) in function.struct_literals.iter().enumerate() {
            let calls = passed.get(&index).map_or(&[][..], Vec::as_slice);
            if let Some(diagnostic) = self.check_literal(scope, literal, calls) {
                out.push(diagnostic);
            }
        }
        for index in plain_calls {
            let call = &function.calls[index];
            let diagnostic = if call.event.is_some() {
                self.check_event(scope, call)
            } else {
                self.check_positional(cx, id, scope, index)
            };
            out.extend(diagnostic);
        }
    }

    fn check_literal(
        &self,
        scope: &AuditScope<'_>,
        literal: &StructLiteral,
        calls: &[usize],
    ) -> Option<Diagnostic> {
        let definition = scope
            .workspace
            .types_named(&literal.type_name)
            .find(|def| def.kind == TypeKind::Struct);
        let is_record = !calls.is_empty()
            || (self.types.matches(&literal.type_name)
                && match definition {
                    Some(def) => self.is_record_type(def),
                    None => literal
                        .fields
                        .iter()
                        .any(|field| names_a_party(&field.name)),
                });
        if !is_record {
            return None;
        }
        let mut problems = Problems::default();
        for wanted in scope.fields.both() {
            if literal.field(wanted).is_some() {
                continue;
            }
            let defined = definition.map(|def| {
                def.fields
                    .iter()
                    .any(|field| field.name.as_deref() == Some(wanted))
            });
            match (&literal.rest, defined) {
                // The type lacks the field: the finding on the type covers it.
                (_, Some(false)) if definition.is_some_and(|def| self.is_record_type(def)) => {}
                (Some(rest), _) if rest.is_default => problems.defaulted.push(wanted),
                (Some(_), _) => {}
                (None, _) => problems.missing.push(wanted),
            }
        }
        if let (Some(actor), Some(target)) = (
            literal.field(&scope.fields.actor),
            literal.field(&scope.fields.target),
        ) {
            problems.same = scope.same_value(&actor.value, &target.value);
        }
        if problems.is_empty() {
            return None;
        }
        // The smallest node that carries the defect: the target field given
        // the actor's value, the `..Default::default()` that fills the
        // fields, or the literal that lacks them.
        let (primary, label) = match (
            &problems.same,
            literal.field(&scope.fields.actor),
            literal.field(&scope.fields.target),
            &literal.rest,
        ) {
            (Some(_), Some(actor), Some(target), _) => (
                target.span,
                Some((actor.span, "the actor is the same value")),
            ),
            (_, _, _, Some(rest)) if !problems.defaulted.is_empty() => {
                (rest.span, Some((literal.path_span, "audit record")))
            }
            _ => (literal.path_span, None),
        };
        let record = format!("audit record `{}`", literal.type_name);
        let mut diagnostic = Diagnostic::new(scope.message(&record, &problems), scope.at(primary))
            .with_primary_label("actor and target not kept apart")
            .with_help(problems.help(scope.fields));
        if let Some((span, text)) = label {
            diagnostic = diagnostic.with_label(scope.at(span), text);
        }
        for &call in calls {
            let call = &scope.function.calls[call];
            diagnostic = diagnostic.with_label(
                scope.at(call.name_span),
                format!("passed to `{}` here", call_display(call)),
            );
        }
        Some(diagnostic)
    }

    /// Whether values of this type carry a whole audit record: an audit
    /// type, or a workspace struct with both fields (through `&`, `Option`, …).
    fn is_record_value_type(&self, scope: &AuditScope<'_>, ty: &TypeRef) -> bool {
        let workspace = scope.workspace;
        ty.any(&mut |ty| {
            ty.name().is_some_and(|name| {
                self.types.matches(name)
                    || workspace.types_named(name).any(|def| {
                        scope.fields.both().iter().all(|wanted| {
                            def.fields
                                .iter()
                                .any(|f| f.name.as_deref() == Some(*wanted))
                        })
                    })
            })
        })
    }

    fn check_event<'a>(&self, scope: &AuditScope<'a>, call: &'a CallSite) -> Option<Diagnostic> {
        let event = call.event.as_ref()?;
        // `info!(target: "audit", event = ?event)` logs a whole record passed
        // in: it is checked where it is built.
        let logs_record = event.fields.iter().any(|field| {
            let head = field.value.place.as_ref().and_then(|place| place.first());
            scope.function.params.iter().any(|param| {
                param.name.as_ref() == head && self.is_record_value_type(scope, &param.ty)
            })
        });
        if logs_record {
            return None;
        }
        // A workspace macro invoked as `audit!(actor = .., target = ..)` passes its keys to
        // the fields its definition writes them to.
        let forwarded: Vec<&(String, String)> = match &call.callee {
            Callee::Macro(_) => scope
                .workspace
                .macro_keys_named(call.name())
                .flat_map(|found| &found.keys)
                .collect(),
            _ => Vec::new(),
        };
        let record_name = |written: &'a str| -> &'a str {
            forwarded
                .iter()
                .find(|(key, _)| key == written)
                .map_or(written, |(_, field)| field.as_str())
        };
        let field = |name: &str| {
            event
                .fields
                .iter()
                .find(|field| record_name(&field.name) == name)
        };
        let mut problems = Problems::default();
        for wanted in scope.fields.both() {
            if field(wanted).is_none() {
                problems.missing.push(wanted);
            }
        }
        let mut primary = call.name_span;
        let mut label = None;
        if let (Some(actor), Some(target)) =
            (field(&scope.fields.actor), field(&scope.fields.target))
        {
            problems.same = scope.same_value(&actor.value, &target.value);
            primary = target.span;
            label = Some(actor.span);
        }
        if problems.is_empty() {
            return None;
        }
        let record = match &event.target {
            Some(target) => format!("`{}!` audit event (target \"{target}\")", call.name()),
            None => format!("`{}!` audit event", call.name()),
        };
        let mut diagnostic = Diagnostic::new(scope.message(&record, &problems), scope.at(primary))
            .with_primary_label("actor and target not kept apart")
            .with_help(problems.help(scope.fields));
        if let Some(span) = label {
            diagnostic = diagnostic.with_label(scope.at(span), "the actor is the same value");
        }
        Some(diagnostic)
    }

    /// A call to a workspace audit function: its parameters are the record's fields.
    fn check_positional(
        &self,
        cx: &Context<'_>,
        id: FnId,
        scope: &AuditScope<'_>,
        index: usize,
    ) -> Option<Diagnostic> {
        let workspace = scope.workspace;
        let call = &scope.function.calls[index];
        let candidates = cx.model.graph.signature_candidates(workspace, id, index);
        let callee_id = *candidates.first()?;
        let callee = workspace
            .files
            .get(callee_id.file)?
            .functions
            .get(callee_id.index)?;
        // The record travels as a value: it is checked where it is built.
        let takes_record = callee
            .params
            .iter()
            .any(|param| self.is_record_value_type(scope, &param.ty));
        let names_party = callee
            .params
            .iter()
            .any(|param| param.name.as_deref().is_some_and(names_a_party));
        if takes_record || !names_party {
            return None;
        }
        let position = |wanted: &str| {
            callee
                .params
                .iter()
                .position(|param| param.name.as_deref() == Some(wanted))
        };
        let mut problems = Problems::default();
        for wanted in scope.fields.both() {
            if position(wanted).is_none() {
                problems.missing.push(wanted);
            }
        }
        // `Type::method(receiver, ..)` passes `self` as the first argument.
        let offset = usize::from(callee.has_self && matches!(call.callee, Callee::Path(_)));
        let argument = |wanted: &str| position(wanted).and_then(|at| call.args.get(at + offset));
        let mut primary = call.name_span;
        let mut label = None;
        if let (Some(actor), Some(target)) = (
            argument(&scope.fields.actor),
            argument(&scope.fields.target),
        ) {
            problems.same = scope.same_value(actor, target);
            primary = target.span;
            label = Some(actor.span);
        }
        if problems.is_empty() {
            return None;
        }
        let record = format!("audit call `{}`", call_display(call));
        let mut diagnostic = Diagnostic::new(scope.message(&record, &problems), scope.at(primary))
            .with_primary_label("actor and target not kept apart")
            .with_help(problems.help(scope.fields));
        if let Some(span) = label {
            diagnostic = diagnostic.with_label(scope.at(span), "the actor is the same value");
        }
        Some(diagnostic.with_label(
            Location {
                file: callee_id.file,
                span: callee.name_span,
            },
            "the audit function's parameters",
        ))
    }
}

fn call_display(call: &CallSite) -> String {
    match &call.callee {
        Callee::Path(segments) => segments.join("::"),
        Callee::Macro(segments) => format!("{}!", segments.join("::")),
        Callee::Method(name) => format!(".{name}"),
    }
}

/// The struct literal an argument passes: written in place (through `&`),
/// or bound by the `let` the argument names. A literal inside another call
/// (`audit(build(Event { .. }))`) is passed to that call, not this one.
fn passed_literal(function: &FunctionDef, arg: &ArgFact) -> Option<usize> {
    let within = |span: Span| {
        function
            .struct_literals
            .iter()
            .enumerate()
            .filter(|(_, literal)| span.start <= literal.span.start && literal.span.end <= span.end)
            // Outermost first: literals are recorded outer before inner.
            .find(|(_, literal)| {
                !function.calls.iter().any(|call| {
                    span.start <= call.span.start
                        && call.span.end <= span.end
                        && call.span.start <= literal.span.start
                        && literal.span.end <= call.span.end
                })
            })
            .map(|(index, _)| index)
    };
    if let Some(found) = within(arg.span) {
        return Some(found);
    }
    let [name] = arg.place.as_deref()? else {
        return None;
    };
    let binding = function.binding_before(name, arg.span.start)?;
    within(binding.init.as_ref()?.span)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::OptionValue;
    use crate::testing::workspace;
    use crate::testing::Expect;

    /// These tests are about services with a partner model, as `check` says.
    #[track_caller]
    fn expect(fixture: &str) {
        Expect::rule("PS302").with_partner_model().findings(fixture);
    }

    /// As [`expect`], with `TYPES` in `src/model.rs`.
    #[track_caller]
    fn expect_with_types(fixture: &str) {
        Expect::rule("PS302")
            .with_partner_model()
            .with_files(&[("src/model.rs", TYPES)])
            .findings(fixture);
    }

    /// These tests are about services with a partner model; without one the rule reports
    /// nothing (R6), which `without_a_partner_model_nothing_is_reported` tests.
    fn check(code: &str, files: &[(&str, &str)]) -> Vec<String> {
        crate::testing::check_with_partner_model(code, &[], files)
    }

    #[test]
    fn audit_function_paths_match_at_their_end() {
        let rule = AuditActorTarget {
            types: Patterns::new(["*Audit*"]),
            functions: audit_function_patterns(
                &[
                    "audit::record",
                    "log_event",
                    "crate::audit::flush",
                    "crate",
                    "self::super",
                ]
                .map(String::from),
            ),
            targets: Patterns::new(["audit"]),
        };
        let code = r#"
            fn calls(state: AppState) {
                crate::audit::record(a);
                self::audit::record(a);
                audit::record(a);
                record(a);
                state.audit.record(a);
                state.audit_log.record(a);
                audit.record(a);
                log_event(a);
                state.log_event(a);
                log_events(a);
                self.log_event(a);
                crate::audit::flush();
                audit::flush();
                flush();
            }
        "#;
        let facts = workspace(&[("src/lib.rs", code)]);
        let matched: Vec<bool> = facts.files[0].functions[0]
            .calls
            .iter()
            .map(|call| rule.is_audit_function(call))
            .collect();
        assert_eq!(
            matched,
            [
                true, true, true, false, true, false, true, true, true, false, true, true, true,
                false
            ]
        );
    }

    const TYPES: &str = r#"
pub struct AuditEvent { pub actor_tenant_id: String, pub target_tenant_id: String, pub action: String }
pub struct PartnerSession { pub tenant_id: String, pub partner_id: String }
"#;

    #[test]
    fn same_value_for_actor_and_target_in_partner_context() {
        expect_with_types(
            r#"
//- src/partner/handlers.rs
async fn rotate_key(Extension(session): Extension<PartnerSession>, Path(tenant_id): Path<String>) {
    audit::record(AuditEvent {
        actor_tenant_id: session.tenant_id.clone(),
        target_tenant_id: session.tenant_id.clone(),
//      ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS302] audit record `AuditEvent` gives `actor_tenant_id` and `target_tenant_id` the same value `session.tenant_id` in partner context (`partner::handlers::rotate_key`)
        action: "rotate".into(),
    });
    let actor = session.tenant_id.clone();
    let event = AuditEvent { actor_tenant_id: actor, target_tenant_id: session.tenant_id.to_string(), action: "x".into() };
//                                                   ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS302] audit record `AuditEvent` gives `actor_tenant_id` and `target_tenant_id` the same value `session.tenant_id` in partner context (`partner::handlers::rotate_key`)
    emit_audit(&event);
}
"#,
        );
    }

    #[test]
    fn the_fields_follow_the_workspaces_word_for_tenant() {
        // R3: with `tenant_labels = ["Account"]` the record keeps `actor_account_id` and
        // `target_account_id` apart, and those are the fields asked for.
        let handlers = r#"
async fn rotate_key(Extension(session): Extension<AgencySession>, Path(account_id): Path<String>) {
    audit::record(AuditEvent { actor_account_id: session.account_id.clone(), target_account_id: session.account_id.clone() });
    audit::record(AuditEvent { actor_account_id: session.account_id.clone(), target_account_id: account_id.clone() });
}
"#;
        let types = "pub struct AuditEvent { pub actor_account_id: String, pub target_account_id: String }\n\
                     pub struct AuditEntry { pub actor_tenant_id: String, pub target_tenant_id: String }\n";
        let model = [
            (
                "tenant_labels",
                OptionValue::StringList(vec!["Account".into()]),
            ),
            (
                "partner_labels",
                OptionValue::StringList(vec!["Agency".into()]),
            ),
            (
                "partner_context_types",
                OptionValue::StringList(vec!["AgencySession".into()]),
            ),
        ];
        assert_eq!(
            crate::testing::check_with_model(
                "PS302",
                &model,
                &[("src/handlers.rs", handlers), ("src/audit.rs", types)]
            ),
            [
                "src/audit.rs:2:12: deny[PS302] audit type `AuditEntry` has neither `actor_account_id` nor `target_account_id`, so its records cannot tell the acting partner from the customer tenant acted on",
                "src/handlers.rs:3:78: deny[PS302] audit record `AuditEvent` gives `actor_account_id` and `target_account_id` the same value `session.account_id` in partner context (`handlers::rotate_key`)",
            ]
        );
    }

    #[test]
    fn without_a_partner_model_nothing_is_reported() {
        // A multi-tenant service with no partners: its audit records have one tenant,
        // which acts on itself; the actor/target split does not apply (R6).
        let audit = r#"
#[derive(Default)]
pub struct AuditEntry { pub tenant_id: String, pub action: String }
fn log_login(user: &User) {
    let entry = AuditEntry { tenant_id: user.tenant_id.clone(), action: "login".into() };
}
"#;
        assert_eq!(
            crate::testing::check("PS302", &[("src/audit.rs", audit)]),
            Vec::<String>::new()
        );
        // The twin: the same code in a workspace where partners act on tenants.
        assert_eq!(
            check("PS302", &[("src/audit.rs", audit)]),
            ["src/audit.rs:3:12: deny[PS302] audit type `AuditEntry` has neither `actor_tenant_id` nor `target_tenant_id`, so its records cannot tell the acting partner from the customer tenant acted on"]
        );
    }

    #[test]
    fn missing_and_defaulted_fields_of_literals_and_types() {
        expect(
            r#"
//- src/audit.rs
#[derive(Default)]
pub struct AuditEntry { pub tenant_id: String, pub action: String }
//         ^^^^^^^^^^ deny[PS302] audit type `AuditEntry` has neither `actor_tenant_id` nor `target_tenant_id`, so its records cannot tell the acting partner from the customer tenant acted on
fn log_login(user: &User) {
    record_audit(ext::AuditLine { tenant_id: user.tenant_id.clone(), action: "login".into() });
//               ^^^^^^^^^^^^^^ deny[PS302] audit record `AuditLine` has neither `actor_tenant_id` nor `target_tenant_id`
    audit(ext::Event { actor_tenant_id: user.tenant_id.clone(), ..Default::default() });
//                                                                ^^^^^^^^^^^^^^^^^^ deny[PS302] audit record `Event` leaves `target_tenant_id` to `..Default::default()`
    let entry = AuditEntry { tenant_id: user.tenant_id.clone(), action: "login".into() };
}
"#,
        );
    }

    #[test]
    fn tracing_events_and_positional_audit_calls() {
        expect(
            r#"
//- src/audit.rs
pub fn audit_log(tenant_id: &str, action: &str) {}
pub fn record_audit(actor_tenant_id: &str, target_tenant_id: &str, action: &str) {}
//- src/partner/keys.rs
async fn rotate(session: PartnerSession, Path(tenant_id): Path<String>) {
    tracing::info!(target: "audit", tenant_id = %tenant_id, "rotated key");
//           ^^^^ deny[PS302] `info!` audit event (target "audit") has neither `actor_tenant_id` nor `target_tenant_id` in partner context (`partner::keys::rotate`)
    info!(target: "audit", actor_tenant_id = %session.tenant_id, target_tenant_id = %session.tenant_id, "rotated");
//                                                               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS302] `info!` audit event (target "audit") gives `actor_tenant_id` and `target_tenant_id` the same value `session.tenant_id` in partner context (`partner::keys::rotate`)
    crate::audit::audit_log(&tenant_id, "rotate");
//                ^^^^^^^^^ deny[PS302] audit call `crate::audit::audit_log` has neither `actor_tenant_id` nor `target_tenant_id` in partner context (`partner::keys::rotate`)
    record_audit(&tenant_id, &tenant_id, "rotate");
//                           ^^^^^^^^^^ deny[PS302] audit call `record_audit` gives `actor_tenant_id` and `target_tenant_id` the same value `tenant_id` in partner context (`partner::keys::rotate`)
}
"#,
        );
    }

    #[test]
    fn the_chain_is_named_for_helpers_reached_from_partner_context() {
        expect_with_types(
            r#"
//- src/api.rs
async fn handler(session: PartnerSession) { write_audit(&session).await }
async fn write_audit(session: &PartnerSession) {
    let event = AuditEvent { actor_tenant_id: session.tenant_id.clone(), target_tenant_id: session.tenant_id.clone(), action: String::new() };
//                                                                       ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS302] audit record `AuditEvent` gives `actor_tenant_id` and `target_tenant_id` the same value `session.tenant_id` in partner context (`api::write_audit`)
    audit(event);
}
"#,
        );
    }

    #[test]
    fn actor_from_the_session_and_target_from_the_path_is_fine() {
        expect_with_types(
            r#"
//- src/partner/handlers.rs
async fn rotate_key(Extension(session): Extension<PartnerSession>, Path(tenant_id): Path<String>) {
    let actor = session.tenant_id.clone();
    let target = tenant_id.clone();
    audit::record(AuditEvent { actor_tenant_id: actor, target_tenant_id: target, action: "rotate".into() });
    info!(target: "audit", actor_tenant_id = %session.tenant_id, target_tenant_id = %tenant_id, "rotated");
    let event = AuditEvent { actor_tenant_id: session.tenant_id.clone(), target_tenant_id: tenant_id, action: "x".into() };
    emit_audit(event);
}
"#,
        );
    }

    #[test]
    fn a_customer_acting_on_its_own_tenant_may_be_actor_and_target() {
        expect_with_types(
            r#"
//- src/settings.rs
async fn update(user: CustomerSession) {
    audit(AuditEvent { actor_tenant_id: user.tenant_id.clone(), target_tenant_id: user.tenant_id.clone(), action: "update".into() });
    info!(target: "audit", actor_tenant_id = %user.tenant_id, target_tenant_id = %user.tenant_id, "updated");
}
"#,
        );
    }

    #[test]
    fn defaults_for_unrelated_fields_and_records_that_are_not_audit_records() {
        expect(
            r#"
//- src/model.rs
pub struct AuditEvent { pub actor_tenant_id: String, pub target_tenant_id: String, pub action: String, pub detail: Option<String> }
pub struct AuditConfig { pub retention_days: u32, pub sink: String }
#[derive(Deserialize)]
pub struct AuditLogQuery { pub actor_id: Option<String>, pub target_type: Option<String>, pub from: Option<String> }
pub struct AuditSearchParams { pub tenant_id: Option<String>, pub limit: u32 }
//- src/partner/handlers.rs
async fn h(session: PartnerSession, Path(tenant_id): Path<String>) {
    audit(AuditEvent { actor_tenant_id: session.tenant_id.clone(), target_tenant_id: tenant_id.clone(), ..Default::default() });
    let config = AuditConfig { retention_days: 30, ..Default::default() };
    let copy = AuditEvent { action: "again".into(), ..previous };
    audit::flush();
    info!("not an audit event {}", tenant_id);
    warn!(target: "http", status = 500);
}
"#,
        );
    }

    #[test]
    fn payload_literals_beside_positional_fields_are_not_the_record() {
        expect(
            r#"
//- src/audit.rs
pub fn record_audit(actor_tenant_id: &str, target_tenant_id: &str, details: Details) {}
//- src/partner/h.rs
fn h(session: PartnerSession, Path(tenant_id): Path<String>) {
    record_audit(&session.tenant_id, &tenant_id, Details { reason: "rotate".into() });
    record_audit(&session.tenant_id, &session.tenant_id, Details { reason: "rotate".into() });
//                                   ^^^^^^^^^^^^^^^^^^ deny[PS302] audit call `record_audit` gives `actor_tenant_id` and `target_tenant_id` the same value `session.tenant_id` in partner context (`partner::h::h`)
}
"#,
        );
    }

    #[test]
    fn events_that_log_a_whole_record_are_checked_where_it_is_built() {
        expect_with_types(
            r#"
//- src/partner/handlers.rs
fn write(event: &AuditEvent) {
    info!(target: "audit", event = ?event, "audit");
}
fn h(session: PartnerSession, Path(tenant_id): Path<String>) {
    let event = AuditEvent { actor_tenant_id: tenant_id.clone(), target_tenant_id: tenant_id.clone(), action: String::new() };
//                                                               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS302] audit record `AuditEvent` gives `actor_tenant_id` and `target_tenant_id` the same value `tenant_id` in partner context (`partner::handlers::h`)
    info!(target: "audit", ?event);
}
"#,
        );
    }

    /// An audit type in another module, which partner code imports under another name.
    const LICENSE_AUDIT_ENTRY: (&str, &str) = (
        "src/services/license.rs",
        "pub struct LicenseAuditEntry { pub tenant_id: String, pub action: String }",
    );

    #[test]
    fn literals_through_an_import_alias_are_literals_of_the_imported_type() {
        let findings = check(
            "PS302",
            &[
                ("src/model.rs", TYPES),
                LICENSE_AUDIT_ENTRY,
                (
                    "src/partner/licenses.rs",
                    r#"
use crate::services::LicenseAuditEntry as ServiceAuditEntry;
use crate::model::AuditEvent as Event;
use crate::services::LicenseAuditEntry;
async fn assign(session: PartnerSession, Path(tenant_id): Path<String>) {
    let entry = ServiceAuditEntry { tenant_id: tenant_id.clone(), action: "assign".into() };
    audit::record(ServiceAuditEntry { tenant_id: tenant_id.clone(), action: "assign".into() });
    audit::record(LicenseAuditEntry { tenant_id: tenant_id.clone(), action: "assign".into() });
    let event = Event { actor_tenant_id: tenant_id.clone(), target_tenant_id: tenant_id.clone(), action: "assign".into() };
}
"#,
                ),
            ],
        );
        assert_eq!(
            findings,
            [
                "src/partner/licenses.rs:9:61: deny[PS302] audit record `AuditEvent` gives `actor_tenant_id` and `target_tenant_id` the same value `tenant_id` in partner context (`partner::licenses::assign`)",
                "src/services/license.rs:1:12: deny[PS302] audit type `LicenseAuditEntry` has neither `actor_tenant_id` nor `target_tenant_id`, so its records cannot tell the acting partner from the customer tenant acted on",
            ]
        );
    }

    #[test]
    fn a_local_type_named_like_an_alias_elsewhere_is_its_own_type() {
        let findings = check(
            "PS302",
            &[
                ("src/model.rs", TYPES),
                LICENSE_AUDIT_ENTRY,
                (
                    "src/partner/licenses.rs",
                    r#"
use crate::services::LicenseAuditEntry as ServiceAuditEntry;
fn assign(session: PartnerSession) {
    audit::record(ServiceAuditEntry { tenant_id: session.tenant_id.clone(), action: "assign".into() });
}
"#,
                ),
                (
                    "src/partner/billing.rs",
                    r#"
pub struct ServiceAuditEntry { pub actor_tenant_id: String, pub target_tenant_id: String, pub action: String }
fn charge(session: PartnerSession) {
    audit::record(ServiceAuditEntry { actor_tenant_id: session.tenant_id.clone(), target_tenant_id: session.tenant_id.clone(), action: "charge".into() });
    let entry = ServiceAuditEntry { actor_tenant_id: session.tenant_id.clone(), action: "charge".into() };
}
mod legacy {
    use crate::services::LicenseAuditEntry as ServiceAuditEntry;
}
"#,
                ),
                (
                    "src/partner/reports.rs",
                    r#"
fn report(session: PartnerSession) {
    audit::record(ServiceAuditEntry { tenant_id: session.tenant_id.clone(), action: "report".into() });
}
"#,
                ),
            ],
        );
        assert_eq!(
            findings,
            [
                "src/partner/billing.rs:4:83: deny[PS302] audit record `ServiceAuditEntry` gives `actor_tenant_id` and `target_tenant_id` the same value `session.tenant_id` in partner context (`partner::billing::charge`)",
                "src/partner/billing.rs:5:17: deny[PS302] audit record `ServiceAuditEntry` has no `target_tenant_id` in partner context (`partner::billing::charge`)",
                "src/partner/reports.rs:3:19: deny[PS302] audit record `ServiceAuditEntry` has neither `actor_tenant_id` nor `target_tenant_id` in partner context (`partner::reports::report`)",
                "src/services/license.rs:1:12: deny[PS302] audit type `LicenseAuditEntry` has neither `actor_tenant_id` nor `target_tenant_id`, so its records cannot tell the acting partner from the customer tenant acted on",
            ]
        );
    }

    const AUDIT_MACROS: &str = r#"
#[macro_export]
macro_rules! audit {
    (actor = $actor:expr, target = $target:expr, action = $action:expr $(,)?) => {
        $crate::audit::record($crate::model::AuditEvent {
            actor_tenant_id: $actor.to_string(),
            target_tenant_id: $target.to_string(),
            action: $action.into(),
        })
    };
    (actor_tenant_id = $a:expr, target_tenant_id = $t:expr, action = $x:expr) => {
        $crate::audit::record($crate::model::AuditEvent { actor_tenant_id: $a, target_tenant_id: $t, action: $x })
    };
}
macro_rules! record_event {
    ($($key:ident = $value:expr),* $(,)?) => { tracing::info!(target: "audit", $($key = %$value),*) };
}
"#;

    #[test]
    fn workspace_audit_macros_with_key_value_arguments() {
        Expect::rule("PS302")
            .with_options(&[(
                "audit_functions",
                OptionValue::StringList(vec![
                    "audit".into(),
                    "audit::*".into(),
                    "record_event".into(),
                ]),
            )])
            .with_partner_model()
            .with_files(&[("src/model.rs", TYPES), ("src/macros.rs", AUDIT_MACROS)])
            .findings(
                r#"
//- src/partner/handlers.rs
async fn rotate(session: PartnerSession, Path(tenant_id): Path<String>) {
    audit!(actor = session.tenant_id, target = session.tenant_id, action = "rotate");
//                                    ^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS302] `audit!` audit event gives `actor_tenant_id` and `target_tenant_id` the same value `session.tenant_id` in partner context (`partner::handlers::rotate`)
    crate::audit!(actor_tenant_id = session.tenant_id.clone(), target_tenant_id = session.tenant_id.clone(), action = "x");
//                                                             ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS302] `audit!` audit event gives `actor_tenant_id` and `target_tenant_id` the same value `session.tenant_id` in partner context (`partner::handlers::rotate`)
    audit!(actor = session.tenant_id, action = "rotate");
//  ^^^^^ deny[PS302] `audit!` audit event has no `target_tenant_id` in partner context (`partner::handlers::rotate`)
    record_event!(actor_tenant_id = session.partner_id, target_tenant_id = session.partner_id, action = "x");
//                                                      ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS302] `record_event!` audit event gives `actor_tenant_id` and `target_tenant_id` the same value `session.partner_id` in partner context (`partner::handlers::rotate`)
    record_event!(actor_tenant_id = session.partner_id, action = "x");
//  ^^^^^^^^^^^^ deny[PS302] `record_event!` audit event has no `target_tenant_id` in partner context (`partner::handlers::rotate`)
}
"#,
            );
    }

    #[test]
    fn workspace_audit_macros_that_keep_actor_and_target_apart() {
        Expect::rule("PS302")
            .with_options(&[(
                "audit_functions",
                OptionValue::StringList(vec!["audit".into(), "record_event".into()]),
            )])
            .with_partner_model()
            .with_files(&[("src/model.rs", TYPES), ("src/macros.rs", AUDIT_MACROS)])
            .findings(
                r#"
//- src/partner/handlers.rs
async fn rotate(session: PartnerSession, Path(tenant_id): Path<String>) {
    audit!(actor = session.tenant_id, target = tenant_id, action = "rotate");
    audit!(actor_tenant_id = session.tenant_id.clone(), target_tenant_id = tenant_id.clone(), action = "x");
    record_event!(actor_tenant_id = session.partner_id, target_tenant_id = tenant_id, action = "x");
    info!(actor = session.tenant_id, target = session.tenant_id, "not an audit event");
}
"#,
            );
    }

    #[test]
    fn options_name_other_audit_types_functions_and_targets() {
        Expect::rule("PS302")
            .with_options(&[
                (
                    "audit_types",
                    OptionValue::StringList(vec!["*Trail".into()]),
                ),
                (
                    "audit_functions",
                    OptionValue::StringList(vec!["journal::*".into()]),
                ),
                (
                    "audit_targets",
                    OptionValue::StringList(vec!["security*".into()]),
                ),
            ])
            .with_partner_model()
            .findings(
                r#"
//- src/lib.rs
pub struct ActionTrail { pub user_id: String }
//         ^^^^^^^^^^^ deny[PS302] audit type `ActionTrail` has neither `actor_tenant_id` nor `target_tenant_id`, so its records cannot tell the acting partner from the customer tenant acted on
fn f(user: User) {
    journal::write(Entry { user_id: user.id });
//                 ^^^^^ deny[PS302] audit record `Entry` has neither `actor_tenant_id` nor `target_tenant_id`
    error!(target: "security.audit", user_id = %user.id);
//  ^^^^^ deny[PS302] `error!` audit event (target "security.audit") has neither `actor_tenant_id` nor `target_tenant_id`
}
"#,
            );
    }
}
