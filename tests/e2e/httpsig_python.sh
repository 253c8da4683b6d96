# httpsig_python.sh - the RFC 9421 signer in Python that API test clients
# import (tests/tools/httpsig.py, python3-cryptography) reproduces RFC
# 9421's Ed25519 example in its self-check, and what it signs is what the
# C verifier (lib/net/httpsig.c, through tests/tools/httpsig_verify)
# accepts; a changed method, target URI or body, or another key, is
# refused with its own token.
. "$LPG_ROOT/tests/e2e/lib.sh"

PY=python3
SIGNER="$LPG_ROOT/tests/tools/httpsig.py"
if "$PY" -c 'import cryptography' 2>/dev/null; then
    ok "python3 with cryptography"
else
    not_ok "python3-cryptography is needed: run deploy/install-deps.sh"
    t_done
    exit 1
fi

"$PY" "$SIGNER" --selftest >"$T_DIR/self" 2>&1
rc=$?
sed 's/^/#   /' "$T_DIR/self"
if [ "$rc" -eq 0 ] && grep -q '^ok ' "$T_DIR/self" &&
    ! grep -q '^not ok' "$T_DIR/self"; then
    ok "httpsig.py --selftest reproduces RFC 9421 B.2.6 ($(grep -c '^ok ' "$T_DIR/self") checks)"
else
    not_ok "httpsig.py --selftest (exit $rc)"
fi

K="$T_DIR/k"
mkdir -p "$K"
openssl genpkey -algorithm ed25519 -out "$K/dev.pem" 2>/dev/null &&
    openssl pkey -in "$K/dev.pem" -pubout -out "$K/dev.pub" 2>/dev/null &&
    openssl genpkey -algorithm ed25519 -out "$K/other.pem" 2>/dev/null &&
    openssl pkey -in "$K/other.pem" -pubout -out "$K/other.pub" 2>/dev/null
chmod 600 "$K/dev.pem" "$K/other.pem"
[ -s "$K/other.pub" ] && ok "two device keys" || not_ok "two device keys"

URI="https://lpg.example:8443/api/v1/submit?dry=1"
printf '{"step": "deliver", "cylinder": "8003000000000001"}' >"$T_DIR/body"
check "httpsig.py signs a request" \
    "$PY" "$SIGNER" sign "$K/dev.pem" POST "$URI" "$T_DIR/body" device-1 \
    "Content-Type: application/json"
cp "$T_DIR/out" "$T_DIR/fields"
CD=$(sed -n 's/^Content-Digest: //p' "$T_DIR/fields")
SI=$(sed -n 's/^Signature-Input: //p' "$T_DIR/fields")
SG=$(sed -n 's/^Signature: //p' "$T_DIR/fields")
case "$SI" in
sig1=*'"@method" "@target-uri" "content-digest"'*';created='*';nonce='*';keyid="device-1"')
    ok "Signature-Input covers @method, @target-uri, content-digest with created, nonce, keyid" ;;
*) not_ok "Signature-Input: $SI" ;;
esac

# verify PUB METHOD URI BODY: the C verifier on the Python signer's fields.
verify() {
    httpsig_verify "$1" "$2" "$3" "$4" "Content-Type: application/json" \
        "Content-Digest: $CD" "Signature-Input: $SI" "Signature: $SG"
}

check "the C verifier accepts it" verify "$K/dev.pub" POST "$URI" "$T_DIR/body"
check_out "it reads the keyid" "ok keyid=device-1 label=sig1"
check_status "another method is refused" 1 \
    verify "$K/dev.pub" PUT "$URI" "$T_DIR/body"
check_out "... as EBADSIG" "^EBADSIG"
check_status "another target URI is refused" 1 \
    verify "$K/dev.pub" POST "https://lpg.example:8443/api/v1/submit?dry=0" \
    "$T_DIR/body"
check_out "... as EBADSIG" "^EBADSIG"
printf '{"step": "deliver", "cylinder": "8003000000000002"}' >"$T_DIR/body2"
check_status "another body is refused" 1 \
    verify "$K/dev.pub" POST "$URI" "$T_DIR/body2"
check_out "... as EDIGEST" "^EDIGEST"
check_status "another device's key is refused" 1 \
    verify "$K/other.pub" POST "$URI" "$T_DIR/body"
check_out "... as EBADSIG" "^EBADSIG"
SG_SAVED=$SG
SG="sig2=${SG#sig1=}"
check_status "a Signature under another label is refused" 1 \
    verify "$K/dev.pub" POST "$URI" "$T_DIR/body"
check_out "... as ESIGLABEL" "^ESIGLABEL"
SG=$SG_SAVED

t_done
