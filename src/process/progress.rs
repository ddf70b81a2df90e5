//! A progress bar on stderr for reads and writes that take longer than about a
//! second; only on a terminal, never in pipes or CI logs.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long work runs before the bar appears.
pub const REVEAL_AFTER: Duration = Duration::from_secs(1);

/// A bar counting registers, hidden until [`REVEAL_AFTER`] has passed.
pub struct Bar {
    bar: ProgressBar,
}

impl Bar {
    /// Starts a bar over `total` registers. Must be called inside a tokio runtime.
    pub fn start(total: u64, verb: &'static str) -> Bar {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
        if let Ok(style) =
            ProgressStyle::with_template("{spinner} {msg} {pos}/{len} registers [{elapsed}]")
        {
            bar.set_style(style);
        }
        bar.set_message(verb);
        if std::io::stderr().is_terminal() {
            let reveal = bar.clone();
            tokio::spawn(async move {
                tokio::time::sleep(REVEAL_AFTER).await;
                if !reveal.is_finished() {
                    reveal.set_draw_target(ProgressDrawTarget::stderr());
                    reveal.enable_steady_tick(Duration::from_millis(120));
                }
            });
        }
        Bar { bar }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl crate::engine::observe::Progress for Bar {
    fn advance(&self, registers: u64) {
        self.bar.inc(registers);
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}
