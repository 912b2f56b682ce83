//! `mailAccounts:test` and `mailAccounts:connect` for any mailbox by IMAP and SMTP (#26).
//! Both reach the servers the user named through the admin's rules (the SSRF boundary)
//! stage by stage; the test says which stage of which protocol failed, the connect stores
//! the mailbox only when both servers took the login, with the password sealed.

use super::AccountView;
use super::imap_values::ImapValues;
use crate::auth::Caller;
use crate::http::{ApiError, Data, Values};
use crate::imap_account::{self, tls_name};
use crate::providers::ProviderKind;
use crate::providers::imap::{self as wire, Failure, Stage};
use crate::state::AppState;
use crate::store::account_servers::{self, ServerRow, password_identity};
use crate::store::mail_accounts::{self, Connected, NewMailbox};
use crate::store::mail_providers;
use actix_web::http::StatusCode;
use actix_web::web;
use serde::Serialize;

/// What `mailAccounts:test` answers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImapTestReply {
    pub ok: bool,
    /// The stage that failed: `dns`, `tcp`, `tls`, `auth` or `capabilities`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<Stage>,
    /// Which server failed: `imap` or `smtp`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<&'static str>,
    pub message: String,
    /// What the IMAP server offers that sync uses (IDLE, CONDSTORE, …), when it answered.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub capabilities: Vec<String>,
}

/// The admin enabled IMAP mailboxes and the caller's roles may connect one.
async fn allowed(
    state: &AppState,
    caller: &Caller,
) -> Result<crate::providers::imap::Reach, ApiError> {
    let row = state
        .store
        .run(|c| mail_providers::get(c, ProviderKind::Imap))
        .await?;
    let Some(row) = row.filter(|r| r.enabled) else {
        return Err(ApiError::bad_request(
            "PROVIDER_NOT_CONFIGURED",
            "Other mail (IMAP) is not enabled here: an administrator must enable it.",
        ));
    };
    let roles = row.connect_roles();
    if !roles.is_empty() && !caller.roles.iter().any(|r| roles.contains(r)) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "CONNECT_NOT_ALLOWED",
            "Your NocoBase roles may not connect IMAP mailboxes here. Ask your administrator.",
        ));
    }
    Ok(imap_account::reach_with(state, &row.imap_rules()))
}

/// Both servers, IMAP first: what failed, on which, or the IMAP server's capabilities.
async fn check(
    reach: &crate::providers::imap::Reach,
    values: &ImapValues,
    hello: &str,
) -> Result<Vec<String>, (&'static str, Failure)> {
    let probed = wire::probe(reach, &values.imap, &values.username, &values.password)
        .await
        .map_err(|f| ("imap", f))?;
    wire::smtp::probe(
        reach,
        &values.smtp,
        hello,
        &values.username,
        &values.password,
    )
    .await
    .map_err(|f| ("smtp", f))?;
    Ok(probed.capabilities)
}

/// `mailAccounts:test` values `{provider: "imap", email, imap, smtp, username, password}`
/// → `{ok, stage, protocol, message}`: nothing is stored.
#[utoipa::path(
    method(get, post),
    path = "/api/mailAccounts:test",
    tag = "mailAccounts",
    request_body = crate::api::openapi::ImapConnectValues,
    responses(
        (status = 200, description = "Whether both servers took the login; else the stage (`dns`, `tcp`, `tls`, `auth`, `capabilities`) and protocol (`imap`, `smtp`) that failed, in words", body = crate::api::openapi::DataEnvelope<ImapTestReply>),
        (status = 403, description = "`CONNECT_NOT_ALLOWED`: the caller's roles may not connect IMAP mailboxes", body = crate::api::openapi::ErrorBody),
        crate::api::openapi::Refusals
    )
)]
pub async fn test_mail_account(
    caller: Caller,
    Values(values): Values,
    state: web::Data<AppState>,
) -> Result<Data<ImapTestReply>, ApiError> {
    let values = ImapValues::parse(&values)?;
    let reach = allowed(&state, &caller).await?;
    let reply = match check(&reach, &values, &imap_account::hello_name(&state)).await {
        Ok(capabilities) => ImapTestReply {
            ok: true,
            stage: None,
            protocol: None,
            message: format!(
                "Signed in to {} (IMAP) and {} (SMTP).",
                values.imap.host, values.smtp.host
            ),
            capabilities,
        },
        Err((protocol, failure)) => ImapTestReply {
            ok: false,
            stage: Some(failure.stage),
            protocol: Some(protocol),
            message: failure.message,
            capabilities: Vec::new(),
        },
    };
    tracing::info!(user = %caller.user_id, ok = reply.ok, stage = ?reply.stage, protocol = reply.protocol, "IMAP mailbox tested");
    Ok(Data(reply))
}

