//! Embedding the domain with adapters of your own: here the in-memory fakes of
//! `clientele-fakes` stand in for every port. A customer signs up, the activation mail is read
//! from the recording mailer, the account is activated, the customer signs in and edits the
//! profile. Run it with `cargo run -p clientele-domain --example embed`.

use std::sync::Arc;

use clientele_domain::flow::FlowSettings;
use clientele_domain::services::{
    Delivery, DeliverySettings, Deps, FlowDeps, FlowPorts, LinkSettings, Onboarding, Profiles, Senders,
    SignIn,
};
use clientele_domain::values::Password;
use clientele_domain::{Patch, ProfileEdit, TenantId};
use clientele_fakes::{FixedClock, InClear, MemoryStore, Recorder, Sequence};
use time::OffsetDateTime;

#[tokio::main]
async fn main() {
    // The ports: one in-memory store for every storage port, and plain stand-ins for the rest.
    let store = MemoryStore::new();
    let clock = Arc::new(FixedClock::at(OffsetDateTime::now_utc()));
    let random = Arc::new(Sequence::default());
    let deps = Deps {
        accounts: Arc::new(store.clone()),
        sessions: Arc::new(store.clone()),
        passwords: Arc::new(InClear),
        tokens: Arc::new(InClear),
        clock: clock.clone(),
        random: random.clone(),
        audit: Arc::new(store.clone()),
        request: Arc::new(InClear),
        turns: Default::default(),
    };
    let flows = FlowDeps::new(
        FlowPorts {
            flows: Arc::new(store.clone()),
            commits: Arc::new(store.clone()),
            digester: Arc::new(InClear),
            sealer: Arc::new(InClear),
            tenants: Arc::new(store.clone()),
            renderer: Arc::new(clientele_messages::MinijinjaRenderer::new()),
            templates: Arc::new(store.clone()),
            branding: clientele_domain::messages::InstanceBranding::from_config(
                "Clientele <no-reply@localhost>",
                None,
            ),
        },
        FlowSettings::default(),
        LinkSettings {
            public_url: "https://id.example.com".into(),
            allowed_origins: Vec::new(),
            tenant: None,
        },
    );
    // The use cases.
    let onboarding = Onboarding::new(deps.clone(), flows.clone());
    let sign_in = SignIn::new(deps.clone(), Default::default());
    let profiles = Profiles::new(deps.clone(), flows);
    // Messages go to the outbox in the same commit as the change; the delivery worker sends them.
    let recorder = Recorder::default();
    let delivery = Delivery::new(
        Arc::new(store.clone()),
        Senders {
            mail: Arc::new(recorder.clone()),
            sms: Arc::new(recorder.clone()),
        },
        Arc::new(InClear),
        clock.clone(),
        random,
        DeliverySettings::default(),
    );

    let tenant = TenantId::default_tenant();
    let address = "ann@example.com";
    let invitation = Onboarding::signup_input(address, Some("Ann Lee"), None).expect("a valid sign-up");
    onboarding.sign_up(&tenant, invitation).await.expect("signed up");
    delivery.run_once().await.expect("the outbox is sent");

    // Every mail states its secrets on lines of their own.
    let mail = recorder.mails().pop().expect("an activation mail");
    let line = |label: &str| {
        mail.body
            .text
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{label}: ")))
            .expect("the line is in the mail")
            .to_owned()
    };
    let (identifier, secret) = (line("Identifier"), line("Secret"));
    let password = "Maple-Harbor-1984-Quiet";
    onboarding
        .activate(
            &tenant,
            &identifier,
            &secret,
            Password::new_secret(password).expect("a good password"),
        )
        .await
        .expect("activated");

    let signed_in = sign_in
        .sign_in(&tenant, address, password)
        .await
        .expect("signed in");
    let who = sign_in
        .authenticate(&signed_in.token)
        .await
        .expect("a live session");
    let edit = ProfileEdit {
        nickname: Patch::Set(Some("Annie".into())),
        ..ProfileEdit::default()
    };
    let account = profiles.edit(&who, edit).await.expect("edited");
    let nickname = account
        .profile
        .nickname
        .as_ref()
        .map(|n| n.as_str())
        .unwrap_or_default();
    assert_eq!(nickname, "Annie");
    println!(
        "{} is {} with the nickname {nickname} (account {})",
        account.address(),
        account.status.as_str(),
        account.uuid
    );
}
