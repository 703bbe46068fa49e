#!/usr/bin/env bash
# Load test: an authenticated `GET /api/v2/my/profile` on SQLite and on PostgreSQL, and
# `GET /health/live` as the framework's ceiling, in one run. Prints requests/s, p50, p99 and the
# ratio profile/ceiling. Asserts nothing. Traffic goes to 127.0.0.1 only.
#
#   DURATION=10s CONNECTIONS=32 scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"
PG_SERVER="${CLIENTELE_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}"
ADMIN_TOKEN="bench-admin-token-0123456789"
WORK="$(mktemp -d)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

if ! command -v oha >/dev/null 2>&1; then
  echo "bench: installing oha (cargo install oha --locked, a few minutes)…"
  cargo install oha --locked
fi
cargo build --release -p clientele --bin clientele
BIN="$PWD/target/release/clientele"

# start NAME DATABASE_URL → prints the base URL once the server listens
start() {
  local name="$1" url="$2" log="$WORK/$1.log"
  (cd "$WORK" && CLIENTELE_LISTEN=127.0.0.1:0 CLIENTELE_DATABASE_URL="$url" \
    CLIENTELE_ADMIN_TOKEN="$ADMIN_TOKEN" CLIENTELE_BCRYPT_COST=10 RUST_LOG=warn \
    exec "$BIN" >"$log" 2>&1) &
  PIDS+=($!)
  for _ in $(seq 1 200); do
    if grep -q "clientele listening on " "$log"; then
      grep -m1 "clientele listening on " "$log" | sed 's/.*listening on //'
      return
    fi
    sleep 0.05
  done
  echo "bench: $name did not start" >&2; cat "$log" >&2; exit 1
}

# token BASE → signs in a fresh customer and prints the access token
token() {
  local base="$1" email="bench-$RANDOM$RANDOM@example.com"
  curl -sf -X POST "$base/admin/v1/customers" -H "Authorization: Bearer $ADMIN_TOKEN" \
    -d "{\"email\":\"$email\",\"password\":\"bench password\",\"nickname\":\"Bench\",\"firstName\":\"Ben\"}" >/dev/null
  curl -sf -X POST "$base/customers/login" -d "{\"email\":\"$email\",\"password\":\"bench password\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}

# load LABEL URL [HEADER] → one JSON result line in $WORK/results
load() {
  local label="$1" url="$2"; shift 2
  oha --no-tui --output-format json -z "$DURATION" -c "$CONNECTIONS" "$@" "$url" >"$WORK/$label.json"
  python3 - "$label" "$WORK/$label.json" >>"$WORK/results" <<'PY'
import json, sys
label, path = sys.argv[1], sys.argv[2]
r = json.load(open(path))
s = r["summary"]; p = r.get("latencyPercentiles", {})
codes = r.get("statusCodeDistribution", {})
print(json.dumps({"label": label, "rps": s["requestsPerSec"], "p50": p.get("p50"), "p99": p.get("p99"),
                  "ok": s.get("successRate"), "codes": codes}))
PY
}

SQLITE_BASE="$(start sqlite "sqlite://$WORK/bench.db")"
psql "$PG_SERVER/postgres" -qc "DROP DATABASE IF EXISTS clientele_bench WITH (FORCE)" >/dev/null 2>&1
psql "$PG_SERVER/postgres" -qc "CREATE DATABASE clientele_bench" >/dev/null
PG_BASE="$(start postgres "$PG_SERVER/clientele_bench")"
SQLITE_TOKEN="$(token "$SQLITE_BASE")"
PG_TOKEN="$(token "$PG_BASE")"

echo "bench: $DURATION per target, $CONNECTIONS connections, $(nproc) cores"
load ceiling "$SQLITE_BASE/health/live"
load profile-sqlite "$SQLITE_BASE/api/v2/my/profile" -H "Authorization: Bearer $SQLITE_TOKEN"
load profile-postgres "$PG_BASE/api/v2/my/profile" -H "Authorization: Bearer $PG_TOKEN"

python3 - "$WORK/results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
ceiling = next(r for r in rows if r["label"] == "ceiling")["rps"]
print(f"{'target':<18}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'x ceiling':>11}  status codes")
for r in rows:
    ms = lambda v: f"{v * 1000:.2f}" if v is not None else "-"
    print(f"{r['label']:<18}{r['rps']:>10.0f}{ms(r['p50']):>9}{ms(r['p99']):>9}{r['rps'] / ceiling:>11.2f}  {r['codes']}")
PY
psql "$PG_SERVER/postgres" -qc "DROP DATABASE IF EXISTS clientele_bench WITH (FORCE)" >/dev/null 2>&1 || true
