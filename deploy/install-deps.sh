#!/bin/sh
# The single list of Debian 12 packages lpgtrace needs to build, test, run
# its demo and benchmarks. Installs only what is missing (apt-get update
# first), then the npm packages of web/ (what lpg-webd serves its console)
# and tests/web (the browser tests), each pinned by its package-lock.json,
# where node_modules is missing or older than the lockfile. Run as root, or
# as a user with sudo.
set -eu
HERE=$(cd "$(dirname "$0")/.." && pwd)

PACKAGES="
build-essential
g++
pkg-config
libzmq3-dev
liblmdb-dev
lmdb-utils
libqrencode-dev
libzxing-dev
libssl-dev
libsodium-dev
libprotobuf-c-dev
protobuf-c-compiler
libcairo2-dev
libpng-dev
libjpeg62-turbo-dev
libjansson-dev
libmicrohttpd-dev
libcmocka-dev
fonts-dejavu-core
fonts-wqy-microhei
imagemagick
librsvg2-bin
poppler-utils
clang
clang-format
libclang-rt-14-dev
python3
python3-zmq
python3-protobuf
python3-cryptography
protobuf-compiler
procps
tzdata
curl
openssl
chromium
wrk
nodejs
npm
"

# The npm packages, exactly as each lockfile pins them (npm's cache first,
# so a machine that has fetched them once needs no network again); again
# whenever a lockfile is newer than its installed tree: web/ (the browser
# libraries lpg-webd serves to its console: charts, camera scanning) and
# tests/web (the browser tests).
NPM_DIRS="web tests/web"
npm_step() {
    for d in $NPM_DIRS; do
        [ "$HERE/$d/node_modules/.package-lock.json" -nt \
            "$HERE/$d/package-lock.json" ] && continue
        echo "install-deps: npm ci in $d"
        (cd "$HERE/$d" &&
            npm ci --prefer-offline --no-audit --no-fund --loglevel=error) ||
            return 1
    done
}

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        # Node.js builds other than Debian's bring npm in their nodejs
        # package (and conflict with Debian's npm): a working npm will do.
        [ "$p" = npm ] && npm --version >/dev/null 2>&1 && continue
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    echo "install-deps: all packages present"
    npm_step
    exit 0
fi

echo "install-deps: installing:$missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
npm_step
