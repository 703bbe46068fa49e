//! Passkeys and security keys through `webauthn-rs`: a relying party per request (cheap: no
//! I/O), states and credentials kept as its JSON.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use clientele_domain::ports::{Ceremony, PasskeyError, Passkeys, RelyingParty, StoredPasskey};
use serde_json::Value;
use uuid::Uuid;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, Passkey, PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Url, Webauthn, WebauthnBuilder, WebauthnError,
};

#[derive(Debug, Default, Clone, Copy)]
pub struct WebauthnRs;

fn refused(error: impl std::fmt::Display) -> PasskeyError {
    PasskeyError::Refused(error.to_string())
}

fn checked(error: WebauthnError) -> PasskeyError {
    match error {
        WebauthnError::CredentialPossibleCompromise => PasskeyError::CounterWentBack,
        other => refused(other),
    }
}

fn relying_party(party: &RelyingParty) -> Result<Webauthn, PasskeyError> {
    let not_configured = |why: String| PasskeyError::NotConfigured(why);
    let origins: Vec<Url> = party
        .origins
        .iter()
        .map(|o| Url::parse(o).map_err(|e| not_configured(format!("origin {o}: {e}"))))
        .collect::<Result<_, _>>()?;
    let (first, others) = origins
        .split_first()
        .ok_or_else(|| not_configured("no origin".into()))?;
    let mut builder = WebauthnBuilder::new(&party.id, first)
        .map_err(|e| not_configured(format!("relying party {} at {first}: {e}", party.id)))?
        .rp_name(&party.name);
    for origin in others {
        builder = builder.append_allowed_origin(origin);
    }
    builder.build().map_err(|e| not_configured(e.to_string()))
}

/// `CounterWentBack` when an authenticator that counts (a counter above 0 on either side) signed
/// with a counter not above the one stored.
fn behind_stored(signed: u32, stored: &StoredPasskey) -> Result<(), PasskeyError> {
    let kept = serde_json::from_str::<Value>(&stored.passkey)
        .ok()
        .and_then(|p| p["cred"]["counter"].as_u64())
        .unwrap_or(0);
    if (signed > 0 || kept > 0) && u64::from(signed) <= kept {
        return Err(PasskeyError::CounterWentBack);
    }
    Ok(())
}

fn kept(passkey: &Passkey) -> StoredPasskey {
    StoredPasskey {
        credential_id: URL_SAFE_NO_PAD.encode(passkey.cred_id()),
        passkey: serde_json::to_string(passkey).expect("a passkey serialises"),
    }
}

fn read<T: serde::de::DeserializeOwned>(json: &str) -> Result<T, PasskeyError> {
    serde_json::from_str(json).map_err(refused)
}

fn state_of<T: serde::Serialize>(state: &T) -> String {
    serde_json::to_string(state).expect("a ceremony's state serialises")
}

fn options_of<T: serde::Serialize>(options: &T) -> Value {
    serde_json::to_value(options).expect("options serialise")
}

fn credential<T: serde::de::DeserializeOwned>(response: &Value) -> Result<T, PasskeyError> {
    serde_json::from_value(response.clone()).map_err(|e| refused(format!("not a credential: {e}")))
}

impl Passkeys for WebauthnRs {
    fn start_registration(
        &self,
        party: &RelyingParty,
        user: Uuid,
        name: &str,
        display_name: &str,
        existing: &[StoredPasskey],
    ) -> Result<Ceremony, PasskeyError> {
        let webauthn = relying_party(party)?;
        let exclude = existing
            .iter()
            .filter_map(|p| URL_SAFE_NO_PAD.decode(&p.credential_id).ok())
            .collect();
        let (options, state): (_, PasskeyRegistration) = webauthn
            .start_passkey_registration(user, name, display_name, Some(exclude))
            .map_err(refused)?;
        let mut options = options_of(&options);
        // A passkey the authenticator can offer by itself (passwordless sign-in) where it can
        // keep one; a security key that cannot still registers.
        options["publicKey"]["authenticatorSelection"]["residentKey"] = Value::from("preferred");
        Ok(Ceremony {
            options,
            state: state_of(&state),
        })
    }

