#!/bin/sh
# The single list of Debian 12 packages lpgtrace needs to build, test, run
# its demo and benchmarks. Installs only what is missing (apt-get update
# first). Run as root, or as a user with sudo.
set -eu

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
"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    echo "install-deps: all packages present"
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
