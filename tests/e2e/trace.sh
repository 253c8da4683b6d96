# trace.sh - the read side through the real daemons: fills made at the
# station with lpg-scan, `lpgtrace trace` verifying every signature, proof
# and checkpoint itself; `lpgtrace trace --no-verify` (the entries alone,
# nothing checked, and saying so); the notary signing on its own timer; a
# follower of the feed ending with exactly the ledger; a read-only
# instance; and a ledger rewritten or cut short behind the service's
# back, refused against the checkpoint the CLI saved before.
. "$LPG_ROOT/tests/e2e/lib.sh"

H="$T_DIR/home"
t_home "$H" && ok "home on free ports" || not_ok "home"
# The tree's upper levels kept in 600 bytes (33 a node): as the ledger
# grows, the lowest level kept rises, and every proof below still holds.
sed -i -e 's/^notary.interval_ms = .*/notary.interval_ms = 200/' \
    -e 's/^trace.node_cache = .*/trace.node_cache = 600B/' "$H/lpgtrace.conf"
check "a company, a station, 6 cylinders" lpgtrace --home "$H" gen --companies 1 --sites 1 --devices 1 --cylinders 6 --fills 0 --seed 51 --codes "$T_DIR/codes.txt"
t_daemon registry "$H" && ok "registry up" || not_ok "registry up"
t_daemon filling "$H" && ok "filling up" || not_ok "filling up"
t_daemon trace "$H" && ok "trace up (the notary)" || not_ok "trace up"
NOTARY=$T_PID_trace
grep -q "notary of lpgtrace.example/ledger: feed on" "$T_DIR/trace.log" \
    && ok "it says it is the notary, and where the feed is" || not_ok "no notary line"
grep -q "proofs read the tree's upper levels from memory, up to 600 bytes (trace.node_cache)" "$T_DIR/trace.log" \
    && ok "and how much of the tree it keeps in memory" || not_ok "no node cache line"

# A follower from the start, losing every 4th feed message on purpose.
follow "$H" "$H/keys/admin" --drop 4 >"$T_DIR/follow.out" 2>"$T_DIR/follow.err" &
FOLLOW=$!
T_PIDS="$T_PIDS $FOLLOW"

# The station's scanner, as in filling.sh.
S="$T_DIR/s0"
lpgtrace keygen --out "$H/keys/scanner0" >/dev/null
lpgtrace --home "$H" device enroll --key "$H/keys/scanner0" --company C51-0 --site S51-0 --role filling-scanner --name "scanner 0 at S51-0" >/dev/null
mkdir -p "$S/keys"
cp "$H/keys/scanner0.pem" "$H/keys/scanner0.curve" "$H/keys/filling.curve.pub" "$H/keys/authority.pub" "$S/keys/"
printf 'device.key = keys/scanner0\ndevice.site = S51-0\ndevice.operator = staff-S51-0-0\n%s\n' \
    "$(grep '^endpoint.filling' "$H/lpgtrace.conf")" >"$S/lpgtrace.conf"
code() { sed -n "$1p" "$T_DIR/codes.txt" | cut -d' ' -f1; }
tare() { sed -n "$1p" "$T_DIR/codes.txt" | cut -d' ' -f2; }
grai() { code "$1" | sed 's|.*/8003/||; s|?.*||'; }
scan() { lpg-scan --home "$S" "$@"; }
fill() { # N: an ALLOW, then the fill
    scan fill-check --code "$(code "$1")" --tare-g "$(tare "$1")" --check all=ok >"$T_DIR/out" 2>&1 || return 1
    a=$(sed -n 's/^  allow id   \([0-9a-f]*\).*/\1/p' "$T_DIR/out")
    scan fill-done --allow "$a" --full-g $(( $(tare "$1") + 14500 )) --leak ok >"$T_DIR/out" 2>&1
}
check "cylinder 1 is filled" fill 1
scan fill-check --code "$(code 1)" --tare-g "$(tare 1)" --check all=ok >"$T_DIR/out" 2>&1
check_out "and refused a second fill while full" "NOT_EMPTY_AT_STATION"
scan fill-check --code "$(code 2)" --tare-g $(( $(tare 2) - 600 )) --check all=ok >"$T_DIR/out" 2>&1
check_out "cylinder 2 refused: a pocket code" "TARE_MISMATCH"

