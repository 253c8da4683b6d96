#!/bin/sh
# code.sh - end to end: `lpgtrace code issue|verify` through the real
# binary, in homes made by hand (an authority key pair, no ledger). A valid
# code round-trips; each way a code can be wrong exits 1 with its own token
# and its own message; bad usage and unreadable keys exit 2.
set -u
: "${LPG_BIN:?run through make test}"
LPG="$LPG_BIN/lpgtrace"
N=0
FAILED=0
DIR=$(mktemp -d "${TMPDIR:-/tmp}/lpg-code-XXXXXX")
trap 'rm -rf "$DIR"' EXIT INT TERM

ok() {
    N=$((N + 1))
    echo "ok $N - $*"
}

not_ok() {
    N=$((N + 1))
    FAILED=$((FAILED + 1))
    echo "not ok $N - $*"
    sed 's/^/#   /' "$DIR/out" "$DIR/err" | head -20
}

# run COMMAND...: stdout to $DIR/out, stderr to $DIR/err, status in $rc.
run() {
    "$@" >"$DIR/out" 2>"$DIR/err"
    rc=$?
}

# expect "what" STATUS TOKEN COMMAND...: the command exits STATUS and its
# output names TOKEN (empty: no token check). Keeps the first output line
# of each invalid code in $DIR/messages ("invalid code: TOKEN: reason").
expect() {
    what=$1
    want=$2
    token=$3
    shift 3
    run "$@"
    if [ "$rc" -ne "$want" ]; then
        not_ok "$what (exit $rc, wanted $want)"
        return
    fi
    if [ -n "$token" ] && ! grep -q "^invalid code: $token: " "$DIR/out"; then
        not_ok "$what (no '$token' in the output)"
        return
    fi
    [ -n "$token" ] && head -n 1 "$DIR/out" >>"$DIR/messages"
    ok "$what"
}

# make_home DIR [RESOLVER]: an authority key pair and, if given, a config.
make_home() {
    mkdir -p "$1/keys"
    openssl genpkey -algorithm ed25519 -out "$1/keys/authority.pem" \
        2>/dev/null || return 1
    chmod 600 "$1/keys/authority.pem"
    openssl pkey -in "$1/keys/authority.pem" -pubout \
        -out "$1/keys/authority.pub" 2>/dev/null || return 1
    if [ $# -gt 1 ]; then
        echo "code.resolver = $2" >"$1/lpgtrace.conf"
    fi
}

A="$DIR/a" # the authority, default resolver
B="$DIR/b" # another key, another resolver
if make_home "$A" && make_home "$B" id.other.example; then
    ok "homes with authority keys"
else
    not_ok "homes with authority keys (openssl)"
    exit 1
fi
: >"$DIR/messages"

# ---------------------------------------------------------------- issue

run "$LPG" --home "$A" code issue --prefix 6291041 --type 50021 \
    --serial AB12CD
CODE=$(cat "$DIR/out")
case "$CODE" in
https://id.lpg.example/8003/06291041500213AB12CD\?r=1\&8030=*)
    [ "$rc" -eq 0 ] && [ "${#CODE}" -eq 144 ] && ok "issue prints the code" ||
        not_ok "issue prints the code (exit $rc, ${#CODE} chars)"
    ;;
*) not_ok "issue prints the code (exit $rc)" ;;
esac
SIG=${CODE#*&8030=}

run "$LPG" --home "$A" code issue --prefix 6291041 --type 50021 \
    --serial AB12CD34EF56GH78 --rev 99
LONG=$(cat "$DIR/out")
[ "$rc" -eq 0 ] && [ "${#LONG}" -eq 155 ] &&
    ok "a 16-character serial with revision 99 fits" ||
    not_ok "a 16-character serial with revision 99 fits"

# ----------------------------------------------------------- valid code

expect "verify a valid code" 0 "" "$LPG" --home "$A" code verify "$CODE"
if grep -q '^valid code$' "$DIR/out" &&
    grep -q '^  grai: *06291041500213AB12CD$' "$DIR/out" &&
    grep -q '^  serial: *AB12CD$' "$DIR/out" &&
    grep -q '^  revision: *1$' "$DIR/out" &&
    grep -q '^  resolver: *id.lpg.example$' "$DIR/out" &&
    grep -q '^  short id: *0021-AB12CD-R1$' "$DIR/out"; then
    ok "verify prints what the code binds"
else
    not_ok "verify prints what the code binds"
fi

expect "verify --json, valid" 0 "" "$LPG" --home "$A" --json code verify \
    "$CODE"
if python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
assert o["valid"] is True and o["status"] == "OK", o
assert o["grai"] == "06291041500213AB12CD" and o["serial"] == "AB12CD", o
assert o["revision"] == 1 and o["short_id"] == "0021-AB12CD-R1", o
assert o["text"] == sys.argv[2], o
' "$DIR/out" "$CODE" 2>"$DIR/err"; then
    ok "verify --json gives the fields"
else
    not_ok "verify --json gives the fields"
fi

run sh -c "printf '%s\r\n' '$CODE' | '$LPG' --home '$A' code verify -"
[ "$rc" -eq 0 ] && ok "verify - reads one scanned line (CR LF)" ||
    not_ok "verify - reads one scanned line (exit $rc)"

run "$LPG" --home "$A" --json code issue --prefix 6291041 --type 50021 \
    --serial AB12CD --rev 3
if [ "$rc" -eq 0 ] && python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
assert o["revision"] == 3 and o["short_id"] == "0021-AB12CD-R3", o
assert "?r=3&8030=" in o["text"] and len(o["text"]) == 144, o
' "$DIR/out" 2>"$DIR/err"; then
    ok "issue --json"
else
    not_ok "issue --json (exit $rc)"
fi

# ------------------------------------------------------- invalid codes

V="$LPG --home $A code verify"
PREFIX=${CODE%%\?*}

# A signature character changed.
case "$SIG" in
A*) FORGED="${CODE%%&8030=*}&8030=B${SIG#A}" ;;
*) FORGED="${CODE%%&8030=*}&8030=A${SIG#?}" ;;
esac
expect "forged signature" 1 ECODE_FORGED $V "$FORGED"
expect "altered serial" 1 ECODE_FORGED \
    $V "$(printf '%s' "$CODE" | sed 's/AB12CD?/AB12CE?/')"
