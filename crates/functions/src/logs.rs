//! Function logs: every line a worker prints, with the invocation it belongs to.

use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogStream {
    Stdout,
    Stderr,
}

/// One line a function printed.
#[derive(Debug, Clone, Copy)]
pub struct LogLine<'a> {
    pub function: &'a str,
    /// The invocation being served when the line was printed (none during init).
    pub request_id: Option<&'a str>,
    pub stream: LogStream,
    pub line: &'a str,
}

/// Where log lines go (the sandbox's terminal, a file, a test's buffer).
pub type LogSink = Arc<dyn Fn(&LogLine<'_>) + Send + Sync>;

/// Prints `[function] line` on standard error.
pub fn terminal_sink() -> LogSink {
    Arc::new(|line: &LogLine<'_>| eprintln!("[{}] {}", line.function, line.line))
}
