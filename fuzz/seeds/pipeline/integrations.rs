//! Third-party integrations a customer tenant connects (billing, email, CRM).

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// One integration of a customer tenant, as the partner API returns it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TenantIntegration {
    pub tenant_id: String,
    pub name: String,
    pub api_key_id: String,
    pub stripe_api_key: String,
    #[serde(rename = "webhookSigningSecret")]
    pub signing: Option<String>,
    pub token_count: u32,
}

/// SMTP relay settings of a customer tenant.
#[derive(Serialize, Deserialize)]
pub struct SmtpSettings {
    pub host: String,
    pub username: String,
    #[serde(skip_serializing)]
    pub smtp_password: String,
    pub password_policy: String,
}

/// A CRM connection; the token is a secret wrapper and never serializes in clear.
#[derive(Serialize, Deserialize)]
pub struct CrmConnection {
    pub account: String,
    pub access_token: SecretString,
}

/// The partner sets or rotates a key; it never reads one back.
#[derive(Deserialize)]
pub struct RotateKeyRequest {
    pub api_key: String,
}

/// Legacy export format kept for one customer's import job.
#[derive(Serialize)]
pub struct LegacyExport {
    pub tenant_id: String,
    // partner-safety: allow(PS104) reason: exported only to the customer's own SFTP, never to partners
    pub export_password: String,
}
