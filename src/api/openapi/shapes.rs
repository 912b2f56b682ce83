//! Shapes the API document names but no handler builds as a type: envelopes, error
//! bodies, the nested objects views build as JSON, and the `values` of each action
//! (handlers read those field by field, to name the bad field in a 400).

use serde::Deserialize;
use utoipa::{IntoParams, IntoResponses, ToSchema};

/// `{"data": […], "meta": {…}}`: a page of a `list`.
#[derive(ToSchema)]
pub struct ListEnvelope<T: ToSchema> {
    pub data: Vec<T>,
    pub meta: ListMeta,
}

/// Paging of a `list`, as NocoBase's own lists carry it.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct ListMeta {
    pub count: u64,
    pub page: u32,
    pub page_size: u32,
    pub total_page: u64,
}

/// `{"data": …}`: the envelope of every action but `list`.
#[derive(ToSchema)]
pub struct DataEnvelope<T: ToSchema> {
    pub data: T,
}

/// `{"data": … | null}`: a `get` whose row may not exist or not be visible. Three
/// concrete shapes: a generic one loses the `null` when utoipa inlines it.
#[derive(ToSchema)]
pub struct MaybeAccount {
    pub data: Option<crate::api::mail_accounts::AccountView>,
}

#[derive(ToSchema)]
pub struct MaybeMessage {
    pub data: Option<crate::api::mail_messages::get::MessageDetailView>,
}

#[derive(ToSchema)]
pub struct MaybeThread {
    pub data: Option<crate::api::mail_threads::get::ThreadDetailView>,
}

/// `{"data": <rows removed>}`.
#[derive(ToSchema)]
pub struct CountEnvelope {
    pub data: u64,
}

/// Every error: NocoBase's envelope.
#[derive(ToSchema)]
pub struct ErrorBody {
    pub errors: Vec<ErrorItem>,
}

#[derive(ToSchema)]
pub struct ErrorItem {
    pub message: String,
    /// UPPER_SNAKE, e.g. `INVALID_FILTER`, `BLOCKED_TOKEN`.
    pub code: Option<String>,
}

/// What every action may answer besides its success: bad input, and NocoBase's own
/// "signed out" answers.
#[derive(IntoResponses)]
pub enum Refusals {
    #[response(status = 400, description = "Bad input; the message names the field")]
    BadInput(ErrorBody),
    #[response(
        status = 401,
        description = "Not signed in: NocoBase's own codes (EMPTY_TOKEN, INVALID_TOKEN, BLOCKED_TOKEN, EXPIRED_SESSION, …)"
    )]
    SignedOut(ErrorBody),
}

/// A list or search beyond the caller's share of the service.
#[derive(IntoResponses)]
pub enum Busy {
    #[response(
        status = 429,
        description = "The caller has `limits.lists_per_user` lists or searches running; `Retry-After` says when to try again"
    )]
    TooMany(ErrorBody),
    #[response(
        status = 503,
        description = "`QUERY_TIMEOUT`: a statement ran past `limits.query_timeout_secs`; narrow the filter or the search"
    )]
    TimedOut(ErrorBody),
}

/// The answer of an admin-only action to anyone else.
#[derive(IntoResponses)]
pub enum AdminOnly {
    #[response(status = 403, description = "Signed in, but not an admin")]
    NotAdmin(ErrorBody),
}

/// A person on a message.
#[derive(ToSchema)]
pub struct Address {
    pub name: Option<String>,
    pub address: Option<String>,
}

/// An account's sync progress, for a progress bar.
#[derive(ToSchema)]
pub struct SyncProgress {
    /// `initial`, `incremental` or `idle`.
    pub phase: String,
    pub done: i64,
    pub total: Option<i64>,
}

/// Whether the provider pushes this mailbox's changes (else it is polled).
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct PushState {
    /// `active` (push arrives), `pending` (being set up), `failed` (see `lastError`;
    /// retried later) or `off` (not configured for this provider).
    pub status: String,
    pub last_error: Option<String>,
    /// When the provider last pushed a change.
    pub last_push_at: Option<String>,
    /// When the subscription or watch lapses unless renewed.
    pub expires_at: Option<String>,
}

/// Why an account's last sync failed.
#[derive(ToSchema)]
pub struct LastError {
    pub code: String,
    pub message: String,
    pub at: String,
}

/// An attachment of a message (its bytes: `mailAttachments:download`).
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct AttachmentInfo {
    pub id: i64,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub size: Option<i64>,
    pub inline: bool,
    pub content_id: Option<String>,
}

