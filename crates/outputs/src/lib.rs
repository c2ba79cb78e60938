//! Everything ampbase writes for clients: the outputs file (`amplify_outputs.json` in the
//! local form, the Gen 2 spec versions `1`…`1.5`, the Gen 1 `amplifyconfiguration.json`,
//! Dart) and the GraphQL client code of `ampx generate graphql-client-code`.
//!
//! Pure: no I/O. The caller passes the definition, the compiled data and the context, and
//! writes the returned file contents wherever it likes.
//!
//! How each output follows the official tooling is documented on the items; the sources
//! are `@aws-amplify/client-config` 1.11 (contributors, legacy converter, formatter),
//! `@aws-amplify/auth-construct` 1.12 (`storeOutput`), `@aws-amplify/backend-storage` 1.6
//! (`StorageAccessOrchestrator`, `StorageOutputsAspect`), `@aws-amplify/core` 6.19
//! (`parseAmplifyOutputs`) and `@aws-amplify/graphql-docs-generator` 4.2 /
//! `@aws-amplify/graphql-generator` 0.5.

pub mod amplify_outputs;
pub mod client_code;
mod merge;

pub use amplify_outputs::{
    AuthType, CompiledDataOutputs, OutputsContext, OutputsFormat, OutputsVersion, RenderedOutputs,
    render, render_value,
};
pub use client_code::{
    ClientCodeFormat, ClientCodeOptions, GeneratedFile, ModelTarget, StatementTarget, TypeTarget,
    generate_client_code, generate_statements,
};

/// Why an output could not be produced. Messages say what to change.
#[derive(Debug, thiserror::Error)]
pub enum OutputsError {
    #[error(
        "More than one default storage set in the Amplify project. Remove `isDefault: true` from all `defineStorage` calls except for one."
    )]
    MultipleDefaultStorage,
    #[error(
        "No default storage set in the Amplify project. Add `isDefault: true` to one of the `defineStorage` calls."
    )]
    NoDefaultStorage,
    #[error(
        "Storage access on path `{path}`: {message} Combine all access definitions for it on that path into one access rule."
    )]
    InvalidStorageAccess { path: String, message: String },
    #[error(
        "Output entry with key `{key}` already exists. Check if `backend.addOutput` is called with values overlapping Amplify managed keys."
    )]
    OutputEntryAlreadyExists { key: String },
    #[error(
        "Conflicting versions of client configuration found ({existing} and {incoming}). Ensure that the version specified in `backend.addOutput` is consistent and is the same as the one used for generating the client config."
    )]
    VersionMismatch { existing: String, incoming: String },
    #[error("Unknown outputs version `{0}` (choices: 0, 1, 1.1, 1.2, 1.3, 1.4, 1.5, local)")]
    UnknownVersion(String),
    #[error("{0} is not supported yet")]
    Unsupported(String),
    #[error("invalid GraphQL schema: {0}")]
    Schema(String),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}
