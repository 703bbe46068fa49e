#!/usr/bin/env bash
# Installs the few system packages the build needs (the bundled libpq links OpenSSL), when they
# are missing and we may install them; otherwise says what to install.
set -euo pipefail
missing=()
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
pkg-config --exists openssl 2>/dev/null || missing+=(libssl-dev)
command -v cc >/dev/null 2>&1 || missing+=(build-essential)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "build-deps: installing ${missing[*]}"
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
elif command -v sudo >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
else
  echo "build-deps: please install ${missing[*]} (Debian/Ubuntu package names)" >&2
  exit 1
fi
