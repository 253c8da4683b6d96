# road_codes.sh - a forged code met on the road, through the real
# lpg-registryd, lpg-fillingd, lpg-deliveryd and lpg-scan: at dispatch,
# delivery, collection and return the handheld refuses it at once and it
# is recorded, signed, as a refused entry under no cylinder, which
# `report anomalies` (plain, --csv, --json) lists with where it was met.
# With lpg-deliveryd stopped the refusal is still shown at once and the
# step queued in the handheld's home; `lpg-scan sync` records it once
# the service is back, exactly once (a second sync, or a resend of a
# queue a crash left behind, records nothing more). A genuine cylinder's
# round is unaffected and its trace holds none of the forged entries.
. "$LPG_ROOT/tests/e2e/lib.sh"

H="$T_DIR/home"
t_home "$H" && ok "home" || not_ok "home"
t_daemon registry "$H" && ok "registry up" || not_ok "registry up"
t_daemon filling "$H" && ok "filling up" || not_ok "filling up"
t_daemon delivery "$H" && ok "delivery up" || not_ok "delivery up"
t_daemon trace "$H" && ok "trace up" || not_ok "trace up"
lpg() { lpgtrace --home "$H" "$@"; }

check "company" lpg company add NT --name "NT Gas" --gs1-prefix 6905555 --licence L-1 --licence-until 2030-12-31
check "station S1" lpg site add S1 --company NT --name "Station 1" --kind filling --lat 32.01 --lon 120.86
check "operator" lpg staff add OP-S1 --company NT --site S1 --role operator --name "Op" --cert C-OP --cert-until 2029-01-01
check "driver" lpg staff add DRV1 --company NT --role driver --name "Driver" --cert C-D1 --cert-until 2029-01-01
check "vehicle" lpg vehicle add SU-A001 --company NT --permit P-1 --permit-until 2029-01-01
check "household" lpg user add U1 --company NT --kind household --name "Zhang San" --id-card 320601199001011234 --gas-cert GC-U1

mkdir -p "$T_DIR/st/keys" "$T_DIR/hh/keys"
lpgtrace keygen --out "$T_DIR/st/keys/scanner" >/dev/null
lpg device enroll --key "$T_DIR/st/keys/scanner" --company NT --site S1 --role filling-scanner >/dev/null
cp "$H/keys/filling.curve.pub" "$H/keys/authority.pub" "$T_DIR/st/keys/"
printf 'device.key = keys/scanner\ndevice.site = S1\ndevice.operator = OP-S1\n%s\n' \
    "$(grep '^endpoint.filling' "$H/lpgtrace.conf")" >"$T_DIR/st/lpgtrace.conf"
lpgtrace keygen --out "$T_DIR/hh/keys/handheld" >/dev/null
check "handheld hh-1 enrolled" lpg device enroll --key "$T_DIR/hh/keys/handheld" --company NT --role handheld --name hh-1
cp "$H/keys/delivery.curve.pub" "$H/keys/authority.pub" "$T_DIR/hh/keys/"
# A short wait for an answer, so the offline part is quick.
printf 'device.key = keys/handheld\ndevice.site = S1\ndevice.operator = DRV1\ndevice.vehicle = SU-A001\nclient.timeout_ms = 400\nclient.retries = 0\n%s\n' \
    "$(grep '^endpoint.delivery' "$H/lpgtrace.conf")" >"$T_DIR/hh/lpgtrace.conf"

lpgtrace keygen --out "$T_DIR/nt-admin" >/dev/null
lpg device enroll --key "$T_DIR/nt-admin" --company NT --role company-admin >/dev/null
GC=$(lpg user cert U1 --until 2030-12-31 --as "$T_DIR/nt-admin")
CHECKS="--check hose=ok --check regulator=ok --check valve=ok --check leak=ok --check stove=ok --check storage=ok"

# A genuine cylinder A1, filled at S1.
lpg cylinder add --company NT --type 00015 --serial A1 --tare-g 15000 --fill-g 14500 \
    --made 2022-01 --design-life-y 8 --next-inspection 2028-01-01 --insurance-until 2028-01-01 >"$T_DIR/A1.out" 2>&1
A1=$(sed -n 's|^code *\(https://[^ ]*\).*|\1|p' "$T_DIR/A1.out")
GRAI_A1=$(printf '%s' "$A1" | sed 's|.*/8003/||; s|?.*||')
lpg-scan --home "$T_DIR/st" fill-check --json --code "$A1" --tare-g 15100 --check all=ok >"$T_DIR/fc" 2>&1
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["check_id"])' "$T_DIR/fc")
check "A1 filled" lpg-scan --home "$T_DIR/st" fill-done --allow "$id" --full-g 29500 --leak ok

