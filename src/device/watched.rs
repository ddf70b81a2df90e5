//! [`Watched`]: the TCP stream under a Modbus connection, shared with a [`Probe`] that
//! tells whether the device closed it. Before a request goes out on a connection the
//! session asks the probe, so a device that closes the connection after each reply
//! (or a gateway that drops idle clients) gets the request on a fresh connection
//! instead of on a dead one; and after a failed request the client can say "the
//! device closed the connection" instead of whatever the OS reported last.
//!
//! Shutting the stream down is left to dropping it: tokio-modbus asks for a shutdown
//! only in `disconnect`, which fabctl never calls.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Waker, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// The stream tokio-modbus reads and writes.
#[derive(Debug)]
pub struct Watched {
    stream: Arc<TcpStream>,
    closed: Arc<AtomicBool>,
}

/// Asks the stream of a [`Watched`] whether the device closed it.
#[derive(Debug)]
pub struct Probe {
    stream: Arc<TcpStream>,
    closed: Arc<AtomicBool>,
    /// Whether bytes waiting unasked mean the connection is unusable: not under TLS,
    /// where the device may send records of its own (session tickets).
    peek: bool,
}

/// A stream and its probe; `peek`: whether the probe may look at waiting bytes.
pub fn watch(stream: TcpStream, peek: bool) -> (Watched, Probe) {
    let stream = Arc::new(stream);
    let closed = Arc::new(AtomicBool::new(false));
    let probe = Probe {
        stream: Arc::clone(&stream),
        closed: Arc::clone(&closed),
        peek,
    };
    (Watched { stream, closed }, probe)
}

/// Errors that mean the other end closed or reset the connection.
fn is_closed_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::UnexpectedEof
    )
}

impl Probe {
    /// Whether the device closed (or reset) the connection, as far as can be told
    /// without waiting. Bytes nobody asked for (a late reply to a request that timed
    /// out) make the connection unusable too.
    pub fn is_closed(&self) -> bool {
        if self.closed.load(Ordering::Relaxed) {
            return true;
        }
        if !self.peek {
            return false;
        }
        let mut byte = [0u8; 1];
        let mut buf = ReadBuf::new(&mut byte);
        let mut cx = Context::from_waker(Waker::noop());
        // Ready means end of stream, stray bytes, or a reset: no request goes out on it.
        let gone = self.stream.poll_peek(&mut cx, &mut buf).is_ready();
        if gone {
            self.closed.store(true, Ordering::Relaxed);
        }
        gone
    }

    /// Whether the stream saw the device close it (end of stream, or a reset).
    pub fn saw_close(&self) -> bool {
        self.closed.load(Ordering::Relaxed)
    }

    /// Whether a failed request is to be told as the device closing the connection:
    /// under TLS the TLS layer tells it better (a device refusing fabctl's client
    /// certificate closes the connection after the handshake, under TLS 1.3).
    pub fn names_close(&self) -> bool {
        self.peek && self.saw_close()
    }
}

/// The most bytes one read asks the socket for: almost four Modbus TCP answers of
/// the largest size (260 bytes).
const READ_CHUNK: usize = 1024;

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        loop {
            ready!(self.stream.poll_read_ready(cx))?;
            // Only a chunk is zeroed before the read: the caller's buffer is 8 KiB
            // of fresh memory on every read (tokio-util's framing), and zeroing all of
            // it would touch every page of every connection's buffer for an answer of
            // at most 260 bytes (a TLS record takes a few reads).
            let chunk = buf.remaining().min(READ_CHUNK);
            let unfilled = buf.initialize_unfilled_to(chunk);
            let room = unfilled.len();
            match self.stream.try_read(unfilled) {
                Ok(n) => {
                    if n == 0 && room > 0 {
                        self.closed.store(true, Ordering::Relaxed);
                    }
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => {
                    if is_closed_error(&e) {
                        self.closed.store(true, Ordering::Relaxed);
                    }
                    return Poll::Ready(Err(e));
                }
            }
        }
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        loop {
            ready!(self.stream.poll_write_ready(cx))?;
            match self.stream.try_write(data) {
                Ok(n) => return Poll::Ready(Ok(n)),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => {
                    if is_closed_error(&e) {
                        self.closed.store(true, Ordering::Relaxed);
                    }
                    return Poll::Ready(Err(e));
                }
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
