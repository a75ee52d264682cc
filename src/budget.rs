//! Admission of files into parsing by the memory parsing them may take.
//!
//! A file's syntax tree takes far more memory than its text: up to about 600 bytes per byte for
//! a file of one-character statements (`;;;…`), measured; the lint pack refuses a file whose
//! items would go beyond that. So with several threads, a few large files parsed at the same
//! time could take several times what one does. Each file is admitted only while the
//! estimates of the files being parsed, its own included, fit in [`CAPACITY`]: small files
//! (nearly all) run freely on every thread, large ones one or a few at a time, and a file
//! whose estimate alone is over the budget runs when nothing else is being parsed.
//!
//! One budget serves the whole process, so every place that indexes a file shares it by
//! calling [`index_file`] here instead of the lint pack's.

use partner_safety_lints::model::body_needs::BodyNeeds;
use partner_safety_lints::FileFacts;
use std::sync::{Arc, Condvar, Mutex, PoisonError};

/// The memory all files being parsed at once may take, by their estimates.
pub const CAPACITY: u64 = 768 * 1024 * 1024;

/// The most memory parsing and indexing a file takes per byte of its text, at worst (see the
/// module's documentation; ordinary code takes 40 to 60).
pub const BYTES_PER_BYTE: u64 = 640;

/// The estimates of the files being parsed, and a wake-up for threads waiting to start one.
pub struct MemoryBudget {
    in_use: Mutex<u64>,
    released: Condvar,
}

/// A file admitted into parsing: its estimate is given back when this is dropped.
pub struct Admission<'a> {
    budget: &'a MemoryBudget,
    estimate: u64,
}

/// The budget of this process.
static BUDGET: MemoryBudget = MemoryBudget::new();

/// Which function bodies a run parses.
pub enum Bodies {
    All,
    /// Only those these needs ask for: the workspace has no partner model, as far as its
    /// texts tell (see [`BodyNeeds`]).
    Needed(Box<BodyNeeds>),
}

impl Bodies {
    pub fn all(&self) -> bool {
        matches!(self, Bodies::All)
    }
}

/// Parses and indexes a file (see [`partner_safety_lints::index_file`]) once its estimate fits
/// in the process's budget.
pub fn index_file(relative: String, text: Arc<str>, bodies: &Bodies) -> FileFacts {
    let _admitted = BUDGET.admit(text.len());
    match bodies {
        Bodies::All => partner_safety_lints::index_file(relative, text),
        Bodies::Needed(needs) => {
            partner_safety_lints::index_file_choosing(relative, text, &|function, body, text| {
                needs.needs(function, body, text)
            })
        }
    }
}

impl MemoryBudget {
    pub const fn new() -> MemoryBudget {
        MemoryBudget {
            in_use: Mutex::new(0),
            released: Condvar::new(),
        }
    }

    /// Waits until a file of `text_len` bytes fits in the budget, and takes its share.
    pub fn admit(&self, text_len: usize) -> Admission<'_> {
        let estimate = estimate(text_len);
        let mut in_use = self.in_use.lock().unwrap_or_else(PoisonError::into_inner);
        // A file over the whole budget still runs, alone: its estimate is capped, so it fits
        // once nothing else is in.
        while *in_use + estimate > CAPACITY {
            in_use = self
                .released
                .wait(in_use)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *in_use += estimate;
        Admission {
            budget: self,
            estimate,
        }
    }
}

impl Drop for Admission<'_> {
    fn drop(&mut self) {
        let mut in_use = self
            .budget
            .in_use
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *in_use -= self.estimate;
        self.budget.released.notify_all();
    }
}

/// What parsing a file of `text_len` bytes may take, at most the whole budget.
fn estimate(text_len: usize) -> u64 {
    (text_len as u64)
        .saturating_mul(BYTES_PER_BYTE)
        .clamp(1, CAPACITY)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[test]
    fn files_are_admitted_while_their_estimates_fit() {
        let budget = MemoryBudget::new();
        let small = budget.admit(1_000);
        let other_small = budget.admit(1_000);
        assert_eq!(*budget.in_use.lock().unwrap(), 2 * 1_000 * BYTES_PER_BYTE);
        drop((small, other_small));
        assert_eq!(*budget.in_use.lock().unwrap(), 0);
        // Larger than the whole budget: capped, so it runs once alone.
        let huge = budget.admit(100 * 1024 * 1024);
        assert_eq!(*budget.in_use.lock().unwrap(), CAPACITY);
        drop(huge);
    }

    /// Four threads each parse two files of 1 MiB (640 MiB each by the estimate): never more
    /// than one at a time, and every one gets its turn.
    #[test]
    fn large_files_wait_for_each_other() {
        let budget = MemoryBudget::new();
        let parsing = AtomicU64::new(0);
        let most = AtomicU64::new(0);
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    for _ in 0..2 {
                        let _admitted = budget.admit(1024 * 1024);
                        let now = parsing.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(5));
                        parsing.fetch_sub(1, Ordering::SeqCst);
                    }
                });
            }
        });
        assert_eq!(most.load(Ordering::SeqCst), 1);
        assert_eq!(*budget.in_use.lock().unwrap(), 0);
    }
}
