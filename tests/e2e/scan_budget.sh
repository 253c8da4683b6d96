#!/bin/sh
# scan_budget.sh - images made to keep a decoder busy get a prompt, clear
# answer. A grid of finder-pattern look-alikes (768 x 768 and a 1920 x
# 1080 frame) once took minutes in ZXing: lpg-scan must stop at its
# wall-clock budget (scan.decode_budget_ms, --decode-budget-ms) and say
# "no code found in time" (exit 3), in `decode`, `fill-check --image` and
# `deliver --gas-cert-image`. A 4096 x 4096 progressive JPEG of 6,000
# scans must be refused by its scan count. Times are bounds, measured
# here around each command, not benchmarks.
. "$LPG_ROOT/tests/e2e/lib.sh"

H="$T_DIR/home"
I="$T_DIR/img"
mkdir -p "$I"
check "init makes a home" lpgtrace --home "$H" init

# grid FILE W H: an 8-bit grey PNG without a code, pixel (x, y) black when
# t[(x//3)%7] and t[(y//3)%7] are both 0, or when both (x//3)%7 and
# (y//3)%7 are in {2, 3, 4}, with t = [0,255,0,0,0,255,0]: a lattice of
# finder-pattern look-alikes 21 pixels apart.
grid() {
    python3 - "$@" <<'EOF'
import struct, sys, zlib
path, w, h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
t = [0, 255, 0, 0, 0, 255, 0]
def black(x, y):
    a, b = (x // 3) % 7, (y // 3) % 7
    return (t[a] == 0 and t[b] == 0) or (a in (2, 3, 4) and b in (2, 3, 4))
raw = bytearray()
for y in range(h):
    raw.append(0)  # filter type None
    raw.extend(0 if black(x, y) else 255 for x in range(w))
def chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data +
            struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
with open(path, "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n")
    f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)))
    f.write(chunk(b"IDAT", zlib.compress(bytes(raw), 9)))
    f.write(chunk(b"IEND", b""))
EOF
}

# scans IN OUT N: the progressive JPEG IN with its last scan repeated N
# more times (each a few bytes that cost a pass over the whole image).
scans() {
    python3 - "$@" <<'EOF'
import struct, sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
d = open(src, "rb").read()
i, last = 2, None
while i < len(d) and d[i + 1] != 0xD9:
    end = i + 2 + struct.unpack(">H", d[i + 2:i + 4])[0]
    if d[i + 1] == 0xDA:  # start of scan: entropy-coded data follows
        while d[end] != 0xFF or d[end + 1] == 0 or 0xD0 <= d[end + 1] <= 0xD7:
            end += 1
        last = (i, end)
    i = end
scan = d[last[0]:last[1]]
open(dst, "wb").write(d[:last[1]] + scan * n + d[last[1]:])
EOF
}

grid "$I/grid768.png" 768 768 &&
    grid "$I/grid1080.png" 1920 1080 &&
    convert -size 4096x4096 xc:gray50 -colorspace Gray -interlace JPEG \
        -quality 85 "$I/prog.jpg" &&
    scans "$I/prog.jpg" "$I/scans6000.jpg" 6000 &&
    convert -size 512x512 xc:gray50 -colorspace Gray -interlace JPEG \
        -quality 85 "$I/small.jpg" &&
    scans "$I/small.jpg" "$I/scans90.jpg" 84 &&
    scans "$I/small.jpg" "$I/scans101.jpg" 95 &&
    qrpng -s 4 "$I/code.png" "hello, budget" &&
    ok "images made" || not_ok "images made"

# timed BOUND_MS WANT_STATUS "what" COMMAND...: ok if COMMAND exits with
# WANT_STATUS within BOUND_MS of wall-clock time (a hung decoder is cut
# at 120 s so the test ends). Output in $T_DIR/out.
timed() {
    t_bound=$1
    t_want=$2
    t_what=$3
    shift 3
    t0=$(date +%s%N)
    timeout 120 "$@" >"$T_DIR/out" 2>&1
    t_got=$?
    t_ms=$((($(date +%s%N) - t0) / 1000000))
    if [ "$t_got" -eq "$t_want" ] && [ "$t_ms" -lt "$t_bound" ]; then
        ok "$t_what (exit $t_got, $t_ms ms)"
    else
        not_ok "$t_what (exit $t_got, wanted $t_want; $t_ms ms," \
            "bound $t_bound ms)"
        sed 's/^/#   /' "$T_DIR/out" | head -20
    fi
}

