# console_reports.sh - the console's recall, reports, hazard board and live
# feed through the real daemons and lpg-webd, on a generated city: for a
# regulator each /console/api/reports/<name> is exactly `lpgtrace report
# <name> --json` on the same ledger, and the recall's answer is `lpgtrace
# recall --json`'s (households without their names); a street office sees
# only its own area's hazards; the live feed (server-sent events) carries
# the refusals the ledger holds, and resumes from the Last-Event-ID.
. "$LPG_ROOT/tests/e2e/lib.sh"
. "$LPG_ROOT/tests/web/webd_env.sh"

H="$T_DIR/home"
D="$T_DIR/city"
mkdir -p "$D"
w_home "$H" && ok "home" || not_ok "home"
sed -i -e "s|^time.zone = .*|time.zone = UTC|" "$H/lpgtrace.conf"
for d in registry filling delivery inspection trace; do
    t_daemon $d "$H" && ok "$d up" || not_ok "$d up"
done
lpg() { lpgtrace --home "$H" "$@"; }
check "a small city is built and lived in" \
    city --home "$H" --dir "$D" --cylinders 300 --users 500
w_start "$H" && ok "lpg-webd up" || not_ok "lpg-webd up"

# login NAME PASSWORD JAR: a console session in the cookie jar.
login() {
    curl -s -c "$3" -b "$3" "$W_URL/console/login" >"$T_DIR/login.html"
    tok=$(sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$T_DIR/login.html" | head -n 1)
    code=$(curl -s -o /dev/null -w '%{http_code}' -c "$3" -b "$3" \
        --data-urlencode "csrf=$tok" --data-urlencode "account=$1" \
        --data-urlencode "password=$2" "$W_URL/console/login")
    [ "$code" = 303 ] || [ "$code" = 302 ]
}
area=$(python3 - "$D/record.tsv" <<'PY'
import collections, sys
n = collections.Counter()
for line in open(sys.argv[1], encoding="utf-8"):
    for f in line.split("\t"):
        if f.startswith("3206") and len(f) == 9:
            n[f] += 1
print(n.most_common(1)[0][0] if n else "")
PY
)
check "an account for the regulator" lpg account add reg --role regulator
printf 'pw-regulator-1\n' | lpg account passwd reg >/dev/null 2>&1 ||
    not_ok "set the regulator's password"
check "an account for the street office of area ${area:-?}" \
    lpg account add street1 --role street --area "$area"
printf 'pw-street-1\n' | lpg account passwd street1 >/dev/null 2>&1 ||
    not_ok "set the street office's password"
sleep 1
RJ="$T_DIR/reg.jar"
SJ="$T_DIR/street.jar"
login reg pw-regulator-1 "$RJ" && ok "the regulator logs in" || not_ok "the regulator logs in"
login street1 pw-street-1 "$SJ" && ok "the street office logs in" || not_ok "the street office logs in"

today=$(date -u +%F)
for r in refused overdue hazards anomalies coverage tips; do
    lpg --json report "$r" --today "$today" >"$T_DIR/cli-$r.json" 2>"$T_DIR/cli-$r.err"
    curl -s -b "$RJ" "$W_URL/console/api/reports/$r?today=$today" >"$T_DIR/web-$r.json"
    if [ -s "$T_DIR/cli-$r.json" ] && cmp -s "$T_DIR/cli-$r.json" "$T_DIR/web-$r.json"; then
        ok "report $r: the console's JSON is lpgtrace report $r --json ($(grep -c '^    {' "$T_DIR/cli-$r.json") rows)"
    else
        not_ok "report $r: the console's JSON differs from lpgtrace report $r --json"
        diff "$T_DIR/cli-$r.json" "$T_DIR/web-$r.json" | head -n 8 | sed 's/^/#   /'
    fi
done
rows=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["rows"]))' "$T_DIR/cli-refused.json" 2>/dev/null)
[ "${rows:-0}" -gt 0 ] && ok "the city has refused fills to compare ($rows rows)" ||
    not_ok "no refused fills in the city: the comparison proves little"

# Scope: the street office's hazards are the regulator's whose household is
# in its area, and no others.
curl -s -b "$SJ" "$W_URL/console/api/reports/hazards?today=$today" >"$T_DIR/street-hazards.json"
lpg --json report hazards --today "$today" >"$T_DIR/all-hazards.json"
python3 - "$T_DIR/all-hazards.json" "$T_DIR/street-hazards.json" "$area" "$H" <<'PY' >"$T_DIR/scope.out" 2>&1
import json, subprocess, sys
allh = json.load(open(sys.argv[1]))["rows"]
mine = json.load(open(sys.argv[2]))
area, home = sys.argv[3], sys.argv[4]
def user_area(u):
    out = subprocess.run(["lpgtrace", "--home", home, "--json", "user", "show", u],
                         capture_output=True, text=True).stdout
    try:
        return json.loads(out).get("area")
    except ValueError:
        return None
