# order_cert.sh - an order's gas-use certificate through the real
# lpg-orderd, whose signature is checked on the signature threads before
# the write transaction (lpg_order_precheck) and judged inside it: a good
# one places the order; a spoiled signature is GAS_CERT_FORGED; another
# company's household's, signed by that company's admin, is
# GAS_CERT_NOT_ISSUER (and another user's); one whose issuer was revoked
# since is GAS_CERT_REVOKED; a certificate checked once is not checked
# again (the same text with the same key), a spoiled copy of it or a new
# one is; and orders sent at once, good and forged mixed (so
# that they share batches), each get their own answer.
. "$LPG_ROOT/tests/e2e/lib.sh"

H="$T_DIR/home"
t_home "$H" && ok "home" || not_ok "home"
for s in registry order; do
    t_daemon $s "$H" && ok "$s up" || not_ok "$s up"
done
lpg() { lpgtrace --home "$H" "$@"; }

check "company NT" lpg company add NT --name "NT Gas" --gs1-prefix 6905555 --licence L-1 --licence-until 2030-12-31
check "company OT" lpg company add OT --name "Other Gas" --gs1-prefix 6905556 --licence L-2 --licence-until 2030-12-31
# nine households, each with a valid ID-card number
python3 - "$T_DIR/users.csv" <<'PY'
import sys
w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
with open(sys.argv[1], "w") as f:
    f.write("id,company,kind,name,id_card,area,gas_cert,leak_alarm\n")
    for i in range(1, 10):
        card = "3206011990010%04d" % (1000 + i)
        card += "10X98765432"[sum(int(c) * k for c, k in zip(card, w)) % 11]
        f.write("U%d,NT,household,User %d,%s,320602001,GC-U%d,no\n" % (i, i, card, i))
PY
check "nine households" lpg user import "$T_DIR/users.csv"
check "household U9" lpg user show U9
A="$T_DIR/nt-admin" B="$T_DIR/ot-admin" R="$T_DIR/gone-admin"
for k in "$A" "$B" "$R"; do lpgtrace keygen --out "$k" >/dev/null; done
check "NT's admin key" lpg device enroll --key "$A" --company NT --role company-admin
check "OT's admin key" lpg device enroll --key "$B" --company OT --role company-admin
check "NT's second admin key" lpg device enroll --key "$R" --company NT --role company-admin

tokens() {
    python3 -c 'import json,sys; print(" ".join(r["token"] for r in json.load(open(sys.argv[1])).get("reasons", [])))' "$1"
}
# spoil TEXT: the certificate with one character of its signature changed
spoil() {
    python3 -c 'import sys
t = sys.argv[1]
i = len(t) - 40
print(t[:i] + ("B" if t[i] == "A" else "A") + t[i + 1:])' "$1"
}
# order ID USER CERT: placed with NT's admin key; the answer in $T_DIR/ID
order() { lpg --json order place "$1" --company NT --user "$2" --spec YSP15 --gas-cert "$3" --as "$A" >"$T_DIR/$1" 2>&1; }
expect() { # what ID STATUS TOKENS
    rc=$? got=$(tokens "$T_DIR/$2" 2>/dev/null)
    if [ "$rc" -eq "$3" ] && [ "$got" = "$4" ]; then
        ok "$1${4:+: $4}"
    else
        not_ok "$1: exit $rc, reasons '$got', wanted $3 '$4'"
        sed 's/^/#   /' "$T_DIR/$2" | head -5
    fi
}

GC1=$(lpg user cert U1 --until 2030-12-31 --as "$A")
[ -n "$GC1" ] && ok "U1's certificate" || not_ok "U1's certificate"
order O1 U1 "$GC1"; expect "a good certificate" O1 0 ""
order O2 U1 "$(spoil "$GC1")"; expect "a spoiled signature" O2 1 "GAS_CERT_FORGED"
check "OT's household" lpg user add V1 --company OT --kind household --name "Other" --id-card 320601199001011234 --gas-cert GC-V1
GC2=$(lpg user cert V1 --until 2030-12-31 --as "$B")
order O3 U2 "$GC2"; expect "OT's household's, issued by OT's admin" O3 1 "GAS_CERT_NOT_ISSUER GAS_CERT_OTHER_USER"
GC4=$(lpg user cert U4 --until 2030-12-31 --as "$R")
order O5 U4 "$GC4"; expect "issued by NT's second admin" O5 0 ""
check "the second admin key revoked" lpg device revoke --key "$R" --reason "lost"
order O6 U4 "$GC4"; expect "its issuer revoked since" O6 1 "GAS_CERT_REVOKED"

# A certificate checked once is not checked again (lpg_work_total).
MPORT=$(sed -n 's/^metrics.order = //p' "$H/lpgtrace.conf")
checks() {
    python3 -c 'import sys, urllib.request
for l in urllib.request.urlopen(sys.argv[1], timeout=5).read().decode().splitlines():
    if l.startswith("lpg_work_total{") and "what=\"gascert_verify\"" in l:
        print(int(float(l.split()[-1])))' "http://127.0.0.1:$MPORT/metrics"
}
before=$(checks)
for i in 1 2 3 4 5; do
    order "Q$i" U1 "$GC1"; expect "U1's certificate again ($i)" "Q$i" 0 ""
done
n=$(($(checks) - before))
[ "$n" -eq 0 ] && ok "5 orders with U1's certificate, checked before: no signature checked" ||
    not_ok "5 orders with U1's certificate, checked before: $n signatures checked"
before=$(checks)
GC1B=$(lpg user cert U1 --until 2029-12-31 --as "$A")
order Q6 U1 "$GC1B"; expect "U1's new certificate" Q6 0 ""
order Q7 U1 "$GC1B"; expect "U1's new certificate again" Q7 0 ""
order Q8 U1 "$(spoil "$GC1B")"; expect "a spoiled copy of it" Q8 1 "GAS_CERT_FORGED"
order Q9 U1 "$(spoil "$GC1B")"; expect "the spoiled copy again" Q9 1 "GAS_CERT_FORGED"
n=$(($(checks) - before))
[ "$n" -eq 2 ] && ok "a new certificate and a spoiled copy, each sent twice: each checked once" ||
    not_ok "a new certificate and a spoiled copy, each sent twice: $n signatures checked, wanted 2"

# Good and forged at once: each its own answer, whatever batch it is in.
pids=""
for i in 5 6 7 8 9; do
    c=$(lpg user cert "U$i" --until 2030-12-31 --as "$A")
    order "P$i" "U$i" "$c" &
    pids="$pids $!"
    order "F$i" "U$i" "$(spoil "$c")" &
    pids="$pids $!"
done
for p in $pids; do wait "$p"; done
for i in 5 6 7 8 9; do
    got=$(tokens "$T_DIR/P$i" 2>/dev/null)
    st=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("status", ""))' "$T_DIR/P$i" 2>/dev/null)
    [ "$st" = OK ] && [ -z "$got" ] && ok "at once: P$i placed" ||
        { not_ok "at once: P$i: status '$st', reasons '$got'"; sed 's/^/#   /' "$T_DIR/P$i" | head -3; }
    got=$(tokens "$T_DIR/F$i" 2>/dev/null)
    [ "$got" = GAS_CERT_FORGED ] && ok "at once: F$i forged" ||
        { not_ok "at once: F$i: reasons '$got'"; sed 's/^/#   /' "$T_DIR/F$i" | head -3; }
done
t_done
