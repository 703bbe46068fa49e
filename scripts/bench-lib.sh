# Shared by bench.sh and bench-scale.sh: servers started on 127.0.0.1:0, customers created
# through the admin API, wrk runs recorded as JSON lines. Sourced after DURATION is set.
# shellcheck shell=bash

PG_SERVER="${CLIENTELE_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}"
ADMIN_TOKEN="bench-admin-token-0123456789"
PASSWORD="bench password 0123"
BCRYPT_COST="${BCRYPT_COST:-12}"
WORK="$(mktemp -d)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  psql "$PG_SERVER/postgres" -qc "DROP DATABASE IF EXISTS clientele_bench WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# fresh_postgres → the URL of an empty database clientele_bench
fresh_postgres() {
  psql "$PG_SERVER/postgres" -qc "DROP DATABASE IF EXISTS clientele_bench WITH (FORCE)" >/dev/null 2>&1
  psql "$PG_SERVER/postgres" -qc "CREATE DATABASE clientele_bench" >/dev/null
  echo "$PG_SERVER/clientele_bench"
}

if ! command -v wrk >/dev/null 2>&1; then
  echo "bench: installing wrk (Debian package)…"
  apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi
if [ -z "${BIN:-}" ]; then
  cargo build --release -p clientele --bin clientele
  BIN="$PWD/target/release/clientele"
fi

# start NAME DATABASE_URL → once the server listens, its base URL in $WORK/NAME.base and its
# process id in $WORK/NAME.pid (run in this shell, so cleanup knows the process)
start() {
  local name="$1" url="$2" log="$WORK/$1.log"
  mkdir -p "$WORK/$name"
  (cd "$WORK/$name" && CLIENTELE_LISTEN=127.0.0.1:0 CLIENTELE_DATABASE_URL="$url" \
    CLIENTELE_ADMIN_TOKEN="$ADMIN_TOKEN" CLIENTELE_BCRYPT_COST="$BCRYPT_COST" CLIENTELE_RATE_LIMIT_PER_MINUTE=0 \
    CLIENTELE_API_KEY_RATE_LIMIT_PER_MINUTE=0 \
    RUST_LOG=warn exec "$BIN" >"$log" 2>&1) &
  local pid=$!
  PIDS+=("$pid")
  for _ in $(seq 1 400); do
    if grep -q "clientele listening on " "$log"; then
      grep -m1 "clientele listening on " "$log" | sed 's/.*listening on //' >"$WORK/$name.base"
      echo "$pid" >"$WORK/$name.pid"
      return
    fi
    sleep 0.05
  done
  echo "bench: $name did not start" >&2; cat "$log" >&2; exit 1
}

