#!/bin/sh
# scan_robustness.sh - how well lpg-scan reads the labels lpgtrace prints
# once a camera has had its way with them. Labels of eight codes are
# rendered at 4 and 3 pixels a module, distorted with ImageMagick one class
# at a time (rotation, perspective, blur, noise, low contrast, JPEG,
# inversion, occlusion, four codes a frame, a small code in a full-HD
# frame, two distortions at once) and decoded; an image counts only if
# exactly its codes come back. Each class prints its decode rate as a TAP
# comment and must reach its threshold: 100 %, or 95 % for occlusion of
# 20 % and for the combinations. LPG_KEEP_IMAGES=DIR keeps the images.
. "$LPG_ROOT/tests/e2e/lib.sh"

H="$T_DIR/home"
I="$T_DIR/img"
JOBS="$T_DIR/jobs"         # one convert command a line, arguments quoted
MANIFEST="$T_DIR/manifest" # class, image, expected codes, what was done
mkdir -p "$I" "$T_DIR/res"
: >"$JOBS"
: >"$MANIFEST"

# Eight codes; the classes below draw on them in turn, so the size of the
# set does not depend on their number.
NCODES=8

check "init makes a home" lpgtrace --home "$H" init

# Codes of different serials, lengths and revisions: not one lucky symbol.
: >"$T_DIR/codes.txt"
k=0
for serial in RB000001 A7 LPG0000042 ZX91QK7TT3 55 CYL8803321 \
    Q0Q0Q0Q0Q0Q0Q0Q0 M1; do
    k=$((k + 1))
    [ "$k" -le "$NCODES" ] || break
    lpgtrace --home "$H" code issue --prefix 690123 --type "45678$k" \
        --serial "$serial" --rev "$k" >>"$T_DIR/codes.txt" || break
done
n=$(grep -c '^https://' "$T_DIR/codes.txt")
[ "$n" -eq "$NCODES" ] && ok "issued $NCODES codes" \
    || not_ok "issued $n codes, not $NCODES"

# Labels: L4_k.png at 203 dpi (4 px a module), L3_k.png at 152 dpi (3 px);
# their sizes in S4_k, S3_k ("W H").
k=0
while read -r code; do
    k=$((k + 1))
    for r in 4 3; do
        case $r in 4) dpi=203 ;; 3) dpi=152 ;; esac
        lpgtrace --home "$H" label "$code" --dpi "$dpi" \
            --out "$I/L${r}_$k.png" >"$T_DIR/out" 2>&1 &&
            identify -format '%w %h\n' "$I/L${r}_$k.png" >"$I/S${r}_$k" ||
            break 2
    done
done <"$T_DIR/codes.txt"
# A symbol of version v is 17 + 4v modules, plus 4 of quiet zone a side:
# the 4 px and 3 px labels must have the same module count.
k=1
bad=""
while [ "$k" -le "$NCODES" ]; do
    read -r w4 _ <"$I/S4_$k" && read -r w3 _ <"$I/S3_$k" || w4=0
    if [ "$w4" -eq 0 ] || [ $((w4 % 4)) -ne 0 ] || [ $((w3 % 3)) -ne 0 ] ||
        [ $((w4 / 4)) -ne $((w3 / 3)) ] ||
        [ $(((w4 / 4 - 8 - 17) % 4)) -ne 0 ]; then
        bad="$bad $k"
    fi
    k=$((k + 1))
done
if [ -z "$bad" ]; then
    ok "labels rendered at 4 and 3 px a module"
else
    not_ok "labels rendered at 4 and 3 px a module (wrong:$bad)"
    sed 's/^/#   /' "$T_DIR/out" | head -10
fi

# ---- the image set -------------------------------------------------------

