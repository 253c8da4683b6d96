# webd_env.sh - sourced by the end-to-end scripts that drive lpg-webd
# (browser.sh, gs1_resolver.sh, openapi.sh) and by the webd benchmark,
# after tests/e2e/lib.sh. Not a test itself.
#
#   w_home HOME     a home whose services listen on free loopback ports,
#                   lpg-webd on a free port of its own ($W_URL), and the
#                   gateway's key pair in HOME/keys/gateway (made unless
#                   init made it)
#   w_world HOME    starts the five services, adds a company, enrols the
#                   gateway, registers a cylinder: its code's URL is in
#                   $W_CODE, its path and query (from /8003/) in $W_PATH,
#                   the same code with its signature altered in $W_FORGED
#   w_start HOME    starts lpg-webd, waits until /healthz answers
#   w_node_ready    fails with a message unless node and tests/web's npm
#                   packages are there

W_WEB="$LPG_ROOT/tests/web"

w_home() {
    t_home "$1" || return 1
    W_PORT=$(t_free_port)
    if grep -q '^webd.port = ' "$1/lpgtrace.conf"; then
        sed -i "s|^webd.port = .*|webd.port = $W_PORT|" "$1/lpgtrace.conf"
    else
        echo "webd.port = $W_PORT" >>"$1/lpgtrace.conf"
    fi
    W_URL=http://127.0.0.1:$W_PORT
    mkdir -p "$1/keys"
    [ -e "$1/keys/gateway.pem" ] ||
        lpgtrace keygen --out "$1/keys/gateway" >"$T_DIR/keygen-gateway.txt" 2>&1
}

w_world() {
    for s in registry filling delivery inspection trace; do
        t_daemon "$s" "$1" || return 1
    done
    lpgtrace --home "$1" company add NTGAS --name "Nantong Gas" --gs1-prefix 6901234 \
        --licence "JS-NT-2024-001" --licence-until 2030-12-31 >"$T_DIR/company.out" 2>&1 ||
        { sed 's/^/#   /' "$T_DIR/company.out"; return 1; }
    # The gateway is a device like any other (a role it may not have yet:
    # then the page still works, only tips are refused).
    lpgtrace --home "$1" device enroll --key "$1/keys/gateway" --company NTGAS \
        --role gateway >"$T_DIR/enroll-gateway.out" 2>&1 ||
        grep -q EEXIST "$T_DIR/enroll-gateway.out" ||
        echo "# the gateway could not be enrolled: $(head -1 "$T_DIR/enroll-gateway.out")"
    lpgtrace --home "$1" cylinder add --company NTGAS --type 00015 --serial A10001 \
        --tare-g 15200 --fill-g 14500 --maker "Maker A" --made 2022-05 --spec YSP-15 \
        --design-life-y 8 --next-inspection 2028-05-01 --insurance-until 2028-12-31 \
        >"$T_DIR/cyl.out" 2>&1 || { sed 's/^/#   /' "$T_DIR/cyl.out"; return 1; }
    W_CODE=$(sed -n 's|^code *\(https://[^ ]*\).*|\1|p' "$T_DIR/cyl.out" | head -1)
    [ -n "$W_CODE" ] || { echo "# no code in:"; sed 's/^/#   /' "$T_DIR/cyl.out"; return 1; }
    W_PATH=/${W_CODE#https://*/}
    W_GRAI=$(echo "$W_PATH" | sed -n 's|^/8003/\([^?]*\).*|\1|p')
    # Forged: the signature's last character changed (still well-formed).
    W_FORGED=$(python3 -c 'import sys
p = sys.argv[1]
i = p.index("8030=") + 5
j = p.find("&", i)
j = len(p) if j < 0 else j
c = p[j - 1]
print(p[:j - 1] + ("A" if c != "A" else "B") + p[j:])' "$W_PATH")
}

w_start() {
    t_webd "$1" || return 1
    W_PORT=$T_WEBD_PORT
    W_URL=http://127.0.0.1:$W_PORT
}

w_node_ready() {
    command -v node >/dev/null 2>&1 ||
        { echo "# node is not installed: run sh deploy/install-deps.sh"; return 1; }
    [ -d "$W_WEB/node_modules" ] ||
        { echo "# tests/web/node_modules is missing: run sh deploy/install-deps.sh (npm ci)"; return 1; }
}
