#!/usr/bin/env bash
# Every test of the workspace, then one closing line with the totals
# ("N passed, N failed, N skipped"), so the last line speaks for the whole run rather than for
# the last doc-test crate.
#
# A test that returns early because PostgreSQL is unreachable (outside CI) still passes for
# cargo; the test kit writes it down in $CLIENTELE_TEST_SKIP_LOG ("<test>\t<reason>\t<binary>"
# per line), and it is counted here as skipped, not passed, and named in a loud line before the
# totals. Tests marked #[ignore] count as skipped too.
set -uo pipefail
cd "$(dirname "$0")/.."
log="$(mktemp)"
skips="$(mktemp)"
failures="$(mktemp)"
trap 'rm -f "$log" "$skips" "$failures"' EXIT
export CLIENTELE_TEST_SKIP_LOG="$skips"
cargo build -p clientele --bin clientele || exit $?
cargo test --workspace --no-fail-fast 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

results() { grep -Eo "test result: [A-Za-z]+\. .*" "$log"; }
passed=$(results | grep -Eo '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')
failed=$(results | grep -Eo '[0-9]+ failed' | awk '{s+=$1} END {print s+0}')
ignored=$(results | grep -Eo '[0-9]+ ignored' | awk '{s+=$1} END {print s+0}')

# Tests that recorded a skip, once each (a test may record several), leaving out those that
# failed anyway: they are counted as failed already.
sed -nE 's/^test (.*) \.\.\. FAILED$/\1/p' "$log" >"$failures"
skipped_list=$(awk -F'\t' '
    FILENAME == ARGV[1] { failed[$0] = 1; next }
    !(($1 FS $3) in seen) && !($1 in failed) { seen[$1 FS $3] = 1; print $1 "\t" $2 }
' "$failures" "$skips")
recorded=$(printf '%s' "$skipped_list" | grep -c . || true)
passed=$((passed - recorded))
skipped=$((recorded + ignored))

echo
if [ "$recorded" -gt 0 ]; then
    # One loud line per reason, naming the tests it skipped.
    printf '%s\n' "$skipped_list" | awk -F'\t' '
        { tests[$2] = ($2 in tests) ? tests[$2] ", " $1 : $1; count[$2]++ }
        END {
            for (reason in tests)
                printf "!!!!!!!! SKIPPED %d test(s), wholly or partly NOT run (%s): %s !!!!!!!!\n", count[reason], reason, tests[reason]
        }'
fi
if [ "$ignored" -gt 0 ]; then
    echo "!!!!!!!! SKIPPED $ignored test(s) marked #[ignore] (listed above as 'ignored') !!!!!!!!"
fi
# The embedding example: the domain's use cases over the in-memory fakes, as a team embedding
# the domain would wire them (crates/domain/README.md).
echo
echo "== the embedding example: cargo run -p clientele-domain --example embed"
if cargo run -q -p clientele-domain --example embed; then
    passed=$((passed + 1))
else
    failed=$((failed + 1)); echo "the embedding example FAILED"; status=1
fi
# The documentation's sh blocks, run as written against the binary, their shown answers
# compared (docs/architecture.md, "Documentation that runs"). Exit 3: only PostgreSQL blocks
# skipped, PostgreSQL being unreachable outside CI.
echo
echo "== the documentation's examples: scripts/doc-blocks.py"
CLIENTELE_BINARY=target/debug/clientele python3 scripts/doc-blocks.py
case $? in
    0) passed=$((passed + 1)) ;;
    3) skipped=$((skipped + 1)) ;;
    *) failed=$((failed + 1)); echo "the documentation's examples FAILED"; status=1 ;;
esac
# The OpenAPI document as a new user meets it: two validators, then a generated Python client's
# journey through every surface.
echo
echo "== the OpenAPI document: validators and a generated client's journey"
scripts/openapi-clients.sh
case $? in
    0) passed=$((passed + 1)) ;;
    3) skipped=$((skipped + 1)) ;;
    *) failed=$((failed + 1)); echo "the OpenAPI validators or the generated client's journey FAILED"; status=1 ;;
esac
# The OpenAPI document as a contract: schemathesis against the real binary.
echo
echo "== schemathesis: every check over /openapi.json against the binary"
scripts/schemathesis.sh
case $? in
    0) passed=$((passed + 1)) ;;
    3) skipped=$((skipped + 1)) ;;
    *) failed=$((failed + 1)); echo "schemathesis FAILED"; status=1 ;;
esac
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