J=0
# job CLASS EXPECT EXT OPS...: one image of CLASS, made by
# `convert OPS... OUT` where OUT ends in EXT; it must decode to exactly the
# codes EXPECT (their line numbers, comma separated). The arguments are
# quoted for xargs, which runs the jobs.
job() {
    j_class=$1
    j_expect=$2
    j_ext=$3
    shift 3
    J=$((J + 1))
    mkdir -p "$I/$j_class"
    j_out="$I/$j_class/$J.$j_ext"
    printf " '%s'" "$@" "$j_out" >>"$JOBS"
    echo >>"$JOBS"
    printf '%s %s %s %s\n' "$j_class" "$j_out" "$j_expect" \
        "$(echo "$*" | sed "s|$I/||g")" >>"$MANIFEST"
}

# c I: code number I (from 0) wrapped into 1..NCODES
c() {
    echo $(($1 % NCODES + 1))
}

# persp R K TILT AXIS: the +distort Perspective arguments that tilt label
# L<R>_<K> by TILT degrees about an axis in its plane at AXIS degrees from
# the horizontal, seen by a pinhole camera two label sizes away.
persp() {
    read -r w h <"$I/S$1_$2"
    awk -v w="$w" -v h="$h" -v t="$3" -v a="$4" 'BEGIN {
        pi = atan2(0, -1); t *= pi / 180; a *= pi / 180
        ux = cos(a); uy = sin(a); d = 2 * (w > h ? w : h)
        split("0 0 " w " 0 " w " " h " 0 " h, p, " ")
        s = ""
        for (i = 1; i <= 8; i += 2) {
            # Rodrigues: the corner turned about the axis (ux, uy, 0)
            x = p[i] - w / 2; y = p[i + 1] - h / 2
            dot = ux * x + uy * y
            x2 = x * cos(t) + ux * dot * (1 - cos(t))
            y2 = y * cos(t) + uy * dot * (1 - cos(t))
            z2 = (ux * y - uy * x) * sin(t)
            f = d / (d + z2)
            s = s sprintf("%s%d,%d,%.1f,%.1f", i > 1 ? "," : "", p[i],
                          p[i + 1], x2 * f + w / 2, y2 * f + h / 2)
        }
        print s
    }'
}

# noise SIGMA: arguments adding Gaussian noise of SIGMA (ImageMagick's
# attenuate units: 1 is about 8 % of full scale) the same everywhere, not
# only where the image is light. Seeded by the image number, so every run
# sees the same noise.
noise() {
    echo "( +clone -fill gray50 -colorize 100 -seed $((J + 1))" \
        "-attenuate $1 +noise Gaussian )" \
        "-compose Mathematics -define compose:args=0,1,1,-0.5 -composite" \
        "-compose Over"
}

# rect K PCT PLACE SHAPE: the geometry WxH+X+Y, in pixels of the 4 px
# label K, of a rectangle over PCT % of its symbol (quiet zone not
# counted), square, wide or tall (2:1), in the middle, at the bottom right
# corner, at the right or at the bottom: clear of the finder patterns and
# of the format and version information beside them.
rect() {
    read -r w h <"$I/S4_$1"
    awk -v m=$((w / 4 - 8)) -v p="$2" -v place="$3" -v shape="$4" 'BEGIN {
        area = m * m * p / 100
        if (shape == "wide") { rh = sqrt(area / 2); rw = 2 * rh }
        else if (shape == "tall") { rw = sqrt(area / 2); rh = 2 * rw }
        else { rw = sqrt(area); rh = rw }
        if (place == "middle") { x = (m - rw) / 2; y = (m - rh) / 2 }
        else if (place == "corner") { x = m - rw; y = m - rh }
        else if (place == "right") { x = m - rw; y = (m - rh) / 2 }
        else { x = (m - rw) / 2; y = m - rh }
        # modules to pixels: 4 px a module, 4 modules of quiet zone
        printf "%dx%d+%d+%d\n", 4 * rw + 0.5, 4 * rh + 0.5,
            16 + 4 * x + 0.5, 16 + 4 * y + 0.5
    }'
}

WHITE="-background white"
VP="-virtual-pixel background"

