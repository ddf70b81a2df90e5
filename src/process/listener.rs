//! The listener of fabctl's own HTTP endpoints (`/metrics`, `/healthz`), bounded so
//! that no client can take the descriptors the devices need: at most
//! [`MAX_CONNECTIONS`] connections at once (one more is closed as soon as it is
//! accepted), and every connection closed when [`IDLE_TIMEOUT`] passes without an
//! answer being sent. A request's headers must so arrive within that time after the
//! connection opened or after the last answer, however slowly they trickle in, and an
//! idle keep-alive connection lasts no longer.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, Sleep};

/// Connections served at once, at most.
pub const MAX_CONNECTIONS: usize = 64;

/// How long a connection may go without an answer being sent.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// A TCP listener with a connection cap and an idle timeout, for `axum::serve`.
pub struct Bounded {
    listener: TcpListener,
    permits: Arc<Semaphore>,
    idle: Duration,
}

impl Bounded {
    pub fn new(listener: TcpListener, max_connections: usize, idle: Duration) -> Bounded {
        Bounded {
            listener,
            permits: Arc::new(Semaphore::new(max_connections)),
            idle,
        }
    }
}

impl axum::serve::Listener for Bounded {
    type Io = Guarded;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Guarded, SocketAddr) {
        loop {
            match self.listener.accept().await {
                Ok((stream, peer)) => match Arc::clone(&self.permits).try_acquire_owned() {
                    Ok(permit) => return (Guarded::new(stream, permit, self.idle), peer),
                    // Over the cap: closed at once, its descriptor freed.
                    Err(_) => tracing::debug!("{peer}: over {MAX_CONNECTIONS} connections, closed"),
                },
                // Out of descriptors, most likely: the held connections time out.
                Err(e) => {
                    tracing::debug!("accepting a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }
}

/// One served connection: holds its place under the cap until dropped, and fails
/// (so the server closes it) once its deadline passes while it waits.
pub struct Guarded {
    stream: TcpStream,
    _permit: OwnedSemaphorePermit,
    idle: Duration,
    deadline: Pin<Box<Sleep>>,
}

impl Guarded {
    fn new(stream: TcpStream, permit: OwnedSemaphorePermit, idle: Duration) -> Guarded {
        Guarded {
            stream,
            _permit: permit,
            idle,
            deadline: Box::pin(tokio::time::sleep(idle)),
        }
    }

    /// What a pending read or write becomes: an error once the deadline passed.
    fn expired<T>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "no request within the idle timeout",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncRead for Guarded {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.stream).poll_read(cx, buf) {
            Poll::Pending => this.expired(cx),
            ready => ready,
        }
    }
}

impl AsyncWrite for Guarded {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.stream).poll_write(cx, buf) {
            Poll::Ready(Ok(written)) => {
                // An answer going out: the next request has its full time.
                if written > 0 {
                    let next = Instant::now() + this.idle;
                    this.deadline.as_mut().reset(next);
                }
                Poll::Ready(Ok(written))
            }
            Poll::Pending => this.expired(cx),
            failed => failed,
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    async fn serve(max: usize, idle: Duration) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let bounded = Bounded::new(listener, max, idle);
        let addr = axum::serve::Listener::local_addr(&bounded).unwrap();
        let app = axum::Router::new().route("/", axum::routing::get(|| async { "ok" }));
        tokio::spawn(async move { axum::serve(bounded, app).await });
        addr
    }

    /// Reads until the server closes the connection; `true` when it did within `within`.
    async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
        let mut buf = [0u8; 1024];
        let read = async {
            loop {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
            }
        };
        tokio::time::timeout(within, read).await.is_ok()
    }

    #[tokio::test]
    async fn a_connection_over_the_cap_is_closed_at_once() {
        let addr = serve(2, Duration::from_secs(30)).await;
        let mut held = Vec::new();
        for _ in 0..2 {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            stream
                .write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
                .await
                .unwrap();
            let mut buf = [0u8; 256];
            assert!(
                stream.read(&mut buf).await.unwrap() > 0,
                "served under the cap"
            );
            held.push(stream);
        }
        let mut third = TcpStream::connect(addr).await.unwrap();
        assert!(closed_within(&mut third, Duration::from_secs(2)).await);
        drop(held);
        // Places freed: served again.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut again = TcpStream::connect(addr).await.unwrap();
        again
            .write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 256];
        let n = again.read(&mut buf).await.unwrap();
        assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    }

    #[tokio::test]
    async fn a_request_trickling_in_is_cut_off_after_the_idle_timeout() {
        let addr = serve(8, Duration::from_millis(300)).await;
        let mut idle = TcpStream::connect(addr).await.unwrap();
        let started = std::time::Instant::now();
        assert!(closed_within(&mut idle, Duration::from_secs(3)).await);
        assert!(started.elapsed() >= Duration::from_millis(250));

        // A byte every 100 ms never completes the headers: still closed in time.
        let mut slow = TcpStream::connect(addr).await.unwrap();
        let started = std::time::Instant::now();
        for byte in b"GET / HTTP/1.1\r\nhost: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" {
            if slow.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(closed_within(&mut slow, Duration::from_secs(3)).await);
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "{:?}",
            started.elapsed()
        );
    }
}
