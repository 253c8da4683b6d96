#!/bin/sh
# make run: every lpgtrace daemon on loopback, in the foreground, with the
# default home ($LPGTRACE_HOME, else ./var; `lpgtrace init` on first run,
# and lpg-webd's gateway key made and enrolled the first time).
# Ctrl-C (or SIGTERM) stops them all cleanly.
set -eu
B=${1:?usage: deploy/run.sh BUILD_DIR}
BIN="$(cd "$B/bin" && pwd)"
HOME_DIR=${LPGTRACE_HOME:-./var}
if [ ! -d "$HOME_DIR/ledger" ]; then
    "$BIN/lpgtrace" --home "$HOME_DIR" init
fi
pids=""
stop() {
    for p in $pids; do kill -TERM "$p" 2>/dev/null || true; done
    for p in $pids; do wait "$p" 2>/dev/null || true; done
    exit 0
}
trap stop INT TERM
for d in "$BIN"/lpg-*d; do
    [ -x "$d" ] || continue
    [ "$(basename "$d")" != lpg-webd ] || continue
    "$d" --home "$HOME_DIR" &
    pids="$pids $!"
done
# lpg-webd signs tips with its own key, enrolled with the role gateway:
# made and enrolled here the first time (once lpg-registryd answers).
if [ -x "$BIN/lpg-webd" ]; then
    GW=$(sed -n 's/^webd\.key *= *//p' "$HOME_DIR/lpgtrace.conf" 2>/dev/null | tail -n 1)
    GW=${GW:-keys/gateway}
    case $GW in /*) ;; *) GW=$HOME_DIR/$GW ;; esac
    if [ ! -e "$GW.pem" ]; then
        i=0
        until "$BIN/lpgtrace" --home "$HOME_DIR" ping registry >/dev/null 2>&1 || [ $i -ge 50 ]; do
            sleep 0.1
            i=$((i + 1))
        done
        mkdir -p "$(dirname "$GW")"
        if "$BIN/lpgtrace" keygen --out "$GW" >/dev/null &&
            "$BIN/lpgtrace" --home "$HOME_DIR" device enroll --key "$GW" --company authority \
                --role gateway --name lpg-webd >/dev/null; then
            echo "lpgtrace: the gateway (lpg-webd's key $GW.pem) is enrolled"
        else
            echo "lpgtrace: the gateway could not be enrolled, and lpg-webd refuses tips until it is:" \
                "lpgtrace --home $HOME_DIR device enroll --key $GW --company authority --role gateway" >&2
        fi
    fi
    "$BIN/lpg-webd" --home "$HOME_DIR" &
    pids="$pids $!"
fi
echo "lpgtrace: running$(for d in "$BIN"/lpg-*d; do printf ' %s' "$(basename "$d")"; done) on loopback, home $HOME_DIR (Ctrl-C stops)"
wait
