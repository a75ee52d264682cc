//! UI facts: components (Leptos/Dioxus `#[component]`, Yew `#[function_component]`),
//! the component and element names and text in their `view!`/`rsx!`/`html!` bodies
//! (read as token trees, not parsed), router declarations, askama/rinja template
//! structs, and the `extends`/`include`/`import` structure of template files.

use crate::index::TypeRef;
use crate::names::Name;
use crate::positions::Span;
use crate::source::{ident_span, span_of_tokens};
use proc_macro2::{Delimiter, TokenStream, TokenTree};

/// Macros whose bodies are UI markup.
pub const VIEW_MACROS: &[&str] = &["view", "rsx", "html"];

/// A component or element written in a view body.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ViewElement {
    /// Last path segment: `ViewingAsBanner`, `div`.
    pub name: String,
    pub span: Span,
    /// The enclosing element in the same view, by index.
    pub parent: Option<usize>,
}

impl ViewElement {
    /// Components are capitalised; elements are lower case.
    pub fn is_component(&self) -> bool {
        self.name.starts_with(|c: char| c.is_ascii_uppercase())
    }
}

/// A `<Route path=… view=…>` (Leptos) declared in a view body, with the
/// paths and views of the routes it is nested in.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ViewRoute {
    /// The full path, nested route paths joined: `/partner/tenants`.
    pub path: String,
    pub span: Span,
    /// `view=Component`, or the components of `view=|| view! { … }`.
    pub views: Vec<String>,
    /// The views of the enclosing routes (their layouts), outermost first.
    pub layouts: Vec<String>,
}

/// One `view!`/`rsx!`/`html!` invocation (nested view macros are part of it,
/// except those that render a route).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ViewMacro {
    pub span: Span,
    pub elements: Vec<ViewElement>,
    /// String literals and bare text.
    pub texts: Vec<String>,
    pub routes: Vec<ViewRoute>,
}

impl ViewMacro {
    /// Components with no component inside them: the content, not its wrappers.
    pub fn leaf_components(&self) -> impl Iterator<Item = &ViewElement> + '_ {
        // Elements are recorded parent first, so one backward pass marks
        // every element that has a component somewhere inside it.
        let mut wraps = vec![false; self.elements.len()];
        for (index, element) in self.elements.iter().enumerate().rev() {
            let inner = element.is_component() || wraps[index];
            if let Some(parent) = element.parent.filter(|&parent| parent < index) {
                wraps[parent] |= inner;
            }
        }
        self.elements
            .iter()
            .zip(wraps)
            .filter_map(|(element, wraps)| (element.is_component() && !wraps).then_some(element))
    }
}

/// A function marked `#[component]`, `#[function_component]` or `#[island]`, or a
/// capitalised function returning Dioxus's `Element`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ComponentFact {
    /// The name views use: the function's, or Yew's `#[function_component(Name)]`.
    pub name: String,
    pub fn_name: String,
    /// The function's name token.
    pub fn_name_span: Span,
    pub fn_span: Span,
    /// Types read from the context the app provides: `use_context::<T>()`,
    /// `expect_context::<T>()`, `consume_context::<T>()`, with the call's span.
    pub context_reads: Vec<(TypeRef, Span)>,
    /// Declared `pub` (any `pub(…)` too): nameable outside its module.
    pub public: bool,
}

/// `#[template(path = "…")]` or `#[template(source = "…")]` on a struct.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TemplateStruct {
    pub name: String,
    pub name_span: Span,
    pub path: Option<String>,
    /// The structure of an inline `source = "…"` template.
    pub source: Option<TemplateText>,
}

/// A route declared on an enum variant: Yew `#[at("/…")]`, Dioxus
/// `#[route("/…")]` (inside `#[nest]` and `#[layout]` sections).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RoutableVariant {
    pub enum_name: String,
    /// The variant; for Dioxus, the component it renders (the variant's name
    /// unless `#[route("/…", Component)]` names another).
    pub variant: String,
    pub span: Span,
    pub path: String,
    /// Dioxus: the variant itself is the component it renders.
    pub renders_variant: bool,
    /// Dioxus `#[layout(Component)]` sections it is in.
    pub layouts: Vec<String>,
}

