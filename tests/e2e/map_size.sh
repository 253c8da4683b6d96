# map_size.sh - the ledger's map size: a bad ledger.map_size stops the
# daemons and the CLI with the key named, and a running daemon keeps
# serving when another process opens the ledger with a larger map and
# grows the data past the daemon's own map (LMDB's MDB_MAP_RESIZED).
. "$LPG_ROOT/tests/e2e/lib.sh"

H="$T_DIR/home"
t_home "$H" && ok "home on free ports" || not_ok "home"

# --- a bad size is refused before anything starts -----------------------
B="$T_DIR/bad"
mkdir -p "$B"
for bad in lots 1024 0MiB -1GiB 99999999999999999999TiB 512KiB; do
    sed "s|^ledger.map_size = .*|ledger.map_size = $bad|" "$H/lpgtrace.conf" \
        >"$B/lpgtrace.conf"
    check_status "lpg-registryd refuses ledger.map_size = $bad" 2 \
        timeout 10 lpg-registryd --home "$B"
    check_out "naming the key and value" "ledger.map_size = '$bad'"
done
check_status "so does lpgtrace" 2 lpgtrace --home "$B" log
check_out "naming the key" "ledger.map_size = '512KiB': below the smallest map"
# The deprecated key: garbage used to mean 1 TiB without a word.
grep -v '^ledger.map_size' "$H/lpgtrace.conf" >"$B/lpgtrace.conf"
echo "ledger.map_size_gib = lots" >>"$B/lpgtrace.conf"
check_status "lpg-registryd refuses ledger.map_size_gib = lots" 2 \
    timeout 10 lpg-registryd --home "$B"
check_out "naming the key" "ledger.map_size_gib = 'lots': not a whole number"

# --- another process grows the map under a running daemon ---------------
# The daemon's map is 1 MiB; the ledger is smaller than that now.
sed -i "s|^ledger.map_size = .*|ledger.map_size = 1MiB|" "$H/lpgtrace.conf"
size=$(stat -c %s "$H/ledger/data.mdb")
[ "$size" -lt 1048576 ] && ok "the ledger starts below 1 MiB ($size bytes)" \
    || not_ok "the ledger is already $size bytes"
t_daemon registry "$H" && ok "registry up with a 1 MiB map" \
    || not_ok "registry up"
check "a write before the growth" lpgtrace --home "$H" company add CA \
    --name "Before" --gs1-prefix 6900001 --licence L-A

# A second home on the same ledger, with a map of 1 GiB, writes a few MiB.
G="$T_DIR/grower"
mkdir -p "$G"
ln -s "$H/ledger" "$G/ledger"
ln -s "$H/keys" "$G/keys"
sed "s|^ledger.map_size = .*|ledger.map_size = 1GiB|" "$H/lpgtrace.conf" \
    >"$G/lpgtrace.conf"
check "another process writes with a 1 GiB map" lpgtrace --home "$G" gen \
    --devices 4 --cylinders 200 --fills 3000 --seed 7
size=$(stat -c %s "$H/ledger/data.mdb")
[ "$size" -gt 2097152 ] && ok "the ledger grew past the daemon's map ($size bytes)" \
    || not_ok "the ledger is only $size bytes"

# The daemon must adopt the larger map and go on serving: a new
# connection (the ZAP handler reads the ledger), a query and a write.
check "ping after the growth" lpgtrace --home "$H" ping registry
check "a write after the growth" lpgtrace --home "$H" company add CB \
    --name "After" --gs1-prefix 6900002 --licence L-B
check_out "recorded" "^OK OK: recorded (entry "
kill -0 "$T_PID_registry" 2>/dev/null && ok "the daemon is still running" \
    || not_ok "the daemon died"
if grep -q "another process grew the map" "$T_DIR/registry.log"; then
    ok "the daemon logged that it adopted the larger map"
else
    not_ok "no word of the new map in the log"
    sed 's/^/#   /' "$T_DIR/registry.log" | tail -20
fi
if grep -q "not an enrolled" "$T_DIR/registry.log"; then
    not_ok "a client was refused as not enrolled"
    sed 's/^/#   /' "$T_DIR/registry.log" | tail -20
else
    ok "no client was blamed"
fi
check "the ledger verifies" lpgtrace --home "$G" verify

t_done
