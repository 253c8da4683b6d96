# journal.sh - a small transaction is answered once it is in the ledger's
# journal, before LMDB's commit. A writer killed between the two loses
# nothing: the next writer applies the record first, a reader does not
# answer without it, and a torn record (never answered) is dropped.
. "$LPG_ROOT/tests/e2e/lib.sh"

H="$T_DIR/home"
t_home "$H" && ok "home" || not_ok "home"
sed -i "s|^device.site = .*|device.site = S41-0|" "$H/lpgtrace.conf"
check "a station and 20 cylinders" lpgtrace --home "$H" gen --companies 1 --sites 1 --devices 1 --cylinders 20 --fills 0 --seed 41 --codes "$T_DIR/codes.txt"
t_daemon registry "$H" && ok "registry up" || not_ok "registry up"
lpgtrace keygen --out "$H/keys/scanner" >/dev/null
lpgtrace --home "$H" device enroll --key "$H/keys/scanner" --company C41-0 --site S41-0 --role filling-scanner >/dev/null
mkdir -p "$T_DIR/station/keys"
cp "$H/keys/scanner.pem" "$H/keys/scanner.curve" "$H/keys/filling.curve.pub" "$H/keys/authority.pub" "$T_DIR/station/keys/"
cat >"$T_DIR/station/lpgtrace.conf" <<CONF
device.key = keys/scanner
device.site = S41-0
device.operator = staff-S41-0-0
$(grep '^endpoint.filling' "$H/lpgtrace.conf")
CONF
code() { sed -n "${1}p" "$T_DIR/codes.txt" | cut -d' ' -f1; }
tare() { sed -n "${1}p" "$T_DIR/codes.txt" | cut -d' ' -f2; }
entries() { lpgtrace --home "$H" --json log 2>/dev/null | wc -l; }
[ -f "$H/ledger/journal" ] && ok "the ledger has a journal" || not_ok "no journal file in the ledger"

t_daemon filling "$H" && ok "filling up" || not_ok "filling up"
check "a fill check answered from the journal" lpg-scan --home "$T_DIR/station" fill-check --code "$(code 1)" --tare-g "$(tare 1)" --check all=ok
check_out "allowed" "^ALLOW"

# A reader in another process sees what was answered, even while LMDB's
# commit of it is still to come (here a second late).
kill "$T_PID_filling"
wait "$T_PID_filling" 2>/dev/null
export LPG_FAULT=slow-commit
t_daemon filling "$H" && ok "filling up, committing a second after each answer" || not_ok "filling up (slow)"
unset LPG_FAULT
before=$(entries)
P="python3 $LPG_ROOT/tests/prom_text.py"
MPORT=$(sed -n 's/^metrics\.filling = //p' "$H/lpgtrace.conf")
ahead() {
    $P scrape "http://127.0.0.1:$MPORT/metrics" "$T_DIR/m.json" >/dev/null &&
        $P value "$T_DIR/m.json" lpg_ledger_journal_ahead_entries
}
check "a fill check answered before its commit" lpg-scan --home "$T_DIR/station" fill-check --code "$(code 9)" --tare-g "$(tare 9)" --check all=ok
check_out "allowed" "^ALLOW"
# The metric an operator alerts on: answered, LMDB's commit to come.
[ "$(ahead)" = 1 ] && ok "the metrics show one entry ahead of LMDB's commit" || not_ok "journal ahead: '$(ahead)', wanted 1 (at once after the answer)"
[ "$(entries)" -eq $((before + 1)) ] && ok "a reader at once has it" || not_ok "$(entries) entries, wanted $((before + 1))"
i=0
while [ "$(ahead)" != 0 ] && [ $i -lt 50 ]; do
    sleep 0.1
    i=$((i + 1))
done
[ "$(ahead)" = 0 ] && ok "and none once LMDB committed it" || not_ok "journal ahead: '$(ahead)' after 5 s, wanted 0"
# A backup taken right after an answer, its commit three seconds away
# (a writer slowed down on a loaded machine), holds it: the read-only
# open waits for the writer, past the half second a reader waits.
kill "$T_PID_filling"
wait "$T_PID_filling" 2>/dev/null
export LPG_FAULT=slow-commit:3000
t_daemon filling "$H" && ok "filling up, committing 3 s after each answer" || not_ok "filling up (3 s)"
unset LPG_FAULT
answered=$(($(entries) + 1))
check "another fill check answered before its commit" lpg-scan --home "$T_DIR/station" fill-check --code "$(code 7)" --tare-g "$(tare 7)" --check all=ok
check "a backup at once" lpgtrace --home "$H" backup "$T_DIR/bk-answered"
bt=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["tree_size"])' "$T_DIR/bk-answered/manifest.json" 2>/dev/null)
[ "$bt" = "$answered" ] && ok "holds the answered entry ($bt entries)" || not_ok "the backup holds $bt entries, $answered were answered"

