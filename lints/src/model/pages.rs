//! Pages: which components and templates each route renders, who renders
//! what, and how templates resolve. Built once from the index's UI facts:
//! Leptos `<Route>`s, Yew `#[at]` variants with their `switch` arms, Dioxus
//! `#[route]` variants, axum `.route(path, get(handler))` (through `.nest`),
//! and what a handler renders (askama/rinja template structs, templates
//! loaded by name, view macros).

use super::callgraph::{CallGraph, FnId};
use super::context::{PartnerContext, Reason};
use super::queries::WorkspaceResolver;
use crate::diagnostic::FileId;
use crate::index::{ArgFact, Callee, FileKind, FunctionDef, Workspace};
use crate::names::Name;
use crate::source::Span;
use foldhash::{HashMap, HashMapExt as _, HashSet, HashSetExt as _};

/// Something a route or a function renders.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rendered {
    /// A component, by the name views use.
    Component(String),
    /// An askama/rinja `#[derive(Template)]` struct: its file and index in
    /// that file's template structs.
    TemplateStruct(FileId, usize),
    /// A template file loaded by name (`env.get_template("…")`, `tera.render("…", …)`).
    TemplateFile(FileId),
}

/// A route and what it renders.
#[derive(Clone, Debug)]
pub struct Route {
    pub path: String,
    pub file: FileId,
    pub span: Span,
    /// The handler, for server routes.
    pub handler: Option<FnId>,
    pub renders: Vec<Rendered>,
    /// Components wrapping what it renders (parent routes, `#[layout]`, wrappers in the arm).
    pub layouts: Vec<String>,
}

/// A partner-context entry function (by parameter type or path) and what it renders.
#[derive(Clone, Debug)]
pub struct ContextRender {
    pub function: FnId,
    pub rendered: Rendered,
}

#[derive(Debug, Default)]
pub struct Pages {
    pub routes: Vec<Route>,
    /// What each route renders → the routes rendering it.
    routes_by_rendered: HashMap<Rendered, Vec<usize>>,
    pub context_renders: Vec<ContextRender>,
    components: HashMap<String, Vec<(FileId, usize)>>,
    /// Component name → names of the components whose views use it.
    users: HashMap<String, Vec<String>>,
    template_structs: HashMap<String, Vec<(FileId, usize)>>,
    template_files: Vec<FileId>,
}

/// Method routers whose arguments are handlers.
const ROUTER_METHODS: &[&str] = &[
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "head",
    "options",
    "any",
    "on",
    "get_service",
    "post_service",
    "route_service",
    "to",
];

/// Calls whose first argument names a template (minijinja, tera, handlebars).
const TEMPLATE_LOADERS: &[&str] = &[
    "get_template",
    "render",
    "render_template",
    "render_str_template",
    "template",
];

/// Route attributes of actix-web and rocket handlers: `#[get("/partner/x")]`.
const ROUTE_ATTRIBUTES: &[&str] = &["get", "post", "put", "patch", "delete", "head", "route"];

/// How many calls deep a handler's rendering is followed.
const MAX_RENDER_DEPTH: usize = 2;
/// How many `.nest` levels route prefixes are followed.
const MAX_NEST_DEPTH: usize = 4;

