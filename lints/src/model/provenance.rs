//! Value provenance: what a value is built from. A cache key, a billed tenant, an audit
//! field or a response body is asked the same question: which places feed it, through
//! `let` bindings, `String` pushes (`push_str`, `write!`), `format!` holes (positional,
//! indexed, named and inline captures), struct-literal fields and builder calls, and is
//! each of those places the acting partner or the target tenant?
//!
//! The walk goes depth first, in source order, from the value to what feeds it. Each
//! place it meets is handed to the caller with its role in the shared actor/target model
//! ([`super::actors`]); the caller may stop the walk there (a key found to hold the
//! target tenant needs no more looking at). Rules differ in which steps they follow
//! ([`Steps`]), not in how the walk goes.

use super::actors::{Role, Roles};
use super::bindings::Origin;
use super::caches::FnCalls;
use super::callgraph::FnId;
use crate::index::{ArgFact, CallSite, Callee, FunctionDef, Workspace};
use crate::names::Name;
use crate::source::Span;
use crate::strings::{format_holes, FormatHole, HoleArg, StrExpr};
use foldhash::{HashMap, HashMapExt as _, HashSet, HashSetExt as _};
use std::cell::RefCell;
use std::ops::ControlFlow;
use std::rc::Rc;

/// Macros whose first argument is a format template.
const FORMAT_MACROS: &[&str] = &["format", "format_args", "concat", "formatdoc"];
/// Macros that write a format template (their second argument) to their first argument.
const WRITE_MACROS: &[&str] = &["write", "writeln"];
/// Methods that add text to the `String` they are called on.
const PUSH_METHODS: &[&str] = &["push_str", "push", "extend", "insert_str"];

/// Which steps from a value to what feeds it a walk follows.
#[derive(Clone, Copy, Debug)]
pub struct Steps {
    /// How many steps (a `let`, a push, a builder's argument) from the value are followed:
    /// values further away are not entered.
    pub max_depth: usize,
    /// Give each place its actor/target role, and take a place that has one as a source
    /// in itself: the actor's `session.tenant_id` is not followed to where `session` came from.
    pub roles: bool,
    /// Follow the pushes to a `String` binding between the `let` and the read
    /// (`key.push_str(x)`, `write!(key, "{x}")`).
    pub pushes: bool,
    /// Read the inline captures of `format!`-family templates (`"{tenant_id}"`).
    pub captures: bool,
    /// Report the calls inside a value (a key builder, a constructor) for the caller to
    /// judge.
    pub calls: bool,
    /// Take a value as the text it formats to: a struct literal's field that the type's
    /// hand-written `Display` leaves out does not feed it.
    pub displayed_fields_only: bool,
}

impl Steps {
    /// Everything that builds a value's text: lets, pushes, captures, builder calls, and
    /// only the fields `Display` writes.
    pub const fn text(max_depth: usize) -> Steps {
        Steps {
            max_depth,
            roles: true,
            pushes: true,
            captures: true,
            calls: true,
            displayed_fields_only: true,
        }
    }

    /// Only what `let` bindings bound, whatever the places read are.
    pub const fn bindings(max_depth: usize) -> Steps {
        Steps {
            max_depth,
            roles: false,
            pushes: false,
            captures: false,
            calls: false,
            displayed_fields_only: false,
        }
    }
}

/// One thing that feeds the value a walk started from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// The function it is in: a walk stays in one function unless its caller follows a call.
    pub function: FnId,
    pub span: Span,
    /// How many steps from the value it was found at (the value itself is 0).
    pub depth: usize,
    pub kind: SourceKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceKind {
    /// A value entered: the one the walk started from, what a `let` bound, an argument
    /// pushed to a `String`.
    Value,
    /// A place read (`session.tenant_id`, an inline capture `tenant_id`) at `offset`.
    Place {
        place: Vec<Name>,
        offset: u32,
        /// Its role in the actor/target model; [`Role::Unknown`] unless [`Steps::roles`].
        role: Role,
        /// Whether a `let` before the read binds its first name (else it is a parameter,
        /// a capture of the enclosing scope, or unknown).
        bound: bool,
    },
    /// A call inside the value that is not a format macro: index into the function's calls.
    Call { index: usize },
}

