# submit.sh - lpgtrace and lpg-scan sign and submit one way: both date
# their events by the one clock (LPG_NOW_MS moves it), so a registry
# command, a device enrolment and a fill check from a clock 10 h ahead
# are all refused alike (INVALID DEVICE_CLOCK_AHEAD, exit 2, nothing
# recorded, the advice line); on time they are recorded; a delivery step
# dated 0 is refused before anything is sent; and a service that does not
# answer is an error (exit 2) for both, never an answer.
. "$LPG_ROOT/tests/e2e/lib.sh"

H="$T_DIR/home"
t_home "$H" && ok "home" || not_ok "home"
printf 'client.timeout_ms = 300\nclient.retries = 0\n' >>"$H/lpgtrace.conf"
t_daemon registry "$H" && ok "registry up" || not_ok "registry up"
t_daemon filling "$H" && ok "filling up" || not_ok "filling up"
lpg() { lpgtrace --home "$H" "$@"; }
entries() { lpg log | wc -l; }
ahead=$(python3 -c 'import time; print(int(time.time() * 1000) + 10 * 3600000)')

# refused WHAT: the last command exited 2, refused for its clock, saying
# nothing was recorded, and nothing was.
refused() {
    if [ "$st" -eq 2 ] && grep -q "INVALID DEVICE_CLOCK_AHEAD" "$T_DIR/out" &&
        grep -q "nothing was recorded" "$T_DIR/out" &&
        [ "$(entries)" -eq "$n0" ]; then
        ok "$1: INVALID DEVICE_CLOCK_AHEAD, exit 2, nothing recorded"
    else
        not_ok "$1: exit $st, $n0 -> $(entries) entries"
        sed 's/^/#   /' "$T_DIR/out" | head -5
    fi
}

n0=$(entries)
LPG_NOW_MS=$ahead lpg company add NT --name "NT Gas" --gs1-prefix 6905555 \
    --licence L-1 --licence-until 2030-12-31 >"$T_DIR/out" 2>&1
st=$?
refused "lpgtrace company add from a clock 10 h ahead"
check "on time: recorded" lpg company add NT --name "NT Gas" \
    --gs1-prefix 6905555 --licence L-1 --licence-until 2030-12-31
check "station S1" lpg site add S1 --company NT --name "Station 1" \
    --kind filling
check "operator OP1" lpg staff add OP1 --company NT --site S1 \
    --role operator --name Op --cert C-1 --cert-until 2029-01-01

S="$T_DIR/station"
mkdir -p "$S/keys"
lpgtrace keygen --out "$S/keys/dev" >/dev/null
n0=$(entries)
LPG_NOW_MS=$ahead lpg device enroll --key "$S/keys/dev" --company NT \
    --role filling-scanner --site S1 >"$T_DIR/out" 2>&1
st=$?
refused "lpgtrace device enroll from a clock 10 h ahead"
check "on time: enrolled" lpg device enroll --key "$S/keys/dev" \
    --company NT --role filling-scanner --site S1
cp "$H/keys/filling.curve.pub" "$H/keys/authority.pub" "$S/keys/"
printf 'device.key = keys/dev\ndevice.site = S1\ndevice.operator = OP1\n%s\nclient.timeout_ms = 300\nclient.retries = 0\n' \
    "$(grep '^endpoint.filling' "$H/lpgtrace.conf")" >"$S/lpgtrace.conf"

lpg cylinder add --company NT --type 00015 --serial SUB1 --tare-g 15000 \
    --fill-g 14500 --made 2022-01 --design-life-y 8 \
    --next-inspection 2028-01-01 --insurance-until 2028-01-01 \
    >"$T_DIR/cyl" 2>&1
code=$(sed -n 's|^code *\(https://[^ ]*\).*|\1|p' "$T_DIR/cyl")
[ -n "$code" ] && ok "a cylinder" || { not_ok "a cylinder"; sed 's/^/#   /' "$T_DIR/cyl"; }
scan() { lpg-scan --home "$S" fill-check --code "$code" --tare-g 15100 --check all=ok; }

n0=$(entries)
LPG_NOW_MS=$ahead scan >"$T_DIR/out" 2>&1
st=$?
refused "lpg-scan fill-check from a clock 10 h ahead"
check "on time: ALLOW" scan
check_out "with its allow id" "^  allow id   [0-9a-f]\{32\}"

check_status "lpg-scan dispatch --at 0: refused before sending" 2 \
    lpg-scan --home "$S" dispatch --code "$code" --at 0
check_out "with the usage" "^usage: lpg-scan"

# No answer: an error for both, nothing shown as an answer.
kill "$T_PID_filling"; wait "$T_PID_filling" 2>/dev/null
check_status "lpg-scan with its service down: exit 2" 2 scan
check_out "do not fill" "no answer: do not fill"
if grep -q "ALLOW\|DENY" "$T_DIR/out"; then not_ok "no verdict shown"; else ok "no verdict shown"; fi
kill "$T_PID_registry"; wait "$T_PID_registry" 2>/dev/null
check_status "lpgtrace with its service down: exit 2" 2 \
    lpg site add S2 --company NT --name "Station 2" --kind filling
check_out "the registry does not answer" \
    "the registry service does not answer (is it running? endpoint tcp://"
t_done
