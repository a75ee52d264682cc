//! Tenant records as stored in the graph.

use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct Tenant {
    pub id: String,
    pub name: String,
    pub plan: String,
}