/// What one hole of a format template is filled with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HoleValue<'a> {
    /// A positional argument (`{}`, `{0}`).
    Argument(&'a ArgFact),
    /// A name (`{e}`, `{tenant_id:?}`): an inline capture or a named argument.
    Named(&'a str),
}

/// `String` pushes of one function, by the name pushed to (call indices).
type PushesByName = HashMap<Name, Vec<usize>>;

/// The provenance service of one rule run over one file: walks and their per-function
/// indexes, built on first use.
pub struct Provenance<'a> {
    workspace: &'a Workspace,
    roles: Roles<'a>,
    /// Each function's calls by span.
    calls: RefCell<HashMap<FnId, Rc<FnCalls<'a>>>>,
    /// Each function's `String` pushes by name.
    pushes: RefCell<HashMap<FnId, Rc<PushesByName>>>,
}

impl<'a> Provenance<'a> {
    pub fn new(workspace: &'a Workspace, roles: Roles<'a>) -> Provenance<'a> {
        Provenance {
            workspace,
            roles,
            calls: RefCell::new(HashMap::new()),
            pushes: RefCell::new(HashMap::new()),
        }
    }

    pub fn roles(&self) -> &Roles<'a> {
        &self.roles
    }

    /// A walk that follows `steps`; the places it has entered are entered once.
    pub fn trace(&self, steps: Steps) -> Trace<'_, 'a> {
        Trace {
            provenance: self,
            steps,
            entered: HashSet::new(),
        }
    }

    /// Everything that feeds the value at `span` of `function`, in the order the walk
    /// meets it.
    pub fn sources(&self, function: FnId, span: Span, steps: Steps) -> Vec<Source> {
        let mut found = Vec::new();
        let _ = self.trace(steps).value(function, span, 0, &mut |source| {
            found.push(source.clone());
            ControlFlow::Continue(())
        });
        found
    }

    /// The role of a value read in `function`: its place's, at its start.
    pub fn role_of(&self, function: &FunctionDef, value: &ArgFact) -> Role {
        value.place.as_ref().map_or(Role::Unknown, |place| {
            self.roles.classify(function, place, value.span.start)
        })
    }

    /// The value's origin after `let` bindings, comparable with another's
    /// ([`super::bindings::origin`]).
    pub fn origin(&self, function: FnId, value: &ArgFact) -> Origin {
        let Some(def) = self.def(function) else {
            return Origin::Unknown;
        };
        super::bindings::origin(def, value, &self.workspace.file(function.file).text)
    }

    /// The calls a value is built by, in call order: those inside it and, when it is a
    /// bare `let`-bound name, inside what the `let` bound (`let b = Usage::builder(); b.x(..)`).
    pub fn calls_building<'f>(
        function: &'f FunctionDef,
        value: &ArgFact,
    ) -> impl Iterator<Item = (usize, &'f CallSite)> + 'f {
        let mut spans = vec![value.span];
        spans.extend(function.bound_init(value).map(|init| init.span));
        function
            .calls
            .iter()
            .enumerate()
            .filter(move |(_, call)| spans.iter().any(|span| within(*span, call.span)))
    }

    /// A function's calls ordered by span, built on first use.
    pub fn calls_of(&self, id: FnId) -> Option<Rc<FnCalls<'a>>> {
        if let Some(calls) = self.calls.borrow().get(&id) {
            return Some(calls.clone());
        }
        let def = self.def(id)?;
        let calls = Rc::new(FnCalls::new(def));
        self.calls.borrow_mut().insert(id, calls.clone());
        Some(calls)
    }

    /// The names a `format!`-family call's literal template captures inline
    /// (`format!("{tenant_id}:{}", id)` → `tenant_id`).
    pub fn inline_captures(&self, file: crate::diagnostic::FileId, call: &CallSite) -> Vec<Name> {
        let name = call.name();
        let template = if FORMAT_MACROS.contains(&name) {
            call.args.first()
        } else if WRITE_MACROS.contains(&name) {
            call.args.get(1)
        } else {
            None
        };
        let Some(StrExpr::Literal { span }) = template.and_then(|arg| arg.string.as_ref()) else {
            return Vec::new();
        };
        let text = self
            .workspace
            .file(file)
            .text
            .get(span.range())
            .unwrap_or("");
        captures(text)
    }

    fn def(&self, id: FnId) -> Option<&'a FunctionDef> {
        self.workspace.get_function(id)
    }

    /// A function's `String` pushes by the name pushed to: `key.push_str(..)`,
    /// `write!(key, ..)`, built on first use.
    fn pushes_of(&self, id: FnId) -> Option<Rc<PushesByName>> {
        if let Some(pushes) = self.pushes.borrow().get(&id) {
            return Some(pushes.clone());
        }
        let def = self.def(id)?;
        let mut pushes = PushesByName::new();
        let single = |arg: Option<&ArgFact>| match arg.and_then(|arg| arg.place.as_deref()) {
            Some([name]) => Some(name.clone()),
            _ => None,
        };
        for (index, call) in def.calls.iter().enumerate() {
            let target = match &call.callee {
                Callee::Method(method) if PUSH_METHODS.contains(&method.as_str()) => {
                    single(call.receiver.as_deref())
                }
                Callee::Macro(_) if WRITE_MACROS.contains(&call.name()) => {
                    single(call.args.first())
                }
                _ => None,
            };
            if let Some(name) = target {
                pushes.entry(name).or_default().push(index);
            }
        }
        let pushes = Rc::new(pushes);
        self.pushes.borrow_mut().insert(id, pushes.clone());
        Some(pushes)
    }

    /// Field initializers, inside `span`, of struct literals whose type has a
    /// hand-written `Display` impl that does not write that field:
    /// `UserKey { tenant_id, user_id }` formats to the user only when `Display`
    /// prints `self.user_id` alone.
    fn fields_left_out_of_display(&self, def: &FunctionDef, span: Span) -> Vec<Span> {
        let mut dropped = Vec::new();
        for literal in &def.struct_literals {
            if !within(span, literal.span) {
                continue;
            }
            let impls: Vec<&crate::index::TraitImpl> = self
                .workspace
                .trait_impls_for(&literal.type_name, "Display")
                .map(|(_, imp)| imp)
                .collect();
            if impls.is_empty() {
                continue;
            }
            for field in &literal.fields {
                let written = impls
                    .iter()
                    .any(|imp| imp.self_field_reads.iter().any(|read| *read == field.name));
                if !written {
                    dropped.push(field.span);
                }
            }
        }
        dropped
    }
}

