use clientele_domain::ports::{PassphraseTokens, TokenError};
use clientele_domain::values::Password;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde::Serialize;

#[derive(Serialize)]
struct Passphrase<'a> {
    passphrase: &'a str,
}

/// Seed 001's `do_reset` answer: an HS256 JWT whose key is the mailed code and whose payload is
/// `{"passphrase": "…"}`.
pub struct CodeSignedPassphrase;

impl PassphraseTokens for CodeSignedPassphrase {
    fn passphrase_token(&self, passphrase: &Password, code: &str) -> Result<String, TokenError> {
        encode(
            &Header::new(Algorithm::HS256),
            &Passphrase {
                passphrase: passphrase.expose(),
            },
            &EncodingKey::from_secret(code.as_bytes()),
        )
        .map_err(|_| TokenError::Signing)
    }
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{decode, DecodingKey, Validation};
    use serde::Deserialize;

    use super::*;

    #[derive(Deserialize)]
    struct Read {
        passphrase: String,
    }

    #[test]
    fn only_the_code_opens_the_passphrase() {
        let passphrase = Password::candidate("Kx7pQ2mZr9Tw4bYc").unwrap();
        let token = CodeSignedPassphrase
            .passphrase_token(&passphrase, "8KY0CX0LAR")
            .unwrap();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        let read = decode::<Read>(&token, &DecodingKey::from_secret(b"8KY0CX0LAR"), &validation).unwrap();
        assert_eq!(read.claims.passphrase, "Kx7pQ2mZr9Tw4bYc");
        assert!(decode::<Read>(&token, &DecodingKey::from_secret(b"WRONGCODE0"), &validation).is_err());
    }
}
