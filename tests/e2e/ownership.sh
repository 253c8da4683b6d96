# ownership.sh - each service records only the kinds of event it owns
# (DESIGN.md §7 "Boundaries every service keeps"): a signed event of every
# kind, sent through the real client to every running service, is refused
# (INVALID EWRONGSERVICE, naming the owner) by all but its owner, one by
# one and in a SubmitMany. The red-team attack of issue 9: a station
# scanner pointed at lpg-inspectiond gets no ALLOW, and an ALLOW another
# service recorded (as lpg-inspectiond once did) opens no fill; `lpgtrace
# verify` names such an entry and fails.
. "$LPG_ROOT/tests/e2e/lib.sh"

H="$T_DIR/home"
t_home "$H" && ok "home" || not_ok "home"
check "two companies, two stations, 20 cylinders" lpgtrace --home "$H" gen --companies 2 --sites 2 --devices 2 --cylinders 20 --fills 0 --seed 9 --codes "$T_DIR/codes.txt"
for s in registry filling delivery inspection trace order; do
    t_daemon $s "$H" && ok "$s up" || not_ok "$s up"
done

lpgtrace keygen --out "$H/keys/scanner0" >/dev/null
lpgtrace --home "$H" device enroll --key "$H/keys/scanner0" --company C9-0 --site S9-0 --role filling-scanner >/dev/null
S="$T_DIR/s0"
mkdir -p "$S/keys"
cp "$H/keys/scanner0.pem" "$H/keys/scanner0.curve" "$H/keys/filling.curve.pub" "$H/keys/authority.pub" "$S/keys/"
printf 'device.key = keys/scanner0\ndevice.site = S9-0\ndevice.operator = staff-S9-0-0\n%s\n' \
    "$(grep '^endpoint.filling' "$H/lpgtrace.conf")" >"$S/lpgtrace.conf"
ok "a station scanner at S9-0"

# The owner of each kind, as DESIGN.md §7 says (not as the code says).
owner() {
    case $1 in
    device_enroll | device_revoke | company_add | site_add | staff_add | \
        vehicle_add | user_add | pii_reveal | user_erase | user_pin | \
        cylinder_register | cylinder_update | cylinder_relabel | tip | \
        account_add | account_password | account_disable | \
        order_address) echo registry ;;
    fill_check | fill_record | fill_override) echo filling ;;
    dispatch | delivery | collection | station_return) echo delivery ;;
    household_inspection | hazard_escalation | periodic_inspection | \
        hazard_rectified) echo inspection ;;
    order_place | order_accept | order_assign | order_out | \
        order_delivered | order_cancel | order_refuse) echo order ;;
    *) echo unknown ;;
    esac
}

# judge FILE: every line "SERVICE KIND STATUS TOKEN: message" is a
# refusal naming the owner, or (from the owner) anything but that.
judge() {
    bad=0 refused=0 owned=0
    while read -r svc kind status token rest; do
        [ "$kind" = "*" ] && continue
        own=$(owner "$kind")
        if [ "$own" = unknown ]; then
            echo "# $kind: a kind this test does not know"
            bad=$((bad + 1))
        elif [ "$own" = "$svc" ]; then
            if [ "$token" = "EWRONGSERVICE:" ] || [ "$status" = "no" ]; then
                echo "# $svc refused its own $kind: $status $token $rest"
                bad=$((bad + 1))
            fi
            owned=$((owned + 1))
        elif [ "$status $token" != "INVALID EWRONGSERVICE:" ] ||
            ! echo "$rest" | grep -q "lpg-${own}d"; then
            echo "# $svc took in $kind ($own's): $status $token $rest"
            bad=$((bad + 1))
        else
            refused=$((refused + 1))
        fi
    done <"$1"
}

all_refused=0 all_owned=0 all_bad=0
for s in registry filling delivery inspection trace order; do
    kinds send "$H" "$H/keys/scanner0" $s >"$T_DIR/k.$s" 2>&1
    st=$?
    judge "$T_DIR/k.$s"
    n=$(wc -l <"$T_DIR/k.$s")
    if [ $st -eq 0 ] && [ "$bad" -eq 0 ] && [ "$n" -eq 36 ]; then
        ok "lpg-${s}d: $owned own kinds taken in, $refused others refused"
    else
        not_ok "lpg-${s}d: exit $st, $n answers, $bad wrong"
        sed 's/^/#   /' "$T_DIR/k.$s"
    fi
    all_refused=$((all_refused + refused))
    all_owned=$((all_owned + owned))
done
[ $all_owned -eq 36 ] && [ $all_refused -eq $((36 * 6 - 36)) ] \
    && ok "each of the 36 kinds taken in by its one owner only" \
    || not_ok "$all_owned owned, $all_refused refused (wanted 36 and 180)"
grep "^inspection fill_check " "$T_DIR/k.inspection" >"$T_DIR/out"
check_out "a fill check at lpg-inspectiond: sent to lpg-fillingd instead" \
    "INVALID EWRONGSERVICE: a fill_check event is recorded by lpg-fillingd, not by lpg-inspectiond"

