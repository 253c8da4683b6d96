# ledger.sh - the ledger through the real lpgtrace binary: init, keys,
# generated events, log, checkpoints, proofs, verify, and every kind of
# tampering caught with the sequence number named.
. "$LPG_ROOT/tests/e2e/lib.sh"

H="$T_DIR/home"
check "init makes a home" lpgtrace --home "$H" init
check_status "init refuses an existing home" 2 lpgtrace --home "$H" init
check_out "refusal says why" "never overwrites"
mode=$(stat -c %a "$H/keys/authority.pem")
[ "$mode" = 600 ] && ok "authority key is 0600" || not_ok "authority key mode $mode"

check "keygen" lpgtrace keygen --out "$T_DIR/dev1"
ls "$T_DIR/dev1.pem" "$T_DIR/dev1.pub" "$T_DIR/dev1.curve" "$T_DIR/dev1.curve.pub" >/dev/null 2>&1 \
    && ok "keygen writes four files" || not_ok "keygen files missing"
[ "$(stat -c %a "$T_DIR/dev1.curve")" = 600 ] && ok "CURVE secret 0600" || not_ok "CURVE secret mode"
check_status "keygen never overwrites" 2 lpgtrace keygen --out "$T_DIR/dev1"
chmod 644 "$H/keys/authority.pem"
check_status "a world-readable key is refused" 2 lpgtrace --home "$H" gen --fills 1
check_out "refusal names chmod" "chmod 600"
chmod 600 "$H/keys/authority.pem"

check "gen appends signed events" lpgtrace --home "$H" gen --devices 4 --cylinders 30 --fills 200 --seed 1
check_out "gen reports what it recorded" "452 events recorded, 0 refused"
check "verify a generated ledger" lpgtrace --home "$H" verify
check_out "verify says OK" "^OK: 454 entries"

# An independent RFC 9162 computation of the root from `log --raw`.
lpgtrace --home "$H" log --raw >"$T_DIR/raw"
lpgtrace --home "$H" proof inclusion 0 >"$T_DIR/inc0.json"
cat >"$T_DIR/root.py" <<'PY'
import base64, hashlib, json, sys
leaves = []
for line in open(sys.argv[1]):
    seq, b64 = line.split()
    assert int(seq) == len(leaves)
    leaves.append(hashlib.sha256(b"\x00" + base64.b64decode(b64)).digest())
def mth(h):
    if len(h) == 1:
        return h[0]
    k = 1
    while k * 2 < len(h):
        k *= 2
    return hashlib.sha256(b"\x01" + mth(h[:k]) + mth(h[k:])).digest()
want = json.load(open(sys.argv[2]))
assert want["treeSize"] == len(leaves), "size"
assert base64.b64decode(want["root"]) == mth(leaves), "root differs"
assert base64.b64decode(want["leafHash"]) == leaves[0], "leaf differs"
print("root matches")
PY
check "independent RFC 9162 root from log --raw" python3 "$T_DIR/root.py" "$T_DIR/raw" "$T_DIR/inc0.json"

# Proofs.
for seq in 0 1 100 452; do
    lpgtrace --home "$H" proof inclusion $seq >"$T_DIR/inc.json"
    check "inclusion proof of $seq verifies" lpgtrace proof verify "$T_DIR/inc.json"
done
lpgtrace --home "$H" proof inclusion 7 --size 100 >"$T_DIR/inc.json"
check "inclusion proof in an older tree" lpgtrace proof verify "$T_DIR/inc.json"
lpgtrace --home "$H" proof consistency 100 453 >"$T_DIR/cons.json"
check "consistency proof verifies" lpgtrace proof verify "$T_DIR/cons.json"
sed 's/"size1": 100/"size1": 101/' "$T_DIR/cons.json" >"$T_DIR/cons-bad.json"
check_status "a proof with a wrong size is rejected" 1 lpgtrace proof verify "$T_DIR/cons-bad.json"
check_status "proof of an entry past the end" 2 lpgtrace --home "$H" proof inclusion 454

# The published vectors: accept and reject exactly as they say.
bad=0
for f in "$LPG_ROOT"/tests/vectors/merkle/*/*/*.json; do
    if grep -q '"wantErr": true' "$f"; then want=1; else want=0; fi
    lpgtrace proof verify "$f" >/dev/null 2>&1
    got=$?
    [ "$got" -eq "$want" ] || { bad=$((bad + 1)); echo "# $f: exit $got, wanted $want"; }
done
[ "$bad" -eq 0 ] && ok "proof verify agrees with every published vector" || not_ok "$bad vectors disagree"

