# webd.sh - lpg-webd, the HTTP face, through the real daemons with curl:
# health, security headers on every answer, problems as RFC 9457 JSON;
# the public page of a real code (issued, current), a forged, a
# superseded and a scrapped one; the GS1 linkset by Accept and by
# ?linkType, the resolver description; a tip recorded and listed by
# `lpgtrace report tips` with its phone sealed; the tips' rate limit, the
# size limits, HTML escaping; HTTPS with a self-signed certificate; a
# slow-loris client that does not hold the daemon; the per-address
# connection limit, which the trusted reverse proxy is not held to.
. "$LPG_ROOT/tests/e2e/lib.sh"

H=$T_DIR/home
t_home "$H" || exit 1
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed -i "s|^webd.port = .*|webd.port = $PORT|" "$H/lpgtrace.conf"
grep -q "^webd.port = $PORT" "$H/lpgtrace.conf" ||
    echo "webd.port = $PORT" >>"$H/lpgtrace.conf"
URL=http://127.0.0.1:$PORT
cat >>"$H/lpgtrace.conf" <<EOC
EOC
sed -i -e "s|^webd.tips_per_hour = .*|webd.tips_per_hour = 3|" \
    -e "s|^webd.body_max_bytes = .*|webd.body_max_bytes = 8192|" \
    -e "s|^webd.tip_text_max = .*|webd.tip_text_max = 500|" \
    -e "s|^webd.max_per_ip = .*|webd.max_per_ip = 16|" "$H/lpgtrace.conf"
for s in registry filling delivery inspection trace; do
    t_daemon $s "$H" || exit 1
done
lpg() { lpgtrace --home "$H" "$@"; }
# the gateway: its own keys, enrolled with the role gateway
lpgtrace keygen --out "$H/keys/gateway" >/dev/null &&
    lpg device enroll --key "$H/keys/gateway" --company authority --role gateway \
        --name "lpg-webd" >/dev/null && ok "the gateway enrolled" || not_ok "gateway enrolment"
lpg company add NT --name "南通燃气 NT Gas" --gs1-prefix 6905555 --licence L-NT-1 \
    --licence-until 2030-12-31 >/dev/null &&
    lpg site add S1 --company NT --name "Station 1" --kind filling --lat 32.01 --lon 120.86 >/dev/null
add() {
    lpg cylinder add --company NT --type 00015 --serial "$1" --tare-g 15000 --fill-g 14500 \
        --made 2022-01 --design-life-y 8 --next-inspection "$2" --insurance-until "$3" 2>&1 |
        sed -n 's|^code *\(https://[^ ]*\).*|\1|p'
}
GOOD=$(add WEB1 2030-01-01 2030-01-01)
OVERDUE=$(add WEB2 2020-01-01 2020-01-01)
OLD=$(add WEB3 2030-01-01 2030-01-01)
SCR=$(add WEB4 2030-01-01 2030-01-01)
[ -n "$GOOD" ] && [ -n "$OVERDUE" ] && [ -n "$OLD" ] && [ -n "$SCR" ] &&
    ok "four cylinders registered" || not_ok "cylinders registered"
lpg cylinder relabel "$OLD" --reason "label worn off" >"$T_DIR/relabel" 2>&1
NEW=$(sed -n 's|^code *\(https://[^ ]*\).*|\1|p' "$T_DIR/relabel")
SCR_GRAI=$(echo "$SCR" | sed 's|.*/8003/||; s|?.*||')
lpg cylinder update "$SCR_GRAI" --status scrapped --reason "failed its inspection" >/dev/null 2>&1
[ -n "$NEW" ] && ok "one relabelled, one scrapped" || not_ok "relabel"
# path PATH-AND-QUERY of a code
path() { echo "$1" | sed 's|^https\{0,1\}://[^/]*||'; }

# w_start: starts lpg-webd on $H, waits until /healthz answers.
w_start() {
    lpg-webd --home "$H" >>"$T_DIR/webd.log" 2>&1 &
    T_PID_webd=$!
    T_PIDS="$T_PIDS $!"
    i=0
    w_port=$(echo "$URL" | sed 's|.*:\([0-9]*\)$|\1|')
    while [ $i -lt 100 ]; do
        curl -sk -o /dev/null "$URL/healthz" && t_listens "$T_PID_webd" "$w_port" &&
            return 0
        sleep 0.1
        i=$((i + 1))
    done
    echo "# lpg-webd did not come up"
    sed 's/^/#   /' "$T_DIR/webd.log"
    return 1
}
w_start_tls() { w_start; }
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

