//! `HEAD` is `GET` without the body (RFC 9110 §9.3.2), and every server must support both: link
//! checkers and mail scanners send it to the links in our mails. Routes are declared for `GET`
//! only, so a `HEAD` request is routed as one; the HTTP layer then sends the head of the answer
//! (with its `Content-Length`) and no body.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::Error;

pub async fn head_as_get(
    mut request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    if request.method() == Method::HEAD {
        request.head_mut().method = Method::GET;
    }
    next.call(request).await
}
