#!/usr/bin/env bash
# Import speed: LINES customers (1,000,000 by default) with bcrypt hashes, a name and an external
# id, imported by `clientele import` into a fresh SQLite file and a fresh PostgreSQL database,
# one after the other in one run. Prints seconds and lines per second; asserts nothing.
#   LINES=200000 scripts/bench-import.sh
#   BIN=/path/to/other/clientele scripts/bench-import.sh
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=0s
LINES="${LINES:-1000000}"
# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh

FILE="$WORK/customers.csv"
python3 - "$FILE" "$LINES" <<'PY'
import sys
path, lines = sys.argv[1], int(sys.argv[2])
# One real bcrypt hash (cost 10) for everyone: the import verifies nothing, it only files hashes.
hash_ = "$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"
with open(path, "w") as out:
    out.write("email,passwordHash,emailVerified,firstName,lastName,externalId\n")
    for i in range(lines):
        out.write(f"customer{i}@import.example.com,{hash_},true,First{i},Last{i % 977},legacy-{i}\n")
PY
echo "bench-import: $LINES lines ($(du -h "$FILE" | cut -f1)), $(nproc) cores, $BIN"

# import NAME DATABASE_URL → seconds taken, after creating the tenant
import() {
  local name="$1" url="$2" dir="$WORK/$1"
  mkdir -p "$dir"
  (cd "$dir" && CLIENTELE_DATABASE_URL="$url" CLIENTELE_ADMIN_TOKEN="$ADMIN_TOKEN" RUST_LOG=error \
    "$BIN" tenant create --id movers --name Movers >/dev/null)
  local started ended
  started="$(date +%s.%N)"
  (cd "$dir" && CLIENTELE_DATABASE_URL="$url" CLIENTELE_ADMIN_TOKEN="$ADMIN_TOKEN" RUST_LOG=error \
    "$BIN" import --tenant movers "$FILE" >"$WORK/$name.out" 2>&1) || { cat "$WORK/$name.out" >&2; exit 1; }
  ended="$(date +%s.%N)"
  python3 -c "print(f'{$ended - $started:.1f}')"
}

SQLITE_SECONDS="$(import sqlite "sqlite://$WORK/import.db")"
PG_SECONDS="$(import postgres "$(fresh_postgres)")"
printf '%-12s%12s%12s  %s\n' store seconds lines/s summary
for store in sqlite postgres; do
  if [ "$store" = sqlite ]; then s="$SQLITE_SECONDS"; else s="$PG_SECONDS"; fi
  printf '%-12s%12s%12.0f  %s\n' "$store" "$s" "$(python3 -c "print($LINES / $s)")" "$(tail -n1 "$WORK/$store.out")"
done