impl Pages {
    pub fn build(workspace: &Workspace, graph: &CallGraph, context: &PartnerContext) -> Pages {
        let mut pages = Pages::default();
        for (file, facts) in workspace.files.iter().enumerate() {
            if facts.kind == FileKind::Template {
                pages.template_files.push(file);
            }
            for (index, component) in facts.views.components.iter().enumerate() {
                pages
                    .components
                    .entry(component.name.clone())
                    .or_default()
                    .push((file, index));
            }
            for (index, template) in facts.views.template_structs.iter().enumerate() {
                pages
                    .template_structs
                    .entry(template.name.clone())
                    .or_default()
                    .push((file, index));
            }
        }
        for (file, facts) in workspace.files.iter().enumerate() {
            for component in &facts.views.components {
                for view in facts.views.macros.iter().filter(|view| {
                    component.fn_span.start <= view.span.start
                        && view.span.end <= component.fn_span.end
                }) {
                    for element in view.elements.iter().filter(|e| e.is_component()) {
                        let users = pages.users.entry(element.name.clone()).or_default();
                        if !users.contains(&component.name) && element.name != component.name {
                            users.push(component.name.clone());
                        }
                    }
                }
            }
            pages.view_routes(workspace, file);
        }
        let resolver = WorkspaceResolver::new(workspace);
        let mut by_name: HashMap<&str, Vec<FnId>> = HashMap::new();
        for (file, facts) in workspace.files.iter().enumerate() {
            for (index, function) in facts.functions.iter().enumerate() {
                if !function.has_self {
                    by_name
                        .entry(function.name.as_str())
                        .or_default()
                        .push(FnId { file, index });
                }
            }
        }
        pages.server_routes(workspace, graph, &resolver, &by_name);
        for (index, route) in pages.routes.iter().enumerate() {
            for rendered in &route.renders {
                let routes = pages
                    .routes_by_rendered
                    .entry(rendered.clone())
                    .or_default();
                if routes.last() != Some(&index) {
                    routes.push(index);
                }
            }
        }
        for (file, facts) in workspace.files.iter().enumerate() {
            for index in 0..facts.functions.len() {
                let function = FnId { file, index };
                if matches!(
                    context.reason(function),
                    Some(Reason::Parameter(_) | Reason::Path)
                ) {
                    // Templates only: a view in a partner-context helper may be a
                    // child of a page; routed and prop-taking components are found
                    // from routes and props.
                    let (renders, _) = pages.renders(workspace, graph, &resolver, function);
                    for rendered in renders {
                        if !matches!(rendered, Rendered::Component(_)) {
                            pages
                                .context_renders
                                .push(ContextRender { function, rendered });
                        }
                    }
                }
            }
        }
        pages
    }

    /// Leptos `<Route>`s, Dioxus `#[route]` and Yew `#[at]` variants of one file.
    fn view_routes(&mut self, workspace: &Workspace, file: FileId) {
        let facts = &workspace.files[file];
        for view in &facts.views.macros {
            for route in &view.routes {
                self.routes.push(Route {
                    path: route.path.clone(),
                    file,
                    span: route.span,
                    handler: None,
                    renders: route
                        .views
                        .iter()
                        .cloned()
                        .map(Rendered::Component)
                        .collect(),
                    layouts: route.layouts.clone(),
                });
            }
        }
        for variant in &facts.views.routable_variants {
            let mut route = Route {
                path: variant.path.clone(),
                file,
                span: variant.span,
                handler: None,
                renders: Vec::new(),
                layouts: variant.layouts.clone(),
            };
            if variant.renders_variant {
                route
                    .renders
                    .push(Rendered::Component(variant.variant.clone()));
            } else {
                // Yew: the `switch` arms for this variant, anywhere in the workspace.
                for arm_facts in &workspace.files {
                    for arm in &arm_facts.views.match_arms {
                        let [.., owner, name] = arm.pattern.as_slice() else {
                            continue;
                        };
                        if *name != variant.variant
                            || (owner != variant.enum_name && owner != "Self")
                        {
                            continue;
                        }
                        for view in arm_facts.views.macros.iter().filter(|view| {
                            arm.body.start <= view.span.start && view.span.end <= arm.body.end
                        }) {
                            let leaves: Vec<&str> =
                                view.leaf_components().map(|e| e.name.as_str()).collect();
                            for element in view.elements.iter().filter(|e| e.is_component()) {
                                if leaves.contains(&element.name.as_str()) {
                                    route
                                        .renders
                                        .push(Rendered::Component(element.name.clone()));
                                } else {
                                    route.layouts.push(element.name.clone());
                                }
                            }
                        }
                    }
                }
            }
            self.routes.push(route);
        }
    }

