# durability.sh - several writers at once, and a writer killed with
# SIGKILL in the middle of a long run: the ledger stays one gap-free,
# verifiable sequence, and every acknowledged event is in it.
. "$LPG_ROOT/tests/e2e/lib.sh"

H="$T_DIR/home"
check "init" lpgtrace --home "$H" init

# Three processes appending to one environment at once.
pids=""
for s in 11 12 13; do
    lpgtrace --home "$H" gen --devices 4 --cylinders 20 --fills 150 --seed $s --batch 16 \
        >"$T_DIR/gen$s" 2>&1 &
    pids="$pids $!"
done
fail=0
for p in $pids; do wait "$p" || fail=1; done
[ $fail -eq 0 ] && ok "three concurrent writers finish" || not_ok "a concurrent writer failed"
lpgtrace --home "$H" log --raw >"$T_DIR/raw"
n=$(wc -l <"$T_DIR/raw")
[ "$n" -eq 1028 ] && ok "every event of the three is there (init: 2, + 3 x 342)" || not_ok "$n entries, wanted 1028"
awk '$1 != NR - 1 { bad = 1 } END { exit bad }' "$T_DIR/raw" \
    && ok "sequence is gap-free" || not_ok "sequence has a gap"
check "the interleaved ledger verifies" lpgtrace --home "$H" verify

# kill -9 during a long run of batches.
: >"$T_DIR/acks"
lpgtrace --home "$H" gen --devices 8 --cylinders 50 --fills 200000 --seed 21 --batch 32 --acks \
    >>"$T_DIR/acks" 2>"$T_DIR/gen.err" &
pid=$!
T_PIDS="$pid"
i=0
while [ "$(wc -l <"$T_DIR/acks")" -lt 2000 ] && [ $i -lt 600 ]; do
    sleep 0.1
    i=$((i + 1))
done
kill -9 $pid
wait $pid 2>/dev/null
acked=$(grep -c '^ack ' "$T_DIR/acks")
[ "$acked" -ge 2000 ] && ok "writer acknowledged $acked events before SIGKILL" || not_ok "only $acked acks"
check "the ledger verifies after SIGKILL" lpgtrace --home "$H" verify
lpgtrace --home "$H" --json log --from 1028 >"$T_DIR/log.json"
cat >"$T_DIR/acked.py" <<'PY'
import json, sys
have = {}
for line in open(sys.argv[2]):
    o = json.loads(line)
    have[o["seq"]] = o["event_id"]
missing = 0
for line in open(sys.argv[1]):
    if not line.startswith("ack "):
        continue
    _, seq, eid = line.split()
    if have.get(int(seq)) != eid:
        missing += 1
print("acked events missing:", missing)
sys.exit(1 if missing else 0)
PY
check "every acknowledged event is in the ledger" python3 "$T_DIR/acked.py" "$T_DIR/acks" "$T_DIR/log.json"
check "a writer after the crash appends on" lpgtrace --home "$H" gen --devices 2 --cylinders 2 --fills 5 --seed 22
check "and the ledger still verifies" lpgtrace --home "$H" verify

t_done
