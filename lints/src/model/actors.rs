//! Actor vs target: is a value the partner acting (the actor), or the
//! customer tenant being acted on (the target)?
//!
//! The actor is the partner context value and every field of it, and names
//! `actor_*`, `partner_*`, `caller_*`. The target is `target_tenant*`,
//! `customer_tenant*`, a `tenant_id`/`tenant` taken from the request (a
//! `Path`/`Json`/`Query`/`Form` extractor or a plain parameter), or a value
//! of a tenant ID type. Simple `let` bindings are followed, and a field of a
//! struct literal bound by `let` is the value that field was given.
//!
//! The words are the workspace's (R3): with `tenant_labels = ["Account"]` and
//! `partner_labels = ["Agency"]`, `account_id` from the request is the target and
//! `agency_id` the actor.

use super::context::is_context_type;
use super::name_patterns::Patterns;
use super::vocabulary::Vocabulary;
use crate::index::{FunctionDef, TypeRef, Workspace};
use crate::names::Name;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Actor,
    Target,
    Unknown,
}

pub struct Roles<'a> {
    /// For the types of names bound inside workspace tuple structs.
    pub workspace: &'a Workspace,
    pub context_types: &'a Patterns,
    pub tenant_id_types: &'a Patterns,
    /// The names of ids, actors and targets, in the workspace's words (R3).
    pub vocabulary: &'a Vocabulary,
}

/// Extractors whose type parameter is read from the request: its path,
/// body, query string or form (`serde_qs`'s `QsQuery`/`QsForm` too).
pub const REQUEST_EXTRACTORS: &[&str] = &["Path", "Json", "Query", "Form", "QsQuery", "QsForm"];
/// How many `let` bindings are followed back.
const MAX_BINDINGS: usize = 8;

impl Roles<'_> {
    /// The role of the value at `place` (`["session", "tenant_id"]`) read at
    /// byte `offset` of `function`.
    pub fn classify(&self, function: &FunctionDef, place: &[Name], offset: u32) -> Role {
        // Borrowed until a `let` is followed: most places are a parameter's or unbound.
        let mut place = std::borrow::Cow::Borrowed(place);
        let mut offset = offset;
        for _ in 0..MAX_BINDINGS {
            let Some(head) = place.first() else {
                return Role::Unknown;
            };
            if let Some(role) = self.by_name(&place) {
                return role;
            }
            // The latest `let head = …` before this point, whatever its block:
            // shadowing across sibling blocks is rare in handlers.
            let binding = function.binding_before(head, offset);
            if let Some(binding) = binding {
                match binding.init.as_ref().and_then(|init| init.place.as_deref()) {
                    Some(init_place) => {
                        let mut followed = Vec::with_capacity(init_place.len() + place.len() - 1);
                        followed.extend_from_slice(init_place);
                        followed.extend_from_slice(&place[1..]);
                        offset = binding.span.start;
                        place = std::borrow::Cow::Owned(followed);
                        continue;
                    }
                    None => match struct_field_place(function, binding.init.as_ref(), &place) {
                        // `let payer = Payer { account_id: ctx.account_id.clone() };`
                        // then `payer.account_id`: the field's value, read there.
                        Some(followed) => {
                            offset = binding.span.start;
                            place = std::borrow::Cow::Owned(followed);
                            continue;
                        }
                        None => return Role::Unknown,
                    },
                }
            }
            return match function
                .params
                .iter()
                .find(|param| param.name.as_deref() == Some(head.as_str()))
            {
                Some(param) => self.by_parameter(self.workspace.bound_type(param), &place),
                None => Role::Unknown,
            };
        }
        Role::Unknown
    }

    fn by_name(&self, place: &[Name]) -> Option<Role> {
        // The most specific name decides: `actor.target_tenant_id` is the target.
        for segment in place.iter().rev() {
            if self.vocabulary.names_target(segment) {
                return Some(Role::Target);
            }
            if self.vocabulary.names_actor(segment) {
                return Some(Role::Actor);
            }
        }
        None
    }

    fn by_parameter(&self, ty: &TypeRef, place: &[Name]) -> Role {
        if is_context_type(ty, self.context_types) {
            return Role::Actor;
        }
        if is_context_type(ty, self.tenant_id_types) {
            return Role::Target;
        }
        let last = place.last().map_or("", Name::as_str);
        let from_request = ty
            .name()
            .is_some_and(|name| REQUEST_EXTRACTORS.contains(&name));
        let tenant_named = self.vocabulary.is_tenant_id_name(last);
        if tenant_named && (from_request || place.len() == 1) {
            Role::Target
        } else {
            Role::Unknown
        }
    }
}

