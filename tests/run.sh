#!/bin/sh
# Runs every test of lpgtrace and ends with the line "N passed, N failed".
#
#   tests/run.sh BUILD_DIR [PATTERN]
#
# Unit tests (cmocka, TAP output), fuzz-corpus replays and end-to-end
# scripts all speak TAP ("ok ..." / "not ok ..."). Each program's output is
# kept whole in BUILD_DIR/test-logs/, and a failing one's is shown (up to
# its last 400 lines); an end-to-end script that fails also leaves there
# the logs its daemons wrote (NAME.daemons/). A program that exits
# non-zero without a "not ok" line counts as one failure.
set -u
B=${1:?usage: tests/run.sh BUILD_DIR [PATTERN]}
PATTERN=${2:-}
LOGS="$B/test-logs"
rm -rf "$LOGS"
mkdir -p "$LOGS"
export CMOCKA_MESSAGE_OUTPUT=TAP
export LPG_BIN="$(cd "$B/bin" && pwd)"
export LPG_TESTS="$(cd "$B/tests" 2>/dev/null && pwd)"
export LPG_ROOT="$(pwd)"
export LPG_NO_PROGRESS=1

passed=0
failed=0
failed_names=""

run_one() {
    name=$1
    shift
    case "$name" in *"$PATTERN"*) ;; *) return 0 ;; esac
    stem="$LOGS/$(echo "$name" | tr / _)"
    log="$stem.log"
    start=$(date +%s)
    LPG_TEST_LOG_STEM="$stem" "$@" >"$log" 2>&1
    rc=$?
    secs=$(( $(date +%s) - start ))
    p=$(grep -c '^ok ' "$log")
    f=$(grep -c '^not ok ' "$log")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1
        echo "not ok - $name exited with status $rc" >>"$log"
    fi
    if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
        f=1
        echo "not ok - $name ran no test" >>"$log"
    fi
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$f" -gt 0 ]; then
        failed_names="$failed_names $name"
        echo "FAIL $name ($p passed, $f failed, ${secs}s)"
        sed 's/^/    /' "$log" | tail -n 400
        if [ -d "$stem.daemons" ]; then
            echo "    (the whole output: $log; the daemons' logs: $stem.daemons/)"
        else
            echo "    (the whole output: $log)"
        fi
    else
        echo "ok   $name ($p passed, ${secs}s)"
    fi
}

for t in "$B"/tests/test_*; do
    [ -x "$t" ] || continue
    run_one "unit/$(basename "$t")" "$t"
done

for t in "$B"/tests/fuzz_*; do
    [ -x "$t" ] || continue
    n=$(basename "$t")
    corpus="tests/fuzz/corpus/${n#fuzz_}"
    [ -d "$corpus" ] || continue
    run_one "fuzz/$n" "$t" "$corpus"
done

for t in tests/lint/*.sh; do
    [ -f "$t" ] || continue
    run_one "lint/$(basename "$t" .sh)" sh "$t"
done

for t in tests/e2e/*.sh; do
    [ -f "$t" ] || continue
    case "$(basename "$t")" in lib.sh | *_lib.sh) continue ;; esac
    run_one "e2e/$(basename "$t" .sh)" sh "$t"
done

echo
[ -n "$failed_names" ] && echo "failed:$failed_names"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
