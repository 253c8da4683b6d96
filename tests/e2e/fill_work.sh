# fill_work.sh - the work one lone fill check costs lpg-fillingd, read
# from its metrics (lpg_work_total): LMDB transactions begun, records and
# events decoded, codes parsed. The check carries what it decoded from
# prepare through the commit to the reply: one read transaction for the
# sender and the signer keys, one write transaction, no entry read back.
# The scanner connects afresh, so the counts include the connection's
# own check of its transport key (one read, one device record). A retry
# of the same event is still answered from the stored entry (the only
# entry read back).
. "$LPG_ROOT/tests/e2e/lib.sh"

P="python3 $LPG_ROOT/tests/prom_text.py"
H="$T_DIR/home"
t_home "$H" && ok "home" || not_ok "home"
check "a company, a station, 10 cylinders" lpgtrace --home "$H" gen --companies 1 --sites 1 --devices 1 --cylinders 10 --fills 0 --seed 44 --codes "$T_DIR/codes.txt"
for d in registry filling; do
    t_daemon "$d" "$H" && ok "$d up" || not_ok "$d up"
done
PORT=$(sed -n 's/^metrics\.filling = //p' "$H/lpgtrace.conf")
S="$T_DIR/s0"
mkdir -p "$S/keys"
lpgtrace keygen --out "$H/keys/scanner0" >/dev/null
lpgtrace --home "$H" device enroll --key "$H/keys/scanner0" --company C44-0 --site S44-0 --role filling-scanner >/dev/null
cp "$H/keys/scanner0.pem" "$H/keys/scanner0.curve" "$H/keys/filling.curve.pub" "$H/keys/authority.pub" "$S/keys/"
printf 'device.key = keys/scanner0\ndevice.site = S44-0\ndevice.operator = staff-S44-0-0\n%s\n' \
    "$(grep '^endpoint.filling' "$H/lpgtrace.conf")" >"$S/lpgtrace.conf"
code() { sed -n "$1p" "$T_DIR/codes.txt" | cut -d' ' -f1; }
tare() { sed -n "$1p" "$T_DIR/codes.txt" | cut -d' ' -f2; }
scrape() { check "metrics parse ($1)" $P scrape "http://127.0.0.1:$PORT/metrics" "$T_DIR/m.$1"; }
work() { $P value "$T_DIR/m.$1" lpg_work_total what="$2"; }
# WHAT A B C: (C - B) - (B - A): the work between scrapes B and C, less
# what a scrape itself costs (its read transaction shows in the next one).
cost() { echo $(( $(work "$4" "$1") - 2 * $(work "$3" "$1") + $(work "$2" "$1") )); }
at_most() { # WHAT MAX GOT
    if [ "$3" -le "$2" ]; then ok "$1: $3 (at most $2)"; else not_ok "$1: $3, wanted at most $2"; fi
}

scrape a
scrape b
check "a lone fill check, allowed" lpg-scan --home "$S" fill-check --code "$(code 1)" --tare-g "$(tare 1)" --check all=ok
check_out "the reply names the cylinder and its stamp" "steel stamp"
scrape c
txns=$(( $(cost txn_read a b c) + $(cost txn_write a b c) ))
echo "# per lone fill check (with its connection): transactions $txns," \
    "read $(cost txn_read a b c), write $(cost txn_write a b c);" \
    "device records $(cost device_decode a b c), cylinder records" \
    "$(cost cylinder_decode a b c), events $(cost event_decode a b c)" \
    "(+$(cost event_peek a b c) kind peeks), entries $(cost entry_decode a b c)," \
    "code parses $(cost code_parse a b c), code signatures checked" \
    "$(cost code_verify a b c), codes found on record $(cost code_on_record a b c)"
expect_eq() { if [ "$2" = "$3" ]; then ok "$1: $3"; else not_ok "$1: $3, wanted $2"; fi; }
expect_eq "one write transaction" 1 "$(cost txn_write a b c)"
at_most "read transactions: the connection's, then the sender's and the signer's together, the code's record" 3 "$(cost txn_read a b c)"
at_most "device records: the connection, the sender, the signer before and in the write" 4 "$(cost device_decode a b c)"
at_most "cylinder records: the code's record, the rules, the state's step" 3 "$(cost cylinder_decode a b c)"
expect_eq "the event decoded once" 1 "$(cost event_decode a b c)"
expect_eq "its kind peeked once (is it this service's?), not again for the metrics" 1 "$(cost event_peek a b c)"
expect_eq "no entry read back for the reply" 0 "$(cost entry_decode a b c)"
at_most "the code parsed once" 1 "$(cost code_parse a b c)"
# The code is the one the authority recorded for the cylinder: its
# signature is the authority's word already, and is not checked again.
expect_eq "the code found on record" 1 "$(cost code_on_record a b c)"
expect_eq "so its signature not checked again" 0 "$(cost code_verify a b c)"

