//! Type facts: simplified type references, the types a file declares with their
//! fields, variants, derives and serde attributes, and trait impls.

use crate::names::Name;
use crate::positions::Span;

/// A simplified type, enough to ask "is this text-like" or "does it contain
/// a `Masked<…>` anywhere".
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TypeRef {
    /// `a::b::C<Args>`; `segments` are the path's identifiers.
    Path {
        segments: Vec<Name>,
        args: Vec<TypeRef>,
    },
    Reference(Box<TypeRef>),
    Slice(Box<TypeRef>),
    Array(Box<TypeRef>),
    Tuple(Vec<TypeRef>),
    Other,
}

/// Types that hold one value and lend its methods (by `Deref` or by being unwrapped).
pub const WRAPPER_TYPES: &[&str] = &[
    "Arc",
    "Rc",
    "Box",
    "Cow",
    "Pin",
    "Option",
    "Mutex",
    "RwLock",
    "RefCell",
    "MutexGuard",
    "RwLockReadGuard",
    "RwLockWriteGuard",
    "State",
    "Extension",
    "Data",
];

/// Types nest at most this deep in the index; deeper parts become `Other`,
/// so no walk over a type can recurse without bound.
const MAX_TYPE_DEPTH: usize = 32;

impl TypeRef {
    pub fn from_syn(ty: &syn::Type) -> TypeRef {
        Self::convert(ty, 0)
    }

    fn convert(ty: &syn::Type, depth: usize) -> TypeRef {
        if depth > MAX_TYPE_DEPTH {
            return TypeRef::Other;
        }
        let inner = |ty: &syn::Type| Box::new(Self::convert(ty, depth + 1));
        match ty {
            syn::Type::Path(path) => {
                let segments = crate::names::segment_names(&path.path);
                let args = path
                    .path
                    .segments
                    .last()
                    .map(|last| match &last.arguments {
                        syn::PathArguments::AngleBracketed(generic) => {
                            // Room for every argument, lifetimes too: no more than that.
                            let mut args = Vec::with_capacity(generic.args.len());
                            args.extend(generic.args.iter().filter_map(|arg| match arg {
                                syn::GenericArgument::Type(ty) => {
                                    Some(Self::convert(ty, depth + 1))
                                }
                                _ => None,
                            }));
                            args
                        }
                        _ => Vec::new(),
                    })
                    .unwrap_or_default();
                TypeRef::Path { segments, args }
            }
            syn::Type::Reference(reference) => TypeRef::Reference(inner(&reference.elem)),
            syn::Type::Slice(slice) => TypeRef::Slice(inner(&slice.elem)),
            syn::Type::Array(array) => TypeRef::Array(inner(&array.elem)),
            syn::Type::Paren(paren) => Self::convert(&paren.elem, depth + 1),
            syn::Type::Group(group) => Self::convert(&group.elem, depth + 1),
            syn::Type::Tuple(tuple) => TypeRef::Tuple(crate::names::exact(
                tuple.elems.iter().map(|ty| Self::convert(ty, depth + 1)),
            )),
            _ => TypeRef::Other,
        }
    }

    /// The last path segment (`String` for `std::string::String`), looking
    /// through references.
    pub fn name(&self) -> Option<&str> {
        match self {
            TypeRef::Path { segments, .. } => segments.last().map(Name::as_str),
            TypeRef::Reference(inner) => inner.name(),
            _ => None,
        }
    }

    pub fn args(&self) -> &[TypeRef] {
        match self {
            TypeRef::Path { args, .. } => args,
            TypeRef::Reference(inner) => inner.args(),
            _ => &[],
        }
    }

