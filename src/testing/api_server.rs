//! A mock Kubernetes API server for unit tests, after kube-rs's controller-rs: the code
//! under test gets a real [`kube::Client`] whose requests arrive at a [`Handle`]. A test
//! reads each request as [`Seen`] and answers it with [`json_response`]; [`ApiServer`]
//! does both in one call (asserting method and path) for tests that expect their
//! requests one at a time.

use http::{Method, Request, Response, header};
use kube::Client;
use kube::client::Body;
use serde_json::{Value, json};

/// The test side of the mock API server.
pub type Handle = tower_test::mock::Handle<Request<Body>, Response<Body>>;

/// A client wired to a mock API server (default namespace `default`), and the
/// server's raw handle.
pub fn pair() -> (Client, Handle) {
    let (service, handle) = tower_test::mock::pair::<Request<Body>, Response<Body>>();
    (Client::new(service, "default"), handle)
}

/// A client wired to a mock API server that answers requests one at a time.
pub fn client() -> (Client, ApiServer) {
    let (client, handle) = pair();
    (client, ApiServer { handle })
}

/// A request as the server saw it, for tests to assert its fields.
#[derive(Debug)]
pub struct Seen {
    pub method: Method,
    /// Path and query, as sent.
    pub uri: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    /// Empty when the request had none.
    pub content_type: String,
    /// The body as JSON; `Value::Null` when empty.
    pub body: Value,
}

impl Seen {
    pub async fn read(request: Request<Body>) -> Seen {
        let method = request.method().clone();
        let uri = request.uri().to_string();
        let path = request.uri().path().to_owned();
        let query = request
            .uri()
            .query()
            .unwrap_or_default()
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (k.to_owned(), v.to_owned())
            })
            .collect();
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let bytes = request
            .into_body()
            .collect_bytes()
            .await
            .expect("request body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).expect("request body is JSON")
        };
        Seen {
            method,
            uri,
            path,
            query,
            content_type,
            body,
        }
    }

    /// The `status` of a status patch.
    pub fn status(&self) -> &Value {
        &self.body["status"]
    }

    /// A condition of a status patch, by type.
    pub fn condition(&self, type_: &str) -> &Value {
        self.status()["conditions"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["type"] == type_))
            .unwrap_or_else(|| panic!("no condition {type_} in {:#}", self.body))
    }
}

/// An answer with `body` as JSON.
pub fn json_response(code: u16, body: &Value) -> Response<Body> {
    Response::builder()
        .status(code)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(serde_json::to_vec(body).expect("json")))
        .expect("response")
}

/// A `Status` error body as the API server sends it.
pub fn status_error(code: u16, reason: &str, message: &str) -> Value {
    json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code
    })
}

/// The server side: answer requests one at a time.
pub struct ApiServer {
    handle: Handle,
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
    ) -> Seen {
        let (request, send) = self
            .handle
            .next_request()
            .await
            .expect("the code under test sent a request");
        let seen = Seen::read(request).await;
        assert_eq!(seen.method, method, "method of {}", seen.uri);
        assert_eq!(seen.uri, path_and_query);
        send.send_response(json_response(status, &response));
        seen
    }

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
