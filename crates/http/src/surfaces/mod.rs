//! One module per public API surface. Each keeps its own field names and shapes and maps them
//! onto the shared domain.

pub mod b2core;
pub mod cl2c;
pub mod customer_area;
pub mod tss;
