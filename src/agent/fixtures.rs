//! Test helpers (kube-rs controller-rs pattern): a verifier on the mock Kubernetes API
//! server ([`crate::testing::api_server`]) that asserts each request the reconciler
//! sends, in order, and answers it; and `IndustrialPLC` objects whose device is the
//! real in-process simulator.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::{Method, Response};
use kube::client::Body;
use serde_json::{Value, json};
use tokio::task::JoinHandle;

use super::{Backoff, Context};
use crate::device::RetryPolicy;
use crate::device::modbus::ModbusConnector;
use crate::engine::apply::{RegisterResult, ResultSink};
use crate::engine::observe::ReadOptions;
use crate::manifest::{self, IndustrialPLC, IndustrialPLCStatus};
use crate::metrics::Metrics;
use crate::sim::{SimConfig, SimHandle, Simulator};
use crate::testing::api_server::{self, Handle, Seen, json_response, status_error};

/// Namespace of every test object.
pub const NS: &str = "plant-a";
/// Every await on the mock is bounded by this.
pub const WAIT: Duration = Duration::from_secs(10);

/// The fixed wall clock of tests: 2025-06-15T15:06:40Z.
pub fn clock() -> jiff::Timestamp {
    jiff::Timestamp::from_second(1_750_000_000).expect("valid time")
}

/// `clock()` as the agent writes it.
pub const NOW: &str = "2025-06-15T15:06:40Z";

/// One request the reconciler must send next, and how the server answers it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Step {
    /// POST of a new events.k8s.io/v1 event with this reason; answered 201.
    EventCreate(&'static str),
    /// PATCH of an event published before (kube's recorder turns a repeat into a
    /// series); answered 200.
    EventSeries(&'static str),
    /// Server-side apply of the status subresource; answered with this HTTP status
    /// (200: the object carrying the applied status; else a `Status` failure).
    StatusApply(u16),
    /// Server-side apply of the status subresource, never answered (while the test
    /// runs): an API server in a brownout.
    StatusUnanswered,
}

/// What the API server sees during one test.
#[derive(Clone, Debug)]
pub enum Scenario {
    /// These events, in order, then a status patch.
    EventsThenStatus(&'static [&'static str]),
    /// Any sequence, over several reconciles.
    Steps(Vec<Step>),
}

impl Scenario {
    fn steps(self) -> Vec<Step> {
        match self {
            Scenario::EventsThenStatus(reasons) => reasons
                .iter()
                .map(|r| Step::EventCreate(r))
                .chain([Step::StatusApply(200)])
                .collect(),
            Scenario::Steps(steps) => steps,
        }
    }
}

/// Answers the reconciler's requests like an API server would, asserting each.
pub struct ApiServerVerifier {
    handle: Handle,
    last_status: LastStatus,
}

/// The status of the last status patch the verifier received, whatever it answered:
/// what the API server holds if it stored that patch.
pub type LastStatus = Arc<Mutex<Option<IndustrialPLCStatus>>>;

impl ApiServerVerifier {
    /// Serves `scenario` for `object`; the handle yields every request seen. After the
    /// last step it asserts that no further request arrives before the test drops
    /// the context (the client).
    pub fn run(self, object: &IndustrialPLC, scenario: Scenario) -> JoinHandle<Vec<Seen>> {
        let object = object.clone();
        let mut handle = self.handle;
        let last_status = self.last_status;
        tokio::spawn(async move {
            let mut seen = Vec::new();
            let mut unanswered = Vec::new();
            for step in scenario.steps() {
                let (request, send) = tokio::time::timeout(WAIT, handle.next_request())
                    .await
                    .unwrap_or_else(|_| panic!("expected {step:?}; no request came"))
                    .unwrap_or_else(|| panic!("expected {step:?}; the client was dropped"));
                let request = Seen::read(request).await;
                if let Step::StatusApply(_) | Step::StatusUnanswered = step {
                    *last_status.lock().unwrap_or_else(|e| e.into_inner()) =
                        serde_json::from_value(request.status().clone()).ok();
                }
                if step == Step::StatusUnanswered {
                    // Asserted as a status patch; the answer is dropped.
                    answer(&object, Step::StatusApply(200), &request);
                    unanswered.push(send);
                } else {
                    send.send_response(answer(&object, step, &request));
                }
                seen.push(request);
            }
            match tokio::time::timeout(WAIT, handle.next_request()).await {
                Ok(None) => {}
                Ok(Some((request, _))) => panic!(
                    "unexpected request {} {} after the scenario",
                    request.method(),
                    request.uri()
                ),
                Err(_) => panic!("the test kept the client alive; drop the context"),
            }
            seen
        })
    }
}

