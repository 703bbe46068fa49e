#!/usr/bin/env bash
# The served OpenAPI document as a new user meets it: starts the binary on a fresh SQLite
# database, fetches /openapi.json, and requires zero errors from openapi-spec-validator and from
# Redocly's lint (its recommended rules; warnings are printed, not counted). Then generates a
# Python client with openapi-python-client (any generator warning fails: it means an operation or
# a schema was left out) and runs tests/generated_client/journey.py, which goes through the four
# surfaces and the back office with that client alone.
#
# Pinned tools: openapi-spec-validator and openapi-python-client from PyPI (pip), @redocly/cli
# from npm into target/tools/redocly (git-ignored). A missing tool is installed; when one cannot
# be, this says so loudly and fails under CI=true; elsewhere it exits 3, which scripts/test.sh
# counts as skipped.
#
# The binary: $CLIENTELE_BIN, else target/debug/clientele (built when missing).
set -uo pipefail
cd "$(dirname "$0")/.."
spec_validator_version="0.9.0"
generator_version="0.29.1"
redocly_version="2.11.1"
redocly_dir="target/tools/redocly"
redocly="$redocly_dir/node_modules/.bin/redocly"

# Prints the installed version of a Python distribution, or nothing.
py_version() { python3 -c "import importlib.metadata as m; print(m.version('$1'))" 2>/dev/null; }
# Whether the generated client's own dependencies import (its pyproject asks for these).
client_deps_present() { python3 -c 'import httpx, attrs, dateutil' 2>/dev/null; }
missing=()
if [ "$(py_version openapi-spec-validator)" != "$spec_validator_version" ] \
    || [ "$(py_version openapi-python-client)" != "$generator_version" ] || ! client_deps_present; then
    python3 -m pip install --quiet --disable-pip-version-check \
        "openapi-spec-validator==$spec_validator_version" "openapi-python-client==$generator_version" \
        "httpx>=0.23,<0.29" "attrs>=22.2" "python-dateutil>=2.8" >/dev/null 2>&1 || true
fi
[ "$(py_version openapi-spec-validator)" = "$spec_validator_version" ] \
    || missing+=("openapi-spec-validator==$spec_validator_version (pip)")
[ "$(py_version openapi-python-client)" = "$generator_version" ] \
    || missing+=("openapi-python-client==$generator_version (pip)")
client_deps_present || missing+=("httpx, attrs, python-dateutil (pip)")
if [ "$("$redocly" --version 2>/dev/null)" != "$redocly_version" ] && command -v npm >/dev/null 2>&1; then
    mkdir -p "$redocly_dir"
    npm install --silent --no-audit --no-fund --prefix "$redocly_dir" "@redocly/cli@$redocly_version" >/dev/null 2>&1 || true
fi
[ "$("$redocly" --version 2>/dev/null)" = "$redocly_version" ] \
    || missing+=("@redocly/cli@$redocly_version (npm, into $redocly_dir)")
if [ "${#missing[@]}" -gt 0 ]; then
    for tool in "${missing[@]}"; do
        echo "!!! NOT INSTALLED AND COULD NOT BE: $tool: the OpenAPI document's validators and generated client were not run"
    done
    [ "${CI:-}" = "true" ] && exit 1
    exit 3
fi

work="$(mktemp -d)"
admin_token="openapi-clients-admin-token-0123456789"
binary="${CLIENTELE_BIN:-target/debug/clientele}"
if [ -z "${CLIENTELE_BIN:-}" ] && [ ! -x "$binary" ]; then
    cargo build -q -p clientele --bin clientele || exit 1
fi
. scripts/test-server.sh
start_test_server openapi-clients || exit 1
# Indented, so that the validators' line numbers point somewhere readable.
if ! curl -sf "$base/openapi.json" | python3 -m json.tool >"$work/openapi.json"; then
    echo "openapi-clients: no /openapi.json"; exit 1
fi
status=0

echo "-- openapi-spec-validator $spec_validator_version"
if ! python3 -m openapi_spec_validator --validation-errors all "$work/openapi.json"; then
    echo "openapi-clients: openapi-spec-validator found errors"; status=1
fi

echo "-- redocly lint $redocly_version (recommended rules)"
# One line per problem (severity, rule, where, what), then the totals: zero errors required.
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
    "$redocly" lint --extends=recommended --format=json --max-problems=100000 "$work/openapi.json" \
    >"$work/redocly.json" 2>"$work/redocly.log"
linted=$?
if ! python3 - "$work/redocly.json" <<'PY'; then
import json, sys
report = json.load(open(sys.argv[1]))
for problem in report["problems"]:
    where = ", ".join(location.get("pointer", "?") for location in problem.get("location", []))
    print(f"  {problem['severity']:5}  {problem['ruleId']}  {where}  {problem['message']}")
totals = report["totals"]
print(f"redocly: {totals['errors']} errors, {totals['warnings']} warnings")
sys.exit(1 if totals["errors"] else 0)
PY
    cat "$work/redocly.log"; linted=1
fi
if [ "$linted" -ne 0 ]; then
    echo "openapi-clients: Redocly's lint found errors"; status=1
fi

echo "-- openapi-python-client $generator_version"
mkdir -p "$work/generated"
(cd "$work/generated" && openapi-python-client generate --path "$work/openapi.json" --meta none \
    --config "$OLDPWD/tests/generated_client/config.yml" \
    --output-path clientele_client --fail-on-warning) >"$work/generate.log" 2>&1
generated=$?
cat "$work/generate.log"
# --fail-on-warning makes a skipped operation or schema fail the generation; the output is
# checked too, in case a later version only prints them.
if [ "$generated" -ne 0 ] || grep -Eq 'Warning\(s\) encountered|Error\(s\) encountered|Unable to' "$work/generate.log"; then
    echo "openapi-clients: openapi-python-client could not generate the whole client"; exit 1
fi

echo "-- tests/generated_client/journey.py"
PYTHONPATH="$work/generated" python3 tests/generated_client/journey.py \
    --base-url "$base" --admin-token "$admin_token" --document "$work/openapi.json" || status=1

if grep -q "panicked" "$work/log"; then
    echo "openapi-clients: the server panicked"; grep -A3 panicked "$work/log"; status=1
fi
exit $status
