//! Diesel table definitions. Portable types only, so one schema serves SQLite and
//! PostgreSQL: text, booleans, integers and UTC `TIMESTAMP`s.

diesel::table! {
    mail_providers (name) {
        name -> Text,
        client_id -> Text,
        client_secret_sealed -> Nullable<Text>,
        tenant -> Nullable<Text>,
        enabled -> Bool,
        pubsub_topic -> Nullable<Text>,
        push_audience -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    mail_accounts (id) {
        id -> BigInt,
        user_id -> BigInt,
        provider -> Text,
        email -> Text,
        display_name -> Nullable<Text>,
        status -> Text,
        visibility -> Text,
        sync_enabled -> Bool,
        sync_requested_at -> Nullable<Timestamp>,
        sync_full_requested -> Bool,
        last_sync_at -> Nullable<Timestamp>,
        last_error_code -> Nullable<Text>,
        last_error_message -> Nullable<Text>,
        last_error_at -> Nullable<Timestamp>,
        sync_phase -> Text,
        sync_done -> BigInt,
        sync_total -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    mail_account_tokens (account_id) {
        account_id -> BigInt,
        access_token_sealed -> Text,
        access_expires_at -> Timestamp,
        refresh_token_sealed -> Nullable<Text>,
        scopes -> Text,
        revision -> BigInt,
        refresh_lease_until -> Nullable<Timestamp>,
        refresh_lease_owner -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    oauth_states (state_hash) {
        state_hash -> Text,
        user_id -> BigInt,
        provider -> Text,
        return_url -> Text,
        pkce_verifier_sealed -> Text,
        expires_at -> Timestamp,
        created_at -> Timestamp,
    }
}

diesel::joinable!(mail_account_tokens -> mail_accounts (account_id));
diesel::allow_tables_to_appear_in_same_query!(
    mail_accounts,
    mail_account_tokens,
    oauth_states,
    mail_providers
);
