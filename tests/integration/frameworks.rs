//! Partner context, responses and error leaks beyond axum: a small workspace with an
//! actix-web API, a tonic service and an async-graphql schema, each with planted
//! defects (PS103, PS104, PS303) and a clean twin beside it.

use crate::common::{short, workspace};

const WORKSPACE_MANIFEST: &str =
    "[workspace]\nmembers = [\"crates/api\", \"crates/queries\"]\nresolver = \"2\"\n";

const API_MANIFEST: &str = "[package]\nname = \"api\"\nversion = \"0.1.0\"\nedition = \"2021\"\n";

const QUERIES_MANIFEST: &str =
    "[package]\nname = \"queries\"\nversion = \"0.1.0\"\nedition = \"2021\"\n";

/// Query texts live in their own crate, as in services that share them with tools.
const QUERIES: &str = r#"pub const LIST_DEVICES: &str =
    "MATCH (p:Partner {id: $pid})-[:MANAGES]->(t:Tenant {id: $tid})-[:HAS]->(d:Device) RETURN d";
pub const SUPPORT_URL: &str = "https://support.example.com";
"#;

const LIB: &str =
    "mod errors;\nmod rest;\nmod grpc;\nmod graphql;\nmod views;\npub use errors::Error;\n";

/// `crate::Error` beside the driver's `neo4rs::Error`, and a twin with fixed messages.
const ERRORS: &str = r#"use actix_web::{HttpResponse, ResponseError};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Graph(#[from] neo4rs::Error),
    #[error("device not found")]
    NotFound,
}

