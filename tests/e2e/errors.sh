# errors.sh - an error is never shown as an answer. A refusal the service
# recorded (DENY) exits 1 with its check id; anything that recorded nothing
# (a request sent with an empty id, the ledger's disk full) exits 2, says
# so and what to do, and a fill check never shows DENY or a check id for
# it. A station whose own disk is full sends no fill check at all (the
# check id could not be kept, so no ALLOW may open the valve), and a fill
# whose ALLOW record the station lost is recorded by scanning the
# cylinder again.
. "$LPG_ROOT/tests/e2e/lib.sh"

H="$T_DIR/home"
MNT="$T_DIR/mnt"
mounted=false
# The daemons hold the ledger open: stop them before unmounting it.
e_cleanup() {
    for p in $T_PIDS; do kill -9 "$p" 2>/dev/null; done
    for p in $T_PIDS; do wait "$p" 2>/dev/null; done
    $mounted && umount "$MNT" 2>/dev/null
    t_cleanup
}
trap 'e_cleanup' EXIT INT TERM

t_home "$H" && ok "home" || not_ok "home"
check "a company, a station, 30 cylinders" lpgtrace --home "$H" gen --companies 1 --sites 1 --devices 1 --cylinders 30 --fills 0 --seed 61 --codes "$T_DIR/codes.txt"
t_daemon registry "$H" && ok "registry up" || not_ok "registry up"
t_daemon filling "$H" && ok "filling up" || not_ok "filling up"
t_daemon delivery "$H" && ok "delivery up" || not_ok "delivery up"

S="$T_DIR/station"
mkdir -p "$S/keys"
lpgtrace keygen --out "$H/keys/scanner" >/dev/null
lpgtrace --home "$H" device enroll --key "$H/keys/scanner" --company C61-0 --site S61-0 --role filling-scanner >/dev/null
cp "$H/keys/scanner.pem" "$H/keys/scanner.curve" "$H/keys/filling.curve.pub" "$H/keys/authority.pub" "$S/keys/"
printf 'device.key = keys/scanner\ndevice.site = S61-0\ndevice.operator = staff-S61-0-0\n%s\n' \
    "$(grep '^endpoint.filling' "$H/lpgtrace.conf")" >"$S/lpgtrace.conf"
code() { sed -n "${1}p" "$T_DIR/codes.txt" | cut -d' ' -f1; }
tare() { sed -n "${1}p" "$T_DIR/codes.txt" | cut -d' ' -f2; }
grai() { code "$1" | sed 's|.*/8003/||; s|?.*||'; }
scan() { lpg-scan --home "$S" "$@"; }
entries() { lpgtrace --home "$H" log | wc -l; }

# A real refusal: recorded, exit 1, with the id of the recorded check.
check_status "a check with a failed visual check: DENY, exit 1" 1 scan fill-check --code "$(code 1)" --tare-g "$(tare 1)" --check all=ok --check valve=fail
check_out "shown as DENY" "^DENY  禁止充装"
check_out "with the check id" "^  check id   [0-9a-f]\{32\}"

# An empty id: an INVALID naming the field, nothing recorded, exit 2.
check_status "user show with an empty id: exit 2" 2 lpgtrace --home "$H" user show ""
check_out "INVALID names the field" "EINVAL: field 'user' is empty"
check_out "and says nothing was recorded" "nothing was recorded"
if grep -q "EDB" "$T_DIR/out"; then not_ok "no database error for it"; else ok "no database error for it"; fi
n0=$(entries)
WIRE_TIME_MS=$(date +%s)000; export WIRE_TIME_MS
wire "$H" filling "$H/keys/scanner" fillcheck 0102030405060708090a0b0c0d0e0f10 "$(code 2)" "$(tare 2)" S61-0 "" >"$T_DIR/out" 2>&1
unset WIRE_TIME_MS
check_out "a fill check with an empty operator: INVALID naming the field" "^INVALID EINVAL: field 'actor' is empty"
mkdir -p "$T_DIR/hh/keys"
lpgtrace keygen --out "$T_DIR/hh/keys/handheld" >/dev/null
lpgtrace --home "$H" device enroll --key "$T_DIR/hh/keys/handheld" --company C61-0 --role handheld >/dev/null
cp "$H/keys/delivery.curve.pub" "$H/keys/authority.pub" "$T_DIR/hh/keys/"
printf 'device.key = keys/handheld\ndevice.site = S61-0\ndevice.operator = staff-S61-0-0\ndevice.vehicle = V61-0\n%s\n' \
    "$(grep '^endpoint.delivery' "$H/lpgtrace.conf")" >"$T_DIR/hh/lpgtrace.conf"
check_status "a delivery to an empty user id: exit 2" 2 lpg-scan --home "$T_DIR/hh" deliver --code "$(code 3)" --user "" --check all=ok
check_out "INVALID names the field" "^ERROR  INVALID EINVAL: field 'user' is empty"
check_out "and says nothing was recorded" "nothing was recorded"
n1=$(entries)
[ "$n1" -eq $((n0 + 1)) ] && ok "none of them was recorded (only the handheld's enrolment)" || not_ok "$n0 entries before, $n1 after"

