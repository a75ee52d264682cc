//! Findings: what a rule reports, before levels, suppressions and reporters.

use crate::checklist::{ChecklistItem, Level};
use serde::Serialize;

pub use crate::positions::{FileId, Location};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub location: Location,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Applicability {
    /// Certainly right; `--fix` applies it.
    MachineApplicable,
    /// Probably right, but a person should look.
    MaybeIncorrect,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replacement {
    pub location: Location,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub replacements: Vec<Replacement>,
    pub applicability: Applicability,
}

/// One defect found by a rule (or by the tool itself, for the PS0xx codes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub code: &'static str,
    pub name: &'static str,
    pub checklist_item: Option<ChecklistItem>,
    /// The rule's configured level; findings at `Allow` never leave the engine.
    pub level: Level,
    /// A secondary variant of a finding reported one level below its rule
    /// (PS104's `Debug` leak is a warning when the rule denies).
    pub downgraded: bool,
    pub message: String,
    pub primary: Location,
    /// A few words under the primary span in human output.
    pub primary_label: Option<String>,
    pub labels: Vec<Label>,
    pub help: Option<String>,
    pub fix: Option<Fix>,
    /// The reason of the suppression comment covering this finding, when one
    /// does; [`crate::Engine::check`] drops such findings, and
    /// [`crate::Engine::check_keeping_suppressed`] keeps them marked.
    pub suppressed: Option<String>,
}

impl Finding {
    pub fn effective_level(&self) -> Level {
        if self.downgraded {
            self.level.min(Level::Warn)
        } else {
            self.level
        }
    }
}

/// A finding as a rule builds it; the engine fills in the rule's identity and level.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub message: String,
    pub primary: Location,
    pub primary_label: Option<String>,
    pub labels: Vec<Label>,
    pub help: Option<String>,
    pub fix: Option<Fix>,
    pub downgraded: bool,
}

impl Diagnostic {
    pub fn new(message: impl Into<String>, primary: Location) -> Self {
        Diagnostic {
            message: message.into(),
            primary,
            primary_label: None,
            labels: Vec::new(),
            help: None,
            fix: None,
            downgraded: false,
        }
    }

    pub fn with_primary_label(mut self, label: impl Into<String>) -> Self {
        self.primary_label = Some(label.into());
        self
    }

    pub fn with_label(mut self, location: Location, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            location,
            message: message.into(),
        });
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    pub fn downgraded(mut self) -> Self {
        self.downgraded = true;
        self
    }
}
