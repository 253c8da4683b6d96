# layers.sh - lib/'s layering holds (tests/lint/layers.py over the tree),
# and the check can fail: it names an include planted upward, an include
# without its folder, and a circle planted inside one folder.
set -u
ROOT=${LPG_ROOT:-.}
T=$(mktemp -d "${TMPDIR:-/tmp}/lpg-layers-XXXXXX")
trap 'rm -rf "$T"' EXIT
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }

if python3 "$ROOT/tests/lint/layers.py" "$ROOT" >"$T/out" 2>&1; then
    ok "lib/ includes only down or sideways, with no circle"
else
    not_ok "lib/ breaks its layers"
    sed 's/^/#   /' "$T/out"
fi

# plant FILE LINE: a copy of lib/ with LINE added to FILE's includes.
plant() {
    rm -rf "$T/tree"
    mkdir -p "$T/tree"
    cp -r "$ROOT/lib" "$T/tree/lib"
    echo "$2" >>"$T/tree/lib/$1"
}
expect_fault() {
    what=$1
    pattern=$2
    if python3 "$ROOT/tests/lint/layers.py" "$T/tree" >"$T/out" 2>&1; then
        not_ok "$what: not caught"
    elif grep -q -- "$pattern" "$T/out"; then
        ok "$what: caught ($(head -1 "$T/out"))"
    else
        not_ok "$what: failed without naming it"
        sed 's/^/#   /' "$T/out"
    fi
}

plant base/log.c '#include "ledger/ledger.h"'
expect_fault "base/ including ledger/" "lib/base/log.c:.*goes up, from base/ to ledger/"
plant ledger/ledger.c '#include "domain/state.h"'
expect_fault "the ledger including the domain" "goes up, from ledger/ to domain/"
plant crypto/crypto.c '#include "error.h"'
expect_fault "an include without its folder" "does not name a layer folder"
plant base/csv.h '#include "base/log.h"'
echo '#include "base/csv.h"' >>"$T/tree/lib/base/log.h"
expect_fault "a circle inside base/" "include circle: base/"

echo "1..$n"
[ "$failed" -eq 0 ]