/// What the caller of a walk is told of each source; `Break` ends the walk.
pub type Visit<'v> = dyn FnMut(&Source) -> ControlFlow<()> + 'v;

/// One walk: the values it has entered are not entered again, so a value read many times
/// (or a `let a = b; let b = a;` cycle) is looked at once.
pub struct Trace<'p, 'a> {
    provenance: &'p Provenance<'a>,
    steps: Steps,
    entered: HashSet<(FnId, Span)>,
}

impl Trace<'_, '_> {
    /// Walks what feeds the value at `span` of `function`, found `depth` steps from where
    /// the caller started.
    pub fn value(
        &mut self,
        function: FnId,
        span: Span,
        depth: usize,
        visit: &mut Visit<'_>,
    ) -> ControlFlow<()> {
        if depth > self.steps.max_depth || !self.entered.insert((function, span)) {
            return ControlFlow::Continue(());
        }
        let Some(def) = self.provenance.def(function) else {
            return ControlFlow::Continue(());
        };
        visit(&Source {
            function,
            span,
            depth,
            kind: SourceKind::Value,
        })?;
        let dropped = if self.steps.displayed_fields_only {
            self.provenance.fields_left_out_of_display(def, span)
        } else {
            Vec::new()
        };
        for read in def.reads_within(span) {
            if dropped.iter().any(|field| within(*field, read.span)) {
                continue;
            }
            self.place(
                function,
                &read.place,
                read.span.start,
                read.span,
                depth,
                visit,
            )?;
        }
        if !(self.steps.captures || self.steps.calls) {
            return ControlFlow::Continue(());
        }
        let Some(calls) = self.provenance.calls_of(function) else {
            return ControlFlow::Continue(());
        };
        for (index, call) in calls.within(span) {
            match &call.callee {
                Callee::Macro(_) if self.steps.captures => {
                    for capture in self.provenance.inline_captures(function.file, call) {
                        self.place(
                            function,
                            &[capture],
                            call.span.start,
                            call.span,
                            depth,
                            visit,
                        )?;
                    }
                }
                Callee::Macro(_) => {}
                _ if self.steps.calls => visit(&Source {
                    function,
                    span: call.span,
                    depth,
                    kind: SourceKind::Call { index },
                })?,
                _ => {}
            }
        }
        ControlFlow::Continue(())
    }

