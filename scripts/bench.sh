#!/usr/bin/env bash
# Load test, in one run so the figures compare (these machines are shared and noisy):
#   - `GET /health/live`, the framework's ceiling;
#   - every authenticated profile read (B2Core `GET /api/v2/my/profile`, Customer area
#     `GET /customers/self`) on SQLite and on PostgreSQL, as requests/s, p50, p99 and × ceiling;
#   - sign-in at bcrypt cost 12 against the bcrypt ceiling (cores ÷ one hash's time);
#   - the profile read's p99 during a flood of concurrent sign-ins against its idle p99;
#   - the TSS profile (wallet and order aggregates) of a customer with 10,000 wallet entries
#     and 10,000 orders against one with none, on both stores;
#   - writes over 64 accounts (B2Core PATCH, CL2C PUT with an API key) on both stores, against
#     PostgreSQL's own single-row-update rate (pgbench -N), and one account under 32 concurrent
#     PATCHes (how many are refused);
#   - the server's resident memory idle and under 256 connections.
# Prints one table and asserts nothing. Traffic goes to 127.0.0.1 only, bounded in time.
#
#   DURATION=10s CONNECTIONS=32 scripts/bench.sh
#   BIN=/path/to/other/clientele scripts/bench.sh     # measure another build the same way
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"
if [ "$CONNECTIONS" -gt 64 ]; then
  echo "bench: CONNECTIONS=$CONNECTIONS: the writes go to 64 accounts, at most one request each" >&2
  exit 2
fi
# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh

start sqlite "sqlite://$WORK/bench.db"
start postgres "$(fresh_postgres)"
SQLITE_BASE="$(cat "$WORK/sqlite.base")" SQLITE_PID="$(cat "$WORK/sqlite.pid")"
PG_BASE="$(cat "$WORK/postgres.base")"
SQLITE_IDLE_RSS="$(rss_kib "$SQLITE_PID")"
SQLITE_TOKEN="$(customer "$SQLITE_BASE")"
PG_TOKEN="$(customer "$PG_BASE")"
AUTH_SQLITE=(-H "Authorization: Bearer $SQLITE_TOKEN")
AUTH_PG=(-H "Authorization: Bearer $PG_TOKEN")
CORES="$(nproc)"

echo "bench: $DURATION per target, $CONNECTIONS connections, $CORES cores, $BIN"
load ceiling "$CONNECTIONS" "$DURATION" "$SQLITE_BASE/health/live"
load profile-sqlite "$CONNECTIONS" "$DURATION" "$SQLITE_BASE/api/v2/my/profile" "${AUTH_SQLITE[@]}"
load profile-postgres "$CONNECTIONS" "$DURATION" "$PG_BASE/api/v2/my/profile" "${AUTH_PG[@]}"
load self-sqlite "$CONNECTIONS" "$DURATION" "$SQLITE_BASE/customers/self" "${AUTH_SQLITE[@]}"
load self-postgres "$CONNECTIONS" "$DURATION" "$PG_BASE/customers/self" "${AUTH_PG[@]}"

# Sign-in: one at a time gives one hash's time, so the bcrypt ceiling is cores ÷ that time.
LOGIN="$(login_script "$SQLITE_BASE")"
load signin-one 1 "$DURATION" "$SQLITE_BASE/customers/login" -s "$LOGIN"
load signin-flood 16 "$DURATION" "$SQLITE_BASE/customers/login" -s "$LOGIN"

# Reads during a sign-in flood, against the same reads idle (8 connections each time).
load read-idle 8 "$DURATION" "$SQLITE_BASE/api/v2/my/profile" "${AUTH_SQLITE[@]}"
wrk -t1 -c16 -d"$DURATION" -s "$LOGIN" "$SQLITE_BASE/customers/login" >/dev/null 2>&1 &
FLOOD=$!
sleep 1
load read-during-flood 8 "$DURATION" "$SQLITE_BASE/api/v2/my/profile" "${AUTH_SQLITE[@]}"
wait "$FLOOD" || true