# The trace, verified by the CLI.
check "trace cylinder 1 by its code" lpgtrace --home "$H" trace "$(code 1)"
cp "$T_DIR/out" "$T_DIR/trace1"
check_out "its registration" "^✓ #[0-9]* .* registered .* authority"
check_out "the ALLOW, by the operator and the named scanner, at the station" "^✓ #[0-9]* .* fill check ALLOW  *staff-S51-0-0 / scanner 0 at S51-0  *S51-0  *OK: fill allowed"
check_out "the fill with its net weight" "net 14500 g"
check_out "the refused fill check" "^✓ #[0-9]* .* fill check DENY"
check_out "with its reason in both languages" "- NOT_EMPTY_AT_STATION: .* / "
n=$(grep -c '^✓ #' "$T_DIR/trace1")
[ "$n" -eq 4 ] && ! grep -q '^✗' "$T_DIR/trace1" && ok "four entries, each with ✓" || not_ok "$n entries with ✓"
check_out "the custody now" "^Now: in service, full at a station S51-0"
check_out "everything verified" "^✓ all 4 entries verified"
check_out "first checkpoint seen is saved" "first checkpoint seen"
[ -s "$H/seen-checkpoints/lpgtrace.example_ledger" ] && ok "saved under seen-checkpoints/" || not_ok "no saved checkpoint"
check "trace cylinder 2 by its GRAI" lpgtrace --home "$H" trace "$(grai 2)"
check_out "the pocket code refused" "fill check DENY"
check_out "with TARE_MISMATCH" "TARE_MISMATCH"
check_out "consistent with the checkpoint seen before" "History: .*✓ consistent with the checkpoint of [0-9]* entries seen before"
lpgtrace --home "$H" --json trace "$(code 1)" >"$T_DIR/trace.json" 2>&1
check "--json: one document saying the same" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["verified"] is True, "not verified"
assert d["cylinder"] == sys.argv[2], d["cylinder"]
steps = [e["step"] for e in d["entries"]]
assert steps == ["registered", "fill check ALLOW", "filled", "fill check DENY"], steps
assert all(e["verified"] for e in d["entries"])
assert d["entries"][2]["outcome"]["net_g"] == 14500
assert d["entries"][3]["outcome"]["reasons"][0]["token"] == "NOT_EMPTY_AT_STATION"
assert d["entries"][1]["time"].endswith("+08:00"), d["entries"][1]["time"]
assert d["now"]["custody"] == "full at a station" and d["now"]["fills"] == 1
assert d["checkpoint"]["consistent"] is True
' "$T_DIR/trace.json" "$(grai 1)"
# The entries are written by the jobs that check them and spliced into
# the document: the whole is laid out as a pretty-printer would (two
# spaces a level), byte for byte.
lpgtrace --home "$H" --json trace "$(code 1)" >"$T_DIR/trace-only.json" 2>/dev/null
check "--json: laid out as json.dumps(indent=2) lays it out, byte for byte" python3 -c '
import json, sys
text = open(sys.argv[1], encoding="utf-8").read()
want = json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"
if text != want:
    i = next((i for i, (a, b) in enumerate(zip(text, want)) if a != b), min(len(text), len(want)))
    sys.exit("differs at byte %d: %r against %r" % (i, text[i - 40:i + 40], want[i - 40:i + 40]))
' "$T_DIR/trace-only.json"

# lpgtrace's own clock: a cylinder added with it moved two days back
# (LPG_NOW_MS, within time.max_late_s) is registered at that time, and
# trace prints that time in time.zone (Asia/Shanghai) whatever TZ says.
back=$(( ($(date +%s) - 2 * 86400) / 60 * 60 + 7 ))
when=$(TZ=Asia/Shanghai date -d "@$back" '+%Y-%m-%d %H:%M:%S')
check "a cylinder added with lpgtrace's clock two days back" env LPG_NOW_MS="${back}000" \
    lpgtrace --home "$H" cylinder add --company C51-0 --type 015 --serial MOVED1 --tare-g 15000 \
    --fill-g 14500 --made 2022-01 --design-life-y 8 --next-inspection 2028-01-01 --insurance-until 2028-01-01
moved=$(sed -n 's|^code *\(https://[^ ]*\).*|\1|p' "$T_DIR/out")
check "trace it, TZ set to another zone" env TZ=America/New_York lpgtrace --home "$H" trace "$moved"
check_out "registered then, in Shanghai time" "^✓ #[0-9]* $when  registered"
env TZ=America/New_York lpgtrace --home "$H" --json trace "$moved" >"$T_DIR/moved.json" 2>&1
check "--json: the same time, with Shanghai's offset" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
t = d["entries"][0]["time"]
assert t == sys.argv[2].replace(" ", "T") + "+08:00", t
' "$T_DIR/moved.json" "$when"

