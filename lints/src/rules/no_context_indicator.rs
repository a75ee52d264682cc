//! PS501 no-context-indicator: a page rendered while a partner acts as a
//! customer tenant that does not show which tenant that is.

use crate::checklist::{ChecklistItem, Level};
use crate::diagnostic::{Diagnostic, FileId, Location};
use crate::index::views::{ComponentFact, TemplateStruct, TemplateText};
use crate::index::{FileKind, TypeKind, Workspace};
use crate::model::body_needs::BodyNeeds;
use crate::model::context::is_context_type;
use crate::model::pages::{crate_root, Pages, Rendered, Route};
use crate::options::{OptionSpec, OptionValues};
use crate::rule::{Context, Rule, RuleMeta};
use crate::source::Span;
use foldhash::{HashSet, HashSetExt as _};

pub const META: RuleMeta = RuleMeta {
    code: "PS501",
    name: "no-context-indicator",
    checklist_item: Some(ChecklistItem::ContextIndicator),
    default_level: Level::Warn,
    summary:
        "A page rendered in partner \"acting as\" context shows no indicator of the tenant acted on",
    docs: r#"## What it does
Flags a page rendered while a partner acts as a customer tenant that shows no persistent
context indicator (a "Viewing as …" banner). Pages are:
- Leptos and Dioxus `#[component]` (Dioxus also a capitalised `fn … -> Element`) and Yew
  `#[function_component]` functions routed under a partner path (`/partner`, `/partners`,
  `/msp` and below): Leptos `<Route path=… view=…>` (nested in `<ParentRoute>`/`<Route>`,
  `path!("…")` and `StaticSegment("…")` paths), Yew `#[at("…")]` variants with the
  `switch` arm that renders them, Dioxus `#[route("…")]` variants (inside `#[nest("…")]`;
  the variant, or `#[route("…", Component)]`), and server routes (axum
  `.route("…", get(handler))`, through `.nest`; actix-web/rocket `#[get("…")]`) whose
  handler renders a view;
- components taking a partner context prop (a parameter, or a field of the props struct,
  whose type is a `[model] partner_context_types` type) or reading it from the app's context
  (`use_context::<T>()`, `expect_context::<T>()`, `consume_context::<T>()`), and components
  that render such a component, when no other component renders them;
- askama/rinja `#[derive(Template)]` structs (`#[template(path = "…")]` or `source = "…"`)
  built (a struct literal, `Page::new(…)`) or returned by a partner-routed handler or a
  partner-context function (a `[model]` partner context parameter or partner path), or
  with a partner context field;
- template files loaded by name (minijinja `get_template("…")`, tera `render("…", …)`,
  `render_template("…")`) by a partner-routed handler or a partner-context function.

The indicator (option `indicators`) is a component, partial or macro whose name contains
one of the words, or text containing one. It counts when it is in the page, in a component
the page renders (wrapping layouts and children, followed transitively), in the layout of
the route (a `<ParentRoute view=…>`, a Dioxus `#[layout(…)]`, a wrapper in the Yew arm or
handler view), or in a template the page extends, includes or imports (followed
transitively). The finding is on the component function's name, the template struct's
name, or the first line of a template file loaded by name.

Decisions where the catalogue is silent:
- Component, partial and macro names match ignoring case and separators
  (`partials/acting_as_bar.html` has `ActingAs`); text matches ignoring case, as whole
  words ("viewing as Acme" counts, "reviewing assets" does not).
- Child components inside a page need no indicator of their own: a component another
  component renders is not a page, unless a partner route renders it directly.
- Routes name components by name. A component of another crate is not the one a route
  renders when the route's crate has one of that name; a private component of another
  file is not when a component of that name is visible to the route (`pub`, or in the
  route's own file).
- Template names resolve to template files (`templates/**/*.html`, `*.askama`, `*.j2`,
  `*.jinja`, `*.jinja2`, `*.tera`, `*.hbs`) whose path ends with the name; when several do,
  the one sharing the longest leading path with the file that names it (the same crate's
  `templates/` folder, as askama resolves it). A template that is not in the workspace is
  not flagged: what it shows is unknown.
- A template that extends a layout with the indicator counts as showing it, even if it
  overrides the block the indicator is in.
- Handlers and templates are followed two calls deep from a handler or partner-context
  function. Views in partner-context helpers that are not components are not pages (they
  may be children of one); the components of a view a partner-routed handler renders are.
- Indicators shown only under a condition still count: whether it shows is a runtime fact.
- A finding on a template file cannot be suppressed by a comment (templates have no
  Rust comments); set the level, or move the page behind the partner layout.

## Why is this bad?
A partner acting as a customer changes that customer's tenant. Without a persistent
"Viewing as Acme Corp" element, a partner managing many customers can make a change in the
wrong tenant; the indicator is what makes the current tenant unmistakable.

## Example
```rust
#[component]
fn TenantUsers(ctx: PartnerContext) -> impl IntoView {
    view! { <h1>"Users"</h1><UserTable tenant=ctx.tenant_id/> }
}
```

## Use instead
```rust
#[component]
fn TenantUsers(ctx: PartnerContext) -> impl IntoView {
    view! { <ViewingAsBanner tenant=ctx.tenant_name.clone()/><h1>"Users"</h1><UserTable tenant=ctx.tenant_id/> }
}
```

## Options
- `indicators`: words whose presence in a component, partial or macro name, or in text,
  makes a context indicator.
- `partner_routes`: route prefixes of partner "acting as" pages.

## Checklist item
5. Context Indicator: Is there a clear, persistent UI element showing "Viewing as
[Customer Name]" to prevent accidental changes to the wrong tenant?

## Fix
Render the indicator once in the layout every partner page uses (a `<ParentRoute>` view,
a `{% extends "partner_layout.html" %}` base), so new pages get it. No automatic fix.
"#,
    options: OPTIONS,
    build: Some(build),
};

/// Each option declared once: its key, default and doc, and the type it is read as.
mod option {
    use crate::options::{OptionKey, StringList};

    pub const INDICATORS: OptionKey<StringList> = OptionKey::strings(
        "indicators",
        &[
            "ViewingAs",
            "ActingAs",
            "TenantContextBanner",
            "viewing_as",
            "Viewing as",
        ],
        "Words that make a context indicator: in a component, partial or macro name (ignoring case and separators), or in page text (whole words, ignoring case)",
    );

    pub const PARTNER_ROUTES: OptionKey<StringList> = OptionKey::strings(
        "partner_routes",
        &["/partner", "/partners", "/msp"],
        "Route prefixes under which pages act as a customer tenant",
    );
}

const OPTIONS: &[OptionSpec] = &[option::INDICATORS.spec(), option::PARTNER_ROUTES.spec()];

/// How many components and templates one indicator search visits.
const MAX_VISITS: usize = 2_000;

struct NoContextIndicator {
    indicators: Vec<String>,
    partner_routes: Vec<String>,
}

fn build(options: &OptionValues) -> Box<dyn Rule> {
    Box::new(NoContextIndicator {
        indicators: options
            .get(&option::INDICATORS)
            .iter()
            .filter(|word| !word.is_empty())
            .map(|word| word.to_ascii_lowercase())
            .collect(),
        partner_routes: options
            .get(&option::PARTNER_ROUTES)
            .iter()
            .map(|path| crate::index::views::normalize_path(path))
            .collect(),
    })
}

const HELP: &str = "show which customer tenant the partner acts as on every partner page: render a `ViewingAs` banner component, a `viewing_as` partial or the text \"Viewing as …\" in the page or the layout it uses";

impl Rule for NoContextIndicator {
    /// Views, routers and components' context reads are read wherever they are. What a
    /// partner route's handler renders is followed through its callees, which one body
    /// cannot tell: a partner route found needs every body.
    fn bodies_needed_without_partner_model(&self, needs: &mut BodyNeeds) {
        for name in crate::index::views::VIEW_MACROS {
            needs.call(name);
        }
        needs.call("route");
        needs.call("nest");
        for reader in crate::index::views::CONTEXT_READERS {
            needs.call(reader);
        }
    }

    fn needs_every_body(&self, cx: &Context<'_>) -> bool {
        cx.model
            .pages
            .routes
            .iter()
            .any(|route| self.is_partner_route(&route.path))
    }

    fn check_file(&self, cx: &Context<'_>, file: FileId, out: &mut Vec<Diagnostic>) {
        let facts = cx.workspace.file(file);
        match facts.kind {
            FileKind::Rust => {
                for component in &facts.views.components {
                    out.extend(self.component(cx, file, component));
                }
                for (index, template) in facts.views.template_structs.iter().enumerate() {
                    out.extend(self.template_struct(cx, file, index, template));
                }
            }
            FileKind::Template => out.extend(self.template_file(cx, file)),
            FileKind::Cypher | FileKind::Roles => {}
        }
    }
}

impl NoContextIndicator {
    /// A component, partial or macro name with an indicator word, ignoring
    /// case and separators: `ViewingAsBanner`, `partials/viewing_as.html`,
    /// `acting-as-bar`.
    fn is_indicator_name(&self, name: &str) -> bool {
        let name = squash(name);
        self.indicators.iter().any(|word| {
            let word = squash(word);
            !word.is_empty() && name.contains(&word)
        })
    }

    /// Text with an indicator word, ignoring case, as whole words: "Viewing
    /// as Acme" counts, "reviewing assets" does not.
    fn is_indicator_text(&self, text: &str) -> bool {
        let text = text.to_ascii_lowercase();
        self.indicators.iter().any(|word| {
            text.match_indices(word.as_str()).any(|(at, found)| {
                let before = text[..at].chars().next_back();
                let after = text[at + found.len()..].chars().next();
                !before.is_some_and(char::is_alphanumeric)
                    && !after.is_some_and(char::is_alphanumeric)
            })
        })
    }

    fn is_partner_route(&self, path: &str) -> bool {
        self.partner_routes.iter().any(|prefix| {
            path == prefix
                || prefix == "/"
                || path
                    .strip_prefix(prefix.as_str())
                    .is_some_and(|rest| rest.starts_with('/'))
        })
    }

    fn partner_routes_rendering<'a>(
        &'a self,
        pages: &'a Pages,
        rendered: &'a Rendered,
    ) -> impl Iterator<Item = &'a Route> + 'a {
        pages
            .routes_rendering(rendered)
            .filter(move |route| self.is_partner_route(&route.path))
    }

    fn component(
        &self,
        cx: &Context<'_>,
        file: FileId,
        component: &ComponentFact,
    ) -> Option<Diagnostic> {
        let pages = &cx.model.pages;
        let rendered = Rendered::Component(component.name.clone());
        let name = &component.name;
        for route in self
            .partner_routes_rendering(pages, &rendered)
            .filter(|route| names_component(cx, route, file, component))
        {
            let mut search = Search::new(self, cx);
            if search.component(name) || route.layouts.iter().any(|layout| search.component(layout))
            {
                continue;
            }
            let reason = route_reason(cx.workspace, route);
            let mut diagnostic = self.finding(file, component, &reason);
            if route.file == file {
                diagnostic = diagnostic.with_label(
                    Location {
                        file,
                        span: route.span,
                    },
                    "partner route",
                );
            }
            return Some(diagnostic);
        }
        if !pages.users_of(name).is_empty() {
            // A child: the page that renders it is checked.
            return None;
        }
        let reason = self.partner_prop_reason(cx, name)?;
        if Search::new(self, cx).component(name) {
            return None;
        }
        Some(self.finding(file, component, &reason))
    }

    fn finding(&self, file: FileId, component: &ComponentFact, reason: &str) -> Diagnostic {
        Diagnostic::new(
            format!(
                "page `{}` is rendered in partner \"acting as\" context ({reason}) but shows no context indicator in the page, its layout or what it includes",
                component.name
            ),
            Location {
                file,
                span: component.fn_name_span,
            },
        )
        .with_primary_label("no \"Viewing as\" indicator on this page")
        .with_help(HELP)
    }

    /// Why a component that no other component renders is a partner page:
    /// it, or a component it renders (transitively), takes partner context.
    fn partner_prop_reason(&self, cx: &Context<'_>, name: &str) -> Option<String> {
        let pages = &cx.model.pages;
        let mut seen = HashSet::new();
        let mut queue = vec![name.to_string()];
        while let Some(current) = queue.pop() {
            if !seen.insert(current.clone()) || seen.len() > MAX_VISITS {
                continue;
            }
            for &(file, index) in pages.components_named(&current) {
                let facts = cx.workspace.file(file);
                let Some(component) = facts.views.components.get(index) else {
                    continue;
                };
                if let Some(param) = partner_param(cx, file, component) {
                    return Some(if current == name {
                        format!("it takes partner context `{param}`")
                    } else {
                        format!("it renders `{current}`, which takes partner context `{param}`")
                    });
                }
                for view in views_of(facts, component) {
                    for element in view.elements.iter().filter(|e| e.is_component()) {
                        queue.push(element.name.clone());
                    }
                }
            }
        }
        None
    }

    fn template_struct(
        &self,
        cx: &Context<'_>,
        file: FileId,
        index: usize,
        template: &TemplateStruct,
    ) -> Option<Diagnostic> {
        let pages = &cx.model.pages;
        let rendered = Rendered::TemplateStruct(file, index);
        let reason = self.template_reason(cx, &rendered).or_else(|| {
            let def = cx
                .workspace
                .file(file)
                .types
                .iter()
                .find(|ty| ty.name == template.name && ty.kind == TypeKind::Struct)?;
            let field = def
                .fields
                .iter()
                .find(|field| is_context_type(&field.ty, &cx.model.context_types))?;
            Some(format!(
                "it has partner context field `{}`",
                field.name.as_deref().unwrap_or("0")
            ))
        })?;
        let mut search = Search::new(self, cx);
        let shown = match (&template.source, &template.path) {
            (Some(source), _) => search.template_text(source, file),
            (None, Some(path)) => {
                // A template that is not in the workspace is unknown: not flagged.
                let resolved = pages.resolve_template(cx.workspace, path, file)?;
                search.template_file(resolved)
            }
            (None, None) => return None,
        };
        if shown {
            return None;
        }
        let what = template
            .path
            .as_ref()
            .map_or_else(String::new, |path| format!(" (`{path}`)"));
        Some(
            Diagnostic::new(
                format!(
                    "template `{}`{what} is rendered in partner \"acting as\" context ({reason}) but shows no context indicator in the page, its layout or what it includes",
                    template.name
                ),
                Location {
                    file,
                    span: template.name_span,
                },
            )
            .with_primary_label("no \"Viewing as\" indicator on this page")
            .with_help(HELP),
        )
    }

    fn template_file(&self, cx: &Context<'_>, file: FileId) -> Option<Diagnostic> {
        let reason = self.template_reason(cx, &Rendered::TemplateFile(file))?;
        let mut search = Search::new(self, cx);
        if search.template_file(file) {
            return None;
        }
        let facts = cx.workspace.file(file);
        let first_line = facts.text.find('\n').unwrap_or(facts.text.len());
        Some(
            Diagnostic::new(
                format!(
                    "template `{}` is rendered in partner \"acting as\" context ({reason}) but shows no context indicator in the page, its layout or what it includes",
                    facts.path
                ),
                Location {
                    file,
                    span: Span::new(0, first_line),
                },
            )
            .with_primary_label("no \"Viewing as\" indicator in this template")
            .with_help(HELP),
        )
    }

    /// Why a template is a partner page: a partner route's handler renders it,
    /// or a partner-context function does.
    fn template_reason(&self, cx: &Context<'_>, rendered: &Rendered) -> Option<String> {
        let pages = &cx.model.pages;
        if let Some(route) = self.partner_routes_rendering(pages, rendered).next() {
            return Some(route_reason(cx.workspace, route));
        }
        let render = pages
            .context_renders
            .iter()
            .find(|render| &render.rendered == rendered)?;
        let function = cx
            .workspace
            .files
            .get(render.function.file)?
            .functions
            .get(render.function.index)?;
        Some(format!(
            "rendered by `{}` in partner context",
            crate::model::context::qualified_name(function)
        ))
    }
}

