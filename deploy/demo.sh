#!/bin/sh
# make demo: lpgtrace at work on a fresh home in build/demo/, on free
# loopback ports: the registry and the fill gate started, a company,
# two stations, staff and cylinders registered, their labels printed and
# read back, cylinders filled, refused fills with every reason, then the
# ledger checked: checkpoint, proofs, a full verification, and a
# tampered copy caught; and the regulator's trace of one cylinder.
set -eu
B=${1:?usage: deploy/demo.sh BUILD_DIR}
BIN="$(cd "$B/bin" && pwd)"
TOOLS="$(cd "$B/tests" && pwd)"
D="$(pwd)/build/demo"
H="$D/home"
S="$D/station"
rm -rf "$D"
mkdir -p "$D"
pids=""
cleanup() {
    for p in $pids; do kill -TERM "$p" 2>/dev/null || true; done
    for p in $pids; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM
lpg() { "$BIN/lpgtrace" --home "$H" "$@"; }
scan() { "$BIN/lpg-scan" --home "$S" "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
say() { printf '$ %s\n' "$*"; }

step "A fresh home: ledger, authority and ledger keys, daemon keys, config"
lpg init
ports=$(python3 -c 'import socket
s = []
for i in range(4):
    x = socket.socket(); x.bind(("127.0.0.1", 0)); s.append(x)
print(" ".join(str(x.getsockname()[1]) for x in s))')
set -- $ports
sed -i -e "s|^endpoint.registry = .*|endpoint.registry = tcp://127.0.0.1:$1|" \
    -e "s|^endpoint.filling = .*|endpoint.filling = tcp://127.0.0.1:$2|" \
    -e "s|^endpoint.trace = .*|endpoint.trace = tcp://127.0.0.1:$3|" \
    -e "s|^endpoint.feed = .*|endpoint.feed = tcp://127.0.0.1:$4|" \
    "$H/lpgtrace.conf"

step "The registry, the fill gate and the trace service (the notary), on loopback with CURVE"
"$BIN/lpg-registryd" --home "$H" 2>"$D/registry.log" &
pids="$pids $!"
"$BIN/lpg-fillingd" --home "$H" 2>"$D/filling.log" &
pids="$pids $!"
"$BIN/lpg-traced" --home "$H" 2>"$D/trace.log" &
pids="$pids $!"
i=0
until lpg ping registry >/dev/null 2>&1 && lpg ping filling >/dev/null 2>&1 &&
    lpg ping trace >/dev/null 2>&1; do
    sleep 0.1
    i=$((i + 1))
    [ $i -lt 100 ] || { echo "the services did not start"; cat "$D"/*.log; exit 1; }
done
lpg ping registry
lpg ping filling
lpg ping trace

step "A gas company, two filling stations, their staff"
lpg company add NTGAS --name "Nantong Gas" --gs1-prefix 6901234 --licence "JS-NT-2024-001" --licence-until 2029-12-31
lpg site add NT-S1 --company NTGAS --name "Chongchuan station" --kind filling --lat 32.0123 --lon 120.8642 --area 320602
lpg site add NT-S2 --company NTGAS --name "Haimen station" --kind filling --lat 31.8710 --lon 121.1770 --area 320684
lpg staff add OP-001 --company NTGAS --site NT-S1 --role operator --name "Wang Fang" --cert "RQ-2024-0001" --cert-until 2028-06-30
lpg staff add SV-001 --company NTGAS --site NT-S1 --role supervisor --name "Li Qiang" --cert "RQ-2024-0002" --cert-until 2028-06-30

step "Cylinders: each gets its code, signed by the authority (一瓶一码一印)"
cyl() { # SERIAL TARE NEXT-INSPECTION INSURED-UNTIL
    lpg cylinder add --company NTGAS --type 00015 --serial "$1" --tare-g "$2" \
        --fill-g 14500 --maker "Maker A" --made 2022-05 --spec YSP-15 --design-life-y 8 \
        --next-inspection "$3" --fill-site NT-S1 --insurance-until "$4" >"$D/cyl-$1.txt"
    sed -n 's|^code *\(https://[^ ]*\).*|\1|p' "$D/cyl-$1.txt" | head -1 >"$D/code-$1"
    cat "$D/cyl-$1.txt"
}
cyl A10001 15200 2027-05-01 2027-12-31
cyl A10002 15350 2027-05-01 2027-12-31
cyl A10003 15100 2025-03-01 2027-12-31
cyl A10004 15400 2027-05-01 2025-12-31
cyl A10005 15250 2027-05-01 2027-12-31

step "What the registry knows about A10003"
lpg cylinder show "$(cat "$D/code-A10003")"

step "Labels: one PNG, and a PDF sheet of all five; read back with the scanner"
lpg label "$(cat "$D/code-A10001")" --out "$D/label-A10001.png"
lpg label $(cat "$D"/code-*) --out "$D/labels.pdf"
"$BIN/lpg-scan" --home "$H" decode "$D/label-A10001.png"

step "A filling-station scanner: its keys, enrolled at NT-S1"
mkdir -p "$S/keys"
"$BIN/lpgtrace" keygen --out "$S/keys/scanner"
lpg device enroll --key "$S/keys/scanner" --company NTGAS --site NT-S1 --role filling-scanner --name "scale 1"
cp "$H/keys/filling.curve.pub" "$H/keys/authority.pub" "$S/keys/"
cat >"$S/lpgtrace.conf" <<CONF
device.key = keys/scanner
device.site = NT-S1
device.operator = OP-001
$(grep '^endpoint.filling' "$H/lpgtrace.conf")
CONF

step "Fill A10001: may I fill it? (scale shows 15300 g empty; visual check OK)"
say "lpg-scan fill-check --code <scanned> --tare-g 15300 --check all=ok"
scan fill-check --code "$(cat "$D/code-A10001")" --tare-g 15300 --check all=ok | tee "$D/fill1"
allow=$(sed -n 's/^  allow id   \([0-9a-f]*\).*/\1/p' "$D/fill1")
say "lpg-scan fill-done --allow $allow --full-g 29700 --leak ok"
scan fill-done --allow "$allow" --full-g 29700 --leak ok

step "Refused: the same cylinder again (it is full)"
scan fill-check --code "$(cat "$D/code-A10001")" --tare-g 29700 --check all=ok || true

step "Refused: periodic inspection overdue (A10003)"
scan fill-check --code "$(cat "$D/code-A10003")" --tare-g 15150 --check all=ok || true

step "Refused: insurance expired (A10004)"
scan fill-check --code "$(cat "$D/code-A10004")" --tare-g 15450 --check all=ok || true

step "Refused: a pocket code (the scale says 9,800 g: that is not A10002 on it)"
scan fill-check --code "$(cat "$D/code-A10002")" --tare-g 9800 --check all=ok || true

step "Refused: several things at once (dented, valve loose, unknown operator)"
scan fill-check --code "$(cat "$D/code-A10005")" --tare-g 15300 --check all=ok \
    --check dents=fail --check valve=fail --operator TEMP-9 || true

step "Refused: a home-made code (not signed by the authority)"
forged=$(sed 's/8030=./8030=A/' "$D/code-A10002")
scan fill-check --code "$forged" --tare-g 15400 --check all=ok || true

step "The regulator's one command: the story of A10001, every entry checked here"
lpg trace "$(cat "$D/code-A10001")" || true

step "The ledger: every fill and every refusal, signed"
lpg log

step "Sign a checkpoint and keep it, as a regulator would"
lpg checkpoint --sign | tee "$D/checkpoint.txt"
size=$(sed -n 2p "$D/checkpoint.txt")
lpg proof inclusion $((size - 1)) >"$D/inclusion.json"
"$BIN/lpgtrace" proof verify "$D/inclusion.json"

step "Re-check everything: signatures, Merkle tree, checkpoints, state"
lpg verify

step "Someone rewrites entry 12 in the database and fixes up the tree..."
cp -r "$H" "$D/tampered"
"$TOOLS/ledger_tamper" forge "$D/tampered/ledger" 12
"$BIN/lpgtrace" --home "$D/tampered" verify || true
"$BIN/lpgtrace" --home "$D/tampered" checkpoint --verify "$D/checkpoint.txt" || true

printf '\nEverything is in %s (labels.pdf, label-A10001.png, the home).\n' "$D"
printf 'Try: build/default/bin/lpgtrace --home %s log\n' "$H"
