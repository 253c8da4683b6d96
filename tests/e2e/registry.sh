# registry.sh - the registry's admin commands through a real lpg-registryd:
# companies, sites, staff, vehicles, users with their personal data never
# in clear (reveal on the record, erasure that leaves the log verifying),
# cylinders with their codes, and bulk imports in chunks.
. "$LPG_ROOT/tests/e2e/lib.sh"

H="$T_DIR/home"
L="lpgtrace --home $H"
t_home "$H" && ok "home on free ports" || not_ok "home"
for k in pii.hmac registry.master; do
    m=$(stat -c %a "$H/keys/$k" 2>/dev/null)
    [ "$m" = 600 ] && ok "init wrote keys/$k, mode 0600" \
        || not_ok "keys/$k mode '$m'"
done
t_daemon registry "$H" && ok "registry up" || not_ok "registry up"

# --- companies, sites, staff, vehicles --------------------------------
check "add a company" $L company add C1 --name "Acme Gas" \
    --gs1-prefix 6901234 --licence JS-001 --licence-until 2030-12-31
check_out "recorded" "^OK OK: recorded (entry "
check "add another" $L company add C2 --name "Other Gas" \
    --gs1-prefix 6905678 --licence JS-002
check_status "the same company id twice is refused" 1 $L company add C1 \
    --name "Acme Gas" --gs1-prefix 6901234 --licence JS-001
check_out "saying why" "CONFLICT EEXIST: company 'C1' already exists"
check_status "a GS1 prefix that is not digits is bad usage" 2 $L company add \
    C3 --name X --gs1-prefix 69A1234 --licence L
check "add a filling station with coordinates" $L site add S1 --company C1 \
    --name "Station 1" --kind filling --lat 31.98 --lon 120.890001 \
    --area 320602
check_status "a site of an unknown company is refused" 1 $L site add S9 \
    --company NOPE --name X --kind supply
check_out "naming the company" "NOT_FOUND ENOTFOUND: no company 'NOPE'"
check_status "a latitude past 90 degrees is bad usage" 2 $L site add S8 \
    --company C1 --name X --kind filling --lat 91 --lon 120
check "add an operator at the station" $L staff add OP1 --company C1 \
    --site S1 --role operator --name "Wang Wu" --cert RQ-1 \
    --cert-until 2029-12-31
check_status "staff at a site that does not exist" 1 $L staff add OP9 \
    --company C1 --site S404 --role driver --name X --cert C \
    --cert-until 2029-12-31
check_out "is refused" "no site 'S404'"
check_status "C2's staff at C1's station" 1 $L staff add OP8 --company C2 \
    --site S1 --role operator --name X --cert C --cert-until 2029-12-31
check_out "is refused" "site 'S1' belongs to another company"
check "add a vehicle" $L vehicle add "苏F12345" --company C1 --permit P-1 \
    --permit-until 2028-01-01
check_status "a bad date is bad usage" 2 $L vehicle add "苏F0" --company C1 \
    --permit P-2 --permit-until 2028-13-01
check_out "naming the option" "\-\-permit-until '2028-13-01' is not a date"

# A company admin device signs for its own company, and only for it.
lpgtrace keygen --out "$T_DIR/c1admin" >/dev/null
check "enrol C1's admin device" $L device enroll --key "$T_DIR/c1admin" \
    --company C1 --role company-admin
check "C1's admin adds C1's driver" $L staff add DR1 --company C1 \
    --role driver --name "Li Si" --cert RQ-2 --cert-until 2029-12-31 \
    --as "$T_DIR/c1admin"
check_status "C1's admin cannot add C2's staff" 1 $L staff add DR2 \
    --company C2 --role driver --name "Zhao" --cert RQ-3 \
    --cert-until 2029-12-31 --as "$T_DIR/c1admin"
check_out "saying who may" \
    "UNAUTHORIZED EPERM: only the authority or this company's admin key"
check_status "nor add a company" 1 $L company add C7 --name X \
    --gs1-prefix 6907777 --licence L --as "$T_DIR/c1admin"
check_out "which is the authority's" "only the authority key adds companies"

# --- users and their personal data ------------------------------------
check "C1's admin adds a household" $L user add U1 --company C1 \
    --kind household --name "张三丰" --id-card 32060219800101123x \
    --phone "139-0513-7788" --address "南通市崇川区和平路8号" --area 320602 \
    --gas-cert GC-001 --leak-alarm yes --as "$T_DIR/c1admin"
check_status "the same user id twice is refused" 1 $L user add U1 \
    --company C1 --kind household --name "李四" --id-card 320602199001011234
check_out "saying why" "user 'U1' already exists"
check_status "a user of an unknown company is refused" 1 $L user add U2 \
    --company NOPE --kind restaurant --name "王五" --id-card 320602199001015678
check_out "naming the company" "no company 'NOPE'"
check "show the user" $L user show U1
check_out "with the masked name" "name        张\*丰"
if grep -q "张三丰\|32060219800101123" "$T_DIR/out"; then
    not_ok "show without --reveal shows clear data"
else
    ok "and no clear personal data"
