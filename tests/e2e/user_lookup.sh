# user_lookup.sh - the registry's user look-ups through a real
# lpg-registryd: by ID card through the by_id_hmac index (kept with the
# users, rebuilt by `lpgtrace rebuild`, compared by `verify`, filled when
# an older ledger gains it), and answered only to the roles that need
# them: the regulator every user; a company's admin, station, driver and
# inspector devices their company's users; other devices none.
. "$LPG_ROOT/tests/e2e/lib.sh"

H="$T_DIR/home"
L="lpgtrace --home $H"
t_home "$H" && ok "home" || not_ok "home"
t_daemon registry "$H" && ok "registry up" || not_ok "registry up"

check "company C1" $L company add C1 --name "C1 Gas" --gs1-prefix 6901234 \
    --licence L-1
check "company C2" $L company add C2 --name "C2 Gas" --gs1-prefix 6905678 \
    --licence L-2
A=320601199001011234 # a customer of both companies
B=320601199001015678 # of C1 only
C=320601199001019999 # of C2 only
check "U1: C1's customer A" $L user add U1 --company C1 --kind household \
    --name "张三" --id-card $A
check "U2: C2's customer A" $L user add U2 --company C2 --kind household \
    --name "张三" --id-card $A
check "U3: C1's customer B" $L user add U3 --company C1 --kind restaurant \
    --name "李四" --id-card $B
check "U4: C2's customer C" $L user add U4 --company C2 --kind household \
    --name "王五" --id-card $C

# dev NAME COMPANY ROLE: a device's home that asks the registry.
dev() {
    mkdir -p "$T_DIR/$1/keys"
    lpgtrace keygen --out "$T_DIR/$1/keys/dev" >/dev/null
    $L device enroll --key "$T_DIR/$1/keys/dev" --company "$2" --role "$3" \
        >/dev/null || return 1
    cp "$H/keys/registry.curve.pub" "$H/keys/pii.hmac" "$T_DIR/$1/keys/"
    printf 'device.key = keys/dev\n%s\n' \
        "$(grep '^endpoint.registry' "$H/lpgtrace.conf")" \
        >"$T_DIR/$1/lpgtrace.conf"
}
check "C1's admin device" dev c1admin C1 company-admin
check "C1's driver's handheld" dev c1hh C1 handheld
check "C1's inspector's device" dev c1insp C1 inspector
check "an inspection body's device" dev body C1 inspection-body

# --- the regulator: every company's users ---------------------------------
check "the regulator finds A" $L user find --id-card $A
check_out "at C1" "^U1	household	C1	"
check_out "and at C2" "^U2	household	C2	"
check "and shows C2's user" $L user show U2

# --- a company's devices: its own users only --------------------------------
check "C1's admin finds A" lpgtrace --home "$T_DIR/c1admin" user find \
    --id-card $A
check_out "as C1's customer" "^U1	household	C1	"
if grep -q "U2" "$T_DIR/out"; then
    not_ok "C1's admin sees C2's customer"
else
    ok "and not as C2's"
fi
check_status "C1's admin does not find C2's customer C" 1 \
    lpgtrace --home "$T_DIR/c1admin" user find --id-card $C
check_out "saying so" "no user of company C1 with this ID card"
check "C1's admin shows U3" lpgtrace --home "$T_DIR/c1admin" user show U3
check_out "masked" "name        李\*"
check_status "C1's admin may not show C2's U2" 1 \
    lpgtrace --home "$T_DIR/c1admin" user show U2
check_out "UNAUTHORIZED, saying why" \
    "EPERM: user 'U2' is not of company 'C1': this device"
check "C1's driver shows U1" lpgtrace --home "$T_DIR/c1hh" user show U1
check_status "but not U4" 1 lpgtrace --home "$T_DIR/c1hh" user show U4
check_out "UNAUTHORIZED" "EPERM: user 'U4' is not of company"
check "C1's inspector finds B" lpgtrace --home "$T_DIR/c1insp" user find \
    --id-card $B
check_out "as U3" "^U3	restaurant	C1	"

# --- a device with no household to serve: none ------------------------------
check_status "an inspection body may not show a user" 1 \
    lpgtrace --home "$T_DIR/body" user show U1
check_out "UNAUTHORIZED, saying who may" \
    "EPERM: this device may not look users up: only the regulator"
check_status "the status is UNAUTHORIZED" 1 \
    lpgtrace --home "$T_DIR/body" --json user show U1
check_out "as such" '"status": *"UNAUTHORIZED"'
check_status "nor find one by ID card" 1 \
    lpgtrace --home "$T_DIR/body" user find --id-card $A
check_out "UNAUTHORIZED" "EPERM: this device may not look users up"

# --- the index is state: rebuilt, verified, filled on upgrade ---------------
check "rebuild" $L rebuild
check_out "gives the identical state, index included" \
    "identical: the live state was the log's projection"
check "after the rebuild the regulator still finds A" $L user find \
    --id-card $A
check_out "at both companies" "^U2	household	C2	"
check "and C1's admin too" lpgtrace --home "$T_DIR/c1admin" user find \
    --id-card $B
check_out "as U3" "^U3	restaurant	C1	"

ledger_tamper clearindex "$H/ledger" 0
check_status "an emptied index is caught by verify" 1 $L verify
check_out "naming the table" \
    "state table 'by_id_hmac' does not match the log (0 rows stored, 4 from replay)"
check_status "rebuild says the live state differed" 1 $L rebuild
check_out "and rebuilds it" "DIFFERENT: the live state did not match the log"
check "then the ledger verifies" $L verify
check "and A is found again" $L user find --id-card $A
check_out "at C1" "^U1	household	C1	"

# A ledger written before the index existed: the registry fills it from
# the users table when it opens the ledger, as a replay would.
kill "$T_PID_registry" 2>/dev/null
wait "$T_PID_registry" 2>/dev/null
ledger_tamper dropindex "$H/ledger" 0
check_status "without the table a read-only open says what to do" 2 \
    $L verify
check_out "naming the table" "has no table 'by_id_hmac'"
t_daemon registry "$H" && ok "registry up again" || not_ok "registry up again"
grep -q "added the table 'by_id_hmac', filled from the state" \
    "$T_DIR/registry.log" && ok "the registry filled the new table" \
    || not_ok "the new table was not filled"
check "A is found" $L user find --id-card $A
check_out "at C2" "^U2	household	C2	"
check "rebuild" $L rebuild
check_out "finds the filled table identical to a replay" \
    "identical: the live state was the log's projection"

t_done