/// A message the provider refused to change, in a bulk update or delete.
#[derive(ToSchema)]
pub struct FailedChange {
    pub id: i64,
    pub code: String,
    pub message: String,
}

#[derive(ToSchema)]
pub struct FailedMeta {
    pub failed: Vec<FailedChange>,
}

/// `mailMessages:update`: the changed messages, and those the provider refused.
#[derive(ToSchema)]
pub struct MessagesChanged {
    pub data: Vec<crate::api::message_reads::MessageView>,
    pub meta: FailedMeta,
}

/// `mailMessages:destroy`: how many went to the trash, and those the provider refused.
#[derive(ToSchema)]
pub struct MessagesRemoved {
    pub data: u64,
    pub meta: FailedMeta,
}

/// `mailAccounts:sync`.
#[derive(ToSchema)]
pub struct SyncQueued {
    pub queued: bool,
}

/// `mailOutbox:destroy`.
#[derive(ToSchema)]
pub struct SendCancelled {
    pub id: i64,
    pub cancelled: bool,
}

/// `/healthz` and `/readyz`.
#[derive(ToSchema)]
pub struct Health {
    /// `ok`, `ready` or `unavailable`.
    pub status: String,
    pub reason: Option<String>,
}

/// A provider, as `filterByTk` of `mailProviders` and `provider` of an authorize.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum ProviderName {
    Google,
    Microsoft,
    Imap,
}

/// Who else may see a mailbox.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum Visibility {
    Private,
    Metadata,
    Subject,
    Full,
}

/// `mailAccounts:list?scope=`: the caller's own accounts, or (admins) every account's
/// metadata.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum AccountScope {
    Own,
    All,
}

/// What a send does with the message it refers to.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub enum ReferenceAction {
    Reply,
    ReplyAll,
    Forward,
}

/// Values of `mailProviders:update`. An omitted or empty secret keeps the stored one.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct ProviderValues {
    pub client_id: Option<String>,
    /// Write-only: never returned.
    pub client_secret: Option<String>,
    /// Microsoft: `common`, `organizations`, `consumers` or a tenant id.
    pub tenant: Option<String>,
    /// Microsoft: home tenant ids (GUIDs) whose mailboxes may connect; empty or null: any.
    pub allowed_tenants: Option<Vec<String>>,
    /// NocoBase roles whose users may connect mailboxes of this provider; empty or null:
    /// every signed-in user.
    pub connect_roles: Option<Vec<String>>,
    /// Google: the service account Cloud Pub/Sub signs Gmail push requests as (the push
    /// subscription's authentication); pushes signed by anyone else are refused.
    pub push_service_account: Option<String>,
    pub enabled: Option<bool>,
    /// Google: the Pub/Sub topic for Gmail push.
    pub pubsub_topic: Option<String>,
    /// Google: the audience of the push requests' OIDC tokens.
    pub push_audience: Option<String>,
}

/// Values of `mailAccounts:disconnectUser`.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DisconnectUserValues {
    /// The NocoBase user whose mailboxes are all disconnected.
    pub user_id: i64,
}

/// Values of `mailSignatures:create` and `update` (an update changes the fields given).
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct SignatureValues {
    pub name: Option<String>,
    /// HTML; cleaned as incoming mail is. Pasted images may be `data:` URLs.
    pub html: Option<String>,
    /// One of the caller's mailboxes; null: any.
    pub account_id: Option<i64>,
    /// One of that mailbox's send-as addresses; null: any.
    pub identity: Option<String>,
    pub is_default: Option<bool>,
    /// `aboveQuote` or `belowQuote` (default).
    pub placement: Option<String>,
    /// Take the provider's own signature for `identity` (Gmail) as the HTML.
    pub import_from_provider: Option<bool>,
}

/// Values of `mailTemplates:create` and `update` (an update changes the fields given).
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct TemplateValues {
    pub name: Option<String>,
    /// With variables such as `{{$nRecord.name}}`.
    pub subject: Option<String>,
    pub html: Option<String>,
    /// `personal` (default) or `shared` (admins only).
    pub scope: Option<String>,
    /// A shared template's NocoBase roles.
    pub roles: Option<Vec<String>>,
}

/// A record a template is filled from, read with the caller's NocoBase permissions.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct RecordRef {
    /// Default `main`.
    pub data_source: Option<String>,
    pub collection: String,
    pub filter_by_tk: serde_json::Value,
}