/// Lower case without separators: `Viewing_As-bar` → `viewingasbar`.
fn squash(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '_' | '-' | ' ' | '.' | '/'))
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Whether `route` can name `component` (defined in `file`). Routes name
/// components by name: a component of another crate is not what the route
/// renders when the route's own crate has one of that name, and a private
/// component of another file is not when one is visible there (`pub`, or in
/// the route's own file), as a private `Story` row next to the routed
/// `pub fn Story` of another module.
fn names_component(
    cx: &Context<'_>,
    route: &Route,
    file: FileId,
    component: &ComponentFact,
) -> bool {
    let crate_of = |of: FileId| crate_root(&cx.workspace.file(of).path);
    let candidates: Vec<(FileId, &ComponentFact)> = cx
        .model
        .pages
        .components_named(&component.name)
        .iter()
        .filter_map(|&(other, index)| {
            Some((other, cx.workspace.file(other).views.components.get(index)?))
        })
        .collect();
    let route_crate = crate_of(route.file);
    if crate_of(file) != route_crate
        && candidates
            .iter()
            .any(|&(other, _)| crate_of(other) == route_crate)
    {
        return false;
    }
    if component.public || route.file == file {
        return true;
    }
    !candidates.iter().any(|&(other, candidate)| {
        (other, candidate.fn_span) != (file, component.fn_span)
            && (candidate.public || other == route.file)
    })
}

