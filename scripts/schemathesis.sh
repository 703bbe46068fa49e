#!/usr/bin/env bash
# Schemathesis against the real binary (every check: all are on unless the config turns one off
# for an operation): starts it on a fresh SQLite database, signs a customer
# in for the bearer routes, and runs every check over /openapi.json with the config in
# tests/schemathesis/. Installs schemathesis with pip when it is missing; when it cannot, says so
# and fails under CI=true (a silent skip would hide the contract's state); elsewhere it exits 3,
# which scripts/test.sh counts as skipped.
set -uo pipefail
cd "$(dirname "$0")/.."
version="4.32.5"
if ! command -v st >/dev/null 2>&1 || ! st --version 2>/dev/null | grep -q "$version"; then
    python3 -m pip install --quiet --disable-pip-version-check "schemathesis==$version" >/dev/null 2>&1 || true
fi
if ! command -v st >/dev/null 2>&1; then
    echo "!!! SCHEMATHESIS IS NOT INSTALLED AND COULD NOT BE (pip install schemathesis==$version): the OpenAPI contract was not checked"
    [ "${CI:-}" = "true" ] && exit 1
    exit 3
fi
work="$(mktemp -d)"
admin_token="schemathesis-admin-token-0123456789"
binary="target/debug/clientele"
[ -x "$binary" ] || cargo build -q -p clientele --bin clientele || exit 1
. scripts/test-server.sh
start_test_server schemathesis CLIENTELE_REAUTH_MAX_AGE_SECS=86400 || exit 1
# A customer, signed in: prints the access token.
signed_in() {
    local email="st-$1-$(date +%s%N)@example.com"
    curl -sf -X POST "$base/admin/v1/customers" -H "Authorization: Bearer $admin_token" \
        -d "{\"email\": \"$email\", \"password\": \"a good passphrase\"}" >/dev/null || return 1
    curl -sf -X POST "$base/customers/login" -d "{\"email\": \"$email\", \"password\": \"a good passphrase\"}" \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}
token=$(signed_in main) || { echo "schemathesis: no signed-in customer"; exit 1; }
# Closing the account ends its sessions: DELETE /customers/self gets a customer of its own, so
# the routes tested after it still meet a live session.
closing_token=$(signed_in closing) || { echo "schemathesis: no second customer"; exit 1; }
# Signing out ends the session in hand: POST /customers/logout signs out a customer of its own.
logout_token=$(signed_in logout) || { echo "schemathesis: no third customer"; exit 1; }
# The back office's ending of a customer's sessions ends the sign-out customer's (any customer
# a response named could otherwise be the main one, whose session must live through the run).
logout_id=$(curl -sf "$base/customers/self" -H "Authorization: Bearer $logout_token" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])') || { echo "schemathesis: no third customer's id"; exit 1; }
# Deletion requests waiting for the back office, for the links from their listing to approve
# and reject to lead somewhere.
curl -sf -X PATCH "$base/admin/v1/settings" -H "Authorization: Bearer $admin_token" \
    -d '{"deletionRequiresApproval": true}' >/dev/null || { echo "schemathesis: no settings"; exit 1; }
for n in 1 2 3 4; do
    closing=$(signed_in "closing-$n") && curl -sf -X DELETE "$base/customers/self" -H "Authorization: Bearer $closing" >/dev/null \
        || { echo "schemathesis: no deletion request"; exit 1; }
done
api_key=$(curl -sf -X POST "$base/admin/v1/tenants/default/api-keys" -H "Authorization: Bearer $admin_token" \
    -d '{"name": "schemathesis"}' | python3 -c 'import json, sys; print(json.load(sys.stdin)["key"])') \
    || { echo "schemathesis: no API key"; exit 1; }
CLIENTELE_ST_TOKEN="$token" CLIENTELE_ST_CLOSING_TOKEN="$closing_token" CLIENTELE_ST_LOGOUT_TOKEN="$logout_token" CLIENTELE_ST_ADMIN_TOKEN="$admin_token" CLIENTELE_ST_API_KEY="$api_key" CLIENTELE_ST_LOGOUT_ID="$logout_id" \
    st --config-file tests/schemathesis/schemathesis.toml run "$base/openapi.json" \
    --phases examples,coverage,fuzzing,stateful --workers 1 --no-color
status=$?
# The session the bearer routes were tested with must have lived through the run: had it ended,
# most of them would only have met 401s.
if ! curl -sf "$base/customers/self" -H "Authorization: Bearer $token" >/dev/null; then
    echo "schemathesis: the test customer's session ended during the run; the bearer routes were not really tested"
    status=1
fi
if grep -q "panicked" "$work/log"; then
    echo "schemathesis: the server panicked"; grep -A3 panicked "$work/log"; exit 1
fi
exit $status
