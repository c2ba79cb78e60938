//! ampbase-loader
