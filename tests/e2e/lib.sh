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
# On a failure, the logs the daemons wrote into $T_DIR are kept beside
# the script's own output (tests/run.sh sets LPG_TEST_LOG_STEM).
t_cleanup() {
    for p in $T_PIDS; do kill -9 "$p" 2>/dev/null; done
    if [ "$T_FAILED" -gt 0 ] && [ -n "${LPG_TEST_LOG_STEM:-}" ]; then
        mkdir -p "$LPG_TEST_LOG_STEM.daemons" &&
            find "$T_DIR" -maxdepth 2 -name '*.log' -type f \
                -exec cp {} "$LPG_TEST_LOG_STEM.daemons/" \; 2>/dev/null
    fi
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

# t_home DIR: a fresh home whose services (and their metrics) listen on
# free loopback ports (so tests never collide with a running system or
# with each other).
# t_free_port: a TCP port free on loopback now (another process may take
# it before it is bound: see t_listens).
t_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# t_listens PID PORT: PID holds the socket listening on TCP PORT. A port
# picked free beforehand may be taken by another test's daemon before
# ours binds it, and a request to it is then answered by the stranger.
t_listens() {
    t_lp=$(printf ':%04X' "$2")
    for t_ino in $(awk -v p="$t_lp" '$4 == "0A" && substr($2, length($2) - 4) == p { print $10 }' \
        /proc/net/tcp /proc/net/tcp6 2>/dev/null); do
        ls -l "/proc/$1/fd" 2>/dev/null | grep -q "socket:\[$t_ino\]" && return 0
    done
    return 1
}

# t_webd HOME: starts lpg-webd on HOME (T_PID_webd), and waits until it
# answers /healthz on its webd.port, over HTTP, holding that port itself.
# A port picked free beforehand may be taken before lpg-webd can bind
# it: it then says so and exits, and another is written into HOME's
# config. T_WEBD_PORT: the port it serves on.
t_webd() {
    t_wtries=0
    while :; do
        T_WEBD_PORT=$(sed -n 's/^webd.port = //p' "$1/lpgtrace.conf")
        lpg-webd --home "$1" >>"$T_DIR/webd.log" 2>&1 &
        T_PID_webd=$!
        T_PIDS="$T_PIDS $!"
        i=0
        while [ $i -lt 100 ] && kill -0 "$T_PID_webd" 2>/dev/null; do
            curl -s -o /dev/null "http://127.0.0.1:$T_WEBD_PORT/healthz" &&
                t_listens "$T_PID_webd" "$T_WEBD_PORT" && return 0
            sleep 0.1
            i=$((i + 1))
        done
        t_wtries=$((t_wtries + 1))
        kill -0 "$T_PID_webd" 2>/dev/null && break
        grep -q "cannot serve HTTP on 127.0.0.1 port $T_WEBD_PORT" "$T_DIR/webd.log" &&
            [ $t_wtries -lt 3 ] || break
        t_wfree=$(t_free_port)
        echo "# lpg-webd's port $T_WEBD_PORT was taken meanwhile: $t_wfree"
        sed -i "s|^webd.port = .*|webd.port = $t_wfree|" "$1/lpgtrace.conf"
    done
    echo "# lpg-webd did not come up"
    sed 's/^/#   /' "$T_DIR/webd.log"
    return 1
}

t_home() {
    lpgtrace --home "$1" init >/dev/null || return 1
    base=$(python3 -c 'import socket
s = []
for i in range(13):
    x = socket.socket(); x.bind(("127.0.0.1", 0)); s.append(x)
print(" ".join(str(x.getsockname()[1]) for x in s))')
    set -- "$1" $base
    sed -i -e "s|^endpoint.registry = .*|endpoint.registry = tcp://127.0.0.1:$2|" \
        -e "s|^endpoint.filling = .*|endpoint.filling = tcp://127.0.0.1:$3|" \
        -e "s|^endpoint.delivery = .*|endpoint.delivery = tcp://127.0.0.1:$4|" \
        -e "s|^endpoint.inspection = .*|endpoint.inspection = tcp://127.0.0.1:$5|" \
        -e "s|^endpoint.trace = .*|endpoint.trace = tcp://127.0.0.1:$6|" \
        -e "s|^endpoint.feed = .*|endpoint.feed = tcp://127.0.0.1:$7|" \
        -e "s|^metrics.registry = .*|metrics.registry = $8|" \
        -e "s|^metrics.filling = .*|metrics.filling = $9|" \
        -e "s|^metrics.delivery = .*|metrics.delivery = ${10}|" \
        -e "s|^metrics.inspection = .*|metrics.inspection = ${11}|" \
        -e "s|^metrics.trace = .*|metrics.trace = ${12}|" \
        -e "s|^endpoint.order = .*|endpoint.order = tcp://127.0.0.1:${13}|" \
        -e "s|^metrics.order = .*|metrics.order = ${14}|" \
        "$1/lpgtrace.conf"
}

# t_daemon NAME HOME: starts lpg-NAMEd in the background, logging to
# $T_DIR/NAME.log, and waits until it answers a ping.
t_daemon() {
    t_tries=0
    while :; do
        t_seen=$(cat "$T_DIR/$1.log" 2>/dev/null | wc -l)
        "lpg-$1d" --home "$2" >>"$T_DIR/$1.log" 2>&1 &
        eval "T_PID_$1=$!"
        T_PIDS="$T_PIDS $!"
        t_dpid=$!
        i=0
        while [ $i -lt 100 ]; do
            if lpgtrace --home "$2" ping "$1" >/dev/null 2>&1; then
                return 0
            fi
            kill -0 "$t_dpid" 2>/dev/null || break
            sleep 0.1
            i=$((i + 1))
        done
        # A port t_home picked free was taken before the daemon could bind
        # it (by another test's daemon): it says so and exits. Another.
        t_tries=$((t_tries + 1))
        t_taken=$(tail -n +$((t_seen + 1)) "$T_DIR/$1.log" |
            sed -n 's|.*cannot bind tcp://127\.0\.0\.1:\([0-9]*\): Address already in use.*|\1|p' | tail -1)
        if kill -0 "$t_dpid" 2>/dev/null || [ -z "$t_taken" ] || [ $t_tries -ge 3 ]; then
            break
        fi
        t_free=$(t_free_port)
        echo "# lpg-$1d's port $t_taken was taken meanwhile: $t_free"
        sed -i "s|tcp://127\.0\.0\.1:$t_taken\$|tcp://127.0.0.1:$t_free|" "$2/lpgtrace.conf"
    done
    echo "# lpg-$1d did not come up"
    cat "$T_DIR/$1.log" | sed 's/^/#   /'
    return 1
}
