#!/bin/sh
# make run: every lpgtrace daemon on loopback, in the foreground, with the
# default home ($LPGTRACE_HOME, else ./var; `lpgtrace init` on first run).
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
    "$d" --home "$HOME_DIR" &
    pids="$pids $!"
done
echo "lpgtrace: running$(for d in "$BIN"/lpg-*d; do printf ' %s' "$(basename "$d")"; done) on loopback, home $HOME_DIR (Ctrl-C stops)"
wait
