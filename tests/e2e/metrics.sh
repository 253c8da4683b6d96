# metrics.sh - every daemon's Prometheus metrics on its loopback port:
# the text parses (HELP and TYPE, samples, cumulative histograms ending
# at +Inf == _count), and the counters move by exactly what was asked of
# the services: pings, fills allowed and denied, a company recorded and
# one refused, a trace; a port that is not a number stops the daemon.
. "$LPG_ROOT/tests/e2e/lib.sh"

P="python3 $LPG_ROOT/tests/prom_text.py"
H="$T_DIR/home"
t_home "$H" && ok "home" || not_ok "home"
check "a company, a station, 10 cylinders" lpgtrace --home "$H" gen --companies 1 --sites 1 --devices 1 --cylinders 10 --fills 0 --seed 43 --codes "$T_DIR/codes.txt"
DAEMONS="registry filling delivery inspection trace"
for d in $DAEMONS; do
    t_daemon "$d" "$H" && ok "$d up" || not_ok "$d up"
done
port() { sed -n "s/^metrics\.$1 = //p" "$H/lpgtrace.conf"; }

# The parser itself refuses what is wrong (so its "ok" means something).
printf '# HELP h x\n# TYPE h histogram\nh_bucket{le="1"} 3\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 2\n' >"$T_DIR/bad1"
printf '# HELP h x\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 3\n' >"$T_DIR/bad2"
printf 'c_total 1\n' >"$T_DIR/bad3"
printf '# HELP c x\n# TYPE c counter\nc{a=b} 1\n' >"$T_DIR/bad4"
printf '# HELP h x\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 2\n' >"$T_DIR/good"
for b in bad1 bad2 bad3 bad4; do
    check_status "the text check refuses $b" 1 $P check "$T_DIR/$b"
done
check "and passes a sound histogram" $P check "$T_DIR/good"

scrape() { # SUFFIX: every daemon's metrics into $T_DIR/<daemon>.SUFFIX
    for d in $DAEMONS; do
        check "$d /metrics parses ($1)" $P scrape "http://127.0.0.1:$(port "$d")/metrics" "$T_DIR/$d.$1"
    done
}
val() { $P value "$@"; }
delta() { # DAEMON NAME LABEL=VALUE...: after - before
    d=$1
    shift
    echo $(( $(val "$T_DIR/$d.after" "$@") - $(val "$T_DIR/$d.before" "$@") ))
}
expect() { # WHAT WANT GOT
    if [ "$2" = "$3" ]; then ok "$1: $3"; else not_ok "$1: $3, wanted $2"; fi
}

# A station scanner, enrolled before counting starts.
S="$T_DIR/s0"
mkdir -p "$S/keys"
lpgtrace keygen --out "$H/keys/scanner0" >/dev/null
lpgtrace --home "$H" device enroll --key "$H/keys/scanner0" --company C43-0 --site S43-0 --role filling-scanner >/dev/null
cp "$H/keys/scanner0.pem" "$H/keys/scanner0.curve" "$H/keys/filling.curve.pub" "$H/keys/authority.pub" "$S/keys/"
printf 'device.key = keys/scanner0\ndevice.site = S43-0\ndevice.operator = staff-S43-0-0\n%s\n' \
    "$(grep '^endpoint.filling' "$H/lpgtrace.conf")" >"$S/lpgtrace.conf"
code() { sed -n "$1p" "$T_DIR/codes.txt" | cut -d' ' -f1; }
tare() { sed -n "$1p" "$T_DIR/codes.txt" | cut -d' ' -f2; }
scan() { lpg-scan --home "$S" "$@"; }

scrape before
for d in $DAEMONS; do
    for i in 1 2 3; do lpgtrace --home "$H" ping "$d" >/dev/null; done
done
check "a fill allowed" scan fill-check --code "$(code 1)" --tare-g "$(tare 1)" --check all=ok
check_status "a fill denied" 1 scan fill-check --code "$(code 2)" --tare-g 100 --check all=ok
check "a company recorded" lpgtrace --home "$H" company add CM1 --name "Metrics Gas" --gs1-prefix 6909999 --licence M-1
check_status "the same company refused" 1 lpgtrace --home "$H" company add CM1 --name "Metrics Gas" --gs1-prefix 6909999 --licence M-1
check "a trace" lpgtrace --home "$H" trace "$(code 1)"
scrape after

