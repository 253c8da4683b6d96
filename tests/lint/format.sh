# format.sh - the tree is as `make format` leaves it (.clang-format at the
# root), so `make format` changes nothing on a clean tree; and the check
# can fail: a file with its formatting undone is caught.
set -u
ROOT=${LPG_ROOT:-.}
T=$(mktemp -d "${TMPDIR:-/tmp}/lpg-format-XXXXXX")
trap 'rm -rf "$T"' EXIT
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }

if ! command -v clang-format >/dev/null; then
    not_ok "clang-format is not installed (deploy/install-deps.sh installs it)"
    echo "1..$n"
    exit 1
fi
files=$(make -s -C "$ROOT" --no-print-directory format-files)
count=$(echo "$files" | wc -w)
[ "$count" -gt 100 ] && ok "make format covers $count files" ||
    not_ok "make format covers only $count files"
bad=""
for f in $files; do
    clang-format --style=file --dry-run -Werror "$ROOT/$f" >/dev/null 2>&1 ||
        bad="$bad $f"
done
if [ -z "$bad" ]; then
    ok "every one is as make format leaves it"
else
    not_ok "make format would change:$bad"
fi

# The check can fail: a copy of a file with two lines joined and an
# indent removed.
mkdir -p "$T/lib/base"
cp "$ROOT/.clang-format" "$T/"
awk 'NR == 1 { print; next } /^    return/ && !done { sub(/^    /, ""); done = 1 } { print }' \
    "$ROOT/lib/base/csv.c" >"$T/lib/base/csv.c"
if clang-format --style=file --dry-run -Werror "$T/lib/base/csv.c" >/dev/null 2>&1; then
    not_ok "a file with a wrong indent passes"
else
    ok "a file with a wrong indent is caught"
fi
echo "1..$n"
[ "$failed" -eq 0 ]