expect "altered revision" 1 ECODE_FORGED \
    $V "$(printf '%s' "$CODE" | sed 's/?r=1&/?r=2\&/')"

run "$LPG" --home "$B" code issue --prefix 6291041 --type 50021 \
    --serial AB12CD
OTHER_HOST=$(cat "$DIR/out")
OTHER_KEY="https://id.lpg.example/${OTHER_HOST#https://id.other.example/}"
expect "signed by another key" 1 ECODE_FORGED $V "$OTHER_KEY"
expect "issued for another resolver" 1 ECODE_HOST $V "$OTHER_HOST"

expect "truncated signature" 1 ECODE_TRUNCATED \
    $V "$(printf '%s' "$CODE" | cut -c 1-134)"
grep -q "only 76 of its 86" "$DIR/out" &&
    ok "truncated: says how much is there" ||
    not_ok "truncated: says how much is there"
run $V "$(printf '%s' "$CODE" | cut -c 1-30)"
[ "$rc" -eq 1 ] && grep -q "^invalid code: ECODE_TRUNCATED: " "$DIR/out" &&
    ok "truncated in the path" || not_ok "truncated in the path"

# (Cut inside the serial or right after the revision, a code is a whole
# Digital Link without a signature: ECODE_NOSIG, tested below.)
bad=""
for n in 1 5 8 12 22 25 40 42 49 50 51 53 57 58 100 140 143; do
    run $V "$(printf '%s' "$CODE" | cut -c 1-$n)"
    if [ "$rc" -ne 1 ] || ! grep -q "ECODE_TRUNCATED" "$DIR/out"; then
        bad="$bad $n"
    fi
done
[ -z "$bad" ] && ok "truncated at many lengths" ||
    not_ok "truncated at many lengths (not at$bad)"

expect "oversized" 1 ECODE_TOOLONG $V "${CODE}${CODE}"

run sh -c "printf '%s\344\n' '$PREFIX' | $V -"
if [ "$rc" -eq 1 ] && grep -q "^invalid code: ECODE_NONASCII: " \
    "$DIR/out"; then
    head -n 1 "$DIR/out" >>"$DIR/messages"
    ok "non-ASCII byte"
else
    not_ok "non-ASCII byte (exit $rc)"
fi