    fn finish_registration(
        &self,
        party: &RelyingParty,
        response: &Value,
        state: &str,
    ) -> Result<StoredPasskey, PasskeyError> {
        let webauthn = relying_party(party)?;
        let response: RegisterPublicKeyCredential = credential(response)?;
        let state: PasskeyRegistration = read(state)?;
        let passkey = webauthn
            .finish_passkey_registration(&response, &state)
            .map_err(refused)?;
        Ok(kept(&passkey))
    }

    fn start_authentication(
        &self,
        party: &RelyingParty,
        passkeys: &[StoredPasskey],
    ) -> Result<Ceremony, PasskeyError> {
        let webauthn = relying_party(party)?;
        let passkeys: Vec<Passkey> = passkeys
            .iter()
            .map(|p| read(&p.passkey))
            .collect::<Result<_, _>>()?;
        if passkeys.is_empty() {
            return Err(refused("no passkey to sign in with"));
        }
        let (options, state): (_, PasskeyAuthentication) = webauthn
            .start_passkey_authentication(&passkeys)
            .map_err(refused)?;
        Ok(Ceremony {
            options: options_of(&options),
            state: state_of(&state),
        })
    }

    fn finish_authentication(
        &self,
        party: &RelyingParty,
        response: &Value,
        state: &str,
        passkeys: &[StoredPasskey],
    ) -> Result<StoredPasskey, PasskeyError> {
        let webauthn = relying_party(party)?;
        let response: PublicKeyCredential = credential(response)?;
        let state: PasskeyAuthentication = read(state)?;
        let result = webauthn
            .finish_passkey_authentication(&response, &state)
            .map_err(checked)?;
        let stored = passkeys
            .iter()
            .find(|p| {
                URL_SAFE_NO_PAD
                    .decode(&p.credential_id)
                    .is_ok_and(|id| &id == result.cred_id())
            })
            .ok_or_else(|| refused("the credential that signed is not the account's"))?;
        // The library compares with the counter as the challenge was made; the credential may
        // have signed since (another sign-in): compare with the counter as stored now.
        behind_stored(result.counter(), stored)?;
        let mut passkey: Passkey = read(&stored.passkey)?;
        passkey.update_credential(&result);
        Ok(kept(&passkey))
    }

    fn start_discoverable(&self, party: &RelyingParty) -> Result<Ceremony, PasskeyError> {
        let webauthn = relying_party(party)?;
        let (options, state): (_, DiscoverableAuthentication) =
            webauthn.start_discoverable_authentication().map_err(refused)?;
        let mut options = options_of(&options);
        // Asked for with a button, not offered in a form's autofill.
        if let Some(object) = options.as_object_mut() {
            object.remove("mediation");
        }
        Ok(Ceremony {
            options,
            state: state_of(&state),
        })
    }

    fn identify(&self, response: &Value) -> Result<(Uuid, String), PasskeyError> {
        let response: PublicKeyCredential = credential(response)?;
        // The relying party's settings play no part in reading the user handle.
        let origin = Url::parse("https://localhost").expect("a constant URL");
        let webauthn = WebauthnBuilder::new("localhost", &origin)
            .and_then(WebauthnBuilder::build)
            .map_err(refused)?;
        let (user, credential_id) = webauthn
            .identify_discoverable_authentication(&response)
            .map_err(refused)?;
        Ok((user, URL_SAFE_NO_PAD.encode(credential_id)))
    }

    fn finish_discoverable(
        &self,
        party: &RelyingParty,
        response: &Value,
        state: &str,
        passkey: &StoredPasskey,
    ) -> Result<StoredPasskey, PasskeyError> {
        let webauthn = relying_party(party)?;
        let response: PublicKeyCredential = credential(response)?;
        let state: DiscoverableAuthentication = read(state)?;
        let stored = passkey;
        let mut passkey: Passkey = read(&stored.passkey)?;
        let result = webauthn
            .finish_discoverable_authentication_v2(&response, state, &passkey)
            .map_err(checked)?;
        behind_stored(result.counter(), stored)?;
        passkey.update_credential(&result);
        Ok(kept(&passkey))
    }
}