    /// Walks from `place` read at `offset` of `function` (its read at `span`): the place
    /// is a source, and when it has no role and is a `let`-bound name, what the `let`
    /// bound and what was pushed to it before the read feed it.
    pub fn place(
        &mut self,
        function: FnId,
        place: &[Name],
        offset: u32,
        span: Span,
        depth: usize,
        visit: &mut Visit<'_>,
    ) -> ControlFlow<()> {
        let Some(def) = self.provenance.def(function) else {
            return ControlFlow::Continue(());
        };
        let role = if self.steps.roles {
            self.provenance.roles.classify(def, place, offset)
        } else {
            Role::Unknown
        };
        let binding = place
            .first()
            .and_then(|head| def.binding_before(head, offset));
        visit(&Source {
            function,
            span,
            depth,
            kind: SourceKind::Place {
                place: place.to_vec(),
                offset,
                role,
                bound: binding.is_some(),
            },
        })?;
        if role != Role::Unknown {
            return ControlFlow::Continue(());
        }
        let (Some(binding), [name]) = (binding, place) else {
            return ControlFlow::Continue(());
        };
        if let Some(init) = &binding.init {
            self.value(function, init.span, depth + 1, visit)?;
        }
        if self.steps.pushes {
            self.pushes(function, def, name, binding.span.end, offset, depth, visit)?;
        }
        ControlFlow::Continue(())
    }

    /// `name.push_str(x)`, `write!(name, "…", x)` between `after` (the binding) and
    /// `before` (the read).
    #[allow(clippy::too_many_arguments)]
    fn pushes(
        &mut self,
        function: FnId,
        def: &FunctionDef,
        name: &str,
        after: u32,
        before: u32,
        depth: usize,
        visit: &mut Visit<'_>,
    ) -> ControlFlow<()> {
        let Some(pushes) = self.provenance.pushes_of(function) else {
            return ControlFlow::Continue(());
        };
        for &index in pushes.get(name).map_or(&[][..], Vec::as_slice) {
            let Some(call) = def.calls.get(index) else {
                continue;
            };
            if call.span.start < after || call.span.start >= before {
                continue;
            }
            let is_macro = matches!(call.callee, Callee::Macro(_));
            // `write!`'s first argument is the destination itself.
            for arg in call.args.iter().skip(usize::from(is_macro)) {
                self.value(function, arg.span, depth + 1, visit)?;
            }
            if is_macro && self.steps.captures {
                for capture in self.provenance.inline_captures(function.file, call) {
                    self.place(
                        function,
                        &[capture],
                        call.span.start,
                        call.span,
                        depth + 1,
                        visit,
                    )?;
                }
            }
        }
        ControlFlow::Continue(())
    }
}

