# backup.sh - `lpgtrace backup` of a live ledger while the services
# write (fill checks and company registrations in the background), then
# `lpgtrace restore` into a new home with daemons started on it: the
# copy verifies, its tree size is the manifest's, every event
# acknowledged below that size is there byte for byte; a backup with one
# byte changed, a non-empty home and a home in use are refused.
. "$LPG_ROOT/tests/e2e/lib.sh"

H="$T_DIR/home"
B="$T_DIR/backup"
N="$T_DIR/restored"
t_home "$H" && ok "home" || not_ok "home"
check "a company, a station, 60 cylinders" lpgtrace --home "$H" gen --companies 1 --sites 1 --devices 1 --cylinders 60 --fills 0 --seed 47 --codes "$T_DIR/codes.txt"
for d in registry filling; do
    t_daemon "$d" "$H" && ok "$d up" || not_ok "$d up"
done

S="$T_DIR/s0"
mkdir -p "$S/keys"
lpgtrace keygen --out "$H/keys/scanner0" >/dev/null
lpgtrace --home "$H" device enroll --key "$H/keys/scanner0" --company C47-0 --site S47-0 --role filling-scanner >/dev/null
cp "$H/keys/scanner0.pem" "$H/keys/scanner0.curve" "$H/keys/filling.curve.pub" "$H/keys/authority.pub" "$S/keys/"
printf 'device.key = keys/scanner0\ndevice.site = S47-0\ndevice.operator = staff-S47-0-0\n%s\n' \
    "$(grep '^endpoint.filling' "$H/lpgtrace.conf")" >"$S/lpgtrace.conf"

# Two writers through the daemons; each keeps the seq of every event the
# service acknowledged (recorded: OK or DENIED).
seq_of() { python3 -c 'import json, sys
for line in sys.stdin:
    try:
        o = json.loads(line)
    except ValueError:
        continue
    if "seq" in o:
        print(o["seq"])'; }
: >"$T_DIR/acks"
(
    i=0
    while [ ! -f "$T_DIR/stop" ] && [ $i -lt 400 ]; do
        n=$(( i % 60 + 1 ))
        line=$(sed -n "${n}p" "$T_DIR/codes.txt")
        tare=$(echo "$line" | cut -d' ' -f2)
        [ $(( i % 3 )) -eq 0 ] && tare=100  # a DENY, recorded all the same
        lpg-scan --home "$S" fill-check --json --code "${line%% *}" --tare-g "$tare" --check all=ok 2>/dev/null | seq_of >>"$T_DIR/acks"
        i=$((i + 1))
    done
) &
W1=$!
(
    i=0
    while [ ! -f "$T_DIR/stop" ] && [ $i -lt 400 ]; do
        lpgtrace --home "$H" --json company add "CB$i" --name "Backup Gas $i" --gs1-prefix 6908888 --licence "B-$i" 2>/dev/null | seq_of >>"$T_DIR/acks"
        i=$((i + 1))
    done
) &
W2=$!
T_PIDS="$T_PIDS $W1 $W2"
acked() { wc -l <"$T_DIR/acks"; }
wait_acks() { # N: until N events are acknowledged (30 s at most)
    k=0
    while [ "$(acked)" -lt "$1" ] && [ $k -lt 300 ]; do sleep 0.1; k=$((k + 1)); done
}
wait_acks 10
before=$(acked)
[ "$before" -ge 10 ] && ok "writers running ($before acknowledged)" || not_ok "writers: $before acknowledged"

check "backup while they write" lpgtrace --home "$H" backup "$B"
check_out "the copy verified" "^  verified  "
during=$(acked)
wait_acks $((during + 10))
touch "$T_DIR/stop"
wait $W1 $W2
after=$(acked)
T=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["tree_size"])' "$B/manifest.json")
in_backup=$(awk -v t="$T" '$1 < t' "$T_DIR/acks" | wc -l)
past=$(awk -v t="$T" '$1 >= t' "$T_DIR/acks" | wc -l)
[ "$in_backup" -ge "$before" ] && [ "$past" -ge 1 ] \
    && ok "taken mid-stream: $in_backup acknowledged events below tree size $T, $past after" \
    || not_ok "not mid-stream: $in_backup below $T, $past after ($before before, $after in all)"
python3 - "$B" "$H" <<'EOF' && ok "manifest: every file with mode and SHA-256; keys private 0600" || not_ok "manifest"
import hashlib, json, os, stat, sys
b, h = sys.argv[1], sys.argv[2]
m = json.load(open(os.path.join(b, "manifest.json")))
paths = {f["path"] for f in m["files"]}
want = {"ledger/data.mdb", "lpgtrace.conf", "keys/ledger.pem", "keys/registry.master",
        "keys/pii.hmac", "keys/filling.curve", "keys/admin.pem", "keys/inspection-service.pem"}
assert want <= paths, want - paths
for f in m["files"]:
    p = os.path.join(b, f["path"])
    assert hashlib.sha256(open(p, "rb").read()).hexdigest() == f["sha256"], p
    assert os.path.getsize(p) == f["bytes"], p
    mode = stat.S_IMODE(os.stat(p).st_mode)
    assert "%04o" % mode == f["mode"], (p, mode)
    if f["path"].startswith("keys/") and not f["path"].endswith(".pub"):
        assert mode == 0o600, (p, oct(mode))
        assert mode == stat.S_IMODE(os.stat(os.path.join(h, f["path"])).st_mode)
assert m["tree_size"] > 0 and len(m["root"]) == 64
assert not os.path.exists(os.path.join(b, "ledger", "lock.mdb"))
EOF