/// Values of `mailTemplates:render`: a template, or a subject and HTML as they are.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct RenderValues {
    pub template_id: Option<i64>,
    pub subject: Option<String>,
    pub html: Option<String>,
    /// Values by top-level name: `{"$recipient": {"name": "Zoë"}}`.
    pub variables: Option<serde_json::Value>,
    /// Fills `$nRecord`.
    pub record: Option<RecordRef>,
}

/// Where a campaign's recipients come from: the records of a NocoBase collection, read
/// as the caller.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct CampaignSource {
    /// Default `main`.
    pub data_source: Option<String>,
    pub collection: String,
    /// The selected records' keys (or `filter`).
    pub ids: Option<Vec<serde_json::Value>>,
    /// NocoBase's filter JSON: all records that match (or `ids`).
    pub filter: Option<serde_json::Value>,
    /// The field holding each record's address.
    pub email_field: String,
}

/// Values of `mailCampaigns:create`.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct CampaignValues {
    /// One of the caller's mailboxes.
    pub account_id: i64,
    /// One of the mailbox's send-as addresses (default: its own).
    pub from: Option<String>,
    /// The template; `$nRecord` is each recipient's record.
    pub template_id: i64,
    pub source: CampaignSource,
    /// When it starts once running (RFC 3339); null or absent: at once.
    pub send_at: Option<String>,
}

/// Values of `mailCampaigns:update`.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct CampaignUpdateValues {
    /// `running` (start or resume), `paused` or `cancelled`.
    pub status: Option<String>,
    /// While a draft or paused.
    pub send_at: Option<String>,
}

/// Values of `mailNotes:create` (and `update`, without `messageId`/`threadId`).
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct NoteValues {
    /// The message the note is on (create; or `threadId`).
    pub message_id: Option<i64>,
    /// The thread the note is on (create; or `messageId`).
    pub thread_id: Option<i64>,
    /// 1 to 10,000 characters.
    pub text: Option<String>,
    /// A to-do; a due date makes one.
    pub is_todo: Option<bool>,
    /// RFC 3339, or a day (its end, UTC); null clears it.
    pub due_at: Option<String>,
    /// A to-do's done flag.
    pub done: Option<bool>,
}

/// Values of `mailTrustedSenders:create`.
#[derive(ToSchema)]
pub struct TrustedSenderValues {
    /// The sender's address.
    pub address: String,
}

/// Values of `mailActivity:subscribe` and `mailActivity:unsubscribe`.
#[derive(ToSchema)]
pub struct ReaderValues {
    /// The reader's name (1 to 200 characters), the caller's own.
    pub reader: String,
}

/// Values of `mailActivity:ack`.
#[derive(ToSchema)]
pub struct AckValues {
    pub reader: String,
    /// The `meta.position` of a `mailActivity:list` answer whose rows are handled.
    pub position: i64,
}

/// Values of `mailOptOuts:create`.
#[derive(ToSchema)]
pub struct OptOutValues {
    /// An email address, or a domain (`example.com` or `@example.com`).
    pub entry: String,
    /// Why (up to 500 characters).
    pub reason: Option<String>,
}

/// Values of `mailAccounts:authorize`.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct AuthorizeValues {
    pub provider: ProviderName,
    /// Where the browser lands after the consent page; an allowed origin only.
    pub return_url: Option<String>,
    pub login_hint: Option<String>,
}

/// A server of an IMAP mailbox.
#[derive(ToSchema)]
pub struct ImapServer {
    pub host: String,
    /// By default 993 (IMAP, implicit TLS), 143 (IMAP, STARTTLS), 465 (SMTP, implicit
    /// TLS) or 587 (SMTP, STARTTLS).
    pub port: Option<u16>,
    /// `implicit`, `starttls`, or `none` (only when the admin allows plaintext).
    pub tls: Option<String>,
}

/// Values of `mailAccounts:test` and `mailAccounts:connect`.
#[derive(ToSchema)]
pub struct ImapConnectValues {
    /// `imap`.
    pub provider: String,
    pub email: String,
    pub imap: ImapServer,
    pub smtp: ImapServer,
    /// The sign-in name; the address by default.
    pub username: Option<String>,
    /// The password or app password; sealed at rest, never shown again.
    pub password: String,
}

/// Values of `mailAccounts:update`.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct AccountValues {
    pub display_name: Option<String>,
    pub sync_enabled: Option<bool>,
    pub visibility: Option<Visibility>,
    /// The NocoBase roles a shared mailbox is shown to; required to share at all.
    pub shared_with_roles: Option<Vec<String>>,
}

/// Values of `mailAccounts:sync`.
#[derive(ToSchema)]
pub struct SyncValues {
    /// Resynchronize everything, not only what changed.
    pub full: Option<bool>,
}