/// Asserts one request against its step and builds the answer.
fn answer(object: &IndustrialPLC, step: Step, seen: &Seen) -> Response<Body> {
    let name = object.metadata.name.as_deref().unwrap_or_default();
    let events = format!("/apis/events.k8s.io/v1/namespaces/{NS}/events");
    match step {
        Step::EventCreate(reason) => {
            assert_eq!(seen.method, Method::POST, "{step:?}");
            assert_eq!(seen.path, events, "{step:?}");
            assert_eq!(seen.content_type, "application/json", "{step:?}");
            assert_event(&seen.body, reason, name);
            json_response(201, &seen.body)
        }
        Step::EventSeries(reason) => {
            assert_eq!(seen.method, Method::PATCH, "{step:?}");
            assert!(
                seen.path.starts_with(&format!("{events}/{name}.")),
                "{step:?}: {}",
                seen.path
            );
            assert_eq!(
                seen.content_type, "application/merge-patch+json",
                "{step:?}"
            );
            assert_event(&seen.body, reason, name);
            assert!(
                seen.body["series"]["count"].as_i64().unwrap_or(0) >= 2,
                "{step:?}: {:#}",
                seen.body
            );
            json_response(200, &seen.body)
        }
        Step::StatusUnanswered => unreachable!("never answered"),
        Step::StatusApply(code) => {
            assert_eq!(seen.method, Method::PATCH, "{step:?}");
            assert_eq!(
                seen.path,
                format!("/apis/fabgitops.io/v1/namespaces/{NS}/industrialplcs/{name}/status"),
                "{step:?}"
            );
            let mut query = seen.query.clone();
            query.sort();
            assert_eq!(
                query,
                [
                    ("fieldManager".to_owned(), "fabctl-agent".to_owned()),
                    ("force".to_owned(), "true".to_owned())
                ],
                "{step:?}"
            );
            assert_eq!(
                seen.content_type, "application/apply-patch+yaml",
                "{step:?}"
            );
            assert_eq!(seen.body["apiVersion"], "fabgitops.io/v1");
            assert_eq!(seen.body["kind"], "IndustrialPLC");
            assert!(seen.body["status"].is_object(), "{:#}", seen.body);
            assert!(
                seen.body.get("spec").is_none(),
                "the status patch carries no spec"
            );
            if code == 200 {
                let mut patched = object.clone();
                patched.status =
                    Some(serde_json::from_value(seen.body["status"].clone()).expect("a status"));
                json_response(200, &serde_json::to_value(patched).expect("object"))
            } else {
                let reason = if code == 409 {
                    "Conflict"
                } else {
                    "InternalError"
                };
                json_response(
                    code,
                    &status_error(code, reason, &format!("injected {code}")),
                )
            }
        }
    }
}

fn assert_event(body: &Value, reason: &str, name: &str) {
    assert_eq!(body["reason"], reason, "{body:#}");
    assert_eq!(body["reportingController"], "fabctl-agent", "{body:#}");
    assert_eq!(body["regarding"]["kind"], "IndustrialPLC", "{body:#}");
    assert_eq!(
        body["regarding"]["apiVersion"], "fabgitops.io/v1",
        "{body:#}"
    );
    assert_eq!(body["regarding"]["name"], name, "{body:#}");
    assert_eq!(body["regarding"]["namespace"], NS, "{body:#}");
    assert!(
        body["note"].as_str().is_some_and(|n| !n.is_empty()),
        "{body:#}"
    );
}

/// An audit sink that keeps what it was given.
#[derive(Default)]
pub struct Audit(pub Mutex<Vec<RegisterResult>>);

impl ResultSink for Audit {
    fn record(&self, result: &RegisterResult) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(result.clone());
    }
}

/// A test context: mock API server, real Modbus client, one attempt per request,
/// backoff of `backoff` without jitter, the fixed clock.
pub struct TestContext {
    pub ctx: Arc<Context<ModbusConnector>>,
    verifier: Option<ApiServerVerifier>,
    /// The status of the last status patch, stored or not.
    pub last_status: LastStatus,
    pub metrics: Arc<Metrics>,
    pub audit: Arc<Audit>,
}

