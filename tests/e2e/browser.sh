# browser.sh - a real Chromium (Debian's chromium, driven by puppeteer-core
# from tests/web) opens lpg-webd's public page through the real daemons:
# a code the authority issued is shown verified, a forged one gets a
# warning; a tip sent through the page's form is then listed by
# `lpgtrace report tips --json`. Screenshots at 360x640 are kept in
# build/<variant>/screenshots/ for people to look at.
#
# Skipped only when chromium is not installed and CI is not set; under CI
# a missing browser is a failure.
. "$LPG_ROOT/tests/e2e/lib.sh"
. "$LPG_ROOT/tests/web/webd_env.sh"

if ! command -v chromium >/dev/null 2>&1; then
    if [ -z "${CI:-}" ]; then
        echo "ok 1 # SKIP chromium is not installed (sh deploy/install-deps.sh installs it)"
        echo "1..1"
        exit 0
    fi
    not_ok "chromium is not installed, and under CI the browser test must run"
    t_done
    exit 1
fi
w_node_ready || { not_ok "node and tests/web's packages are there"; t_done; exit 1; }

# The folder is shared with the other browser tests: only this test's
# own screenshots are made anew.
SHOTS="$LPG_BIN/../screenshots"
mkdir -p "$SHOTS"
rm -f "$SHOTS"/real-code*.png "$SHOTS"/forged-code*.png "$SHOTS"/report-*.png

H=$T_DIR/home
w_home "$H" || { not_ok "a home"; t_done; exit 1; }
w_world "$H" || { not_ok "services, a company and a cylinder"; t_done; exit 1; }
ok "services up, a cylinder registered with its code"
w_start "$H" || { not_ok "lpg-webd starts"; t_done; exit 1; }
ok "lpg-webd answers on $W_URL"

MARKER="browser-tip-$$-$(date +%s)"
node "$W_WEB/public_page.mjs" --base "$W_URL" --real "$W_PATH" --forged "$W_FORGED" \
    --shots "$SHOTS" --marker "$MARKER" >"$T_DIR/browser.out" 2>&1
rc=$?
while IFS= read -r line; do
    case "$line" in
        "PASS "*) ok "${line#PASS }" ;;
        "FAIL "*) not_ok "${line#FAIL }" ;;
        "#"*) echo "$line" ;;
        *) echo "# $line" ;;
    esac
done <"$T_DIR/browser.out"
[ $rc -ne 2 ] || not_ok "the browser could be driven (exit 2)"
n=$(ls "$SHOTS"/real-code*.png "$SHOTS"/forged-code*.png "$SHOTS"/report-*.png 2>/dev/null | wc -l)
[ "$n" -ge 2 ] && ok "$n screenshots kept in build/$(basename "$(dirname "$LPG_BIN")")/screenshots" ||
    not_ok "no screenshots were kept"

# The tip the browser sent, as regulators see it.
lpgtrace --home "$H" report tips --json >"$T_DIR/tips.json" 2>"$T_DIR/tips.err"
rc=$?
if [ $rc -ne 0 ]; then
    not_ok "lpgtrace report tips --json (exit $rc)"
    sed 's/^/#   /' "$T_DIR/tips.err" | head -5
elif python3 - "$T_DIR/tips.json" "$MARKER" "$W_GRAI" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
tips = doc if isinstance(doc, list) else doc.get("tips", [])
mine = [t for t in tips if sys.argv[2] in json.dumps(t, ensure_ascii=False)]
if not mine:
    print("# no tip carries the marker; tips:", json.dumps(tips, ensure_ascii=False)[:500])
    sys.exit(1)
t = json.dumps(mine[0], ensure_ascii=False)
if sys.argv[3] not in t:
    print("# the tip does not name the code's GRAI", sys.argv[3], ":", t[:400])
    sys.exit(1)
if "<b id=" not in t:
    print("# the tip's text lost its characters (it must be kept as typed, escaped only when shown):", t[:400])
    sys.exit(1)
PY
then
    ok "the browser's tip is listed by lpgtrace report tips --json, with its code"
else
    not_ok "the browser's tip is listed by lpgtrace report tips --json, with its code"
fi

t_done
