//! The workspace: every file's facts with the by-name lookups built once over them.

use super::*;
use crate::diagnostic::FileId;
use foldhash::{HashMap, HashMapExt as _};

/// A function of the workspace: its file and index in that file's functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FnId {
    pub file: FileId,
    pub index: usize,
}

/// The whole analysed workspace: every file's facts, with cross-file lookups.
#[derive(Debug, Default)]
pub struct Workspace {
    pub files: Vec<FileFacts>,
    /// What the compiler builds each file for, one per file (see [`modules::resolve`]);
    /// every file counts as compiled until the shell says otherwise.
    pub roles: Vec<modules::FileRole>,
    /// Modules the compiler would load from outside the workspace root: not analysed.
    pub outside_links: Vec<modules::OutsideLink>,
    types_by_name: HashMap<String, Vec<(FileId, usize)>>,
    impls_by_type: HashMap<String, Vec<(FileId, usize)>>,
    permission_lists_by_name: HashMap<String, Vec<(FileId, usize)>>,
    macro_keys_by_name: HashMap<String, Vec<(FileId, usize)>>,
    consts_by_name: HashMap<String, Vec<(FileId, usize)>>,
}

impl Workspace {
    pub fn new(files: Vec<FileFacts>) -> Self {
        let mut types_by_name: HashMap<String, Vec<(FileId, usize)>> = HashMap::new();
        let mut impls_by_type: HashMap<String, Vec<(FileId, usize)>> = HashMap::new();
        let mut permission_lists_by_name: HashMap<String, Vec<(FileId, usize)>> = HashMap::new();
        let mut macro_keys_by_name: HashMap<String, Vec<(FileId, usize)>> = HashMap::new();
        let mut consts_by_name: HashMap<String, Vec<(FileId, usize)>> = HashMap::new();
        for (file_id, file) in files.iter().enumerate() {
            for (i, constant) in file.consts.iter().enumerate() {
                consts_by_name
                    .entry(constant.name.clone())
                    .or_default()
                    .push((file_id, i));
            }
            for (i, keys) in file.macro_keys.iter().enumerate() {
                macro_keys_by_name
                    .entry(keys.name.clone())
                    .or_default()
                    .push((file_id, i));
            }
            for (i, list) in file.permission_lists.iter().enumerate() {
                permission_lists_by_name
                    .entry(list.name.clone())
                    .or_default()
                    .push((file_id, i));
            }
            for (i, ty) in file.types.iter().enumerate() {
                types_by_name
                    .entry(ty.name.clone())
                    .or_default()
                    .push((file_id, i));
            }
            for (i, imp) in file.trait_impls.iter().enumerate() {
                impls_by_type
                    .entry(imp.self_type.clone())
                    .or_default()
                    .push((file_id, i));
            }
        }
        Workspace {
            roles: vec![modules::FileRole::Compiled; files.len()],
            outside_links: Vec::new(),
            files,
            types_by_name,
            impls_by_type,
            permission_lists_by_name,
            macro_keys_by_name,
            consts_by_name,
        }
    }

    /// The workspace with the roles and outside links of its module tree.
    pub fn with_module_tree(mut self, tree: modules::ModuleTree) -> Self {
        if tree.roles.len() == self.files.len() {
            self.roles = tree.roles;
        }
        self.outside_links = tree.outside;
        self
    }

    /// Whether the code at `offset` of a file is test code (RULES.md R6): the file is
    /// reached only from test and bench targets, or the item there is test-only.
    pub fn is_test_code(&self, file: FileId, offset: u32) -> bool {
        self.role(file) == modules::FileRole::TestOnly
            || self
                .files
                .get(file)
                .is_some_and(|facts| facts.is_test_code(offset))
    }

    /// What the compiler builds a file for.
    pub fn role(&self, id: FileId) -> modules::FileRole {
        self.roles
            .get(id)
            .copied()
            .unwrap_or(modules::FileRole::Compiled)
    }

