# demo.sh - `make demo` (deploy/demo.sh against the build directory, as
# the Makefile runs it) tells the whole story and says so: it exits 0
# within a minute, its output shows the key steps (labels, refused fills
# and deliveries with their reasons, the hazard stopping a delivery, its
# escalation and rectification, the trace, recall and reports, the
# tampered copy caught); and it fails, saying which step, when a step
# that should be refused is accepted or one that should be accepted is
# refused (a scanner that lies, put in front of the real one).
. "$LPG_ROOT/tests/e2e/lib.sh"

B="$LPG_BIN/.."
OUT="$T_DIR/demo.out"
start=$(date +%s)
LPG_DEMO_DIR="$T_DIR/demo" sh "$LPG_ROOT/deploy/demo.sh" "$B" >"$OUT" 2>&1
rc=$?
secs=$(( $(date +%s) - start ))
if [ $rc -eq 0 ]; then
    ok "the demo runs to its end (exit 0)"
else
    not_ok "the demo failed (exit $rc)"
    tail -30 "$OUT" | sed 's/^/#   /'
fi
[ $secs -lt 60 ] && ok "in under a minute ($secs s)" || not_ok "the demo took $secs s"

# has WHAT PATTERN: the demo's output has a line matching PATTERN.
has() {
    if grep -q -- "$2" "$OUT"; then ok "$1"; else not_ok "$1 (no '$2')"; fi
}
has "labels printed: a PNG" "^1 label written to .*/label-A10001.png"
has "and a PDF sheet" "^6 labels written to .*/labels.pdf"
[ -s "$T_DIR/demo/labels.pdf" ] && [ -s "$T_DIR/demo/label-A10001.png" ] &&
    ok "the label files exist" || not_ok "no label files"
has "the label reads back" "verified: serial A10001"
n=$(grep -c '^ALLOW ' "$OUT")
[ "$n" -eq 4 ] && ok "four fills allowed (three, and the refill)" || not_ok "$n fills allowed"
n=$(grep -c '^DENY ' "$OUT")
[ "$n" -eq 6 ] && ok "six fills refused" || not_ok "$n fills refused"
has "a refused fill with every reason" "^DENY .*(3 reasons)"
has "dispatch by a driver with an expired certificate refused" "^  - DRIVER_CERT_EXPIRED"
has "deliveries carry the 随瓶安检 checklist" "^\$ lpg-scan deliver .*--check hose=ok --check regulator=ok"
has "the restaurant without a leak alarm refused" "^  - NO_LEAK_ALARM"
has "a failed 随瓶安检 refused" "^  - SAFETY_CHECK_FAILED"
has "a 随瓶安检 with items missing refused, naming them" "^    safety check at delivery not done: no supply: stove"
has "the household inspection finds a major hazard" "flame_failure    major"
has "the delivery to that household refused" "^  - USER_HAZARD"
has "two days later: escalated to the street" "flame_failure    major  due .*escalated to 320602001"
has "a home-made code at the door refused at once" "^REFUSED  deliver: .*(CODE_FORGED)"
has "and recorded" "^  recorded, seq [0-9]*"
has "the anomalies report lists it where it was met" "forged_code .*CODE_FORGED at delivery to U-1003, vehicle SU-F1234"
has "rectified with lpg-scan rectify" "^RECORDED  event [0-9a-f]*  seq"
has "a second rectification refused" "^REFUSED  CONFLICT  EEXIST: this hazard was rectified"
n=$(grep -c '^OK  deliver recorded' "$OUT")
[ "$n" -eq 3 ] && ok "three deliveries accepted, the hazard household's last" || not_ok "$n deliveries accepted"
has "the empty collected" "^OK  collect recorded"
has "and returned" "^OK  return recorded"
has "the trace shows the delivery and its checks" "to U-1002, vehicle SU-F1234, 随瓶安检 hose ok"
has "the trace verifies every entry" "✓ all [0-9]* entries verified"
has "the recall finds the three cylinders" "NT-S1, filled from .*: 3 cylinders"
has "the hazards report lists the open escalated one" "^R-2001   leak_alarm       major  due .*escalated to 320602002"
has "the refused report counts by reason" "^NT-S1 *TARE_MISMATCH *2"
has "the ledger verifies" "^OK: [0-9]* entries checked"
has "the tampered copy is caught" "^DAMAGED: entry [0-9]*: signature does not verify"
has "and the saved checkpoint catches the rewrite" "INCONSISTENT: "
if grep -q 'DEMO FAILED' "$OUT"; then not_ok "no step failed"; else ok "no step failed"; fi

# A build directory whose lpg-scan lies: CONDITION true -> exit STATUS.
liar() { # NAME STATUS SHELL-CONDITION
    mkdir -p "$T_DIR/$1/bin"
    for f in "$LPG_BIN"/*; do ln -s "$f" "$T_DIR/$1/bin/"; done
    rm "$T_DIR/$1/bin/lpg-scan"
    ln -s "$LPG_TESTS" "$T_DIR/$1/tests"
    printf '#!/bin/sh\nif %s; then "%s" "$@" >/dev/null 2>&1; exit %s; fi\nexec "%s" "$@"\n' \
        "$3" "$LPG_BIN/lpg-scan" "$2" "$LPG_BIN/lpg-scan" >"$T_DIR/$1/bin/lpg-scan"
    chmod +x "$T_DIR/$1/bin/lpg-scan"
}
# run_liar NAME WHAT MESSAGE: the demo on that build stops, saying MESSAGE.
run_liar() {
    LPG_DEMO_DIR="$T_DIR/$1-demo" sh "$LPG_ROOT/deploy/demo.sh" "$T_DIR/$1" >"$T_DIR/out" 2>&1
    got=$?
    if [ $got -ne 0 ] && grep -q "DEMO FAILED: $3" "$T_DIR/out"; then
        ok "$2"
    else
        not_ok "$2 (exit $got)"
        tail -5 "$T_DIR/out" | sed 's/^/#   /'
    fi
}
liar lets-through 0 'case " $* " in *" deliver "*" R-2001 "*) true ;; *) false ;; esac'
run_liar lets-through "a delivery let through that should be refused fails the demo" \
    "delivery to a restaurant without a leak alarm: should have been refused"
liar refuses 1 'case " $* " in *" collect "*" U-1002 "*) true ;; *) false ;; esac'
run_liar refuses "a collection refused that should be accepted fails the demo" \
    "collection from U-1002: should have been accepted"
t_done
