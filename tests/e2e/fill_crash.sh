# fill_crash.sh - lpg-fillingd killed with SIGKILL while scanners fill:
# after a restart every acknowledged event is in the ledger, the ledger
# verifies, and filling goes on.
. "$LPG_ROOT/tests/e2e/lib.sh"

H="$T_DIR/home"
t_home "$H" && ok "home" || not_ok "home"
sed -i "s|^device.site = .*|device.site = S31-0|" "$H/lpgtrace.conf"
check "a station and 800 cylinders" lpgtrace --home "$H" gen --companies 1 --sites 1 --devices 1 --cylinders 800 --fills 0 --seed 31 --codes "$T_DIR/codes.txt"
t_daemon registry "$H" && ok "registry up" || not_ok "registry up"
t_daemon filling "$H" && ok "filling up" || not_ok "filling up"
for n in 0 1 2 3; do
    lpgtrace keygen --out "$H/keys/scanner$n" >/dev/null
    lpgtrace --home "$H" device enroll --key "$H/keys/scanner$n" --company C31-0 --site S31-0 --role filling-scanner >/dev/null
done
ok "four scanners enrolled"

: >"$T_DIR/acks"
LPG_BENCH_ACKS=1 LPG_BENCH_TIMEOUT_MS=1500 \
    "$LPG_BIN/../bench/bench_fill" "$H" "$T_DIR/codes.txt" keys/scanner 4 200 staff-S31-0-0 \
    >>"$T_DIR/acks" 2>"$T_DIR/load.err" &
load=$!
T_PIDS="$T_PIDS $load"
i=0
while [ "$(grep -c '^ack ' "$T_DIR/acks")" -lt 300 ] && [ $i -lt 300 ]; do
    sleep 0.05
    i=$((i + 1))
done
kill -9 "$T_PID_filling"
wait "$T_PID_filling" 2>/dev/null
wait "$load"
acked=$(grep -c '^ack ' "$T_DIR/acks")
[ "$acked" -ge 300 ] && ok "$acked events acknowledged before SIGKILL" || not_ok "only $acked acks"
check "the ledger verifies after the crash" lpgtrace --home "$H" verify
lpgtrace --home "$H" --json log >"$T_DIR/log.json"
check "every acknowledged event is in the ledger" python3 "$LPG_ROOT/tests/acked.py" "$T_DIR/acks" "$T_DIR/log.json"
t_daemon filling "$H" && ok "filling restarts" || not_ok "filling restart"
code=$(sed -n 790p "$T_DIR/codes.txt" | cut -d' ' -f1)
tare=$(sed -n 790p "$T_DIR/codes.txt" | cut -d' ' -f2)
mkdir -p "$T_DIR/station/keys"
cp "$H/keys/scanner0.pem" "$H/keys/scanner0.curve" "$H/keys/filling.curve.pub" "$H/keys/authority.pub" "$T_DIR/station/keys/"
cat >"$T_DIR/station/lpgtrace.conf" <<CONF
device.key = keys/scanner0
device.site = S31-0
device.operator = staff-S31-0-0
$(grep '^endpoint.filling' "$H/lpgtrace.conf")
CONF
check "and fills again" lpg-scan --home "$T_DIR/station" fill-check --code "$code" --tare-g "$tare" --check all=ok
check_out "allowed" "^ALLOW"
check "the ledger still verifies" lpgtrace --home "$H" verify

t_done