# ------------------------------------------------------ the public page
get "$(path "$GOOD")"
status_is "the page of a real code: 200" 200
header_has "it is HTML" "^Content-Type: text/html"
security_headers "the page"
header_has "and points to its linkset" '^Link: .*rel="linkset"'
check_out "says genuine" 'data-verdict="genuine"'
check_out "in Chinese" '正规气瓶码'
check_out "and in English" 'Genuine code'
check_out "the owner company" '南通燃气 NT Gas'
check_out "its licence" 'L-NT-1'
check_out "the steel-stamp serial" '>WEB1<'
check_out "in service" '在用 / in service\|in service'
check_out "next inspection, not due" '2030-01-01 · 未超期 / not due'
check_out "insurance valid" '有效 / valid'
check_out "a report form, a plain POST" '<form method="post" action="/report">'
if grep -q '<script' "$T_DIR/out" || grep -q ' on[a-z]*=' "$T_DIR/out"; then
    not_ok "no script in the page"
else
    ok "no script in the page"
fi
if grep -qi 'zhang san\|320601\|id_card\|holder' "$T_DIR/out"; then
    not_ok "no personal data on the page"
else
    ok "no personal data on the page"
fi
get /static/style.css
status_is "the style sheet is served by the daemon" 200
header_has "as CSS" "^Content-Type: text/css"

get "$(path "$OVERDUE")"
check_out "an overdue inspection says so" 'OVERDUE'
check_out "and insurance not valid" 'NOT valid'

FORGED=$(echo "$GOOD" | sed 's|8030=A|8030=B|; t; s|8030=.|8030=A|')
get "$(path "$FORGED")"
status_is "a forged code: still a page" 200
check_out "with a warning" 'data-verdict="warning"'
check_out "saying forged" 'FORGED code'
check_out "and a way to report it" 'id="report"'
# The signature's last character changed: no longer 64 bytes in
# base64url at all, yet to the person scanning it is as forged.
CUT=$(echo "$GOOD" | sed 's|B$|C|; t; s|.$|B|')
get "$(path "$CUT")"
status_is "a signature altered out of its form: still a page" 200
check_out "saying forged" 'FORGED code'
check_out "its report form carries the code" "name=\"code\" value=\"$(echo "$CUT" | sed 's|&|\&amp;|g')\""
get "$(path "$OLD")"
check_out "a superseded code: warned" 'SUPERSEDED code'
get "$(path "$NEW")"
check_out "its new code: genuine" 'data-verdict="genuine"'
get "$(path "$SCR")"
check_out "a scrapped cylinder: warned" 'SCRAPPED cylinder'
get "/8003/123"
status_is "not a code: 400" 400
check_out "with a warning" 'data-verdict="warning"'

# ------------------------------------------------------------- GS1
GRAI=$(echo "$GOOD" | sed 's|.*/8003/||; s|?.*||')
get "$(path "$GOOD")" -H 'Accept: application/linkset+json'
status_is "linkset by Accept: 200" 200
header_has "as application/linkset+json" "^Content-Type: application/linkset+json"
python3 - "$T_DIR/out" "$GRAI" >"$T_DIR/py" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ls = d["linkset"]
assert isinstance(ls, list) and len(ls) == 1
s = ls[0]
assert s["anchor"].endswith("/8003/" + sys.argv[2]), s["anchor"]
for rel in ("https://gs1.org/voc/pip", "https://gs1.org/voc/traceability"):
    links = s[rel]
    assert isinstance(links, list) and links
    for l in links:
        assert l["href"].startswith("http"), l
        assert isinstance(l["title"], str) and l["type"] == "text/html"
