#!/bin/sh
# make demo: the ledger at work, on a fresh home in build/demo/.
#   init -> signed events -> log -> checkpoint -> proofs -> growth ->
#   an old checkpoint still consistent -> tampering caught.
set -eu
B=${1:?usage: deploy/demo.sh BUILD_DIR}
BIN="$(cd "$B/bin" && pwd)"
TOOLS="$(cd "$B/tests" && pwd)"
D="$(pwd)/build/demo"
H="$D/home"
rm -rf "$D"
mkdir -p "$D"
lpg() { "$BIN/lpgtrace" --home "$H" "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "A fresh home: ledger, authority and ledger keys, daemon keys, config"
lpg init

step "A device's keys (Ed25519 to sign, CURVE for transport)"
"$BIN/lpgtrace" keygen --out "$D/scanner-01"

step "Two gas companies, four stations, eight scanners, 40 cylinders, 60 fills"
lpg gen --companies 2 --sites 4 --devices 8 --cylinders 40 --fills 60 --seed 7

step "The first entries of the ledger"
lpg log --limit 12

step "Sign a checkpoint (C2SP signed note) and keep it, as a regulator would"
lpg checkpoint --sign | tee "$D/checkpoint-1.txt"

step "Prove entry 50 is in the tree, and check the proof independently"
lpg proof inclusion 50 | tee "$D/inclusion-50.json"
"$BIN/lpgtrace" proof verify "$D/inclusion-50.json"

step "The ledger grows: another day of fills"
lpg gen --companies 1 --sites 2 --devices 2 --cylinders 10 --fills 40 --seed 8
size=$(lpg log --raw | wc -l)
old=$(sed -n 2p "$D/checkpoint-1.txt")
lpg proof consistency "$old" "$size" >"$D/consistency.json"
"$BIN/lpgtrace" proof verify "$D/consistency.json"
lpg checkpoint --verify "$D/checkpoint-1.txt"

step "Re-check everything: signatures, Merkle tree, checkpoints, state"
lpg verify

step "Someone edits entry 42 in the database behind our back..."
cp -r "$H" "$D/tampered"
"$TOOLS/ledger_tamper" forge "$D/tampered/ledger" 42
"$BIN/lpgtrace" --home "$D/tampered" verify || true
"$BIN/lpgtrace" --home "$D/tampered" checkpoint --verify "$D/checkpoint-1.txt" || true

printf '\nThe demo home is %s; try: build/default/bin/lpgtrace --home %s log\n' "$H" "$H"
