# now_line.sh - the "Now" line is right at every step: one cylinder walked
# through the real daemons (register -> fill at S1 -> dispatch -> deliver
# to U1 -> collect -> return to S2 -> refill at S2 -> periodic inspection
# failed: scrapped), and after each step where it is now, as four readers
# say it:
#
#   show     lpgtrace cylinder show --json   (the registry's state)
#   show-txt lpgtrace cylinder show          (its plain lines)
#   json     lpgtrace trace --json           (its "now" object)
#   now      lpgtrace trace                  (its "Now: ..." line)
#
# Each is cut to the same four fields, status|custody|holder|site ("-"
# for none), in the words of lib/domain/words.c; the holder is the user
# it was delivered to, the site the last station it was seen at (filled,
# dispatched, returned). Seven checks a step: cylinder show says what the
# step should produce (status and custody; holder and site), its plain
# lines say what its JSON says; trace's "now" says what the step should
# produce, its Now line says what its "now" says, and both say what
# cylinder show says: one projection of the log, not two.
. "$LPG_ROOT/tests/e2e/lib.sh"

H="$T_DIR/home"
t_home "$H" && ok "home" || not_ok "home"
for d in registry filling delivery inspection trace; do
    t_daemon $d "$H" && ok "$d up" || not_ok "$d up"
done
lpg() { lpgtrace --home "$H" "$@"; }

check "company" lpg company add NT --name "NT Gas" --gs1-prefix 6905555 --licence L-1 --licence-until 2030-12-31
check "station S1" lpg site add S1 --company NT --name "Station 1" --kind filling --lat 32.01 --lon 120.86
check "station S2, next to it" lpg site add S2 --company NT --name "Station 2" --kind filling --lat 32.02 --lon 120.87
check "operator at S1" lpg staff add OP1 --company NT --site S1 --role operator --name "Op 1" --cert C-OP1 --cert-until 2029-01-01
check "operator at S2" lpg staff add OP2 --company NT --site S2 --role operator --name "Op 2" --cert C-OP2 --cert-until 2029-01-01
check "driver" lpg staff add DRV1 --company NT --role driver --name "Driver" --cert C-D1 --cert-until 2029-01-01
check "inspector" lpg staff add IN1 --company NT --role inspector --name "Insp" --cert C-IN1 --cert-until 2029-01-01
check "vehicle" lpg vehicle add SU-A001 --company NT --permit P-1 --permit-until 2029-01-01
check "household" lpg user add U1 --company NT --kind household --name "Zhang San" --id-card 320601199001011234 --gas-cert GC-U1

# device DIR ROLE OPERATOR SERVICE SITE [enrol options]: a device home
# enrolled with ROLE, speaking to SERVICE, its steps signed at SITE.
device() {
    dir=$1 role=$2 operator=$3 service=$4 site=$5
    shift 5
    mkdir -p "$dir/keys"
    lpgtrace keygen --out "$dir/keys/dev" >/dev/null
    lpg device enroll --key "$dir/keys/dev" --company NT --role "$role" "$@" >/dev/null || return 1
    cp "$H/keys/$service.curve.pub" "$H/keys/authority.pub" "$dir/keys/"
    printf 'device.key = keys/dev\ndevice.site = %s\ndevice.operator = %s\n%s\n' \
        "$site" "$operator" "$(grep "^endpoint.$service " "$H/lpgtrace.conf")" >"$dir/lpgtrace.conf"
}
check "scanner at S1" device "$T_DIR/s1" filling-scanner OP1 filling S1 --site S1
check "scanner at S2" device "$T_DIR/s2" filling-scanner OP2 filling S2 --site S2
check "the driver's handheld, on SU-A001" device "$T_DIR/hh" handheld DRV1 delivery S1
echo "device.vehicle = SU-A001" >>"$T_DIR/hh/lpgtrace.conf"
check "an inspection body" device "$T_DIR/body" inspection-body IN1 inspection BODY-1

# U1's gas-use certificate, signed by the company's admin key.
lpgtrace keygen --out "$T_DIR/nt-admin" >/dev/null
lpg device enroll --key "$T_DIR/nt-admin" --company NT --role company-admin >/dev/null
GC_U1=$(lpg user cert U1 --until 2030-12-31 --as "$T_DIR/nt-admin" 2>/dev/null)
[ -n "$GC_U1" ] && ok "U1's gas-use certificate" || not_ok "no gas-use certificate for U1"

# ------------------------------------------------------------ the readers