assert "8030=" in s["https://gs1.org/voc/pip"][0]["href"]
print("linkset ok")
PY
if grep -q "linkset ok" "$T_DIR/py"; then ok "an RFC 9264 linkset with gs1:pip and gs1:traceability"; else not_ok "linkset shape"; sed 's/^/#   /' "$T_DIR/py"; fi
get "$(path "$GOOD")&linkType=linkset"
header_has "linkset by ?linkType=linkset" "^Content-Type: application/linkset+json"
TRACE=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["linkset"][0]["https://gs1.org/voc/traceability"][0]["href"])' "$T_DIR/out")
get "$(path "$TRACE")"
status_is "the trace link needs a login: 401" 401
get /.well-known/gs1resolver
status_is "the resolver description: 200" 200
python3 - "$T_DIR/out" >"$T_DIR/py" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["resolverRoot"].startswith("http")
assert "8003" in d["supportedPrimaryKeys"]
assert any(t["prefix"] == "gs1:" for t in d["supportedLinkType"])
assert isinstance(d["linkTypeDefaultCanBeLinkset"], bool)
print("resolver ok")
PY
if grep -q "resolver ok" "$T_DIR/py"; then ok "it names its root, 8003 and gs1: link types"; else not_ok "resolver description"; sed 's/^/#   /' "$T_DIR/py"; fi

# ------------------------------------------------------------- tips
get /report -X POST --data-urlencode "code=$FORGED" --data-urlencode "category=code_fails" \
    --data-urlencode "text=卖气的人说这是新瓶 <b>bold</b>" --data-urlencode "phone=138 0013 8000"
status_is "a tip with a phone: recorded (201)" 201
check_out "and thanked" 'Report received'
check_out "with a link back to the cylinder's page" \
    "<a id=\"back\" href=\"$(path "$FORGED" | sed 's|&|\&amp;|g')\">"
if grep -q '13800138000\|138 0013 8000' "$T_DIR/out"; then not_ok "the phone is not echoed"; else ok "the phone is not echoed"; fi
get /report -X POST --data-urlencode 'category=black_market' \
    --data-urlencode 'text="><script>alert(1)</script><img src=x onerror=alert(2)>'
status_is "a hostile tip: recorded" 201
if grep -q '<script\|onerror' "$T_DIR/out"; then not_ok "never echoed unescaped"; else ok "never echoed unescaped"; fi
if grep -q 'id="back"' "$T_DIR/out"; then not_ok "no code, no link back"; else ok "no code, no link back"; fi
get '/report?code=%22%3E%3Cscript%3Ealert(1)%3C/script%3E'
if grep -q '<script' "$T_DIR/out"; then
    not_ok "a hostile code in the form is escaped"
else
    grep -q '&quot;&gt;&lt;script&gt;' "$T_DIR/out" && ok "a hostile code in the form is escaped" ||
        not_ok "a hostile code in the form (not found escaped)"
fi
check "report tips --json" lpg report tips --json
cp "$T_DIR/out" "$T_DIR/tips.json"
python3 - "$T_DIR/tips.json" "$GRAI" >"$T_DIR/py" 2>&1 <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))["tips"]
assert len(t) == 2, t
a, b = t
assert a["category"] == "code_fails" and a["code_verified"] is False
assert a["text"].startswith("卖气的人说这是新瓶")
assert a["phone"] and "8000" not in a["phone"] and "138" not in a["phone"]
assert b["category"] == "black_market" and b["phone"] is None
assert "<script>" in b["text"]  # kept as written, JSON-escaped by the writer
print("tips ok")
PY
if grep -q "tips ok" "$T_DIR/py"; then ok "both tips listed, the phone masked"; else not_ok "tips listed"; sed 's/^/#   /' "$T_DIR/py"; fi
if grep -q '13800138000' "$T_DIR/tips.json"; then not_ok "the phone not in clear in the report"; else ok "the phone not in clear in the report"; fi
if lpg log 2>/dev/null | grep -q '13800138000'; then not_ok "nor in the log"; else ok "nor in the log"; fi
check "report tips --csv" lpg report tips --csv
check_out "csv has the header" '^seq,date,category'
get /report -X POST --data-urlencode 'category=other' --data-urlencode "text=$(head -c 600 /dev/zero | tr '\0' x)"
status_is "text over webd.tip_text_max: 413" 413
get /report -X POST --data-urlencode 'category=other' --data-urlencode "text=$(head -c 9000 /dev/zero | tr '\0' x)"
status_is "body over webd.body_max_bytes: 413" 413
header_has "as a problem document" "^Content-Type: application/problem+json"
get /report -X POST --data-urlencode 'category=nonsense'
status_is "an unknown category: 400" 400
get /report -X POST --data-urlencode 'category=other' --data-urlencode 'text=third'
status_is "the tip that spends the hour's allowance" 201
get /report -X POST --data-urlencode 'category=other' --data-urlencode 'text=fourth'
status_is "one more from the same address: 429" 429
header_has "with Retry-After" "^Retry-After: "
n=$(lpg report tips --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["tips"]))')
[ "$n" = 3 ] && ok "the refused ones are not recorded (3 tips)" || not_ok "tips recorded: $n, wanted 3"

