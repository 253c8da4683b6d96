# readahead.sh - a service reads its ledger by look-ups at random places
# of a file that can be larger than memory, so the OS must not read ahead
# around each page fault (it read up to the device's read-ahead, 8 MiB on
# some disks: a day's recall at 10^7 entries read 2.9 GB from a cold
# disk). Through the real lpg-registryd (the writer) and lpg-traced: the
# mapping of the ledger's data.mdb in /proc/PID/smaps carries the kernel's
# random-read flag ("rr" in VmFlags), also after they have written and
# answered. unit/test_ledger shows a walk in file order (a verify) lifts
# it while it runs and puts it back.
. "$LPG_ROOT/tests/e2e/lib.sh"

H="$T_DIR/home"
t_home "$H" && ok "home" || not_ok "home"
for d in registry trace; do
    t_daemon $d "$H" && ok "lpg-${d}d up" || not_ok "lpg-${d}d up"
done

# flags PID: the VmFlags of its mapping of the ledger's data.mdb.
flags() {
    awk '/^[0-9a-f]+-[0-9a-f]+ / { m = ($NF ~ /\/ledger\/data\.mdb$/) }
         m && /^VmFlags:/ { sub(/^VmFlags: */, ""); print; exit }' "/proc/$1/smaps"
}
rr() {
    f=$(flags "$2")
    case " $f " in
    *" rr "*) ok "$1: its ledger map reads at random (VmFlags: $f)" ;;
    "  ") not_ok "$1: no mapping of ledger/data.mdb in /proc/$2/smaps" ;;
    *) not_ok "$1: its ledger map reads ahead (VmFlags: $f)" ;;
    esac
}
rr "lpg-registryd" "$T_PID_registry"
rr "lpg-traced" "$T_PID_trace"

# A write through the registry, a question to the trace service.
lpg() { lpgtrace --home "$H" "$@"; }
check "a company is registered" lpg company add NT --name "NT Gas" --gs1-prefix 6905555 --licence L-1 --licence-until 2030-12-31
check "lpg-traced answers" lpg ping trace
rr "lpg-registryd, after a write" "$T_PID_registry"
rr "lpg-traced, after answering" "$T_PID_trace"
t_done