/// A `match` arm whose pattern names an enum variant, and its body.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MatchArmFact {
    pub pattern: Vec<Name>,
    pub body: Span,
}

/// What a template (a file, or inline source) pulls in and shows.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TemplateText {
    pub extends: Vec<String>,
    /// `include`, `import`, `from … import`, Handlebars `{{> partial}}`.
    pub includes: Vec<String>,
    /// Names called in tags: macros (`{% call m::viewing_as() %}`, `{{ viewing_as() }}`).
    pub calls: Vec<String>,
    /// Text outside tags and comments, and string literals inside tags.
    pub text: String,
}

/// Everything UI-related in one file.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct ViewFacts {
    pub components: Vec<ComponentFact>,
    pub macros: Vec<ViewMacro>,
    pub template_structs: Vec<TemplateStruct>,
    pub routable_variants: Vec<RoutableVariant>,
    pub match_arms: Vec<MatchArmFact>,
    /// For template files.
    pub template: Option<TemplateText>,
}

/// Collects [`ViewFacts`] as the indexer visits a Rust file.
#[derive(Default)]
pub struct ViewCollector {
    pub facts: ViewFacts,
    /// Outermost view macro being walked (nested ones are part of it).
    in_view: usize,
}

/// Token groups nest at most this deep in a walk (the file's nesting is bounded too).
const MAX_DEPTH: usize = 128;

/// Open tags kept at once: deeper ones are read as closed, so closing tags
/// cost at most this much to match.
const MAX_OPEN: usize = 256;

impl ViewCollector {
    pub fn item_fn(&mut self, function: &syn::ItemFn) {
        // Dioxus components need no attribute: `fn Home() -> Element`.
        let returns_element = match &function.sig.output {
            syn::ReturnType::Type(_, ty) => matches!(&**ty, syn::Type::Path(path)
                if path.path.segments.last().is_some_and(|last| last.ident == "Element")),
            syn::ReturnType::Default => false,
        };
        let fn_name = function.sig.ident.to_string();
        if returns_element && fn_name.starts_with(|c: char| c.is_ascii_uppercase()) {
            self.facts.components.push(ComponentFact {
                name: fn_name.clone(),
                fn_name,
                fn_name_span: ident_span(&function.sig.ident),
                fn_span: span_of_tokens(function),
                context_reads: context_reads(&function.block),
                public: !matches!(function.vis, syn::Visibility::Inherited),
            });
            return;
        }
        for attr in &function.attrs {
            let Some(last) = attr.path().segments.last() else {
                continue;
            };
            let kind = last.ident.to_string();
            if !matches!(kind.as_str(), "component" | "function_component" | "island") {
                continue;
            }
            let fn_name = function.sig.ident.to_string();
            let named = match &attr.meta {
                syn::Meta::List(list) => list.parse_args::<syn::Ident>().ok(),
                _ => None,
            };
            self.facts.components.push(ComponentFact {
                name: named.map_or_else(|| fn_name.clone(), |ident| ident.to_string()),
                fn_name,
                fn_name_span: ident_span(&function.sig.ident),
                fn_span: span_of_tokens(function),
                context_reads: context_reads(&function.block),
                public: !matches!(function.vis, syn::Visibility::Inherited),
            });
            return;
        }
    }

    /// Returns whether the macro was a view macro (its body is walked here).
    pub fn macro_call(&mut self, mac: &syn::Macro) -> bool {
        let Some(name) = mac.path.segments.last().map(|s| s.ident.to_string()) else {
            return false;
        };
        if !VIEW_MACROS.contains(&name.as_str()) || self.in_view > 0 {
            return false;
        }
        self.in_view += 1;
        let mut walker = ViewWalker::default();
        walker.walk(mac.tokens.clone(), 0);
        self.facts.macros.push(ViewMacro {
            span: crate::source::macro_span(mac),
            elements: walker.elements,
            texts: walker.texts,
            routes: walker.routes,
        });
        self.in_view -= 1;
        true
    }