fi
sync
if LC_ALL=C grep -a -q -F -e "张三丰" -e "32060219800101123" -e "13905137788" \
    -e "和平路" "$H/ledger/data.mdb"; then
    not_ok "personal data in clear in the ledger file"
else
    ok "no name, ID-card, phone or address in clear in the ledger file"
fi
check_status "--reveal needs a reason" 2 $L user show U1 --reveal
check "reveal, with a reason" $L user show U1 --reveal --reason "gas leak case 17"
check_out "shows the name" "name        张三丰"
check_out "the ID card, normalised" "id card     32060219800101123X"
check_out "the phone" "phone       13905137788"
check_out "the address" "address     南通市崇川区和平路8号"
check_out "and the entry that records it" "revealed under entry [0-9]* (reason: gas leak case 17)"
grep -q "revealed user 'U1' to device" "$T_DIR/registry.log" \
    && ok "the registry logs the reveal" || not_ok "reveal not logged"
check "find by ID card (spaces, lower case x)" $L user find \
    --id-card " 32060219800101123x"
check_out "finds U1, masked" "^U1	household	C1	张\*丰$"
check_status "an unknown ID card finds nobody" 1 $L user find \
    --id-card 110101199003077777
lpgtrace keygen --out "$T_DIR/c2admin" >/dev/null
$L device enroll --key "$T_DIR/c2admin" --company C2 --role company-admin \
    >/dev/null
check_status "another company's admin cannot erase C1's user" 1 \
    $L user erase U1 --reason "test" --as "$T_DIR/c2admin"
check_out "saying who may" "only the authority or this company's admin key"
check "erase the user" $L user erase U1 --reason "PIPL request 2024-03"
grep -q "user 'U1' erased: data key destroyed" "$T_DIR/registry.log" \
    && ok "the registry destroyed the data key" || not_ok "key not destroyed"
check_status "reveal after erasure fails" 1 $L user show U1 --reveal \
    --reason "after erasure"
check_out "saying the user was erased" "erased"
check "the user still shows, masked" $L user show U1
check_out "marked erased" "ERASED      entry [0-9]*: the personal data is destroyed"
check_status "erasing twice is refused" 1 $L user erase U1 --reason again
check "the ledger verifies after erasure" $L verify

# --- cylinders --------------------------------------------------------
check "add a cylinder" $L cylinder add --company C1 --type 00015 \
    --serial AB12 --tare-g 15300 --fill-g 14500 --maker "Maker-A" \
    --made 2023-05 --spec YSP-15 --water-ml 35500 --design-life-y 8 \
    --next-inspection 2027-05-01 --fill-site S1 --insurance-until 2026-12-31
check_out "prints the GRAI" "^grai      06901234000153AB12$"
check_out "and the short id" "^short id  0015-AB12-R1$"
code=$(sed -n 's/^code      //p' "$T_DIR/out")
check "code verify accepts the printed code" $L code verify "$code"
check_out "naming the cylinder" "grai:      06901234000153AB12"
check "cylinder show finds it by its code" $L cylinder show "$code"
check_out "in service" "status           in service"
check_out "empty at the station" "custody          empty at a station"
check_out "with its facts" "made             2023-05"
check "and by its GRAI, as JSON" $L --json cylinder show 06901234000153AB12
check_out "the serial" '"serial":"AB12"'
check_out "the next inspection" '"next_inspection":"2027-05-01"'
check_status "the same cylinder twice is refused" 1 $L cylinder add \
    --company C1 --type 00015 --serial AB12 --tare-g 15300 --fill-g 14500
check_out "saying why" "cylinder already registered"
check_status "a cylinder of an unknown company is refused" 1 $L cylinder add \
    --company NOPE --type 00015 --serial AB13 --tare-g 15300 --fill-g 14500
check_out "naming the company" "no company 'NOPE'"
check_status "an unknown cylinder is not found" 1 $L cylinder show \
    06901234000153ZZ99
check_out "saying so" "CYL_UNKNOWN"

# --- imports ------------------------------------------------------------
cat >"$T_DIR/cyl.csv" <<'EOF'
company,type,serial,tare_g,fill_g,made,next_inspection,fill_site
C1,00015,S0001,15300,14500,2023-05,2027-05-01,S1
C1,00015,S0002,15x00,14500,2023-05,2027-05-01,S1
C1,00015,S0003,15300,14500,2023-13,2027-05-01,S1
C1,00015,S0004,15300,14500,2023-05,tomorrow,S1
C1,00015,S0005,15300
C1,00015,S0001,15100,14500,,,S1
NOPE,00015,S0006,15300,14500,,,
C1,00015,AB12,15300,14500,,,

C1,00015,s0007,15300,14500,,,
C1,00015,S0008,15300,14500,,,S9
C1,00015,"S0009",15300,14500,2024-01,,S1
EOF
check_status "a cylinder import with bad lines exits 1" 1 $L cylinder import \
    "$T_DIR/cyl.csv"
