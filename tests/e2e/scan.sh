#!/bin/sh
# scan.sh - lpg-scan decode end to end: QR images made by qrpng and varied
# with ImageMagick (rotated, JPEG, inverted, low contrast, several per
# image, small in a big frame) must give back their exact texts; unreadable
# files must give exit 2 and a message, never a crash; an image without a
# code gives exit 1. Then the verdicts (verified, forged, not ours, Caps
# Lock?) on codes from `lpgtrace code issue`, in images, with --code and
# on stdin; --repeat's timings; and the usage errors.
set -u
SCAN="$LPG_BIN/lpg-scan"
QRPNG="$LPG_TESTS/qrpng"
W=$(mktemp -d /tmp/lpgtest-scan-XXXXXX)
trap 'rm -rf "$W"' EXIT INT TERM
HOME_DIR="$W/home" # no authority key: decoding only
mkdir -p "$HOME_DIR"

n=0
failed=0
ok() {
    n=$((n + 1))
    echo "ok $n - $1"
}
not_ok() {
    n=$((n + 1))
    failed=$((failed + 1))
    echo "not ok $n - $1"
    shift
    for line in "$@"; do echo "# $line"; done
    [ -s "$W/err" ] && sed 's/^/# stderr: /' "$W/err"
    [ -s "$W/out" ] && sed 's/^/# stdout: /' "$W/out" | head -n 20
    return 0
}

# scan EXPECTED_STATUS ARGS...: runs lpg-scan with the home $HOME_DIR and
# stdin from $IN, output in $W/out, $W/err. True if the status is the
# expected one and no sanitizer spoke.
IN=/dev/null
scan() {
    want=$1
    shift
    "$SCAN" --home "$HOME_DIR" "$@" >"$W/out" 2>"$W/err" <"$IN"
    rc=$?
    if grep -q 'Sanitizer\|runtime error' "$W/err"; then
        return 1
    fi
    [ "$rc" -eq "$want" ]
}

# has_text TEXT: the human output shows exactly this decoded text.
has_text() {
    grep -Fxq "  text: $1" "$W/out"
}

# count of codes in the human output
codes() {
    grep -c '^  text: ' "$W/out"
}

# json_check PYTHON_EXPR [VALUE]: evaluates the expression with d = the
# JSON document of $W/out and sys.argv[2] = VALUE; true if it holds.
json_check() {
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); \
sys.exit(0 if ($1) else 1)" "$W/out" "${2:-}" 2>>"$W/err"
}

# the shape of a cylinder code (not a valid one)
URL='https://id.lpg.example/8003/0123456789012ABC123?8030='\
'Zm9vYmFyYmF6cXV4cXV1eGZvb2Jhcgx5Zm9vYmFyYmF6cXV4cXV1eGZvb2JhcgzAbCdE'\
'fGh_-0123456789aBcDeF'
HELLO='hello, scanner'
UNI='一瓶一码一印 LPG'

"$QRPNG" -s 4 "$W/url.png" "$URL" &&
    "$QRPNG" -s 5 -m 6 "$W/hello.png" "$HELLO" &&
    "$QRPNG" -s 4 -i "$W/inv.png" "$HELLO" &&
    "$QRPNG" -s 4 "$W/uni.png" "$UNI" &&
    "$QRPNG" -s 4 "$W/ctl.png" "$(printf 'A\033[31mB')" ||
    { echo "not ok 1 - qrpng makes test images"; exit 1; }

# ---- decoding ------------------------------------------------------------

if scan 0 decode "$W/url.png" && has_text "$URL" && [ "$(codes)" -eq 1 ]
then ok "a code URL decodes exactly"
else not_ok "a code URL decodes exactly"; fi

if grep -q '^  not checked: no authority public key' "$W/out"
then ok "without an authority key the code is not checked"
else not_ok "without an authority key the code is not checked"; fi

if scan 0 decode --json "$W/url.png" &&
    json_check "d['found'] == 1 and d['images'][0]['file'].endswith('url.png')
and d['images'][0]['codes'][0]['text'] == sys.argv[2]
and d['images'][0]['codes'][0]['format'] == 'QRCode'
and d['images'][0]['codes'][0]['verdict'] == 'unchecked'
and d['images'][0]['codes'][0]['inverted'] is False
and d['images'][0]['codes'][0]['position']['top_left'] == [16, 16]" "$URL"
then ok "--json: one document, exact text, format, position"
else not_ok "--json: one document, exact text, format, position"; fi

