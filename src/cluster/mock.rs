//! A mock Kubernetes API server for tests, after kube-rs's controller-rs: the code
//! under test gets a real [`kube::Client`] whose requests arrive here, where each is
//! asserted (method, path and query, content type, body) and answered in turn.

use http::{Method, Request, Response};
use kube::Client;
use kube::client::Body;
use serde_json::Value;

type Handle = tower_test::mock::Handle<Request<Body>, Response<Body>>;

/// A client wired to a mock API server (default namespace `default`).
pub fn client() -> (Client, ApiServer) {
    let (service, handle) = tower_test::mock::pair::<Request<Body>, Response<Body>>();
    (Client::new(service, "default"), ApiServer { handle })
}

/// The server side: answer requests one at a time.
pub struct ApiServer {
    handle: Handle,
}

/// What a request carried, for assertions beyond method and URI.
#[derive(Debug)]
pub struct Received {
    pub content_type: Option<String>,
    /// The body as JSON; `Value::Null` when empty.
    pub body: Value,
}

impl ApiServer {
    /// Waits for the next request, asserts its method and path-and-query, answers
    /// `status` with `response` as JSON, and returns what the request carried.
    pub async fn expect(
        &mut self,
        method: Method,
        path_and_query: &str,
        status: u16,
        response: Value,
    ) -> Received {
        let (request, send) = self
            .handle
            .next_request()
            .await
            .expect("the code under test sent a request");
        assert_eq!(request.method(), method, "method of {}", request.uri());
        assert_eq!(request.uri().to_string(), path_and_query);
        let content_type = request
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = request.into_body().collect_bytes().await.unwrap();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap()
        };
        send.send_response(
            Response::builder()
                .status(status)
                .header(http::header::CONTENT_TYPE, "application/json")
                .body(Body::from(serde_json::to_vec(&response).unwrap()))
                .unwrap(),
        );
        Received { content_type, body }
    }
}

impl ApiServer {
    /// Takes the next request and does not answer it while the returned handle lives.
    pub async fn hold_next(&mut self) -> tower_test::mock::SendResponse<Response<Body>> {
        let (_request, send) = self
            .handle
            .next_request()
            .await
            .expect("the code under test sent a request");
        send
    }
}

/// A `Status` error body as the API server sends it.
pub fn status_error(code: u16, reason: &str, message: &str) -> Value {
    serde_json::json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code
    })
}
