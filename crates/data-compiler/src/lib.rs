//! ampbase-data-compiler