# ------------------------------------------------------- bad input
printf 'GET /%%zz HTTP/1.1\r\nHost: x\r\n\r\n' >"$T_DIR/raw"
python3 - "$PORT" >"$T_DIR/py" 2>&1 <<'PY'
import socket, sys
port = int(sys.argv[1])
bad = [b"\x00\x01\x02garbage\r\n\r\n", b"GET /8003/" + b"9" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
       b"POST /report HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
       b"GET /8003/06905555000153WEB1?r=%zz&8030=%00 HTTP/1.1\r\nHost: x\r\n\r\n",
       b"GET / HTTP/1.1\r\n" + b"X: " + b"a" * 40000 + b"\r\n\r\n"]
for b in bad:
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        s.sendall(b)
        s.recv(4096)
    except Exception:
        pass
    s.close()
print("sent")
PY
get /healthz
status_is "bad input does not kill the daemon" 200

# ------------------------------------------------------- slow loris
python3 - "$PORT" >"$T_DIR/loris" 2>&1 <<'PY' &
import socket, sys, time
port = int(sys.argv[1])
socks = []
for i in range(100):
    try:
        s = socket.socket()
        s.bind(("127.0.0.2", 0))
        s.settimeout(2)
        s.connect(("127.0.0.1", port))
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        socks.append(s)
    except Exception:
        pass
print("open", len(socks), flush=True)
for k in range(8):
    for s in socks:
        try:
            s.sendall(b"X-a: b\r\n")
        except Exception:
            pass
    time.sleep(1)
PY
LORIS=$!
sleep 2
t0=$(date +%s%N)
get /healthz --max-time 3
t1=$(date +%s%N)
status_is "a normal request answers while a slow-loris holds connections" 200
ms=$(( (t1 - t0) / 1000000 ))
[ "$ms" -lt 1000 ] && ok "within a second (${ms} ms)" || not_ok "slow answer: ${ms} ms"
wait "$LORIS" 2>/dev/null

# ------------------------------------------- behind the reverse proxy
# Every client behind the proxy shares its address: webd.max_per_ip (16
# here) holds for any other address, never for webd.trusted_proxy.
kill "$T_PID_webd" 2>/dev/null
wait "$T_PID_webd" 2>/dev/null
sed -i "s|^webd.trusted_proxy = .*|webd.trusted_proxy = 127.0.0.3|" "$H/lpgtrace.conf"
if w_start; then ok "lpg-webd restarted behind a proxy at 127.0.0.3"; else not_ok "lpg-webd restart"; fi
# per_ip SOURCE HELD: opens HELD connections from SOURCE, each answered
# once and then kept open idle (so the daemon has surely taken and
# counted every one: its threads take new connections in no set order),
# then asks /healthz once more from SOURCE; prints "answered" or
# "refused".
per_ip() {
    python3 - "$PORT" "$1" "$2" <<'PY'
import socket, sys
port, src, held = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
socks = []
for i in range(held):
    s = socket.socket()
    s.bind((src, 0))
    s.settimeout(5)
    s.connect(("127.0.0.1", port))
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    if not s.recv(4096).startswith(b"HTTP/1.1 200"):
        print("held connection %d not answered" % (i + 1))
        sys.exit(0)
    socks.append(s)
s = socket.socket()
s.bind((src, 0))
s.settimeout(3)
try:
    s.connect(("127.0.0.1", port))
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    got = s.recv(64)
    print("answered" if got.startswith(b"HTTP/1.1 200") else "refused")
except Exception:
    print("refused")
PY
}
r=$(per_ip 127.0.0.3 40)
[ "$r" = answered ] && ok "the proxy's 41st connection is served (max_per_ip 16 does not apply)" ||
    not_ok "the proxy's 41st connection: $r"
