# syntax=docker/dockerfile:1
# The `growth` server as a small image: `docker build -t growth .`
#
# Two stages. The builder compiles the dependencies first, from the manifests alone (stub
# sources), so that layer is cached until Cargo.toml or Cargo.lock changes; then the real sources.
# The runtime is Debian slim with the CA certificates (reqwest's rustls verifies against the
# system store), a non-root user, and a HEALTHCHECK on /ready (the database answers).

ARG RUST_VERSION=1.95
FROM rust:${RUST_VERSION}-bookworm AS builder
# Extra features of the server, e.g. `--build-arg FEATURES=otlp` for trace export.
ARG FEATURES=""
WORKDIR /src

# --- dependency layer: manifests + stub targets ---
COPY Cargo.toml Cargo.lock ./
COPY growth-core/Cargo.toml growth-core/
COPY growth-llm/Cargo.toml growth-llm/
COPY growth-adapters/Cargo.toml growth-adapters/
COPY growth-store/Cargo.toml growth-store/build.rs growth-store/
COPY growth-server/Cargo.toml growth-server/
RUN set -eux; \
    for d in . growth-core growth-llm growth-adapters growth-store growth-server; do \
        mkdir -p "$d/src" "$d/benches"; echo '' > "$d/src/lib.rs"; \
    done; \
    echo 'fn main() {}' > growth-server/src/main.rs; \
    for b in benches/ingest benches/publish benches/publish_faults benches/measure_sync \
             growth-core/benches/learn growth-core/benches/fuzz_parsers \
             growth-llm/benches/embed growth-llm/benches/extractive growth-llm/benches/claude_bundle \
             growth-store/benches/store growth-store/benches/vectors growth-store/benches/measure; do \
        echo 'fn main() {}' > "$b.rs"; \
    done; \
    mkdir -p growth-store/migrations/sqlite growth-store/migrations/postgres; \
    cargo build --locked --profile dist -p growth-server --bin growth --features "$FEATURES"; \
    # Forget the stub crates (their fingerprints), keep the compiled dependencies.
    rm -rf target/dist/.fingerprint/growth-* target/dist/deps/growth* target/dist/deps/libgrowth* target/dist/growth

# --- the real sources ---
COPY . .
RUN set -eux; \
    touch src/lib.rs growth-*/src/lib.rs growth-server/src/main.rs; \
    cargo build --locked --profile dist -p growth-server --bin growth --features "$FEATURES"; \
    cp target/dist/growth /usr/local/bin/growth

FROM debian:bookworm-slim AS runtime
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates curl; \
    rm -rf /var/lib/apt/lists/*; \
    useradd --system --uid 10001 --home-dir /var/lib/growth --create-home --shell /usr/sbin/nologin growth; \
    install -d -o growth -g growth /var/lib/growth/data
COPY --from=builder /usr/local/bin/growth /usr/local/bin/growth
USER growth
WORKDIR /var/lib/growth
# Listen on every interface inside the container; files (SQLite, blobs, outbox) under the volume.
ENV GROWTH_BIND=0.0.0.0:8080 \
    GROWTH_DATA_DIR=/var/lib/growth/data \
    GROWTH_DATABASE_URL=/var/lib/growth/data/growth.db \
    GROWTH_LOG_FORMAT=json
VOLUME ["/var/lib/growth/data"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/ready || exit 1
# No ENTRYPOINT: every platform's command is the whole command line (`growth migrate`,
# `growth worker`), the same in compose.yaml, fly.toml and railway.json.
CMD ["growth", "serve"]
