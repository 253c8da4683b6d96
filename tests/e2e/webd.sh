# webd.sh - lpg-webd, the HTTP face, through the real daemons with curl:
# health, security headers on every answer, problems as RFC 9457 JSON.
. "$LPG_ROOT/tests/e2e/lib.sh"

H=$T_DIR/home
t_home "$H" || exit 1
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed -i "s|^webd.port = .*|webd.port = $PORT|" "$H/lpgtrace.conf"
grep -q "^webd.port = $PORT" "$H/lpgtrace.conf" ||
    echo "webd.port = $PORT" >>"$H/lpgtrace.conf"
URL=http://127.0.0.1:$PORT

# w_start: starts lpg-webd on $H, waits until /healthz answers.
w_start() {
    lpg-webd --home "$H" >>"$T_DIR/webd.log" 2>&1 &
    T_PID_webd=$!
    T_PIDS="$T_PIDS $!"
    i=0
    while [ $i -lt 100 ]; do
        curl -s -o /dev/null "$URL/healthz" && return 0
        sleep 0.1
        i=$((i + 1))
    done
    echo "# lpg-webd did not come up"
    sed 's/^/#   /' "$T_DIR/webd.log"
    return 1
}
w_start || exit 1

# get PATH [curl args]: headers to $T_DIR/h, body to $T_DIR/out, status
# to $T_DIR/status.
get() {
    p=$1
    shift
    curl -s -D "$T_DIR/h" -o "$T_DIR/out" -w '%{http_code}' "$@" \
        "$URL$p" >"$T_DIR/status"
}
status_is() {
    if [ "$(cat "$T_DIR/status")" = "$2" ]; then
        ok "$1"
    else
        not_ok "$1 (status $(cat "$T_DIR/status"), wanted $2)"
        sed 's/^/#   /' "$T_DIR/out" | head -10
    fi
}
header_has() {
    if grep -qi -- "$2" "$T_DIR/h"; then
        ok "$1"
    else
        not_ok "$1 (no '$2' in the headers)"
        sed 's/^/#   /' "$T_DIR/h"
    fi
}
security_headers() {
    header_has "$1: Content-Security-Policy without inline script" \
        "^Content-Security-Policy: default-src 'none'; style-src 'self'"
    header_has "$1: nosniff" "^X-Content-Type-Options: nosniff"
    header_has "$1: Referrer-Policy" "^Referrer-Policy: no-referrer"
}

get /healthz
status_is "GET /healthz answers 200" 200
check_out "health says ok" '"status":"ok"'
security_headers "/healthz"

get /no/such/thing
status_is "an unknown path is 404" 404
header_has "the 404 is a problem document" \
    "^Content-Type: application/problem+json"
check_out "the problem names its type and status" \
    '"type":"/problems/not-found".*"status":404'
security_headers "a 404"

get /api/v1/anything
header_has "the API answers a problem document" \
    "^Content-Type: application/problem+json"

get /healthz -X DELETE
status_is "DELETE is 405" 405
header_has "405 says what is allowed" "^Allow: "

t_done
