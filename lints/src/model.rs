//! Shared semantic predicates the rules stand on. A rule asks these instead
//! of re-deriving them, so every rule means the same thing by "text-like".

use crate::index::{TypeRef, Workspace};
use crate::names::words;

/// How many newtype layers `is_text_like` looks through (`struct Token(ApiKey)`).
const MAX_NEWTYPE_DEPTH: usize = 4;

/// Whether a value of this type carries text or bytes that can hold a secret
/// or PII: `String`, `&str`, `Cow<str>`, `Box<str>`, `Arc<str>`, `Vec<u8>`,
/// `[u8; N]`, a workspace newtype around one, or `Option`/`Vec` of one.
pub fn is_text_like(workspace: &Workspace, ty: &TypeRef) -> bool {
    text_like(workspace, ty, 0)
}

fn text_like(workspace: &Workspace, ty: &TypeRef, depth: usize) -> bool {
    if depth > MAX_NEWTYPE_DEPTH {
        return false;
    }
    let is_u8 = |ty: &TypeRef| ty.name() == Some("u8");
    match ty {
        TypeRef::Reference(inner) => text_like(workspace, inner, depth),
        TypeRef::Slice(inner) | TypeRef::Array(inner) => is_u8(inner),
        TypeRef::Path { .. } => {
            let args = ty.args();
            match ty.name() {
                Some("String" | "str") => true,
                Some("Cow" | "Box" | "Arc" | "Rc") => args
                    .iter()
                    .any(|arg| arg.name() == Some("str") || text_like(workspace, arg, depth + 1)),
                Some("Vec") => args
                    .first()
                    .is_some_and(|arg| is_u8(arg) || text_like(workspace, arg, depth + 1)),
                Some("Option") => args
                    .first()
                    .is_some_and(|arg| text_like(workspace, arg, depth + 1)),
                Some(name) => workspace.types_named(name).any(|def| {
                    def.newtype_field()
                        .is_some_and(|field| text_like(workspace, &field.ty, depth + 1))
                }),
                None => false,
            }
        }
        TypeRef::Tuple(_) | TypeRef::Other => false,
    }
}

/// Whether any part of the type is one of the wrapper types (`Option<Masked<String>>`
/// contains `Masked`). Wrappers may be given with a path; the last segment counts.
pub fn contains_wrapper<S: AsRef<str>>(ty: &TypeRef, wrappers: &[S]) -> bool {
    ty.any(&mut |part| {
        part.name().is_some_and(|name| {
            wrappers
                .iter()
                .any(|wrapper| wrapper.as_ref().rsplit("::").next() == Some(name))
        })
    })
}

/// Words that mark a serializer function or module as one that hides the value.
const REDACTING_WORDS: &[&str] = &[
    "redact",
    "redacted",
    "mask",
    "masked",
    "hide",
    "hidden",
    "obfuscate",
    "omit",
    "censor",
    "elide",
    "conceal",
];

/// Whether a `serialize_with`/`with` path names a redacting serializer
/// (`"redact"`, `"crate::serde_util::mask_secret"`, `"masked"`).
pub fn is_redacting_serializer(path: &str) -> bool {
    let last = path.rsplit("::").next().unwrap_or(path);
    words(last)
        .iter()
        .any(|word| REDACTING_WORDS.contains(&word.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::index_file;

    fn ty(source: &str) -> TypeRef {
        let ty: syn::Type = syn::parse_str(source).unwrap();
        TypeRef::from_syn(&ty)
    }

    #[test]
    fn text_like_types() {
        let workspace = Workspace::new(vec![index_file(
            "src/lib.rs".into(),
            "struct ApiToken(String); struct Nested(ApiToken); struct Count(u32);".into(),
        )]);
        for text in [
            "String",
            "&str",
            "&'static str",
            "Cow<'a, str>",
            "Box<str>",
            "Vec<u8>",
            "[u8; 32]",
            "Option<String>",
            "ApiToken",
            "Option<Nested>",
            "Vec<String>",
        ] {
            assert!(is_text_like(&workspace, &ty(text)), "{text} is text-like");
        }
        for text in [
            "bool",
            "u32",
            "Count",
            "Option<bool>",
            "Vec<u32>",
            "(String, String)",
            "Uuid",
        ] {
            assert!(
                !is_text_like(&workspace, &ty(text)),
                "{text} is not text-like"
            );
        }
    }

    #[test]
    fn wrappers_anywhere_in_the_type() {
        let wrappers = ["secrecy::SecretString", "Masked"];
        assert!(contains_wrapper(&ty("Option<Masked<String>>"), &wrappers));
        assert!(contains_wrapper(&ty("secrecy::SecretString"), &wrappers));
        assert!(!contains_wrapper(&ty("Option<String>"), &wrappers));
    }

    #[test]
    fn redacting_serializers() {
        assert!(is_redacting_serializer("redact"));
        assert!(is_redacting_serializer("crate::serde_util::mask_secret"));
        assert!(is_redacting_serializer("serialize_redacted"));
        assert!(!is_redacting_serializer("serialize_secret"));
        assert!(!is_redacting_serializer("hex::serialize"));
    }
}
