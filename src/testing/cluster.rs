//! A stand-in API server with state, for tests that run several agents against one
//! cluster: it lists the `IndustrialPLC`s it was given (and no `PLCModel`; watches are held open),
//! accepts events and status patches (counting the patches, per client), and keeps
//! Leases as the API server does: a write that names an old `resourceVersion`, or
//! creates one that exists, is refused with 409 Conflict.
//!
//! Each [`Cluster::client`] is one agent's connection; its Lease requests can be made
//! to fail ([`Cluster::fail_leases`]) to cut one agent off the election.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use http::{Method, Response};
use kube::Client;
use kube::client::Body;
use serde_json::{Value, json};

use super::api_server::{self, Seen, json_response, status_error};

const LEASES: &str = "/apis/coordination.k8s.io/v1/namespaces/";

#[derive(Default)]
struct State {
    /// Leases by `namespace/name`, as stored (with `resourceVersion`).
    leases: HashMap<String, Value>,
    version: u64,
}

/// One client's view of the server: what it sent, and whether its Lease requests fail.
#[derive(Default)]
struct Peer {
    status_patches: AtomicUsize,
    events: AtomicUsize,
    fail_leases: AtomicBool,
}

/// The shared server.
#[derive(Clone)]
pub struct Cluster {
    objects: Arc<Vec<Value>>,
    state: Arc<Mutex<State>>,
    peers: Arc<Mutex<Vec<Arc<Peer>>>>,
}

impl Cluster {
    /// A cluster holding these objects (any namespace).
    pub fn new(objects: Vec<Value>) -> Cluster {
        Cluster {
            objects: Arc::new(objects),
            state: Arc::default(),
            peers: Arc::default(),
        }
    }

    /// A new connection to the server, and its index for the counters. The server
    /// side runs until the client is dropped.
    pub fn client(&self) -> (Client, usize) {
        let (client, mut handle) = api_server::pair();
        let peer = Arc::new(Peer::default());
        let index = {
            let mut peers = self.peers.lock().unwrap_or_else(|e| e.into_inner());
            peers.push(Arc::clone(&peer));
            peers.len() - 1
        };
        let cluster = self.clone();
        tokio::spawn(async move {
            // Watches are never answered: held until the client goes.
            let mut watches = Vec::new();
            while let Some((request, send)) = handle.next_request().await {
                let seen = Seen::read(request).await;
                if seen.query.iter().any(|(k, v)| k == "watch" && v == "true") {
                    watches.push(send);
                    continue;
                }
                send.send_response(cluster.answer(&peer, &seen));
            }
        });
        (client, index)
    }

    /// Status patches client `index` sent.
    pub fn status_patches(&self, index: usize) -> usize {
        self.peer(index).status_patches.load(Ordering::SeqCst)
    }

    /// Events client `index` sent.
    pub fn events(&self, index: usize) -> usize {
        self.peer(index).events.load(Ordering::SeqCst)
    }

    /// From now on, answer client `index`'s Lease requests with 500.
    pub fn fail_leases(&self, index: usize) {
        self.peer(index).fail_leases.store(true, Ordering::SeqCst);
    }

    /// The Lease's holder, if there is a Lease.
    pub fn holder(&self, namespace: &str, name: &str) -> Option<String> {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state
            .leases
            .get(&format!("{namespace}/{name}"))
            .and_then(|l| l["spec"]["holderIdentity"].as_str())
            .map(str::to_owned)
    }

    fn peer(&self, index: usize) -> Arc<Peer> {
        let peers = self.peers.lock().unwrap_or_else(|e| e.into_inner());
        Arc::clone(&peers[index])
    }

    fn answer(&self, peer: &Peer, seen: &Seen) -> Response<Body> {
        if let Some(rest) = seen.path.strip_prefix(LEASES) {
            if peer.fail_leases.load(Ordering::SeqCst) {
                return json_response(500, &status_error(500, "InternalError", "injected"));
            }
            return self.lease(&seen.method, rest, &seen.body);
        }
        if seen.path.ends_with("/events") || seen.path.contains("/events/") {
            peer.events.fetch_add(1, Ordering::SeqCst);
            let code = if seen.method == Method::POST {
                201
            } else {
                200
            };
            return json_response(code, &seen.body);
        }
        if seen.method == Method::PATCH && seen.path.ends_with("/status") {
            peer.status_patches.fetch_add(1, Ordering::SeqCst);
            let name = seen.path.rsplit('/').nth(1).unwrap_or_default();
            let Some(mut object) = self
                .objects
                .iter()
                .find(|o| o["metadata"]["name"] == name)
                .cloned()
            else {
                return json_response(404, &status_error(404, "NotFound", name));
            };
            object["status"] = seen.body["status"].clone();
            return json_response(200, &object);
        }
        if seen.method == Method::GET && seen.path.ends_with("/industrialplcs") {
            return json_response(
                200,
                &json!({
                    "apiVersion": "fabgitops.io/v1",
                    "kind": "IndustrialPLCList",
                    "metadata": {"resourceVersion": "100"},
                    "items": *self.objects,
                }),
            );
        }
        if seen.method == Method::GET && seen.path.ends_with("/plcmodels") {
            return json_response(
                200,
                &json!({
                    "apiVersion": "fabgitops.io/v1",
                    "kind": "PLCModelList",
                    "metadata": {"resourceVersion": "100"},
                    "items": [],
                }),
            );
        }
        panic!(
            "the stand-in API does not serve {} {}",
            seen.method, seen.uri
        )
    }

    /// `rest`: `NAMESPACE/leases[/NAME]`.
    fn lease(&self, method: &Method, rest: &str, body: &Value) -> Response<Body> {
        let mut parts = rest.split('/');
        let (Some(namespace), Some("leases")) = (parts.next(), parts.next()) else {
            panic!("not a Lease path: {rest}");
        };
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let name = match (method, parts.next()) {
            (&Method::POST, None) => body["metadata"]["name"].as_str().unwrap_or_default(),
            (_, Some(name)) => name,
            _ => panic!("unexpected {method} {rest}"),
        }
        .to_owned();
        let key = format!("{namespace}/{name}");
        let conflict = |message: &str| json_response(409, &status_error(409, "Conflict", message));
        match *method {
            Method::GET => match state.leases.get(&key) {
                Some(lease) => json_response(200, lease),
                None => json_response(404, &status_error(404, "NotFound", &key)),
            },
            Method::POST if state.leases.contains_key(&key) => {
                json_response(409, &status_error(409, "AlreadyExists", &key))
            }
            Method::POST | Method::PUT => {
                if *method == Method::PUT {
                    let stored = state
                        .leases
                        .get(&key)
                        .map(|l| &l["metadata"]["resourceVersion"]);
                    if stored != Some(&body["metadata"]["resourceVersion"]) {
                        return conflict("the object has been modified");
                    }
                }
                state.version += 1;
                let mut lease = body.clone();
                lease["apiVersion"] = json!("coordination.k8s.io/v1");
                lease["kind"] = json!("Lease");
                lease["metadata"]["namespace"] = json!(namespace);
                lease["metadata"]["resourceVersion"] = json!(state.version.to_string());
                state.leases.insert(key, lease.clone());
                json_response(if *method == Method::POST { 201 } else { 200 }, &lease)
            }
            _ => panic!("unexpected {method} {rest}"),
        }
    }
}