# --no-verify: the same timeline, nothing checked, and it says so.
rows() { # FILE: each timeline row without its mark, the signer's name cut
    python3 -c '
import re, sys
for line in open(sys.argv[1], encoding="utf-8"):
    m = re.match(r"^(\u2713|\u2717|\?|-) (#[0-9]+ .*)$", line.rstrip("\n"))
    if m:
        f = re.split(r"\s{2,}", m.group(2).rstrip())
        f[2] = f[2].split(" / ")[0]
        print("|".join(f))
' "$1"
}
check "trace --no-verify cylinder 1" lpgtrace --home "$H" trace --no-verify "$(code 1)"
cp "$T_DIR/out" "$T_DIR/trace1nv"
rows "$T_DIR/trace1" >"$T_DIR/rows1"
rows "$T_DIR/trace1nv" >"$T_DIR/rows1nv"
[ "$(wc -l <"$T_DIR/rows1")" -eq 4 ] && cmp -s "$T_DIR/rows1" "$T_DIR/rows1nv" \
    && ok "--no-verify prints the same timeline rows as the verified trace" \
    || { not_ok "--no-verify rows differ"; diff "$T_DIR/rows1" "$T_DIR/rows1nv" | sed 's/^/#   /'; }
! grep -q '^✓' "$T_DIR/trace1nv" && [ "$(grep -c '^- #' "$T_DIR/trace1nv")" -eq 4 ] \
    && ok "marking no row ✓, each '-' (unchecked)" || not_ok "--no-verify marks rows as checked"
check_out "it says nothing was checked, at the top" "^! NOT VERIFIED (--no-verify): nothing was checked"
check_out "and at the end" "^! NOT VERIFIED: 4 entries shown, nothing checked"
check_out "and on stderr" "lpgtrace: warning: --no-verify: nothing was checked"
lpgtrace --home "$H" --json trace "$(code 1)" --no-verify >"$T_DIR/trace-nv.json" 2>/dev/null
check "--no-verify --json: verified false, checked nothing, same entries" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
v = json.load(open(sys.argv[2]))
assert d["verified"] is False and d["checked"] == "nothing", (d["verified"], d["checked"])
assert v["checked"] == "everything", v["checked"]
assert d["checkpoint"]["checked"] is False
assert not any(e["verified"] for e in d["entries"])
keys = ("seq", "time", "kind", "step", "actor", "site", "detail", "outcome")
same = lambda e: {k: e.get(k) for k in keys}
assert [same(e) for e in d["entries"]] == [same(e) for e in v["entries"]]
assert [e["signer"]["key_id"] for e in d["entries"]] == [e["signer"]["key_id"] for e in v["entries"]]
assert d["now"]["fills"] == 1 and d["now"]["from_unchecked_entries"] == 4
' "$T_DIR/trace-nv.json" "$T_DIR/trace.json"
check_status "--no-verify with two cylinders is a usage error" 2 lpgtrace --home "$H" trace --no-verify "$(code 1)" "$(code 2)"
check_status "an unknown cylinder is an error" 2 lpgtrace --home "$H" trace 06900051000159NOSUCH
check_out "saying so" "no entry names this cylinder"
check_status "not a code nor a GRAI" 2 lpgtrace --home "$H" trace "hello world"

# The notary signs by itself on its timer, with no trace asked.
before=$(lpgtrace --home "$H" checkpoint | sed -n 2p)
check "cylinder 3 is filled" fill 3
sleep 1
after=$(lpgtrace --home "$H" checkpoint | sed -n 2p)
size=$(lpgtrace --home "$H" log --raw | wc -l)
[ "$after" -eq "$size" ] && [ "$after" -gt "$before" ] \
    && ok "the notary signed a checkpoint of $after entries on its own (was $before)" \
    || not_ok "checkpoint $before -> $after, ledger $size"
check "the stored checkpoint verifies against the ledger" lpgtrace --home "$H" checkpoint --verify "$H/seen-checkpoints/lpgtrace.example_ledger"

# A long history: cylinder 1 refused twelve more times while full.
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
    scan fill-check --code "$(code 1)" --tare-g "$(tare 1)" --check all=ok >/dev/null 2>&1
done
ok "twelve more refusals for cylinder 1"
# The notary instance again: the upper nodes it kept for the trace
# before are still the tree's, now that the tree has grown past them.
sleep 0.5
check "cylinder 1 traced again from the notary, the ledger grown" lpgtrace --home "$H" trace "$(code 1)"
check_out "all 16 entries verified, the nodes it kept before among their proofs" "^✓ all 16 entries verified"

# A read-only instance on the same ledger: no notary, no feed, and
# answers kept under a small limit.trace_reply_bytes (GetTrace) and
# limit.message_bytes (GetRange), so they come in pages.
R="$T_DIR/ro"
mkdir -p "$R"
ln -s "$H/ledger" "$R/ledger"
ln -s "$H/keys" "$R/keys"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed -e "s|^endpoint.trace = .*|endpoint.trace = tcp://127.0.0.1:$port|" -e 's/^notary.enabled = .*/notary.enabled = 0/' \
    -e 's/^limit.message_bytes = .*/limit.message_bytes = 4096/' \
    -e 's/^limit.trace_reply_bytes = .*/limit.trace_reply_bytes = 4096/' \
    "$H/lpgtrace.conf" >"$R/lpgtrace.conf"