/// The holes of a format template with what fills each: `positional` are the macro's
/// arguments after the template. A hole past the last argument is left out; `.*`
/// precision is not told apart (as the templates rules read rarely have one).
pub fn hole_values<'t>(
    template: &'t [FormatHole],
    positional: &[&'t ArgFact],
) -> Vec<(&'t FormatHole, HoleValue<'t>)> {
    let mut next = 0;
    let mut filled = Vec::new();
    for hole in template {
        match &hole.arg {
            HoleArg::Next => {
                if let Some(value) = positional.get(next) {
                    filled.push((hole, HoleValue::Argument(value)));
                }
                next += 1;
            }
            HoleArg::Index(index) => {
                if let Some(value) = positional.get(*index) {
                    filled.push((hole, HoleValue::Argument(value)));
                }
            }
            HoleArg::Name(name) => filled.push((hole, HoleValue::Named(name))),
        }
    }
    filled
}

/// Inline captures of a template literal: `"{tenant_id}:{user_id:?}"` →
/// `tenant_id`, `user_id`. Positional holes and `{{` escapes are skipped.
pub fn captures(literal: &str) -> Vec<Name> {
    let holes = format_holes(literal);
    hole_values(&holes, &[])
        .into_iter()
        .filter_map(|(_, value)| match value {
            HoleValue::Named(name) => {
                let end = name
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .unwrap_or(name.len());
                let name = &name[..end];
                let starts_like_identifier = name
                    .chars()
                    .next()
                    .is_some_and(|first| first.is_alphabetic() || first == '_');
                starts_like_identifier.then(|| Name::from(name))
            }
            HoleValue::Argument(_) => None,
        })
        .collect()
}