/// `mailAccounts:connect` with the values of `mailAccounts:test` → the account. Both
/// servers must take the login first; the same mailbox connected again (a new app
/// password) keeps its account and mail.
#[utoipa::path(
    method(get, post),
    path = "/api/mailAccounts:connect",
    tag = "mailAccounts",
    request_body = crate::api::openapi::ImapConnectValues,
    responses(
        (status = 200, description = "The connected account; its first sync starts at once", body = crate::api::openapi::DataEnvelope<AccountView>),
        (status = 422, description = "`CONNECTION_FAILED`: a server did not take the login; the message names the protocol and stage", body = crate::api::openapi::ErrorBody),
        (status = 409, description = "`ACCOUNT_OWNED_BY_OTHER_USER`: another user connected this mailbox", body = crate::api::openapi::ErrorBody),
        (status = 403, description = "`CONNECT_NOT_ALLOWED`: the caller's roles may not connect IMAP mailboxes", body = crate::api::openapi::ErrorBody),
        crate::api::openapi::Refusals
    )
)]
pub async fn connect_mail_account(
    caller: Caller,
    Values(values): Values,
    state: web::Data<AppState>,
) -> Result<Data<AccountView>, ApiError> {
    let values = ImapValues::parse(&values)?;
    let reach = allowed(&state, &caller).await?;
    if let Err((protocol, failure)) =
        check(&reach, &values, &imap_account::hello_name(&state)).await
    {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "CONNECTION_FAILED",
            format!(
                "{} ({}): {}",
                protocol.to_uppercase(),
                serde_json::to_value(failure.stage)
                    .ok()
                    .and_then(|v| v.as_str().map(ToString::to_string))
                    .unwrap_or_default(),
                failure.message
            ),
        ));
    }
    let user_id = caller.user_id.0;
    let now = chrono::Utc::now().naive_utc();
    let mailbox_id = values.mailbox_id();
    let email = values.email.clone();
    let connected = state
        .store
        .run(move |c| {
            let new = NewMailbox {
                provider: ProviderKind::Imap.as_str(),
                provider_user_id: &mailbox_id,
                email: &email,
                display_name: None,
                address_verified: false,
            };
            mail_accounts::connect(c, user_id, &new, now)
        })
        .await?;
    let account = match connected {
        Connected::Created(account) | Connected::Reconnected(account) => account,
        Connected::OwnedByOtherUser => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "ACCOUNT_OWNED_BY_OTHER_USER",
                "Another NocoBase user has connected this mailbox.",
            ));
        }
    };
    let account_id = account.id;
    let id = account_id.to_string();
    let row = ServerRow {
        account_id,
        imap_host: values.imap.host.clone(),
        imap_port: i32::from(values.imap.port),
        imap_tls: tls_name(values.imap.tls).into(),
        smtp_host: values.smtp.host.clone(),
        smtp_port: i32::from(values.smtp.port),
        smtp_tls: tls_name(values.smtp.tls).into(),
        username: values.username.clone(),
        password_sealed: state
            .vault
            .seal(values.password.as_bytes(), password_identity(&id)),
        updated_at: now,
    };
    state
        .store
        .run(move |c| account_servers::put(c, &row))
        .await?;
    tracing::info!(
        provider = "imap",
        user = user_id,
        account = account_id,
        "mailbox connected"
    );
    crate::push::on_connect(&state, account_id, ProviderKind::Imap).await;
    crate::sync::start_soon(&state).await;
    let view = super::view::views(&state, user_id, vec![account])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::internal("the connected account has no view"))?;
    Ok(Data(view))
}