fn route_reason(workspace: &Workspace, route: &Route) -> String {
    let handler = route.handler.and_then(|id| workspace.get_function(id));
    match handler {
        Some(function) => format!("route `{}`, handler `{}`", route.path, function.name),
        None => format!("route `{}`", route.path),
    }
}

/// The view macros in a component's body.
fn views_of<'a>(
    facts: &'a crate::index::FileFacts,
    component: &'a ComponentFact,
) -> impl Iterator<Item = &'a crate::index::views::ViewMacro> + 'a {
    facts.views.macros.iter().filter(move |view| {
        component.fn_span.start <= view.span.start && view.span.end <= component.fn_span.end
    })
}

/// A parameter of a partner context type, or of a props type with a field of one
/// (`props: &PageProps`, `cx: Scope<PageProps>`), or partner context read with
/// `use_context::<T>()`: `name: Type` for messages.
fn partner_param(cx: &Context<'_>, file: FileId, component: &ComponentFact) -> Option<String> {
    let function = cx
        .workspace
        .file(file)
        .functions
        .iter()
        .find(|function| function.name_span == component.fn_name_span)?;
    let types = &cx.model.context_types;
    for param in &function.params {
        let name = param.name.as_deref().unwrap_or("_");
        if is_context_type(&param.ty, types) {
            return Some(format!("{name}: {}", context_type_name(&param.ty, types)));
        }
        let mut props = Vec::new();
        param.ty.any(&mut |part| {
            props.extend(part.name().map(str::to_string));
            false
        });
        for props_type in props {
            for def in cx.workspace.types_named(&props_type) {
                if let Some(field) = def
                    .fields
                    .iter()
                    .find(|field| is_context_type(&field.ty, types))
                {
                    return Some(format!(
                        "{name}.{}: {}",
                        field.name.as_deref().unwrap_or("0"),
                        context_type_name(&field.ty, types)
                    ));
                }
            }
        }
    }
    // Partner context the app provides: `use_context::<PartnerSession>()`.
    if let Some((ty, _)) = component
        .context_reads
        .iter()
        .find(|(ty, _)| is_context_type(ty, types))
    {
        return Some(format!("use_context::<{}>", context_type_name(ty, types)));
    }
    None
}