r=$(per_ip 127.0.0.4 16)
[ "$r" = refused ] && ok "another address's 17th connection is refused" ||
    not_ok "another address's 17th connection: $r"
sleep 0.5 # the 16 above closed
r=$(per_ip 127.0.0.4 8)
[ "$r" = answered ] && ok "and its 9th, once the others closed, is served" ||
    not_ok "the 9th connection of another address: $r"

# ------------------------------------------------------------ HTTPS
if openssl req -x509 -newkey rsa:2048 -nodes -keyout "$H/keys/webd-tls.key" \
    -out "$H/keys/webd-tls.crt" -days 2 -subj "/CN=127.0.0.1" >/dev/null 2>&1; then
    ok "a self-signed certificate"
else
    not_ok "openssl req"
fi
kill "$T_PID_webd" 2>/dev/null
wait "$T_PID_webd" 2>/dev/null
sed -i -e "s|^webd.tls_cert = .*|webd.tls_cert = keys/webd-tls.crt|" \
    -e "s|^webd.tls_key = .*|webd.tls_key = keys/webd-tls.key|" "$H/lpgtrace.conf"
URL=https://127.0.0.1:$PORT
if w_start_tls; then ok "lpg-webd serves HTTPS"; else not_ok "lpg-webd over HTTPS"; fi
get "$(path "$GOOD")" -k
status_is "the page over HTTPS" 200
header_has "with HSTS" "^Strict-Transport-Security: max-age="
security_headers "over HTTPS"
curl -s -o /dev/null --max-time 3 "http://127.0.0.1:$PORT/healthz" && not_ok "plain HTTP refused on the HTTPS port" ||
    ok "plain HTTP refused on the HTTPS port"

# ------------------------------------------------- make run, fresh home
# deploy/run.sh (make run) on a home with no gateway key: it makes and
# enrols one, so lpg-webd takes tips at once.
kill "$T_PID_webd" 2>/dev/null
wait "$T_PID_webd" 2>/dev/null
R=$T_DIR/run-home
t_home "$R" || not_ok "a second home"
RPORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed -i "s|^webd.port = .*|webd.port = $RPORT|" "$R/lpgtrace.conf"
LPGTRACE_HOME=$R sh "$LPG_ROOT/deploy/run.sh" "$LPG_BIN/.." >"$T_DIR/run.out" 2>&1 &
RUN=$!
i=0
until curl -s -o /dev/null "http://127.0.0.1:$RPORT/healthz" || [ $i -ge 100 ]; do
    sleep 0.1
    i=$((i + 1))
done
grep -q "the gateway .* is enrolled" "$T_DIR/run.out" && ok "make run enrols the gateway on a fresh home" ||
    { not_ok "make run enrols the gateway"; sed 's/^/#   /' "$T_DIR/run.out" | head -10; }
st=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data-urlencode "category=no_code" \
    --data-urlencode "text=no code on it" "http://127.0.0.1:$RPORT/report")
[ "$st" = 201 ] && ok "and its lpg-webd takes a tip at once (201)" || not_ok "a tip under make run: $st"
kill -TERM "$RUN" 2>/dev/null
wait "$RUN" 2>/dev/null
# lpg-webd without a gateway key says the one command that enrols it.
rm -f "$R/keys/gateway.pem"
lpg-webd --home "$R" >"$T_DIR/nokey.log" 2>&1 &
NK=$!
sleep 0.5
kill "$NK" 2>/dev/null
wait "$NK" 2>/dev/null
grep -q "device enroll --key $R/keys/gateway --company authority --role gateway" "$T_DIR/nokey.log" &&
    ok "lpg-webd without a gateway key prints the command that enrols it" ||
    { not_ok "no enrol command in lpg-webd's start message"; sed 's/^/#   /' "$T_DIR/nokey.log" | head -5; }

t_done
