# city.sh - a whole city through the real daemons (tests/tools/city.c:
# thousands of cylinders and users, tens of thousands of events), then
# every recall and report compared byte for byte with what
# tests/city_reference.py works out from the generator's own record of
# what it did (never from the ledger); then lpg-inspectiond, its clock
# moved ahead, escalates the hazards past their deadline, exactly once.
# Also: the ledger verifies and a rebuild leaves the state identical.
. "$LPG_ROOT/tests/e2e/lib.sh"

H="$T_DIR/home"
D="$T_DIR/city"
REF="$LPG_ROOT/tests/city_reference.py"
mkdir -p "$D"
t_home "$H" && ok "home" || not_ok "home"
# A zone where it is about noon now, so the run never crosses a local
# midnight (the services judge dates by their own clock).
zone=$(python3 -c 'import time
off = 12 - time.gmtime().tm_hour
print("Etc/GMT%+d" % -off if off else "Etc/GMT")')
sed -i -e "s|^time.zone = .*|time.zone = $zone|" "$H/lpgtrace.conf"
for d in registry filling delivery inspection order; do
    t_daemon $d "$H" && ok "$d up" || not_ok "$d up"
done
lpg() { lpgtrace --home "$H" "$@"; }
ref() { python3 "$REF" "$D/record.tsv" --zone "$zone" "$@"; }

check "the city is built and lived in (${CITY_CYLINDERS:=3000} cylinders, ${CITY_USERS:=2000} users)" \
    city --home "$H" --dir "$D" --cylinders "$CITY_CYLINDERS" --users "$CITY_USERS"
sed 's/^/# /' "$T_DIR/out" | tail -n 1
check "every answer is the one the reference predicts from the record" ref check
tail -n 1 "$T_DIR/out" | sed 's/^/# /'

# same WHAT REAL_FILE REF_FILE: ok if identical, else the first lines
# that differ.
same() {
    if cmp -s "$2" "$3"; then
        ok "$1 ($(($(wc -l <"$3") - 1)) rows)"
    else
        not_ok "$1"
        diff "$3" "$2" | head -n 12 | sed 's/^/#   /'
    fi
}

# compare WHAT REF_ARGS -- LPG_ARGS: runs both and compares them.
compare() {
    what=$1
    shift
    n=$T_N
    refargs=""
    while [ "$1" != "--" ]; do refargs="$refargs $1"; shift; done
    shift
    if ! ref $refargs >"$T_DIR/want" 2>"$T_DIR/ref.err"; then
        not_ok "$what (the reference failed)"
        sed 's/^/#   /' "$T_DIR/ref.err" | tail -n 5
        return
    fi
    if ! lpg "$@" >"$T_DIR/got" 2>"$T_DIR/lpg.err"; then
        not_ok "$what (lpgtrace $* failed)"
        sed 's/^/#   /' "$T_DIR/lpg.err" | tail -n 5
        return
    fi
    same "$what" "$T_DIR/got" "$T_DIR/want"
}

day() { TZ="$zone" date -d "${1:-today}" +%Y-%m-%d; }
today=$(day)
tomorrow=$(day tomorrow)

# Recall: every station over the whole day, then windows split at the
# whole minute in which the city's second round began (the first round's
# devices were two minutes behind).
minute=$(python3 -c 'import sys, time, os
t = [int(f[2:]) for line in open(sys.argv[1]) if line.startswith("round\t")
     for f in line.split("\t") if f.startswith("t=")][0]
os.environ["TZ"] = sys.argv[2]
time.tzset()
print(time.strftime("%Y-%m-%dT%H:%M", time.localtime(t // 1000)))' \
    "$D/record.tsv" "$zone")
for s in S1 S2 S3 S4 S5 S6 S7 S8; do
    compare "recall of $s, $today" recall --site $s --from "$today" --to "$tomorrow" \
        -- recall --site $s --from "$today" --to "$tomorrow" --csv
done
for s in S2 S6; do
    compare "recall of $s, $today to $minute" recall --site $s --from "$today" \
        --to "$minute" -- recall --site $s --from "$today" --to "$minute" --csv
    compare "recall of $s, $minute to $tomorrow" recall --site $s --from "$minute" \
        --to "$tomorrow" -- recall --site $s --from "$minute" --to "$tomorrow" --csv
done

# report_exists KIND: the command knows the report (it exits 2 with its
# usage for one it does not know).
report_exists() {
    lpg report "$1" --csv --today "$today" >/dev/null 2>&1
    [ $? -ne 2 ]
}

# report KIND DAY [ARGS]: the real report against the reference.
report() {
    kind=$1
    d=$2
    shift 2
    if ! report_exists "$kind"; then
        not_ok "report $kind --today $d $* (report missing)"
        return
    fi
    compare "report $kind --today $d $*" report "$kind" --today "$d" "$@" \
        -- report "$kind" --csv --today "$d" "$@"
}

report refused "$today"
for d in "$today" "$(day '+30 days')" "$(day '+400 days')"; do
    report overdue "$d"
done
for d in "$today" "$(day '+5 days')" "$(day '+20 days')"; do
    report hazards "$d"
done
for d in "$today" "$(day '+3 days')"; do
    report anomalies "$d"
done
for d in "$today" "$(day '+40 days')"; do
    report coverage "$d"
done

# The ordering platform: every delivery the city meant to make began
# with an order; the staged few without one are flagged. The orders
# report (JSON) and the no_order rows of the anomalies report (JSON)
# against the reference, as parsed documents.
# json_same WHAT REF_CMD LPG_FILTER -- LPG_ARGS
json_same() {
    what=$1 refcmd=$2 filter=$3
    shift 4
    if ! ref $refcmd >"$T_DIR/want" 2>"$T_DIR/ref.err"; then
        not_ok "$what (the reference failed)"
        sed 's/^/#   /' "$T_DIR/ref.err" | tail -n 5
        return
    fi
    if ! lpg "$@" >"$T_DIR/got" 2>"$T_DIR/lpg.err"; then
        not_ok "$what (lpgtrace $* failed)"
        sed 's/^/#   /' "$T_DIR/lpg.err" | tail -n 5
        return
    fi
    if out=$(python3 -c 'import json, sys
want = json.load(open(sys.argv[1]))
got = json.load(open(sys.argv[2]))
if sys.argv[3] == "no_order":
    got = [r for r in got["rows"] if r["kind"] == "no_order"]
    n = len(got)
else:
    t = got["totals"]
    n = t["orders"] and "%d orders: %d delivered, %d open, %d refused up front %s" % (
        t["orders"], t["delivered"], t["open"], t["refused"],
        json.dumps(t["refused_reasons"], sort_keys=True))
if got != want:
    print("differs:", json.dumps(got)[:300], "want", json.dumps(want)[:300])
    sys.exit(1)
if not n:
    print("nothing to compare")
    sys.exit(1)
print(n)' "$T_DIR/want" "$T_DIR/got" "$filter" 2>&1); then
        ok "$what ($out)"
    else
        not_ok "$what"
        echo "$out" | sed 's/^/#   /'
    fi
}
for d in "$today" "$tomorrow"; do
    json_same "report orders --json --today $d" "orders --today $d" orders -- \
        report orders --json --today "$d"
done
json_same "report anomalies --json --today $today: the no_order rows" \
    "no-orders --today $today" no_order -- report anomalies --json --today "$today"

report coverage "$(day '+100 days')" --period quarter

# Escalation: lpg-inspectiond restarted with its clock five days ahead,
# past every major deadline (inspection.major_days = 3) and before every
# minor one (15), and a short timer. It escalates each open hazard past
# its deadline once, to its user's area; the reference says which from
# the record, and how many.
escalations() { lpg log | grep -c ' hazard_escalation '; }
kill "$T_PID_inspection"; wait "$T_PID_inspection" 2>/dev/null
sed -i -e 's|^inspection.tick_ms = .*|inspection.tick_ms = 200|' "$H/lpgtrace.conf"
later_ms=$(( ($(date +%s) + 5 * 86400) * 1000 ))
later=$(TZ="$zone" date -d "@$((later_ms / 1000))" +%Y-%m-%d)
LPG_NOW_MS=$later_ms t_daemon inspection "$H" &&
    ok "inspection up, its clock on $later" || not_ok "inspection restart"
# Poll until the count is above zero and the same for five looks in a
# row (0.8 s, several timer ticks), at most 15 s.
esc=0 last=-1 same_for=0 i=0
while [ $i -lt 75 ] && [ $same_for -lt 4 ]; do
    sleep 0.2
    esc=$(escalations)
    if [ "$esc" -gt 0 ] && [ "$esc" -eq "$last" ]; then
        same_for=$((same_for + 1))
    else
        same_for=0
    fi
    last=$esc
    i=$((i + 1))
done
want_n=$(ref escalations --on "$later")
if [ "$esc" -eq "$want_n" ] && [ "$esc" -gt 0 ]; then
    ok "$esc hazards escalated, as the reference predicts"
else
    not_ok "$esc hazards escalated, the reference predicts $want_n"
fi
for d in "$later" "$(day '+20 days')"; do
    compare "report hazards --today $d, escalated on $later" \
        report hazards --today "$d" --escalated-on "$later" \
        -- report hazards --csv --today "$d"
done
if grep -q ',minor,[0-9-]*,no,$' "$T_DIR/want"; then
    ok "minor hazards past their deadline by then are not escalated"
else
    not_ok "no minor hazard left unescalated: the clock moved too far"
fi

# Restarted once more with the same clock: nothing is escalated twice.
kill "$T_PID_inspection"; wait "$T_PID_inspection" 2>/dev/null
LPG_NOW_MS=$later_ms t_daemon inspection "$H" &&
    ok "inspection restarted, its clock still on $later" ||
    not_ok "inspection restart"
# It looks at once and then every 0.2 s: 2 s of looks must add nothing.
i=0
while [ $i -lt 10 ] && [ "$(escalations)" -eq "$esc" ]; do
    sleep 0.2
    i=$((i + 1))
done
again=$(escalations)
[ "$again" -eq "$esc" ] && ok "a restart escalates nothing twice" ||
    not_ok "a restart: $esc escalations, then $again"
compare "report hazards --today $later after the restart" \
    report hazards --today "$later" --escalated-on "$later" \
    -- report hazards --csv --today "$later"

check "the ledger verifies" lpg verify
check "rebuild from the log" lpg rebuild
check_out "rebuild leaves the state identical" "identical"
report refused "$today"
report overdue "$(day '+400 days')"

t_done
