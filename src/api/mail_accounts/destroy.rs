use super::view::own_account;
use crate::auth::Caller;
use crate::crypto::RowIdentity;
use crate::http::{ApiError, Data, QueryParams};
use crate::oauth::flow;
use crate::state::AppState;
use crate::store::{account_tokens, mail_accounts};
use actix_web::web;

/// `mailAccounts:destroy?filterByTk=<id>`: revokes the grant at the provider (best
/// effort), then deletes the account with its tokens (and, as the sync engine adds
/// them, its mail) in one transaction. `{data: 1}`, or `0` if there was nothing to delete.
#[utoipa::path(
    method(get, post),
    path = "/api/mailAccounts:destroy",
    tag = "mailAccounts",
    params(crate::api::openapi::KeyParam),
    responses(
        (status = 200, description = "Accounts removed (the token is revoked at the provider, best effort)", body = crate::api::openapi::CountEnvelope),
        crate::api::openapi::Refusals
    )
)]
pub async fn destroy_mail_account(
    caller: Caller,
    params: QueryParams,
    state: web::Data<AppState>,
) -> Result<Data<usize>, ApiError> {
    let Some(account) = own_account(&caller, &params, &state).await? else {
        return Ok(Data(0));
    };
    let removed = disconnect(&state, account.id).await?;
    tracing::info!(account = account.id, user = %caller.user_id, "mailbox disconnected");
    Ok(Data(removed))
}

/// Stops push, revokes the grant at the provider (best effort), then deletes the account
/// with its tokens and mail. Rows removed.
pub async fn disconnect(state: &AppState, id: i64) -> Result<usize, ApiError> {
    let kind = state
        .store
        .run(move |c| mail_accounts::get(c, id))
        .await?
        .and_then(|account| account.kind());
    if let Some(kind) = kind {
        crate::push::on_disconnect(state, id, kind).await;
        let tokens = state.store.run(move |c| account_tokens::get(c, id)).await?;
        let refresh = tokens.and_then(|row| {
            let sealed = row.refresh_token_sealed?;
            let key = id.to_string();
            state
                .vault
                .open_string(
                    &sealed,
                    RowIdentity {
                        table: "mail_account_tokens",
                        row: &key,
                        column: "refresh_token",
                    },
                )
                .ok()
        });
        if let Some(token) = refresh {
            flow::revoke(&state.http, kind, &state.settings.providers, &token).await;
        }
    }
    Ok(state
        .store
        .run(move |c| mail_accounts::delete(c, id))
        .await?)
}
