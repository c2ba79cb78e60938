//! # ampbase-data-compiler
//!
//! Compiles an Amplify data schema — the directive SDL that `@aws-amplify/data-schema`'s
//! `schema.transform()` produces for Gen 2, or a Gen 1 `schema.graphql` — together with the
//! API's authorization modes into:
//!
//! 1. a [`DataModel`]: models, keys, indexes, relationships, auth rules and custom operations,
//!    the structure the data service executes against;
//! 2. the AppSync schema SDL the official Amplify GraphQL transformer generates;
//! 3. the `model_introspection` JSON of `amplify_outputs.json`.
//!
//! Pure: no I/O. The pipeline is `sdl` (parse) → `build` (data model and validation) →
//! `appsync` (schema generation) and `introspection`.

mod appsync;
mod auth_config;
mod build;
mod defaults;
mod directives;
mod error;
pub mod model;
mod pluralize;
mod sdl;

use std::collections::BTreeMap;

pub use auth_config::{ApiKeyConfig, AuthMode, AuthorizationConfig, LambdaAuthorizerConfig, OidcConfig};
pub use error::CompileError;
pub use model::DataModel;
pub use pluralize::plural;

/// What to compile.
#[derive(Debug, Clone)]
pub struct CompileInput {
    /// One or more directive SDL documents (several when the schema uses `a.combine`).
    pub sdl: Vec<String>,
    pub authorization: AuthorizationConfig,
    /// `@function(name:)` slot names (`FnEcho`) to the functions they designate.
    pub function_names: BTreeMap<String, String>,
}

/// The compiled data backend.
#[derive(Debug, Clone)]
pub struct CompiledData {
    pub model: DataModel,
    /// The AppSync schema, as the transformer's `schema.graphql` asset.
    pub appsync_sdl: String,
    /// `data.model_introspection` of `amplify_outputs.json`.
    pub model_introspection: serde_json::Value,
}

/// Compiles a data schema. Errors name the type and field they are about.
pub fn compile(input: &CompileInput) -> Result<CompiledData, CompileError> {
    let mut doc = sdl::parse_documents(&input.sdl)?;
    build::add_join_models(&mut doc)?;
    let model = build::build(&doc, &input.authorization, &input.function_names)?;
    let appsync_sdl = appsync::generate(&doc, &model, &input.authorization)?;
    let model_introspection = introspection::generate(&doc, &model);
    Ok(CompiledData { model, appsync_sdl, model_introspection })
}

mod introspection;
