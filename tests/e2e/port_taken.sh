# port_taken.sh - the tests' own start of a daemon. A port picked free in
# advance (t_home, w_home) may be taken by another test's daemon before
# ours binds it; ours then says so and exits, and a request to the port
# would be answered by the stranger. t_daemon and t_webd (w_start) start
# it again on another port, and take the port as ours only once our
# process holds it.
. "$LPG_ROOT/tests/e2e/lib.sh"
. "$LPG_ROOT/tests/web/webd_env.sh"

H="$T_DIR/home"
w_home "$H" && ok "home" || not_ok "home"

# stranger PORT: a process that listens on PORT and answers HTTP (404).
stranger() {
    python3 -m http.server --bind 127.0.0.1 "$1" >/dev/null 2>&1 &
    T_PIDS="$T_PIDS $!"
    S_PID=$!
    i=0
    until t_listens "$S_PID" "$1" || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
}
port=$(sed -n 's|^endpoint.registry = tcp://127.0.0.1:||p' "$H/lpgtrace.conf")
stranger "$port"
t_listens "$S_PID" "$port" && ok "a stranger holds the registry's port $port" || not_ok "the stranger did not listen"
t_daemon registry "$H" >"$T_DIR/start" && ok "lpg-registryd up" || { not_ok "lpg-registryd up"; sed 's/^/#   /' "$T_DIR/start"; }
new=$(sed -n 's|^endpoint.registry = tcp://127.0.0.1:||p' "$H/lpgtrace.conf")
[ "$new" != "$port" ] && ok "on another port ($new), written into the home's config" || not_ok "still on $port"
grep -q "lpg-registryd's port $port was taken meanwhile: $new" "$T_DIR/start" && ok "and the test says so" || not_ok "no word of it"
check "it answers there" lpgtrace --home "$H" ping registry
t_listens "$T_PID_registry" "$new" && ok "lpg-registryd holds $new" || not_ok "lpg-registryd does not hold $new"

stranger "$W_PORT"
old=$W_PORT
# The stranger answers /healthz too (an HTTP 404 is an answer to curl):
# only a process that holds the port is taken for lpg-webd.
curl -s -o /dev/null "$W_URL/healthz" && ok "the stranger answers on $old" || not_ok "the stranger does not answer"
w_start "$H" >"$T_DIR/start" && ok "lpg-webd up" || { not_ok "lpg-webd up"; sed 's/^/#   /' "$T_DIR/start"; }
[ "$W_PORT" != "$old" ] && ok "on another port ($W_PORT)" || not_ok "still on $old"
grep -q "^webd.port = $W_PORT\$" "$H/lpgtrace.conf" && ok "written into the home's config" || not_ok "not in the config"
t_listens "$T_PID_webd" "$W_PORT" && ok "lpg-webd holds $W_PORT" || not_ok "lpg-webd does not hold $W_PORT"
check "it answers there" curl -sf -o /dev/null "$W_URL/healthz"
t_done
