# openapi.sh - the handheld API's OpenAPI document, as a running lpg-webd
# serves it at /api/v1/openapi.json, is a valid OpenAPI 3.1 document
# (linted offline by tests/web/openapi_lint.mjs), and broken copies of it
# fail the same lint (the lint can fail).
. "$LPG_ROOT/tests/e2e/lib.sh"
. "$LPG_ROOT/tests/web/webd_env.sh"
w_node_ready || { not_ok "node and tests/web's packages are there"; t_done; exit 1; }
LINT="node $W_WEB/openapi_lint.mjs"

check "the lint accepts a valid example document" $LINT "$W_WEB/fixtures/openapi.json"
check "every broken copy of the example fails" $LINT broken "$W_WEB/fixtures/openapi.json"

H=$T_DIR/home
w_home "$H" || { not_ok "a home"; t_done; exit 1; }
w_start "$H" || { not_ok "lpg-webd starts"; t_done; exit 1; }

st=$(curl -s -D "$T_DIR/h" -o "$T_DIR/openapi.json" -w '%{http_code}' "$W_URL/api/v1/openapi.json")
[ "$st" = 200 ] && ok "GET /api/v1/openapi.json answers 200 without a signature" ||
    { not_ok "GET /api/v1/openapi.json answers $st"; head -c 300 "$T_DIR/openapi.json" | sed 's/^/#   /'; echo; }
grep -qi '^Content-Type: application/\(openapi+\)\?json' "$T_DIR/h" &&
    ok "as JSON" || not_ok "as JSON ($(grep -i '^Content-Type' "$T_DIR/h" | tr -d '\r'))"
check "it is a valid OpenAPI 3.1 document that passes our rules" $LINT "$T_DIR/openapi.json"
check "and every broken copy of it fails" $LINT broken "$T_DIR/openapi.json"

t_done