    pub fn item_struct(&mut self, item: &syn::ItemStruct) {
        for attr in item.attrs.iter().filter(|a| a.path().is_ident("template")) {
            let mut path = None;
            let mut source = None;
            let _ = attr.parse_nested_meta(|meta| {
                if meta.input.peek(syn::Token![=]) {
                    let value = meta.value()?;
                    if let syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(text),
                        ..
                    }) = value.parse::<syn::Expr>()?
                    {
                        if meta.path.is_ident("path") {
                            path = Some(text.value());
                        } else if meta.path.is_ident("source") {
                            source = Some(scan_template(&text.value()));
                        }
                    }
                } else if meta.input.peek(syn::token::Paren) {
                    let _group: proc_macro2::TokenTree = meta.input.parse()?;
                }
                Ok(())
            });
            if path.is_some() || source.is_some() {
                self.facts.template_structs.push(TemplateStruct {
                    name: item.ident.to_string(),
                    name_span: ident_span(&item.ident),
                    path,
                    source,
                });
            }
        }
    }

    pub fn item_enum(&mut self, item: &syn::ItemEnum) {
        let mut nests: Vec<String> = Vec::new();
        let mut layouts: Vec<String> = Vec::new();
        for variant in &item.variants {
            let mut route = None;
            let mut rendered = None;
            let mut renders_variant = false;
            for attr in &variant.attrs {
                let name = attr
                    .path()
                    .segments
                    .last()
                    .map(|s| s.ident.to_string())
                    .unwrap_or_default();
                match name.as_str() {
                    "nest" => nests.push(first_string(attr).unwrap_or_default()),
                    "end_nest" => {
                        nests.pop();
                    }
                    "layout" => {
                        if let Ok(path) = attr.parse_args::<syn::Path>() {
                            if let Some(last) = path.segments.last() {
                                layouts.push(last.ident.to_string());
                            }
                        }
                    }
                    "end_layout" => {
                        layouts.pop();
                    }
                    "at" => route = first_string(attr),
                    "route" => {
                        route = first_string(attr);
                        rendered = route_component(attr);
                        renders_variant = true;
                    }
                    _ => {}
                }
            }
            if let Some(path) = route {
                let mut full = nests.join("");
                full.push_str(&path);
                self.facts.routable_variants.push(RoutableVariant {
                    enum_name: item.ident.to_string(),
                    variant: rendered.unwrap_or_else(|| variant.ident.to_string()),
                    span: ident_span(&variant.ident),
                    path: normalize_path(&full),
                    renders_variant,
                    layouts: if renders_variant {
                        layouts.clone()
                    } else {
                        Vec::new()
                    },
                });
            }
        }
    }

    pub fn match_expr(&mut self, expr: &syn::ExprMatch) {
        for arm in &expr.arms {
            let path = match &arm.pat {
                syn::Pat::Path(path) => Some(&path.path),
                syn::Pat::TupleStruct(pat) => Some(&pat.path),
                syn::Pat::Struct(pat) => Some(&pat.path),
                _ => None,
            };
            let Some(path) = path.filter(|path| path.segments.len() >= 2) else {
                continue;
            };
            self.facts.match_arms.push(MatchArmFact {
                pattern: crate::names::segment_names(path),
                body: crate::source::expr_span(&arm.body),
            });
        }
    }
}

/// Functions that read a value the app put in context, by type.
pub(crate) const CONTEXT_READERS: &[&str] = &[
    "use_context",
    "expect_context",
    "consume_context",
    "try_use_context",
    "try_consume_context",
];

