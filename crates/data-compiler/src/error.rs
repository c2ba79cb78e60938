//! Schema errors, worded like the official Amplify GraphQL transformer's where it reports the
//! same problem, so that messages users find in the Amplify docs and issues still apply.

/// An error in the data schema or its authorization configuration.
///
/// Every variant carries the model (or type) and, where it applies, the field it is about, so
/// callers can point the user at the right line of their definition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompileError {
    /// The SDL is not valid GraphQL.
    #[error("syntax error in data schema document {document}: {message}")]
    Syntax { document: usize, message: String },

    /// A directive is used in a way the transformer rejects (`InvalidDirectiveError`).
    #[error("{message}")]
    InvalidDirective {
        type_name: String,
        field_name: Option<String>,
        message: String,
    },

    /// A field refers to a type that no document defines.
    #[error("Unknown type \"{type_name}\" referenced by {owner}.{field_name}.")]
    UnknownType {
        owner: String,
        field_name: String,
        type_name: String,
    },

    /// The schema is structurally invalid (duplicate types, reserved names, ...).
    #[error("{message}")]
    InvalidSchema {
        type_name: String,
        field_name: Option<String>,
        message: String,
    },

    /// The authorization modes handed over by `defineData` are inconsistent.
    #[error("{0}")]
    AuthorizationModes(String),
}

impl CompileError {
    pub(crate) fn directive(type_name: &str, field_name: Option<&str>, message: impl Into<String>) -> Self {
        CompileError::InvalidDirective {
            type_name: type_name.to_string(),
            field_name: field_name.map(str::to_string),
            message: message.into(),
        }
    }

    pub(crate) fn schema(type_name: &str, field_name: Option<&str>, message: impl Into<String>) -> Self {
        CompileError::InvalidSchema {
            type_name: type_name.to_string(),
            field_name: field_name.map(str::to_string),
            message: message.into(),
        }
    }

    /// The type the error is about, when there is one.
    pub fn type_name(&self) -> Option<&str> {
        match self {
            CompileError::InvalidDirective { type_name, .. } | CompileError::InvalidSchema { type_name, .. } => {
                Some(type_name)
            }
            CompileError::UnknownType { owner, .. } => Some(owner),
            _ => None,
        }
    }

    /// The field the error is about, when there is one.
    pub fn field_name(&self) -> Option<&str> {
        match self {
            CompileError::InvalidDirective { field_name, .. } | CompileError::InvalidSchema { field_name, .. } => {
                field_name.as_deref()
            }
            CompileError::UnknownType { field_name, .. } => Some(field_name),
            _ => None,
        }
    }
}