# A forged code: a label of NT's prefix signed by another authority.
lpgtrace --home "$T_DIR/other" init >/dev/null 2>&1
FORGED=$(lpgtrace --home "$T_DIR/other" code issue --prefix 6905555 --type 00015 --serial FRG1)
[ -n "$FORGED" ] && ok "a forged code" || not_ok "a forged code"

size() { lpg log --json | wc -l; }
# entry SEQ: "status kind service cylinder" of the entry.
entry() {
    lpg log --json --from "$1" --limit 1 | python3 -c 'import json,sys
d = json.loads(sys.stdin.readline())
print(d["status"], d["kind"], d["service"], d.get("cylinder", "-"))'
}
hh() { lpg-scan --home "$T_DIR/hh" "$@"; }

# forged WHAT STEP KIND [options]: the handheld refuses the forged code
# at once (exit 1, CODE_FORGED shown) and says it is recorded; the entry
# is a refused KIND naming no cylinder. Its seq goes in $T_DIR/seq-STEP.
forged() {
    what=$1
    step=$2
    kind=$3
    shift 3
    before=$(size)
    hh "$step" --code "$FORGED" "$@" >"$T_DIR/ans" 2>&1
    rc=$?
    seq=$(sed -n 's/^  recorded, seq \([0-9]*\)$/\1/p' "$T_DIR/ans")
    if [ $rc -eq 1 ] && grep -q "^REFUSED  $step: .*(CODE_FORGED)" "$T_DIR/ans" &&
        grep -q '^  - CODE_FORGED' "$T_DIR/ans" && [ "$seq" = "$before" ] &&
        [ "$(size)" -eq $((before + 1)) ]; then
        ok "$what: refused at once and recorded, seq $seq"
    else
        not_ok "$what: exit $rc, seq '$seq', ledger $before -> $(size)"
        sed 's/^/#   /' "$T_DIR/ans"
    fi
    echo "$seq" >"$T_DIR/seq-$step"
    got=$(entry "$seq")
    [ "$got" = "DENIED $kind delivery -" ] && ok "$what: the entry is a refused $kind under no cylinder" \
        || not_ok "$what: the entry is '$got'"
    lpg log --json --from "$seq" --limit 1 >"$T_DIR/out"
}

forged "a forged code at dispatch" dispatch dispatch
forged "a forged code at the door" deliver delivery --user U1 --gas-cert "$GC" $CHECKS
forged "a forged code at collection" collect collection --user U1
forged "a forged code at return" return return

# The service judges the rest of the step too: a delivery with no
# checklist is refused for both, and --json gives the service's answer.
hh deliver --code "$FORGED" --user U1 --gas-cert "$GC" --json >"$T_DIR/ans" 2>&1
python3 -c 'import json,sys
d = json.loads(open(sys.argv[1]).readline())
assert d["status"] == "DENIED" and d["queued"] is False and d["seq"] > 0, d
toks = [r["token"] for r in d["reasons"]]
assert toks[0] == "CODE_FORGED" and "SAFETY_CHECK_MISSING" in toks, toks' "$T_DIR/ans" \
    && ok "--json: DENIED CODE_FORGED and SAFETY_CHECK_MISSING, recorded with its seq" \
    || { not_ok "--json"; sed 's/^/#   /' "$T_DIR/ans"; }

# The genuine cylinder's round is unaffected, and the code travels with it.
check "A1 dispatched" hh dispatch --code "$A1"
check "A1 delivered to U1" hh deliver --code "$A1" --user U1 --gas-cert "$GC" $CHECKS
check "A1 collected" hh collect --code "$A1" --user U1
check "A1 returned" hh return --code "$A1"
check "A1's trace" lpg trace "$GRAI_A1"
check_out "A1's trace: empty at a station" "empty at a station"
if grep -q "CODE_FORGED" "$T_DIR/out"; then
    not_ok "A1's trace holds a forged entry"
    sed 's/^/#   /' "$T_DIR/out" | head -30
else
    ok "A1's trace holds none of the forged entries"
fi

# report anomalies: each forged code with where it was met.
check "report anomalies --csv" lpg report anomalies --csv
python3 - "$T_DIR/out" "$(cat "$T_DIR/seq-dispatch")" "$(cat "$T_DIR/seq-deliver")" \
    "$(cat "$T_DIR/seq-collect")" "$(cat "$T_DIR/seq-return")" <<'EOF' \
    && ok "--csv: each forged code, where and by which handheld" || not_ok "--csv rows"
