//! What a rule is: its metadata (code, name, level, checklist item, docs, options) and
//! the check it runs over an indexed workspace with the shared model.

use crate::checklist::{ChecklistItem, Level};
use crate::diagnostic::{Diagnostic, FileId};
use crate::index::Workspace;
use crate::model::body_needs::BodyNeeds;
use crate::model::Model;
use crate::options::{OptionSpec, OptionValues};

/// Builds a rule configured with its options.
pub type BuildRule = fn(&OptionValues) -> Box<dyn Rule>;

/// Everything the tool knows about a code, rule or tool diagnostic alike.
pub struct RuleMeta {
    pub code: &'static str,
    pub name: &'static str,
    /// `None` for the tool's own diagnostics (PS0xx).
    pub checklist_item: Option<ChecklistItem>,
    pub default_level: Level,
    /// One line: what the rule flags.
    pub summary: &'static str,
    /// Markdown in fixed sections (What it does, Why is this bad?, Example,
    /// Use instead, Options, Checklist item, Fix), shown by `explain`.
    pub docs: &'static str,
    pub options: &'static [OptionSpec],
    /// Builds the configured rule; `None` for tool diagnostics.
    pub build: Option<BuildRule>,
}

impl std::fmt::Debug for RuleMeta {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleMeta")
            .field("code", &self.code)
            .field("name", &self.name)
            .finish()
    }
}

/// What a rule sees: the whole workspace index and the shared model.
pub struct Context<'a> {
    pub workspace: &'a Workspace,
    pub model: &'a Model,
}

/// A rule's check, run once per file with the whole workspace at hand, so a
/// failure can be pinned to the file it happened on and files run in
/// parallel. Rules query the index and the model; they never see files or
/// syntax trees.
pub trait Rule: Send + Sync {
    fn check_file(&self, cx: &Context<'_>, file: FileId, out: &mut Vec<Diagnostic>);

    /// What the rule reads of function bodies when the workspace has no partner model
    /// (see [`BodyNeeds`]). Nothing, for a rule that only looks at partner context.
    fn bodies_needed_without_partner_model(&self, _needs: &mut BodyNeeds) {}

    /// Whether what the run found makes the rule read bodies it did not declare in
    /// [`Rule::bodies_needed_without_partner_model`]: the callees of a guard call, the
    /// handlers of a partner route. Then the shell parses every body and runs again.
    fn needs_every_body(&self, _cx: &Context<'_>) -> bool {
        false
    }
}