fn within(outer: Span, inner: Span) -> bool {
    outer.start <= inner.start && inner.end <= outer.end
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::index_file;
    use crate::model::name_patterns::Patterns;
    use crate::model::vocabulary::Vocabulary;

    /// The sources of the first argument of the call to `key` in the first function, one
    /// line each: `value <text>@depth`, `place a.b role@depth`, `call <name>@depth`.
    fn sources_of_key(source: &str, steps: Steps) -> Vec<String> {
        let workspace = Workspace::new(vec![index_file("src/lib.rs".into(), source.into())]);
        let context_types = Patterns::new(["Partner*Session"]);
        let tenant_id_types = Patterns::new(["TenantId"]);
        let vocabulary = Vocabulary::default();
        let provenance = Provenance::new(
            &workspace,
            Roles {
                workspace: &workspace,
                context_types: &context_types,
                tenant_id_types: &tenant_id_types,
                vocabulary: &vocabulary,
            },
        );
        let id = FnId { file: 0, index: 0 };
        let function = workspace.function(id);
        let key = function
            .calls
            .iter()
            .find(|call| call.name() == "key")
            .and_then(|call| call.args.first())
            .expect("a call to `key`");
        let text = &workspace.files[0].text;
        provenance
            .sources(id, key.span, steps)
            .into_iter()
            .map(|source| match source.kind {
                SourceKind::Value => {
                    format!("value {}@{}", &text[source.span.range()], source.depth)
                }
                SourceKind::Place { place, role, .. } => {
                    format!("place {} {role:?}@{}", place.join("."), source.depth)
                }
                SourceKind::Call { index } => {
                    format!("call {}@{}", function.calls[index].name(), source.depth)
                }
            })
            .collect()
    }

    #[test]
    fn follows_lets_through_several_steps() {
        let sources = sources_of_key(
            r#"fn h(Path(tenant_id): Path<String>, user_id: String) {
                let a = user_id.clone();
                let b = &a;
                let c = format!("x:{}", b);
                key(&c);
            }"#,
            Steps::text(6),
        );
        assert_eq!(
            sources,
            [
                "value &c@0",
                "place c Unknown@0",
                "value format!(\"x:{}\", b)@1",
                "place b Unknown@1",
                "value &a@2",
                "place a Unknown@2",
                "value user_id.clone()@3",
                "place user_id Unknown@3",
                "call clone@3",
            ]
        );
    }

    #[test]
    fn follows_pushes_between_the_let_and_the_read() {
        let sources = sources_of_key(
            r#"fn h(Path(tenant_id): Path<String>, user_id: String, late: String) {
                let mut k = String::new();
                k.push_str("p:");
                k.push_str(&user_id);
                write!(k, ":{tenant_id}");
                key(&k);
                k.push_str(&late);
            }"#,
            Steps::text(6),
        );
        assert_eq!(
            sources,
            [
                "value &k@0",
                "place k Unknown@0",
                "value String::new()@1",
                "place String.new Unknown@1",
                "call new@1",
                "value \"p:\"@1",
                "value &user_id@1",
                "place user_id Unknown@1",
                "value \":{tenant_id}\"@1",
                "place tenant_id Target@1",
            ]
        );
    }

    #[test]
    fn reads_inline_captures_and_reports_calls() {
        let sources = sources_of_key(
            r#"fn h(Extension(session): Extension<PartnerSession>, user_id: String) {
                key(format!("{user_id}:{}:{x:?}", make_key(session.tenant_id)));
            }"#,
            Steps::text(6),
        );
        assert_eq!(
            sources,
            [
                "value format!(\"{user_id}:{}:{x:?}\", make_key(session.tenant_id))@0",
                // The function's path is read as a place too; it has no binding.
                "place make_key Unknown@0",
                "place session.tenant_id Actor@0",
                "place user_id Unknown@0",
                "place x Unknown@0",
                "call make_key@0",
            ]
        );
    }

    #[test]
    fn a_place_with_a_role_is_not_followed() {
        let sources = sources_of_key(
            r#"fn h(Extension(session): Extension<PartnerSession>) {
                let actor_tenant = session.home.clone();
                key(&actor_tenant);
            }"#,
            Steps::text(6),
        );
        assert_eq!(
            sources,
            ["value &actor_tenant@0", "place actor_tenant Actor@0"]
        );
    }

    #[test]
    fn struct_fields_display_leaves_out_do_not_feed_the_text() {
        let source = r#"fn h(Path(tenant_id): Path<String>, user_id: String) {
                let k = UserKey { tenant_id: tenant_id.clone(), user_id: user_id.clone() };
                key(&k);
            }
            struct UserKey { tenant_id: String, user_id: String }
            impl std::fmt::Display for UserKey {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    write!(f, "{}", self.user_id)
                }
            }"#;
        let places = |steps| -> Vec<String> {
            sources_of_key(source, steps)
                .into_iter()
                .filter(|line| line.starts_with("place"))
                .collect()
        };
        assert_eq!(
            places(Steps::text(6)),
            ["place k Unknown@0", "place user_id Unknown@1"]
        );
        let all_fields = Steps {
            displayed_fields_only: false,
            ..Steps::text(6)
        };
        assert_eq!(
            places(all_fields),
            [
                "place k Unknown@0",
                "place tenant_id Target@1",
                "place user_id Unknown@1"
            ]
        );
    }

    #[test]
    fn a_cycle_is_entered_once() {
        let sources = sources_of_key(
            r#"fn h() {
                let a = b;
                let b = a;
                let mut k = String::new();
                k.push_str(&k);
                key(format!("{}{}", b, k));
            }"#,
            Steps::text(6),
        );
        assert_eq!(
            sources,
            [
                "value format!(\"{}{}\", b, k)@0",
                "place b Unknown@0",
                "value a@1",
                "place a Unknown@1",
                "value b@2",
                "place b Unknown@2",
                "place k Unknown@0",
                "value String::new()@1",
                "place String.new Unknown@1",
                "call new@1",
                "value &k@1",
                "place k Unknown@1",
            ]
        );
    }

    #[test]
    fn values_past_the_depth_bound_are_not_entered() {
        let source = r#"fn h(x: String) {
                let a = x;
                let b = a;
                let c = b;
                let d = c;
                key(d);
            }"#;
        assert_eq!(
            sources_of_key(source, Steps::bindings(2)),
            [
                "value d@0",
                "place d Unknown@0",
                "value c@1",
                "place c Unknown@1",
                "value b@2",
                "place b Unknown@2",
            ]
        );
        assert_eq!(sources_of_key(source, Steps::bindings(6)).len(), 10);
    }

    #[test]
    fn the_caller_ends_a_walk() {
        let workspace = Workspace::new(vec![index_file(
            "src/lib.rs".into(),
            "fn h(a: String, b: String) { key(format!(\"{}{}\", a, b)); }".into(),
        )]);
        let patterns = Patterns::new(["PartnerSession"]);
        let vocabulary = Vocabulary::default();
        let provenance = Provenance::new(
            &workspace,
            Roles {
                workspace: &workspace,
                context_types: &patterns,
                tenant_id_types: &patterns,
                vocabulary: &vocabulary,
            },
        );
        let id = FnId { file: 0, index: 0 };
        let key = &workspace.function(id).calls[0].args[0];
        let mut places = Vec::new();
        let flow = provenance
            .trace(Steps::text(6))
            .value(id, key.span, 0, &mut |source| match &source.kind {
                SourceKind::Place { place, .. } => {
                    places.push(place.join("."));
                    ControlFlow::Break(())
                }
                _ => ControlFlow::Continue(()),
            });
        assert_eq!(flow, ControlFlow::Break(()));
        assert_eq!(places, ["a"]);
    }

    #[test]
    fn holes_are_filled_by_position_index_and_name() {
        let workspace = Workspace::new(vec![index_file(
            "src/lib.rs".into(),
            "fn h() { format!(\"\", a, b); }".into(),
        )]);
        let args: Vec<&ArgFact> = workspace.files[0].functions[0].calls[0].args[1..]
            .iter()
            .collect();
        let holes = format_holes("{} {1} {0:?} {name} {e:#} {}{}");
        let filled: Vec<String> = hole_values(&holes, &args)
            .into_iter()
            .map(|(hole, value)| match value {
                HoleValue::Argument(arg) => {
                    format!(
                        "{}:{}",
                        arg.place.as_ref().map_or(String::new(), |p| p.join(".")),
                        hole.spec
                    )
                }
                HoleValue::Named(name) => format!("{name}={}", hole.spec),
            })
            .collect();
        // The third `{}` has no argument left.
        assert_eq!(filled, ["a:", "b:", "a:?", "name=", "e=#", "b:"]);
        assert_eq!(
            captures("{tenant_id}:{}:{user_id:?}:{{literal}}:{0}:{1x}"),
            ["tenant_id", "user_id"]
        );
    }

    #[test]
    fn calls_building_a_receiver_through_its_let() {
        let workspace = Workspace::new(vec![index_file(
            "src/lib.rs".into(),
            "fn h(t: String) { let b = Usage::builder(); other(); b.tenant(t); }".into(),
        )]);
        let function = &workspace.files[0].functions[0];
        let setter = function
            .calls
            .iter()
            .find(|call| call.name() == "tenant")
            .unwrap();
        let receiver = setter.receiver.as_deref().unwrap();
        let names: Vec<&str> = Provenance::calls_building(function, receiver)
            .map(|(_, call)| call.name())
            .collect();
        assert_eq!(names, ["builder"]);
    }
}