/// The partner context type inside a type, for messages: `PartnerSession` in
/// `Signal<PartnerSession>`.
fn context_type_name(
    ty: &crate::index::TypeRef,
    types: &crate::model::name_patterns::Patterns,
) -> String {
    let mut found = None;
    ty.any(&mut |part| {
        found = part
            .name()
            .filter(|name| types.matches(name))
            .map(str::to_string);
        found.is_some()
    });
    found.unwrap_or_else(|| ty.name().unwrap_or("_").to_string())
}

/// One indicator search: components and templates visited once each.
struct Search<'a> {
    rule: &'a NoContextIndicator,
    cx: &'a Context<'a>,
    components: HashSet<String>,
    templates: HashSet<FileId>,
}

impl<'a> Search<'a> {
    fn new(rule: &'a NoContextIndicator, cx: &'a Context<'a>) -> Self {
        Search {
            rule,
            cx,
            components: HashSet::new(),
            templates: HashSet::new(),
        }
    }

    fn budget_left(&self) -> bool {
        self.components.len() + self.templates.len() < MAX_VISITS
    }

    /// Whether the component, or anything it renders, is or shows the indicator.
    fn component(&mut self, name: &str) -> bool {
        let workspace = self.cx.workspace;
        let mut pending = vec![name.to_string()];
        while let Some(current) = pending.pop() {
            if self.rule.is_indicator_name(&current) {
                return true;
            }
            if !self.budget_left() || !self.components.insert(current.clone()) {
                continue;
            }
            for &(file, index) in self.cx.model.pages.components_named(&current) {
                let facts = workspace.file(file);
                let Some(component) = facts.views.components.get(index) else {
                    continue;
                };
                for view in views_of(facts, component) {
                    if view
                        .texts
                        .iter()
                        .any(|text| self.rule.is_indicator_text(text))
                    {
                        return true;
                    }
                    pending.extend(
                        view.elements
                            .iter()
                            .filter(|e| e.is_component())
                            .map(|e| e.name.clone()),
                    );
                }
            }
        }
        false
    }

    fn template_file(&mut self, file: FileId) -> bool {
        let workspace = self.cx.workspace;
        match &workspace.file(file).views.template {
            Some(text) => self.template_text(text, file),
            None => false,
        }
    }