/// Values of `mailMessages:update`.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct MessageValues {
    pub is_read: Option<bool>,
    pub is_starred: Option<bool>,
    /// Move to this folder (of the same account).
    pub folder_id: Option<i64>,
    /// Labels to put on (`mailLabels` ids of the messages' mailbox).
    pub add_label_ids: Option<Vec<i64>>,
    /// Labels to take off.
    pub remove_label_ids: Option<Vec<i64>>,
}

/// Values of `mailLabels:create` (and `update`, without `accountId`).
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct LabelValues {
    /// The mailbox (create only).
    pub account_id: Option<i64>,
    /// 1 to 225 characters, unique in the mailbox (without regard to case). Outlook
    /// categories keep their first name.
    pub name: Option<String>,
    /// One of the shared palette's `#rrggbb` colours, or null for none.
    pub color: Option<String>,
}

/// A file sent with a message.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct OutgoingFile {
    pub filename: String,
    pub content_type: Option<String>,
    /// Base64.
    pub content: String,
}

/// The message a reply or forward refers to.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct SendReference {
    pub message_id: i64,
    pub action: ReferenceAction,
    /// Default true: add the recipients a reply goes to (Reply-To or From, and for
    /// reply-all To and Cc) to those given. False: send to exactly `to`/`cc`/`bcc` (a form
    /// that showed `mailMessages:prepareReply`'s recipients and let the user edit them).
    pub fill_recipients: Option<bool>,
}

/// A warning about a request that was still carried out.
#[derive(ToSchema)]
pub struct Warning {
    /// For example `REPLY_TO_DIFFERS`.
    pub code: String,
    pub message: String,
}

/// Values of `mailMessages:send` (JSON; multipart/form-data takes the same fields, with
/// files as parts).
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct SendValues {
    pub account_id: i64,
    /// One of the account's `identities[].address` (default: the primary address, or
    /// for an answer the address the original was sent to).
    #[schema(value_type = Option<Object>)]
    pub from: Option<String>,
    /// Addresses: `"a@b.c"`, `"Name <a@b.c>"` or `{name, address}`.
    #[schema(value_type = Vec<Object>)]
    pub to: Vec<String>,
    #[schema(value_type = Option<Vec<Object>>)]
    pub cc: Option<Vec<String>>,
    #[schema(value_type = Option<Vec<Object>>)]
    pub bcc: Option<Vec<String>>,
    pub subject: Option<String>,
    pub text: Option<String>,
    pub html: Option<String>,
    pub attachments: Option<Vec<OutgoingFile>>,
    pub reference: Option<SendReference>,
    /// RFC 3339: send later.
    pub send_at: Option<String>,
    /// One of the caller's `mailSignatures`, put in as saved: at the end of a new
    /// message, above or below the quote of an answer as its `placement` says.
    pub signature_id: Option<i64>,
}

/// `page` and `pageSize` of every `list`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct PageParams {
    /// From 1 (default 1).
    #[param(minimum = 1, maximum = 1000000)]
    page: Option<u32>,
    /// 1 to 200 (default 20).
    #[serde(rename = "pageSize")]
    #[param(minimum = 1, maximum = 200)]
    page_size: Option<u32>,
}

/// Filtering, search and sorting of messages and threads.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct MailQueryParams {
    /// A NocoBase filter as JSON, e.g. `{"participants.domain":{"$eq":"acme.com"}}`.
    filter: Option<String>,
    /// Full-text search over subject, body text and addresses.
    q: Option<String>,
    /// `date`, `subject`, `from.address`; `-` for descending (default `-date`).
    #[serde(rename = "sort[]")]
    sort: Option<Vec<String>>,
}

/// `filterByTk`: the id of the row an action works on.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct KeyParam {
    #[serde(rename = "filterByTk")]
    #[param(minimum = 1)]
    filter_by_tk: i64,
}

/// `filterByTk`: the id of a row the provider owns (a draft: `<accountId>:<providerDraftId>`).
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct TextKeyParam {
    #[serde(rename = "filterByTk")]
    filter_by_tk: String,
}

/// `filterByTk` or `filterByTk[]`: one id or several (up to 1,000).
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct KeysParam {
    #[serde(rename = "filterByTk")]
    #[param(minimum = 1)]
    filter_by_tk: Option<i64>,
    #[serde(rename = "filterByTk[]", default)]
    #[param(max_items = 1000)]
    filter_by_tk_list: Option<Vec<i64>>,
}
