#!/usr/bin/env bash
# What the tests need besides the Rust toolchain: OpenSSL (the local TSA and libssl), s3s-fs, a real S3-compatible server that
# tests/tests/tiles.rs starts on loopback to publish tiles into. Pinned; built from crates.io
# (about 2 minutes; later versions need a newer compiler). Skipped when already installed.
set -euo pipefail

S3S_FS_VERSION=0.14.1
installed=""
if command -v s3s-fs >/dev/null 2>&1; then
    installed=$(s3s-fs --version 2>/dev/null | awk '{print $2}')
fi
if [ "${installed}" != "${S3S_FS_VERSION}" ]; then
    echo "== installing s3s-fs ${S3S_FS_VERSION}"
    cargo install s3s-fs --version "${S3S_FS_VERSION}" --locked --features binary
fi

# The timestamp tests' local TSA is Debian's `openssl ts -reply` (tests/tests/common/tsa.rs);
# the ledger links the system's libssl (CMS and certificate-chain checks of RFC 3161 tokens).
missing=()
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
pkg-config --exists openssl 2>/dev/null || missing+=(libssl-dev)
if [ "${#missing[@]}" -gt 0 ]; then
    echo "== installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

# The explorer's browser tests drive Debian's headless Chromium.
bash "$(dirname "$0")/../.ci/install-chromium"