check_out "bad number, with its line" "^line 3: bad: tare_g '15x00' is not a weight in grams$"
check_out "bad month" "^line 4: bad: made '2023-13' is not a month (YYYY-MM)$"
check_out "bad date" "^line 5: bad: next_inspection 'tomorrow' is not a date (YYYY-MM-DD)$"
check_out "missing column" "^line 6: bad: missing column 'fill_g' (4 fields, the header names 8)$"
check_out "duplicate in the file" "^line 7: bad: duplicate of line 2 (cylinder 06901234000153S0001)$"
check_out "unknown company, refused" "^line 8: refused: COMPANY_UNKNOWN: no company 'NOPE'$"
check_out "already registered, refused with its token" "^line 9: refused: EEXIST: cylinder already registered$"
check_out "bad serial (line 11: the blank line counts)" "^line 11: bad: serial 's0007' is not a steel-stamp serial"
check_out "unknown fill site, refused" "^line 12: refused: ENOTFOUND: no site 'S9'$"
check_out "the summary" "^2 recorded, 3 refused, 6 bad lines"
n=$(grep -c "^line " "$T_DIR/out")
[ "$n" -eq 9 ] && ok "exactly the nine lines reported" \
    || not_ok "$n lines reported"
check "a good line landed" $L cylinder show 06901234000153S0001
check_out "with its values" "made             2023-05"
check "the quoted one too" $L cylinder show 06901234000153S0009
check_status "a bad line did not" 1 $L cylinder show 06901234000153S0002
printf 'company,type,serial,colour\n' >"$T_DIR/hdr.csv"
check_status "an unknown column stops the import" 2 $L cylinder import \
    "$T_DIR/hdr.csv"
check_out "naming it" "unknown column 'colour'"
printf 'company,type,serial,tare_g\n' >"$T_DIR/hdr2.csv"
check_status "a missing required column stops it" 2 $L cylinder import \
    "$T_DIR/hdr2.csv"
check_out "naming it" "the header has no column 'fill_g'"

cat >"$T_DIR/users.csv" <<'EOF'
id,company,kind,name,id_card,phone,address,leak_alarm
U10,C1,household,李四,320602199001011234,13800000001,南通市1号,yes
U11,C1,hotel,王五,320602199001015678,,,
U12,C1,restaurant,赵六,3206,,,yes
U13,C1,restaurant,"钱 七",320602199001019999,,,maybe
U10,C1,household,孙八,320602199001010000,,,
U14,C2,business,周九,320602199001011111,,,no
U1,C1,household,吴十,320602199001012222,,,
U15,C1,restaurant,郑十一,320602199001013333,0513-8888 1234,,yes
EOF
check_status "a user import with bad lines exits 1" 1 $L user import \
    "$T_DIR/users.csv" --as "$T_DIR/c1admin"
check_out "bad kind" "^line 3: bad: the kind is household, restaurant or business$"
check_out "bad ID card" "^line 4: bad: the ID-card number is not 6 to 32 letters and digits$"
check_out "bad yes/no" "^line 5: bad: leak_alarm is yes or no$"
check_out "duplicate id" "^line 6: bad: duplicate of line 2 (user U10)$"
check_out "another company's user, refused" "^line 7: refused: EPERM: only the authority or this company's admin key"
check_out "an existing id, refused" "^line 8: refused: EEXIST: user 'U1' already exists$"
check_out "the summary" "^2 recorded, 2 refused, 4 bad lines"
check "an imported user reveals" $L user show U15 --reveal --reason "import check"
check_out "with the phone normalised" "phone       051388881234"
check_out "and the name" "name        郑十一"

# --- a big import, in chunks --------------------------------------------
python3 -c '
print("company,type,serial,tare_g,fill_g,maker,made,spec,water_ml,design_life_y,next_inspection,fill_site,insurance_until")
for i in range(5000):
    print("C1,00015,B%06d,%d,14500,Maker-A,2023-05,YSP-15,35500,8,2027-05-01,S1,2026-12-31" % (i, 15000 + i % 500))
' >"$T_DIR/big.csv"
before=$(grep -c "submit_many" "$T_DIR/registry.log")
start=$(date +%s)
check "5,000 cylinders import" $L cylinder import "$T_DIR/big.csv"
secs=$(( $(date +%s) - start ))
check_out "all of them" "^5000 recorded, 0 refused, 0 bad lines"
[ "$secs" -le 60 ] && ok "in ${secs}s" || not_ok "took ${secs}s"
chunks=$(( $(grep -c "submit_many" "$T_DIR/registry.log") - before ))
# limit.batch (256) and limit.message_bytes (64 KiB) bound each chunk.
[ "$chunks" -ge 20 ] && [ "$chunks" -le 60 ] \
    && ok "in $chunks transactions, each one SubmitMany" \
    || not_ok "$chunks SubmitMany requests for 5000 rows"
grep "submit_many" "$T_DIR/registry.log" | grep -v -q "OK OK" \
    && not_ok "a chunk was not answered OK" || ok "every chunk answered OK"
check "the last row landed" $L cylinder show 06901234000153B004999
check_out "with its tare" "tare             15499 g"
check "the ledger verifies" $L verify

t_done
