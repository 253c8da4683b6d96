#!/bin/sh
# bench_scan.sh - how fast cylinder codes are read and printed.
#
#   tests/bench/bench_scan.sh BUILD_DIR [RUNS]     (RUNS default 50)
#
# Reading: lpg-scan's decoding time per camera-sized frame holding one
# label, median and 99th percentile over RUNS decodings in one process
# (`decode --repeat`: start-up and reading the file are not counted).
# Printing: labels per second from `lpgtrace label`, one PNG per run (the
# whole command: start-up, checking the code's signature, writing the
# file) and PDF sheets of 100 and 500 labels.
set -u
B=${1:?usage: tests/bench/bench_scan.sh BUILD_DIR [RUNS]}
RUNS=${2:-50}
BIN="$(cd "$B/bin" && pwd)" || exit 1
LPG="$BIN/lpgtrace"
SCAN="$BIN/lpg-scan"
W=$(mktemp -d "${TMPDIR:-/tmp}/lpg-bench-scan-XXXXXX")
trap 'rm -rf "$W"' EXIT INT TERM
export LPG_NO_PROGRESS=1

for tool in convert identify; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "bench_scan: ImageMagick ($tool) is needed to make the frames"
        exit 1
    fi
done

# Milliseconds since the epoch.
now_ms() {
    echo $(($(date +%s%N) / 1000000))
}

# rate COUNT MS: COUNT things in MS milliseconds, a second
rate() {
    awk -v n="$1" -v ms="$2" \
        'BEGIN { printf "%.1f", (ms > 0 ? n * 1000 / ms : 0) }'
}

H="$W/home"
"$LPG" --home "$H" init >/dev/null || exit 1
i=1
while [ "$i" -le 500 ]; do
    "$LPG" --home "$H" code issue --prefix 690123 --type 456789 \
        --serial "BENCH$i" --rev 1 || exit 1
    i=$((i + 1))
done >"$W/codes500.txt"
head -n 100 "$W/codes500.txt" >"$W/codes100.txt"
CODE=$(head -n 1 "$W/codes500.txt")

# ---- reading -------------------------------------------------------------

# The label as printed at 203 dpi (4 px a module) and 152 dpi (3 px).
"$LPG" --home "$H" label "$CODE" --dpi 203 --out "$W/l4.png" >/dev/null &&
    "$LPG" --home "$H" label "$CODE" --dpi 152 --out "$W/l3.png" \
        >/dev/null || exit 1

# frame NAME SIZE LABEL GEOMETRY [OPS...]: the label on a lit-from-one-side
# grey background with a little sensor noise, saved as a JPEG (as a camera
# would).
frame() {
    name=$1 size=$2 label=$3 at=$4
    shift 4
    convert -size "$size" gradient:gray80-gray45 -seed 1 -attenuate 0.3 \
        +noise Gaussian -colorspace Gray "$label" -geometry "$at" \
        -composite "$@" -quality 85 "$W/$name.jpg"
}
frame f720 1280x720 "$W/l4.png" +500+180 &&
    frame f1080 1920x1080 "$W/l4.png" +820+350 &&
    frame f1080s 1920x1080 "$W/l3.png" +1500+150 &&
    frame f1080low 1920x1080 "$W/l4.png" +820+350 +level 60%,90% &&
    convert -size 1920x1080 gradient:gray80-gray45 -colorspace Gray \
        -quality 85 "$W/none.jpg" || exit 1

# decode_bench WHAT FILE: one line of the table
decode_bench() {
    "$SCAN" --home "$H" decode --repeat "$RUNS" "$2" >"$W/out" 2>"$W/err"
    rc=$?
    line=$(grep 'decode_ms' "$W/err")
    if [ -z "$line" ]; then
        echo "  $1: lpg-scan failed (exit $rc)"
        sed 's/^/    /' "$W/err" | head -5
        return
    fi
    found=$(grep -c '^  text: ' "$W/out")
    echo "$line" | awk -v what="$1" -v found="$found" '{
        for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        printf "  %-44s %8.2f %8.2f  %d\n", what, v["median"], v["p99"], found
    }'
}

cpu=$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo 2>/dev/null |
    head -n 1)
echo "machine: ${cpu:-unknown CPU}, $(nproc 2>/dev/null || echo '?') cores" \
    "(decoding uses one)"
echo "decoding: $RUNS runs a frame in one process, the file read not counted;"
echo "frames are JPEGs (quality 85) of a label on a grey gradient with noise"
printf "  %-44s %8s %8s  %s\n" "frame" "median" "p99" "codes"
printf "  %-44s %8s %8s\n" "" "ms" "ms"
decode_bench "1280x720, label at 4 px a module" "$W/f720.jpg"
decode_bench "1920x1080, label at 4 px a module" "$W/f1080.jpg"
decode_bench "1920x1080, label at 3 px a module" "$W/f1080s.jpg"
decode_bench "1920x1080, 4 px, light grey on grey (30 %)" \
    "$W/f1080low.jpg"
decode_bench "1920x1080, no code (every pass runs)" "$W/none.jpg"

# ---- printing ------------------------------------------------------------

echo
echo "printing labels (lpgtrace label, 300 dpi, signatures checked)"
n=20
t0=$(now_ms)
i=1
while [ "$i" -le "$n" ]; do
    "$LPG" --home "$H" label "$(sed -n "${i}p" "$W/codes100.txt")" \
        --out "$W/one.png" >/dev/null || exit 1
    i=$((i + 1))
done
ms=$(($(now_ms) - t0))
printf "  %-44s %8s labels/s  (%d runs, %d ms)\n" \
    "one PNG a process" "$(rate "$n" "$ms")" "$n" "$ms"

for count in 100 500; do
    t0=$(now_ms)
    "$LPG" --home "$H" label --from "$W/codes$count.txt" \
        --out "$W/sheet$count.pdf" >/dev/null || exit 1
    ms=$(($(now_ms) - t0))
    pages=$(pdfinfo "$W/sheet$count.pdf" 2>/dev/null |
        sed -n 's/^Pages: *//p')
    printf "  %-44s %8s labels/s  (%d ms, %s A4 pages, %d kB)\n" \
        "PDF sheet of $count labels" "$(rate "$count" "$ms")" "$ms" \
        "${pages:-?}" $(($(wc -c <"$W/sheet$count.pdf") / 1024))
done
