#!/usr/bin/env bash
# Does a lookup stay as fast with a million customers as with a thousand? On SQLite and on
# PostgreSQL, in one run:
#   1. start a server on an empty database and create one customer through the admin API;
#   2. bulk-insert copies of that customer (other ids, emails and names) up to SMALL customers,
#      measure the profile GET, sign-in by email and the back office's search (an email prefix
#      that matches a few hundred, newest first) (p50, p99);
#   3. bulk-insert up to LARGE customers, refresh the planner's statistics, measure again.
# Sign-in runs at bcrypt cost 4 here so that the lookup by email, not the hash, is what shows.
# Prints one table with the ratio LARGE ÷ SMALL and asserts nothing.
#
#   scripts/bench-scale.sh                       # 1,000 and 1,000,000 customers
#   LARGE=100000 DURATION=5s scripts/bench-scale.sh
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-10s}"
SMALL="${SMALL:-1000}"
LARGE="${LARGE:-1000000}"
BCRYPT_COST=4
# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh

# Every column of accounts; the copies differ from the customer in uuid, public id and email.
COLUMNS="uuid, tenant_id, public_id, status, email, email_normalized, email_confirmed, \
email_temporary, password_hash, two_factor, username, nickname, first_name, middle_name, \
last_name, birthday, birthday_locked, gender, phone, mobile, address, locale, push_token, \
wallet_address, subscriptions, referral_code, failed_sign_ins, sign_in_locked_until, \
created_at, updated_at, version, email_key, first_name_key, last_name_key"
COPIED="tenant_id, status, email_confirmed, email_temporary, password_hash, two_factor, \
username, nickname, first_name, middle_name, last_name, birthday, birthday_locked, gender, \
phone, mobile, address, locale, push_token, wallet_address, subscriptions, referral_code, \
failed_sign_ins, sign_in_locked_until, created_at, updated_at, version"
# What the copies take from the customer: everything but what is unique per tenant (username,
# phone, referral code), which they leave empty.
COPIED_VALUES="$(sed -E 's/\b(username|phone|referral_code)\b/NULL/g' <<<"${COPIED#tenant_id, status, }")"
# Fillers are found by the search row's prefix one in every thousand.
SEARCH_PREFIX="filler123"
# Filler public ids and uuids live far from the generated ones.
FILLER_ID_BASE=8000000000000000

# fill_sqlite FILE EMAIL FROM TO → copies number FROM+1..TO of the customer EMAIL
fill_sqlite() {
  local file="$1" email="$2" from="$3" to="$4"
  sqlite3 "$file" <<SQL
.timeout 60000
BEGIN IMMEDIATE;
WITH RECURSIVE n(i) AS (SELECT $from + 1 UNION ALL SELECT i + 1 FROM n WHERE i < $to)
INSERT INTO accounts ($COLUMNS)
SELECT printf('f0000000-0000-4000-8000-%012d', i), tenant_id, $FILLER_ID_BASE + i, status,
       'filler' || i || '@bench.invalid', 'filler' || i || '@bench.invalid',
       $COPIED_VALUES, 'filler' || i || '@bench.invalid', 'name' || i, 'family' || i
FROM n, (SELECT * FROM accounts WHERE email_normalized = '$email') AS customer;
COMMIT;
ANALYZE;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
}

# fill_postgres URL EMAIL FROM TO → the same on PostgreSQL
fill_postgres() {
  local url="$1" email="$2" from="$3" to="$4"
  psql "$url" -qv ON_ERROR_STOP=1 <<SQL
INSERT INTO accounts ($COLUMNS)
SELECT 'f0000000-0000-4000-8000-' || lpad(i::text, 12, '0'), tenant_id, $FILLER_ID_BASE + i, status,
       'filler' || i || '@bench.invalid', 'filler' || i || '@bench.invalid',
       $COPIED_VALUES, 'filler' || i || '@bench.invalid', 'name' || i, 'family' || i
FROM generate_series($from + 1, $to) AS i,
     (SELECT * FROM accounts WHERE email_normalized = '$email') AS customer;
VACUUM ANALYZE accounts;
CHECKPOINT;
SQL
}

# measure NAME SIZE BASE TOKEN → profile GET and sign-in rows labelled NAME-SIZE, each after
# a short warm-up whose figures are dropped (caches refilled after the bulk insert)
measure() {
  local name="$1" size="$2" base="$3" token="$4"
  load warm-up 8 2s "$base/api/v2/my/profile" -H "Authorization: Bearer $token"
  load warm-up 2 2s "$base/customers/login" -s "$(login_script "$base")"
  load "profile-$name-$size" 8 "$DURATION" "$base/api/v2/my/profile" -H "Authorization: Bearer $token"
  load "signin-$name-$size" 2 "$DURATION" "$base/customers/login" -s "$(login_script "$base")"
  load warm-up 4 2s "$base/admin/v1/customers?q=$SEARCH_PREFIX&limit=20" -H "Authorization: Bearer $ADMIN_TOKEN"
  load "search-$name-$size" 4 "$DURATION" "$base/admin/v1/customers?q=$SEARCH_PREFIX&limit=20" \
    -H "Authorization: Bearer $ADMIN_TOKEN"
}

# scale NAME → measures the backend started as NAME at SMALL and at LARGE customers
scale() {
  local name="$1" fill="$2" target="$3"
  local base token email started
  base="$(cat "$WORK/$name.base")"
  token="$(customer "$base")"
  email="$(cat "$WORK/email-${base##*:}")"
  "$fill" "$target" "$email" 1 "$((SMALL - 1))"
  measure "$name" small "$base" "$token"
  started=$SECONDS
  "$fill" "$target" "$email" "$((SMALL - 1))" "$((LARGE - 1))"
  echo "bench-scale: $name filled to $LARGE customers in $((SECONDS - started)) s" >&2
  measure "$name" large "$base" "$token"
}

echo "bench-scale: $SMALL and $LARGE customers, $DURATION per target"
start sqlite "sqlite://$WORK/scale.db"
scale sqlite fill_sqlite "$WORK/scale.db"
kill "$(cat "$WORK/sqlite.pid")"
PG_URL="$(fresh_postgres)"
start postgres "$PG_URL"
scale postgres fill_postgres "$PG_URL"

python3 - "$WORK/results" "$SMALL" "$LARGE" <<'PY'
import json, sys
rows = {r["label"]: r for r in map(json.loads, open(sys.argv[1]))}
small, large = sys.argv[2], sys.argv[3]
ms = lambda v: f"{v * 1000:.2f}" if v is not None else "-"
print(f"{'target':<22}{'p50 @' + small:>12}{'p99 @' + small:>12}{'p50 @' + large:>14}{'p99 @' + large:>14}{'p99 ratio':>11}  non-2xx")
for backend in ["sqlite", "postgres"]:
    for what in ["profile", "signin", "search"]:
        a, b = rows[f"{what}-{backend}-small"], rows[f"{what}-{backend}-large"]
        ratio = f"{b['p99'] / a['p99']:.2f}" if a["p99"] and b["p99"] else "-"
        label = {"profile": "profile GET", "signin": "sign-in (cost 4)", "search": "admin search"}[what] + f" {backend}"
        print(f"{label:<22}{ms(a['p50']):>12}{ms(a['p99']):>12}{ms(b['p50']):>14}{ms(b['p99']):>14}{ratio:>11}  {a['non2xx'] + b['non2xx']}")
PY
