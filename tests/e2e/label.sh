# label.sh - cylinder labels through the real lpgtrace binary: a PNG, an
# SVG and multi-page PDFs rendered back to pixels and decoded to the very
# codes that were printed; refused codes named by line, and nothing
# written when any code is refused.
. "$LPG_ROOT/tests/e2e/lib.sh"

H="$T_DIR/home"
O="$T_DIR/img"
mkdir -p "$O"

# Prints the texts of every QR code found in the images, one a line.
if [ -x "$LPG_BIN/lpg-scan" ]; then
    DECODER=lpg-scan
    decode() {
        lpg-scan --home "$H" decode --json "$@" | python3 -c '
import json, sys
doc = json.load(sys.stdin)
for image in doc["images"]:
    for code in image.get("codes", []):
        print(code["text"])'
    }
elif command -v zbarimg >/dev/null 2>&1; then
    DECODER=zbarimg
    decode() {
        for f in "$@"; do zbarimg --quiet --raw "$f"; done
    }
else
    DECODER=""
fi

# decoded_is "what" EXPECTED_FILE IMAGE...: the codes found in the images
# are exactly the lines of EXPECTED_FILE (in any order).
decoded_is() {
    what=$1
    want=$2
    shift 2
    if [ -z "$DECODER" ]; then
        ok "$what # SKIP no QR decoder (lpg-scan or zbarimg)"
        return
    fi
    if [ ! -s "$want" ]; then
        not_ok "$what (no codes to look for)"
        return
    fi
    decode "$@" | sort >"$T_DIR/got" 2>"$T_DIR/decode.err"
    sort "$want" >"$T_DIR/want"
    if cmp -s "$T_DIR/got" "$T_DIR/want"; then
        ok "$what ($DECODER)"
    else
        not_ok "$what ($DECODER)"
        diff "$T_DIR/want" "$T_DIR/got" | sed 's/^/#   /' | head -20
        sed 's/^/#   /' "$T_DIR/decode.err" | head -5
    fi
}

# pdf_pages FILE: the page count pdfinfo reports.
pdf_pages() {
    pdfinfo "$1" 2>/dev/null | sed -n 's/^Pages: *//p'
}

check "init makes a home" lpgtrace --home "$H" init

# Fourteen codes: more than one A4 sheet (twelve 50 x 60 mm labels).
: >"$T_DIR/codes.txt"
i=1
while [ "$i" -le 14 ]; do
    serial=$(printf 'LB%06d' "$i")
    lpgtrace --home "$H" code issue --prefix 690123 --type 456789 \
        --serial "$serial" --rev 1 >>"$T_DIR/codes.txt" || break
    i=$((i + 1))
done
n=$(grep -c '^https://' "$T_DIR/codes.txt")
[ "$n" -eq 14 ] && ok "issued 14 codes" || not_ok "issued $n codes, not 14"
head -n 1 "$T_DIR/codes.txt" >"$T_DIR/one.txt"
C1=$(cat "$T_DIR/one.txt")

# PNG: one label, decoded as is.
check "label writes a PNG" lpgtrace --home "$H" label "$C1" --out "$O/one.png"
check_out "it says what it wrote" "1 label written to $O/one.png"
file "$O/one.png" | grep -q 'PNG image data' \
    && ok "the PNG is a PNG" || not_ok "the PNG is not a PNG"
decoded_is "the PNG decodes to its code" "$T_DIR/one.txt" "$O/one.png"

# PNG at a printer's resolution: still a whole number of dots a module.
check "label writes a PNG at 203 dpi" \
    lpgtrace --home "$H" label "$C1" --dpi 203 --out "$O/one203.png"
decoded_is "the 203 dpi PNG decodes" "$T_DIR/one.txt" "$O/one203.png"

# SVG: rasterised, then decoded.
check "label writes an SVG" lpgtrace --home "$H" label "$C1" --out "$O/one.svg"
if rsvg-convert -d 300 -p 300 -b white -o "$O/svg.png" "$O/one.svg" \
        2>"$T_DIR/rsvg.err"; then
    ok "rsvg-convert renders the SVG"
else
    not_ok "rsvg-convert renders the SVG"
    sed 's/^/#   /' "$T_DIR/rsvg.err" | head -5
fi
decoded_is "the rendered SVG decodes to its code" "$T_DIR/one.txt" \
    "$O/svg.png"

# PDF on A4: two pages, every label decodes, each code exactly once.
check "label writes an A4 PDF from a file" \
    lpgtrace --home "$H" label --from "$T_DIR/codes.txt" --out "$O/sheet.pdf"
