# csv_formula.sh - spreadsheet formula injection: the registry refuses
# ids that begin with = + - @, a tab or a CR (naming the field), and a
# station scanner's own hostile site and operator texts, recorded with its
# refused fill checks, reach `report refused --csv` and `report anomalies
# --csv` neutralised (a single quote in front, the cell quoted).
. "$LPG_ROOT/tests/e2e/lib.sh"

H="$T_DIR/home"
t_home "$H" && ok "home" || not_ok "home"
t_daemon registry "$H" && ok "registry up" || not_ok "registry up"
t_daemon filling "$H" && ok "filling up" || not_ok "filling up"
lpg() { lpgtrace --home "$H" "$@"; }

EVIL="=cmd|' /C calc'!A0"
check "company" lpg company add NT --name "NT Gas" --gs1-prefix 6905555 \
    --licence L-1 --licence-until 2030-12-31
check "station S1" lpg site add S1 --company NT --name "Station 1" \
    --kind filling
check "operator OP1" lpg staff add OP1 --company NT --site S1 \
    --role operator --name Op --cert C-1 --cert-until 2029-01-01

# --- refused at registration, the field named ---------------------------
check_status "a company id that is a formula is refused" 2 \
    lpg company add "$EVIL" --name X --gs1-prefix 6905556 --licence L-2
check_out "INVALID, naming the field" \
    "INVALID EINVAL: the company id begins with '=': no id may begin"
check_status "a site id beginning with @" 2 \
    lpg site add "@SUM(A1)" --company NT --name X --kind filling
check_out "naming the site id" "INVALID EINVAL: the site id begins with '@'"
check_status "a staff id beginning with +" 2 \
    lpg staff add "+1+cmd" --company NT --site S1 --role operator --name X \
    --cert C-9 --cert-until 2029-01-01
check_out "naming the staff id" "the staff id begins with '+'"
check_status "a vehicle plate beginning with -" 2 \
    lpg vehicle add "-2+3" --company NT --permit P-1 --permit-until 2029-01-01
check_out "naming the plate" "the vehicle plate begins with '-'"
check_status "a user id beginning with a tab is not even text" 2 \
    lpg user add "$(printf '\t=1+1')" --company NT --kind household \
    --name "张三" --id-card 320601199001011234
check_out "saying so" "the id is not text"
check_status "a user id that is a formula" 2 \
    lpg user add "$EVIL" --company NT --kind household --name "张三" \
    --id-card 320601199001011234
check_out "naming the user id" "the user id begins with '='"
check_status "a user's area that is a formula" 2 \
    lpg user add U7 --company NT --kind household --name "张三" \
    --id-card 320601199001011234 --area "=1+1"
check_out "naming the area" "the user's area begins with '='"
check_status "a gas-use certificate number that is a formula" 2 \
    lpg user add U7 --company NT --kind household --name "张三" \
    --id-card 320601199001011234 --gas-cert "@x"
check_out "naming it" "the gas-use certificate number begins with '@'"
printf 'id,company,kind,name,id_card\nU8,NT,household,李四,320601199001015678\n"-1+1",NT,household,王五,320601199001019999\n' \
    >"$T_DIR/users.csv"
check_status "an import with one such id" 1 lpg user import "$T_DIR/users.csv"
check_out "refuses that line, naming the field" \
    "line 3: .*the user id begins with '-'"
check_out "and records the good one" "1 recorded, 1 refused"
check "an id with = inside is fine" lpg user add "U=9" --company NT \
    --kind household --name "赵六" --id-card 320601199001010000
check "as is a plate with - inside" lpg vehicle add "SU-A001" --company NT \
    --permit P-1 --permit-until 2029-01-01
lpg user show "$EVIL" >"$T_DIR/out" 2>&1
check_out "nothing hostile was registered" "no user"

# --- a station scanner's own claims, recorded with its refusals ---------
mkdir -p "$T_DIR/st/keys"
lpgtrace keygen --out "$T_DIR/st/keys/dev" >/dev/null
lpg device enroll --key "$T_DIR/st/keys/dev" --company NT --site S1 \
    --role filling-scanner >/dev/null
cp "$H/keys/filling.curve.pub" "$H/keys/authority.pub" "$T_DIR/st/keys/"
printf 'device.key = keys/dev\ndevice.site = %s\ndevice.operator = %s\n%s\n' \
    "$EVIL" "@SUM(1+1)*cmd|' /C calc'!A0" \
    "$(grep '^endpoint.filling' "$H/lpgtrace.conf")" >"$T_DIR/st/lpgtrace.conf"
lpg cylinder add --company NT --type 00015 --serial C1 --tare-g 15000 \
    --fill-g 14500 --made 2022-01 --design-life-y 8 \
    --next-inspection 2028-01-01 --insurance-until 2028-01-01 \
    >"$T_DIR/c1.out" 2>&1
code=$(sed -n 's|^code *\(https://[^ ]*\).*|\1|p' "$T_DIR/c1.out")
[ -n "$code" ] && ok "a cylinder" || not_ok "a cylinder"
# Claims another site and another operator, and a tare 6 kg off: denied,
# and recorded for the audit with those texts.
check_status "the hostile scanner's fill check is denied and recorded" 1 \
    lpg-scan --home "$T_DIR/st" fill-check --code "$code" --tare-g 9000 \
    --check all=ok

check "report refused --csv" lpg report refused --csv
cp "$T_DIR/out" "$T_DIR/refused.csv"
check_out "the site claimed is neutralised" \
    "^\"'=cmd|' /C calc'!A0\",DEVICE_NOT_HERE,1$"
check "report anomalies --csv" lpg report anomalies --csv
cp "$T_DIR/out" "$T_DIR/anomalies.csv"
check_out "the operator claimed is neutralised" \
    ",\"'=cmd|' /C calc'!A0\",\"'@SUM(1+1)\*cmd|' /C calc'!A0\","
# No cell of either file, as a spreadsheet reads it, begins a formula.
for f in refused anomalies; do
    if python3 - "$T_DIR/$f.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
cells = [c for r in rows for c in r]
assert len(rows) > 1, rows
bad = [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")
       or (c[:1] == "-" and c != "-")]
sys.exit(1 if bad else 0)
PY
    then ok "no cell of report $f --csv begins a formula"
    else not_ok "a cell of report $f --csv begins a formula"; fi
done

t_done
