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
        allowed_tenants -> Nullable<Text>,
        connect_roles -> Nullable<Text>,
        push_service_account -> Nullable<Text>,
        imap_settings -> Nullable<Text>,
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
        provider_user_id -> Nullable<Text>,
        shared_with_roles -> Nullable<Text>,
        identities -> Nullable<Text>,
        identities_checked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    mail_signatures (id) {
        id -> BigInt,
        user_id -> BigInt,
        name -> Text,
        html -> Text,
        account_id -> Nullable<BigInt>,
        identity -> Nullable<Text>,
        is_default -> Bool,
        placement -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    mail_templates (id) {
        id -> BigInt,
        scope -> Text,
        owner_user_id -> BigInt,
        roles -> Text,
        name -> Text,
        subject -> Text,
        html -> Text,
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
        browser_hash -> Nullable<Text>,
    }
}

diesel::table! {
    mail_account_servers (account_id) {
        account_id -> BigInt,
        imap_host -> Text,
        imap_port -> Integer,
        imap_tls -> Text,
        smtp_host -> Text,
        smtp_port -> Integer,
        smtp_tls -> Text,
        username -> Text,
        password_sealed -> Text,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(mail_account_tokens -> mail_accounts (account_id));
diesel::joinable!(mail_account_servers -> mail_accounts (account_id));
diesel::allow_tables_to_appear_in_same_query!(
    mail_accounts,
    mail_account_tokens,
    mail_account_servers,
    oauth_states,
    mail_providers
);

diesel::table! {
    mail_folders (id) {
        id -> BigInt,
        account_id -> BigInt,
        provider_id -> Text,
        name -> Text,
        role -> Nullable<Text>,
        parent_provider_id -> Nullable<Text>,
        total_count -> BigInt,
        unread_count -> BigInt,
    }
}

diesel::table! {
    mail_threads (id) {
        id -> BigInt,
        account_id -> BigInt,
        provider_thread_id -> Text,
    }
}

diesel::table! {
    mail_messages (id) {
        id -> BigInt,
        account_id -> BigInt,
        provider_message_id -> Text,
        thread_id -> Nullable<BigInt>,
        message_id_header -> Nullable<Text>,
        in_reply_to -> Nullable<Text>,
        references_header -> Nullable<Text>,
        subject -> Text,
        snippet -> Text,
        from_name -> Nullable<Text>,
        from_address -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        received_at -> Timestamp,
        is_read -> Bool,
        is_starred -> Bool,
        has_attachments -> Bool,
        size -> BigInt,
        body_text -> Nullable<Text>,
        body_html -> Nullable<Text>,
        search_addresses -> Text,
        provider_version -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        bodies_cut -> Bool,
        inline_pending -> Bool,
    }
}

diesel::table! {
    mail_message_folders (message_id, folder_id) {
        message_id -> BigInt,
        folder_id -> BigInt,
        /// The message's `received_at`, so a folder lists by date off one index.
        received_at -> Nullable<Timestamp>,
        /// The message's `is_read`, kept by a trigger; the folder-count triggers read it.
        is_read -> Bool,
    }
}

diesel::table! {
    mail_participants (id) {
        id -> BigInt,
        message_id -> BigInt,
        role -> Text,
        name -> Nullable<Text>,
        address -> Text,
        domain -> Text,
    }
}

diesel::table! {
    mail_attachments (id) {
        id -> BigInt,
        message_id -> BigInt,
        part_id -> Text,
        filename -> Text,
        content_type -> Text,
        size -> BigInt,
        inline -> Bool,
        content_id -> Nullable<Text>,
    }
}

diesel::table! {
    mail_sync_cursors (account_id, scope) {
        account_id -> BigInt,
        scope -> Text,
        cursor -> Nullable<Text>,
        resume -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sync_jobs (account_id) {
        account_id -> BigInt,
        full_resync -> Bool,
        run_after -> Timestamp,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        revision -> BigInt,
        attempts -> BigInt,
        created_at -> Timestamp,
        rerun -> Bool,
    }
}

diesel::table! {
    mail_push (account_id) {
        account_id -> BigInt,
        provider -> Text,
        status -> Text,
        subscription_id -> Nullable<Text>,
        client_state_sealed -> Nullable<Text>,
        expires_at -> Nullable<Timestamp>,
        next_check_at -> Timestamp,
        claimed_by -> Nullable<Text>,
        claimed_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        last_push_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    mail_events (id) {
        id -> BigInt,
        account_id -> BigInt,
        kind -> Text,
        data -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    mail_outbox (id) {
        id -> BigInt,
        account_id -> BigInt,
        user_id -> BigInt,
        idempotency_key -> Nullable<Text>,
        request_digest -> Text,
        status -> Text,
        send_at -> Nullable<Timestamp>,
        subject -> Text,
        recipient_count -> BigInt,
        message -> Nullable<Text>,
        provider_message_id -> Nullable<Text>,
        provider_thread_id -> Nullable<Text>,
        error_code -> Nullable<Text>,
        error_message -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        rfc_message_id -> Nullable<Text>,
    }
}

diesel::joinable!(mail_folders -> mail_accounts (account_id));
diesel::joinable!(mail_outbox -> mail_accounts (account_id));
diesel::joinable!(mail_messages -> mail_accounts (account_id));
diesel::joinable!(mail_messages -> mail_threads (thread_id));
diesel::joinable!(mail_message_folders -> mail_messages (message_id));
diesel::joinable!(mail_message_folders -> mail_folders (folder_id));
diesel::joinable!(mail_participants -> mail_messages (message_id));
diesel::joinable!(mail_attachments -> mail_messages (message_id));
diesel::allow_tables_to_appear_in_same_query!(
    mail_accounts,
    mail_outbox,
    mail_folders,
    mail_threads,
    mail_messages,
    mail_message_folders,
    mail_participants,
    mail_attachments,
    mail_sync_cursors,
    sync_jobs,
    mail_push,
    mail_events,
);

diesel::table! {
    mail_trusted_senders (id) {
        id -> BigInt,
        user_id -> BigInt,
        address -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    mail_notes (id) {
        id -> BigInt,
        account_id -> BigInt,
        provider_message_id -> Nullable<Text>,
        provider_thread_id -> Nullable<Text>,
        author_id -> BigInt,
        text -> Text,
        is_todo -> Bool,
        due_at -> Nullable<Timestamp>,
        done -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        author_name -> Nullable<Text>,
    }
}

diesel::table! {
    mail_labels (id) {
        id -> BigInt,
        account_id -> BigInt,
        provider_id -> Text,
        name -> Text,
        color -> Nullable<Text>,
        kind -> Text,
    }
}

diesel::table! {
    mail_message_labels (message_id, label_id) {
        message_id -> BigInt,
        label_id -> BigInt,
    }
}

diesel::joinable!(mail_message_labels -> mail_labels (label_id));
diesel::joinable!(mail_message_labels -> mail_messages (message_id));
diesel::allow_tables_to_appear_in_same_query!(mail_labels, mail_message_labels, mail_messages);

diesel::table! {
    mail_campaigns (id) {
        id -> BigInt,
        user_id -> BigInt,
        account_id -> BigInt,
        from_address -> Nullable<Text>,
        template_id -> Nullable<BigInt>,
        subject -> Text,
        html -> Text,
        source -> Text,
        user_values -> Text,
        send_at -> Nullable<Timestamp>,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    mail_campaign_recipients (id) {
        id -> BigInt,
        campaign_id -> BigInt,
        record_id -> Text,
        address -> Nullable<Text>,
        record -> Nullable<Text>,
        status -> Text,
        error -> Nullable<Text>,
        outbox_id -> Nullable<BigInt>,
        message_id -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        attempts -> BigInt,
        retry_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(mail_campaign_recipients -> mail_campaigns (campaign_id));
diesel::allow_tables_to_appear_in_same_query!(
    mail_campaigns,
    mail_campaign_recipients,
    mail_outbox
);

diesel::table! {
    mail_opt_outs (id) {
        id -> BigInt,
        entry -> Text,
        reason -> Nullable<Text>,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    mail_activity (id) {
        id -> BigInt,
        account_id -> BigInt,
        message_id -> Nullable<BigInt>,
        identity -> Text,
        kind -> Text,
        first_import -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    mail_activity_readers (user_id, reader) {
        user_id -> BigInt,
        reader -> Text,
        position -> BigInt,
        updated_at -> Timestamp,
    }
}
