# lib.sh - shared helpers for the end-to-end scripts (sourced, not run).
#
# Each script prints TAP: "ok N - what" or "not ok N - what", and exits
# non-zero if any check failed. Binaries come from $LPG_BIN, test tools
# from $LPG_TESTS, the repository root is $LPG_ROOT.
set -u
: "${LPG_BIN:?run through make test}"
: "${LPG_ROOT:=.}"
: "${LPG_TESTS:=$LPG_BIN/../tests}"
PATH="$LPG_BIN:$LPG_TESTS:$PATH"
export LPG_NO_PROGRESS=1
T_N=0
T_FAILED=0
T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/lpg-e2e-XXXXXX")
trap 't_cleanup' EXIT INT TERM

T_PIDS=""
t_cleanup() {
    for p in $T_PIDS; do kill -9 "$p" 2>/dev/null; done
    rm -rf "$T_DIR"
}

ok() {
    T_N=$((T_N + 1))
    echo "ok $T_N - $*"
}

not_ok() {
    T_N=$((T_N + 1))
    T_FAILED=$((T_FAILED + 1))
    echo "not ok $T_N - $*"
}

# check "what" command...: ok if the command exits 0.
check() {
    what=$1
    shift
    if "$@" >"$T_DIR/out" 2>&1; then
        ok "$what"
    else
        not_ok "$what (exit $?)"
        sed 's/^/#   /' "$T_DIR/out" | head -20
    fi
}

# check_status "what" STATUS command...: ok if it exits with STATUS.
check_status() {
    what=$1
    want=$2
    shift 2
    "$@" >"$T_DIR/out" 2>&1
    got=$?
    if [ "$got" -eq "$want" ]; then
        ok "$what"
    else
        not_ok "$what (exit $got, wanted $want)"
        sed 's/^/#   /' "$T_DIR/out" | head -20
    fi
}

# check_out "what" PATTERN: ok if the last command's output matches.
check_out() {
    if grep -q -- "$2" "$T_DIR/out"; then
        ok "$1"
    else
        not_ok "$1 (no '$2' in output)"
        sed 's/^/#   /' "$T_DIR/out" | head -20
    fi
}

t_done() {
    echo "1..$T_N"
    [ "$T_FAILED" -eq 0 ]
}
