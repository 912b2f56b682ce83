//! Microsoft Graph v1.0 mail under `/microsoft/v1.0/me`: routing, reads, writes, delta,
//! OData options and Graph's error shapes. OAuth lives in `oauth.rs`.

mod categories;
mod compose;
pub mod errors;
mod json;
mod odata;
mod read;
mod route;
mod write;

pub use write::UploadSession;

use crate::gate;
use crate::oauth::{Pairs, bearer, pairs};
use crate::reply::Reply;
use crate::world::{Mailbox, Provider, Shared};
use actix_web::{HttpRequest, HttpResponse, web};
use route::Op;

/// One Graph call, as handlers see it.
pub struct Ctx<'a> {
    pub email: &'a str,
    pub query: Pairs,
    pub body: &'a [u8],
    pub content_type: &'a str,
    /// `Prefer: IdType="ImmutableId"`.
    pub immutable: bool,
    /// `Prefer: outlook.body-content-type="text"`.
    pub prefer_text: bool,
    /// `Prefer: odata.maxpagesize=N`.
    pub max_page: Option<usize>,
    /// `http://host:port/microsoft/v1.0`, for links.
    pub base: String,
    /// The request path after the version, e.g. `/me/messages`.
    pub path: String,
}

fn execute(shared: &Shared, op: Op, ctx: &Ctx<'_>) -> Reply {
    let mut world = shared.lock();
    match op {
        Op::SendMail => return write::send_mail(&mut world, ctx),
        Op::CreateMessage(folder) => {
            return write::create_draft(&mut world, ctx, folder.as_deref());
        }
        Op::SendDraft(id) => return write::send_draft(&mut world, ctx, &id),
        Op::CreateResponse(id, kind) => return write::create_response(&mut world, ctx, &id, kind),
        Op::RespondNow(id, kind) => return write::respond_now(&mut world, ctx, &id, kind),
        Op::Patch(id) => return write::patch(&mut world, ctx, &id),
        Op::Move(id) => return write::move_message(&mut world, ctx, &id),
        Op::Delete(id) => return write::delete(&mut world, ctx, &id),
        Op::AddAttachment(id) => return write::add_attachment(&mut world, ctx, &id),
        Op::DeleteAttachment(id, attachment) => {
            return write::delete_attachment(&mut world, ctx, &id, &attachment);
        }
        Op::CreateUploadSession(id) => return write::create_upload_session(&mut world, ctx, &id),
        Op::Categories(method, id) => {
            return categories::execute(&mut world, ctx.email, &method, id.as_deref(), ctx.body);
        }
        _ => {}
    }
    let Some(user) = world.user(Provider::Microsoft, ctx.email) else {
        return errors::error(404, "ResourceNotFound", "Resource could not be discovered.");
    };
    if op == Op::Me {
        return read::me(user, ctx);
    }
    let Mailbox::Graph(mailbox) = &user.mailbox else {
        return errors::error(404, "ResourceNotFound", "Resource could not be discovered.");
    };
    match op {
        Op::FoldersList => read::folders(mailbox, ctx, None),
        Op::ChildFolders(id) => read::folders(mailbox, ctx, Some(&id)),
        Op::FolderGet(id) => read::folder(mailbox, &id),
        Op::MessagesList(folder) => read::messages(mailbox, ctx, folder.as_deref()),
        Op::MessageGet(id) => read::message(mailbox, ctx, &id),
        Op::Delta(folder) => read::delta(mailbox, ctx, &folder),
        Op::MessageValue(ref id)
        | Op::AttachmentsList(ref id)
        | Op::AttachmentGet(ref id, _)
        | Op::AttachmentValue(ref id, _) => {
            // The bytes are made and decoded with the world let go: one 40 MB message
            // must not hold up every other request, the sidecar's included.
            let Some(message) = mailbox.find(id).cloned() else {
                return errors::not_found();
            };
            drop(world);
            match &op {
                Op::MessageValue(_) => read::mime(&message),
                Op::AttachmentGet(_, attachment) => {
                    read::attachments(&message, ctx, Some(attachment), false)
                }
                Op::AttachmentValue(_, attachment) => {
                    read::attachments(&message, ctx, Some(attachment), true)
                }
                _ => read::attachments(&message, ctx, None, false),
            }
        }
        _ => errors::not_found(),
    }
}

fn prefer(request: &HttpRequest) -> (bool, bool, Option<usize>) {
    let text: String = request
        .headers()
        .get_all("prefer")
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    let lower = text.to_ascii_lowercase();
    let immutable = lower.contains("idtype=\"immutableid\"");
    let prefer_text = lower.contains("outlook.body-content-type=\"text\"");
    let max_page = lower
        .split(',')
        .filter_map(|p| p.trim().strip_prefix("odata.maxpagesize="))
        .filter_map(|n| n.trim().parse().ok())
        .next();
    (immutable, prefer_text, max_page)
}

/// `/microsoft/v1.0/me` and everything under it.
pub async fn api(world: web::Data<Shared>, request: HttpRequest, body: web::Bytes) -> HttpResponse {
    let delay = match gate::fault(&world, Provider::Microsoft, request.path()) {
        gate::Faulted::Serve(delay) => delay,
        gate::Faulted::Answer(answer) => return answer,
    };
    let full = request.path().to_string();
    let after_version = full
        .strip_prefix("/microsoft/v1.0")
        .unwrap_or(&full)
        .to_string();
    let tail = after_version.strip_prefix("/me").unwrap_or("").to_string();
    let Some(op) = route::route(request.method().as_str(), &tail) else {
        return errors::error(
            400,
            "BadRequest",
            &format!(
                "Resource not found for the segment '{}'.",
                tail.rsplit('/').next().unwrap_or("")
            ),
        )
        .into_http();
    };
    let caller = match gate::authenticate(&world, Provider::Microsoft, bearer(&request).as_deref())
    {
        Ok(caller) => caller,
        Err(reply) => return reply.into_http(),
    };
    if !route::allowed(op.need(), &caller.scopes) {
        return errors::access_denied().into_http();
    }
    let _slot = match gate::admit(&world, Provider::Microsoft, &caller.email, 1) {
        Ok(slot) => slot,
        Err(reply) => return reply.into_http(),
    };
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    let (immutable, prefer_text, max_page) = prefer(&request);
    let info = request.connection_info().clone();
    let base = format!("{}://{}/microsoft/v1.0", info.scheme(), info.host());
    let content_type = request
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let query = request.query_string().to_string();
    let shared = world.get_ref().clone();
    let email = caller.email.clone();
    let reply = web::block(move || {
        let ctx = Ctx {
            email: &caller.email,
            query: pairs(query.as_bytes()),
            body: &body,
            content_type: &content_type,
            immutable,
            prefer_text,
            max_page,
            base,
            path: after_version,
        };
        execute(&shared, op, &ctx)
    })
    .await
    .unwrap_or_else(|_| errors::service_error(500));
    gate::count_answer(&world, Provider::Microsoft, &email, &reply);
    let mut response = reply;
    if immutable {
        response = response.header("preference-applied", "IdType=\"ImmutableId\"");
    }
    response.into_http()
}

/// `PUT /microsoft/upload/{session}`: an attachment chunk (no Authorization, as in Graph).
pub async fn upload(
    world: web::Data<Shared>,
    request: HttpRequest,
    session: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let range = request
        .headers()
        .get("content-range")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let mut world = world.lock();
    write::upload_chunk(&mut world, &session, &range, &body).into_http()
}
