//! The Cypher layer on the shared query set (`tests/data/cypher-queries.txt`):
//! parsing, extracted facts, and the depth guard.

mod common;
mod depth_guard;
mod facts;
mod query_set;
mod semantics;
mod syntax;