# fields KIND FILE [TRACE_JSON]: what a reader's output FILE says, as
# status|custody|holder|site ("-" for none), KIND being show (cylinder
# show --json), show-txt (cylinder show), json (trace --json) or now
# (trace). Holder and site are read under the names "holder" and "site"
# (or "last_site"; plain "holder", "site" or "last site"). A quarantined
# status counts as "quarantined", whatever its reason in brackets says.
#
# The Now line is "Now: STATUS, CUSTODY[ WHERE] (since ...)": WHERE must
# name the holder when there is one and the site when the cylinder is at
# a station, and no other user or site; elsewhere naming the site is
# optional. So for now, the site and holder reported are the users
# (U<n>) and sites (S<n>, BODY-<n>) WHERE names, and a site it need not
# name (TRACE_JSON's "now" says which) reads as that one when not named.
fields() {
    python3 - "$@" <<'EOF'
import json, re, sys
kind, path = sys.argv[1], sys.argv[2]
STATUS = ["in service", "quarantined", "scrapped"]
AT_STATION = ["empty at a station", "full at a station"]
CUSTODY = AT_STATION + ["in transit", "at a user",
                        "collected by a driver, not back at a station"]
def norm(v):
    v = str(v).strip() if v is not None else ""
    return v if v else "-"
def out(s, c, h, site):
    s = norm(s)
    if s.startswith("quarantined"):
        s = "quarantined"
    print("|".join([s, norm(c), norm(h), norm(site)]))
text = open(path, encoding="utf-8").read()
if kind in ("show", "json"):
    d = json.loads(text)
    if kind == "json":
        d = d["now"]
    out(d.get("status"), d.get("custody"), d.get("holder"),
        d.get("site", d.get("last_site")))
    sys.exit(0)
if kind == "show-txt":
    f = {}
    for line in text.splitlines():
        m = re.match(r"^  (status|custody|holder|site|last site) +(.*)$", line)
        if m:
            f[m.group(1)] = m.group(2)
    out(f.get("status"), f.get("custody"), f.get("holder"),
        f.get("site", f.get("last site")))
    sys.exit(0)
lines = [l for l in text.splitlines() if l.startswith("Now: ")]
if len(lines) != 1:
    sys.exit("%d 'Now:' lines" % len(lines))
rest = lines[0][len("Now: "):]
s = next((w for w in STATUS if rest.startswith(w)), None)
if s is None:
    sys.exit("no status in: " + lines[0])
rest = re.sub(r"^ \([^)]*\)", "", rest[len(s):])
if not rest.startswith(", "):
    sys.exit("no ', ' after the status in: " + lines[0])
rest = rest[2:]
c = next((w for w in CUSTODY if rest.startswith(w)), None)
if c is None:
    sys.exit("no custody in: " + lines[0])
where = re.sub(r" \(since [^)]*\)$", "", rest[len(c):])
words = [w.strip(",;:()") for w in where.split()]
users = ",".join(w for w in words if re.match(r"^U[0-9]+$", w))
sites = ",".join(w for w in words if re.match(r"^(S[0-9]+|BODY-[0-9]+)$", w))
if not sites and c not in AT_STATION and len(sys.argv) > 3:
    sites = json.load(open(sys.argv[3], encoding="utf-8"))["now"].get("site")
out(s, c, users, sites)
EOF
}

# read_all STEP: the four readers' fields after STEP, in $T_DIR/STEP.KIND
# (each reader's own output beside it, in $T_DIR/STEP.KIND.out).
read_all() {
    lpg cylinder show "$GRAI" --json >"$T_DIR/$1.show.out" 2>&1
    lpg cylinder show "$GRAI" >"$T_DIR/$1.show-txt.out" 2>&1
    lpg trace "$GRAI" --json >"$T_DIR/$1.json.out" 2>&1
    lpg trace "$GRAI" >"$T_DIR/$1.now.out" 2>&1
    for k in show show-txt json now; do
        fields "$k" "$T_DIR/$1.$k.out" "$T_DIR/$1.json.out" >"$T_DIR/$1.$k" 2>&1 ||
            echo "unreadable: $(tail -1 "$T_DIR/$1.$k")" >"$T_DIR/$1.$k"
    done
}

# line STEP KIND: what reader KIND printed after STEP, as shown on a
# mismatch: the Now line itself, trace's "now" object, the fields of
# cylinder show --json (or its lines) that say where the cylinder is.
line() {
    f="$T_DIR/$1.$2.out"
    case $2 in
    now) grep '^Now: ' "$f" || head -3 "$f" ;;
    json | show) python3 -c 'import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
if sys.argv[2] == "json":
    print(json.dumps(d["now"], ensure_ascii=False))
else:
    print(", ".join("%s: %s" % (k, json.dumps(d[k], ensure_ascii=False) if k in d else "(none)")
                    for k in ("status", "custody", "holder", "site")))' "$f" "$2" 2>/dev/null ||
        head -3 "$f" ;;
    show-txt) grep -E '^  (status|custody|holder|site|last site) ' "$f" | tr -s ' ' ;;
    esac
}