# Every kind in one SubmitMany: each foreign one refused in its own result,
# the rest judged in the same batch.
for s in filling trace; do
    kinds many "$H" "$H/keys/scanner0" $s >"$T_DIR/m.$s" 2>&1
    st=$?
    judge "$T_DIR/m.$s"
    if [ $st -eq 0 ] && [ "$bad" -eq 0 ] && [ $((owned + refused)) -eq 36 ] &&
        grep -q "^$s \* OK OK: 36 events answered" "$T_DIR/m.$s"; then
        ok "SubmitMany of every kind to lpg-${s}d: $refused refused, $owned judged"
    else
        not_ok "SubmitMany to lpg-${s}d: exit $st, $bad wrong"
        sed 's/^/#   /' "$T_DIR/m.$s"
    fi
done

# Bytes of any kind that do not decode (each SignedEvent without its key
# id and signature) are answered as such by every service, its own kinds
# and the others': the exact fault, not "send it elsewhere".
for s in filling order; do
    kinds bare "$H" "$H/keys/scanner0" $s >"$T_DIR/b.$s" 2>&1
    st=$?
    n=$(wc -l <"$T_DIR/b.$s")
    mal=$(grep -c " INVALID EMALFORMED: .*key_id" "$T_DIR/b.$s")
    if [ $st -eq 0 ] && [ "$n" -eq 36 ] && [ "$mal" -eq 36 ]; then
        ok "lpg-${s}d: 36 kinds without key id or signature, each answered malformed, naming the field"
    else
        not_ok "lpg-${s}d: exit $st, $n answers, $mal malformed"
        sed 's/^/#   /' "$T_DIR/b.$s" | head -8
    fi
done
check "nothing recorded so far breaks verify" lpgtrace --home "$H" verify

# Issue 9, appendix: the station's DENY, then the same check sent by a
# station configured with the inspection endpoint and key.
code=$(sed -n 1p "$T_DIR/codes.txt" | cut -d' ' -f1)
tare=$(sed -n 1p "$T_DIR/codes.txt" | cut -d' ' -f2)
grai=$(echo "$code" | sed 's|.*/8003/||; s|?.*||')
check_status "the station's own check: DENY" 1 \
    lpg-scan --home "$S" fill-check --code "$code" --tare-g 9000 --check all=fail
E="$T_DIR/evil"
cp -r "$S" "$E" && rm -f "$E/fill-allows"
cp "$H/keys/inspection.curve.pub" "$E/keys/filling.curve.pub"
sed -i "s|^endpoint.filling = .*|$(grep '^endpoint.inspection' "$H/lpgtrace.conf" | sed 's/inspection/filling/')|" "$E/lpgtrace.conf"
lpgtrace --home "$H" log >"$T_DIR/before" 2>&1
lpg-scan --home "$E" fill-check --code "$code" --tare-g 9000 --check all=fail >"$T_DIR/out" 2>&1
st=$?
if [ $st -ne 0 ] && ! grep -q "ALLOW" "$T_DIR/out"; then
    ok "the same check sent to lpg-inspectiond: no ALLOW (exit $st)"
else
    not_ok "lpg-inspectiond answered the fill check: exit $st"
    sed 's/^/#   /' "$T_DIR/out"
fi
check_out "refused as another service's kind" "EWRONGSERVICE"
lpgtrace --home "$H" log >"$T_DIR/after" 2>&1
cmp -s "$T_DIR/before" "$T_DIR/after" && ok "and nothing was recorded" \
    || { not_ok "the ledger changed"; diff "$T_DIR/before" "$T_DIR/after" | sed 's/^/#   /'; }

# An ALLOW recorded by lpg-inspectiond before this fix (written here
# straight into the ledger, as it was then): the fill gate refuses it.
kinds record "$H/ledger" inspection "$H/keys/scanner0" "$code" "$tare" S9-0 staff-S9-0-0 >"$T_DIR/rec" 2>"$T_DIR/rec.err" \
    && ok "a fill check recorded under lpg-inspectiond's name" || { not_ok "record"; sed 's/^/#   /' "$T_DIR/rec.err"; }
read -r forged seq <"$T_DIR/rec"
echo "$forged $grai" >>"$S/fill-allows"
check_status "fill-done naming it is refused" 1 \
    lpg-scan --home "$S" fill-done --allow "$forged" --full-g $((tare + 14500)) --leak ok
check_out "FILL_NO_ALLOW" "- FILL_NO_ALLOW"
check_out "because the wrong service recorded it" "recorded by inspection, not by the filling service"

# The same cylinder through the filling service: ALLOW, then the fill.
check "an honest check of that cylinder is allowed" \
    lpg-scan --home "$S" fill-check --code "$code" --tare-g "$tare" --check all=ok
allow=$(sed -n 's/^  allow id   \([0-9a-f]*\).*/\1/p' "$T_DIR/out")
check "and its fill recorded" \
    lpg-scan --home "$S" fill-done --allow "$allow" --full-g $((tare + 14500)) --leak ok

# verify names the entry, its kind and its service, and fails.
check_status "verify fails on a fill check lpg-inspectiond recorded" 1 lpgtrace --home "$H" verify
check_out "naming its seq, kind and service" \
    "DAMAGED: entry $seq: a fill_check event recorded by the inspection service; only filling records that kind \[EWRONGSERVICE\]"
t_done