# A writer that dies after the answer, before LMDB's commit.
kill "$T_PID_filling"
wait "$T_PID_filling" 2>/dev/null
before=$(entries)
export LPG_FAULT=answered-uncommitted
t_daemon filling "$H" && ok "filling up, set to die before its next commit" || not_ok "filling up (fault)"
unset LPG_FAULT
check "the fill check is answered" lpg-scan --home "$T_DIR/station" fill-check --code "$(code 2)" --tare-g "$(tare 2)" --check all=ok
check_out "allowed" "^ALLOW"
i=0
while kill -0 "$T_PID_filling" 2>/dev/null && [ $i -lt 100 ]; do
    sleep 0.1
    i=$((i + 1))
done
kill -0 "$T_PID_filling" 2>/dev/null && not_ok "lpg-fillingd still runs" || ok "lpg-fillingd died before its commit"
grep -q "dying before the commit" "$T_DIR/filling.log" && ok "it says where it died" || not_ok "no fault line in its log"

# The next writer applies it first.
t_daemon filling "$H" && ok "filling restarts" || not_ok "filling restart"
grep -q "applied the journal's 1 record(s) of entries $before to $before" "$T_DIR/filling.log" && ok "the restart applied the record of entry $before" || {
    not_ok "no applied line in the log"
    tail -5 "$T_DIR/filling.log" | sed 's/^/#   /'
}
[ "$(entries)" -eq $((before + 1)) ] && ok "the answered fill check is in the ledger" || not_ok "$(entries) entries, wanted $((before + 1))"
lpgtrace --home "$H" --json log 2>/dev/null | tail -1 >"$T_DIR/last"
grep -q '"FillCheck"\|fill_check\|FILL_CHECK' "$T_DIR/last" && ok "entry $before is the fill check" || {
    not_ok "the last entry is not a fill check"
    cut -c1-300 "$T_DIR/last" | sed 's/^/#   /'
}
check "the ledger verifies" lpgtrace --home "$H" verify
check_out "state tables match" "match"
check "and fills go on" lpg-scan --home "$T_DIR/station" fill-check --code "$(code 3)" --tare-g "$(tare 3)" --check all=ok
check_out "allowed" "^ALLOW"

# With no writer started after it, a reader (read-only commands open the
# ledger that way) applies it as it opens, and shows it.
die_after_next() {
    kill "$T_PID_filling"
    wait "$T_PID_filling" 2>/dev/null
    export LPG_FAULT=${2:-answered-uncommitted}
    t_daemon filling "$H" && ok "filling up, set to die $1" || not_ok "filling up (fault $1)"
    unset LPG_FAULT
}
wait_death() {
    i=0
    while kill -0 "$T_PID_filling" 2>/dev/null && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
}
die_after_next again
before=$(entries)
check "a fill check answered, then its writer dies" lpg-scan --home "$T_DIR/station" fill-check --code "$(code 8)" --tare-g "$(tare 8)" --check all=ok
check_out "allowed" "^ALLOW"
wait_death
lpgtrace --home "$H" --json log >"$T_DIR/log1" 2>"$T_DIR/log1.err"
[ "$(wc -l <"$T_DIR/log1")" -eq $((before + 1)) ] && ok "a reader shows it ($((before + 1)) entries)" || {
    not_ok "the reader shows $(wc -l <"$T_DIR/log1") entries, wanted $((before + 1))"
    sed 's/^/#   /' "$T_DIR/log1.err"
}
check "the ledger verifies with it" lpgtrace --home "$H" verify
t_daemon filling "$H" && ok "filling restarts after it" || not_ok "filling restart after the reader"
grep -c "applied the journal" "$T_DIR/filling.log" >"$T_DIR/napplied"
[ "$(cat "$T_DIR/napplied")" -eq 1 ] && ok "the restart had nothing left to apply" || not_ok "applied lines: $(cat "$T_DIR/napplied")"

# Scanners at once: batches join the transaction held open, each its own
# record; the writer dies after its third record, and the restart applies
# what the transaction held (unit/test_ledger's test_held_crash makes one
# of three records every time), so every acknowledged event is in.
for n in 0 1 2 3; do
    lpgtrace keygen --out "$H/keys/scanner$n" >/dev/null
    lpgtrace --home "$H" device enroll --key "$H/keys/scanner$n" --company C41-0 --site S41-0 --role filling-scanner >/dev/null
