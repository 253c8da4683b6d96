# fresh_machine.sh - the README's first command, `make demo`, works on a
# new Debian 12 machine where none of our packages is installed yet.
#
# The new machine is simulated: a copy of the tree, and on PATH in front of
# the real tools a pkg-config, dpkg-query, protoc-c and npm that find nothing,
# and an apt-get that records what it was asked to install and only then
# lets the real tools answer (as if the packages had just arrived). The
# compiler and make are the real ones: a new Debian 12 machine has them.
# The copy is built from scratch with exactly `make demo`, once, and must
# succeed on that first run; a second run must install nothing. The npm
# step (web/'s console libraries and tests/web's browser-test packages,
# each from its lockfile) runs for real, with npm's cache first.
. "$LPG_ROOT/tests/e2e/lib.sh"

TREE="$T_DIR/tree"
STUB="$T_DIR/stub"
MARK="$T_DIR/installed"
mkdir -p "$TREE" "$STUB"
(cd "$LPG_ROOT" && git ls-files -z --cached --others --exclude-standard |
    xargs -0 tar cf - 2>/dev/null) | tar xf - -C "$TREE" ||
    { not_ok "copy the tree"; t_done; exit 1; }
ok "a copy of the tree without any build"

real() { command -v "$1"; }
for tool in pkg-config dpkg-query protoc-c npm; do
    r=$(real "$tool") || { not_ok "no real $tool on this machine"; t_done; exit 1; }
    cat >"$STUB/$tool" <<EOF
#!/bin/sh
# Finds nothing until the package step has run.
echo "$tool \$*" >>"$T_DIR/calls.log"
if [ -e "$MARK" ]; then exec "$r" "\$@"; fi
case "$tool" in
    pkg-config) exit 1 ;;
    dpkg-query) echo "dpkg-query: no packages found matching \$*" >&2; exit 1 ;;
    *) echo "$tool: not found" >&2; exit 127 ;;
esac
EOF
done
cat >"$STUB/apt-get" <<EOF
#!/bin/sh
# Records the request; 'install' makes the packages "arrive".
echo "apt-get \$*" >>"$T_DIR/apt.log"
case " \$* " in *" install "*) : >"$MARK" ;; esac
exit 0
EOF
cat >"$STUB/sudo" <<EOF
#!/bin/sh
exec "\$@"
EOF
chmod +x "$STUB"/*

# Before: the simulated machine really finds nothing.
if PATH="$STUB:$PATH" pkg-config --exists libzmq; then
    not_ok "the simulated machine already has libzmq"
else
    ok "before the first run, pkg-config finds nothing"
fi

run_make() {
    (cd "$TREE" && unset MAKEFLAGS MFLAGS MAKELEVEL SANITIZER &&
        PATH="$STUB:$PATH" LPG_DEMO_DIR="$T_DIR/demo$1" \
        make -j2 demo) >"$T_DIR/make$1.out" 2>&1
}

run_make 1
rc=$?
if [ $rc -eq 0 ]; then
    ok "the first 'make demo' on the new machine succeeds"
else
    not_ok "the first 'make demo' failed (exit $rc)"
    grep -n -i -E 'error|no such file|not found' "$T_DIR/make1.out" | head -20 |
        sed 's/^/#   /'
    tail -20 "$T_DIR/make1.out" | sed 's/^/#   /'
fi
grep -q "apt-get install .*libcairo2-dev" "$T_DIR/apt.log" 2>/dev/null &&
    ok "it installed the packages (cairo among them)" ||
    not_ok "apt-get was not asked to install the packages"
for p in chromium wrk nodejs npm curl; do
    grep -q "apt-get install .* $p\( \|$\)" "$T_DIR/apt.log" 2>/dev/null ||
        { not_ok "apt-get was not asked to install $p"; continue; }
    ok "it installed $p"
done
lock_v=$(sed -n '/"node_modules\/puppeteer-core"/,/version/s/.*"version": "\(.*\)".*/\1/p' \
    "$TREE/tests/web/package-lock.json")
got_v=$(sed -n 's/^  "version": "\(.*\)".*/\1/p' \
    "$TREE/tests/web/node_modules/puppeteer-core/package.json" 2>/dev/null)
[ -n "$lock_v" ] && [ "$lock_v" = "$got_v" ] &&
    ok "npm ci put the pinned puppeteer-core $got_v in tests/web" ||
    not_ok "tests/web/node_modules has puppeteer-core '$got_v', the lock pins '$lock_v'"
lock_v=$(sed -n '/"node_modules\/echarts"/,/version/s/.*"version": "\(.*\)".*/\1/p' \
    "$TREE/web/package-lock.json")
got_v=$(sed -n 's/^  "version": "\(.*\)".*/\1/p' \
    "$TREE/web/node_modules/echarts/package.json" 2>/dev/null)
[ -n "$lock_v" ] && [ "$lock_v" = "$got_v" ] &&
    ok "npm ci put the pinned echarts $got_v in web" ||
    not_ok "web/node_modules has echarts '$got_v', the lock pins '$lock_v'"
[ -s "$TREE/web/node_modules/zxing-wasm/dist/reader/zxing_reader.wasm" ] &&
    ok "and zxing-wasm's reader .wasm, to be served with it" ||
    not_ok "no zxing-wasm reader .wasm in web/node_modules"
grep -q "apt-get update" "$T_DIR/apt.log" 2>/dev/null &&
    ok "after an apt-get update" || not_ok "no apt-get update first"
grep -q "^ALLOW " "$T_DIR/make1.out" && grep -q "Everything is in" "$T_DIR/make1.out" &&
    ok "the demo ran to its end" || not_ok "the demo did not run to its end"
[ -x "$TREE/build/default/bin/lpgtrace" ] && [ -x "$TREE/build/default/bin/lpg-fillingd" ] &&
    ok "the binaries were built" || not_ok "no binaries in the copy"

n1=$(grep -c install "$T_DIR/apt.log" 2>/dev/null)
run_make 2
rc=$?
n2=$(grep -c install "$T_DIR/apt.log" 2>/dev/null)
[ $rc -eq 0 ] && ok "a second 'make demo' succeeds" ||
    { not_ok "the second 'make demo' failed (exit $rc)"; tail -20 "$T_DIR/make2.out" | sed 's/^/#   /'; }
[ "$n1" = "$n2" ] && ok "and installs nothing more" ||
    not_ok "the second run installed again ($n1 -> $n2)"
grep -q "npm ci" "$T_DIR/make2.out" &&
    not_ok "the second run ran npm ci again" || ok "nor runs npm ci again"

t_done
