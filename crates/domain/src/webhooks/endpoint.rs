//! A tenant's endpoint: where its events go, which ones, and the secret they are signed with.

use std::fmt;

use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::event::EventType;
use crate::error::FieldErrors;
use crate::tenant::TenantId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WebhookId(pub Uuid);

impl fmt::Display for WebhookId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What a signing secret looks like to the tenant: `whsec_` and the base64 of its bytes.
pub const SECRET_PREFIX: &str = "whsec_";

/// How long a rotated-out secret still signs (beside the new one), so receivers can switch.
pub const ROTATION_OVERLAP: Duration = Duration::hours(24);

/// The event types an endpoint receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventFilter {
    All,
    Only(Vec<EventType>),
}

pub mod field {
    pub const URL: &str = "url";
    pub const EVENTS: &str = "events";
    pub const DESCRIPTION: &str = "description";
}

impl EventFilter {
    /// `["*"]` for every type, otherwise known type names (at least one, none twice).
    pub fn parse(names: &[String]) -> Result<Self, FieldErrors> {
        if names.len() == 1 && names[0] == "*" {
            return Ok(EventFilter::All);
        }
        let mut types = Vec::with_capacity(names.len());
        for name in names {
            match EventType::parse(name) {
                Some(EventType::WebhookTest) | None => {
                    return Err(FieldErrors::single(
                        field::EVENTS,
                        format!("`{name}` is not an event type (see docs/webhooks.md), nor `*` alone"),
                    ))
                }
                Some(kind) if !types.contains(&kind) => types.push(kind),
                Some(_) => {}
            }
        }
        if types.is_empty() {
            return Err(FieldErrors::single(
                field::EVENTS,
                "must name at least one event type, or be [\"*\"]",
            ));
        }
        types.sort();
        Ok(EventFilter::Only(types))
    }

    pub fn admits(&self, kind: EventType) -> bool {
        match self {
            EventFilter::All => true,
            EventFilter::Only(types) => types.contains(&kind),
        }
    }

    /// The names, as the filter was given (`*` for all).
    pub fn names(&self) -> Vec<&'static str> {
        match self {
            EventFilter::All => vec!["*"],
            EventFilter::Only(types) => types.iter().map(|t| t.as_str()).collect(),
        }
    }

    /// As stored: the names joined by commas.
    pub fn stored(&self) -> String {
        self.names().join(",")
    }

    pub fn from_stored(raw: &str) -> Option<Self> {
        if raw == "*" {
            return Some(EventFilter::All);
        }
        raw.split(',')
            .map(EventType::parse)
            .collect::<Option<Vec<_>>>()
            .map(EventFilter::Only)
    }
}

/// A description: at most 500 characters, no control characters.
pub fn checked_description(raw: Option<&str>) -> Result<Option<String>, FieldErrors> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) if text.chars().count() <= 500 && !text.chars().any(char::is_control) => {
            Ok(Some(text.to_owned()))
        }
        Some(_) => Err(FieldErrors::single(
            field::DESCRIPTION,
            "must be at most 500 characters without control characters",
        )),
    }
}

/// An endpoint as stored. Secrets are sealed: only the delivery opens them, to sign.
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    pub id: WebhookId,
    pub tenant: TenantId,
    pub url: String,
    pub events: EventFilter,
    pub description: Option<String>,
    pub sealed_secret: String,
    /// The secret a rotation replaced, and until when it still signs.
    pub previous_secret: Option<(String, OffsetDateTime)>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub disabled_at: Option<OffsetDateTime>,
    /// Since when every attempt failed (cleared by a success).
    pub failing_since: Option<OffsetDateTime>,
}

impl Endpoint {
    /// Whether an event of `kind` committed now is delivered here.
    pub fn receives(&self, kind: EventType) -> bool {
        self.disabled_at.is_none() && self.events.admits(kind)
    }

    /// The sealed secrets that sign a delivery at `now`: the current one, and the rotated-out
    /// one during its overlap.
    pub fn signing_secrets(&self, now: OffsetDateTime) -> Vec<&str> {
        let mut secrets = vec![self.sealed_secret.as_str()];
        if let Some((previous, until)) = &self.previous_secret {
            if now < *until {
                secrets.push(previous);
            }
        }
        secrets
    }

    /// This endpoint signing with `sealed` from `now` on, the current secret still signing for
    /// [`ROTATION_OVERLAP`].
    pub fn rotated(&self, sealed: String, now: OffsetDateTime) -> Endpoint {
        Endpoint {
            previous_secret: Some((self.sealed_secret.clone(), now + ROTATION_OVERLAP)),
            sealed_secret: sealed,
            updated_at: now,
            ..self.clone()
        }
    }

    /// This endpoint with `change` applied. Re-enabling clears the failure streak.
    pub fn changed(&self, change: EndpointChange, now: OffsetDateTime) -> Endpoint {
        let mut next = self.clone();
        if let Some(url) = change.url {
            next.url = url;
        }
        if let Some(events) = change.events {
            next.events = events;
        }
        if let Some(description) = change.description {
            next.description = description;
        }
        match change.disabled {
            Some(false) if next.disabled_at.is_some() => {
                next.disabled_at = None;
                next.failing_since = None;
            }
            Some(true) if next.disabled_at.is_none() => next.disabled_at = Some(now),
            _ => {}
        }
        next.updated_at = now;
        next
    }
}

/// A change to an endpoint; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EndpointChange {
    pub url: Option<String>,
    pub events: Option<EventFilter>,
    pub description: Option<Option<String>>,
    pub disabled: Option<bool>,
}