check_out "it counts the labels" "14 labels written"
p=$(pdf_pages "$O/sheet.pdf")
[ "$p" = 2 ] && ok "14 labels fill two A4 pages" || not_ok "A4 pages: '$p'"
pdftoppm -r 300 -png "$O/sheet.pdf" "$O/sheet" \
    && ok "pdftoppm renders the sheet" || not_ok "pdftoppm renders the sheet"
decoded_is "every label of the sheet decodes, once each" "$T_DIR/codes.txt" \
    "$O"/sheet-*.png

# PDF on a roll: one label a page, the page the size of the label.
head -n 3 "$T_DIR/codes.txt" >"$T_DIR/three.txt"
check "label writes a roll PDF" lpgtrace --home "$H" label --page roll \
    --label-mm 45x55 --from "$T_DIR/three.txt" --out "$O/roll.pdf"
p=$(pdf_pages "$O/roll.pdf")
[ "$p" = 3 ] && ok "a roll has a page a label" || not_ok "roll pages: '$p'"
pdfinfo "$O/roll.pdf" | grep -q 'Page size: *127\.5[0-9]* x 155\.9' \
    && ok "a roll page is 45 x 55 mm" || not_ok "roll page size wrong"
pdftoppm -r 300 -png "$O/roll.pdf" "$O/roll" \
    && ok "pdftoppm renders the roll" || not_ok "pdftoppm renders the roll"
decoded_is "every roll label decodes" "$T_DIR/three.txt" "$O"/roll-*.png

# Refusals. A signature altered in one character, on line 3: named, and
# nothing written.
# (The first signature character: every value there decodes, unlike the
# last one, whose low bits must be zero.)
C3=$(sed -n 3p "$T_DIR/codes.txt")
SIG=${C3#*8030=}
REST=${SIG#?}
case "$SIG" in A*) NEW=B ;; *) NEW=A ;; esac
sed -n 1,2p "$T_DIR/codes.txt" >"$T_DIR/forged.txt"
echo "${C3%%8030=*}8030=$NEW$REST" >>"$T_DIR/forged.txt"
check_status "a forged code is refused" 1 lpgtrace --home "$H" label \
    --from "$T_DIR/forged.txt" --out "$O/forged.pdf"
check_out "the refusal names the line" "forged.txt:3:"
check_out "the refusal says why" "ECODE_FORGED"
[ ! -e "$O/forged.pdf" ] && ok "nothing written on refusal" \
    || not_ok "a PDF was written despite a refused code"

# A line that is not a code at all, and comments and blank lines skipped.
{
    echo "# batch 7"
    echo
    sed -n 1p "$T_DIR/codes.txt"
    echo "https://id.lpg.example/8003/not-a-grai"
} >"$T_DIR/bad.txt"
check_status "a malformed code is refused" 1 lpgtrace --home "$H" label \
    --from "$T_DIR/bad.txt" --out "$O/bad.pdf"
check_out "the malformed line is named" "bad.txt:4:"
grep -q "bad.txt:[123]:" "$T_DIR/out" \
    && not_ok "a good, blank or comment line was blamed" \
    || ok "only the bad line is blamed"

# Caps Lock: the whole code with its letter case swapped.
SWAPPED=$(printf '%s' "$C1" | tr 'a-zA-Z' 'A-Za-z')
check_status "a case-swapped code is refused" 1 lpgtrace --home "$H" label \
    "$SWAPPED" --out "$O/caps.png"
check_out "the refusal asks about Caps Lock" "Caps Lock"

# Usage errors.
check_status "a PNG holds one label only" 2 lpgtrace --home "$H" label \
    "$C1" "$C1" --out "$O/two.png"
[ ! -e "$O/two.png" ] && ok "no PNG written" || not_ok "a PNG was written"
check_status "an unknown format is refused" 2 lpgtrace --home "$H" label \
    "$C1" --out "$O/one.gif"
check_status "a module under 0.5 mm is refused" 2 lpgtrace --home "$H" \
    label "$C1" --module-mm 0.3 --out "$O/small.png"
check_out "the refusal gives the floor" "0.5"
check_status "a label too small for its code is refused" 2 \
    lpgtrace --home "$H" label "$C1" --page roll --label-mm 20x20 \
    --out "$O/tiny.pdf"
check_out "the refusal says it does not fit" "does not fit"

# Without the authority public key, codes are checked for form only, and
# the operator is told so.
mv "$H/keys/authority.pub" "$T_DIR/authority.pub"
check "without the public key, a well-formed code still prints" \
    lpgtrace --home "$H" label "$C1" --out "$O/nokey.png"
check_out "a warning says signatures were not checked" "not its signature"
mv "$T_DIR/authority.pub" "$H/keys/authority.pub"

t_done