# rotation: every 15 degrees; two codes at 4 px, one at 3 px
i=0
for a in $(seq 0 15 345); do
    for r in 4 4 3; do
        k=$(c "$i")
        job rotation "$k" png "$I/L${r}_$k.png" $WHITE -rotate "$a"
        i=$((i + 1))
    done
done

# perspective: 10, 20, 30 degrees about eight axis directions; two codes
# at 4 px, one at 3 px
i=0
for t in 10 20 30; do
    for a in 0 45 90 135 180 225 270 315; do
        for r in 4 4 3; do
            k=$(c "$i")
            job perspective "$k" png "$I/L${r}_$k.png" $WHITE $VP \
                +distort Perspective "$(persp "$r" "$k" "$t" "$a")" +repage
            i=$((i + 1))
        done
    done
done

# blur: Gaussian, sigma up to a third of a module (4 px: 1.33; 3 px: 1)
i=0
for rs in 4:0.5 4:0.8 4:1.0 4:1.33 3:0.5 3:0.75 3:1.0; do
    for n in 1 2 3 4; do
        k=$(c "$i")
        job blur "$k" png "$I/L${rs%:*}_$k.png" -gaussian-blur "0x${rs#*:}"
        i=$((i + 1))
    done
done

# additive noise: sigma about 8, 16 and 23 % of full scale
i=0
for s in 1 2 3; do
    for r in 4 4 4 3 3; do
        k=$(c "$i")
        job noise "$k" png "$I/L${r}_$k.png" $(noise "$s")
        i=$((i + 1))
    done
done

# contrast: black and white 30 % apart, dark, middle or light
i=0
for lv in 0%,30% 20%,50% 35%,65% 50%,80% 70%,100%; do
    for r in 4 4 3 3; do
        k=$(c "$i")
        job contrast "$k" png "$I/L${r}_$k.png" +level "$lv"
        i=$((i + 1))
    done
done

# JPEG at quality 30, and inverted (light modules on a dark ground)
k=1
while [ "$k" -le "$NCODES" ]; do
    for r in 4 3; do
        job jpeg "$k" jpg "$I/L${r}_$k.png" -quality 30
        job inverted "$k" png "$I/L${r}_$k.png" -negate
    done
    k=$((k + 1))
done

# occlusion: a white or grey rectangle over 5, 10, 15, 20 % of the symbol
i=0
for p in 5 10 15 20; do
    for place in middle corner right bottom; do
        case $place in
        right) shape=tall ;;
        bottom) shape=wide ;;
        *) shape=square ;;
        esac
        for colour in white gray50 white gray50; do
            k=$(c "$i")
            g=$(rect "$k" "$p" "$place" "$shape")
            job "occlusion-$p" "$k" png "$I/L4_$k.png" "(" \
                -size "${g%%+*}" "xc:$colour" ")" -geometry "+${g#*+}" \
                -composite
            i=$((i + 1))
        done
    done
done

# four codes in one frame: a 2 x 2 grid, tight or spread on grey, at 4 or
# 3 px a module; all four must be found
i=0
for layout in tight spread; do
    for r in 4 3; do
        for n in 1 2; do
            k1=$(c "$i") k2=$(c $((i + 1))) k3=$(c $((i + 2)))
            k4=$(c $((i + 3)))
            L1="$I/L${r}_$k1.png" L2="$I/L${r}_$k2.png"
            L3="$I/L${r}_$k3.png" L4="$I/L${r}_$k4.png"
            if [ "$layout" = tight ]; then
                job four "$k1,$k2,$k3,$k4" png "$L1" "$L2" +append \
                    "(" "$L3" "$L4" +append ")" -append
            else
                job four "$k1,$k2,$k3,$k4" png -size 1280x960 xc:gray70 \
                    "$L1" -geometry +60+40 -composite \
                    "$L2" -geometry +700+90 -composite \
                    "$L3" -geometry +120+520 -composite \
                    "$L4" -geometry +760+480 -composite
            fi
            i=$((i + 3))
        done
    done