done
die_after_next "after three records" answered-uncommitted:3
: >"$T_DIR/acks"
LPG_BENCH_ACKS=1 LPG_BENCH_TIMEOUT_MS=1500 LPG_BENCH_OFFSET=10 \
    "$LPG_BIN/../bench/bench_fill" "$H" "$T_DIR/codes.txt" keys/scanner 4 2 staff-S41-0-0 \
    >>"$T_DIR/acks" 2>"$T_DIR/load.err" || true
wait_death
acked=$(grep -c '^ack ' "$T_DIR/acks")
[ "$acked" -ge 3 ] && ok "$acked events acknowledged before it died" || not_ok "only $acked acks"
t_daemon filling "$H" && ok "filling restarts after it" || not_ok "filling restart (three)"
grep "applied the journal's" "$T_DIR/filling.log" | tail -1 >"$T_DIR/applied"
grep -q "applied the journal's [1-3] record(s)" "$T_DIR/applied" && ok "the restart applied the transaction's records: $(sed 's/.*applied the journal.s \([0-9]*\) record.*/\1/' "$T_DIR/applied")" || {
    not_ok "no records applied"
    sed 's/^/#   /' "$T_DIR/applied"
}
lpgtrace --home "$H" --json log >"$T_DIR/log.json" 2>/dev/null
check "every acknowledged event is in the ledger" python3 "$LPG_ROOT/tests/acked.py" "$T_DIR/acks" "$T_DIR/log.json"
check "the ledger verifies after them" lpgtrace --home "$H" verify

# A torn record was never answered: dropped, and the ledger goes on.
n=$(entries)
die_after_next "a third time"
lpg-scan --home "$T_DIR/station" fill-check --code "$(code 4)" --tare-g "$(tare 4)" --check all=ok >/dev/null 2>&1
wait_death
python3 - "$H/ledger/journal" <<'PY'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(200)
    b = f.read(1)
    f.seek(200)
    f.write(bytes([b[0] ^ 0xFF]))
PY
t_daemon filling "$H" && ok "filling restarts over a torn record" || not_ok "filling restart (torn)"
grep -q "torn by a crash" "$T_DIR/filling.log" && ok "it says the record was torn and dropped" || not_ok "no torn line in the log"
[ "$(entries)" -eq "$n" ] && ok "nothing of it was applied" || not_ok "$(entries) entries, wanted $n"
check "the ledger verifies after it" lpgtrace --home "$H" verify
check "and fills go on after it" lpg-scan --home "$T_DIR/station" fill-check --code "$(code 4)" --tare-g "$(tare 4)" --check all=ok
check_out "allowed" "^ALLOW"

# A record that does not follow the ledger (a ledger put back from an
# older copy) stops the writers, with words, rather than be lost or put
# where it does not belong.
check "a copy of the ledger" lpgtrace --home "$H" backup "$T_DIR/copy"
check "a fill check after the copy" lpg-scan --home "$T_DIR/station" fill-check --code "$(code 5)" --tare-g "$(tare 5)" --check all=ok
sleep 0.2 # its own transaction, committed: the next record starts the journal
check "and another" lpg-scan --home "$T_DIR/station" fill-check --code "$(code 6)" --tare-g "$(tare 6)" --check all=ok
kill "$T_PID_filling"
wait "$T_PID_filling" 2>/dev/null
rm -f "$H/ledger/data.mdb" "$H/ledger/lock.mdb"
cp "$T_DIR/copy/ledger/data.mdb" "$H/ledger/data.mdb"
if lpgtrace --home "$H" gen --devices 1 --cylinders 1 --fills 0 --seed 43 >"$T_DIR/out" 2>&1; then
    not_ok "a writer wrote over a journal that does not follow the ledger"
else
    ok "a writer refuses to go on"
fi
grep -q "do not follow this ledger" "$T_DIR/out" && ok "and says the journal does not follow the ledger" || {
    not_ok "no words on the journal"
    sed 's/^/#   /' "$T_DIR/out" | head -5
}
mv "$H/ledger/journal" "$T_DIR/journal.aside"
t_daemon filling "$H" && ok "with the journal moved aside, writers go on" || not_ok "filling restart (journal aside)"
check "and fill" lpg-scan --home "$T_DIR/station" fill-check --code "$(code 7)" --tare-g "$(tare 7)" --check all=ok
check_out "allowed" "^ALLOW"
t_done
