//! [`Fresh`]: the byte stream under an RTU client (a serial line, or a TCP socket to a
//! transparent gateway), which discards whatever is waiting on it before a request
//! goes out. RTU answers carry no transaction id, and tokio-modbus matches an answer
//! only by unit id and function code: a late answer to a request that timed out,
//! arriving after the line was flushed at open, would be taken as the answer to the
//! next request, and every later answer as the answer to the one after it.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Waker};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The stream tokio-modbus reads and writes.
#[derive(Debug)]
pub struct Fresh<S> {
    stream: S,
    next: Arc<AtomicBool>,
}

/// Tells a [`Fresh`] stream that the next bytes written begin a new request.
#[derive(Debug)]
pub struct NextRequest(Arc<AtomicBool>);

/// A stream and the handle that marks where each request begins.
pub fn fresh<S>(stream: S) -> (Fresh<S>, NextRequest) {
    let next = Arc::new(AtomicBool::new(false));
    let marker = NextRequest(Arc::clone(&next));
    (Fresh { stream, next }, marker)
}

impl NextRequest {
    /// The next write begins a request: whatever is waiting then is discarded.
    pub fn mark(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

impl<S: AsyncRead + Unpin> Fresh<S> {
    /// Reads, without waiting, whatever bytes are waiting, and drops them. The end of
    /// the stream or an error is left for the answer's read to report.
    fn discard_waiting(&mut self) {
        let mut cx = Context::from_waker(Waker::noop());
        let mut scratch = [0u8; 256];
        let mut discarded = 0;
        loop {
            let mut buf = ReadBuf::new(&mut scratch);
            match Pin::new(&mut self.stream).poll_read(&mut cx, &mut buf) {
                Poll::Ready(Ok(())) if !buf.filled().is_empty() => discarded += buf.filled().len(),
                Poll::Ready(_) | Poll::Pending => break,
            }
        }
        if discarded > 0 {
            tracing::warn!(
                "discarded {discarded} bytes nobody asked for before a request (a late answer to an earlier one?)"
            );
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Fresh<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for Fresh<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.next.swap(false, Ordering::Relaxed) {
            self.discard_waiting();
        }
        Pin::new(&mut self.stream).poll_write(cx, data)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
