//! The one error type of the interpreter: what went wrong, and on which
//! line of the plotting code.

use std::fmt;

/// Why plotting code did not produce a scene.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartErrorKind {
    /// The text is not valid Python.
    Syntax,
    /// Valid Python, but a statement, expression, function or keyword
    /// outside the documented subset (see the crate README).
    Unsupported,
    /// Inside the subset, but it fails the way Python or matplotlib would
    /// fail: an unknown name, a wrong type, mismatched lengths, an unknown
    /// colour.
    Runtime,
    /// An interpreter budget ran out: steps, elements, string bytes, nesting
    /// depth, code size, or drawn objects.
    Budget,
}

impl ChartErrorKind {
    /// A short lowercase name (`syntax`, `unsupported`, `runtime`, `budget`).
    pub fn name(self) -> &'static str {
        match self {
            ChartErrorKind::Syntax => "syntax",
            ChartErrorKind::Unsupported => "unsupported",
            ChartErrorKind::Runtime => "runtime",
            ChartErrorKind::Budget => "budget",
        }
    }
}

/// An error from [`crate::run`], with the 1-based line it happened on when
/// known.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartError {
    pub line: Option<u32>,
    pub kind: ChartErrorKind,
    pub message: String,
}

impl ChartError {
    pub fn new(kind: ChartErrorKind, line: Option<u32>, message: impl Into<String>) -> Self {
        ChartError {
            line,
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for ChartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(
                f,
                "line {line}: {} error: {}",
                self.kind.name(),
                self.message
            ),
            None => write!(f, "{} error: {}", self.kind.name(), self.message),
        }
    }
}

impl std::error::Error for ChartError {}
