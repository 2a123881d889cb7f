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

# --- annotate: PostgreSQL + fonts for the annotation server tests (tests/test_annotate_*.py) ------
# Thai/CJK fonts (HanaMin for CJK Extension B) so the browser test's screenshot shows real glyphs.
# After this block a role/database khlang/khlang_test (password khlang) listens on 127.0.0.1:5432:
#   KHLANG_TEST_PG_URL=postgresql+psycopg://khlang:khlang@127.0.0.1:5432/khlang_test
annotate_missing=()
for pkg in postgresql chromium fonts-noto-core fonts-noto-cjk fonts-thai-tlwg fonts-hanazono; do
    dpkg -s "$pkg" >/dev/null 2>&1 || annotate_missing+=("$pkg")
done
if [ ${#annotate_missing[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${annotate_missing[@]}"
fi
annotate_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
annotate_pg() { (cd / && if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- psql -qtAc "$1"; \
                         else sudo -u postgres psql -qtAc "$1"; fi); }
if ! pg_lsclusters -h | grep -q .; then  # the package made no cluster (e.g. create_main_cluster=false)
    annotate_root pg_createcluster "$(ls /usr/lib/postgresql | sort -V | tail -1)" main
fi
read -r annotate_ver annotate_cluster _ <<<"$(pg_lsclusters -h | head -1)"
if ! pg_lsclusters -h | head -1 | grep -q online; then  # containers have no init to start it
    annotate_root pg_ctlcluster "$annotate_ver" "$annotate_cluster" start
fi
for _ in $(seq 1 30); do annotate_pg "SELECT 1" >/dev/null 2>&1 && break; sleep 1; done
[ "$(annotate_pg "SELECT 1 FROM pg_roles WHERE rolname='khlang'")" = "1" ] \
    || annotate_pg "CREATE ROLE khlang LOGIN PASSWORD 'khlang' CREATEDB"
[ "$(annotate_pg "SELECT 1 FROM pg_database WHERE datname='khlang_test'")" = "1" ] \
    || annotate_pg "CREATE DATABASE khlang_test OWNER khlang"
# --- end annotate -----------------------------------------------------------------------------------