convert "$W/url.png" -rotate 90 "$W/r90.png"
if scan 0 decode "$W/r90.png" && has_text "$URL"
then ok "rotated 90 degrees"
else not_ok "rotated 90 degrees"; fi

convert "$W/url.png" -background white -rotate 45 "$W/r45.png"
if scan 0 decode "$W/r45.png" && has_text "$URL"
then ok "rotated 45 degrees"
else not_ok "rotated 45 degrees"; fi

convert "$W/url.png" -quality 80 "$W/url.jpg"
if scan 0 decode "$W/url.jpg" && has_text "$URL"
then ok "JPEG"
else not_ok "JPEG"; fi

convert "$W/url.png" -negate "$W/neg.png"
if scan 0 decode --json "$W/neg.png" &&
    json_check "d['images'][0]['codes'][0]['text'] == sys.argv[2]
and d['images'][0]['codes'][0]['inverted'] is True" "$URL"
then ok "negated image (light on dark) is found by the inverted pass"
else not_ok "negated image (light on dark) is found by the inverted pass"; fi

if scan 0 decode "$W/inv.png" && has_text "$HELLO"
then ok "inverted code with a dark quiet zone"
else not_ok "inverted code with a dark quiet zone"; fi

convert "$W/url.png" "$W/hello.png" +append "$W/two.png"
if scan 0 decode "$W/two.png" && has_text "$URL" && has_text "$HELLO" &&
    [ "$(codes)" -eq 2 ]
then ok "two codes side by side: both, once each"
else not_ok "two codes side by side: both, once each"; fi

convert "$W/url.png" "$W/inv.png" -gravity center +append "$W/mixed.png"
if scan 0 decode "$W/mixed.png" && has_text "$URL" && has_text "$HELLO" &&
    [ "$(codes)" -eq 2 ]
then ok "a normal and an inverted code in one image"
else not_ok "a normal and an inverted code in one image"; fi

convert "$W/url.png" +level 35%,65% "$W/low.png"
if scan 0 decode "$W/low.png" && has_text "$URL"
then ok "low contrast (grey on grey)"
else not_ok "low contrast (grey on grey)"; fi

convert -size 2400x1800 xc:gray80 "$W/url.png" -gravity center -composite \
    -quality 90 "$W/big.jpg"
if scan 0 decode "$W/big.jpg" && has_text "$URL"
then ok "small code in a big photo-sized frame"
else not_ok "small code in a big photo-sized frame"; fi

# over the size that is read upscaled: still read at its own size
convert -size 3600x2600 xc:gray80 "$W/url.png" -gravity center -composite \
    -quality 90 "$W/big9.jpg"
if scan 0 decode "$W/big9.jpg" && has_text "$URL"
then ok "small code in a 9-megapixel photo"
else not_ok "small code in a 9-megapixel photo"; fi

# all pixels black, the code only in the alpha channel: transparent must
# read as white paper
convert "$W/url.png" -alpha copy -channel A -negate +channel \
    -channel RGB -evaluate set 0 +channel -define png:color-type=6 \
    "$W/alpha.png"
if scan 0 decode "$W/alpha.png" && has_text "$URL"
then ok "RGBA PNG: transparent is white"
else not_ok "RGBA PNG: transparent is white"; fi

if scan 0 decode "$W/uni.png" && has_text "$UNI"
then ok "UTF-8 text decodes exactly"
else not_ok "UTF-8 text decodes exactly"; fi

if scan 0 decode "$W/ctl.png" && has_text 'A\x1B[31mB'
then ok "control characters are escaped, not sent to the terminal"
else not_ok "control characters are escaped, not sent to the terminal"; fi

convert -size 300x200 xc:white -fill black -draw 'rectangle 50,50 120,150' \
    "$W/blank.png"
if scan 1 decode "$W/blank.png" && grep -q 'no code found' "$W/out"
then ok "an image without a code: exit 1"
else not_ok "an image without a code: exit 1"; fi

# ---- unreadable files: exit 2 and a message, never a crash ----------------

head -c 4096 /dev/urandom >"$W/random.png"
head -c 300 "$W/url.png" >"$W/cut.png"
: >"$W/empty.png"
head -c 400 "$W/url.jpg" >"$W/cut.jpg"
printf '\211PNG\r\n\032\n\0\0\0\rIHDR\377\377\377\377' >"$W/header.png"
# a valid header announcing 40000 x 10 pixels
python3 -c "import struct, sys, zlib
def chunk(t, d):
    crc = struct.pack('>I', zlib.crc32(t + d))
    return struct.pack('>I', len(d)) + t + d + crc
