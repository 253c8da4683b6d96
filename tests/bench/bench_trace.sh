#!/bin/sh
# bench_trace.sh - tracing one cylinder with 1,000 entries in ledgers of
# 10^4, 10^5 and 10^6 entries, through the real lpg-traced: the query
# without signature checks (every GetTrace page through lib/client, with
# proofs = false: the entries alone, what `lpgtrace trace --no-verify`
# asks), the same query with every inclusion proof and signer entry (for
# information), the whole verified `lpgtrace --json trace` (every
# signature, inclusion proof and the checkpoint), and `lpgtrace recall`
# for the station that filled it; each set against 1,000 Ed25519
# verifies measured in the same run.
#
# Ledgers are built once (trace_ledger build: real signed events, the
# ledger's own append) and kept under BUILD_DIR/cache/ for later runs.
#   LPG_BENCH_TRACE_MAX=N    largest ledger (default 1000000)
#   LPG_BENCH_TRACE_RUNS=N   timed runs per measure (default 50)
#   LPG_BENCH_CACHE=DIR      where ledgers are kept (default BUILD_DIR/cache)
set -eu
B=${1:?usage: tests/bench/bench_trace.sh BUILD_DIR}
BIN="$(cd "$B/bin" && pwd)"
TOOL="$(cd "$B/tests" && pwd)/trace_ledger"
MAX=${LPG_BENCH_TRACE_MAX:-1000000}
RUNS=${LPG_BENCH_TRACE_RUNS:-50}
CACHE=${LPG_BENCH_CACHE:-$B/cache}
VERSION=1 # bump when the ledger's make-up changes: old caches are rebuilt
D=$(mktemp -d "${TMPDIR:-/tmp}/lpg-bench-trace-XXXXXX")
pid=""
cleanup() {
    [ -z "$pid" ] || { kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; } || true
    rm -rf "$D"
}
trap cleanup EXIT INT TERM
export LPG_NO_PROGRESS=1
field() { sed -n "s/^$1 .*[ ]$2=\([^ ]*\).*/\1/p" "$3" | head -1; }
info() { sed -n "s/^$1=//p" "$2"; }

sizes=""
for n in 10000 100000 1000000; do
    [ "$n" -le "$MAX" ] && sizes="$sizes $n"
done
[ -n "$sizes" ] || { echo "LPG_BENCH_TRACE_MAX=$MAX: below 10000, nothing to do"; exit 0; }
mkdir -p "$CACHE"

"$TOOL" verifies 1000 >"$D/verifies"
V=$(field verifies ms "$D/verifies")
echo "trace of one cylinder with 1,000 entries ($(nproc) cores, $RUNS runs per measure)"
echo "  machine: 1,000 Ed25519 verifies, one core: $V ms"

