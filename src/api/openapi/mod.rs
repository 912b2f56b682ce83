//! `GET /api/openapi.json`: the OpenAPI 3 document of every route, generated from the
//! handlers' `#[utoipa::path]` attributes and the views' schemas. A test holds it to the
//! routes the router registers, both ways.

mod shapes;

pub use shapes::*;

use crate::api::{
    mail_accounts, mail_activity, mail_attachments, mail_campaigns, mail_drafts, mail_events,
    mail_folders, mail_labels, mail_messages, mail_notes, mail_opt_outs, mail_outbox,
    mail_providers, mail_signatures, mail_templates, mail_threads, mail_trusted_senders,
    mail_webhooks,
};
use crate::http;
use actix_web::HttpResponse;
use std::sync::OnceLock;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Email manager sidecar",
        description = "Gmail and Microsoft 365 mail beside NocoBase, in NocoBase's `resource:action` \
            conventions: every action answers GET and POST (except `mailMessages:send`, POST only), \
            parameters come in the query string the way `qs` writes them, and a JSON body is the \
            action's `values`. Every `/api` route but `mailOAuth:callback` and the `mailWebhooks` takes the caller's NocoBase \
            token as `Authorization: Bearer`.",
        license(name = "Apache-2.0")
    ),
    paths(
        http::health::healthz,
        http::health::readyz,
        crate::metrics::scrape::metrics_endpoint,
        openapi_json,
        mail_providers::list::list_mail_providers,
        mail_providers::get::get_mail_provider,
        mail_providers::update::update_mail_provider,
        mail_providers::test::test_mail_provider,
        mail_accounts::authorize::authorize_mail_account,
        mail_accounts::imap_connect::test_mail_account,
        mail_accounts::imap_connect::connect_mail_account,
        mail_accounts::callback::oauth_callback,
        mail_accounts::list::list_mail_accounts,
        mail_accounts::get::get_mail_account,
        mail_accounts::update::update_mail_account,
        mail_accounts::sync::sync_mail_account,
        mail_accounts::destroy::destroy_mail_account,
        mail_accounts::disconnect_user::disconnect_user,
        mail_folders::list::list_mail_folders,
        mail_messages::list::list_mail_messages,
        mail_messages::get::get_mail_message,
        mail_messages::update::update_mail_messages,
        mail_messages::destroy::destroy_mail_messages,
        mail_messages::prepare_reply::prepare_reply,
        mail_messages::send::send_mail_message,
        mail_messages::raw::raw_mail_message,
        mail_outbox::list_outbox,
        mail_outbox::cancel_send,
        mail_attachments::download::download_attachment,
        mail_threads::list::list_mail_threads,
        mail_threads::get::get_mail_thread,
        mail_drafts::list_drafts,
        mail_drafts::get_draft,
        mail_drafts::create_draft,
        mail_drafts::update_draft,
        mail_drafts::destroy_draft,
        mail_drafts::send_draft,
        mail_signatures::list_signatures,
        mail_signatures::get_signature,
        mail_signatures::create_signature,
        mail_signatures::update_signature,
        mail_signatures::destroy_signature,
        mail_templates::list_templates,
        mail_templates::get_template,
        mail_templates::create_template,
        mail_templates::update_template,
        mail_templates::destroy_template,
        mail_templates::render::render_template,
        mail_campaigns::list_campaigns,
        mail_campaigns::get_campaign,
        mail_campaigns::create::create_campaign,
        mail_campaigns::update_campaign,
        mail_campaigns::destroy_campaign,
        mail_campaigns::allowance::campaign_allowance,
        mail_campaigns::recipients::list_campaign_recipients,
        mail_labels::list_labels,
        mail_labels::write::create_label,
        mail_labels::write::update_label,
        mail_labels::write::destroy_label,
        mail_notes::list_notes,
        mail_notes::create_note,
        mail_notes::update_note,
        mail_notes::destroy_note,
        mail_opt_outs::list_opt_outs,
        mail_opt_outs::create_opt_out,
        mail_opt_outs::destroy_opt_out,
        mail_activity::subscribe_activity,
        mail_activity::list_activity,
        mail_activity::ack_activity,
        mail_activity::unsubscribe_activity,
        mail_trusted_senders::list_trusted_senders,
        mail_trusted_senders::create_trusted_sender,
        mail_trusted_senders::destroy_trusted_sender,
        mail_webhooks::microsoft::microsoft_webhook,
        mail_webhooks::google::google_webhook,
        mail_events::stream::stream_mail_events,
    ),
    // Types named only in parameters are not collected from the paths.
    components(schemas(AccountScope, ProviderName)),
    modifiers(&BearerAuth, &OperationIds),
    tags(
        (name = "operations", description = "Health, readiness, metrics and this document."),
        (name = "mailProviders", description = "The OAuth apps the admin registered at Google and Microsoft (admins only)."),
        (name = "mailAccounts", description = "Each user's connected mailboxes."),
        (name = "mailFolders", description = "Gmail labels and Graph folders."),
        (name = "mailMessages", description = "Synchronized mail: list, search, read, change, send."),
        (name = "mailOutbox", description = "Scheduled, failed and unknown sends."),
        (name = "mailAttachments", description = "Attachment bytes, streamed from the provider."),
        (name = "mailThreads", description = "Conversations."),
        (name = "mailDrafts", description = "Drafts that live at the provider: opened, saved (with a version, so an edit made elsewhere is not overwritten) and sent from here."),
        (name = "mailSignatures", description = "The caller's HTML signatures, per mailbox or send-as address."),
        (name = "mailTemplates", description = "Personal and shared (role-scoped) templates with NocoBase variables, and their rendering."),
        (name = "mailCampaigns", description = "Mail merge: one message per NocoBase record from a template, paced to the mailbox's sending limits, each recipient sent at most once."),
        (name = "mailActivity", description = "The feed of mail each mailbox received or sent, a row a message, for workflow triggers: readers subscribe, list what came after their position, and acknowledge it."),
        (name = "mailOptOuts", description = "The organisation's opt-out list: addresses and domains mail merge never sends to."),
        (name = "mailLabels", description = "Gmail labels and Outlook categories, with colours: listed per mailbox, written to the provider first."),
        (name = "mailNotes", description = "Notes and to-dos on a message or a thread, seen by whoever may read that mail's body."),
        (name = "mailTrustedSenders", description = "Senders whose remote images the caller always shows."),
        (name = "mailWebhooks", description = "Where Graph and Gmail (through Cloud Pub/Sub) push mailbox changes; authenticated by clientState / Google's OIDC token, never by a NocoBase token."),
        (name = "mailEvents", description = "Live updates for the caller's pages (server-sent events)."),
    )
)]
pub struct ApiDoc;

