//! Where a value comes from: an argument or field value followed back
//! through simple `let` bindings, so two values can be compared
//! structurally (`let t = session.tenant_id.clone(); … t` is `session.tenant_id`).

use crate::index::{ArgFact, FunctionDef};
use crate::names::Name;

/// How many `let` bindings are followed back (as in [`super::actors`]).
const MAX_BINDINGS: usize = 8;

/// The origin of a value, comparable with `==`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A place (`session.tenant_id`), after bindings.
    Place(Vec<Name>),
    /// A non-place expression, by its token fingerprint.
    Shape(u64),
    /// Nothing comparable (a closure, a block).
    Unknown,
}

impl Origin {
    /// Whether two origins certainly denote the same expression.
    pub fn same_as(&self, other: &Origin) -> bool {
        *self != Origin::Unknown && self == other
    }
}

/// The origin of `value` as read in `function`: its place with leading
/// `let`-bound names replaced by what they were bound to, or its shape. `text` is the
/// text of the function's file.
pub fn origin(function: &FunctionDef, value: &ArgFact, text: &str) -> Origin {
    let Some(mut place) = value.place.clone() else {
        return value.shape(text).map_or(Origin::Unknown, Origin::Shape);
    };
    let mut offset = value.span.start;
    for _ in 0..MAX_BINDINGS {
        let Some(head) = place.first() else {
            return Origin::Unknown;
        };
        // The latest `let head = …` that ends before this read.
        let Some(binding) = function.binding_before(head, offset) else {
            return Origin::Place(place);
        };
        let Some(init) = &binding.init else {
            return Origin::Place(place);
        };
        match &init.place {
            Some(init_place) => {
                let mut followed = init_place.clone();
                followed.extend(place.into_iter().skip(1));
                place = followed;
                offset = binding.span.start;
            }
            // `let t = format!(…); … t`: the expression itself, unless a
            // field of it is read.
            None if place.len() == 1 => {
                return init.shape(text).map_or(Origin::Place(place), Origin::Shape)
            }
            None => return Origin::Place(place),
        }
    }
    Origin::Place(place)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::index_file;

    #[test]
    fn follows_bindings_to_places_and_expressions() {
        let facts = index_file(
            "src/lib.rs".into(),
            r#"fn h(session: S, tenant_id: String) {
                let actor = session.tenant_id.clone();
                let same = &actor;
                let label = format!("{}", tenant_id);
                let other = format!("{}", tenant_id);
                f(session.tenant_id, same, label, other, tenant_id, || 1, || 1);
            }"#
            .into(),
        );
        let function = &facts.functions[0];
        let call = function.calls.iter().find(|c| c.name() == "f").unwrap();
        let origins: Vec<Origin> = call
            .args
            .iter()
            .map(|arg| origin(function, arg, &facts.text))
            .collect();
        assert_eq!(
            origins[0],
            Origin::Place(vec!["session".into(), "tenant_id".into()])
        );
        assert!(origins[0].same_as(&origins[1]));
        assert!(
            origins[2].same_as(&origins[3]),
            "same expression bound twice"
        );
        assert!(!origins[2].same_as(&origins[4]));
        assert!(
            !origins[5].same_as(&origins[6]),
            "closures are never the same value"
        );
    }
}
