//! ampbase-outputs
