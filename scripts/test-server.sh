# Sourced by the scripts that check the binary from outside (schemathesis.sh,
# openapi-clients.sh): `start_test_server NAME [VAR=value …]` starts "$binary" on a free port
# with a fresh SQLite database in "$work", the admin token "$admin_token", cheap hashing and no
# rate or send limits (plus the variables given), stops it on exit, and sets "$base" to its
# URL; it fails, printing the log, when the server does not start.
start_test_server() {
    local name="$1"
    shift
    env -i PATH="$PATH" \
        CLIENTELE_LISTEN=127.0.0.1:0 \
        CLIENTELE_DATABASE_URL="sqlite://$work/$name.db" \
        CLIENTELE_ADMIN_TOKEN="$admin_token" \
        CLIENTELE_BCRYPT_COST=4 \
        CLIENTELE_RATE_LIMIT_PER_MINUTE=0 \
        CLIENTELE_SEND_LIMIT=0 \
        "$@" \
        "$binary" >"$work/log" 2>&1 &
    server=$!
    trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
    base=""
    for _ in $(seq 1 150); do
        base=$(sed -n 's/^clientele listening on //p' "$work/log" | head -1)
        [ -n "$base" ] && return 0
        sleep 0.1
    done
    echo "$name: the server did not start"
    cat "$work/log"
    return 1
}