grep -q '^limit.trace_reply_bytes = 4096$' "$R/lpgtrace.conf" \
    && ok "lpgtrace init wrote limit.trace_reply_bytes (set small here)" || not_ok "no limit.trace_reply_bytes in the config"
# refused_at_start HOME TEXT WHAT: lpg-traced on HOME stops by itself
# (not at the time-out), saying TEXT; the check is named WHAT.
refused_at_start() {
    timeout 10 lpg-traced --home "$1" >"$T_DIR/out" 2>&1
    st=$?
    [ "$st" -ne 0 ] && [ "$st" -ne 124 ] && grep -q "$2" "$T_DIR/out" \
        && ok "$3" \
        || { not_ok "$3: exit $st"; sed 's/^/#   /' "$T_DIR/out" | head -5; }
}
# A reply limit the clients could not take in is refused at start.
for bad in 1048576 4095 lots; do
    mkdir -p "$T_DIR/bad-$bad"
    ln -sf "$H/ledger" "$H/keys" "$T_DIR/bad-$bad/"
    sed -e "s/^limit.trace_reply_bytes = .*/limit.trace_reply_bytes = $bad/" \
        -e 's/^notary.enabled = .*/notary.enabled = 0/' "$R/lpgtrace.conf" >"$T_DIR/bad-$bad/lpgtrace.conf"
    refused_at_start "$T_DIR/bad-$bad" \
        "limit.trace_reply_bytes = '$bad' must be 'auto' or a number of bytes from 4096 to limit.hard_message_bytes (1048576) less 4096" \
        "limit.trace_reply_bytes = $bad is refused at start, saying why"
done
t_daemon trace "$R" && ok "a second, read-only trace instance" || not_ok "read-only instance"
RO=$T_PID_trace
check "it answers a verified trace" lpgtrace --home "$R" trace "$(code 3)"
check_out "every entry ✓" "^✓ all 3 entries verified"
sleep 0.5
check "a history longer than one answer" lpgtrace --home "$R" trace "$(code 1)"
check_out "all 16 entries verified" "^✓ all 16 entries verified"
grep -q "more: the answer is bounded by limit.trace_reply_bytes" "$T_DIR/trace.log" \
    && ok "came in pages, each saying so" || not_ok "no page said it was bounded"
check "a late follower through the small answers" follow "$R" "$H/keys/admin" --count 10 --timeout 10000