# customer BASE → creates a customer (email in $WORK/email-<port>, numeric id in
# $WORK/id-<port>) and prints an access token
customer() {
  local base="$1" email="bench-$RANDOM$RANDOM@example.com"
  curl -sf -X POST "$base/admin/v1/customers" -H "Authorization: Bearer $ADMIN_TOKEN" \
    -H 'Content-Type: application/json' \
    -d "{\"email\":\"$email\",\"password\":\"$PASSWORD\",\"nickname\":\"Bench\",\"firstName\":\"Ben\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])' >"$WORK/id-${base##*:}"
  echo "$email" >"$WORK/email-${base##*:}"
  curl -sf -X POST "$base/customers/login" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$email\",\"password\":\"$PASSWORD\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

# load LABEL CONNECTIONS DURATION URL [wrk args…] → one JSON line in $WORK/results
load() {
  local label="$1" conns="$2" duration="$3" url="$4"; shift 4
  local threads=$(( conns < 2 ? conns : 2 ))
  wrk -t"$threads" -c"$conns" -d"$duration" --latency "$@" "$url" >"$WORK/$label.txt" 2>&1 || true
  python3 - "$label" "$WORK/$label.txt" >>"$WORK/results" <<'PY'
import json, re, sys
label, text = sys.argv[1], open(sys.argv[2]).read()
def seconds(v):
    n, unit = re.match(r"([\d.]+)(us|ms|s|m)", v).groups()
    return float(n) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[unit]
pct = {p: seconds(v) for p, v in re.findall(r"^\s+(50|99)%\s+(\S+)", text, re.M)}
rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
print(json.dumps({"label": label, "rps": float(rps.group(1)) if rps else 0.0,
                  "p50": pct.get("50"), "p99": pct.get("99"), "non2xx": int(bad.group(1)) if bad else 0}))
PY
}

login_script() { # login_script BASE → a wrk Lua script posting that server's customer's sign-in
  cat >"$WORK/login-${1##*:}.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":"$(cat "$WORK/email-${1##*:}")","password":"$PASSWORD"}'
LUA
  echo "$WORK/login-${1##*:}.lua"
}


# seed_ledger BASE ID N → posts N wallet entries (the three kinds, three in four expiring within a
# year) and N orders (half completed) for customer ID through the back office, 16 at a time
seed_ledger() {
  python3 - "$1" "$2" "$3" "$ADMIN_TOKEN" <<'PY'
import json, sys, urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
base, customer, n, token = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
def post(path, body):
    request = urllib.request.Request(f"{base}/admin/v1/customers/{customer}/{path}", json.dumps(body).encode(),
        {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    urllib.request.urlopen(request).read()
def entry(i):
    kinds = ["cashback", "tss_money", "tss_points"]
    body = {"kind": kinds[i % 3], "amount": 1.5, "reference": f"e-{i}"}
    if i % 4:
        body["expiresOn"] = str(date.today() + timedelta(days=1 + i % 365))
    post("wallet", body)
    post("orders", {"reference": f"o-{i}", "amount": 10.25, "placedAt": "2026-11-30T10:00:00Z",
                    "status": "completed" if i % 2 else "placed"})
with ThreadPoolExecutor(16) as pool:
    list(pool.map(entry, range(n)))
PY
}

# accounts BASE N → creates N customers and signs each in, writing a wrk Lua table of
# {token, uuid} pairs to $WORK/accounts-<port>.lua (for writes spread over N accounts)
accounts() {
  python3 - "$1" "$2" "$ADMIN_TOKEN" "$PASSWORD" >"$WORK/accounts-${1##*:}.lua" <<'PY'
import json, sys, uuid, urllib.request
from concurrent.futures import ThreadPoolExecutor
base, n, token, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def call(path, body, auth=None):
    headers = {"Content-Type": "application/json"}
    if auth:
        headers["Authorization"] = f"Bearer {auth}"
    request = urllib.request.Request(f"{base}{path}", json.dumps(body).encode(), headers)
    return json.load(urllib.request.urlopen(request))
def one(i):
    email = f"writer-{uuid.uuid4().hex}@example.com"
    created = call("/admin/v1/customers", {"email": email, "password": password, "firstName": "Writer"}, token)
    signed_in = call("/customers/login", {"email": email, "password": password})
    return signed_in["token"], created["uuid"]
with ThreadPoolExecutor(8) as pool:
    pairs = list(pool.map(one, range(n)))
print("accounts = {" + ", ".join(f'{{"{t}", "{u}"}}' for t, u in pairs) + "}")
PY
  echo "$WORK/accounts-${1##*:}.lua"
}

# write_script KIND BASE [API_KEY] → a wrk Lua script that spreads writes over the accounts
# of `accounts BASE`, one account per request in turn: KIND `patch` (B2Core PATCH of one field)
# or `cl2c` (CL2C PUT with the tenant's API key). Each of wrk's two threads takes its own half
# of the accounts (in step, both would send to the same account at once) and cycles through
# it: with 16 connections a thread over 32 accounts, a request meets one still in flight on
# its account only when that one is slower than the 31 after it (it then waits its turn).
write_script() {
  local kind="$1" base="$2" key="${3:-}" script="$WORK/$1-${2##*:}.lua"
  {
    cat "$WORK/accounts-${base##*:}.lua"
    cat <<LUA
local threads = 0
function setup(thread)
  thread:set("first", threads)
  threads = threads + 1
end
local n = 0
request = function()
  n = n + 1
  local half = math.floor(#accounts / 2)
  local account = accounts[first * half + (n % half) + 1]
  if "$kind" == "patch" then
    return wrk.format("PATCH", "/api/v2/my/profile",
      {["Authorization"] = "Bearer " .. account[1], ["Content-Type"] = "application/json"},
      '{"nickname":"n' .. n .. '"}')
  end
  return wrk.format("PUT", "/v1/cl2c/user",
    {["X-API-Key"] = "$key", ["tenant"] = "default", ["Content-Type"] = "application/json"},
    '{"id":"' .. account[2] .. '","firstName":"F' .. n .. '"}')
end
LUA
  } >"$script"
  echo "$script"
}

# api_key BASE → a new API key of the default tenant
api_key() {
  curl -sf -X POST "$1/admin/v1/tenants/default/api-keys" -H "Authorization: Bearer $ADMIN_TOKEN" \
    -H 'Content-Type: application/json' -d '{"name": "bench"}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])'
}

# pgbench_ceiling → PostgreSQL's own single-row-update rate (pgbench -N, 32 clients) on a
# scratch database, as one JSON line in $WORK/results labelled `pgbench`; and the same
# transaction with one NOTIFY in it (as each of our account writes has, for the other
# instances' memory), labelled `pgbench-notify`
pgbench_ceiling() {
  psql "$PG_SERVER/postgres" -qc "DROP DATABASE IF EXISTS clientele_pgbench WITH (FORCE)" >/dev/null 2>&1
  psql "$PG_SERVER/postgres" -qc "CREATE DATABASE clientele_pgbench" >/dev/null
  pgbench -q -i -s 4 "$PG_SERVER/clientele_pgbench" >/dev/null 2>&1
  local seconds="${DURATION%s}"
  cat >"$WORK/notify.sql" <<'SQL'
\set aid random(1, 400000)
\set bid random(1, 4)
\set tid random(1, 40)
\set delta random(-5000, 5000)
BEGIN;
UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (:tid, :bid, :aid, :delta, CURRENT_TIMESTAMP);
SELECT pg_notify('clientele_bench', 'x');
END;
SQL
  local label
  for label in pgbench pgbench-notify; do
    if [ "$label" = pgbench ]; then set -- -N; else set -- -n -f "$WORK/notify.sql"; fi
    pgbench "$@" -c 32 -j 2 -T "$seconds" "$PG_SERVER/clientele_pgbench" 2>/dev/null |
      LABEL="$label" python3 -c '
import json, os, re, sys
text = sys.stdin.read()
tps = re.search(r"tps = ([\d.]+)", text)
print(json.dumps({"label": os.environ["LABEL"], "rps": float(tps.group(1)) if tps else 0.0, "p50": None, "p99": None, "non2xx": 0}))
' >>"$WORK/results"
  done
  psql "$PG_SERVER/postgres" -qc "DROP DATABASE IF EXISTS clientele_pgbench WITH (FORCE)" >/dev/null 2>&1 || true
}
