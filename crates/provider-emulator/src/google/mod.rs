//! Google: OAuth routes live in `oauth.rs`; this folder is the Gmail API (routing,
//! payloads, search, batch) and its error shapes.

mod batch;
mod drafts;
pub mod errors;
pub mod gmail;
mod labels;
mod payload;
mod query;
mod resumable;
mod settings;

use crate::gate;
use crate::oauth::{bearer, pairs};
use crate::world::{Provider, Shared};
use actix_web::{HttpRequest, HttpResponse, web};

pub use batch::batch;
pub use resumable::put as resumable_put;

/// Runs one Gmail call already routed: user check, scopes, quota, then the method.
#[allow(clippy::too_many_arguments)]
pub async fn call(
    world: &Shared,
    token: Option<String>,
    user: &str,
    op: gmail::Op,
    query: String,
    body: Vec<u8>,
    content_type: String,
    delay: Option<std::time::Duration>,
) -> crate::reply::Reply {
    let caller = match gate::authenticate(world, Provider::Google, token.as_deref()) {
        Ok(caller) => caller,
        Err(reply) => return reply,
    };
    if user != "me" && !user.eq_ignore_ascii_case(&caller.email) {
        return errors::error(
            403,
            &format!("Delegation denied for {}", caller.email),
            "global",
            "forbidden",
            "PERMISSION_DENIED",
        );
    }
    if !gmail::allowed(&op, &caller.scopes) {
        return errors::insufficient_scope();
    }
    let units = crate::world::limits_units(op.name());
    let _slot = match gate::admit(world, Provider::Google, &caller.email, units) {
        Ok(slot) => slot,
        Err(reply) => return reply,
    };
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    let shared = world.clone();
    let email = caller.email.clone();
    let reply = web::block(move || {
        gmail::execute(
            &shared,
            &email,
            op,
            &pairs(query.as_bytes()),
            &body,
            &content_type,
        )
    })
    .await
    .unwrap_or_else(|_| errors::backend(500));
    gate::count_answer(world, Provider::Google, &caller.email, &reply);
    reply
}

/// `/google/gmail/v1/users/{user}/{tail}` and the `/google/upload/...` variants.
pub async fn api(
    world: web::Data<Shared>,
    request: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> HttpResponse {
    let delay = match gate::fault(&world, Provider::Google, request.path()) {
        gate::Faulted::Serve(delay) => delay,
        gate::Faulted::Answer(answer) => return answer,
    };
    let (user, tail) = path.into_inner();
    if request.method() == actix_web::http::Method::POST
        && resumable::is_resumable(&request)
        && request.path().contains("/upload/")
    {
        return resumable::open(&request, user, tail, &body);
    }
    let Some(op) = gmail::route(request.method().as_str(), &tail) else {
        return errors::not_found().into_http();
    };
    let content_type = request
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    call(
        &world,
        bearer(&request),
        &user,
        op,
        request.query_string().to_string(),
        body.to_vec(),
        content_type,
        delay,
    )
    .await
    .into_http()
}