impl TestContext {
    /// Starts the mock API server on `scenario` (once per test).
    pub fn serve(&mut self, object: &IndustrialPLC, scenario: Scenario) -> JoinHandle<Vec<Seen>> {
        self.verifier
            .take()
            .expect("one scenario per test")
            .run(object, scenario)
    }
}

pub fn context(backoff: Duration) -> TestContext {
    let metrics = Arc::new(Metrics::new());
    let audit = Arc::new(Audit::default());
    let (ctx, handle) = bare_context(backoff, Arc::clone(&metrics), Arc::clone(&audit));
    let last_status = LastStatus::default();
    TestContext {
        ctx: Arc::new(ctx),
        verifier: Some(ApiServerVerifier {
            handle,
            last_status: Arc::clone(&last_status),
        }),
        last_status,
        metrics,
        audit,
    }
}

/// The context `context` builds, unshared, with the raw mock handle: for tests
/// that run the whole controller.
pub fn bare_context(
    backoff: Duration,
    metrics: Arc<Metrics>,
    audit: Arc<Audit>,
) -> (Context<ModbusConnector>, Handle) {
    let (client, handle) = api_server::pair();
    let mut ctx = Context::new(
        client,
        ModbusConnector,
        metrics,
        audit as Arc<dyn ResultSink + Send>,
    );
    ctx.read = ReadOptions {
        parallelism: 1,
        retry: RetryPolicy {
            attempts: 1,
            backoff: Duration::from_millis(1),
        },
    };
    ctx.backoff = Backoff {
        initial: backoff,
        max: backoff * 8,
        jitter: false,
    };
    ctx.clock = clock;
    (ctx, handle)
}

/// An `IndustrialPLC` as the API server returns it: uid, generation 1.
pub fn object(name: &str, spec: Value) -> IndustrialPLC {
    serde_json::from_value(json!({
        "apiVersion": "fabgitops.io/v1",
        "kind": "IndustrialPLC",
        "metadata": {
            "name": name,
            "namespace": NS,
            "uid": format!("uid-{name}"),
            "generation": 1,
            "resourceVersion": "100",
        },
        "spec": spec,
    }))
    .expect("a valid IndustrialPLC")
}

/// A PLC served by the in-process simulator (registers start at their desired values).
pub struct Plant {
    pub sim: SimHandle,
    pub object: IndustrialPLC,
    /// `namespace/name`: the simulator's device name.
    pub device: String,
}

impl Plant {
    pub async fn start(name: &str, spec: Value) -> Plant {
        Plant::start_with(name, spec, None).await
    }

    /// A PLC served with Modbus/TCP Security, with the simulator's test certificates
    /// in `dir` (the object names them).
    pub async fn start_tls(name: &str, mut spec: Value, dir: &std::path::Path) -> Plant {
        let tls = crate::sim::tls::SimTls::generate(dir, &["127.0.0.1".to_owned()])
            .expect("test certificates");
        spec["transport"] = json!("tls");
        spec["tls"] = json!({
            "caFile": dir.join("ca.pem"),
            "certFile": dir.join("client.pem"),
            "keyFile": dir.join("client.key"),
        });
        Plant::start_with(name, spec, Some(tls)).await
    }

    async fn start_with(
        name: &str,
        mut spec: Value,
        tls: Option<crate::sim::tls::SimTls>,
    ) -> Plant {
        spec["deviceAddress"] = json!("127.0.0.1");
        spec["port"] = json!(15020);
        spec["timeoutMs"] = json!(500);
        let mut object = object(name, spec);
        let plc = manifest::from_resource(&object).expect("valid spec");
        let mut config = SimConfig::from_plcs(std::slice::from_ref(&plc))
            .expect("simulator config")
            .on_ephemeral_ports();
        config.tls = tls;
        // The device speaks what the object's spec says.
        if plc.transport == crate::device::Transport::RtuOverTcp {
            config.transport = crate::sim::SimTransport::RtuOverTcp;
        }
        let sim = Simulator::start(config).await.expect("simulator starts");
        let device = plc.id();
        object.spec.port = Some(sim.addr_of(&device).expect("served").port());
        Plant {
            sim,
            object,
            device,
        }
    }
}

/// A loopback port nobody listens on.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}
