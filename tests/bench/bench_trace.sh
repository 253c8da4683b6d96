#!/bin/sh
# bench_trace.sh - tracing one cylinder with 1,000 entries in ledgers of
# 10^4, 10^5, 10^6 and 10^7 entries, through the real lpg-traced: the query
# without signature checks (every GetTrace page through lib/client, with
# proofs = false: the entries alone, what `lpgtrace trace --no-verify`
# asks), the same query with every inclusion proof and signer entry (for
# information), the whole verified `lpgtrace --json trace` (every
# signature, inclusion proof and the checkpoint), and `lpgtrace recall`
# of one day of the station that filled it (and, for information, the
# same with --full: every entry of the station); each set against 1,000
# Ed25519 verifies measured in the same run. The verified trace is also
# paired: each of its runs lies between two rounds of 1,000 verifies on
# one core (trace_ledger timev), and its targets are judged on the
# per-run ratio to their mean, since this machine's speed drifts from
# one minute to the next. Then a full `lpgtrace verify` of the largest ledger, in entries/s
# against 2 x the verifies/s of one core measured just before and just
# after it, and each ledger's build time and bytes on disk per entry.
# Last, for information, the day's recall of the largest ledger from a
# cold disk (its file dropped from the page cache first).
#
# Ledgers are built once (trace_ledger build: real signed events, the
# ledger's own append, every signature verified, in batches of 1,024 on
# every core; the ledger's clock follows the generated device times) and
# kept under BUILD_DIR/cache/ for later runs: 10^7 takes long (about
# 5,000 s at 2,000 entries/s), once, with progress on stderr.
#   LPG_BENCH_TRACE_MAX=N    largest ledger (default 10000000)
#   LPG_BENCH_TRACE_RUNS=N   timed runs per measure (default 100: the p99
#                            of 100 runs is their second slowest, of 50
#                            it would be the slowest)
#   LPG_BENCH_CACHE=DIR      where ledgers are kept (default BUILD_DIR/cache)
set -eu
B=${1:?usage: tests/bench/bench_trace.sh BUILD_DIR}
BIN="$(cd "$B/bin" && pwd)"
TOOL="$(cd "$B/tests" && pwd)/trace_ledger"
MAX=${LPG_BENCH_TRACE_MAX:-10000000}
RUNS=${LPG_BENCH_TRACE_RUNS:-100}
CACHE=${LPG_BENCH_CACHE:-$B/cache}
VERSION=4 # bump when the ledger's make-up changes: old caches are rebuilt (4: registrations kept apart)
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
for n in 10000 100000 1000000 10000000; do
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
        echo "  ledger of $n: building (progress on stderr)"
        "$TOOL" build "$H" "$n" >"$D/build" || exit 1
        echo "  ledger of $n: built in $(field build secs "$D/build") s" \
             "($(field build per_s "$D/build") signed entries/s, verified on append;" \
             "per entry: decode $(field build prepare_us "$D/build") us," \
             "verify $(field build verify_us "$D/build") us on every core," \
             "write $(field build write_us "$D/build") us," \
             "commit $(field build commit_us "$D/build") us)"
        touch "$C/complete"
    fi
    # A ledger cached by an older lpgtrace has its state tables upgraded
    # by the first read-write open (rebuilt from the log, in one
    # transaction): done here, and said, not inside lpg-traced's start.
    LPG_LOG_LEVEL=info "$BIN/lpgtrace" --home "$H" checkpoint --sign >/dev/null 2>"$D/open-$n.log" ||
        { echo "ledger of $n: cannot be opened to write"; cat "$D/open-$n.log"; exit 1; }
    if grep -q "upgraded the state tables" "$D/open-$n.log"; then
        echo "  ledger of $n: $(sed -n 's/.*ledger: .*: \(upgraded the state tables.*\)/\1/p' "$D/open-$n.log")"
    fi
    # Bytes on disk (blocks allocated to the ledger's files) per entry.
    echo "$(info build_s "$H/bench.info") $(du -k -s "$H/ledger" | cut -f1)" >"$D/disk-$n"
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
    "$TOOL" timev "$RUNS" 1000 "$BIN/lpgtrace" --home "$H" --json trace "$G" >"$D/full-$n"
    "$BIN/lpgtrace" --home "$H" --json trace "$G" >"$D/trace-$n.json"
    # Recall: the station's fills of the day in the ledger's middle
    # (device times run 2026-01-01 onwards, about 30 s apart), read as a
    # window and, for information, from the station's whole history.
    set -- $(python3 -c 'import sys, datetime, zoneinfo
first, last = 1767225600000 + 7000, int(sys.argv[1])
z = zoneinfo.ZoneInfo(sys.argv[2])
mid = datetime.datetime.fromtimestamp((first + last) / 2000, z).date()
print(mid, mid + datetime.timedelta(days=1))' "$(info last_ms "$H/bench.info")" \
        "$(sed -n 's/^time.zone = //p' "$H/lpgtrace.conf")")
    echo "$S $1 $2" >"$D/day-$n"
    "$TOOL" time 10 "$BIN/lpgtrace" --home "$H" recall --site "$S" --from "$1" --to "$2" >"$D/recall-$n"
    "$TOOL" time 3 "$BIN/lpgtrace" --home "$H" recall --site "$S" --from "$1" --to "$2" --full >"$D/rfull-$n"
    "$BIN/lpgtrace" --home "$H" --json recall --site "$S" --from "$1" --to "$2" >"$D/recall-$n.json"
    "$BIN/lpgtrace" --home "$H" --json recall --site "$S" --from "$1" --to "$2" --full >"$D/rfull-$n.json"
    cmp -s "$D/recall-$n.json" "$D/rfull-$n.json" ||
        { echo "recall of $S: the window's answer differs from --full's"; exit 1; }
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

# A full verify of the largest ledger (every signature, the Merkle tree,
# the checkpoints, the state replayed), next to the verifies of one
# core measured just before it and just after it.
"$TOOL" verifies 2000 >"$D/verifies2"
H="$CACHE/trace-v$VERSION-$n/home"
python3 - "$D/verify-time" "$BIN/lpgtrace" "$H" "$n" >"$D/verify" 2>&1 <<'PY' ||
import os, resource, subprocess, sys, time
out, lpg, home, n = sys.argv[1:5]
t0 = time.monotonic()
r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
rc = subprocess.call([lpg, "--home", home, "verify"])
t1 = time.monotonic()
r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
open(out, "w").write("%s %f %f\n" % (n, t1 - t0, cpu))
sys.exit(rc)
PY
    { cat "$D/verify"; exit 1; }
"$TOOL" verifies 2000 >"$D/verifies3"
echo "$(field verifies per_s "$D/verifies2") $(field verifies per_cpu_s "$D/verifies2")" \
     "$(field verifies per_s "$D/verifies3") $(field verifies per_cpu_s "$D/verifies3")" \
     "$(field verifies at_once_per_s "$D/verifies2") $(field verifies at_once_per_s "$D/verifies3")" \
     "$(field verifies cores "$D/verifies2")" >>"$D/verify-time"

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
    build_s, kb = open("%s/disk-%s" % (d, n)).read().split()
    rows[n] = dict(build=float(build_s), bpe=int(kb) * 1024.0 / int(n),
                   rf50=float(field("%s/rfull-%s" % (d, n), "p50")),q50=float(field(q, "p50")), q99=float(field(q, "p99")),
                   pages=field(q, "pages"),
                   p50=float(field(p, "p50")), p99=float(field(p, "p99")),
                   ppages=field(p, "pages"),
                   f50=float(field(f, "p50")), f99=float(field(f, "p99")),
                   x50=float(field(f, "ratio_p50")),
                   x99=float(field(f, "ratio_p99")),
                   b50=float(field(f, "before_p50")),
                   b99=float(field(f, "before_p99")),
                   v50=float(field(f, "verifies_p50")),
                   vmin=float(field(f, "verifies_min")),
                   v99=float(field(f, "verifies_p99")),
                   r50=float(field(r, "p50")), r99=float(field(r, "p99")),
                   cyl=cyl)
print("  query: the entries alone, no proofs (what --no-verify asks); "
      "+proofs: with every")
print("  inclusion proof and signer entry; verified: the whole `lpgtrace "
      "trace`, every check")
print("  %-9s %7s %7s %5s   %7s %7s %5s   %9s %9s   %9s %7s %s" % (
    "entries", "query", "p99", "pages", "+proofs", "p99", "pages",
    "verified", "p99", "recall", "p99", "(cylinders)"))
for n in sizes:
    x = rows[n]
    print("  %-9s %5.1fms %5.1fms %5s   %5.1fms %5.1fms %5s   %7.1fms "
          "%7.1fms   %7.1fms %5.1fms (%s)" % (
              n, x["q50"], x["q99"], x["pages"], x["p50"], x["p99"],
              x["ppages"], x["f50"], x["f99"], x["r50"], x["r99"], x["cyl"]))
print()
print("  paired: each verified trace run timed between two rounds of 1,000 "
      "verifies on one core;")
print("  x verifies: the per-run ratio trace / the mean of the two (before "
      "only: the ratio to the round just before it)")
print("  verifies p99: the rounds of 1,000 verifies' own p99, x their p50 "
      "(the machine's own tail, nothing of ours in it)")
print("  %-9s %12s %9s %14s   %14s %9s   %11s %9s" % (
    "entries", "verifies p50", "min", "verifies p99", "x verifies p50",
    "p99", "before p50", "p99"))
for n in sizes:
    x = rows[n]
    print("  %-9s %10.1fms %7.1fms %6.1fms %5.2fx   %13.2fx %8.2fx   "
          "%10.2fx %8.2fx" % (
              n, x["v50"], x["vmin"], x["v99"], x["v99"] / x["v50"],
              x["x50"], x["x99"], x["b50"], x["b99"]))
print()
print("  %-9s %10s %12s %14s" % ("entries", "built in", "bytes/entry",
                                "recall --full"))
for n in sizes:
    x = rows[n]
    print("  %-9s %9.0fs %12.0f %12.1fms" % (n, x["build"], x["bpe"],
                                              x["rf50"]))
def verdict(ok):
    return "met" if ok else "NOT met"
big, small = sizes[-1], sizes[0]
q99 = rows[big]["q99"]
print("  target: the query without signature checks (GetTrace, no proofs) "
      "p99 <= 10 ms at %s: %.1f ms = %.2f x: %s" % (
          big, q99, q99 / 10, verdict(q99 <= 10)))
print("  (for information: the query with every proof, p99 %.1f ms at %s)" % (
    rows[big]["p99"], big))
f99, x99 = rows[big]["f99"], rows[big]["x99"]
print("  target: the verified trace (`lpgtrace trace`, every signature and "
      "proof checked) p99 <= 1.5 x 1,000 verifies at %s, paired (each run "
      "against the mean of the verifies just before and just after it): "
      "verified trace p99 = %.2f x "
      "its paired 1,000 verifies (target <= 1.5): %s" % (
          big, x99, verdict(x99 <= 1.5)))
print("  (for information, unpaired: p99 %.1f ms = %.2f x the 1,000 "
      "verifies measured once at the start, %.1f ms)" % (f99, f99 / v, v))
print("  (for information: in the same run the 1,000 verifies alone had a "
      "p99 of %.2f x their own p50, %.1f ms against %.1f ms)" % (
          rows[big]["v99"] / rows[big]["v50"], rows[big]["v99"],
          rows[big]["v50"]))
if "100000" in rows and big != "100000":
    ref, xref = rows["100000"]["f99"], rows["100000"]["x99"]
    print("  target: the verified trace p99 at %s <= 1.2 x its p99 at "
          "100000, paired (ratio of the two paired p99 ratios): %.2f x / "
          "%.2f x = %.2f x: %s" % (big, x99, xref, x99 / xref,
                                   verdict(x99 <= 1.2 * xref)))
    print("  (for information, unpaired: %.1f ms against %.1f ms = %.2f x)" % (
        f99, ref, f99 / ref))
r50, r99 = rows[big]["r50"], rows[big]["r99"]
print("  target: recall of one station for one day <= 20 ms at %s, judged "
      "on p50: p50 %.1f ms, p99 %.1f ms (%s cylinders; --full, the "
      "station's whole history: %.1f ms): %s" % (
          big, r50, r99, rows[big]["cyl"], rows[big]["rf50"],
          verdict(r50 <= 20)))
vn, secs, cpu, vps, vcpu, vps2, vcpu2, once, once2, ncores = open(
    "%s/verify-time" % d).read().split()
once, once2 = float(once), float(once2)
secs, cpu = float(secs), float(cpu)
vps, vcpu, vps2, vcpu2 = float(vps), float(vcpu), float(vps2), float(vcpu2)
vmean, cmean = (vps + vps2) / 2, (vcpu + vcpu2) / 2
eps = int(vn) / secs
print("  target: full verify of %s entries >= 80 %% of 2 x single-core "
      "verifies/s (%.0f/s, the mean of before and after): %.0f entries/s "
      "in %.1f s = %.0f %%: %s" % (vn, 2 * vmean, eps, secs,
                                   100 * eps / (2 * vmean),
                                   verdict(eps >= 0.8 * 2 * vmean)))
print("  (against each: %.0f %% of 2 x %.0f/s measured just before, "
      "%.0f %% of 2 x %.0f/s just after)" % (
          100 * eps / (2 * vps), vps, 100 * eps / (2 * vps2), vps2))
print("  (for information, the machine's own limit: %s cores verified "
      "%.0f/s at once just before and %.0f/s just after, %.2f x one core; "
      "the verify reached %.0f %% of their mean)" % (
          ncores, once, once2, (once + once2) / (vps + vps2),
          100 * eps / ((once + once2) / 2)))
print("  (for information, what others' load moves less: the verify used "
      "%.2f cores on average; %.0f entries per CPU-second against %.0f "
      "verifies per CPU-second of one core = %.0f %%: the share of its "
      "work that is signatures)" % (
          cpu / secs, int(vn) / cpu, cmean, 100 * int(vn) / cpu / cmean))
if big != small:
    g50 = rows[big]["q50"] / rows[small]["q50"]
    gp = rows[big]["p50"] / rows[small]["p50"]
    gf = rows[big]["f50"] / rows[small]["f50"]
    gx = rows[big]["x50"] / rows[small]["x50"]
    gr = rows[big]["r50"] / rows[small]["r50"]
    grow = int(big) // int(small)
    print("  target: %d x the ledger costs < 2 x in trace latency (p50, %s "
          "vs %s): query without checks %.2f x, verified trace %.2f x "
          "paired (ratio of its paired p50 ratios): %s" % (
              grow, big, small, g50, gx, verdict(g50 < 2 and gx < 2)))
    print("  (for information: the verified trace unpaired grows %.2f x; "
          "the query with every proof %.2f x; recall %.1f x)" % (
              gf, gp, gr))
PY

# The same day's recall from a cold disk: the largest ledger's file out
# of the page cache first (posix_fadvise DONTNEED, which needs no
# privilege; nothing maps it now). A look-up's page fault reads its own
# pages, not the disk's read-ahead around them: its major faults, and
# the bytes the process read, say so (2.9 GB at 10^7 when it did).
set -- $(cat "$D/day-$n")
python3 - "$H/ledger/data.mdb" "$BIN/lpgtrace" "$H" "$@" >"$D/cold" 2>&1 <<'PY' ||
import os, resource, subprocess, sys, time
path, lpg, home, site, a, b = sys.argv[1:7]
fd = os.open(path, os.O_RDONLY)
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
os.close(fd)
r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
t0 = time.monotonic()
p = subprocess.Popen([lpg, "--home", home, "recall", "--site", site,
                      "--from", a, "--to", b], stdout=subprocess.DEVNULL)
# Ended but not yet reaped: its /proc/PID/io says what it read from the
# disk (read_bytes; -1 where the kernel does not say).
os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOWAIT)
t1 = time.monotonic()
rb = -1
try:
    for line in open("/proc/%d/io" % p.pid):
        if line.startswith("read_bytes:"):
            rb = int(line.split()[1])
except OSError:
    pass
_, status, ru = os.wait4(p.pid, 0)
print("cold recall ms=%.1f majflt=%d read_mb=%.1f" % ((t1 - t0) * 1000, ru.ru_majflt,
                                              rb / 1e6 if rb >= 0 else -1))
sys.exit(os.waitstatus_to_exitcode(status))
PY
    { cat "$D/cold"; exit 1; }
echo "  (for information, the same day's recall at $n from a cold disk," \
     "the ledger's file dropped from the page cache first:" \
     "$(field cold ms "$D/cold") ms, $(field cold majflt "$D/cold") major page faults," \
     "$(field cold read_mb "$D/cold") MB read from the disk)"
