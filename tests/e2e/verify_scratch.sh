# verify_scratch.sh - `lpgtrace verify` replays the state into a scratch
# ledger in $TMPDIR, removed when it ends. The scratch is written in place
# (through LMDB's map) over disk space reserved before anything is written
# there: a write through a map into a hole of a full file system kills the
# process with SIGBUS. Through the real lpgtrace: on a disk with room it
# says it reserved the space and verifies; in a TMPDIR too small for the
# reservation it falls back to write(); in one too small for the scratch
# at all it stops with an error that names the place and what to do (exit
# 2, never a signal), and leaves nothing behind.
. "$LPG_ROOT/tests/e2e/lib.sh"

H="$T_DIR/home"
MNT="$T_DIR/mnt"
mounted=false
v_cleanup() {
    $mounted && umount "$MNT" 2>/dev/null
    t_cleanup
}
trap 'v_cleanup' EXIT INT TERM

t_home "$H" && ok "home" || not_ok "home"
check "a city of 3,000 cylinders" lpgtrace --home "$H" gen --companies 1 --sites 2 --devices 2 --cylinders 3000 --fills 1 --seed 7

# empty DIR: nothing of a scratch is left in it
empty() {
    if [ -z "$(ls -A "$2")" ]; then ok "$1: nothing left in TMPDIR"; else not_ok "$1: left in TMPDIR: $(ls -A "$2")"; fi
}

mkdir -p "$T_DIR/tmp"
LPG_LOG_LEVEL=debug TMPDIR="$T_DIR/tmp" lpgtrace --home "$H" verify >"$T_DIR/out" 2>&1
st=$?
[ $st -eq 0 ] && ok "verify with TMPDIR on a disk with room" || { not_ok "verify exit $st"; sed 's/^/#   /' "$T_DIR/out"; }
check_out "it verifies" "^OK: .* state tables match the log"
check_out "its scratch is written in place, over space reserved first" "scratch written in place, 128 MiB reserved"
empty "after a verify" "$T_DIR/tmp"

if mkdir -p "$MNT" && mount -t tmpfs -o size=136m tmpfs "$MNT" 2>/dev/null; then
    mounted=true
    # Room for the reservation, on a file system of memory.
    LPG_LOG_LEVEL=debug TMPDIR="$MNT" lpgtrace --home "$H" verify >"$T_DIR/out" 2>&1
    st=$?
    [ $st -eq 0 ] && ok "verify with TMPDIR on a small tmpfs" || { not_ok "verify exit $st"; sed 's/^/#   /' "$T_DIR/out"; }
    check_out "in place there too" "scratch written in place, 128 MiB reserved"
    empty "on the tmpfs" "$MNT"
    # Less than the reservation, more than the scratch needs: written
    # through write(), and it verifies.
    dd if=/dev/zero of="$MNT/pad" bs=1M count=100 >/dev/null 2>&1
    LPG_LOG_LEVEL=info TMPDIR="$MNT" lpgtrace --home "$H" verify >"$T_DIR/out" 2>&1
    st=$?
    [ $st -eq 0 ] && ok "verify with 36 MiB free in TMPDIR" || { not_ok "verify exit $st"; sed 's/^/#   /' "$T_DIR/out"; }
    check_out "says its scratch is not in place, and why" "scratch written through write(), not in place: its disk space cannot be reserved"
    rm -f "$MNT/pad"
    umount "$MNT" && mounted=false
    # No room for the scratch at all: an error, not a crash (SIGBUS
    # would be exit 135).
    if mount -t tmpfs -o size=256k tmpfs "$MNT" 2>/dev/null; then
        mounted=true
        TMPDIR="$MNT" lpgtrace --home "$H" verify >"$T_DIR/out" 2>&1
        st=$?
        [ $st -eq 2 ] && ok "verify with 256 KiB in TMPDIR: exit 2" || { not_ok "verify exit $st, wanted 2"; sed 's/^/#   /' "$T_DIR/out"; }
        check_out "the scratch's disk is full, not the ledger's" "a scratch ledger ran out of disk space (the ledger itself is not touched)"
        check_out "where, and what to do" "verify: no room left for the state's replay in $MNT/lpg-verify-.*: free space there, or set TMPDIR to a directory with more"
        if grep -q "^OK:\|FAILED\|STATE" "$T_DIR/out"; then not_ok "no verdict on the ledger"; sed 's/^/#   /' "$T_DIR/out"; else ok "no verdict on the ledger"; fi
        empty "after the error" "$MNT"
        umount "$MNT" && mounted=false
    else
        not_ok "a second tmpfs could not be mounted"
    fi
else
    ok "# SKIP the scratch on a small file system: cannot mount a tmpfs here (needs root)"
fi
t_done