sys.stdout.buffer.write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR',
    struct.pack('>IIBBBBB', 40000, 10, 8, 0, 0, 0, 0))
    + chunk(b'IDAT', zlib.compress(bytes(100))) + chunk(b'IEND', b''))
" >"$W/huge.png"
for case in "random.png:not a PNG or JPEG" "cut.png:corrupt PNG" \
    "empty.png:empty file" "nonexistent.png:No such file" \
    "header.png:corrupt PNG" "huge.png:image too large: 40000x10" ; do
    f=${case%%:*}
    msg=${case#*:}
    if scan 2 decode "$W/$f" && grep -q "lpg-scan: .*$f: $msg" "$W/err"
    then ok "$f: exit 2 with '$msg'"
    else not_ok "$f: exit 2 with '$msg'" "status $rc"; fi
done

# a truncated JPEG still decodes what is there, with a warning
if scan 1 decode "$W/cut.jpg" && grep -q 'warning: ' "$W/err"
then ok "a truncated JPEG: warning, no crash"
else not_ok "a truncated JPEG: warning, no crash" "status $rc"; fi

if scan 2 decode "$W"
then ok "a directory: exit 2"
else not_ok "a directory: exit 2" "status $rc"; fi

if scan 2 decode --json "$W/url.png" "$W/random.png" &&
    json_check "d['found'] == 1
and d['images'][0]['codes'][0]['text'] == sys.argv[2]
and d['images'][1]['error']['token'] == 'EIMAGE'" "$URL"
then ok "a bad file among good ones: the good decoded, exit 2"
else not_ok "a bad file among good ones: the good decoded, exit 2"; fi

# ---- usage and texts without an authority key ----------------------------

if scan 2 decode --code "$URL" &&
    grep -q 'no authority public key' "$W/err"
then ok "--code without an authority key: exit 2"
else not_ok "--code without an authority key: exit 2"; fi

if scan 2 decode && grep -q 'no authority public key' "$W/err"
then ok "stdin without an authority key: exit 2"
else not_ok "stdin without an authority key: exit 2"; fi

if scan 2 decode "$W/url.png" - && grep -q 'not a mix' "$W/err"
then ok "images and stdin together: usage error"
else not_ok "images and stdin together: usage error"; fi

if scan 0 decode --repeat 3 "$W/url.png" && has_text "$URL" &&
    [ "$(codes)" -eq 1 ] &&
    grep -Eqx "lpg-scan: $W/url.png: decode_ms runs=3 median=[0-9.]+ \
p99=[0-9.]+ min=[0-9.]+ max=[0-9.]+" "$W/err"
then ok "--repeat 3: the code once, the decoding times on stderr"
else not_ok "--repeat 3: the code once, the decoding times on stderr"; fi

if scan 2 decode --repeat 0 "$W/url.png" && grep -q "count of 1\.\." "$W/err"
then ok "--repeat 0: usage error"
else not_ok "--repeat 0: usage error"; fi

if scan 2 decode --repeat 2 --code "$URL" && grep -q "images only" "$W/err"
then ok "--repeat with --code: usage error"
else not_ok "--repeat with --code: usage error"; fi

if scan 2 decode --bogus && grep -q "unknown option '--bogus'" "$W/err"
then ok "unknown option: usage error"
else not_ok "unknown option: usage error"; fi

if scan 2 frobnicate && grep -q "unknown command 'frobnicate'" "$W/err"
then ok "unknown command: usage error"
else not_ok "unknown command: usage error"; fi

# ---- verdicts: the authority's key in the home ---------------------------

# make_home DIR: a home with an authority key pair (default resolver)
make_home() {
    mkdir -p "$1/keys" &&
        openssl genpkey -algorithm ed25519 -out "$1/keys/authority.pem" \
            2>/dev/null &&
        chmod 600 "$1/keys/authority.pem" &&
        openssl pkey -in "$1/keys/authority.pem" -pubout \
            -out "$1/keys/authority.pub" 2>/dev/null
}
# issue HOME: a code for serial ABC123, revision 2, signed by HOME's key
issue() {
    "$LPG_BIN/lpgtrace" --home "$1" code issue --prefix 6291041 \
        --type 50021 --serial ABC123 --rev 2
}
AUTH="$W/auth"   # the home whose authority signed CODE
OTHER="$W/other" # another key pair: its codes are forged for AUTH
make_home "$AUTH" && make_home "$OTHER" &&
    CODE=$(issue "$AUTH") && FAKE=$(issue "$OTHER") &&
    "$QRPNG" -s 3 "$W/code.png" "$CODE" &&
    convert "$W/code.png" "$W/hello.png" +append "$W/code2.png" ||
    { not_ok "lpgtrace code issue makes codes"; echo "1..$n"; exit 1; }
SWAPPED=$(printf '%s' "$CODE" | tr 'a-zA-Z' 'A-Za-z')
# one signature character changed
BROKEN=$(python3 -c "import sys
t = sys.argv[1]
i = t.index('8030=') + 15
print(t[:i] + ('B' if t[i] == 'A' else 'A') + t[i + 1:])" "$CODE")
HOME_DIR="$AUTH"

if scan 0 decode "$W/code.png" && has_text "$CODE" &&
    grep -qx '  verified: serial ABC123, short id 0021-ABC123-R2, revision 2' \
        "$W/out"
then ok "a code of the authority in an image: verified, with its serial"
else not_ok "a code of the authority in an image: verified, with its serial"
fi

if scan 0 decode --json "$W/code2.png" &&
    json_check "sorted(c['verdict'] for c in d['images'][0]['codes'])
== ['not_ours', 'verified']
and [c for c in d['images'][0]['codes'] if c['verdict'] == 'verified'][0]
['short_id'] == '0021-ABC123-R2'"
then ok "--json: our code verified, the other QR code not ours"
else not_ok "--json: our code verified, the other QR code not ours"; fi

HOME_DIR="$OTHER"
if scan 0 decode --json "$W/code.png" &&
    json_check "d['images'][0]['codes'][0]['verdict'] == 'forged'
and d['images'][0]['codes'][0]['reason'] == 'ECODE_FORGED'"
then ok "the same image checked with another authority: forged"
else not_ok "the same image checked with another authority: forged"; fi
HOME_DIR="$AUTH"

if scan 0 decode --code "$CODE" && grep -q '^  verified: ' "$W/out"
then ok "--code: verified, exit 0"
else not_ok "--code: verified, exit 0" "status $rc"; fi

if scan 1 decode --code "$FAKE" &&
    grep -q '^  forged: ECODE_FORGED: ' "$W/out"
then ok "--code signed by another key: forged, exit 1"
else not_ok "--code signed by another key: forged, exit 1" "status $rc"; fi

if scan 1 decode --json --code "$BROKEN" &&
    json_check "d['codes'][0]['verdict'] == 'forged'
and d['codes'][0]['reason'].startswith('ECODE_')"
then ok "--code with one signature character changed: forged"
else not_ok "--code with one signature character changed: forged"; fi

if scan 1 decode --code "$SWAPPED" &&
    grep -q '^  Caps Lock? .*serial ABC123' "$W/out"
then ok "--code with letter case swapped: Caps Lock?"
else not_ok "--code with letter case swapped: Caps Lock?" "status $rc"; fi

if scan 1 decode --code "https://example.com/8003/0123" &&
    grep -q '^  not ours: ' "$W/out"
then ok "--code of another site: not ours, exit 1"
else not_ok "--code of another site: not ours, exit 1" "status $rc"; fi

printf '%s\r\n\n%s\n%s\nhello\n' "$CODE" "$FAKE" "$SWAPPED" >"$W/lines"
IN="$W/lines"
if scan 1 decode --json - &&
    python3 -c "import json, sys
got = [json.loads(l)['verdict'] for l in open(sys.argv[1])]
sys.exit(0 if got == ['verified', 'forged', 'caps_lock', 'not_ours']
         else 1)" "$W/out"
then ok "stdin: one JSON verdict per line, blank lines skipped"
else not_ok "stdin: one JSON verdict per line, blank lines skipped"; fi

printf '%s\n%s\n' "$CODE" "$CODE" >"$W/lines"
if scan 0 decode && [ "$(grep -c '^  verified: ' "$W/out")" -eq 2 ]
then ok "stdin, every line verified: exit 0"
else not_ok "stdin, every line verified: exit 0" "status $rc"; fi
IN=/dev/null

echo "1..$n"
[ "$failed" -eq 0 ]