# Checkpoints.
check "sign a checkpoint" lpgtrace --home "$H" checkpoint --sign
cp "$T_DIR/out" "$T_DIR/cp434"
lpgtrace --home "$H" checkpoint >"$T_DIR/cp-latest"
cmp -s "$T_DIR/cp434" "$T_DIR/cp-latest" && ok "checkpoint prints the note as signed" || not_ok "checkpoint output differs"
head -2 "$T_DIR/cp434" | tail -1 | grep -qx 454 && ok "note names the tree size" || not_ok "note size line"
grep -q '^— lpgtrace.example/ledger ' "$T_DIR/cp434" && ok "note has a signature line" || not_ok "no signature line"
check "a saved checkpoint verifies" lpgtrace --home "$H" checkpoint --verify "$T_DIR/cp434"
check "more events" lpgtrace --home "$H" gen --devices 2 --cylinders 5 --fills 20 --seed 2
check "old checkpoint still consistent after growth" lpgtrace --home "$H" checkpoint --verify "$T_DIR/cp434"
check_out "and says so" "unchanged in the current tree of 521"
sed 's/^454$/455/' "$T_DIR/cp434" >"$T_DIR/cp-bad"
check_status "an altered note is refused" 1 lpgtrace --home "$H" checkpoint --verify "$T_DIR/cp-bad"
check "verify --since a checkpoint" lpgtrace --home "$H" verify --since "$T_DIR/cp434"
check_out "only the new entries are checked" "^OK: 67 entries after the checkpoint"
check "verify with stored checkpoint" lpgtrace --home "$H" verify

# Tampering, each on its own copy of the ledger.
tamper() {
    rm -rf "$T_DIR/t"
    cp -r "$H" "$T_DIR/t"
    ledger_tamper "$@"
}
tamper flip "$T_DIR/t/ledger" 200
check_status "a flipped byte is caught" 1 lpgtrace --home "$T_DIR/t" verify
check_out "and its entry named" "DAMAGED: entry 200: entry bytes do not match"
tamper delete "$T_DIR/t/ledger" 300
check_status "a removed entry is caught" 1 lpgtrace --home "$T_DIR/t" verify
check_out "and its place named" "DAMAGED: entry 300: entry missing"
tamper forge "$T_DIR/t/ledger" 250
check_status "a forged signature is caught, tree recomputed or not" 1 lpgtrace --home "$T_DIR/t" verify
check_out "and its entry named" "DAMAGED: entry 250: signature does not verify"
check_status "the saved checkpoint exposes the rewrite" 1 lpgtrace --home "$T_DIR/t" checkpoint --verify "$T_DIR/cp434"
check_out "as a rewrite" "history was rewritten"
check_status "verify --since exposes the rewrite" 1 lpgtrace --home "$T_DIR/t" verify --since "$T_DIR/cp434"
tamper statedel "$T_DIR/t/ledger" 0
check_status "a state table edited behind the log's back is caught" 1 lpgtrace --home "$T_DIR/t" verify
check_out "as state not matching the log" "state table 'cylinders' does not match the log"
check_status "rebuild says the live state differed" 1 lpgtrace --home "$T_DIR/t" rebuild
check_out "and rebuilds it" "DIFFERENT: the live state did not match the log; it does now"
check "after the rebuild the ledger verifies" lpgtrace --home "$T_DIR/t" verify
# An index kept as chains is compared as stored (its heads, then its
# links): a site's history that skips an entry is caught there.
tamper chainskip "$T_DIR/t/ledger" 0
check_status "a site's history edited in its index is caught" 1 lpgtrace --home "$T_DIR/t" verify
check_out "as that index not matching the log" "state table 'by_site' does not match the log"
check_status "rebuild finds the index differed" 1 lpgtrace --home "$T_DIR/t" rebuild
check "and after it the ledger verifies again" lpgtrace --home "$T_DIR/t" verify
# The replay's chains are kept in memory and compared with the stored
# ones, heads and links apart: a cylinder's chain cut short at its head,
# and a link gone from the oldest end, are each caught.
tamper headback "$T_DIR/t/ledger" 0
check_status "a cylinder's history cut short at its head is caught" 1 lpgtrace --home "$T_DIR/t" verify
check_out "as its index not matching the log" "state table 'by_cylinder' does not match the log"
check_status "rebuild finds it differed" 1 lpgtrace --home "$T_DIR/t" rebuild
check "and after it the ledger verifies" lpgtrace --home "$T_DIR/t" verify
tamper linkdrop "$T_DIR/t/ledger" 0
check_status "a link gone from the cylinders' chains is caught" 1 lpgtrace --home "$T_DIR/t" verify
rows=$(sed -n "s/.*state table 'by_cylinder' does not match the log (\([0-9]*\) rows stored, \([0-9]*\) from replay).*/\1 \2/p" "$T_DIR/out")
set -- $rows
[ -n "$rows" ] && [ "$(( $1 + 1 ))" = "$2" ] \
    && ok "as one row fewer stored than replayed ($1 against $2)" \
    || not_ok "rows stored and replayed: '$rows'"