# The station's disk is full: the check id cannot be kept, so the check
# is not sent and the gate stays shut.
mv "$S/fill-allows" "$T_DIR/fill-allows.kept"
ln -s /dev/full "$S/fill-allows"
n0=$(entries)
check_status "a fill check on a full station disk: exit 2" 2 scan fill-check --code "$(code 4)" --tare-g "$(tare 4)" --check all=ok
check_out "says disk full" "cannot save the check id: disk full"
check_out "and do not fill" "do not fill"
if grep -q "ALLOW" "$T_DIR/out"; then not_ok "no ALLOW shown"; sed 's/^/#   /' "$T_DIR/out"; else ok "no ALLOW shown"; fi
n1=$(entries)
[ "$n1" -eq "$n0" ] && ok "and nothing was sent to the ledger" || not_ok "$n0 entries before, $n1 after"
rm "$S/fill-allows"
mv "$T_DIR/fill-allows.kept" "$S/fill-allows"

# An ALLOW whose record the station lost: fill-done names the cylinder
# by its code, and the service checks the ALLOW.
check "an ALLOW for cylinder 5" scan fill-check --code "$(code 5)" --tare-g "$(tare 5)" --check all=ok
a5=$(sed -n 's/^  allow id   \([0-9a-f]*\).*/\1/p' "$T_DIR/out")
: >"$S/fill-allows"
check_status "without the record and without --code: exit 2" 2 scan fill-done --allow "$a5" --full-g $(( $(tare 5) + 14500 )) --leak ok
check_out "asks for the cylinder's code" "scan the cylinder again with --code"
check_status "with another cylinder's code: refused by the service" 1 scan fill-done --allow "$a5" --full-g $(( $(tare 6) + 14500 )) --leak ok --code "$(code 6)"
check_out "FILL_NO_ALLOW" "FILL_NO_ALLOW"
check "with its own code: recorded" scan fill-done --allow "$a5" --full-g $(( $(tare 5) + 14500 )) --leak ok --code "$(code 5)"
check_out "with its net weight" "net 14500 g"
check "an ALLOW for cylinder 7" scan fill-check --code "$(code 7)" --tare-g "$(tare 7)" --check all=ok
a7=$(sed -n 's/^  allow id   \([0-9a-f]*\).*/\1/p' "$T_DIR/out")
check_status "a code that does not match the ALLOW's record: exit 2" 2 scan fill-done --allow "$a7" --full-g 30000 --leak ok --code "$(code 8)"
check_out "naming both cylinders" "was for cylinder $(grai 7), not for the one scanned ($(grai 8))"

# The ledger's disk is full: a service error, never a DENY.
if mkdir -p "$MNT" && mount -t tmpfs -o size=8m tmpfs "$MNT" 2>/dev/null; then
    mounted=true
    kill $T_PID_filling $T_PID_registry $T_PID_delivery
    wait $T_PID_filling $T_PID_registry $T_PID_delivery 2>/dev/null
    T_PIDS=""
    mv "$H/ledger" "$MNT/ledger" && ln -s "$MNT/ledger" "$H/ledger"
    t_daemon registry "$H" && t_daemon filling "$H" && ok "the ledger on a small file system" || not_ok "restart on tmpfs"
    dd if=/dev/zero of="$MNT/pad" bs=4096 >/dev/null 2>&1
    n0=$(entries)
    st=0
    i=9
    while [ $i -le 30 ]; do
        scan fill-check --code "$(code $i)" --tare-g "$(tare $i)" --check all=ok >"$T_DIR/out" 2>&1
        st=$?
        [ $st -ne 0 ] && break
        i=$((i + 1))
    done
    [ $st -eq 2 ] && ok "a fill check the ledger cannot hold: exit 2" || { not_ok "exit $st, wanted 2"; sed 's/^/#   /' "$T_DIR/out"; }
    check_out "ENOSPC, said as disk full" "^ERROR  UNAVAILABLE ENOSPC: .*disk full"
    check_out "nothing recorded, and what to do" "do not fill: nothing was recorded: the ledger's disk is full"
    if grep -q "DENY\|check id\|Input/output" "$T_DIR/out"; then not_ok "no DENY and no check id"; sed 's/^/#   /' "$T_DIR/out"; else ok "no DENY and no check id"; fi
    grep -q "disk full" "$T_DIR/filling.log" && ok "the service's log says disk full" || not_ok "the service's log does not say disk full"
    # The last answered may wait in the journal for space (ledger.c,
    # "journal"): it is in the ledger with the next write.
    n1=$(entries)
    [ "$n1" -ge $((n0 + i - 10)) ] && [ "$n1" -le $((n0 + i - 9)) ] && ok "only the checks answered before it are in the ledger (or its journal)" || not_ok "$n0 entries before, $n1 after $((i - 9)) checks"
    rm -f "$MNT/pad"
    check "with space again, the same check is answered" scan fill-check --code "$(code $i)" --tare-g "$(tare $i)" --check all=ok
    check_out "ALLOW" "^ALLOW"
    n2=$(entries)
    [ "$n2" -eq $((n0 + i - 8)) ] && ok "every answered check is in the ledger then" || not_ok "$n0 entries before, $n2 after $((i - 8)) answered checks"
    kill $T_PID_filling $T_PID_registry
    wait $T_PID_filling $T_PID_registry 2>/dev/null
    T_PIDS=""
    check "and the ledger verifies" lpgtrace --home "$H" verify
else
    ok "# SKIP the ledger's disk full: cannot mount a small tmpfs here (needs root)"
fi

t_done
