# gs1_resolver.sh - lpg-webd as a GS1-Conformant Resolver (1.2), through
# the real daemons with curl: a code's URL with Accept:
# application/linkset+json, and with ?linkType=linkset, answers an RFC 9264
# linkset that validates (ajv, tests/web/gs1_check.mjs) against schemas
# written from the standard, with gs1:pip and gs1:traceability; and
# /.well-known/gs1resolver answers a valid resolver description. Broken
# copies of each document must fail the same checks (the checks can fail).
. "$LPG_ROOT/tests/e2e/lib.sh"
. "$LPG_ROOT/tests/web/webd_env.sh"
w_node_ready || { not_ok "node and tests/web's packages are there"; t_done; exit 1; }
CHECK="node $W_WEB/gs1_check.mjs"

# The checker itself, on the examples in tests/web/fixtures/: good ones
# pass, every broken copy fails.
check "the checker accepts a valid example linkset" \
    $CHECK linkset "$W_WEB/fixtures/linkset.json" --require pip,traceability
check "the checker accepts a valid example description" \
    $CHECK description "$W_WEB/fixtures/gs1resolver.json"
check "every broken copy of the example linkset fails" \
    $CHECK broken-linkset "$W_WEB/fixtures/linkset.json"
check "every broken copy of the example description fails" \
    $CHECK broken-description "$W_WEB/fixtures/gs1resolver.json"
check_status "a linkset without gs1:dpp fails --require dpp" 1 \
    $CHECK linkset "$W_WEB/fixtures/linkset.json" --require dpp

H=$T_DIR/home
w_home "$H" || { not_ok "a home"; t_done; exit 1; }
w_world "$H" || { not_ok "services, a company and a cylinder"; t_done; exit 1; }
w_start "$H" || { not_ok "lpg-webd starts"; t_done; exit 1; }
ok "lpg-webd and the services are up, a cylinder registered"

# fetch NAME PATH [curl args]: body to $T_DIR/NAME.json, headers to
# $T_DIR/NAME.h, status echoed.
fetch() {
    n=$1
    p=$2
    shift 2
    curl -s -D "$T_DIR/$n.h" -o "$T_DIR/$n.json" -w '%{http_code}' "$@" "$W_URL$p"
}
ctype_is() {
    if grep -qi "^Content-Type: $2" "$T_DIR/$1.h"; then
        ok "$3"
    else
        not_ok "$3 ($(grep -i '^Content-Type' "$T_DIR/$1.h" | tr -d '\r'))"
    fi
}

ANCHOR="$W_URL/8003/$W_GRAI"
st=$(fetch accept "$W_PATH" -H 'Accept: application/linkset+json')
[ "$st" = 200 ] && ok "Accept: application/linkset+json answers 200" ||
    { not_ok "Accept: application/linkset+json answers $st"; head -c 300 "$T_DIR/accept.json" | sed 's/^/#   /'; echo; }
ctype_is accept "application/linkset+json" "as application/linkset+json"
check "it is a GS1 resolver linkset with gs1:pip and gs1:traceability, anchored at the code" \
    $CHECK linkset "$T_DIR/accept.json" --anchor "$ANCHOR" --require pip,traceability
check "and every broken copy of it fails" $CHECK broken-linkset "$T_DIR/accept.json"

sep='&'
case "$W_PATH" in *\?*) ;; *) sep='?' ;; esac
st=$(fetch query "$W_PATH${sep}linkType=linkset")
[ "$st" = 200 ] && ok "?linkType=linkset answers 200" || not_ok "?linkType=linkset answers $st"
check "the same valid linkset" \
    $CHECK linkset "$T_DIR/query.json" --anchor "$ANCHOR" --require pip,traceability

st=$(fetch desc /.well-known/gs1resolver)
[ "$st" = 200 ] && ok "/.well-known/gs1resolver answers 200" || not_ok "/.well-known/gs1resolver answers $st"
ctype_is desc "application/json" "as application/json"
check "it is a valid resolver description, rooted at this resolver, listing AI 8003" \
    $CHECK description "$T_DIR/desc.json" --root "$W_URL"
check "and every broken copy of it fails" $CHECK broken-description "$T_DIR/desc.json"

t_done
