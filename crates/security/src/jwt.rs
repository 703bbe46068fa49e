use clientele_domain::account::AccountUuid;
use clientele_domain::ports::{AccessClaims, AccessTokens, TokenError};
use clientele_domain::session::SessionId;
use clientele_domain::tenant::TenantId;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

const ISSUER: &str = "clientele";

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    iss: String,
    sub: String,
    sid: String,
    tid: String,
    iat: i64,
    exp: i64,
}

/// HS256 access tokens. The algorithm is pinned (a token naming any other, `none` included, is
/// refused), and `exp`, `iat`, `iss` and `sub` must be present and right.
pub struct JwtAccessTokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl JwtAccessTokens {
    /// `secret` must hold at least 32 bytes.
    pub fn new(secret: &[u8]) -> Result<Self, String> {
        if secret.len() < 32 {
            return Err("the JWT secret must be at least 32 bytes".into());
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "sub"]);
        validation.leeway = 0;
        Ok(JwtAccessTokens {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        })
    }
}

impl AccessTokens for JwtAccessTokens {
    fn issue(&self, claims: &AccessClaims) -> Result<String, TokenError> {
        let claims = Claims {
            iss: ISSUER.into(),
            sub: claims.account.0.to_string(),
            sid: claims.session.0.to_string(),
            tid: claims.tenant.as_str().into(),
            iat: claims.issued_at.unix_timestamp(),
            exp: claims.expires_at.unix_timestamp(),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(|_| TokenError::Signing)
    }

    fn verify(&self, token: &str) -> Result<AccessClaims, TokenError> {
        let claims = decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| TokenError::Invalid)?
            .claims;
        let timestamp = |t| OffsetDateTime::from_unix_timestamp(t).map_err(|_| TokenError::Invalid);
        Ok(AccessClaims {
            session: SessionId(claims.sid.parse().map_err(|_| TokenError::Invalid)?),
            account: AccountUuid(claims.sub.parse().map_err(|_| TokenError::Invalid)?),
            tenant: TenantId::parse(&claims.tid).ok_or(TokenError::Invalid)?,
            issued_at: timestamp(claims.iat)?,
            expires_at: timestamp(claims.exp)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use time::Duration;
    use uuid::Uuid;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn claims(expires_in: Duration) -> AccessClaims {
        let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
        AccessClaims {
            session: SessionId(Uuid::new_v4()),
            account: AccountUuid(Uuid::new_v4()),
            tenant: TenantId::default_tenant(),
            issued_at: now,
            expires_at: now + expires_in,
        }
    }

    fn b64(json: &str) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    }

    #[test]
    fn round_trip() {
        let tokens = JwtAccessTokens::new(SECRET).unwrap();
        let claims = claims(Duration::hours(1));
        let token = tokens.issue(&claims).unwrap();
        assert_eq!(tokens.verify(&token).unwrap(), claims);
    }

    #[test]
    fn refuses_expired_tampered_foreign_and_unsigned() {
        let tokens = JwtAccessTokens::new(SECRET).unwrap();
        let expired = tokens.issue(&claims(Duration::seconds(-1))).unwrap();
        assert_eq!(tokens.verify(&expired), Err(TokenError::Invalid));

        let good = tokens.issue(&claims(Duration::hours(1))).unwrap();
        let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
        let payload = String::from_utf8(
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(&parts[1])
                .unwrap(),
        )
        .unwrap();
        parts[1] = b64(&payload.replace("\"tid\":\"default\"", "\"tid\":\"evil\""));
        assert_eq!(tokens.verify(&parts.join(".")), Err(TokenError::Invalid));

        let other = JwtAccessTokens::new(b"another-secret-another-secret-xx").unwrap();
        assert_eq!(other.verify(&good), Err(TokenError::Invalid));

        let unsigned = format!("{}.{}.", b64(r#"{"alg":"none","typ":"JWT"}"#), b64(&payload));
        assert_eq!(tokens.verify(&unsigned), Err(TokenError::Invalid));

        for garbage in ["", "abc", "a.b.c", &good[..good.len() - 2]] {
            assert_eq!(tokens.verify(garbage), Err(TokenError::Invalid));
        }
    }

    #[test]
    fn refuses_tokens_without_issuer() {
        let tokens = JwtAccessTokens::new(SECRET).unwrap();
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let no_iss = serde_json::json!({"sub": Uuid::new_v4().to_string(), "sid": Uuid::new_v4().to_string(),
            "tid": "default", "iat": now, "exp": now + 600});
        let token = encode(
            &Header::new(Algorithm::HS256),
            &no_iss,
            &EncodingKey::from_secret(SECRET),
        )
        .unwrap();
        assert_eq!(tokens.verify(&token), Err(TokenError::Invalid));
    }

    #[test]
    fn short_secrets_are_refused() {
        assert!(JwtAccessTokens::new(b"short").is_err());
    }
}
