use super::AuthService;
use crate::http::{ApiError, NewToken};
pub use crate::ids::UserId;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use futures_util::future::LocalBoxFuture;

/// The signed-in NocoBase user behind a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: UserId,
    /// NocoBase role names that apply to this request.
    pub roles: Vec<String>,
    /// One of the roles is in `nocobase.admin_roles`. Admins manage providers; they do
    /// not read other users' mail.
    pub is_admin: bool,
    /// The user's name as NocoBase shows it, when NocoBase was asked (`nocobase.url`);
    /// a token checked only locally carries no name.
    pub name: Option<String>,
}

impl Caller {
    /// 403 unless the caller is an admin.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.is_admin {
            Ok(())
        } else {
            Err(ApiError::forbidden("Only an administrator can do this."))
        }
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move {
            let auth = request
                .app_data::<web::Data<AuthService>>()
                .ok_or_else(|| ApiError::internal("AuthService is not registered"))?
                .clone();
            let outcome = auth.authenticate(request.headers()).await?;
            if let Some(token) = outcome.new_token {
                request.extensions_mut().insert(NewToken(token));
            }
            Ok(outcome.caller)
        })
    }
}
