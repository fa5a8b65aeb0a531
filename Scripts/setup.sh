#!/usr/bin/env bash
# Installs what difftest needs on a fresh Debian machine. Idempotent: runs apt-get update and
# install only when a package is missing. Needs root (or sudo) for apt-get.
set -euo pipefail

# chromium: the headless-browser check of report.html (Tests/DiffTestTests/ReportTests.swift).
packages=(pkg-config libcapstone-dev libzydis-dev libunicorn-dev chromium)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    sudo_cmd=""
    if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo_cmd apt-get update -qq
    $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if ! command -v swift >/dev/null 2>&1; then
    echo "setup: error: no Swift toolchain on PATH (Swift 6.x is needed: https://www.swift.org/install/linux/)" >&2
    exit 2
fi
