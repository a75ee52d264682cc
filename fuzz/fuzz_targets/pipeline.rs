//! Source text in, findings out: index, model, every rule, suppressions and
//! report resolution must never panic or hang, whatever the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::mpsc::{channel, sync_channel, Sender, SyncSender};
use std::sync::{Mutex, OnceLock};

type Job = (String, SyncSender<std::thread::Result<usize>>);

/// One long-lived worker with the tool's 256 MiB stack: starting a thread
/// per input would cost more than the analysis.
fn worker() -> &'static Mutex<Sender<Job>> {
    static WORKER: OnceLock<Mutex<Sender<Job>>> = OnceLock::new();
    WORKER.get_or_init(|| {
        let (jobs, inbox) = channel::<Job>();
        std::thread::Builder::new()
            .stack_size(256 << 20)
            .spawn(move || {
                for (text, reply) in inbox {
                    let outcome = std::panic::catch_unwind(|| partner_safety_lints::testing::run_pipeline(&text));
                    let _ = reply.send(outcome);
                }
            })
            .expect("worker thread");
        Mutex::new(jobs)
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let (reply, outcome) = sync_channel(1);
    worker().lock().expect("worker").send((text, reply)).expect("worker alive");
    if let Err(panic) = outcome.recv().expect("worker replied") {
        std::panic::resume_unwind(panic);
    }
});
