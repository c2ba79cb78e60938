//! The data domain: Amplify model records on a document store, with Amplify's semantics
//! (keys, defaults, validation, filters, conditions, pagination, relationships,
//! authorization rules, mutation events). No GraphQL and no HTTP here: the AppSync edge
//! speaks to it through [`DataApi`].

pub mod api;

pub use api::*;