check_status "rebuild finds it differed" 1 lpgtrace --home "$T_DIR/t" rebuild
check_out "and mends it" "DIFFERENT: the live state did not match the log; it does now"
check "and after it the ledger verifies" lpgtrace --home "$T_DIR/t" verify
# The marks, where a recall of a window starts reading a site's chain,
# are state too: one given another value is caught.
tamper markshift "$T_DIR/t/ledger" 0
check_status "a site's mark edited is caught" 1 lpgtrace --home "$T_DIR/t" verify
check_out "as its index not matching the log" "state table 'by_site' does not match the log"
check_status "rebuild finds it differed" 1 lpgtrace --home "$T_DIR/t" rebuild
check "and after it the ledger verifies" lpgtrace --home "$T_DIR/t" verify
check "rebuilding an intact ledger" lpgtrace --home "$H" rebuild
check_out "gives the identical state" "identical: the live state was the log's projection"
tamper truncate "$T_DIR/t/ledger" 400
check_status "a dropped tail is caught by the saved checkpoint" 1 lpgtrace --home "$T_DIR/t" checkpoint --verify "$T_DIR/cp434"
check_out "as dropped entries" "entries were dropped"

# A byte flipped in an entry signed by no checkpoint yet (the last is of
# 454 entries): log --raw must not print it as the tree's bytes, and no
# checkpoint may be signed over it, by the CLI or by the notary.
tamper flip "$T_DIR/t/ledger" 500
check_status "log --raw refuses a damaged entry" 1 lpgtrace --home "$T_DIR/t" log --raw
check_out "naming it" "entry 500: its bytes do not match the leaf hash"
lpgtrace --home "$T_DIR/t" log --raw >"$T_DIR/raw-bad" 2>/dev/null
n=$(wc -l <"$T_DIR/raw-bad")
last=$(tail -1 "$T_DIR/raw-bad" | cut -d' ' -f1)
[ "$n" -eq 500 ] && [ "$last" = 499 ] \
    && ok "the entries before it are printed, it is not" \
    || not_ok "printed $n lines, the last of entry $last"
check "entries after the damage print" lpgtrace --home "$T_DIR/t" log --raw --from 501
check_status "checkpoint --sign refuses a damaged ledger" 1 lpgtrace --home "$T_DIR/t" checkpoint --sign
check_out "naming the entry" "not signing: entry 500: entry bytes do not match their Merkle leaf hash"
lpgtrace --home "$T_DIR/t" checkpoint | sed -n 2p | grep -qx 454 \
    && ok "no checkpoint was stored" || not_ok "a checkpoint was signed over damage"
ports=$(python3 -c 'import socket
s = []
for i in range(2):
    x = socket.socket(); x.bind(("127.0.0.1", 0)); s.append(x)
print(" ".join(str(x.getsockname()[1]) for x in s))')
set -- $ports
sed -i -e "s|^endpoint.trace = .*|endpoint.trace = tcp://127.0.0.1:$1|" \
    -e "s|^endpoint.feed = .*|endpoint.feed = tcp://127.0.0.1:$2|" \
    "$T_DIR/t/lpgtrace.conf"
t_daemon trace "$T_DIR/t" && ok "the notary runs on the damaged copy" \
    || not_ok "lpg-traced up"
i=0
while [ $i -lt 50 ] && ! grep -q "notary: entry 500" "$T_DIR/trace.log"; do
    sleep 0.1
    i=$((i + 1))
done
if grep -q "notary: entry 500: entry bytes do not match" "$T_DIR/trace.log"; then
    ok "the notary refuses to sign, naming the entry"
else
    not_ok "the notary said nothing of entry 500"
    sed 's/^/#   /' "$T_DIR/trace.log" | tail -10
fi
lpgtrace --home "$T_DIR/t" checkpoint | sed -n 2p | grep -qx 454 \
    && ok "and signed nothing" || not_ok "the notary signed over damage"
kill "$T_PID_trace" 2>/dev/null

t_done