done

# one code at 3 px a module in a 1920 x 1080 frame, among other things
i=0
for bg in gradient noise shapes plasma; do
    for at in +40+30 +850+420 +1650+780 +1200+100; do
        k=$(c "$i")
        case $bg in
        gradient) base="-size 1920x1080 gradient:gray85-gray35" ;;
        noise) base="-size 1920x1080 xc:gray60 $(noise 1.5)" ;;
        shapes) base="-size 1920x1080 xc:gray75
            ( -size 400x160 xc:gray20 ) -geometry +900+100 -composite
            ( -size 500x300 xc:gray95 ) -geometry +100+700 -composite
            ( -size 1920x12 xc:gray10 ) -geometry +0+640 -composite
            ( -size 80x50 xc:gray50 -seed $((i + 3)) +noise Random
              -colorspace Gray -threshold 50% -sample 800% )
            -geometry +1250+420 -composite" ;;
        plasma) base="-size 1920x1080 -seed $((i + 7)) plasma:gray40-gray90
            -colorspace Gray" ;;
        esac
        job hd-frame "$k" png $base "$I/L3_$k.png" -geometry "$at" \
            -composite
        i=$((i + 1))
    done
done

# two distortions at once, each at or near the top of its class's range
i=0
for a in 15 40 75 130 200 290 330; do
    for r in 4 3; do
        case $r in 4) s=1.33 ;; 3) s=1.0 ;; esac
        k=$(c "$i")
        job combined "$k" png "$I/L${r}_$k.png" $WHITE -rotate "$a" \
            -gaussian-blur "0x$s"
        k=$(c $((i + 1)))
        job combined "$k" jpg "$I/L${r}_$k.png" $WHITE -rotate "$a" \
            -quality 30
        i=$((i + 2))
    done
done
for t in 20 30; do
    for a in 0 135 270; do
        for r in 4 3; do
            k=$(c "$i")
            job combined "$k" jpg "$I/L${r}_$k.png" $WHITE $VP \
                +distort Perspective "$(persp "$r" "$k" "$t" "$a")" \
                +repage -quality 30
            k=$(c $((i + 1)))
            job combined "$k" png "$I/L${r}_$k.png" $WHITE $VP \
                +distort Perspective "$(persp "$r" "$k" "$t" "$a")" \
                +repage -gaussian-blur 0x1.0
            i=$((i + 2))
        done
    done
done
for lv in 35%,65% 0%,30% 70%,100%; do
    for s in 0.5 1; do
        k=$(c "$i")
        job combined "$k" png "$I/L4_$k.png" +level "$lv" $(noise "$s")
        i=$((i + 1))
    done
    k=$(c "$i")
    job combined "$k" jpg "$I/L4_$k.png" +level "$lv" -quality 30
    i=$((i + 1))
done
for s in 0.8 1.33; do
    k=$(c "$i")
    job combined "$k" png "$I/L4_$k.png" -gaussian-blur "0x$s" $(noise 2)
    k=$(c $((i + 1)))
    job combined "$k" png "$I/L4_$k.png" -negate -gaussian-blur "0x$s"
    i=$((i + 2))
done

# ---- make them, decode them ----------------------------------------------

if xargs -P 2 -L 1 convert <"$JOBS" 2>"$T_DIR/convert.err"; then
    ok "$J distorted images made"
else
    not_ok "$J distorted images made"
    sed 's/^/#   /' "$T_DIR/convert.err" | head -10
fi

# one lpg-scan a class, two at a time
CLASSES=$(awk '!seen[$1]++ { print $1 }' "$MANIFEST")
echo "$CLASSES" | xargs -P 2 -I CLASS sh -c 'lpg-scan --home "$1" \
    decode --json "$2"/CLASS/* >"$3"/CLASS.json 2>"$3"/CLASS.err' _ \
    "$H" "$I" "$T_DIR/res"

