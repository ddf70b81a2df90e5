//! Prometheus metrics of the simulator, served at `/metrics` (`--metrics-addr`):
//!
//! - `fabctl_sim_requests_total{function="read_holding_registers"}` — requests received,
//!   labelled by function name (`read_coils`, `read_discrete_inputs`,
//!   `read_holding_registers`, `read_input_registers`, `write_single_coil`,
//!   `write_single_register`, `write_multiple_coils`, `write_multiple_registers`, or
//!   `other` for unsupported codes). Every well-framed request counts, whatever the reply.
//! - `fabctl_sim_connections_total` — TCP connections accepted.
//!
//! The counters are created once at start, so counting a request is one atomic add.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;
use tokio::net::TcpListener;

use super::error::SimError;
use crate::modbus::function;

type Labels = [(&'static str, &'static str); 1];

/// Function codes with their own label; anything else counts as `other`.
const SERVED: [u8; 9] = [
    function::READ_COILS,
    function::READ_DISCRETE_INPUTS,
    function::READ_HOLDING_REGISTERS,
    function::READ_INPUT_REGISTERS,
    function::WRITE_SINGLE_COIL,
    function::WRITE_SINGLE_REGISTER,
    function::WRITE_MULTIPLE_COILS,
    function::WRITE_MULTIPLE_REGISTERS,
    function::MASK_WRITE_REGISTER,
];

/// The simulator's counters and the registry that exposes them.
#[derive(Debug)]
pub(crate) struct Metrics {
    registry: Registry,
    /// Indexed like [`SERVED`], then `other`.
    requests: [Counter; 10],
    connections: Counter,
}

impl Metrics {
    pub(crate) fn new() -> Self {
        let family = Family::<Labels, Counter>::default();
        let requests = std::array::from_fn(|i| {
            let name = SERVED.get(i).map_or("other", |&code| function::name(code));
            family.get_or_create(&[("function", name)]).clone()
        });
        let connections = Counter::default();
        let mut registry = Registry::default();
        registry.register(
            "fabctl_sim_requests",
            "Modbus requests received, by function",
            family,
        );
        registry.register(
            "fabctl_sim_connections",
            "TCP connections accepted",
            connections.clone(),
        );
        Metrics {
            registry,
            requests,
            connections,
        }
    }

    pub(crate) fn count_request(&self, function: u8) {
        let index = SERVED
            .iter()
            .position(|&code| code == function)
            .unwrap_or(SERVED.len());
        if let Some(counter) = self.requests.get(index) {
            counter.inc();
        }
    }

    pub(crate) fn count_connection(&self) -> u64 {
        self.connections.inc()
    }

    pub(crate) fn total_requests(&self) -> u64 {
        self.requests.iter().map(Counter::get).sum()
    }

    pub(crate) fn total_connections(&self) -> u64 {
        self.connections.get()
    }

    /// The OpenMetrics text exposition.
    pub(crate) fn render(&self) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = encode(&mut text, &self.registry);
        crate::metrics::prometheus_text(&text)
    }
}

/// Binds `addr` and returns the bound address and the server future (to be spawned).
pub(crate) async fn serve(
    addr: SocketAddr,
    metrics: Arc<Metrics>,
) -> Result<(SocketAddr, impl Future<Output = ()> + Send + 'static), SimError> {
    let bind_error = |source| SimError::Bind {
        addr,
        what: "metrics".into(),
        source,
    };
    let listener = TcpListener::bind(addr).await.map_err(bind_error)?;
    let local = listener.local_addr().map_err(bind_error)?;
    let app = Router::new().route(
        "/metrics",
        get(move || {
            let text = metrics.render();
            async move {
                let content_type = crate::metrics::CONTENT_TYPE_TEXT;
                ([(CONTENT_TYPE, content_type)], text).into_response()
            }
        }),
    );
    let server = async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::warn!(%error, "metrics server stopped");
        }
    };
    Ok((local, server))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_function_name() {
        let metrics = Metrics::new();
        metrics.count_request(3);
        metrics.count_request(3);
        metrics.count_request(0x2B);
        metrics.count_connection();
        let text = metrics.render();
        assert!(
            text.contains("fabctl_sim_requests_total{function=\"read_holding_registers\"} 2"),
            "{text}"
        );
        assert!(
            text.contains("fabctl_sim_requests_total{function=\"other\"} 1"),
            "{text}"
        );
        assert!(text.contains("fabctl_sim_connections_total 1"), "{text}");
        assert_eq!(
            (metrics.total_requests(), metrics.total_connections()),
            (3, 1)
        );
    }
}
