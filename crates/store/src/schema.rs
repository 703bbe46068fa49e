//! Table definitions shared by both backends (see migrations/postgres and migrations/sqlite).

diesel::table! {
    tenants (id) {
        id -> Text,
        name -> Text,
        created_at -> Timestamp,
        settings -> Text,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Text,
        tenant_id -> Text,
        name -> Text,
        prefix -> Text,
        digest -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    accounts (uuid) {
        uuid -> Text,
        tenant_id -> Text,
        public_id -> BigInt,
        status -> Text,
        email -> Nullable<Text>,
        email_normalized -> Nullable<Text>,
        email_confirmed -> Bool,
        email_temporary -> Bool,
        password_hash -> Nullable<Text>,
        two_factor -> Bool,
        username -> Nullable<Text>,
        nickname -> Nullable<Text>,
        first_name -> Nullable<Text>,
        middle_name -> Nullable<Text>,
        last_name -> Nullable<Text>,
        birthday -> Nullable<Text>,
        birthday_locked -> Bool,
        gender -> Nullable<Text>,
        phone -> Nullable<Text>,
        mobile -> Nullable<Text>,
        address -> Text,
        locale -> Nullable<Text>,
        push_token -> Nullable<Text>,
        wallet_address -> Nullable<Text>,
        subscriptions -> Text,
        referral_code -> Nullable<Text>,
        failed_sign_ins -> Integer,
        sign_in_locked_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        factors -> Text,
        external_id -> Nullable<Text>,
        /// The columns prefix searches range over (see `customer_search::SearchKeys`).
        email_key -> Nullable<Text>,
        first_name_key -> Nullable<Text>,
        last_name_key -> Nullable<Text>,
    }
}

diesel::table! {
    sessions (uuid) {
        uuid -> Text,
        tenant_id -> Text,
        account_uuid -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        country -> Nullable<Text>,
        device -> Nullable<Text>,
        ip -> Nullable<Text>,
        sign_in_method -> Text,
        last_seen_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    instance_secrets (name) {
        name -> Text,
        value -> Text,
    }
}

diesel::table! {
    flows (uuid) {
        uuid -> Text,
        tenant_id -> Text,
        account_uuid -> Text,
        purpose -> Text,
        channel -> Text,
        target -> Text,
        secret_digest -> Text,
        status -> Text,
        attempts -> Integer,
        max_attempts -> Integer,
        pending_change -> Nullable<Text>,
        expires_at -> Timestamp,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        sent -> Integer,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    outbox (uuid) {
        uuid -> Text,
        tenant_id -> Text,
        channel -> Text,
        recipient -> Text,
        subject -> Text,
        sealed_body -> Text,
        masked_text -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        claim -> Nullable<Text>,
        forget_recipient -> Bool,
        account_uuid -> Nullable<Text>,
        send_class -> Nullable<Text>,
        recipient_key -> Nullable<Text>,
        sender -> Nullable<Text>,
        reply_to -> Nullable<Text>,
        language -> Nullable<Text>,
    }
}

diesel::table! {
    deletion_requests (id) {
        id -> Text,
        tenant_id -> Text,
        account_uuid -> Text,
        status -> Text,
        created_at -> Timestamp,
        decided_at -> Nullable<Timestamp>,
        reason -> Nullable<Text>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        tenant_id -> Text,
        account_uuid -> Text,
        kind -> Text,
        actor -> Text,
        request_id -> Nullable<Text>,
        at -> Timestamp,
        detail -> Nullable<Text>,
        client_address -> Nullable<Text>,
        device -> Nullable<Text>,
    }
}

diesel::table! {
    wallet_entries (tenant_id, account_uuid, reference) {
        tenant_id -> Text,
        account_uuid -> Text,
        reference -> Text,
        kind -> Text,
        amount -> BigInt,
        remaining -> BigInt,
        expires_on -> Nullable<Date>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    orders (tenant_id, account_uuid, reference) {
        tenant_id -> Text,
        account_uuid -> Text,
        reference -> Text,
        amount -> BigInt,
        status -> Text,
        placed_at -> Timestamp,
    }
}

diesel::table! {
    order_totals (tenant_id, account_uuid) {
        tenant_id -> Text,
        account_uuid -> Text,
        order_count -> BigInt,
        successful -> BigInt,
        spent -> BigInt,
    }
}

diesel::table! {
    wallet_days (tenant_id, account_uuid, kind, expires_on) {
        tenant_id -> Text,
        account_uuid -> Text,
        kind -> Text,
        expires_on -> Date,
        remaining -> BigInt,
    }
}

diesel::table! {
    webhook_endpoints (tenant_id, uuid) {
        tenant_id -> Text,
        uuid -> Text,
        url -> Text,
        events -> Text,
        description -> Nullable<Text>,
        sealed_secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        disabled_at -> Nullable<Timestamp>,
        failing_since -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_events (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        account_uuid -> Nullable<Text>,
        event_type -> Text,
        data -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (tenant_id, uuid) {
        tenant_id -> Text,
        uuid -> Text,
        seq -> BigInt,
        endpoint_uuid -> Text,
        event_id -> Text,
        event_type -> Text,
        account_uuid -> Nullable<Text>,
        status -> Text,
        next_attempt_at -> Timestamp,
        window_from -> Timestamp,
        claim -> Nullable<Text>,
        created_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
        ended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_attempts (tenant_id, delivery_uuid, number) {
        tenant_id -> Text,
        delivery_uuid -> Text,
        number -> Integer,
        attempted_at -> Timestamp,
        status_code -> Nullable<Integer>,
        duration_ms -> BigInt,
        error -> Nullable<Text>,
    }
}

diesel::table! {
    customer_imports (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        status -> Text,
        started_at -> Timestamp,
        progressed_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        lines -> BigInt,
        imported -> BigInt,
        updated -> BigInt,
        skipped -> BigInt,
        refused -> BigInt,
        refusals -> Text,
    }
}

diesel::table! {
    message_templates (tenant_id, kind, language) {
        tenant_id -> Text,
        kind -> Text,
        language -> Text,
        subject -> Text,
        text_body -> Text,
        html_body -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(sessions -> accounts (account_uuid));
diesel::joinable!(flows -> accounts (account_uuid));
diesel::allow_tables_to_appear_in_same_query!(
    tenants,
    accounts,
    sessions,
    instance_secrets,
    flows,
    outbox,
    api_keys,
    deletion_requests,
    audit_log,
    wallet_entries,
    orders,
    order_totals,
    wallet_days,
    webhook_endpoints,
    webhook_events,
    webhook_deliveries,
    webhook_attempts,
    message_templates,
);