# "CLASS FOUND TOTAL" a class, then the misses as TAP comments. A hit is
# an image whose codes are exactly the expected ones, each with its four
# corners inside the image.
python3 - "$MANIFEST" "$T_DIR/res" "$T_DIR/codes.txt" >"$T_DIR/rates" <<'EOF'
import json, os, struct, sys
manifest, res, codes_file = sys.argv[1:4]

def image_size(path):
    """(width, height) of a PNG or baseline / progressive JPEG."""
    data = open(path, "rb").read()
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return struct.unpack(">II", data[16:24])
    i = 2
    while i + 9 < len(data) and data[i] == 0xFF:
        if data[i + 1] in (0xC0, 0xC1, 0xC2):
            h, w = struct.unpack(">HH", data[i + 5:i + 9])
            return w, h
        i += 2 + struct.unpack(">H", data[i + 2:i + 4])[0]
    return None

def inside(code, size):
    w, h = size
    return all(0 <= x < w and 0 <= y < h
               for x, y in code["position"].values())

codes = [l.strip() for l in open(codes_file) if l.strip()]
want = {}
order = []
for line in open(manifest):
    cls, img, exp, what = line.rstrip("\n").split(" ", 3)
    if cls not in order:
        order.append(cls)
    want[img] = (cls, sorted(codes[int(k) - 1] for k in exp.split(",")),
                 what)
got = {}
placed = {}
for cls in order:
    try:
        doc = json.load(open(os.path.join(res, cls + ".json")))
    except (OSError, ValueError):
        continue
    for image in doc["images"]:
        codes_found = image.get("codes", [])
        got[image["file"]] = sorted(c["text"] for c in codes_found)
        size = image_size(image["file"])
        placed[image["file"]] = size is not None and all(
            inside(c, size) for c in codes_found)
misses = []
for cls in order:
    imgs = [i for i in want if want[i][0] == cls]
    good = [i for i in imgs if got.get(i) == want[i][1] and placed[i]]
    print(cls, len(good), len(imgs))
    for i in imgs:
        if i not in good:
            found = set(got.get(i, []))
            misses.append("#   missed %s/%s: %d of %d found, %d other%s: %s"
                          % (cls, os.path.basename(i),
                             len(found & set(want[i][1])), len(want[i][1]),
                             len(found - set(want[i][1])),
                             "" if placed.get(i) else ", placed outside",
                             want[i][2]))
print("\n".join(misses))
EOF

if [ -n "${LPG_KEEP_IMAGES:-}" ]; then
    mkdir -p "$LPG_KEEP_IMAGES" &&
        cp -r "$I" "$MANIFEST" "$T_DIR/codes.txt" "$LPG_KEEP_IMAGES/"
fi

# ---- the rates -----------------------------------------------------------

threshold() {
    case $1 in
    occlusion-20 | combined) echo 95 ;;
    *) echo 100 ;;
    esac
}
grep -v '^#' "$T_DIR/rates" | while read -r class found total; do
    [ -n "$class" ] || continue
    echo "# $class: $found/$total = $(awk -v f="$found" -v t="$total" \
        'BEGIN { printf "%.1f", t ? 100 * f / t : 0 }') %"
done
grep '^#' "$T_DIR/rates"
for class in $CLASSES; do
    found=$(awk -v c="$class" '$1 == c { print $2 }' "$T_DIR/rates")
    total=$(awk -v c="$class" '$1 == c { print $3 }' "$T_DIR/rates")
    want=$(threshold "$class")
    if [ "${total:-0}" -gt 0 ] &&
        [ $((found * 100)) -ge $((want * total)) ]; then
        ok "$class: $found/$total decoded (at least $want %)"
    else
        not_ok "$class: ${found:-0}/${total:-0} decoded (at least $want %)"
        sed 's/^/#   /' "$T_DIR/res/$class.err" 2>/dev/null | head -5
    fi
done

t_done
