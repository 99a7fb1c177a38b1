#!/usr/bin/env bash
# Load test of the review API with wrk (Debian's `wrk` package), release build:
#   GET /content/pending (first page, 10 bundles of 11 items, 1,000 items in review) — 64 connections, 30 s;
#   the same with If-None-Match (304 revalidation);
#   PATCH /content/{id} from 64 connections — no lost update (final version = 1 + accepted PATCHes).
# On SQLite, and on PostgreSQL when PG_LOAD_URL (a server URL; a database is created) is set.
# Usage: scripts/load-pending.sh [duration, default 30s]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-30s}"
TARGET="${CARGO_TARGET_DIR:-target}"
cargo build --release -p growth-server --bin growth >&2
cargo build --release --example seed_pending >&2
BIN="$TARGET/release/growth"
SEED="$TARGET/release/examples/seed_pending"
PORT=18080
BASE="http://127.0.0.1:$PORT"
EMAIL=load@example.com
PASSWORD=load-test-password-123

json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

run_backend() {
  local label="$1" url="$2" dir
  dir="$(mktemp -d)"
  "$SEED" "$url" "$EMAIL" "$PASSWORD" >&2
  GROWTH_DATABASE_URL="$url" GROWTH_BIND="127.0.0.1:$PORT" GROWTH_DATA_DIR="$dir/data" GROWTH_LOG_LEVEL=warn \
    GROWTH_AUTH__JWT_SECRET="load-test-secret-load-test-secret-0123" GROWTH_HTTP__RATE_LIMIT_PER_USER=0 GROWTH_HTTP__RATE_LIMIT_PER_IP=0 \
    GROWTH_PUBLISHING__INTERVAL_SECS=3600 "$BIN" serve >"$dir/server.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 100); do curl -sf "$BASE/ready" >/dev/null && break; sleep 0.1; done
  local token
  token="$(curl -sf -X POST "$BASE/auth/login" -H 'content-type: application/json' \
    -d "{\"email\":\"$EMAIL\",\"provider\":\"email\",\"password\":\"$PASSWORD\"}" | json "['access_token']")"
  local etag
  etag="$(curl -sf -D - -o /dev/null -H "Authorization: Bearer $token" "$BASE/content/pending" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')"
  echo "== $label: GET /content/pending (64 connections, $DURATION)"
  wrk -t2 -c64 -d"$DURATION" --latency -H "Authorization: Bearer $token" "$BASE/content/pending"
  echo "== $label: GET /content/pending with If-None-Match (304)"
  wrk -t2 -c64 -d"$DURATION" --latency -H "Authorization: Bearer $token" -H "If-None-Match: $etag" "$BASE/content/pending"
  local item
  item="$(curl -sf -H "Authorization: Bearer $token" "$BASE/content/pending?limit=1" | json "['bundles'][0]['items'][0]['id']")"
  echo "== $label: PATCH /content/$item (64 connections, 10s)"
  wrk -t2 -c64 -d10s -s scripts/patch.lua -H "Authorization: Bearer $token" "$BASE/content/$item"
  echo "final version: $(curl -sf -H "Authorization: Bearer $token" "$BASE/content/$item" | json "['version']") (= 1 + accepted)"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
}

sqlite_dir="$(mktemp -d)"
run_backend "SQLite" "sqlite://$sqlite_dir/load.db"
rm -rf "$sqlite_dir"
if [ -n "${PG_LOAD_URL:-}" ]; then
  name="growth_load_$$"
  psql "$PG_LOAD_URL" -qc "CREATE DATABASE $name" >&2
  run_backend "PostgreSQL" "${PG_LOAD_URL%/*}/$name"
  psql "$PG_LOAD_URL" -qc "DROP DATABASE $name WITH (FORCE)" >&2
fi
