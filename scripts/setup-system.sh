#!/usr/bin/env bash
# System packages the test suite needs. Idempotent: installs only what is missing (run as root).
set -euo pipefail

apt_install() {  # apt_install PACKAGE... : apt-get install the ones not installed yet
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    fi
}

# --- report: headless Chromium renders the HTML report in tests/test_report.py -------------------
apt_install chromium
# --- end report ------------------------------------------------------------------------------------