# same WHAT GOT WANT STEP A [B]: ok if GOT equals WANT; else both, and
# what readers A (and B) printed.
same() {
    if [ "$2" = "$3" ]; then
        ok "$1"
    else
        not_ok "$1"
        echo "#   got  $2"
        echo "#   want $3"
        line "$4" "$5" | sed "s/^/#   $5: /"
        [ -z "${6:-}" ] || line "$4" "$6" | sed "s/^/#   $6: /"
    fi
}

# after STEP STATUS CUSTODY HOLDER SITE: the seven checks of one step.
after() {
    read_all "$1"
    show=$(cat "$T_DIR/$1.show")
    json=$(cat "$T_DIR/$1.json")
    same "after $1, cylinder show: $2, $3" \
        "$(echo "$show" | cut -d'|' -f1,2)" "$2|$3" "$1" show
    same "after $1, cylinder show: holder $4, site $5" \
        "$(echo "$show" | cut -d'|' -f3,4)" "$4|$5" "$1" show
    same "after $1, cylinder show's lines say what its --json says" \
        "$(cat "$T_DIR/$1.show-txt")" "$show" "$1" show-txt show
    same "after $1, trace --json \"now\": $2, $3, holder $4, site $5" \
        "$json" "$2|$3|$4|$5" "$1" json
    same "after $1, trace's \"Now:\" line says what its \"now\" says" \
        "$(cat "$T_DIR/$1.now")" "$json" "$1" now json
    same "after $1, trace's \"now\" says what cylinder show says" \
        "$json" "$show" "$1" json show
    same "after $1, trace's \"Now:\" line says what cylinder show says" \
        "$(cat "$T_DIR/$1.now")" "$show" "$1" now show
}

# ------------------------------------------------------------ the steps

hh() { lpg-scan --home "$T_DIR/hh" "$@" --code "$CODE" --json >"$T_DIR/ans" 2>&1; }
# fill DIR: a fill check and a fill record by the scanner of DIR.
fill() {
    lpg-scan --home "$1" fill-check --json --code "$CODE" --tare-g 15100 --check all=ok >"$T_DIR/ans" 2>&1 || return 1
    id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["check_id"])' "$T_DIR/ans") || return 1
    lpg-scan --home "$1" fill-done --allow "$id" --full-g 29500 --leak ok >"$T_DIR/ans" 2>&1
}
# step WHAT COMMAND...: the step, accepted.
step() {
    what=$1
    shift
    if "$@"; then
        ok "$what"
    else
        not_ok "$what (exit $?)"
        sed 's/^/#   /' "$T_DIR/ans" | head -20
    fi
}

lpg cylinder add --company NT --type 00015 --serial NOW1 --tare-g 15000 --fill-g 14500 \
    --made 2022-01 --design-life-y 8 --next-inspection 2028-01-01 --insurance-until 2028-01-01 \
    >"$T_DIR/ans" 2>&1
CODE=$(sed -n 's|^code *\(https://[^ ]*\).*|\1|p' "$T_DIR/ans")
GRAI=$(echo "$CODE" | sed 's|.*/8003/||; s|?.*||')
[ -n "$GRAI" ] && ok "registered: $GRAI" || not_ok "registered (no code)"
after register "in service" "empty at a station" - -

step "filled at S1" fill "$T_DIR/s1"
after fill "in service" "full at a station" - S1

step "dispatched from S1" hh dispatch
after dispatch "in service" "in transit" - S1

step "delivered to U1" hh deliver --user U1 --gas-cert "$GC_U1" \
    --check hose=ok --check regulator=ok --check valve=ok --check leak=ok --check stove=ok --check storage=ok
after deliver "in service" "at a user" U1 S1

# Collected from U1: the ledger keeps U1 as the holder (the user it was
# delivered to, and collected from) until it is back at a station.
step "collected from U1" hh collect --user U1
after collect "in service" "collected by a driver, not back at a station" U1 S1

step "returned to S2" hh return --site S2
after return "in service" "empty at a station" - S2

step "refilled at S2" fill "$T_DIR/s2"
after refill "in service" "full at a station" - S2

# The inspection body finds it unfit: scrapped where it stands (BODY-1 is
# no station, so the site stays S2).
periodic() { lpg-scan --home "$T_DIR/body" periodic --code "$CODE" --pass no >"$T_DIR/ans" 2>&1; }
step "periodic inspection failed" periodic
after periodic "scrapped" "full at a station" - S2

check "the ledger verifies" lpg verify
t_done