/// Declares the NocoBase token and makes it the default for every operation; the public
/// ones (health, callback, this document) opt out with `security(())`.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "nocobaseToken",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "The token NocoBase issued to the signed-in user (or a NocoBase API key).",
                    ))
                    .build(),
            ),
        );
        openapi.security = Some(vec![SecurityRequirement::new(
            "nocobaseToken",
            Vec::<String>::new(),
        )]);
    }
}

/// Names each operation after its route (`mailMessages.list`, and `mailMessages.list.post`
/// for the POST form of an action that answers both), so generated clients get unique,
/// readable ids.
struct OperationIds;

impl utoipa::Modify for OperationIds {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let name = path
                .trim_start_matches("/api/")
                .trim_start_matches('/')
                .replace(':', ".");
            let both = item.get.is_some() && item.post.is_some();
            if let Some(get) = item.get.as_mut() {
                get.operation_id = Some(name.clone());
            }
            if let Some(post) = item.post.as_mut() {
                post.operation_id = Some(if both {
                    format!("{name}.post")
                } else {
                    name.clone()
                });
            }
        }
    }
}

/// The document, built once.
pub fn document() -> &'static str {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        ApiDoc::openapi()
            .to_json()
            .unwrap_or_else(|error| format!("{{\"error\":\"{error}\"}}"))
    })
}

/// The OpenAPI 3 document of this API.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "operations",
    security(()),
    responses((status = 200, description = "The OpenAPI 3 document", content_type = "application/json", body = Object))
)]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(document())
}