# The follower has exactly the ledger, in order.
size=$(lpgtrace --home "$H" log --raw | wc -l)
i=0
while [ "$(wc -l <"$T_DIR/follow.out")" -lt "$size" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
kill -TERM "$FOLLOW"
wait "$FOLLOW"
lpgtrace --home "$H" log --raw >"$T_DIR/raw"
cmp -s "$T_DIR/raw" "$T_DIR/follow.out" \
    && ok "the follower ends with exactly the ledger's $size entries, in order" \
    || { not_ok "follower differs"; diff "$T_DIR/raw" "$T_DIR/follow.out" | head -5 | sed 's/^/#   /'; sed 's/^/#   /' "$T_DIR/follow.err"; }
grep -q "gaps fetched" "$T_DIR/follow.err" && ! grep -q " 0 gaps fetched" "$T_DIR/follow.err" \
    && ok "losing feed messages, it fetched the gaps" || { not_ok "no gaps fetched"; sed 's/^/#   /' "$T_DIR/follow.err"; }
check "a late follower catches up and checks the signed root" follow "$H" "$H/keys/admin" --count "$size" --timeout 10000
check_out "root matches" "root of the copy's first [0-9]* entries matches the signed checkpoint"
lpgtrace keygen --out "$T_DIR/stranger" >/dev/null
check_status "a key that is not enrolled gets nothing" 1 follow "$H" "$T_DIR/stranger" --count 1 --timeout 3000
grep -q "refused a feed subscriber" "$T_DIR/trace.log" && ok "the feed refused it at the handshake" || not_ok "no feed refusal logged"
# A subscriber whose device is revoked is cut off the open feed.
lpgtrace keygen --out "$T_DIR/watcher" >/dev/null
lpgtrace --home "$H" device enroll --key "$T_DIR/watcher" --company C51-0 --role handheld >/dev/null
follow "$H" "$T_DIR/watcher" >/dev/null 2>"$T_DIR/watcher.err" &
WATCHER=$!
T_PIDS="$T_PIDS $WATCHER"
sleep 0.5
before=$(grep -c "refused a feed subscriber" "$T_DIR/trace.log")
check "revoke the subscriber's device" lpgtrace --home "$H" device revoke --key "$T_DIR/watcher" --reason "lost"
sleep 1
grep -q "a device was revoked (#[0-9]*): closing the feed" "$T_DIR/trace.log" && grep -q "feed open again" "$T_DIR/trace.log" \
    && ok "the notary reopens the feed after a revocation" || not_ok "feed not reopened"
after=$(grep -c "refused a feed subscriber" "$T_DIR/trace.log")
[ "$after" -gt "$before" ] && ok "and the revoked subscriber is refused on reconnecting" || not_ok "revoked subscriber not refused ($before -> $after)"
kill -TERM "$WATCHER"
wait "$WATCHER"

size=$(lpgtrace --home "$H" log --raw | wc -l)
check "a signed event sent to the trace service" wire "$H" trace "$H/keys/scanner0" fillcheck 00112233445566778899aabbccddeeff "$(code 5)" "$(tare 5)" S51-0 staff-S51-0-0
check_out "is refused: the trace service records no kind" "^INVALID EWRONGSERVICE"
[ "$(lpgtrace --home "$H" log --raw | wc -l)" -eq "$size" ] && ok "and not recorded" || not_ok "the trace service recorded it"

# Entries newer than the last checkpoint, with no notary running.
kill -TERM "$NOTARY"
wait "$NOTARY"
st=$?
[ "$st" -eq 0 ] && grep -q "notary signed [0-9]* checkpoints since start" "$T_DIR/trace.log" \
    && ok "SIGTERM stops the notary cleanly, signing what was committed" || not_ok "notary stop: exit $st"
check "cylinder 4 is filled while no notary runs" fill 4
check_status "the read-only instance cannot cover them yet" 1 lpgtrace --home "$R" trace "$(code 4)"
check_out "and says so" "? not yet in a signed checkpoint"
check_out "marking them ?" "^? #"
kill -TERM "$RO"
wait "$RO"

# The operator rewrites history behind the service's back.
for d in filling registry; do eval "kill -TERM \$T_PID_$d; wait \$T_PID_$d"; done
saved=$(sed -n 2p "$H/seen-checkpoints/lpgtrace.example_ledger")
cp "$H/seen-checkpoints/lpgtrace.example_ledger" "$T_DIR/saved-before"
filled=$(lpgtrace --home "$H" --json log | python3 -c '
import json, sys
for line in sys.stdin:
    e = json.loads(line)
    if e.get("kind") == "fill_record" and e.get("cylinder") == sys.argv[1]:
        print(e["seq"]); break
' "$(grai 1)")
copy() { # DIR: a copy of the stopped ledger, with the home's keys and config
    mkdir -p "$1/ledger"
    cp -r "$H/keys" "$H/lpgtrace.conf" "$1/"
    cp "$H/ledger/data.mdb" "$1/ledger/"
}
copy "$T_DIR/forged"
check "forge cylinder 1's fill record (#$filled) and recompute the tree" ledger_tamper forge "$T_DIR/forged/ledger" "$filled"
check "and hide every checkpoint the notary signed" ledger_tamper unsign "$T_DIR/forged/ledger" 0
t_daemon trace "$T_DIR/forged" && ok "a trace service on the rewritten ledger" || not_ok "trace on forged"
check_status "trace refuses it" 1 lpgtrace --home "$H" trace "$(code 1)"
check_out "the history was rewritten (consistency with the saved checkpoint)" "History: .*✗ the consistency proof from the checkpoint of $saved entries seen before to this one does not verify: the operator rewrote history"
check_out "the forged entry's signature fails" "^✗ #$filled .*filled"
check_out "naming the signature" "✗ the signature does not verify with the enrolled key"
check "trace --no-verify does not catch the forgery (exit 0)" lpgtrace --home "$H" trace --no-verify "$(code 1)"
check_out "it shows the forged entry unchecked" "^- #$filled .*filled"
! grep -q '✗' "$T_DIR/out" && ok "with no ✗ anywhere: nothing was checked, as it warns" || not_ok "--no-verify found something"
check_out "and warns that nothing was checked" "^! NOT VERIFIED (--no-verify): nothing was checked"
cmp -s "$H/seen-checkpoints/lpgtrace.example_ledger" "$T_DIR/saved-before" \
    && ok "the saved checkpoint is kept, not replaced by the rewritten one" || not_ok "saved checkpoint replaced"
kill -TERM "$T_PID_trace"
wait "$T_PID_trace"

# The same rewrite with the checkpoints left in place: the notary itself
# refuses to sign over it.
copy "$T_DIR/forged2"
ledger_tamper forge "$T_DIR/forged2/ledger" "$filled"
: >"$T_DIR/trace.log"
t_daemon trace "$T_DIR/forged2" && ok "a trace service on a rewritten ledger with its checkpoints" || not_ok "trace on forged2"
grep -q "history was rewritten. Signing nothing more." "$T_DIR/trace.log" && ok "the notary notices and signs nothing" || not_ok "notary did not notice"
check_status "trace fails" 1 lpgtrace --home "$H" trace "$(code 1)"
check_out "on the forged entry" "^✗ #$filled "
check_out "its proof no longer reaches the signed root" "inclusion proof does not lead to the checkpoint's root"
kill -TERM "$T_PID_trace"
wait "$T_PID_trace"

# The operator drops the tail, and the checkpoints that covered it.
cut=$((saved - 1))
copy "$T_DIR/short"
check "drop the entries from #$cut on" ledger_tamper truncate "$T_DIR/short/ledger" "$cut"
check "and the checkpoints over them" ledger_tamper unsign "$T_DIR/short/ledger" "$cut"
t_daemon trace "$T_DIR/short" && ok "a trace service on the shortened ledger" || not_ok "trace on short"
check_status "trace refuses it" 1 lpgtrace --home "$H" trace "$(code 1)"
check_out "the tree is smaller than the checkpoint seen before" "this checkpoint covers $cut entries, but a checkpoint of $saved was seen before: the operator dropped entries"
kill -TERM "$T_PID_trace"
wait "$T_PID_trace"

# The real ledger still verifies.
: >"$T_DIR/trace.log"
t_daemon trace "$H" && ok "the notary back on the real ledger" || not_ok "trace back"
check "trace verifies again" lpgtrace --home "$H" trace "$(code 4)"
check_out "consistent with what was seen" "✓ consistent with the checkpoint of $saved entries seen before"
check "the ledger verifies" lpgtrace --home "$H" verify

# A busy cylinder (1,000 entries) in a ledger of its own, served with the
# defaults (GetTrace pages of up to 960 KiB).
B="$T_DIR/busy"
t_home "$B" && ok "a second home for a busy cylinder" || not_ok "busy home"
grep -q '^limit.trace_reply_bytes = auto$' "$B/lpgtrace.conf" \
    && ok "lpgtrace init writes limit.trace_reply_bytes = auto" || not_ok "trace_reply_bytes is not auto"
check "a ledger whose cylinder 0 has 1,000 entries" trace_ledger build "$B" 2000
G=$(sed -n 's/^grai=//p' "$B/bench.info")
: >"$T_DIR/trace.log"
t_daemon trace "$B" && ok "trace up on it, with the defaults" || not_ok "trace on busy"
BUSY=$T_PID_trace
grep -q "trace: serving on .* [0-9]* replies queued per client" "$T_DIR/trace.log" \
    && ok "it says how many replies it queues for one client" || not_ok "no send queue in the log"

# A page from a seq on (GetTrace from, no proofs): the entries from
# there, the service reading the cylinder's seqs from there on; past its
# last entry an empty page, not an unknown cylinder; an unknown cylinder
# with a from is still unknown.
page() { # FROM [GRAI [COUNT]]: "STATUS entries N first F last L more M"
    wire "$B" trace "$B/keys/admin" trace "${2:-$G}" "$1" ${3:+"$3"} 2>&1 |
        sed -n 's/^\([A-Z_]*\) .*| \(entries .*\)$/\1 \2/p; s/^\(NOT_FOUND\) .*/\1/p'
}
all=$(page 0)
f0=$(echo "$all" | sed -n 's/.* first \([0-9]*\) .*/\1/p')
l0=$(echo "$all" | sed -n 's/.* last \([0-9]*\) .*/\1/p')
[ "$(echo "$all" | cut -d' ' -f1-3,8-)" = "OK entries 1000 more 0" ] && [ -n "$f0" ] && [ "$l0" -gt "$f0" ] &&
    ok "from 0: all 1000 entries in one page, #$f0 to #$l0" || not_ok "from 0: $all"
p=$(page $((f0 + 1)))
[ "$(echo "$p" | cut -d' ' -f1-3)" = "OK entries 999" ] && [ "$(echo "$p" | sed -n 's/.* first \([0-9]*\) .*/\1/p')" -gt "$f0" ] &&
    [ "$(echo "$p" | sed -n 's/.* last \([0-9]*\) .*/\1/p')" = "$l0" ] &&
    ok "from just past the first: the other 999, to #$l0" || not_ok "from $((f0 + 1)): $p"
[ "$(page "$l0")" = "OK entries 1 first $l0 last $l0 more 0" ] && ok "from the last: that one" || not_ok "from the last: $(page "$l0")"
[ "$(page $((l0 + 1)))" = "OK entries 0 first -1 last -1 more 0" ] &&
    ok "from past the last: an empty page, the cylinder known" || not_ok "from past the last: $(page $((l0 + 1)))"
[ "$(page 5 06900001000150ZZZZZZ)" = "NOT_FOUND" ] && ok "an unknown cylinder from 5: not found" ||
    not_ok "unknown from 5: $(page 5 06900001000150ZZZZZZ)"
# A page of at most COUNT entries (the console asks for one) holds
# that many and says there is more.
p=$(page 0 "$G" 3)
[ "$(echo "$p" | cut -d' ' -f1-5)" = "OK entries 3 first $f0" ] && [ "$(echo "$p" | sed -n 's/.* more //p')" = 1 ] &&
    ok "a count of 3 from 0: the first 3, and more" || not_ok "count 3 from 0: $p"
p=$(page $((f0 + 1)) "$G" 1)
[ "$(echo "$p" | cut -d' ' -f1-3)" = "OK entries 1" ] && [ "$(echo "$p" | sed -n 's/.* more //p')" = 1 ] &&
    ok "a count of 1 from just past the first: one entry, and more" || not_ok "count 1 from $((f0 + 1)): $p"

# A regulator's home that takes in at most 256 KiB: it asks for pages
# that fit (max_reply_bytes), and the service keeps to them.
C="$T_DIR/small"
mkdir -p "$C"
ln -s "$B/keys" "$C/keys"
sed -e 's/^limit.hard_message_bytes = .*/limit.hard_message_bytes = 262144/' "$B/lpgtrace.conf" >"$C/lpgtrace.conf"
check "a CLI with limit.hard_message_bytes = 262144 traces the busy cylinder" lpgtrace --home "$C" trace "$G"
check_out "every one of its 1,000 entries verified" "^✓ all 1000 entries verified"
grep -q "bounded by limit.trace_reply_bytes or the client's max_reply_bytes" "$T_DIR/trace.log" \
    && ok "in pages the service kept small for it" || not_ok "no page was bounded for the client"

# A home whose hard cap is 256 KiB starts lpg-traced: the reply bound
# follows it (auto), where an explicit one too large is refused.
# instance DIR [KEY VALUE]...: a home on the busy ledger and keys, its
# own trace endpoint and metrics port, no notary, and each KEY set to
# its VALUE.
instance() {
    d=$1
    shift
    mkdir -p "$d"
    ln -s "$B/ledger" "$B/keys" "$d/"
    set -- $(python3 -c 'import socket
s = []
for i in range(2):
    x = socket.socket(); x.bind(("127.0.0.1", 0)); s.append(x)
print(" ".join(str(x.getsockname()[1]) for x in s))') "$@"
    sed -e "s|^endpoint.trace = .*|endpoint.trace = tcp://127.0.0.1:$1|" -e "s/^metrics.trace = .*/metrics.trace = $2/" \
        -e 's/^notary.enabled = .*/notary.enabled = 0/' "$B/lpgtrace.conf" >"$d/lpgtrace.conf"
    shift 2
    while [ $# -ge 2 ]; do
        sed -i "s/^$1 = .*/$1 = $2/" "$d/lpgtrace.conf"
        shift 2
    done
}
# proof_nodes HOME: "READ KEPT", the proof nodes its lpg-traced read from
# the ledger and took from memory so far (lpg_work_total).
proof_nodes() {
    python3 "$LPG_ROOT/tests/prom_text.py" scrape "http://127.0.0.1:$(sed -n 's/^metrics\.trace = //p' "$1/lpgtrace.conf")/metrics" "$T_DIR/m.json" >/dev/null &&
        echo "$(python3 "$LPG_ROOT/tests/prom_text.py" value "$T_DIR/m.json" lpg_work_total what=proof_node_read)" \
            "$(python3 "$LPG_ROOT/tests/prom_text.py" value "$T_DIR/m.json" lpg_work_total what=proof_node_kept)"
}
D="$T_DIR/smallsrv"
instance "$D" limit.hard_message_bytes 262144
: >"$T_DIR/trace.log"
t_daemon trace "$D" && ok "lpg-traced starts with limit.hard_message_bytes = 262144" || not_ok "no start with a small hard cap"
check "and answers a verified trace of the busy cylinder" lpgtrace --home "$D" trace "$G"
check_out "all 1000 verified" "^✓ all 1000 entries verified"
kill -TERM "$T_PID_trace"
wait "$T_PID_trace"
sed -i -e 's/^limit.trace_reply_bytes = .*/limit.trace_reply_bytes = 983040/' "$D/lpgtrace.conf"
refused_at_start "$D" \
    "limit.trace_reply_bytes = '983040' must be 'auto' or a number of bytes from 4096 to limit.hard_message_bytes (262144) less 4096" \
    "an explicit limit.trace_reply_bytes above that cap is still refused"

# The busy cylinder's proofs with the tree's upper levels from memory
# (the default, 32MiB: the whole of this small tree), asked twice, and
# from an instance that keeps none and reads every node: one verified
# answer (what differs is only the checkpoint seen before, which the
# first answer saved).
same_answer() {
    python3 -c 'import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for d in (a, b):
    d["checkpoint"].pop("seen_before_size", None)
sys.exit(0 if a == b and a["verified"] and len(a["entries"]) == 1000 else 1)' "$1" "$2"
}
check "a verified trace of the busy cylinder (JSON)" lpgtrace --home "$B" --json trace "$G"
cp "$T_DIR/out" "$T_DIR/busy1.json"
set -- $(proof_nodes "$B")
check "and again, its nodes now from memory" lpgtrace --home "$B" --json trace "$G"
same_answer "$T_DIR/out" "$T_DIR/busy1.json" \
    && ok "the same verified answer, its 1,000 entries" || not_ok "the second answer differs"
set -- $(proof_nodes "$B") "$@"
[ -n "$4" ] && [ "$1" -eq "$3" ] && [ "$2" -gt $(($4 + 1000)) ] \
    && ok "its metrics: no proof node read from the ledger, $(($2 - $4)) taken from memory" \
    || not_ok "proof nodes read / from memory: $3 / $4 before, $1 / $2 after"
N="$T_DIR/nocache"
instance "$N" trace.node_cache 0B
cp -r "$B/seen-checkpoints" "$N/"
: >"$T_DIR/trace.log"
t_daemon trace "$N" && ok "lpg-traced with trace.node_cache = 0B" || not_ok "no start with no node cache"
grep -q "proofs read every node from the ledger (trace.node_cache = 0B)" "$T_DIR/trace.log" \
    && ok "says it reads every node" || not_ok "no line for no node cache"
check "a verified trace of the busy cylinder from it" lpgtrace --home "$N" --json trace "$G"
same_answer "$T_DIR/out" "$T_DIR/busy1.json" && ok "the same verified answer" || not_ok "the answer without the node cache differs"
set -- $(proof_nodes "$N")
[ -n "$2" ] && [ "$1" -gt 1000 ] && [ "$2" -eq 0 ] \
    && ok "its metrics: $1 proof nodes read from the ledger, none from memory" \
    || not_ok "proof nodes read / from memory without the cache: $1 / $2"
kill -TERM "$T_PID_trace"
wait "$T_PID_trace"
for bad in lots 32MB -1B; do
    sed -i -e "s/^trace.node_cache = .*/trace.node_cache = $bad/" "$N/lpgtrace.conf"
    refused_at_start "$N" \
        "trace.node_cache = '$bad' must be a size such as 32MiB (B, KiB, MiB or GiB; 0B keeps none)" \
        "trace.node_cache = $bad is refused at start, saying why"
done

# A client that sends 800 GetTrace requests and reads none of the
# answers: the service queues a bounded number of them for it, keeps
# serving others, and gives the memory back once it is gone.
kib() { sed -n "s/^$2:[^0-9]*\([0-9]*\) kB/\1/p" "/proc/$1/status"; }
asan=0
ldd "$(command -v lpg-traced)" 2>/dev/null | grep -q libasan && asan=1
n0=$(grep -c "get_trace" "$T_DIR/trace.log")
wire "$B" trace "$B/keys/admin" flood 800 "$G" 300 >"$T_DIR/flood.out" 2>&1 &
FLOOD=$!
T_PIDS="$T_PIDS $FLOOD"
i=0
until [ "$(ps -o state= -p "$FLOOD" 2>/dev/null)" = "T" ] || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
grep -q "^sent 800$" "$T_DIR/flood.out" && ok "800 GetTrace requests sent, none read" || not_ok "flood: $(cat "$T_DIR/flood.out")"
i=0
until [ "$(grep -c "get_trace" "$T_DIR/trace.log")" -ge $((n0 + 800)) ] || [ $i -ge 600 ]; do sleep 0.1; i=$((i + 1)); done
[ "$(grep -c "get_trace" "$T_DIR/trace.log")" -ge $((n0 + 800)) ] \
    && ok "the service went through all 800" || not_ok "the service answered $(( $(grep -c "get_trace" "$T_DIR/trace.log") - n0 )) of 800"
peak=$(kib "$BUSY" VmHWM)
if [ $asan -eq 1 ]; then
    ok "# SKIP peak memory (AddressSanitizer keeps freed memory: ${peak} kB)"
else
    [ "$peak" -lt 200000 ] && ok "its peak memory stayed at ${peak} kB (under 200 MB)" || not_ok "peak memory ${peak} kB"
fi
check "another client is answered meanwhile" lpgtrace --home "$C" trace "$G"
check_out "verified" "^✓ all 1000 entries verified"
kill -9 "$FLOOD"
wait "$FLOOD" 2>/dev/null
sleep 2
rss=$(kib "$BUSY" VmRSS)
if [ $asan -eq 1 ]; then
    ok "# SKIP memory after the client left (AddressSanitizer: ${rss} kB)"
else
    [ "$rss" -lt 64000 ] && ok "after the client left it holds ${rss} kB (under 64 MB)" || not_ok "after the client left: ${rss} kB"
fi
check "and it still answers" lpgtrace --home "$B" trace "$G"
kill -TERM "$BUSY"
wait "$BUSY"

t_done