for n in $sizes; do
    C="$CACHE/trace-v$VERSION-$n"
    H="$C/home"
    if [ -f "$C/complete" ]; then
        echo "  ledger of $n: reusing the one built before in $C"
    else
        rm -rf "$C"
        mkdir -p "$C"
        "$BIN/lpgtrace" --home "$H" init >/dev/null
        "$TOOL" build "$H" "$n" >"$D/build" 2>"$D/build.err" ||
            { cat "$D/build.err"; exit 1; }
        echo "  ledger of $n: built in $(field build secs "$D/build") s" \
             "($(field build per_s "$D/build") signed entries/s, verified on append)"
        touch "$C/complete"
    fi
    G=$(info grai "$H/bench.info")
    S=$(info site "$H/bench.info")
    ports=$(python3 -c 'import socket
s = []
for i in range(2):
    x = socket.socket(); x.bind(("127.0.0.1", 0)); s.append(x)
print(" ".join(str(x.getsockname()[1]) for x in s))')
    set -- $ports
    sed -i -e "s|^endpoint.trace = .*|endpoint.trace = tcp://127.0.0.1:$1|" \
        -e "s|^endpoint.feed = .*|endpoint.feed = tcp://127.0.0.1:$2|" \
        "$H/lpgtrace.conf"
    LPG_LOG_LEVEL=warn "$BIN/lpg-traced" --home "$H" 2>"$D/trace-$n.log" &
    pid=$!
    # Up, and its notary has signed a checkpoint of the whole ledger.
    i=0
    until [ "$("$BIN/lpgtrace" --home "$H" checkpoint 2>/dev/null | sed -n 2p)" = "$n" ]; do
        sleep 0.1
        i=$((i + 1))
        [ $i -lt 300 ] || { echo "lpg-traced did not sign a checkpoint of $n"; cat "$D/trace-$n.log"; exit 1; }
    done
    "$TOOL" query "$H" "$G" "$RUNS" bare >"$D/query-$n"
    "$TOOL" query "$H" "$G" "$RUNS" proofs >"$D/proved-$n"
    "$TOOL" time "$RUNS" "$BIN/lpgtrace" --home "$H" --json trace "$G" >"$D/full-$n"
    "$BIN/lpgtrace" --home "$H" --json trace "$G" >"$D/trace-$n.json"
    # Recall: the station's fills over the two days around the ledger's
    # middle (device times run 2026-01-01 onwards, about 30 s apart).
    set -- $(python3 -c 'import sys, datetime, zoneinfo
first, last = 1767225600000 + 7000, int(sys.argv[1])
z = zoneinfo.ZoneInfo(sys.argv[2])
mid = datetime.datetime.fromtimestamp((first + last) / 2000, z).date()
print(mid, mid + datetime.timedelta(days=2))' "$(info last_ms "$H/bench.info")" \
        "$(sed -n 's/^time.zone = //p' "$H/lpgtrace.conf")")
    "$TOOL" time 5 "$BIN/lpgtrace" --home "$H" recall --site "$S" --from "$1" --to "$2" >"$D/recall-$n"
    "$BIN/lpgtrace" --home "$H" --json recall --site "$S" --from "$1" --to "$2" >"$D/recall-$n.json"
    kill -TERM "$pid"
    wait "$pid" || true
    pid=""
    python3 - "$D" "$n" "$G" <<'PY'
import json, sys
d, n, g = sys.argv[1:4]
t = json.load(open("%s/trace-%s.json" % (d, n)))
r = json.load(open("%s/recall-%s.json" % (d, n)))
assert t["verified"] is True, "the trace does not verify"
assert len(t["entries"]) == 1000, len(t["entries"])
hot = sum(1 for c in r["cylinders"] if c["cylinder"] == g)
open("%s/recall-%s.n" % (d, n), "w").write("%d %d\n" % (len(r["cylinders"]), hot))
PY
done

echo
python3 - "$D" "$V" $sizes <<'PY'
import sys
d, v, sizes = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
def field(path, key):
    for line in open(path):
        for w in line.split():
            if w.startswith(key + "="):
                return w.split("=", 1)[1]
rows = {}
for n in sizes:
    q, p, f, r = ("%s/%s-%s" % (d, k, n)
                  for k in ("query", "proved", "full", "recall"))
    cyl, hot = open("%s/recall-%s.n" % (d, n)).read().split()
    rows[n] = dict(q50=float(field(q, "p50")), q99=float(field(q, "p99")),
                   pages=field(q, "pages"),
                   p50=float(field(p, "p50")), p99=float(field(p, "p99")),
                   ppages=field(p, "pages"),
                   f50=float(field(f, "p50")), f99=float(field(f, "p99")),
                   r50=float(field(r, "p50")), cyl=cyl)
print("  query: the entries alone, no proofs (what --no-verify asks); "
      "+proofs: with every")
print("  inclusion proof and signer entry; verified: the whole `lpgtrace "
      "trace`, every check")
print("  %-9s %7s %7s %5s   %7s %7s %5s   %9s %9s   %9s %s" % (
    "entries", "query", "p99", "pages", "+proofs", "p99", "pages",
    "verified", "p99", "recall", "(cylinders)"))
for n in sizes:
    x = rows[n]
    print("  %-9s %5.1fms %5.1fms %5s   %5.1fms %5.1fms %5s   %7.1fms "
          "%7.1fms   %7.1fms (%s)" % (
              n, x["q50"], x["q99"], x["pages"], x["p50"], x["p99"],
              x["ppages"], x["f50"], x["f99"], x["r50"], x["cyl"]))
def verdict(ok):
    return "met" if ok else "NOT met"
big, small = sizes[-1], sizes[0]
q99 = rows[big]["q99"]
print("  target: the query without signature checks (GetTrace, no proofs) "
      "p99 <= 10 ms at %s: %.1f ms = %.2f x: %s" % (
          big, q99, q99 / 10, verdict(q99 <= 10)))
print("  (for information: the query with every proof, p99 %.1f ms at %s)" % (
    rows[big]["p99"], big))
f99 = rows[big]["f99"]
print("  target: the verified trace (`lpgtrace trace`, every signature and "
      "proof checked) p99 <= 1.5 x 1,000 verifies (%.0f ms) at %s: "
      "%.1f ms = %.2f x the verifies: %s" % (
          1.5 * v, big, f99, f99 / v, verdict(f99 <= 1.5 * v)))
if big != small:
    g50 = rows[big]["q50"] / rows[small]["q50"]
    gp = rows[big]["p50"] / rows[small]["p50"]
    gf = rows[big]["f50"] / rows[small]["f50"]
    gr = rows[big]["r50"] / rows[small]["r50"]
    grow = int(big) // int(small)
    print("  target: %d x the ledger costs < 2 x in trace latency (p50, %s "
          "vs %s): query without checks %.2f x, verified trace %.2f x: %s" % (
              grow, big, small, g50, gf, verdict(g50 < 2 and gf < 2)))
    print("  (for information: the query with every proof grows %.2f x; "
          "recall %.1f x, it reads every entry of the station)" % (gp, gr))
PY
