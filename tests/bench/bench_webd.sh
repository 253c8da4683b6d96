#!/bin/sh
# bench_webd.sh - lpg-webd's public scans per second, against this
# machine's own Ed25519 verifies per second measured in the same run.
#
#   tests/bench/bench_webd.sh BUILD_DIR [SECONDS]     (SECONDS default 10)
#   DELIVERIES=N (default 100): deliveries each way for the API vs ZeroMQ part
#
# A scan is a phone opening a real code's public page (GET /8003/...): it
# checks the code's one signature and reads the ledger. wrk keeps 64
# connections busy for SECONDS; target: scans/s >= 30 % of 2 x single-core
# verifies/s (the machine's two cores' worth of signature checks), with
# p99 latency <= 50 ms. Then, if the handheld API can submit: one delivery
# over the API against the same delivery over ZeroMQ, p50 of each, target
# within 1 ms, both timed from one C client (tests/tools/api_delivery.c;
# CLIENT=python times both from python3 instead), with the p50 of each
# stage: the client's signing, each round trip and, from lpg-webd's
# Server-Timing answer, its share of it (request signature check, the
# handler's work, the relay to lpg-deliveryd). wrk runs on the same
# machine and takes cores from the daemon: the numbers are a floor.
set -u
B=${1:?usage: tests/bench/bench_webd.sh BUILD_DIR [SECONDS]}
SECS=${2:-10}
LPG_BIN="$(cd "$B/bin" && pwd)" || exit 1
LPG_TESTS="$(cd "$B/tests" && pwd)" || exit 1
LPG_ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
export LPG_BIN LPG_TESTS LPG_ROOT
. "$LPG_ROOT/tests/e2e/lib.sh"
. "$LPG_ROOT/tests/web/webd_env.sh"

command -v wrk >/dev/null 2>&1 ||
    { echo "bench_webd: wrk is needed (sh deploy/install-deps.sh installs it)"; exit 1; }

H=$T_DIR/home
w_home "$H" >/dev/null || { echo "bench_webd: no home"; exit 1; }
# Every wrk connection comes from 127.0.0.1: lift the per-address limit
# above the 64 connections (as for a reverse proxy in front).
if grep -q '^webd.max_per_ip = ' "$H/lpgtrace.conf"; then
    sed -i 's|^webd.max_per_ip = .*|webd.max_per_ip = 256|' "$H/lpgtrace.conf"
else
    echo "webd.max_per_ip = 256" >>"$H/lpgtrace.conf"
fi
w_world "$H" >/dev/null || { echo "bench_webd: the services did not come up"; exit 1; }
w_start "$H" || { echo "bench_webd: lpg-webd did not come up"; exit 1; }

st=$(curl -s -o /dev/null -w '%{http_code}' "$W_URL$W_PATH")
if [ "$st" != 200 ]; then
    echo "bench_webd: the public page of a real code answers $st, not 200: nothing to measure"
    exit 1
fi

"$LPG_TESTS/trace_ledger" verifies 20000 >"$T_DIR/verifies" || exit 1
VPS=$(sed -n 's/.*per_s=\([0-9.]*\).*/\1/p' "$T_DIR/verifies")

echo "lpg-webd public scans ($(nproc) cores, wrk: 2 threads, 64 connections, ${SECS}s; machine shared: noisy)"
echo "  machine: Ed25519 verifies/s, one core      $VPS"
wrk -t2 -c64 -d"${SECS}s" --latency "$W_URL$W_PATH" >"$T_DIR/wrk.out" 2>&1 ||
    { sed 's/^/  /' "$T_DIR/wrk.out"; exit 1; }
RPS=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$T_DIR/wrk.out")
P50=$(sed -n 's/^ *50% *\([0-9.]*[mu]*s\).*/\1/p' "$T_DIR/wrk.out")
P99=$(sed -n 's/^ *99% *\([0-9.]*[mu]*s\).*/\1/p' "$T_DIR/wrk.out")
ERRS=$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p; s/^ *Socket errors: \(.*\)/\1/p' "$T_DIR/wrk.out")
# wrk's latencies come as 812.00us, 3.20ms or 1.02s: milliseconds.
ms() {
    echo "$1" | awk '/us$/ { sub(/us$/, ""); print $0 / 1000; next }
                      /ms$/ { sub(/ms$/, ""); print $0 + 0; next }
                      /s$/ { sub(/s$/, ""); print $0 * 1000; next }'
}
P99MS=$(ms "$P99")
echo "  scans/s                                    $RPS"
echo "  latency p50 $P50, p99 $P99"
[ -z "$ERRS" ] || echo "  errors: $ERRS"
verdict=$(awk -v r="$RPS" -v v="$VPS" -v p="$P99MS" 'BEGIN {
    need = 0.3 * 2 * v
    printf "  = %.0f%% of 2 x single-core verifies/s (target >= 30%%: %.0f scans/s), p99 %.1f ms (target <= 50 ms): %s\n",
        (v > 0 ? 100 * r / (2 * v) : 0), need, p,
        (r >= need && p <= 50 ? "met" : "NOT met")
}')
echo "$verdict"
[ -z "$ERRS" ] || echo "  NOT met: some answers were errors"

# ------------------------------------------------ one delivery, API vs ZeroMQ
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    --data '{}' "$W_URL/api/v1/submit")
if [ "$code" = 501 ] || [ "$code" = 404 ]; then
    echo "one delivery over the API vs over ZeroMQ: not measured (POST /api/v1/submit answers $code:" \
        "the handheld API cannot submit yet)"
elif [ -f "$LPG_ROOT/tests/bench/delivery_api.py" ]; then
    # the system's python3, where the Debian packages install
    PY=
    for p in python3 /usr/bin/python3; do
        if "$p" -c 'import zmq, google.protobuf, cryptography' 2>/dev/null; then
            PY=$p
            break
        fi
    done
    if [ -z "$PY" ] || ! command -v protoc >/dev/null 2>&1; then
        echo "one delivery over the API vs over ZeroMQ: not measured (python3-zmq," \
            "python3-protobuf, python3-cryptography and protoc are needed: deploy/install-deps.sh)"
        exit 1
    fi
    "$PY" "$LPG_ROOT/tests/bench/delivery_api.py" "$H" "$W_URL" "${DELIVERIES:-100}" || exit 1
else
    echo "one delivery over the API vs over ZeroMQ: not measured (no signing API client for the bench yet)"
fi
exit 0