    /// The type a value of this one holds and lends its methods to, once references and
    /// single-value wrappers are taken off: `&Arc<Mutex<RedisCache>>`, `State<AppState>`
    /// and `Box<StoreError>` hold `RedisCache`, `AppState` and `StoreError`.
    pub fn held(&self) -> &TypeRef {
        let mut current = self;
        for _ in 0..=MAX_TYPE_DEPTH {
            match current {
                TypeRef::Reference(inner) => current = inner,
                TypeRef::Path { segments, args }
                    if segments
                        .last()
                        .is_some_and(|name| WRAPPER_TYPES.contains(&name.as_str())) =>
                {
                    match args.first() {
                        Some(inner) => current = inner,
                        None => break,
                    }
                }
                _ => break,
            }
        }
        current
    }

    /// Whether any type inside this one (itself included) satisfies `predicate`.
    pub fn any(&self, predicate: &mut impl FnMut(&TypeRef) -> bool) -> bool {
        if predicate(self) {
            return true;
        }
        match self {
            TypeRef::Path { args, .. } | TypeRef::Tuple(args) => {
                args.iter().any(|arg| arg.any(predicate))
            }
            TypeRef::Reference(inner) | TypeRef::Slice(inner) | TypeRef::Array(inner) => {
                inner.any(predicate)
            }
            TypeRef::Other => false,
        }
    }
}

/// Field-level `#[serde(...)]` settings that decide whether a value is written out.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SerdeField {
    pub skip: bool,
    pub skip_serializing: bool,
    pub serialize_with: Option<String>,
    /// `#[serde(with = "module")]`: the module's `serialize` is used.
    pub with: Option<String>,
    pub rename: Option<String>,
    pub flatten: bool,
    /// `#[graphql(skip)]` / `#[graphql(skip_output)]`: left out of a GraphQL object.
    pub graphql_skip: bool,
}

impl SerdeField {
    pub fn never_serialized(&self) -> bool {
        self.skip || self.skip_serializing
    }
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FieldDef {
    /// `None` for tuple fields.
    pub name: Option<String>,
    pub ty: TypeRef,
    pub serde: SerdeField,
    /// From the visibility or name to the end of the type.
    pub span: Span,
    /// Where an attribute for this field is inserted: after its existing attributes.
    pub attribute_insert_at: u32,
    /// The first line of its doc comment, when it has one: what the author says it holds.
    #[serde(default)]
    pub doc: Option<Box<str>>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VariantDef {
    pub name: String,
    pub name_span: Span,
    pub fields: Vec<FieldDef>,
    /// The `thiserror` message: the text of `#[error("…")]`, or
    /// `transparent` for `#[error(transparent)]`.
    pub error_message: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TypeKind {
    Struct,
    Enum,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Derive {
    /// Last path segment: `Serialize` for `serde::Serialize`.
    pub name: String,
    pub span: Span,
}

/// A struct or enum definition.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TypeDef {
    pub name: String,
    pub kind: TypeKind,
    pub name_span: Span,
    pub derives: Vec<Derive>,
    /// A struct's fields; empty for enums.
    pub fields: Vec<FieldDef>,
    /// An enum's variants; empty for structs.
    pub variants: Vec<VariantDef>,
    /// A struct's `thiserror` message (see [`VariantDef::error_message`]).
    pub error_message: Option<String>,
}

impl TypeDef {
    pub fn derive(&self, trait_name: &str) -> Option<&Derive> {
        self.derives.iter().find(|derive| derive.name == trait_name)
    }

    /// A single unnamed field: `struct ApiToken(String)`.
    pub fn newtype_field(&self) -> Option<&FieldDef> {
        match self.fields.as_slice() {
            [field] if field.name.is_none() && self.kind == TypeKind::Struct => Some(field),
            _ => None,
        }
    }
}

/// An `impl Trait for Type` block.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TraitImpl {
    /// Last segment of the trait path (`Debug` for `fmt::Debug`).
    pub trait_name: String,
    /// Last segment of the implementing type's path.
    pub self_type: String,
    pub span: Span,
    /// Fields of `self` whose values the impl's bodies read (`self.password`,
    /// `let Self { password, .. } = self`), except reads that reveal nothing
    /// about the value (`self.password.is_some()`, `.len()`, `.is_empty()`).
    pub self_field_reads: Vec<String>,
}