want = [h for h in allh if user_area(h["user"]) == area]
got = mine.get("rows", [])
assert mine.get("scope", {}).get("area") == area, mine.get("scope")
assert got == want, (len(got), len(want))
print(len(allh), len(got))
PY
[ $? -eq 0 ] && ok "a street office sees only its area's hazards ($(cat "$T_DIR/scope.out") of all)" ||
    { not_ok "the street office's hazards are not its area's"; sed 's/^/#   /' "$T_DIR/scope.out" | tail -n 5; }

# Recall: the same answer as the command line, names left out.
site=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["rows"]; print(r[0]["site"] if r else "S1")' "$T_DIR/cli-refused.json")
lpg --json recall --site "$site" --from 2000-01-01 --to 2100-01-01 >"$T_DIR/cli-recall.json"
curl -s -b "$RJ" "$W_URL/console/api/reports/recall?site=$site&from=2000-01-01&to=2100-01-01" >"$T_DIR/web-recall.json"
python3 - "$T_DIR/cli-recall.json" "$T_DIR/web-recall.json" <<'PY' >"$T_DIR/recall.out" 2>&1
import json, sys
cli, web = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
for c in cli["cylinders"]:
    for f in c["fills"]:
        for h in f["households"]:
            del h["name"]
assert cli == web
print(len(cli["cylinders"]))
PY
[ $? -eq 0 ] && ok "recall at $site: the console's answer is lpgtrace recall's ($(cat "$T_DIR/recall.out") cylinders)" ||
    { not_ok "recall at $site differs from lpgtrace recall"; tail -n 3 "$T_DIR/recall.out" | sed 's/^/#   /'; }
code=$(curl -s -o "$T_DIR/recall.html" -w '%{http_code}' -b "$RJ" "$W_URL/console/recall?site=$site&from=2000-01-01&to=2100-01-01")
[ "$code" = 200 ] && ! grep -q '张\|李' "$T_DIR/recall.html" &&
    ok "the recall page draws it, without household names" || not_ok "the recall page ($code)"

# Live: from the start of the log, the events carry every refused entry;
# from its end, none, and a mark to resume from.
curl -s -m 5 -b "$RJ" -H 'Last-Event-ID: 0' -D "$T_DIR/sse.h" "$W_URL/console/live/events" >"$T_DIR/sse.txt"
grep -qi '^content-type: text/event-stream' "$T_DIR/sse.h" &&
    ok "live events are text/event-stream" || not_ok "live events' type"
n_ev=$(grep -c '^event: refusal' "$T_DIR/sse.txt")
n_led=$(lpg --json log 2>/dev/null | python3 -c 'import json,sys
n=0
for line in sys.stdin:
    line=line.strip()
    if not line: continue
    try: e=json.loads(line)
    except ValueError: continue
    o=e.get("outcome") or {}
    n+= o.get("status") not in (None, "OK", "STATUS_OK")
print(n)' 2>/dev/null)
[ "$n_ev" -gt 0 ] && ok "the feed carries the ledger's refusals ($n_ev; the log says ${n_led:-?})" ||
    not_ok "no refusal in the live feed"
last=$(sed -n 's/^id: //p' "$T_DIR/sse.txt" | tail -n 1)
curl -s -m 5 -b "$RJ" -H "Last-Event-ID: $last" "$W_URL/console/live/events" >"$T_DIR/sse2.txt"
! grep -q '^event: refusal' "$T_DIR/sse2.txt" && grep -q "^id: $last" "$T_DIR/sse2.txt" &&
    ok "resumed from Last-Event-ID $last: nothing again, the same mark" ||
    not_ok "resuming from $last repeated events or lost the mark"

# Pages answer, and a page without a session does not.
for p in reports reports/refused reports/coverage hazards live; do
    code=$(curl -s -o /dev/null -w '%{http_code}' -b "$RJ" "$W_URL/console/$p")
    [ "$code" = 200 ] && ok "/console/$p answers" || not_ok "/console/$p answers $code"
done
code=$(curl -s -o /dev/null -w '%{http_code}' "$W_URL/console/api/reports/refused")
[ "$code" = 401 ] && ok "without a session the JSON is refused (401)" || not_ok "without a session: $code"

t_done