for d in $DAEMONS; do
    expect "$d: pings counted" 3 "$(delta "$d" lpg_requests_total request=ping status=OK)"
    expect "$d: their latencies observed" 3 "$(delta "$d" lpg_request_duration_seconds_count request=ping)"
done
expect "filling: submits allowed" 1 "$(delta filling lpg_requests_total request=submit status=OK)"
expect "filling: submits denied" 1 "$(delta filling lpg_requests_total request=submit status=DENIED)"
expect "filling: fill checks allowed" 1 "$(delta filling lpg_events_total kind=fill_check status=OK)"
expect "filling: fill checks denied" 1 "$(delta filling lpg_events_total kind=fill_check status=DENIED)"
expect "filling: submit latencies" 2 "$(delta filling lpg_request_duration_seconds_count request=submit)"
expect "filling: commits in the batch histogram" 2 "$(delta filling lpg_commit_batch_events_count)"
expect "filling: events in those commits" 2 "$(delta filling lpg_commit_batch_events_sum)"
expect "filling: one event a commit (le=1)" 2 "$(delta filling lpg_commit_batch_events_bucket le=1)"
expect "registry: company recorded" 1 "$(delta registry lpg_events_total kind=company_add status=OK)"
expect "registry: company refused" 1 "$(delta registry lpg_events_total kind=company_add status=CONFLICT)"
expect "registry: submits answered" 2 "$(delta registry lpg_requests_total request=submit)"
expect "delivery: nothing submitted" 0 "$(delta delivery lpg_requests_total request=submit)"
n=$(delta trace lpg_requests_total request=get_trace status=OK)
[ "$n" -ge 1 ] && ok "trace: get_trace counted ($n)" || not_ok "trace: get_trace not counted"
expect "the ledger grew by two fill checks and a company" 3 "$(delta filling lpg_ledger_entries)"
e=$(val "$T_DIR/filling.after" lpg_ledger_entries)
for d in $DAEMONS; do
    expect "$d: the same ledger size" "$e" "$(val "$T_DIR/$d.after" lpg_ledger_entries)"
done
# One ledger, read by any of them.
expect "lpg_ledger_entries is the tree size" "$(lpgtrace --home "$H" log --raw | grep -c '^[0-9]')" "$e"
python3 - "$T_DIR/trace.after" <<'EOF' && ok "map use: 0 < used <= file <= map, ratio = used / map" || not_ok "map use"
import json, sys
s = {n: v for n, l, v in json.load(open(sys.argv[1])) if n.startswith("lpg_ledger_")}
u, f, m, r = (s["lpg_ledger_" + k] for k in ("used_bytes", "file_bytes", "map_bytes", "map_used_ratio"))
assert 0 < u <= f <= m, (u, f, m)
assert abs(r - u / m) < 1e-12, r
EOF

# Only GET /metrics, only on loopback.
code_of() { python3 -c 'import sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen(urllib.request.Request(sys.argv[1], method=sys.argv[2]), timeout=5)
    print(r.status)
except urllib.error.HTTPError as e:
    print(e.code)' "$@"; }
expect "another path" 404 "$(code_of "http://127.0.0.1:$(port filling)/" GET)"
expect "another method" 405 "$(code_of "http://127.0.0.1:$(port filling)/metrics" POST)"
if command -v ss >/dev/null; then
    l=$(ss -Hltn "sport = :$(port filling)" | awk '{print $4}')
    expect "bound to loopback only" "127.0.0.1:$(port filling)" "$l"
fi

# A port that is not one stops the daemon with a clear message; 0 is off.
kill "$T_PID_delivery" 2>/dev/null
sleep 0.3
sed -i 's/^metrics.delivery = .*/metrics.delivery = 80x/' "$H/lpgtrace.conf"
check_status "metrics.delivery = 80x: the daemon refuses to start" 1 lpg-deliveryd --home "$H"
check_out "saying which key" "metrics.delivery = '80x' must be a TCP port"
sed -i 's/^metrics.delivery = .*/metrics.delivery = 0/' "$H/lpgtrace.conf"
t_daemon delivery "$H" && ok "metrics.delivery = 0: serves without metrics" || not_ok "delivery with metrics off"
grep -q "metrics on" "$T_DIR/delivery.log" && [ "$(grep -c 'metrics on' "$T_DIR/delivery.log")" -eq 1 ] \
    && ok "and says nothing of metrics the second time" || not_ok "metrics log lines: $(grep -c 'metrics on' "$T_DIR/delivery.log")"

t_done
