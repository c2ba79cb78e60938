//! Invoking a `defineFunction` handler, as any service sees it: a function name and a JSON
//! event in, the handler's JSON result (or Lambda's error) out. The functions service
//! implements [`FunctionInvoker`]; GraphQL resolvers, triggers and schedules call it.

use std::future::Future;
use std::pin::Pin;

use serde_json::Value;

/// What an invocation resolves to.
pub type InvokeFuture<'a> = Pin<Box<dyn Future<Output = Result<Value, FunctionError>> + Send + 'a>>;

/// Runs functions by name.
pub trait FunctionInvoker: Send + Sync + 'static {
    /// A synchronous (`RequestResponse`) invocation: waits for the handler's result.
    fn invoke(&self, function: &str, event: Value) -> InvokeFuture<'_>;

    /// An asynchronous (`Event`) invocation: accepted at once and run in the background
    /// (its result and errors go to the function's logs only, as in Lambda).
    fn invoke_event(&self, function: &str, event: Value) -> Result<(), FunctionError>;
}

/// Why an invocation produced no result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FunctionErrorKind {
    /// No function of that name is deployed.
    NotFound,
    /// The handler threw or returned an error (Lambda's "function error").
    Handled,
    /// The handler ran past its `timeoutSeconds`.
    Timeout,
    /// The runtime failed: the module could not be imported, the process crashed or could
    /// not be started.
    Runtime,
}

/// Lambda's error payload (`errorType`, `errorMessage`, `stackTrace`) and what caused it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionError {
    pub kind: FunctionErrorKind,
    pub error_type: String,
    pub error_message: String,
    pub stack_trace: Vec<String>,
}

impl FunctionError {
    pub fn new(
        kind: FunctionErrorKind,
        error_type: impl Into<String>,
        error_message: impl Into<String>,
    ) -> Self {
        FunctionError {
            kind,
            error_type: error_type.into(),
            error_message: error_message.into(),
            stack_trace: Vec::new(),
        }
    }

    pub fn not_found(function: &str) -> Self {
        FunctionError::new(
            FunctionErrorKind::NotFound,
            "ResourceNotFoundException",
            format!("Function not found: {function}"),
        )
    }

    /// The payload Lambda returns for a failed invocation.
    pub fn payload(&self) -> Value {
        serde_json::json!({
            "errorType": self.error_type,
            "errorMessage": self.error_message,
            "stackTrace": self.stack_trace,
        })
    }
}

impl std::fmt::Display for FunctionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.error_type, self.error_message)
    }
}

impl std::error::Error for FunctionError {}
