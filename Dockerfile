# syntax=docker/dockerfile:1
# fabctl on distroless: one binary (rustls, no OpenSSL), running as nonroot (65532).
#   docker build -t fabctl:0.1.0 .

FROM rust:1.95-slim-bookworm AS builder
WORKDIR /src
COPY . .
# Cache mounts keep the crate registry and build artifacts between builds; the binary
# is copied out of the cached target directory.
ENV CARGO_PROFILE_RELEASE_STRIP=symbols
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin fabctl \
 && cp target/release/fabctl /fabctl

# glibc and libgcc: all a Rust binary links against. Same Debian release as the builder.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=builder /fabctl /usr/local/bin/fabctl
USER 65532:65532
EXPOSE 9090
ENTRYPOINT ["fabctl"]
CMD ["--help"]