/// `use_context::<PartnerSession>()` and the like in a component's body
/// (not in nested items).
fn context_reads(body: &syn::Block) -> Vec<(TypeRef, Span)> {
    #[derive(Default)]
    struct Reads(Vec<(TypeRef, Span)>);
    impl<'ast> syn::visit::Visit<'ast> for Reads {
        fn visit_expr_path(&mut self, expr: &'ast syn::ExprPath) {
            if let Some(last) = expr.path.segments.last() {
                if CONTEXT_READERS.contains(&last.ident.to_string().as_str()) {
                    if let syn::PathArguments::AngleBracketed(generic) = &last.arguments {
                        for arg in &generic.args {
                            if let syn::GenericArgument::Type(ty) = arg {
                                self.0
                                    .push((TypeRef::from_syn(ty), ident_span(&last.ident)));
                            }
                        }
                    }
                }
            }
            syn::visit::visit_expr_path(self, expr);
        }
        fn visit_expr_if(&mut self, expr: &'ast syn::ExprIf) {
            super::visit_if_chain(self, expr);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut reads = Reads::default();
    syn::visit::Visit::visit_block(&mut reads, body);
    reads.0
}

/// The first string argument of an attribute: `#[at("/partner")]`.
fn first_string(attr: &syn::Attribute) -> Option<String> {
    let syn::Meta::List(list) = &attr.meta else {
        return None;
    };
    list.tokens
        .clone()
        .into_iter()
        .find_map(|token| match token {
            TokenTree::Literal(literal) => string_literal(&literal),
            _ => None,
        })
}

/// Dioxus `#[route("/path", Component)]`: the component named after the path.
fn route_component(attr: &syn::Attribute) -> Option<String> {
    let syn::Meta::List(list) = &attr.meta else {
        return None;
    };
    let tokens: Vec<TokenTree> = list.tokens.clone().into_iter().collect();
    let comma = tokens.iter().position(|token| is_punct(Some(token), ','))?;
    let (name, _) = path_at(&tokens, comma + 1);
    (!name.is_empty()).then_some(name)
}

/// The value of a string literal token, `None` for other literals.
fn string_literal(literal: &proc_macro2::Literal) -> Option<String> {
    let text = literal.to_string();
    match syn::parse_str::<syn::LitStr>(&text) {
        Ok(parsed) => Some(parsed.value()),
        Err(_) => None,
    }
}

/// `/partner//tenants/` → `/partner/tenants`; always starts with `/`.
pub fn normalize_path(path: &str) -> String {
    let parts: Vec<&str> = path.split('/').filter(|part| !part.is_empty()).collect();
    format!("/{}", parts.join("/"))
}

#[derive(Default)]
struct ViewWalker {
    elements: Vec<ViewElement>,
    texts: Vec<String>,
    routes: Vec<ViewRoute>,
    /// Open elements (html-style tags): element index, and for routes the
    /// route's path and views.
    open: Vec<(usize, Option<RouteFrame>)>,
}

/// An open route element: its own path and the components it renders.
type RouteFrame = (String, Vec<String>);

impl ViewWalker {
    fn parent(&self) -> Option<usize> {
        self.open.last().map(|(index, _)| *index)
    }

    fn push_element(&mut self, name: String, span: Span, parent: Option<usize>) -> usize {
        self.elements.push(ViewElement { name, span, parent });
        self.elements.len() - 1
    }

    fn walk(&mut self, tokens: TokenStream, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        let mut at = 0;
        while at < tokens.len() {
            at = self.step(&tokens, at, depth);
        }
    }

    /// Reads the token at `at` (and what belongs to it); returns where to go on.
    fn step(&mut self, tokens: &[TokenTree], at: usize, depth: usize) -> usize {
        let Some(token) = tokens.get(at) else {
            return at + 1;
        };
        match token {
            TokenTree::Literal(literal) => {
                if let Some(text) = string_literal(literal) {
                    self.texts.push(text);
                }
                at + 1
            }
            TokenTree::Punct(punct) if punct.as_char() == '<' => self.tag(tokens, at, depth),
            TokenTree::Ident(ident) => {
                // `view! { … }` nested in a view: part of it.
                if is_punct(tokens.get(at + 1), '!') {
                    if let Some(TokenTree::Group(group)) = tokens.get(at + 2) {
                        self.walk(group.stream(), depth + 1);
                        return at + 3;
                    }
                }
                // Dioxus: `Component { … }`, `div { … }`, `a::Component { … }`.
                let (name, end) = path_at(tokens, at);
                if let Some(TokenTree::Group(group)) = tokens.get(end) {
                    if group.delimiter() == Delimiter::Brace && is_markup_name(&name) {
                        let parent = self.parent();
                        let index = self.push_element(name, ident_span(ident), parent);
                        // Braces close what they open: tags left open inside end here.
                        let open = self.open.len();
                        self.open.push((index, None));
                        self.walk(group.stream(), depth + 1);
                        self.open.truncate(open);
                        return end + 1;
                    }
                }
                end.max(at + 1)
            }
            TokenTree::Group(group) => {
                self.walk(group.stream(), depth + 1);
                at + 1
            }
            TokenTree::Punct(_) => at + 1,
        }
    }

    /// `<Name attrs…>`, `<Name …/>`, `</Name>`, `<>`, `</>`.
    fn tag(&mut self, tokens: &[TokenTree], at: usize, depth: usize) -> usize {
        if is_punct(tokens.get(at + 1), '/') {
            // A closing tag: close up to the element of that name.
            let (name, end) = path_at(tokens, at + 2);
            if let Some(position) = self
                .open
                .iter()
                .rposition(|(index, _)| self.elements.get(*index).is_some_and(|e| e.name == name))
            {
                self.open.truncate(position);
            }
            return skip_to_gt(tokens, end);
        }
        let Some(TokenTree::Ident(ident)) = tokens.get(at + 1) else {
            return at + 1;
        };
        let (name, mut cursor) = path_at(tokens, at + 1);
        let is_route = matches!(name.as_str(), "Route" | "ParentRoute" | "ProtectedRoute");
        let parent = self.parent();
        let index = self.push_element(name, ident_span(ident), parent);
        let mut path = None;
        let mut views = Vec::new();
        let mut self_closing = false;
        // Attributes: `name=value` (values are one token tree, a path, a
        // macro call or a closure) and bare names, up to `>` or `/>`.
        while cursor < tokens.len() {
            if is_punct(tokens.get(cursor), '>') {
                cursor += 1;
                break;
            }
            if is_punct(tokens.get(cursor), '/') && is_punct(tokens.get(cursor + 1), '>') {
                self_closing = true;
                cursor += 2;
                break;
            }
            let key = match tokens.get(cursor) {
                Some(TokenTree::Ident(key)) => Some(key.to_string()),
                _ => None,
            };
            if key.is_some() && is_punct(tokens.get(cursor + 1), '=') {
                let start = cursor + 2;
                let end = value_end(tokens, start);
                let value = tokens.get(start..end).unwrap_or(&[]);
                match key.as_deref() {
                    Some("path") if is_route => path = Some(route_path(value)),
                    Some("view" | "element" | "component") if is_route => {
                        views = self.route_views(value, depth)
                    }
                    _ => {
                        for position in start..end {
                            self.step(tokens, position, depth + 1);
                        }
                    }
                }
                cursor = end.max(cursor + 1);
            } else {
                cursor = self.step(tokens, cursor, depth + 1).max(cursor + 1);
            }
        }
        let route = is_route.then(|| (path.unwrap_or_default(), views));
        if let Some((path, views)) = &route {
            let mut full = String::new();
            let mut layouts = Vec::new();
            for (_, outer) in &self.open {
                if let Some((outer_path, outer_views)) = outer {
                    full.push('/');
                    full.push_str(outer_path);
                    layouts.extend(outer_views.iter().cloned());
                }
            }
            full.push('/');
            full.push_str(path);
            self.routes.push(ViewRoute {
                path: normalize_path(&full),
                span: self.elements[index].span,
                views: views.clone(),
                layouts,
            });
        }
        if !self_closing && self.open.len() < MAX_OPEN {
            self.open.push((index, route));
        }
        cursor
    }

    /// `view=Component`, `view=|| view! { <Page/> }`: the components a route renders.
    /// A route's own view macro is not part of the enclosing view.
    fn route_views(&mut self, value: &[TokenTree], depth: usize) -> Vec<String> {
        if let [TokenTree::Ident(_), ..] = value {
            let (name, end) = path_at(value, 0);
            if end == value.len() && is_markup_name(&name) {
                return vec![name];
            }
        }
        let mut inner = ViewWalker::default();
        for token in value {
            if let TokenTree::Group(group) = token {
                inner.walk(group.stream(), depth + 1);
            }
        }
        let rendered = ViewMacro {
            span: Span::default(),
            elements: inner.elements,
            texts: inner.texts,
            routes: Vec::new(),
        };
        rendered
            .leaf_components()
            .map(|element| element.name.clone())
            .collect()
    }
}

fn is_punct(token: Option<&TokenTree>, c: char) -> bool {
    matches!(token, Some(TokenTree::Punct(p)) if p.as_char() == c)
}

/// Element and component names: identifiers that are not Rust keywords used in views.
fn is_markup_name(name: &str) -> bool {
    !matches!(
        name,
        "move" | "if" | "else" | "for" | "in" | "match" | "let" | "while" | "loop" | "async" | "fn"
    ) && !name.is_empty()
}

/// `a::b::Name` starting at `at`: the last segment and the index after the path.
fn path_at(tokens: &[TokenTree], at: usize) -> (String, usize) {
    let mut name = String::new();
    let mut cursor = at;
    while let Some(TokenTree::Ident(ident)) = tokens.get(cursor) {
        name = ident.to_string();
        cursor += 1;
        if is_punct(tokens.get(cursor), ':') && is_punct(tokens.get(cursor + 1), ':') {
            cursor += 2;
        } else {
            break;
        }
    }
    (name, cursor)
}

fn skip_to_gt(tokens: &[TokenTree], mut at: usize) -> usize {
    while at < tokens.len() {
        if is_punct(tokens.get(at), '>') {
            return at + 1;
        }
        at += 1;
    }
    at
}

/// Where an attribute value starting at `start` ends: at the next `name=`,
/// `>` or `/>`.
fn value_end(tokens: &[TokenTree], start: usize) -> usize {
    let mut at = start;
    while at < tokens.len() {
        let next_is_attr = matches!(tokens.get(at), Some(TokenTree::Ident(_)))
            && is_punct(tokens.get(at + 1), '=')
            && !is_punct(tokens.get(at + 2), '=')
            && at > start;
        if next_is_attr
            || (at > start && is_punct(tokens.get(at), '>'))
            || (is_punct(tokens.get(at), '/') && is_punct(tokens.get(at + 1), '>'))
        {
            return at;
        }
        at += 1;
    }
    at
}

/// A route path value: `"/partner"`, `path!("/partner")`,
/// `(StaticSegment("partner"), ParamSegment("id"))` (the static parts).
fn route_path(value: &[TokenTree]) -> String {
    let mut parts = Vec::new();
    collect_strings(value.iter().cloned().collect(), &mut parts, 0);
    parts.join("/")
}

fn collect_strings(tokens: TokenStream, out: &mut Vec<String>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    for token in tokens {
        match token {
            TokenTree::Literal(literal) => out.extend(string_literal(&literal)),
            TokenTree::Group(group) => collect_strings(group.stream(), out, depth + 1),
            _ => {}
        }
    }
}

/// Template tags that pull in another template by name.
const INCLUDE_TAGS: &[&str] = &["include", "import", "from"];

/// Reads the structure of a Jinja-like template (askama, rinja, minijinja,
/// tera, Handlebars partials). Never fails: an unclosed tag runs to the end.
pub fn scan_template(text: &str) -> TemplateText {
    let mut facts = TemplateText::default();
    let mut rest = text;
    while !rest.is_empty() {
        let Some(open) = ["{%", "{{", "{#"]
            .iter()
            .filter_map(|marker| rest.find(marker).map(|at| (at, *marker)))
            .min()
        else {
            facts.text.push_str(rest);
            break;
        };
        let (at, marker) = open;
        facts.text.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let close = match marker {
            "{%" => "%}",
            "{{" => "}}",
            _ => "#}",
        };
        let (inside, next) = match after.find(close) {
            Some(end) => (&after[..end], &after[end + 2..]),
            None => (after, ""),
        };
        if marker != "{#" {
            tag(inside, marker == "{%", &mut facts);
        }
        facts.text.push(' ');
        rest = next;
    }
    facts
}

/// One `{% … %}` or `{{ … }}`.
fn tag(inside: &str, statement: bool, facts: &mut TemplateText) {
    let inside =
        inside.trim_matches(|c: char| c == '-' || c == '+' || c == '~' || c.is_whitespace());
    let words = template_words(inside);
    if let Some(partial) = inside.strip_prefix('>') {
        // Handlebars `{{> partial}}`.
        if let Some(name) = partial.split_whitespace().next() {
            facts.includes.push(name.to_string());
        }
        return;
    }
    if let (true, Some(TemplateWord::Name(keyword))) = (statement, words.first()) {
        let first_string = words.iter().find_map(|word| match word {
            TemplateWord::Str(text) => Some(text.clone()),
            TemplateWord::Name(_) => None,
        });
        match keyword.as_str() {
            "extends" => facts.extends.extend(first_string),
            k if INCLUDE_TAGS.contains(&k) => facts.includes.extend(first_string),
            _ => {}
        }
    }
    for (index, word) in words.iter().enumerate() {
        match word {
            TemplateWord::Str(text) => {
                facts.text.push(' ');
                facts.text.push_str(text);
            }
            TemplateWord::Name(name) => {
                let called = inside_call(inside, &words, index);
                let after_call = index > 0
                    && matches!(words.get(index - 1), Some(TemplateWord::Name(k)) if k == "call");
                if called || after_call {
                    facts.calls.push(name.clone());
                }
            }
        }
    }
}

/// Whether the name at `index` is followed by `(` in the tag.
fn inside_call(inside: &str, words: &[TemplateWord], index: usize) -> bool {
    let TemplateWord::Name(name) = &words[index] else {
        return false;
    };
    // Find the `index`-th occurrence position approximately: any `name(` counts.
    let pattern = format!("{name}(");
    let spaced = format!("{name} (");
    inside.contains(&pattern) || inside.contains(&spaced)
}

enum TemplateWord {
    Name(String),
    Str(String),
}

/// Identifiers (with `::`/`.` paths kept whole) and quoted strings of a tag.
fn template_words(inside: &str) -> Vec<TemplateWord> {
    let mut words = Vec::new();
    let mut chars = inside.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c == '"' || c == '\'' {
            let mut end = inside.len();
            for (at, next) in chars.by_ref() {
                if next == c {
                    end = at;
                    break;
                }
            }
            let from = start + c.len_utf8();
            words.push(TemplateWord::Str(
                inside.get(from..end.max(from)).unwrap_or("").to_string(),
            ));
        } else if c.is_alphanumeric() || c == '_' {
            let mut end = start + c.len_utf8();
            while let Some(&(at, next)) = chars.peek() {
                if next.is_alphanumeric() || next == '_' || next == ':' || next == '.' {
                    end = at + next.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            let word = inside.get(start..end).unwrap_or("");
            // A path's last part is the name called: `m::viewing_as`, `macros.viewing_as`.
            let last = word
                .rsplit([':', '.'])
                .find(|part| !part.is_empty())
                .unwrap_or(word);
            words.push(TemplateWord::Name(last.to_string()));
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(source: &str) -> ViewMacro {
        let mac: syn::Macro = syn::parse_str(source).expect("a macro");
        let mut collector = ViewCollector::default();
        assert!(collector.macro_call(&mac));
        collector.facts.macros.remove(0)
    }

    fn names(view: &ViewMacro) -> Vec<&str> {
        view.elements.iter().map(|e| e.name.as_str()).collect()
    }

    #[test]
    fn leptos_view_elements_text_and_nesting() {
        let view = walk(
            r#"view! {
                <PartnerLayout tenant=tenant.clone()>
                    <div class="banner">"Viewing as " {name}</div>
                    {move || show.get().then(|| view! { <Widget/> })}
                    <ui::Table rows=rows/>
                </PartnerLayout>
            }"#,
        );
        assert_eq!(names(&view), ["PartnerLayout", "div", "Widget", "Table"]);
        assert_eq!(view.elements[1].parent, Some(0));
        assert_eq!(view.elements[3].parent, Some(0));
        assert!(view.texts.contains(&"Viewing as ".to_string()));
        let leaves: Vec<_> = view.leaf_components().map(|e| e.name.as_str()).collect();
        assert_eq!(leaves, ["Widget", "Table"]);
    }

    #[test]
    fn leptos_routes_nest_paths_and_layouts() {
        let view = walk(
            r#"view! {
                <Router><Routes fallback=|| "no">
                    <Route path="/" view=Home/>
                    <ParentRoute path=path!("/partner") view=PartnerShell>
                        <Route path=(StaticSegment("tenants"), ParamSegment("id")) view=TenantPage/>
                        <Route path="billing" view=|| view! { <Shell><Billing/></Shell> }/>
                    </ParentRoute>
                </Routes></Router>
            }"#,
        );
        let routes: Vec<_> = view
            .routes
            .iter()
            .map(|r| (r.path.as_str(), r.views.clone(), r.layouts.clone()))
            .collect();
        assert_eq!(
            routes,
            [
                ("/", vec!["Home".to_string()], vec![]),
                ("/partner", vec!["PartnerShell".to_string()], vec![]),
                (
                    "/partner/tenants/id",
                    vec!["TenantPage".to_string()],
                    vec!["PartnerShell".to_string()]
                ),
                (
                    "/partner/billing",
                    vec!["Billing".to_string()],
                    vec!["PartnerShell".to_string()]
                ),
            ]
        );
        // A route's view is not part of the enclosing view.
        assert!(!names(&view).contains(&"Billing"));
    }

    #[test]
    fn dioxus_rsx_and_yew_html() {
        let view = walk(
            r#"rsx! { div { class: "page", ViewingAsBanner { tenant: t }, "Hello {name}" } }"#,
        );
        assert_eq!(names(&view), ["div", "ViewingAsBanner"]);
        assert_eq!(view.elements[1].parent, Some(0));
        assert!(view.texts.contains(&"Hello {name}".to_string()));
        let view = walk(r#"html! { <><Header /><p>{ "Viewing as" }{ &props.name }</p></> }"#);
        assert_eq!(names(&view), ["Header", "p"]);
        assert!(view.texts.contains(&"Viewing as".to_string()));
    }

    #[test]
    fn template_files_are_read() {
        use crate::index::FileKind;
        for path in [
            "web/templates/page.html",
            "web/page.jinja",
            "web/page.jinja2",
            "web/page.j2",
            "web/page.tera",
            "web/page.askama",
        ] {
            assert_eq!(FileKind::of_path(path), Some(FileKind::Template), "{path}");
        }
        assert_eq!(FileKind::of_path("web/static/page.html"), None);
        let facts = crate::index::index_file(
            "web/templates/page.jinja".into(),
            "{% include \"partials/viewing_as.jinja\" %}".into(),
        );
        let template = facts.views.template.expect("scanned");
        assert_eq!(template.includes, ["partials/viewing_as.jinja"]);
    }

    #[test]
    fn template_structure() {
        let text = scan_template(
            r#"{% extends "layouts/partner.html" %}
{# "Viewing as" in a comment does not count #}
{% import "macros.html" as m %}
{%- include 'partials/nav.html' -%}
{% block body %}<h1>Tenants</h1>{% call m::viewing_as(tenant) %}{{ helpers.banner(t) }}{% endblock %}
{{> footer }}
{% if x"#,
        );
        assert_eq!(text.extends, ["layouts/partner.html"]);
        assert_eq!(
            text.includes,
            ["macros.html", "partials/nav.html", "footer"]
        );
        assert!(text.calls.contains(&"viewing_as".to_string()));
        assert!(text.calls.contains(&"banner".to_string()));
        assert!(text.text.contains("<h1>Tenants</h1>"));
        assert!(!text.text.contains("Viewing as"));
        for hostile in [
            "{%",
            "{{",
            "{% include \"",
            "{% '",
            "é{%é%}é",
            "{{>}}",
            "{% call %}",
        ] {
            let _ = scan_template(hostile);
        }
    }
}
