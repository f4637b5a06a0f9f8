//! Progress bars on stderr for pulling and converting, all hidden by `--no-progress`.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Makes the bars of one `pull` or `import`.
pub struct Bars {
    shown: bool,
}

impl Bars {
    pub fn new(shown: bool) -> Self {
        Self { shown }
    }

    fn bar(&self, len: Option<u64>, template: &str, message: String) -> ProgressBar {
        if !self.shown {
            return ProgressBar::hidden();
        }
        let bar = match len {
            Some(n) => ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::stderr()),
            None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
        };
        bar.set_style(
            ProgressStyle::with_template(template)
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_message(message);
        bar
    }

    /// A spinner for a step whose size is unknown (a `pip download`).
    pub fn spinner(&self, message: String) -> ProgressBar {
        let bar = self.bar(None, "{spinner} {msg} ({elapsed})", message);
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    }

    /// A bar counting bytes.
    pub fn bytes(&self, total: u64, message: String) -> ProgressBar {
        self.bar(
            Some(total),
            "{msg} [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, eta {eta})",
            message,
        )
    }

    /// A bar counting tensors.
    pub fn tensors(&self, message: String) -> ProgressBar {
        self.bar(
            Some(0),
            "{msg} [{bar:40}] {pos}/{len} tensors ({elapsed}, eta {eta})",
            message,
        )
    }

    /// A line of status on stderr, shown even without bars: it says where files come from.
    pub fn note(&self, line: &str) {
        eprintln!("{line}");
    }
}