SWAPPED=$(printf '%s' "$CODE" | tr 'a-zA-Z' 'A-Za-z')
expect "Caps Lock" 1 ECODE_CASE $V "$SWAPPED"
grep -q 'Caps Lock?' "$DIR/out" && grep -q '^  grai: *06291041500213AB12CD$' \
    "$DIR/out" && ok "Caps Lock: says so, shows the corrected fields" ||
    not_ok "Caps Lock: says so, shows the corrected fields"

expect "not an https URL" 1 ECODE_NOTURL $V "http://${CODE#https://}"
expect "no signature" 1 ECODE_NOSIG $V "$PREFIX"
expect "check digit" 1 ECODE_CHECKDIGIT \
    $V "$(printf '%s' "$CODE" | sed 's/06291041500213/06291041500214/')"
expect "bad serial" 1 ECODE_SERIAL \
    $V "$(printf '%s' "$CODE" | sed 's/AB12CD?/AB12Cd?/')"
expect "malformed signature" 1 ECODE_SIGFORMAT \
    $V "${CODE%%&8030=*}&8030=+${SIG#?}"
expect "path or query syntax" 1 ECODE_SYNTAX \
    $V "$PREFIX?8030=$SIG&r=1"

# Every class has its own message: the first of each token, all distinct.
awk -F': ' '!seen[$2]++' "$DIR/messages" >"$DIR/classes"
tokens=$(wc -l <"$DIR/classes")
distinct=$(sed 's/^invalid code: [A-Z_]*: //' "$DIR/classes" | sort -u |
    wc -l)
if [ "$tokens" -eq 12 ] && [ "$distinct" -eq 12 ]; then
    ok "12 classes of invalid code, 12 tokens, 12 messages"
else
    not_ok "distinct messages ($tokens tokens, $distinct messages)"
    sed 's/^/#   /' "$DIR/classes"
fi

run "$LPG" --home "$A" --json code verify "$FORGED"
if [ "$rc" -eq 1 ] && python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
assert o["valid"] is False and o["status"] == "ECODE_FORGED", o
assert "forged" in o["message"] and o["at"] == 58, o
' "$DIR/out" 2>"$DIR/err"; then
    ok "verify --json, forged"
else
    not_ok "verify --json, forged (exit $rc)"
fi

# --------------------------------------------------- usage and errors

expect "code without a subcommand" 2 "" "$LPG" --home "$A" code
expect "issue without --serial" 2 "" "$LPG" --home "$A" code issue \
    --prefix 6291041 --type 50021
expect "issue with a lower-case serial" 2 "" "$LPG" --home "$A" code issue \
    --prefix 6291041 --type 50021 --serial ab12
expect "issue with 11 digits" 2 "" "$LPG" --home "$A" code issue \
    --prefix 6291041 --type 5002 --serial AB12
expect "issue with a bad revision" 2 "" "$LPG" --home "$A" code issue \
    --prefix 6291041 --type 50021 --serial AB12 --rev 4294967296
expect "verify without a text" 2 "" "$LPG" --home "$A" code verify
expect "verify without a key" 2 "" "$LPG" --home "$DIR/none" code verify \
    "$CODE"
expect "issue without a key" 2 "" "$LPG" --home "$DIR/none" code issue \
    --prefix 6291041 --type 50021 --serial AB12

mkdir -p "$DIR/open/keys"
cp "$A/keys/authority.pem" "$DIR/open/keys/"
chmod 644 "$DIR/open/keys/authority.pem"
expect "a private key readable by others is refused" 2 "" \
    "$LPG" --home "$DIR/open" code issue --prefix 6291041 --type 50021 \
    --serial AB12
grep -q "readable" "$DIR/err" && ok "... and says why" ||
    not_ok "... and says why"

make_home "$DIR/long" "trace.gas-safety.example" || exit 1
expect "a resolver too long for QR 12-H is refused" 2 "" \
    "$LPG" --home "$DIR/long" code issue --prefix 6291041 --type 50021 \
    --serial AB12CD34EF56GH78
grep -q "too long" "$DIR/err" && ok "... and says why" ||
    not_ok "... and says why"
expect "the same resolver with a short serial fits" 0 "" \
    "$LPG" --home "$DIR/long" code issue --prefix 6291041 --type 50021 \
    --serial AB12

echo "1..$N"
[ "$FAILED" -eq 0 ]