    /// `const`/`static` permission lists with this name, anywhere in the workspace.
    pub fn permission_lists_named<'a>(
        &'a self,
        name: &str,
    ) -> impl Iterator<Item = (FileId, &'a PermissionList)> + 'a {
        self.permission_lists_by_name
            .get(name)
            .into_iter()
            .flatten()
            .map(|&(file, i)| (file, &self.files[file].permission_lists[i]))
    }

    /// `macro_rules!` definitions with this name that forward keys to other field names.
    pub fn macro_keys_named<'a>(
        &'a self,
        name: &str,
    ) -> impl Iterator<Item = &'a macros::MacroKeys> + 'a {
        self.macro_keys_by_name
            .get(name)
            .into_iter()
            .flatten()
            .map(|&(file, i)| &self.files[file].macro_keys[i])
    }

    /// `const`s and `static`s with this name, anywhere in the workspace, with their files.
    pub fn consts_named<'a>(
        &'a self,
        name: &str,
    ) -> impl Iterator<Item = (FileId, &'a ConstDef)> + 'a {
        self.consts_by_name
            .get(name)
            .into_iter()
            .flatten()
            .map(|&(file, i)| (file, &self.files[file].consts[i]))
    }

    pub fn file(&self, id: FileId) -> &FileFacts {
        &self.files[id]
    }

    /// The type of the value a parameter's name holds: its declared type, or, for a
    /// name bound inside a workspace tuple struct with one field (`TenantPath(tenant_id):
    /// TenantPath` with `struct TenantPath(pub TenantId)`), that field's type. A struct of
    /// that name defined more than once is not looked through, nor a generic one
    /// (`Json(body): Json<CreateReq>` with the workspace's own `struct Json<T>(pub T)`):
    /// its type arguments already say what it holds.
    pub fn bound_type<'a>(&'a self, param: &'a functions::Param) -> &'a TypeRef {
        if !param.unwrapped || !param.ty.args().is_empty() {
            return &param.ty;
        }
        let Some(name) = param.ty.name() else {
            return &param.ty;
        };
        let mut defs = self.types_named(name);
        match (defs.next(), defs.next()) {
            (Some(def), None)
                if def.kind == TypeKind::Struct
                    && def.fields.len() == 1
                    && def.fields[0].name.is_none() =>
            {
                &def.fields[0].ty
            }
            _ => &param.ty,
        }
    }

    /// The function `id` names. Ids come from the workspace's own files, so it is there.
    pub fn function(&self, id: FnId) -> &FunctionDef {
        &self.files[id.file].functions[id.index]
    }

    /// The function `id` names, for an id that may come from elsewhere (another workspace's
    /// call graph in a test, a stale cache entry): `None` rather than a panic.
    pub fn get_function(&self, id: FnId) -> Option<&FunctionDef> {
        self.files.get(id.file)?.functions.get(id.index)
    }

    /// Type definitions with this name, anywhere in the workspace.
    pub fn types_named<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a TypeDef> + 'a {
        self.types_by_name
            .get(name)
            .into_iter()
            .flatten()
            .map(|&(file, i)| &self.files[file].types[i])
    }

    /// Type definitions with this name and the files they are in.
    pub fn type_defs_named<'a>(
        &'a self,
        name: &str,
    ) -> impl Iterator<Item = (FileId, &'a TypeDef)> + 'a {
        self.types_by_name
            .get(name)
            .into_iter()
            .flatten()
            .map(|&(file, i)| (file, &self.files[file].types[i]))
    }

    /// `impl Trait for Type` blocks for a type name, anywhere in the workspace.
    pub fn trait_impls_for<'a>(
        &'a self,
        type_name: &str,
        trait_name: &'a str,
    ) -> impl Iterator<Item = (FileId, &'a TraitImpl)> + 'a {
        self.impls_by_type
            .get(type_name)
            .into_iter()
            .flatten()
            .map(|&(file, i)| (file, &self.files[file].trait_impls[i]))
            .filter(move |(_, imp)| imp.trait_name == trait_name)
    }
}