# Restore into a new home; the services of the old one stop first (the
# restored configuration names the same ports).
for d in registry filling; do
    eval "kill \$T_PID_$d"
    eval "wait \$T_PID_$d"
done
lpgtrace --home "$H" log --raw >"$T_DIR/old.raw"
check "restore into a new home" lpgtrace restore "$B" --home "$N"
check_out "checked before and after" "before and"
lpgtrace --home "$N" log --raw >"$T_DIR/new.raw"
expect_n=$(wc -l <"$T_DIR/new.raw")
[ "$expect_n" -eq "$T" ] && ok "restored tree size = the manifest's ($T)" || not_ok "restored $expect_n entries, manifest $T"
check "the restored home verifies" lpgtrace --home "$N" verify
missing=0
for s in $(awk -v t="$T" '$1 < t' "$T_DIR/acks"); do
    a=$(sed -n "$((s + 1))p" "$T_DIR/old.raw")
    b=$(sed -n "$((s + 1))p" "$T_DIR/new.raw")
    [ -n "$b" ] && [ "$a" = "$b" ] || missing=$((missing + 1))
done
[ $missing -eq 0 ] && ok "all $in_backup acknowledged events below $T are there, byte for byte" || not_ok "$missing acknowledged events missing"
cmp -s "$T_DIR/new.raw" "$(head -n "$T" "$T_DIR/old.raw" >"$T_DIR/old.head"; echo "$T_DIR/old.head")" \
    && ok "the restored log is the old log's first $T entries" || not_ok "restored log differs"
for d in registry filling; do
    t_daemon "$d" "$N" && ok "$d up on the restored home" || not_ok "$d on the restored home"
done
check "it takes new events" lpgtrace --home "$N" company add CAFTER --name "After Gas" --gs1-prefix 6907777 --licence A-1
check_out "at the next seq" "(entry $T)"

# Refusals.
check_status "a home that is not empty is refused" 2 lpgtrace restore "$B" --home "$N"
check_out "saying why" "is not empty"
check_status "--force on a home whose services run is refused" 2 lpgtrace restore "$B" --home "$N" --force
check_out "saying why" "stop the services first"
cp -r "$B" "$T_DIR/bad"
size=$(stat -c %s "$T_DIR/bad/ledger/data.mdb")
python3 - "$T_DIR/bad/ledger/data.mdb" "$((size / 2 + 7))" <<'EOF'
import sys
p, off = sys.argv[1], int(sys.argv[2])
with open(p, "r+b") as f:
    f.seek(off); b = f.read(1); f.seek(off); f.write(bytes([b[0] ^ 0x01]))
EOF
check_status "a backup with one byte flipped is refused" 1 lpgtrace restore "$T_DIR/bad" --home "$T_DIR/r2"
check_out "naming the file" "DAMAGED: the backup: ledger/data.mdb does not match the manifest"
[ ! -e "$T_DIR/r2" ] && ok "and the new home is not touched" || not_ok "r2 was created"
cp -r "$B" "$T_DIR/bad2"
printf 'x' >>"$T_DIR/bad2/keys/ledger.pem"
check_status "a backup with a key file changed is refused" 1 lpgtrace restore "$T_DIR/bad2" --home "$T_DIR/r3"
check_out "naming the file" "keys/ledger.pem does not match"
# A flipped byte whose SHA-256 is also rewritten in the manifest: the full
# verify after copying catches what it damaged.
cp -r "$B" "$T_DIR/bad3"
N="$N" T="$T" python3 - "$T_DIR/bad3" <<'EOF'
import hashlib, json, os, subprocess, sys
b = sys.argv[1]
p = os.path.join(b, "ledger", "data.mdb")
data = bytearray(open(p, "rb").read())
# The last entry's bytes: find them by their base64 in `log --raw`.
raw = subprocess.run(["lpgtrace", "--home", os.environ["N"], "log", "--raw"],
                     capture_output=True, text=True).stdout.split("\n")
import base64
seq, text = raw[int(os.environ["T"]) - 1].split(" ", 1)
entry = base64.b64decode(text)
i = bytes(data).find(entry)
assert i >= 0
data[i + len(entry) // 2] ^= 0x01
open(p, "wb").write(data)
m = json.load(open(os.path.join(b, "manifest.json")))
for f in m["files"]:
    if f["path"] == "ledger/data.mdb":
        f["sha256"] = hashlib.sha256(data).hexdigest()
os.chmod(os.path.join(b, "manifest.json"), 0o600)
json.dump(m, open(os.path.join(b, "manifest.json"), "w"))
EOF
check_status "an entry altered under a rewritten manifest is refused" 1 lpgtrace restore "$T_DIR/bad3" --home "$T_DIR/r4"
check_out "by the verify after" "DAMAGED: the restored ledger: entry"
[ ! -e "$T_DIR/r4/ledger/data.mdb" ] && ok "and the damaged ledger is not left behind" || not_ok "r4 ledger left"
check_status "a directory without a manifest is refused" 2 lpgtrace restore "$T_DIR" --home "$T_DIR/r5"

# A compacted backup, restored over the home with --force once its
# services have stopped.
for d in registry filling; do
    eval "kill \$T_PID_$d"
    eval "wait \$T_PID_$d"
done
check "a compacted backup" lpgtrace --home "$N" backup "$T_DIR/compact" --compact
check_out "says so" "(compacted)"
check "restored over the stopped home with --force" lpgtrace restore "$T_DIR/compact" --home "$N" --force
check_out "tree size one more than before" "size $((T + 1)), root"
check "and it verifies" lpgtrace --home "$N" verify

t_done
