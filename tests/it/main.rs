//! The integration tests, one binary: each file here is a module (they were 29 binaries,
//! each compiling `common` again and linking the whole service on its own). Run one
//! part with `cargo test --test it <module>::`, e.g. `cargo test --test it sync_engine::`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

// First, so its macros (`both_backends!`) are in scope in every module below.
#[macro_use]
mod common;

mod access_control;
mod architecture;
mod attachment_memory;
mod auth_local;
mod auth_nocobase;
mod big_messages;
mod campaign_crash;
mod cli;
mod crash_safety;
mod demo;
mod filter_parser;
mod gmail_archive;
mod graph_answers;
mod hostile_input;
mod http_basics;
mod imap_access;
mod imap_connect;
mod imap_crash;
mod imap_faults;
mod imap_follow;
mod imap_mailbox;
mod imap_parts;
mod imap_server_answers;
mod lock_order;
mod mail_accounts;
mod mail_activity;
mod mail_attachments;
mod mail_campaigns;
mod mail_campaigns_send;
mod mail_compose_html;
mod mail_corpus;
mod mail_drafts;
mod mail_identities;
mod mail_labels;
mod mail_messages;
mod mail_messages_raw;
mod mail_messages_update;
mod mail_notes;
mod mail_opt_outs;
mod mail_providers;
mod mail_send;
mod mail_signatures;
mod mail_store;
mod mail_templates;
mod metrics;
mod migrations;
mod openapi;
mod plugin_manifest;
mod plugin_markers;
mod provider_clients;
mod push;
mod read_load;
mod replicas;
mod secrets_at_rest;
mod secrets_scan;
mod security;
mod send_settle;
mod smtp_submission;
mod sync_engine;
mod sync_progress;
