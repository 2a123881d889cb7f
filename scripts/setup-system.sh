#!/usr/bin/env bash
# System packages the test suite needs. Idempotent: each block installs only what is missing.
# Run as root (CI and the dev machines are). Keep one clearly separated block per need.
set -euo pipefail

# apt-get needs root; use sudo when run as a normal user.
if [ "$(id -u)" -ne 0 ]; then
    apt-get() { sudo apt-get "$@"; }
fi

# --- report: headless Chromium renders the HTML report in tests/test_report.py ---------------------
if ! command -v chromium >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
fi
# --- end report -------------------------------------------------------------------------------------