# Its time, by stage: preparing (decode, signature and code checked) and
# committing (the write transaction and its sync) both took some, and
# together no more than the request took from receipt to reply.
secs() { $P value "$T_DIR/m.$2" "$1" ${3:+"$3"}; }
grew() { python3 -c 'import sys; print("%.6f" % (float(sys.argv[2]) - float(sys.argv[1])))' "$1" "$2"; }
prep=$(grew "$(secs lpg_append_seconds_total b stage=prepare)" "$(secs lpg_append_seconds_total c stage=prepare)")
commit=$(grew "$(secs lpg_append_seconds_total b stage=commit)" "$(secs lpg_append_seconds_total c stage=commit)")
req=$(grew "$(secs lpg_request_duration_seconds_sum b request=submit)" "$(secs lpg_request_duration_seconds_sum c request=submit)")
echo "# its time in the daemon: ${req} s = prepare ${prep} s + commit ${commit} s + the rest"
python3 -c 'import sys; p, c, r = map(float, sys.argv[1:]); sys.exit(0 if p > 0 and c > 0 and p + c <= r else 1)' "$prep" "$commit" "$req" &&
    ok "prepare and commit timed, within the request's time" ||
    not_ok "prepare $prep s, commit $commit s, request $req s"
# Of the commit, up to the answer: the write transaction filled (write)
# and the journal's record synced (journal), each timed, together no
# more than the commit; LMDB's synced commit (sync) is timed too, but
# comes after the answer.
write=$(grew "$(secs lpg_append_seconds_total b stage=write)" "$(secs lpg_append_seconds_total c stage=write)")
journal=$(grew "$(secs lpg_append_seconds_total b stage=journal)" "$(secs lpg_append_seconds_total c stage=journal)")
sync=$(grew "$(secs lpg_append_seconds_total b stage=sync)" "$(secs lpg_append_seconds_total c stage=sync)")
echo "# of its commit: write ${write} s + journal ${journal} s; then sync ${sync} s"
# (the answer follows the journal's sync at once: the two sides differ by
# little more than the counters' rounding, which is allowed for)
python3 -c 'import sys; w, j, s, c = map(float, sys.argv[1:]); sys.exit(0 if w > 0 and j > 0 and s > 0 and w + j <= c * 1.01 + 5e-6 else 1)' "$write" "$journal" "$sync" "$commit" &&
    ok "write and journal timed, within the commit's time; sync timed" ||
    not_ok "write $write s, journal $journal s, sync $sync s, commit $commit s"

# A denied check carries its reasons to the reply just the same.
check_status "a lone fill check, denied" 1 lpg-scan --home "$S" fill-check --code "$(code 2)" --tare-g 100 --check all=ok
check_out "with its reasons" "TARE"

# A code that is not the one on record is checked in full: one with a
# signature altered is forged, and denied as such.
forged=$(python3 -c 'import sys; c = sys.argv[1]; i = len(c) - 20
print(c[:i] + ("B" if c[i] == "A" else "A") + c[i + 1:])' "$(code 4)")
scrape f
scrape g
check_status "a fill check with a forged code, denied" 1 lpg-scan --home "$S" fill-check --code "$forged" --tare-g "$(tare 4)" --check all=ok
check_out "as forged" "FORGED"
scrape h
expect_eq "the forged code not found on record" 0 "$(cost code_on_record f g h)"
expect_eq "so its signature checked" 1 "$(cost code_verify f g h)"

# A retry is answered from the stored entry: the same DENY, read back.
id=0f0e0d0c0b0a09080706050403020101
WIRE_TIME_MS=$(date +%s)000; export WIRE_TIME_MS
check "a denied check with a chosen id" wire "$H" filling "$H/keys/scanner0" fillcheck "$id" "$(code 3)" 100 S44-0 staff-S44-0-0
check_out "is denied" "DENIED DENIED: do not fill"
first=$(sed -n 's/.* seq \([0-9]*\).*/\1/p' "$T_DIR/out")
answer=$(sed -n 's/ seq .*//p' "$T_DIR/out")
scrape d
scrape d2
check "the same event again" wire "$H" filling "$H/keys/scanner0" fillcheck "$id" "$(code 3)" 100 S44-0 staff-S44-0-0
check_out "gets the stored DENY, marked duplicate" "$answer seq $first duplicate"
scrape e
expect_eq "the retry read its stored entry" 1 "$(cost entry_decode d d2 e)"
unset WIRE_TIME_MS
t_done