    /// Whether the template shows the indicator, itself or in what it extends,
    /// includes or imports (transitively).
    fn template_text(&mut self, text: &TemplateText, from: FileId) -> bool {
        let workspace = self.cx.workspace;
        let pages = &self.cx.model.pages;
        let mut pending: Vec<(&TemplateText, FileId)> = vec![(text, from)];
        while let Some((text, from)) = pending.pop() {
            if self.rule.is_indicator_text(&text.text)
                || text
                    .extends
                    .iter()
                    .chain(&text.includes)
                    .chain(&text.calls)
                    .any(|name| self.rule.is_indicator_name(name))
            {
                return true;
            }
            for name in text.extends.iter().chain(&text.includes) {
                let Some(file) = pages.resolve_template(workspace, name, from) else {
                    continue;
                };
                if !self.budget_left() || !self.templates.insert(file) {
                    continue;
                }
                if let Some(inner) = &workspace.file(file).views.template {
                    pending.push((inner, file));
                }
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use crate::options::OptionValue;
    use crate::testing::{check, check_with, Expect};

    #[track_caller]
    fn expect(fixture: &str) {
        Expect::rule("PS501").findings(fixture);
    }

    #[test]
    fn leptos_routes_under_partner_paths_with_and_without_a_layout() {
        expect(
            r#"
//- src/app.rs
#[component]
pub fn App() -> impl IntoView {
    view! {
        <Router><Routes fallback=|| "Not found">
            <Route path="/" view=Home/>
            <Route path="/settings" view=Settings/>
            <Route path="/partnership" view=Partnership/>
            <ParentRoute path=path!("/partner") view=PartnerShell>
                <Route path="tenants" view=TenantList/>
            </ParentRoute>
            <Route path="/partners/billing" view=Billing/>
            <Route path=(StaticSegment("msp"), StaticSegment("seats")) view=|| view! { <Card><Seats/></Card> }/>
        </Routes></Router>
    }
}
#[component]
fn Home() -> impl IntoView { view! { <h1>"Home"</h1> } }
#[component]
fn Settings() -> impl IntoView { view! { <h1>"Settings"</h1> } }
#[component]
fn Partnership() -> impl IntoView { view! { <h1>"Become a partner"</h1> } }
#[component]
fn PartnerShell() -> impl IntoView { view! { <header><ViewingAsBanner/></header><Outlet/> } }
#[component]
fn TenantList() -> impl IntoView { view! { <h1>"Tenants"</h1><TenantRow/> } }
#[component]
fn TenantRow() -> impl IntoView { view! { <tr>"row"</tr> } }
#[component]
fn Billing() -> impl IntoView { view! { <h1>"Billing"</h1><TenantRow/> } }
// ^^^^^^^ warn[PS501] page `Billing` is rendered in partner "acting as" context (route `/partners/billing`) but shows no context indicator in the page, its layout or what it includes
#[component]
fn Card(children: Children) -> impl IntoView { view! { <div class="card">{children()}</div> } }
#[component]
fn Seats() -> impl IntoView { view! { <h1>"Seats"</h1> } }
// ^^^^^ warn[PS501] page `Seats` is rendered in partner "acting as" context (route `/msp/seats`) but shows no context indicator in the page, its layout or what it includes
"#,
        );
    }

    #[test]
    fn without_the_layout_indicator_every_partner_page_is_flagged() {
        let source = r##"
#[component]
pub fn App() -> impl IntoView {
    view! {
        <Routes>
            <Route path="/" view=Home/>
            <ParentRoute path="/partner" view=PartnerShell>
                <Route path="tenants" view=TenantList/>
            </ParentRoute>
        </Routes>
    }
}
#[component]
fn Home() -> impl IntoView { view! { <h1>"Home"</h1> } }
#[component]
fn PartnerShell() -> impl IntoView { view! { <header><Breadcrumbs/></header><Outlet/> } }
#[component]
fn TenantList() -> impl IntoView { view! { <h1>"Tenants"</h1> } }
"##;
        let shell_shows = check_with(
            "PS501",
            &[(
                "indicators",
                OptionValue::StringList(vec!["Breadcrumbs".into()]),
            )],
            &[("src/app.rs", source)],
        );
        assert_eq!(shell_shows, Vec::<String>::new());
        assert_eq!(
            check("PS501", &[("src/app.rs", source)]),
            [
                "src/app.rs:16:4: warn[PS501] page `PartnerShell` is rendered in partner \"acting as\" context (route `/partner`) but shows no context indicator in the page, its layout or what it includes",
                "src/app.rs:18:4: warn[PS501] page `TenantList` is rendered in partner \"acting as\" context (route `/partner/tenants`) but shows no context indicator in the page, its layout or what it includes",
            ]
        );
    }

    #[test]
    fn components_taking_partner_context_and_their_children() {
        expect(
            r#"
//- src/tenant.rs
#[component]
pub fn TenantUsers(ctx: PartnerContext) -> impl IntoView {
//     ^^^^^^^^^^^ warn[PS501] page `TenantUsers` is rendered in partner "acting as" context (it takes partner context `ctx: PartnerContext`) but shows no context indicator in the page, its layout or what it includes
    view! { <h1>"Users"</h1><UserTable/> }
}
#[component]
pub fn TenantAudit(ctx: PartnerContext) -> impl IntoView {
    view! { <TenantContextBanner name=ctx.tenant_name.clone()/><AuditLog ctx=ctx/> }
}
#[component]
fn AuditLog(ctx: PartnerContext) -> impl IntoView { view! { <ul>"log"</ul> } }
#[component]
pub fn Overview() -> impl IntoView {
//     ^^^^^^^^ warn[PS501] page `Overview` is rendered in partner "acting as" context (it renders `QuotaPanel`, which takes partner context `session: PartnerSession`) but shows no context indicator in the page, its layout or what it includes
    view! { <Card><QuotaPanel session=session/></Card> }
}
#[component]
fn QuotaPanel(#[prop(into)] session: Signal<PartnerSession>) -> impl IntoView {
    view! { <p>"quota"</p> }
}
#[component]
fn Card(children: Children) -> impl IntoView { view! { <div>{children()}</div> } }
#[component]
pub fn Profile(user: User) -> impl IntoView { view! { <p>"me"</p> } }
#[component]
pub fn Switcher(ctx: PartnerContext) -> impl IntoView {
    view! { <p>"You are viewing as " {ctx.tenant_name}</p> }
}
#[component]
pub fn Devices() -> impl IntoView {
//     ^^^^^^^ warn[PS501] page `Devices` is rendered in partner "acting as" context (it takes partner context `use_context::<PartnerSession>`) but shows no context indicator in the page, its layout or what it includes
    let session = expect_context::<PartnerSession>();
    let theme = use_context::<Theme>();
    view! { <h1>"Devices"</h1> }
}
#[component]
pub fn Themed() -> impl IntoView {
    let theme = use_context::<Theme>();
    view! { <h1>"Theme"</h1> }
}
"#,
        );
    }

    #[test]
    fn yew_routes_switch_arms_and_props() {
        expect(
            r#"
//- src/routes.rs
#[derive(Clone, Routable, PartialEq)]
enum Route {
    #[at("/")]
    Home,
    #[at("/msp/tenants")]
    MspTenants,
    #[at("/msp/tenants/:id")]
    MspTenant { id: String },
}
fn switch(route: Route) -> Html {
    match route {
        Route::Home => html! { <HomePage/> },
        Route::MspTenants => html! { <MspLayout><TenantsPage/></MspLayout> },
        Route::MspTenant { id } => html! { <TenantPage id={id}/> },
    }
}
#[function_component(HomePage)]
fn home_page() -> Html { html! { <h1>{ "Home" }</h1> } }
#[function_component]
fn MspLayout(props: &LayoutProps) -> Html {
    html! { <><div class="banner">{ "Viewing as " }{ &props.tenant }</div>{ props.children.clone() }</> }
}
#[function_component(TenantsPage)]
fn tenants_page() -> Html { html! { <h1>{ "Tenants" }</h1> } }
#[function_component(TenantPage)]
fn tenant_page(props: &TenantProps) -> Html { html! { <h1>{ "Tenant" }</h1> } }
// ^^^^^^^^^^^ warn[PS501] page `TenantPage` is rendered in partner "acting as" context (route `/msp/tenants/:id`) but shows no context indicator in the page, its layout or what it includes
#[derive(Properties, PartialEq)]
struct BillingProps { ctx: PartnerClaims }
#[function_component(BillingPage)]
fn billing_page(props: &BillingProps) -> Html { html! { <p>{ "Billing" }</p> } }
// ^^^^^^^^^^^^ warn[PS501] page `BillingPage` is rendered in partner "acting as" context (it takes partner context `props.ctx: PartnerClaims`) but shows no context indicator in the page, its layout or what it includes
"#,
        );
    }

    #[test]
    fn dioxus_routes_nests_and_layouts() {
        expect(
            r#"
//- src/main.rs
#[derive(Routable, Clone, PartialEq)]
enum Route {
    #[route("/")]
    Home {},
    #[nest("/partners/:pid")]
        #[layout(PartnerShell)]
            #[route("/tenants")]
            Tenants { pid: String },
        #[end_layout]
        #[route("/reports")]
        Reports { pid: String },
    #[end_nest]
    #[route("/:..route")]
    NotFound { route: Vec<String> },
}
#[component]
fn PartnerShell() -> Element { rsx! { div { ActingAsBar {} Outlet::<Route> {} } } }
#[component]
fn Tenants(pid: String) -> Element { rsx! { h1 { "Tenants" } } }
fn Reports(pid: String) -> Element { rsx! { h1 { "Reports for {pid}" } } }
// ^^^^^^^ warn[PS501] page `Reports` is rendered in partner "acting as" context (route `/partners/:pid/reports`) but shows no context indicator in the page, its layout or what it includes
fn Home() -> Element { rsx! { "home" } }
#[component]
fn NotFound(route: Vec<String>) -> Element { rsx! { "missing" } }
"#,
        );
    }

    #[test]
    fn handlers_rendering_views_and_dioxus_routes_naming_a_component() {
        expect(
            r#"
//- src/server.rs
pub fn router() -> Router {
    Router::new()
        .route("/partner/seats", get(seats))
        .route("/partner/plans", get(plans))
        .route("/status", get(status))
}
async fn seats() -> Html<String> {
    Html(render_to_string(|| view! { <PartnerFrame><SeatTable/></PartnerFrame> }))
}
async fn plans() -> Html<String> {
    Html(render_to_string(|| view! { <PlanTable/> }))
}
async fn status() -> Html<String> {
    Html(render_to_string(|| view! { <StatusTable/> }))
}
#[component]
fn PartnerFrame(children: Children) -> impl IntoView {
    view! { <TenantContextBanner/>{children()} }
}
#[component]
fn SeatTable() -> impl IntoView { view! { <table></table> } }
#[component]
fn PlanTable() -> impl IntoView { view! { <table></table> } }
// ^^^^^^^^^ warn[PS501] page `PlanTable` is rendered in partner "acting as" context (route `/partner/plans`, handler `plans`) but shows no context indicator in the page, its layout or what it includes
#[component]
fn StatusTable() -> impl IntoView { view! { <table></table> } }
//- src/routes.rs
#[derive(Routable, Clone, PartialEq)]
enum Route {
    #[route("/msp/devices", DeviceList)]
    Devices {},
    #[route("/msp/alerts", AlertList)]
    Alerts {},
}
#[component]
fn DeviceList() -> Element { rsx! { ActingAsHeader {} ul {} } }
#[component]
fn AlertList() -> Element { rsx! { ul { "alerts" } } }
// ^^^^^^^^^ warn[PS501] page `AlertList` is rendered in partner "acting as" context (route `/msp/alerts`) but shows no context indicator in the page, its layout or what it includes
"#,
        );
    }

    const PARTNER_LAYOUT: &str = r##"<html><body>{% include "partials/viewing_as.html" %}{% block content %}{% endblock %}</body></html>"##;

    #[test]
    fn askama_template_structs_follow_extends_and_includes() {
        let findings = check(
            "PS501",
            &[
                ("portal/templates/layouts/partner.html", PARTNER_LAYOUT),
                (
                    "portal/templates/partials/viewing_as.html",
                    "<div class=\"ctx\">{{ tenant_name }}</div>",
                ),
                (
                    "portal/templates/layouts/base.html",
                    "<html>{% block content %}{% endblock %}</html>",
                ),
                (
                    "portal/templates/partner/dashboard.html",
                    r##"{% extends "layouts/partner.html" %}{% block content %}<h1>Dashboard</h1>{% endblock %}"##,
                ),
                (
                    "portal/templates/partner/users.html",
                    r##"{% extends "layouts/base.html" %}
{# Viewing as: TODO #}
{% block content %}<h1>Users</h1>{% endblock %}"##,
                ),
                ("portal/templates/settings.html", "<h1>Settings</h1>"),
                (
                    "portal/src/web.rs",
                    r##"
#[derive(Template)]
#[template(path = "partner/dashboard.html")]
struct DashboardPage { tenant_name: String }
#[derive(Template)]
#[template(path = "partner/users.html")]
struct UsersPage { users: Vec<String> }
#[derive(Template)]
#[template(source = "<p>Quota for {{ tenant }}</p>", ext = "html")]
struct QuotaPage { tenant: String }
#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {}
#[derive(Template)]
#[template(source = "<h2>Seats</h2>", ext = "html")]
struct SeatsPanel { session: PartnerSession }
#[derive(Template)]
#[template(source = "{% include \"partials/viewing_as.html\" %}<h2>Plan</h2>", ext = "html")]
struct PlanPage { session: PartnerSession }
pub fn router() -> Router {
    Router::new()
        .route("/partner/dashboard", get(dashboard))
        .route("/partner/users", get(users).post(users))
        .route("/msp/quota", get(quota))
        .route("/settings", get(settings))
}
async fn dashboard() -> impl IntoResponse { DashboardPage { tenant_name: String::new() } }
async fn users() -> impl IntoResponse {
    let page = UsersPage { users: vec![] };
    Html(page.render().unwrap())
}
async fn quota() -> QuotaPage { QuotaPage { tenant: "x".into() } }
async fn settings() -> SettingsPage { SettingsPage {} }
"##,
                ),
            ],
        );
        assert_eq!(
            findings,
            [
                "portal/src/web.rs:7:8: warn[PS501] template `UsersPage` (`partner/users.html`) is rendered in partner \"acting as\" context (route `/partner/users`, handler `users`) but shows no context indicator in the page, its layout or what it includes",
                "portal/src/web.rs:10:8: warn[PS501] template `QuotaPage` is rendered in partner \"acting as\" context (route `/msp/quota`, handler `quota`) but shows no context indicator in the page, its layout or what it includes",
                "portal/src/web.rs:16:8: warn[PS501] template `SeatsPanel` is rendered in partner \"acting as\" context (it has partner context field `session`) but shows no context indicator in the page, its layout or what it includes",
            ]
        );
    }

    #[test]
    fn template_paths_resolve_within_the_crate_that_names_them() {
        let handler = |name: &str| {
            format!(
                r##"
#[derive(Template)]
#[template(path = "partner/home.html")]
struct HomePage {{ tenant: String }}
fn routes() -> Router {{ Router::new().route("/partner/{name}", get(home)) }}
async fn home() -> HomePage {{ HomePage {{ tenant: String::new() }} }}
"##
            )
        };
        let (admin, portal) = (handler("admin"), handler("portal"));
        let findings = check(
            "PS501",
            &[
                (
                    "admin/templates/partner/home.html",
                    "<p>Viewing as {{ tenant }}</p>",
                ),
                ("admin/src/lib.rs", &admin),
                ("portal/templates/partner/home.html", "<p>{{ tenant }}</p>"),
                ("portal/src/lib.rs", &portal),
            ],
        );
        assert_eq!(
            findings,
            ["portal/src/lib.rs:4:8: warn[PS501] template `HomePage` (`partner/home.html`) is rendered in partner \"acting as\" context (route `/partner/portal`, handler `home`) but shows no context indicator in the page, its layout or what it includes"]
        );
    }

    #[test]
    fn templates_loaded_by_name_through_nested_routers_and_partner_handlers() {
        expect(
            r#"
//- app/templates/partner/tenants.html
<h1>Tenants</h1>
//@1 warn[PS501] template `app/templates/partner/tenants.html` is rendered in partner "acting as" context (route `/partner/tenants`, handler `tenants`) but shows no context indicator in the page, its layout or what it includes
<table></table>
//- app/templates/partner/quotas.j2
{% import "macros.j2" as m %}{{ m.viewing_as(tenant) }}<h1>Quotas</h1>
//- app/templates/macros.j2
{% macro viewing_as(t) %}{{ t }}{% endmacro %}
//- app/templates/public/home.html
<h1>Home</h1>
//- app/templates/partner/audit.tera
{% extends "partner/base.tera" %}{% block body %}Audit{% endblock %}
//- app/templates/partner/base.tera
<header>Viewing as {{ tenant }}</header>{% block body %}{% endblock %}
//- app/templates/partner/reports.html
<h1>Reports</h1>
//@1 warn[PS501] template `app/templates/partner/reports.html` is rendered in partner "acting as" context (rendered by `reports` in partner context) but shows no context indicator in the page, its layout or what it includes
//- app/src/main.rs
fn app() -> Router {
    Router::new().nest("/partner", partner_routes()).route("/", get(home))
}
fn partner_routes() -> Router {
    Router::new().route("/tenants", get(tenants)).route("/quotas", get(quotas))
}
async fn tenants(State(env): State<Environment<'static>>) -> Html<String> {
    let tmpl = env.get_template("partner/tenants.html").unwrap();
    Html(tmpl.render(context! {}).unwrap())
}
const QUOTAS: &str = "partner/quotas.j2";
async fn quotas(State(env): State<Environment<'static>>) -> Html<String> {
    Html(env.get_template(QUOTAS).unwrap().render(()).unwrap())
}
async fn home(State(tera): State<Tera>) -> Html<String> {
    Html(tera.render("public/home.html", &Context::new()).unwrap())
}
async fn audit(session: PartnerSession, State(tera): State<Tera>) -> Html<String> {
    Html(tera.render("partner/audit.tera", &Context::new()).unwrap())
}
async fn reports(session: PartnerSession, State(tera): State<Tera>) -> Html<String> {
    Html(tera.render("partner/reports.html", &Context::new()).unwrap())
}
"#,
        );
    }

    #[test]
    fn cycles_end_and_options_apply() {
        let files: &[(&str, &str)] = &[
            ("web/templates/a.html", r##"{% extends "b.html" %}"##),
            ("web/templates/b.html", r##"{% include "a.html" %}"##),
            (
                "web/src/lib.rs",
                r##"
fn routes() -> Router { Router::new().route("/portal/a", get(a)) }
async fn a(State(env): State<Env>) -> String { env.get_template("a.html").unwrap().render(()).unwrap() }
#[component]
fn App() -> impl IntoView { view! { <Routes><Route path="/partner/loop" view=First/></Routes> } }
#[component]
fn First() -> impl IntoView { view! { <Second/> } }
#[component]
fn Second() -> impl IntoView { view! { <First/><CustomerBadge/> } }
"##,
            ),
        ];
        assert_eq!(
            check("PS501", files),
            ["web/src/lib.rs:7:4: warn[PS501] page `First` is rendered in partner \"acting as\" context (route `/partner/loop`) but shows no context indicator in the page, its layout or what it includes"]
        );
        let configured = check_with(
            "PS501",
            &[
                (
                    "indicators",
                    OptionValue::StringList(vec!["CustomerBadge".into()]),
                ),
                (
                    "partner_routes",
                    OptionValue::StringList(vec!["/portal".into(), "/partner".into()]),
                ),
            ],
            files,
        );
        assert_eq!(
            configured,
            ["web/templates/a.html:1:1: warn[PS501] template `web/templates/a.html` is rendered in partner \"acting as\" context (route `/portal/a`, handler `a`) but shows no context indicator in the page, its layout or what it includes"]
        );
    }

    #[test]
    fn actix_and_rocket_route_attributes() {
        expect(
            r#"
//- svc/templates/msp/clients.html
<h1>Clients</h1>
//- svc/templates/msp/invoices.html
{% include "shared/acting_as_bar.html" %}<h1>Invoices</h1>
//- svc/src/handlers.rs
#[derive(Template)]
#[template(path = "msp/clients.html")]
struct ClientsPage;
//     ^^^^^^^^^^^ warn[PS501] template `ClientsPage` (`msp/clients.html`) is rendered in partner "acting as" context (route `/msp/clients`, handler `clients`) but shows no context indicator in the page, its layout or what it includes
#[derive(Template)]
#[template(path = "msp/invoices.html")]
struct InvoicesPage { total: u64 }
#[get("/msp/clients")]
async fn clients() -> ClientsPage { ClientsPage }
#[get("/msp/invoices")]
async fn invoices() -> impl Responder { InvoicesPage { total: 0 } }
"#,
        );
    }

    #[test]
    fn indicator_words_in_names_and_text() {
        let rule = super::NoContextIndicator {
            indicators: ["ViewingAs", "ActingAs", "viewing_as", "Viewing as"]
                .iter()
                .map(|word| word.to_ascii_lowercase())
                .collect(),
            partner_routes: vec!["/partner".into()],
        };
        for name in [
            "ViewingAsBanner",
            "partials/acting_as_bar.html",
            "viewing-as",
            "m::viewing_as",
        ] {
            assert!(rule.is_indicator_name(name), "{name}");
        }
        for name in ["TenantBanner", "partials/view.html", "ActAs"] {
            assert!(!rule.is_indicator_name(name), "{name}");
        }
        for text in [
            "Viewing as Acme",
            "You are viewing as: {tenant}",
            "(viewing as)",
        ] {
            assert!(rule.is_indicator_text(text), "{text}");
        }
        for text in ["reviewing assets", "Viewing assets", "viewing", ""] {
            assert!(!rule.is_indicator_text(text), "{text}");
        }
        assert!(rule.is_partner_route("/partner"));
        assert!(rule.is_partner_route("/partner/tenants/:id"));
        assert!(!rule.is_partner_route("/partnership"));
        assert!(!rule.is_partner_route("/api/partner"));
    }

    #[test]
    fn hostile_views_and_templates_do_not_panic() {
        let findings = check(
            "PS501",
            &[
                ("t/templates/x.html", "{% extends \"x.html\" %}{{ {% {# é"),
                (
                    "t/src/lib.rs",
                    r##"
#[component]
fn P(ctx: PartnerContext) -> impl IntoView { view! { < / > <A b= /> </Unclosed> <C<T>/> {<} "é" } }
fn r() { Router::new().route("/partner/x", get(h)); }
fn h() { env.get_template("x.html"); view! { <Route path= view= /> } }
"##,
                ),
            ],
        );
        assert!(findings.iter().all(|f| f.contains("PS501")), "{findings:?}");
        // Thousands of unclosed tags, then as many closing tags: linear work.
        let tags = format!(
            "#[component]\nfn P(ctx: PartnerContext) -> impl IntoView {{ view! {{ {} {} }} }}",
            "<div>".repeat(20_000),
            "</span>".repeat(20_000)
        );
        let started = std::time::Instant::now();
        let findings = check("PS501", &[("t/src/tags.rs", &tags)]);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
    }

    #[test]
    fn a_private_namesake_in_another_module_is_not_the_routed_page() {
        // The route names the `pub` page of `tenant.rs`; the private component
        // of the same name in `tenants.rs` is a child of the list, not a page.
        let files = &[
            (
                "web/src/lib.rs",
                r##"mod tenant;
mod tenants;
use tenant::*;
use tenants::*;
#[component]
pub fn App() -> impl IntoView {
    view! { <Routes><Route path="/partner/tenants" view=TenantList/><Route path="/partner/tenant/:id" view=Tenant/></Routes> }
}
"##,
            ),
            (
                "web/src/tenants.rs",
                r##"#[component]
pub fn TenantList() -> impl IntoView { view! { <ViewingAsBanner/><Tenant name="a"/> } }
#[component]
fn Tenant(name: &'static str) -> impl IntoView { view! { <li>{name}</li> } }
"##,
            ),
            (
                "web/src/tenant.rs",
                r##"#[component]
pub fn Tenant() -> impl IntoView { view! { <h1>"Tenant"</h1> } }
"##,
            ),
        ];
        assert_eq!(
            check("PS501", files),
            ["web/src/tenant.rs:2:8: warn[PS501] page `Tenant` is rendered in partner \"acting as\" context (route `/partner/tenant/:id`) but shows no context indicator in the page, its layout or what it includes"]
        );
    }

    #[test]
    fn a_route_renders_its_own_crates_component() {
        // Two crates each have a `Home`; the partner route of `admin` renders
        // its own, not the one of `shop`, which no partner route renders.
        let files = &[
            (
                "admin/src/lib.rs",
                r##"#[component]
pub fn App() -> impl IntoView { view! { <Routes><Route path="/partner" view=Home/></Routes> } }
#[component]
pub fn Home() -> impl IntoView { view! { <h1>"Partner home"</h1> } }
"##,
            ),
            (
                "shop/src/lib.rs",
                r##"#[component]
pub fn Home() -> impl IntoView { view! { <h1>"Shop"</h1> } }
"##,
            ),
        ];
        assert_eq!(
            check("PS501", files),
            ["admin/src/lib.rs:4:8: warn[PS501] page `Home` is rendered in partner \"acting as\" context (route `/partner`) but shows no context indicator in the page, its layout or what it includes"]
        );
    }
}
