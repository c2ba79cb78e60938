//! The data domain: Amplify model records on a document store, with Amplify's semantics
//! (keys, defaults, validation, filters, conditions, pagination, relationships,
//! authorization rules, mutation events). No GraphQL and no HTTP here: the AppSync edge
//! speaks to it through [`DataApi`], implemented by [`DataService`].
//!
//! Modules, each protocol-free:
//! - [`keys`]: one table per model, keyed as Amplify's DynamoDB tables (composite sort keys,
//!   a GSI per `@index`, owner indexes);
//! - [`values`]: validation of AppSync scalars, enums, custom types; defaults; timestamps;
//! - [`filter`]: `Model*FilterInput` / `Model*ConditionInput` / subscription filters;
//! - [`authz`]: the authorization engine (every rule kind, field-level rules);
//! - [`token`]: tamper-evident `nextToken`s;
//! - [`events`]: per-model fan-out of mutation events;
//! - [`service`]: [`DataService`], which puts them together.

pub mod api;
pub mod authz;
pub mod events;
pub mod filter;
pub mod keys;
pub mod service;
pub mod token;
pub mod values;

pub use api::*;
pub use authz::{FunctionAction, FunctionGrants};
pub use events::MutationEvent;
pub use service::DataService;