# The TSS profile of a customer with no ledger, and of one with 10,000 wallet entries and
# 10,000 orders: its aggregates are computed in SQL, so the two should read alike.
LEDGER="${LEDGER:-10000}"
for store in sqlite postgres; do
  if [ "$store" = sqlite ]; then base="$SQLITE_BASE"; else base="$PG_BASE"; fi
  EMPTY_TOKEN="$(customer "$base")"
  FULL_TOKEN="$(customer "$base")"
  seed_ledger "$base" "$(cat "$WORK/id-${base##*:}")" "$LEDGER"
  load "tss-empty-$store" "$CONNECTIONS" "$DURATION" "$base/api/user/profile" -H "Authorization: Bearer $EMPTY_TOKEN"
  load "tss-ledger-$store" "$CONNECTIONS" "$DURATION" "$base/api/user/profile" -H "Authorization: Bearer $FULL_TOKEN"
done

# Writes spread over 64 accounts (no two requests at once on one account): the B2Core PATCH of
# one field and the CL2C PUT with an API key, on both stores; PostgreSQL's own single-row
# update rate (pgbench -N) as the write ceiling. Then one account under 32 concurrent PATCHes
# (non-2xx counts the edits refused).
for store in sqlite postgres; do
  if [ "$store" = sqlite ]; then base="$SQLITE_BASE"; else base="$PG_BASE"; fi
  accounts "$base" 64 >/dev/null
  load "patch-$store" "$CONNECTIONS" "$DURATION" "$base/api/v2/my/profile" -s "$(write_script patch "$base")"
  load "cl2c-$store" "$CONNECTIONS" "$DURATION" "$base/v1/cl2c/user" -s "$(write_script cl2c "$base" "$(api_key "$base")")"
  ONE_TOKEN="$(customer "$base")"
  # Each thread its own values: in step, the two would send the same one, and every second
  # PATCH would change nothing.
  cat >"$WORK/one-$store.lua" <<LUA
local threads = 0
function setup(thread)
  thread:set("first", threads)
  threads = threads + 1
end
local n = 0
request = function()
  n = n + 1
  return wrk.format("PATCH", "/api/v2/my/profile",
    {["Authorization"] = "Bearer $ONE_TOKEN", ["Content-Type"] = "application/json"},
    '{"nickname":"t' .. first .. 'n' .. n .. '"}')
end
LUA
  load "one-account-$store" 32 "$DURATION" "$base/api/v2/my/profile" -s "$WORK/one-$store.lua"
done
pgbench_ceiling

# Memory under 256 connections.
wrk -t2 -c256 -d"$DURATION" "$SQLITE_BASE/api/v2/my/profile" "${AUTH_SQLITE[@]}" >/dev/null 2>&1 &
LOADED=$!
sleep 3
SQLITE_LOADED_RSS="$(rss_kib "$SQLITE_PID")"
wait "$LOADED" || true

python3 - "$WORK/results" "$CORES" "$SQLITE_IDLE_RSS" "$SQLITE_LOADED_RSS" "$LEDGER" <<'PY'
import json, sys
rows = {r["label"]: r for r in map(json.loads, open(sys.argv[1]))}
cores, idle_rss, loaded_rss = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
ledger = int(sys.argv[5])
ceiling = rows["ceiling"]
ms = lambda v: f"{v * 1000:.2f}" if v is not None else "-"
print(f"{'target':<20}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'x ceiling':>11}{'p99 x ceil':>11}  non-2xx")
for label in ["ceiling", "profile-sqlite", "profile-postgres", "self-sqlite", "self-postgres",
              "tss-empty-sqlite", "tss-ledger-sqlite", "tss-empty-postgres", "tss-ledger-postgres"]:
    r = rows[label]
    p99x = f"{r['p99'] / ceiling['p99']:.2f}" if r["p99"] and ceiling["p99"] else "-"
    print(f"{label:<20}{r['rps']:>10.0f}{ms(r['p50']):>9}{ms(r['p99']):>9}{r['rps'] / ceiling['rps']:>11.2f}{p99x:>11}  {r['non2xx']}")
one, flood = rows["signin-one"], rows["signin-flood"]
hash_time = one["p50"] or 0
bcrypt_ceiling = cores / hash_time if hash_time else 0
print()
print(f"sign-in, cost 12: one at a time {one['rps']:.1f}/s (p50 {ms(one['p50'])} ms); "
      f"flood of 16 {flood['rps']:.1f}/s (non-2xx {flood['non2xx']}); bcrypt ceiling {cores} cores / "
      f"{ms(hash_time)} ms = {bcrypt_ceiling:.1f}/s; flood x ceiling {flood['rps'] / bcrypt_ceiling if bcrypt_ceiling else 0:.2f}")
idle, during = rows["read-idle"], rows["read-during-flood"]
print(f"profile GET (SQLite, 8 conns): idle {idle['rps']:.0f}/s p99 {ms(idle['p99'])} ms; during the sign-in "
      f"flood {during['rps']:.0f}/s p99 {ms(during['p99'])} ms = {during['p99'] / idle['p99']:.2f}x idle p99")
for store in ["sqlite", "postgres"]:
    empty, full = rows[f"tss-empty-{store}"], rows[f"tss-ledger-{store}"]
    print(f"TSS profile ({store}): {ledger:,} entries and orders {full['rps']:.0f}/s p99 {ms(full['p99'])} ms vs none "
          f"{empty['rps']:.0f}/s p99 {ms(empty['p99'])} ms = {full['rps'] / empty['rps']:.2f}x throughput")
print()
pgbench, notifying = rows["pgbench"]["rps"], rows["pgbench-notify"]["rps"]
print(f"{'write':<22}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'x pgbench':>11}{'x notify':>10}  non-2xx")
for label in ["patch-sqlite", "patch-postgres", "cl2c-sqlite", "cl2c-postgres", "one-account-sqlite", "one-account-postgres"]:
    r = rows[label]
    pg = label.endswith("postgres")
    ratio = f"{r['rps'] / pgbench:.2f}" if pg and pgbench else "-"
    to_notifying = f"{r['rps'] / notifying:.2f}" if pg and notifying else "-"
    print(f"{label:<22}{r['rps']:>10.0f}{ms(r['p50']):>9}{ms(r['p99']):>9}{ratio:>11}{to_notifying:>10}  {r['non2xx']}")
print(f"pgbench -N, 32 clients: {pgbench:.0f} tps; the same with one NOTIFY per transaction: {notifying:.0f} tps "
      f"({notifying / pgbench if pgbench else 0:.2f}x)")
print(f"resident memory (SQLite server): idle {idle_rss / 1024:.1f} MiB, under 256 connections {loaded_rss / 1024:.1f} MiB")
PY
