# tips.sh - a tip's sealed phone number, through the real lpg-webd,
# lpg-registryd and lpgtrace: `report tips` shows it masked; a regulator
# reveals one with `report tips --reveal SEQ --reason TEXT`, which first
# records a PiiReveal naming the tip, signed by the authority key, with
# its reason, and then shows the number in clear; refused without a
# reason, for a tip without a number or an entry that is no tip, and for
# a key that is not the regulator's (the registry says why, nothing is
# shown); afterwards the report is masked again.
. "$LPG_ROOT/tests/e2e/lib.sh"
. "$LPG_ROOT/tests/web/webd_env.sh"

H=$T_DIR/home
w_home "$H" >/dev/null && ok "home" || not_ok "home"
w_world "$H" && ok "services, a company, the gateway, a cylinder" || not_ok "world"
w_start "$H" && ok "lpg-webd up" || not_ok "lpg-webd up"
lpg() { lpgtrace --home "$H" "$@"; }
post() {
    curl -s -o "$T_DIR/page" -w '%{http_code}' -X POST "$@" "$W_URL/report"
}

st=$(post --data-urlencode "code=$W_CODE" --data-urlencode "category=black_market" \
    --data-urlencode "text=sold from a van" --data-urlencode "phone=138 0013 8000")
[ "$st" = 201 ] && ok "a tip with a phone number recorded" || not_ok "tip with a phone: $st"
st=$(post --data-urlencode "category=no_code" --data-urlencode "text=no code at all")
[ "$st" = 201 ] && ok "a tip without one recorded" || not_ok "tip without a phone: $st"

check "report tips --json" lpg report tips --json
cp "$T_DIR/out" "$T_DIR/tips.json"
seq_of() {
    python3 -c 'import json,sys
t = [x for x in json.load(open(sys.argv[1]))["tips"] if x["category"] == sys.argv[2]]
print(t[0]["seq"])' "$T_DIR/tips.json" "$1"
}
A=$(seq_of black_market)
B=$(seq_of no_code)
check "both listed" test -n "$A" -a -n "$B"
if grep -q '13800138000' "$T_DIR/tips.json"; then
    not_ok "the number is masked in the report"
else
    grep -q '"phone": "\*\**"' "$T_DIR/tips.json" &&
        ok "the number is masked in the report" || not_ok "no masked number in the report"
fi
reveals() { lpg log 2>/dev/null | grep -c 'pii_reveal'; }

check_status "--reveal without a reason is refused" 2 lpg report tips --reveal "$A"
check_out "saying it needs one" "needs --reason TEXT"
check_status "--reason without --reveal is refused" 2 lpg report tips --reason "why"
check_status "an empty reason is refused" 2 lpg report tips --reveal "$A" --reason ""
check "nothing recorded by the refusals" test "$(reveals)" -eq 0

lpgtrace keygen --out "$T_DIR/admin" >/dev/null
check "a company admin key enrolled" lpg device enroll --key "$T_DIR/admin" \
    --company NTGAS --role company-admin
check_status "a key that is not the regulator's may not reveal" 1 \
    lpg report tips --reveal "$A" --reason "curious" --as "$T_DIR/admin"
check_out "the registry says only the authority reveals" "only the authority key reveals personal data"
if grep -q '13800138000' "$T_DIR/out"; then not_ok "and shows nothing"; else ok "and shows nothing"; fi
check_status "a tip without a number: nothing to reveal" 1 \
    lpg report tips --reveal "$B" --reason "case 7"
check_out "saying so" "is not a tip with a phone number"
check_status "an entry that is no tip: nothing to reveal" 1 \
    lpg report tips --reveal 0 --reason "case 7"
check "no reveal recorded yet" test "$(reveals)" -eq 0

check "the regulator reveals it, with a reason" \
    lpg report tips --reveal "$A" --reason "black-market case 42"
check_out "the number in clear" "phone 13800138000 (revealed under entry [0-9]*)"
check_out "and the entry that records it, with its reason" \
    "revealed under entry [0-9]* (reason: black-market case 42)"
R=$(sed -n 's/^revealed under entry \([0-9]*\) .*/\1/p' "$T_DIR/out")
check "the reveal is in the log" test "$(reveals)" -eq 1
# The entry as the log keeps it (the signed event's bytes, in which
# protobuf keeps strings as they are): the reveal, the tip's id, the
# reason.
lpg log --raw --from "$R" --limit 1 >"$T_DIR/raw" 2>&1
python3 - "$T_DIR/raw" "$R" >"$T_DIR/py" 2>&1 <<'PY'
import base64, re, sys
line = open(sys.argv[1]).read().split()
assert line[0] == sys.argv[2], line[:1]
raw = base64.b64decode(line[1])
assert b"black-market case 42" in raw, "no reason"
assert re.search(rb"tip/[0-9a-f]{32}", raw), "no tip id"
print("logged ok")
PY
if grep -q "logged ok" "$T_DIR/py"; then
    ok "entry $R holds the reveal of the tip, with its reason"
else
    not_ok "the reveal's entry and reason in the log"
    sed 's/^/#   /' "$T_DIR/py" | head -10
fi
lpg log --from "$R" --limit 1 >"$T_DIR/out" 2>&1
check_out "and the log names it" "pii_reveal"
grep -q "revealed the phone of tip/[0-9a-f]* to device" "$T_DIR/registry.log" &&
    ok "the registry logs the reveal" || not_ok "the registry logs the reveal"
check "--json reveals too" lpg report tips --json --reveal "$A" --reason "case 42, again"
python3 -c 'import json,sys
t = json.load(open(sys.argv[1]))["tips"]
assert len(t) == 1 and t[0]["phone"] == "13800138000" and t[0]["reveal_seq"] > int(sys.argv[2])
' "$T_DIR/out" "$R" && ok "one tip, its number and its reveal's entry" ||
    not_ok "--json reveal"
check "two reveals in the log" test "$(reveals)" -eq 2
check "report tips afterwards" lpg report tips
if grep -q '13800138000' "$T_DIR/out"; then
    not_ok "masked again"
else
    ok "masked again"
fi
lpg verify >"$T_DIR/verify" 2>&1 && ok "the ledger verifies" ||
    { not_ok "the ledger verifies"; sed 's/^/#   /' "$T_DIR/verify" | tail -5; }
t_done
