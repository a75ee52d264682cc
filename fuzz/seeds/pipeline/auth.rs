//! Who is calling: the partner session carried by every partner request.

use serde::{Deserialize, Serialize};

/// The acting partner, from the session token.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PartnerSession {
    pub partner_id: String,
    pub user_id: String,
    pub tenant_id: String,
    /// Only whether the session was refreshed; the token itself is never kept.
    pub has_refresh_token: bool,
    pub token_expires_at: u64,
}

/// Settings of the OAuth client the portal uses to call the identity provider.
#[derive(Debug, Deserialize)]
pub struct OAuthClientConfig {
    pub client_id: String,
    pub client_secret: String,
}
