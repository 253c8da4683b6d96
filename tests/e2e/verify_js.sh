# verify_js.sh - the console's in-browser checks (services/webd/www/
# verify.js) under node:test, without a browser: RFC 9162 inclusion and
# consistency vectors, RFC 8032 TEST 1, and their negatives
# (tests/web/verify_js.mjs). Each node test is one TAP line here.
. "$LPG_ROOT/tests/e2e/lib.sh"

if ! command -v node >/dev/null 2>&1; then
    if [ -z "${CI:-}" ]; then
        echo "ok 1 # SKIP node is not installed (sh deploy/install-deps.sh installs it)"
        echo "1..1"
        exit 0
    fi
    not_ok "node is not installed, and under CI the tests must run"
    t_done
    exit 1
fi

node --test --test-reporter=tap "$LPG_ROOT/tests/web/verify_js.mjs" >"$T_DIR/node.out" 2>&1
rc=$?
n=0
while IFS= read -r line; do
    case "$line" in
        "ok "*) n=$((n + 1)); ok "${line#ok [0-9]* - }" ;;
        "not ok "*) n=$((n + 1)); not_ok "${line#not ok [0-9]* - }" ;;
    esac
done <"$T_DIR/node.out"
if [ $rc -ne 0 ] || [ $n -lt 10 ]; then
    not_ok "node --test ran every test and passed (exit $rc, $n tests)"
    grep -v '^ *duration_ms\|^ *\.\.\.\|^ *---' "$T_DIR/node.out" | sed 's/^/#   /' | head -60
fi
t_done