impl ResponseError for Error {
    fn error_response(&self) -> HttpResponse {
        HttpResponse::InternalServerError().body(self.to_string())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PublicError {
    #[error("the device store is unavailable")]
    Store(#[from] sqlx::Error),
}

impl ResponseError for PublicError {
    fn error_response(&self) -> HttpResponse {
        HttpResponse::ServiceUnavailable().body(self.to_string())
    }
}
"#;

const VIEWS: &str = r#"use serde::Serialize;

#[derive(Serialize)]
pub struct DeviceView {
    pub email: String,
    pub api_key: String,
}

#[derive(Serialize)]
pub struct OwnDeviceView {
    pub email: String,
    pub api_key: String,
}

#[derive(Clone, PartialEq, ::prost::Message)]
pub struct ListReply {
    #[prost(string, tag = "1")]
    pub contact_phone: String,
    #[prost(string, tag = "2")]
    pub enrollment_token: String,
}

#[derive(async_graphql::SimpleObject)]
pub struct Device {
    pub owner_email: String,
    #[graphql(skip)]
    pub admin_password: String,
}
"#;

/// actix-web: partner context from a route under `/partner`, or from `web::Data<PartnerCtx>`
/// (the default `Partner*Ctx` context type) on a route outside it.
const REST: &str = r#"use actix_web::{delete, get, post, web, HttpResponse};
use queries::LIST_DEVICES;
use crate::views::{DeviceView, OwnDeviceView};

#[get("/partner/{tid}/devices")]
async fn partner_devices(tid: web::Path<TenantId>, graph: web::Data<Graph>) -> HttpResponse {
    match graph.execute(query(LIST_DEVICES)).await {
        Ok(rows) => HttpResponse::Ok().json(DeviceView { email: rows.email(), api_key: rows.key() }),
        Err(e) => HttpResponse::InternalServerError().body(format!("query {} failed", LIST_DEVICES)),
    }
}

#[post("/sync")]
async fn partner_sync(ctx: web::Data<PartnerCtx>, graph: web::Data<Graph>) -> HttpResponse {
    match sync(&graph).await {
        Ok(_) => HttpResponse::Ok().finish(),
        Err(e) => {
            let message = e.to_string();
            HttpResponse::BadGateway().body(message)
        }
    }
}

#[delete("/partner/{tid}/cache")]
async fn partner_clear_cache(ctx: web::Data<PartnerCtx>, graph: web::Data<Graph>) -> HttpResponse {
    match clear(&graph).await {
        Ok(_) => HttpResponse::Ok().finish(),
        Err(e) => {
            tracing::error!(?e, "clearing the cache failed");
            let message = "clearing the cache failed".to_string();
            HttpResponse::BadGateway().body(message)
        }
    }
}

#[get("/account/devices")]
async fn own_devices(graph: web::Data<Graph>) -> HttpResponse {
    match graph.execute(query(LIST_DEVICES)).await {
        Ok(rows) => HttpResponse::Ok().json(OwnDeviceView { email: rows.email(), api_key: rows.key() }),
        Err(e) => HttpResponse::InternalServerError().body(e.to_string()),
    }
}
"#;

/// tonic: partner context from a request extension, leaks in `Status` messages.
const GRPC: &str = r#"use tonic::{Code, Request, Response, Status};
use crate::views::ListReply;

#[tonic::async_trait]
impl DeviceService for DeviceApi {
    async fn list(&self, req: Request<ListReq>) -> Result<Response<ListReply>, Status> {
        let session = req.extensions().get::<PartnerSession>().cloned();
        let rows = self.graph.execute(query(LIST)).await.map_err(|e| Status::internal(format!("{e}")))?;
        let more = self.graph.execute(query(LIST)).await.map_err(|e| Status::new(Code::Internal, e.to_string()))?;
        let fine = self.graph.execute(query(LIST)).await.map_err(|e| {
            tracing::error!(?e, "listing devices failed");
            Status::internal("listing devices failed")
        })?;
        Ok(Response::new(ListReply { contact_phone: rows.phone(), enrollment_token: rows.token() }))
    }

    async fn own(&self, req: Request<ListReq>) -> Result<Response<OwnReply>, Status> {
        let user = req.extensions().get::<CustomerSession>().cloned();
        let rows = self.graph.execute(query(LIST)).await.map_err(|e| Status::internal(format!("{e}")))?;
        Ok(Response::new(OwnReply { rows }))
    }
}
"#;

/// async-graphql: partner context from `ctx.data::<PartnerSession>()`.
const GRAPHQL: &str = r#"use async_graphql::{Context, Error, ErrorExtensions, Object, Result};
use crate::views::Device;

pub struct Query;

#[Object]
impl Query {
    async fn devices(&self, ctx: &Context<'_>) -> Result<Vec<Device>> {
        let session = ctx.data::<PartnerSession>()?;
        let rows = load(session).await.map_err(|e| Error::new(e.to_string()))?;
        let fine = load(session).await.map_err(|e| {
            tracing::error!(?e, "loading devices failed");
            Error::new("loading devices failed").extend_with(|_, ext| ext.set("code", "UNAVAILABLE"))
        })?;
        Ok(rows)
    }

    async fn me(&self, ctx: &Context<'_>) -> Result<User> {
        let user = ctx.data::<UserSession>()?;
        load_user(user).await.map_err(|e| Error::new(e.to_string()))
    }
}
"#;

#[test]
fn actix_tonic_and_graphql_carry_partner_context_responses_and_leaks() {
    let dir = workspace(&[
        ("Cargo.toml", WORKSPACE_MANIFEST),
        ("crates/api/Cargo.toml", API_MANIFEST),
        ("crates/api/src/lib.rs", LIB),
        ("crates/api/src/errors.rs", ERRORS),
        ("crates/api/src/views.rs", VIEWS),
        ("crates/api/src/rest.rs", REST),
        ("crates/api/src/grpc.rs", GRPC),
        ("crates/api/src/graphql.rs", GRAPHQL),
        ("crates/queries/Cargo.toml", QUERIES_MANIFEST),
        ("crates/queries/src/lib.rs", QUERIES),
    ]);
    let (code, findings) = short(dir.path(), &[]);
    let ours: Vec<&str> = findings
        .iter()
        .map(String::as_str)
        .filter(|line| {
            ["[PS103 ", "[PS104 ", "[PS303 "]
                .iter()
                .any(|code| line.contains(code))
        })
        .collect();
    // Clean twins, never reported: `PublicError`'s fixed messages, the logged and fixed
    // answers, `own_devices`, `DeviceApi::own` and `Query::me` (no partner context),
    // `OwnDeviceView` (warn only: no path to a partner), `Device.admin_password` (hidden).
    assert_eq!(
        ours,
        [
            "crates/api/src/errors.rs:13:50: deny[PS303 leaky-error]: response body shows `self.to_string()`, the text of the `Error` itself, whose message includes an inner error, to the partner in `impl ResponseError for Error`",
            "crates/api/src/graphql.rs:10:63: deny[PS303 leaky-error]: response body shows `e.to_string()`, the text of the `map_err` error `e` of `load(..)`, to the partner (partner context: `graphql::Query::devices`)",
            "crates/api/src/grpc.rs:8:87: deny[PS303 leaky-error]: response body shows `{e}`, the text of the `map_err` error `e` of `self.graph.execute(..)`, to the partner (partner context: `grpc::DeviceApi::list`)",
            "crates/api/src/grpc.rs:9:98: deny[PS303 leaky-error]: response body shows `e.to_string()`, the text of the `map_err` error `e` of `self.graph.execute(..)`, to the partner (partner context: `grpc::DeviceApi::list`)",
            "crates/api/src/rest.rs:9:87: deny[PS303 leaky-error]: response body shows `LIST_DEVICES`, Cypher query text, to the partner (partner context: `rest::partner_devices`)",
            "crates/api/src/rest.rs:18:27: deny[PS303 leaky-error]: response body shows `e.to_string()`, the text of the `Err` value `e`, to the partner (partner context: `rest::partner_sync`)",
            "crates/api/src/views.rs:5:5: deny[PS103 unmasked-pii]: PII field `DeviceView.email` reaches partner users unmasked: `DeviceView` is put in a response body by `rest::partner_devices` in partner context",
            "crates/api/src/views.rs:6:5: deny[PS104 readable-secret]: secret field `DeviceView.api_key` is serialized, and `DeviceView` is put in a response body by `rest::partner_devices` in partner context: a partner can read the secret back",
            "crates/api/src/views.rs:12:5: warn[PS104 readable-secret]: secret field `OwnDeviceView.api_key` is serialized: whoever can read `OwnDeviceView` can read the secret back",
            "crates/api/src/views.rs:18:5: deny[PS103 unmasked-pii]: PII field `ListReply.contact_phone` reaches partner users unmasked: `ListReply` is returned by `grpc::DeviceApi::list` in partner context",
            "crates/api/src/views.rs:20:5: deny[PS104 readable-secret]: secret field `ListReply.enrollment_token` is sent in a protobuf message, and `ListReply` is returned by `grpc::DeviceApi::list` in partner context: a partner can read the secret back",
            "crates/api/src/views.rs:25:5: deny[PS103 unmasked-pii]: PII field `Device.owner_email` reaches partner users unmasked: `Device` is returned by `graphql::Query::devices` in partner context",
        ]
    );
    assert_eq!(code, 1);
}
