//! Parsed documents by query text: the client sends the same few documents again and again.
//! With each document, its validation against the schemas it was validated for
//! ([`crate::validation`]).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use async_graphql::ServerError;
use async_graphql::parser::types::ExecutableDocument;

use crate::validation::Validated;

/// Documents longer than this are parsed every time rather than cached.
const MAX_CACHED_QUERY: usize = 16 * 1024;
/// Validations kept per document (one per API and operation name).
const MAX_VALIDATIONS: usize = 8;

/// (API id, operation name, what passed).
type ValidationEntry = (u64, Option<Box<str>>, Arc<Validated>);

/// A parsed document and its validations.
pub(crate) struct CachedDoc {
    pub doc: ExecutableDocument,
    /// (API id, operation name) → the document passed validation against that API's schema.
    validations: RwLock<Vec<ValidationEntry>>,
}

impl CachedDoc {
    fn new(doc: ExecutableDocument) -> Self {
        CachedDoc { doc, validations: RwLock::new(Vec::new()) }
    }

    pub fn validated(&self, api: u64, operation: Option<&str>) -> Option<Arc<Validated>> {
        let v = self.validations.read().unwrap_or_else(|e| e.into_inner());
        v.iter().find(|(id, op, _)| *id == api && op.as_deref() == operation).map(|(_, _, v)| v.clone())
    }

    pub fn set_validated(&self, api: u64, operation: Option<&str>, validated: Validated) {
        let mut v = self.validations.write().unwrap_or_else(|e| e.into_inner());
        // Validations for APIs no longer served are dropped as newer ones arrive.
        v.retain(|(id, _, _)| *id == api);
        if v.len() >= MAX_VALIDATIONS {
            v.clear();
        }
        if !v.iter().any(|(id, op, _)| *id == api && op.as_deref() == operation) {
            v.push((api, operation.map(Into::into), Arc::new(validated)));
        }
    }
}

pub(crate) struct DocCache {
    capacity: usize,
    docs: RwLock<HashMap<Box<str>, Arc<CachedDoc>>>,
}

impl DocCache {
    pub fn new(capacity: usize) -> Self {
        DocCache { capacity, docs: RwLock::new(HashMap::new()) }
    }

    /// Whether documents (and so their validations) are kept at all.
    pub fn keeps(&self) -> bool {
        self.capacity > 0
    }

    pub fn get_or_parse(&self, query: &str, max_nesting: usize) -> Result<Arc<CachedDoc>, ServerError> {
        if let Some(doc) = self.docs.read().unwrap_or_else(|e| e.into_inner()).get(query) {
            return Ok(doc.clone());
        }
        check_nesting(query, max_nesting)?;
        let doc = async_graphql::parser::parse_query(query).map_err(|e| {
            let mut err: ServerError = e.into();
            err.message = format!("Invalid Syntax : {}", err.message.lines().next().unwrap_or("").trim());
            err
        })?;
        let doc = Arc::new(CachedDoc::new(doc));
        if self.capacity > 0 && query.len() <= MAX_CACHED_QUERY {
            let mut docs = self.docs.write().unwrap_or_else(|e| e.into_inner());
            if docs.len() >= self.capacity {
                docs.clear();
            }
            docs.insert(query.into(), doc.clone());
        }
        Ok(doc)
    }
}

/// Rejects documents nested deeper than `max` brackets before the recursive parser sees them.
fn check_nesting(query: &str, max: usize) -> Result<(), ServerError> {
    let bytes = query.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => {
                // Block string or string: skip to the closing quote.
                if bytes[i..].starts_with(b"\"\"\"") {
                    i += 3;
                    while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                        i += if bytes[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 2;
                } else {
                    i += 1;
                    while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                        i += if bytes[i] == b'\\' { 2 } else { 1 };
                    }
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > max {
                    return Err(ServerError::new(format!("Query is nested too deep (more than {max} levels)."), None));
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}
