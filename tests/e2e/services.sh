# services.sh - the service framework through a real daemon
# (lpg-registryd): CURVE with our ZAP handler, the sender checked on every
# request, limits, malformed input, and a clean stop; then the start and
# stop of all five daemons, which must be the same.
. "$LPG_ROOT/tests/e2e/lib.sh"

H="$T_DIR/home"
t_home "$H" && ok "home on free ports" || not_ok "home"
t_daemon registry "$H" && ok "registry up, admin admitted" || not_ok "registry up"
check "ping as the admin workstation" lpgtrace --home "$H" ping registry
check_out "answers pong" "OK OK: pong"

# An unknown transport key never gets through the handshake.
lpgtrace keygen --out "$T_DIR/stranger" >/dev/null
check_status "an unknown key is refused at the handshake" 3 wire "$H" registry "$T_DIR/stranger" ping
grep -q "refused a connection: transport key" "$T_DIR/registry.log" \
    && ok "the refusal is logged" || not_ok "refusal not logged"

# A company and a station to enrol a device at.
lpgtrace --home "$H" gen --companies 1 --sites 1 --devices 1 --cylinders 1 --fills 0 --seed 5 >/dev/null
lpgtrace keygen --out "$T_DIR/scanner" >/dev/null
check "enrol a scanner through the registry" lpgtrace --home "$H" device enroll --key "$T_DIR/scanner" --company C5-0 --site S5-0 --role filling-scanner
check_out "prints its client configuration" "endpoint.filling = "
check_status "enrolling it twice is a conflict" 1 lpgtrace --home "$H" device enroll --key "$T_DIR/scanner" --company C5-0 --site S5-0 --role filling-scanner
check_out "saying why" "already enrolled"
lpgtrace keygen --out "$T_DIR/other" >/dev/null
check_status "enrolling at a company that does not exist" 1 lpgtrace --home "$H" device enroll --key "$T_DIR/other" --company NOPE --role handheld
check_out "is refused with the reason" "no company 'NOPE'"
check "the enrolled scanner is admitted" wire "$H" registry "$T_DIR/scanner" ping
check_out "and answered" "OK OK: pong"

# Bad input: each answered, and the service keeps serving.
check "random bytes" wire "$H" registry "$T_DIR/scanner" junk
check_out "are INVALID, not a crash" "INVALID EMALFORMED"
check "five frames" wire "$H" registry "$T_DIR/scanner" frames 5
check_out "are INVALID" "INVALID EFRAMES"
check "a request over the application limit" wire "$H" registry "$T_DIR/scanner" big 70000
check_out "is INVALID, naming the limit" "INVALID ETOOBIG: message of .* bytes is over the limit of 65536 bytes (limit.message_bytes)"
check_status "a request over the hard cap is dropped by the transport" 3 wire "$H" registry "$T_DIR/scanner" big 1100000
check "another protocol version" wire "$H" registry "$T_DIR/scanner" version 9
check_out "is INVALID, naming the version" "INVALID EVERSION"
check "still serving after all that" wire "$H" registry "$T_DIR/scanner" ping
check_out "answers" "OK OK: pong"

# Revoked while connected: refused from its next request on.
wire "$H" registry "$T_DIR/scanner" ping 80 100 >"$T_DIR/pings" 2>&1 &
wpid=$!
T_PIDS="$T_PIDS $wpid"
i=0
until grep -q "^OK OK" "$T_DIR/pings" || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
check "revoke the scanner while it is connected" lpgtrace --home "$H" device revoke --key "$T_DIR/scanner" --reason "stolen"
wait $wpid
head -1 "$T_DIR/pings" | grep -q "^OK OK" && ok "answered before the revocation" || not_ok "no OK before revocation"
tail -1 "$T_DIR/pings" | grep -q "^UNAUTHORIZED EREVOKED" && ok "refused on the same connection after it" \
    || { not_ok "not refused after revocation"; sed 's/^/#   /' "$T_DIR/pings"; }
check_status "a new connection of the revoked key is refused" 3 wire "$H" registry "$T_DIR/scanner" ping

# A clean stop on SIGTERM.
kill -TERM "$T_PID_registry"
i=0
while kill -0 "$T_PID_registry" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
wait "$T_PID_registry"
st=$?
[ "$st" -eq 0 ] && ok "SIGTERM stops the service cleanly" || not_ok "exit status $st after SIGTERM"
grep -q "registry: stopped after" "$T_DIR/registry.log" && ok "and it says so" || not_ok "no stop line"
check "the ledger verifies" lpgtrace --home "$H" verify

# The five daemons start and stop one way: on SIGTERM each stops cleanly
# (status 0) and says so; a home without a ledger, a configuration that
# does not read, or a bad command line stops each before it serves, with
# the same words and status, and nothing else logged first.
mkdir -p "$T_DIR/badconf"
echo "this is not a setting" >"$T_DIR/badconf/lpgtrace.conf"
for d in registry filling delivery inspection trace; do
    : >"$T_DIR/$d.log"
    if t_daemon "$d" "$H"; then
        eval "pid=\$T_PID_$d"
        kill -TERM "$pid"
        wait "$pid"
        st=$?
        [ "$st" -eq 0 ] && grep -q "info  $d: $d: stopped after [0-9]* requests" "$T_DIR/$d.log" \
            && ok "lpg-${d}d stops cleanly on SIGTERM, saying so" \
            || { not_ok "lpg-${d}d: exit $st after SIGTERM"; sed 's/^/#   /' "$T_DIR/$d.log" | tail -5; }
    else
        not_ok "lpg-${d}d up"
    fi
    check_status "lpg-${d}d refuses a home without a ledger" 1 timeout 10 "lpg-${d}d" --home "$T_DIR/nohome"
    check_out "saying where it looked" "error $d: ledger: no ledger at $T_DIR/nohome/ledger"
    [ "$(wc -l <"$T_DIR/out")" -eq 1 ] && ok "and nothing else" \
        || { not_ok "lpg-${d}d logs more than the reason"; sed 's/^/#   /' "$T_DIR/out"; }
    check_status "lpg-${d}d refuses a configuration that does not read" 2 timeout 10 "lpg-${d}d" --home "$T_DIR/badconf"
    check_out "naming the line" "error $d: configuration: $T_DIR/badconf/lpgtrace.conf:1"
    check_status "lpg-${d}d refuses an unknown option" 2 timeout 10 "lpg-${d}d" --home "$H" --bogus
    check_out "with its usage" "usage: .*lpg-${d}d \[--home DIR\] \[--endpoint EP\]"
done
grep -q "trace: notary signed [0-9]* checkpoints since start" "$T_DIR/trace.log" \
    && ok "the notary signs what was committed as it stops" || not_ok "no notary stop line"

t_done
