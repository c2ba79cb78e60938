//! ampbase-definition