SCAN="lpg-scan --home $H"

# ---- decode: the budget --------------------------------------------------

for g in grid768 grid1080; do
    timed 5000 3 "decode $g.png stops at the budget" \
        $SCAN decode "$I/$g.png"
    check_out "$g.png: says no code found in time" \
        "$g.png: no code found in time (decoding stopped after 1000 ms)"
done

timed 5000 3 "decode --json: the grid stops at the budget" \
    $SCAN decode --json "$I/grid768.png"
$SCAN decode --json "$I/grid768.png" >"$T_DIR/json" 2>/dev/null
if python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
e = d["images"][0]["error"]
sys.exit(0 if d["found"] == 0 and e["token"] == "ENOCODE_TIME" else 1)' \
    "$T_DIR/json" 2>/dev/null; then
    ok "decode --json: error token ENOCODE_TIME"
else
    not_ok "decode --json: error token ENOCODE_TIME"
    sed 's/^/#   /' "$T_DIR/json" | head -5
fi

timed 5000 3 "--decode-budget-ms 200 stops sooner" \
    $SCAN decode --decode-budget-ms 200 "$I/grid768.png"
check_out "--decode-budget-ms: the budget is named" "after 200 ms"

# a code and a grid: the code is reported, the status says not all in time
timed 5000 3 "a code and the grid: exit 3" \
    $SCAN decode "$I/code.png" "$I/grid768.png"
check_out "a code and the grid: the code is read" "text: hello, budget"

timed 5000 0 "a code is still read within a small budget" \
    $SCAN decode --decode-budget-ms 300 "$I/code.png"
check_status "--decode-budget-ms 0 is refused" 2 \
    $SCAN decode --decode-budget-ms 0 "$I/code.png"
check_out "--decode-budget-ms 0: says why" "decode-budget-ms wants"
check_status "--decode-budget-ms soon is refused" 2 \
    $SCAN decode --decode-budget-ms soon "$I/code.png"

# the home's scan.decode_budget_ms
H2="$T_DIR/home2"
lpgtrace --home "$H2" init >/dev/null 2>&1
echo "scan.decode_budget_ms = 400" >>"$H2/lpgtrace.conf"
timed 5000 3 "scan.decode_budget_ms = 400 is the budget" \
    lpg-scan --home "$H2" decode "$I/grid1080.png"
check_out "scan.decode_budget_ms: the budget is named" "after 400 ms"
sed -i 's/^scan.decode_budget_ms = 400$/scan.decode_budget_ms = soon/' \
    "$H2/lpgtrace.conf"
check_status "scan.decode_budget_ms = soon is refused" 2 \
    lpg-scan --home "$H2" decode "$I/code.png"
check_out "scan.decode_budget_ms = soon: says why" "scan.decode_budget_ms"

# ---- JPEG scans ----------------------------------------------------------

# 100 scans of 16 M pixels are about a second of work before the refusal
timed 10000 2 "a progressive JPEG of 6,000 scans is refused" \
    $SCAN decode "$I/scans6000.jpg"
check_out "6,000 scans: says why" "more than 100 scans"
check_status "a progressive JPEG of 90 scans is read" 1 \
    $SCAN decode "$I/scans90.jpg"
check_out "90 scans: no code, no error" "no code found$"
check_status "a progressive JPEG of 101 scans is refused" 2 \
    $SCAN decode "$I/scans101.jpg"

# ---- fill-check and deliver ----------------------------------------------

timed 5000 2 "fill-check --image of the grid fails promptly" \
    $SCAN fill-check --image "$I/grid1080.png" --tare-g 9000 \
    --check all=ok
check_out "fill-check --image: says no code found in time" \
    "grid1080.png: no code found in time"
timed 10000 2 "fill-check --image of 6,000 scans fails promptly" \
    $SCAN fill-check --image "$I/scans6000.jpg" --tare-g 9000 \
    --check all=ok
check_out "fill-check --image: says the scans are too many" \
    "more than 100 scans"
timed 5000 2 "deliver --gas-cert-image of the grid fails promptly" \
    $SCAN deliver --code X --user U --gas-cert-image "$I/grid768.png"
check_out "deliver --gas-cert-image: says no code found in time" \
    "grid768.png: no code found in time"

t_done