    /// axum `.route("/partner/x", get(handler))`, with `.nest` prefixes.
    fn server_routes(
        &mut self,
        workspace: &Workspace,
        graph: &CallGraph,
        resolver: &WorkspaceResolver<'_>,
        by_name: &HashMap<&str, Vec<FnId>>,
    ) {
        let text_of = |file: FileId, arg: &crate::index::ArgFact| text_of(resolver, file, arg);
        // Prefixes a router-building function's routes get from `.nest` in its callers.
        let mut prefixes: HashMap<FnId, Vec<String>> = HashMap::new();
        let mut nests: Vec<(FnId, String, FnId)> = Vec::new();
        for (file, facts) in workspace.files.iter().enumerate() {
            for (index, function) in facts.functions.iter().enumerate() {
                let id = FnId { file, index };
                for (call_index, call) in function.calls.iter().enumerate() {
                    if call.name() != "nest" || call.args.len() != 2 {
                        continue;
                    }
                    let Some(path) = text_of(file, &call.args[0]) else {
                        continue;
                    };
                    let inner = call.args[1].span;
                    for (k, nested) in function.calls.iter().enumerate() {
                        if k != call_index && within(nested.span, inner) {
                            for &callee in graph.callees(id, k) {
                                nests.push((id, path.clone(), callee));
                            }
                        }
                    }
                }
            }
        }
        for _ in 0..MAX_NEST_DEPTH {
            let mut changed = false;
            for (outer, path, inner) in &nests {
                let outer_prefixes = prefixes
                    .get(outer)
                    .cloned()
                    .unwrap_or_else(|| vec![String::new()]);
                let entry = prefixes.entry(*inner).or_default();
                for prefix in outer_prefixes {
                    let full = format!("{prefix}/{path}");
                    if !entry.contains(&full) && entry.len() < 8 {
                        entry.push(full);
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        for (file, facts) in workspace.files.iter().enumerate() {
            for (index, function) in facts.functions.iter().enumerate() {
                let id = FnId { file, index };
                for attribute in &function.attributes {
                    let Some(path) = attribute.first_string.as_ref() else {
                        continue;
                    };
                    if !ROUTE_ATTRIBUTES.contains(&attribute.name.as_str())
                        || !path.starts_with('/')
                    {
                        continue;
                    }
                    let (renders, layouts) = self.renders(workspace, graph, resolver, id);
                    self.routes.push(Route {
                        path: crate::index::views::normalize_path(path),
                        file,
                        span: attribute.span,
                        handler: Some(id),
                        renders,
                        layouts,
                    });
                }
                let outer = prefixes
                    .get(&id)
                    .cloned()
                    .unwrap_or_else(|| vec![String::new()]);
                for (call_index, call) in function.calls.iter().enumerate() {
                    if call.name() != "route"
                        || call.args.len() != 2
                        || !matches!(call.callee, Callee::Method(_))
                    {
                        continue;
                    }
                    let Some(path) = text_of(file, &call.args[0]) else {
                        continue;
                    };
                    // `.nest("/partner", Router::new().route(…))` in the same function.
                    let inline: Vec<String> = function
                        .calls
                        .iter()
                        .enumerate()
                        .filter(|(k, nest)| {
                            *k != call_index
                                && nest.name() == "nest"
                                && nest.args.len() == 2
                                && within(call.span, nest.args[1].span)
                        })
                        .filter_map(|(_, nest)| text_of(file, &nest.args[0]))
                        .collect();
                    let handlers =
                        route_handlers(workspace, by_name, file, function, call.args[1].span);
                    for handler in handlers {
                        let (renders, layouts) = self.renders(workspace, graph, resolver, handler);
                        for prefix in &outer {
                            let full = format!("{prefix}/{}/{path}", inline.join("/"));
                            self.routes.push(Route {
                                path: crate::index::views::normalize_path(&full),
                                file,
                                span: call.name_span,
                                handler: Some(handler),
                                renders: renders.clone(),
                                layouts: layouts.clone(),
                            });
                        }
                    }
                }
            }
        }
    }

    /// What a function renders (itself and its callees, two calls deep):
    /// template structs it builds, templates it loads by name, components in
    /// its views; and the components wrapping them.
    fn renders(
        &self,
        workspace: &Workspace,
        graph: &CallGraph,
        resolver: &WorkspaceResolver<'_>,
        function: FnId,
    ) -> (Vec<Rendered>, Vec<String>) {
        let mut renders = Vec::new();
        let mut layouts = Vec::new();
        let mut seen = HashSet::new();
        let mut frontier = vec![function];
        for _ in 0..=MAX_RENDER_DEPTH {
            let mut next = Vec::new();
            for id in frontier {
                if !seen.insert(id) {
                    continue;
                }
                let Some(facts) = workspace.files.get(id.file) else {
                    continue;
                };
                let Some(def) = facts.functions.get(id.index) else {
                    continue;
                };
                self.renders_in(
                    workspace,
                    resolver,
                    id.file,
                    def,
                    &mut renders,
                    &mut layouts,
                );
                for call in 0..def.calls.len() {
                    next.extend_from_slice(graph.callees(id, call));
                }
            }
            frontier = next;
        }
        renders.sort();
        renders.dedup();
        (renders, layouts)
    }

    fn renders_in(
        &self,
        workspace: &Workspace,
        resolver: &WorkspaceResolver<'_>,
        file: FileId,
        function: &FunctionDef,
        renders: &mut Vec<Rendered>,
        layouts: &mut Vec<String>,
    ) {
        let facts = &workspace.files[file];
        // Names that may be template structs: returned (`-> DashboardPage`,
        // `-> Result<DashboardPage, E>`), built, or called through (`Page::new`).
        let mut names: Vec<String> = Vec::new();
        if let Some(returned) = &function.return_type {
            returned.any(&mut |part| {
                names.extend(part.name().map(str::to_string));
                false
            });
        }
        names.extend(
            function
                .struct_literals
                .iter()
                .map(|l| l.type_name.to_string()),
        );
        for call in &function.calls {
            if let Callee::Path(segments) = &call.callee {
                names.extend(segments.iter().rev().nth(1).map(Name::to_string));
            }
        }
        for name in &names {
            self.template_struct_from(workspace, name, file, renders);
        }
        for call in &function.calls {
            if TEMPLATE_LOADERS.contains(&call.name()) {
                let name = call
                    .args
                    .first()
                    .and_then(|arg| text_of(resolver, file, arg));
                if let Some(template) =
                    name.and_then(|name| self.resolve_template(workspace, &name, file))
                {
                    renders.push(Rendered::TemplateFile(template));
                }
            }
        }
        if facts
            .views
            .components
            .iter()
            .any(|c| c.fn_span == function.span)
        {
            // A component's own view is the component, not something it routes to.
            return;
        }
        for view in facts.views.macros.iter().filter(|view| {
            function.span.start <= view.span.start && view.span.end <= function.span.end
        }) {
            let leaves: Vec<&str> = view.leaf_components().map(|e| e.name.as_str()).collect();
            for element in view.elements.iter().filter(|e| e.is_component()) {
                if leaves.contains(&element.name.as_str()) {
                    renders.push(Rendered::Component(element.name.clone()));
                } else {
                    layouts.push(element.name.clone());
                }
            }
        }
    }

    /// The routes that render `rendered`, in declaration order.
    pub fn routes_rendering<'a>(
        &'a self,
        rendered: &Rendered,
    ) -> impl Iterator<Item = &'a Route> + 'a {
        self.routes_by_rendered
            .get(rendered)
            .into_iter()
            .flatten()
            .filter_map(|&index| self.routes.get(index))
    }

    /// The template structs a name used in `from` refers to: those of the same
    /// crate when there are any, else every one of that name.
    fn template_struct_from(
        &self,
        workspace: &Workspace,
        name: &str,
        from: FileId,
        renders: &mut Vec<Rendered>,
    ) {
        let Some(defs) = self.template_structs.get(name) else {
            return;
        };
        let here = crate_root(&workspace.files[from].path);
        let local: Vec<&(FileId, usize)> = defs
            .iter()
            .filter(|(file, _)| crate_root(&workspace.files[*file].path) == here)
            .collect();
        let chosen: Vec<&(FileId, usize)> = if local.is_empty() {
            defs.iter().collect()
        } else {
            local
        };
        renders.extend(
            chosen
                .into_iter()
                .map(|&(file, index)| Rendered::TemplateStruct(file, index)),
        );
    }

    /// Workspace components named `name`: (file, index into that file's components).
    pub fn components_named(&self, name: &str) -> &[(FileId, usize)] {
        self.components.get(name).map_or(&[], Vec::as_slice)
    }

    /// Names of the components whose views use component `name`.
    pub fn users_of(&self, name: &str) -> &[String] {
        self.users.get(name).map_or(&[], Vec::as_slice)
    }

    /// The template file `name` refers to, seen from `from`: a template file
    /// whose path ends with `/name` (or is `name`), preferring the one that
    /// shares the longest leading path with `from` (the same crate's
    /// `templates/` folder).
    pub fn resolve_template(
        &self,
        workspace: &Workspace,
        name: &str,
        from: FileId,
    ) -> Option<FileId> {
        let name = name.trim_start_matches("./").trim_start_matches('/');
        if name.is_empty() {
            return None;
        }
        let from_path = workspace
            .files
            .get(from)
            .map_or("", |facts| facts.path.as_str());
        let suffix = format!("/{name}");
        self.template_files
            .iter()
            .copied()
            .filter(|&file| {
                let path = &workspace.files[file].path;
                path == name || path.ends_with(&suffix)
            })
            .max_by_key(|&file| {
                let path = &workspace.files[file].path;
                let common = path
                    .bytes()
                    .zip(from_path.bytes())
                    .take_while(|(a, b)| a == b)
                    .count();
                // Prefer the closest; on a tie, the first file (smallest id).
                (common, std::cmp::Reverse(file))
            })
    }
}

/// The crate a file belongs to: its path up to `src/`.
/// The folder of the crate a file belongs to: the path before its `src/`.
pub fn crate_root(path: &str) -> &str {
    path.find("src/").map_or("", |at| &path[..at])
}

fn text_of(resolver: &WorkspaceResolver<'_>, file: FileId, arg: &ArgFact) -> Option<String> {
    let expr = arg.string.as_ref()?;
    crate::strings::resolve(expr, file, resolver).map(|text| text.text)
}

fn within(inner: Span, outer: Span) -> bool {
    outer.start <= inner.start && inner.end <= outer.end
}

/// Handlers named in a method router expression (`get(list).post(create)`):
/// workspace functions named by the routing calls' arguments.
fn route_handlers(
    workspace: &Workspace,
    by_name: &HashMap<&str, Vec<FnId>>,
    file: FileId,
    function: &FunctionDef,
    router: Span,
) -> Vec<FnId> {
    let mut handlers = Vec::new();
    for call in &function.calls {
        if !within(call.span, router) || !ROUTER_METHODS.contains(&call.name()) {
            continue;
        }
        for arg in &call.args {
            let Some(place) = &arg.place else { continue };
            let Some((name, qualifier)) = place.split_last() else {
                continue;
            };
            let mut found: Vec<FnId> = by_name.get(name.as_str()).cloned().unwrap_or_default();
            if !qualifier.is_empty() {
                found.retain(|fid| workspace.function(*fid).module_path.ends_with(qualifier));
            }
            // A handler named bare is in the router's crate when one is.
            let here = crate_root(&workspace.files[file].path);
            if found
                .iter()
                .any(|fid| crate_root(&workspace.files[fid.file].path) == here)
            {
                found.retain(|fid| crate_root(&workspace.files[fid.file].path) == here);
            }
            if found.len() <= super::callgraph::MAX_CANDIDATES {
                handlers.extend(found);
            }
        }
    }
    handlers.sort();
    handlers.dedup();
    handlers
}
