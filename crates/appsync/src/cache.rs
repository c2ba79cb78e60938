//! Parsed documents by query text: the client sends the same few documents again and again.

use std::collections::HashMap;
use std::sync::RwLock;

use async_graphql::ServerError;
use async_graphql::parser::types::ExecutableDocument;

/// Documents longer than this are parsed every time rather than cached.
const MAX_CACHED_QUERY: usize = 16 * 1024;

pub(crate) struct DocCache {
    capacity: usize,
    docs: RwLock<HashMap<Box<str>, ExecutableDocument>>,
}

impl DocCache {
    pub fn new(capacity: usize) -> Self {
        DocCache { capacity, docs: RwLock::new(HashMap::new()) }
    }

    pub fn get_or_parse(&self, query: &str, max_nesting: usize) -> Result<ExecutableDocument, ServerError> {
        if let Some(doc) = self.docs.read().unwrap_or_else(|e| e.into_inner()).get(query) {
            return Ok(doc.clone());
        }
        check_nesting(query, max_nesting)?;
        let doc = async_graphql::parser::parse_query(query).map_err(|e| {
            let mut err: ServerError = e.into();
            err.message = format!("Invalid Syntax : {}", err.message.lines().next().unwrap_or("").trim());
            err
        })?;
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
