#!/bin/sh
# The single list of Debian 12 packages lpgtrace needs to build, test, run
# its demo and benchmarks. Installs only what is missing (apt-get update
# first), then the browser tests' npm packages (tests/web, pinned by its
# package-lock.json) if tests/web/node_modules is missing. Run as root, or as
# a user with sudo.
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

# tests/web's npm packages, exactly as the lockfile pins them (npm's cache
# first, so a machine that has fetched them once needs no network again);
# again whenever the lockfile is newer than the installed tree.
npm_step() {
    [ "$HERE/tests/web/node_modules/.package-lock.json" -nt \
        "$HERE/tests/web/package-lock.json" ] && return 0
    echo "install-deps: npm ci in tests/web"
    (cd "$HERE/tests/web" &&
        npm ci --prefer-offline --no-audit --no-fund --loglevel=error)
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