import csv, sys
rows = {r["seq"]: r for r in csv.DictReader(open(sys.argv[1]))}
want = {
    sys.argv[2]: ("S1", "CODE_FORGED at dispatch, vehicle SU-A001, device hh-1"),
    sys.argv[3]: ("-", "CODE_FORGED at delivery to U1, vehicle SU-A001, device hh-1"),
    sys.argv[4]: ("-", "CODE_FORGED at collection from U1, vehicle SU-A001, device hh-1"),
    sys.argv[5]: ("S1", "CODE_FORGED at return, vehicle SU-A001, device hh-1"),
}
bad = 0
for seq, (site, detail) in want.items():
    r = rows.get(seq)
    got = r and (r["kind"], r["cylinder"], r["site"], r["who"], r["detail"])
    if got != ("forged_code", "-", site, "DRV1", detail):
        print("# seq %s: %r" % (seq, got))
        bad = 1
sys.exit(bad)
EOF
check "report anomalies --json" lpg report anomalies --json
python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
rows = [r for r in d["rows"] if r["kind"] == "forged_code" and "device hh-1" in r["detail"]]
assert len(rows) >= 4, rows
assert all(r["who"] == "DRV1" and r["time"] for r in rows), rows' "$T_DIR/out" \
    && ok "--json: the forged codes met on the road" || { not_ok "--json rows"; sed 's/^/#   /' "$T_DIR/out" | head; }
check "report anomalies, plain" lpg report anomalies
check_out "plain: a forged code at the door" "forged_code.*CODE_FORGED at delivery to U1, vehicle SU-A001, device hh-1"

# Offline: lpg-deliveryd stopped.
eval "kill \$T_PID_delivery"
wait "$T_PID_delivery" 2>/dev/null
before=$(size)
hh dispatch --code "$FORGED" >"$T_DIR/ans" 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -q "^REFUSED  dispatch: .*(CODE_FORGED)" "$T_DIR/ans" &&
    grep -q "queued on this handheld" "$T_DIR/ans"; then
    ok "offline: the forged code is refused at once, and queued"
else
    not_ok "offline: exit $rc"
    sed 's/^/#   /' "$T_DIR/ans"
fi
check_status "a second one offline, refused too" 1 hh deliver --code "$FORGED" --user U1 --gas-cert "$GC" $CHECKS
check_status "both wait in the queue" 0 test "$(wc -l <"$T_DIR/hh/delivery.queue")" -eq 2
check_status "sync while the service is down: both stay queued" 1 hh sync
check_out "sync says so" "^0 sent and recorded, 0 not recorded, 2 still queued"
check_status "nothing recorded meanwhile" 0 test "$(size)" -eq "$before"

t_daemon delivery "$H" && ok "delivery up again" || not_ok "delivery up again"
cp "$T_DIR/hh/delivery.queue" "$T_DIR/queue-copy"
check "sync" hh sync
check_out "sync: the dispatch recorded" "^SENT  dispatch .* recorded, seq $before, refused"
check_out "sync: the delivery recorded" "^SENT  deliver .* recorded, seq $((before + 1)), refused"
check_out "sync: the count" "^2 sent and recorded, 0 not recorded, 0 still queued"
check_status "two entries more, no other" 0 test "$(size)" -eq $((before + 2))
got=$(entry "$before")
[ "$got" = "DENIED dispatch delivery -" ] && ok "the queued dispatch is a refused entry" || not_ok "queued dispatch: '$got'"
check_status "the queue is empty" 1 test -e "$T_DIR/hh/delivery.queue"
check "a second sync" hh sync
check_out "records nothing more" "^0 sent and recorded, 0 not recorded, 0 still queued"
check_status "the ledger unchanged" 0 test "$(size)" -eq $((before + 2))
# A crash after sending, before the queue was rewritten: the same events
# are sent again and the service answers them with their first answer.
cp "$T_DIR/queue-copy" "$T_DIR/hh/delivery.queue"
check "sync of a queue sent already" hh sync
check_out "already recorded" "^SENT  dispatch .* recorded, seq $before, refused (already recorded)"
check_status "the ledger still unchanged" 0 test "$(size)" -eq $((before + 2))
check "sync --json, nothing queued" hh sync --json
check_status "prints nothing" 0 test ! -s "$T_DIR/out"

check "report anomalies --csv after sync" lpg report anomalies --csv
check_out "the forged dispatch met offline is listed" "^$before,.*,forged_code,-,S1,DRV1,\"CODE_FORGED at dispatch, vehicle SU-A001, device hh-1\"\$"

# A handheld without the authority's public key cannot check a code.
mv "$T_DIR/hh/keys/authority.pub" "$T_DIR/authority.pub"
check_status "no authority key: an error, nothing sent" 2 hh dispatch --code "$A1"
check_out "it says what to copy" "authority.pub"
mv "$T_DIR/authority.pub" "$T_DIR/hh/keys/authority.pub"

t_done