/// For `binding.field…` where the binding's value is a struct literal written in the
/// function (alone, or behind `&`): the place that field was given, with the rest of the
/// place after it.
fn struct_field_place(
    function: &FunctionDef,
    init: Option<&crate::index::ArgFact>,
    place: &[Name],
) -> Option<Vec<Name>> {
    let init = init?;
    let field = place.get(1)?;
    let literal = function.struct_literals.iter().find(|literal| {
        init.span.start <= literal.span.start && literal.span.end == init.span.end
    })?;
    let value = literal.field(field)?.value.place.as_ref()?;
    let mut followed = Vec::with_capacity(value.len() + place.len() - 2);
    followed.extend_from_slice(value);
    followed.extend_from_slice(&place[2..]);
    Some(followed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::index_file;

    fn roles_in(source: &str) -> Vec<Role> {
        let workspace = Workspace::new(vec![index_file("src/lib.rs".into(), source.into())]);
        let function = &workspace.files[0].functions[0];
        let context_types = Patterns::new(["Partner*Context", "Partner*Session"]);
        let tenant_id_types = Patterns::new(["TenantId"]);
        let vocabulary = Vocabulary::default();
        let roles = Roles {
            workspace: &workspace,
            context_types: &context_types,
            tenant_id_types: &tenant_id_types,
            vocabulary: &vocabulary,
        };
        function
            .calls
            .iter()
            .filter(|call| call.name() == "audit")
            .flat_map(|call| call.args.iter())
            .map(|arg| {
                arg.place.as_ref().map_or(Role::Unknown, |place| {
                    roles.classify(function, place, arg.span.start)
                })
            })
            .collect()
    }

    #[test]
    fn classifies_places_names_and_bindings() {
        let roles = roles_in(
            r#"async fn h(Extension(session): Extension<PartnerSession>, Path(tenant_id): Path<String>, id: TenantId, other: String) {
                let actor = session.tenant_id.clone();
                let target = &tenant_id;
                audit(session.tenant_id, session.user.org, actor, tenant_id, target, id, partner_tenant, target_tenant_id, other, customer_tenant.id);
            }"#,
        );
        use Role::*;
        assert_eq!(
            roles,
            [Actor, Actor, Actor, Target, Target, Target, Actor, Target, Unknown, Target]
        );
    }

    #[test]
    fn follows_bindings_through_several_lets_keeping_the_rest_of_the_place() {
        let roles = roles_in(
            r#"async fn h(Extension(session): Extension<PartnerSession>, Path(tenant_id): Path<String>) {
                let s = &session;
                let t = s;
                let shadowed = tenant_id.clone();
                audit(t.tenant_id, t.user.org, shadowed, s);
                let shadowed = other_value();
                audit(shadowed);
            }"#,
        );
        use Role::*;
        assert_eq!(roles, [Actor, Actor, Target, Actor, Unknown]);
    }

    #[test]
    fn follows_fields_of_struct_literals_bound_by_let() {
        let roles = roles_in(
            r#"async fn h(Extension(session): Extension<PartnerSession>, Path(tenant_id): Path<String>) {
                let payer = Payer { account: session.tenant_id.clone(), target: tenant_id.clone() };
                let boxed = &Payer { account: session.home, other: 1 };
                let built = make(Payer { account: session.home });
                audit(payer.account, payer.target, payer.other, boxed.account, built.account);
            }"#,
        );
        use Role::*;
        assert_eq!(roles, [Actor, Target, Unknown, Actor, Unknown]);
    }
}
