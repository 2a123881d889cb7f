#!/usr/bin/env bash
# System packages the test suite needs (Debian/Ubuntu). Idempotent: installs only what is missing,
# starts PostgreSQL only if it is down. Run as root (CI is) or as a user with sudo.
set -euo pipefail

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# chromium: the report and annotation browser tests (tests/test_report.py, test_annotate_browser.py)
# postgresql: the multi-user annotation database tests (tests/test_annotate_pg.py)
# fonts: Thai/CJK glyphs (HanaMin for CJK Extension B) in the browser screenshots
missing=()
for pkg in chromium postgresql fonts-noto-core fonts-noto-cjk fonts-thai-tlwg fonts-hanazono; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

# --- PostgreSQL: after this, role/database khlang/khlang_test (password khlang) on 127.0.0.1:5432:
#   KHLANG_TEST_PG_URL=postgresql+psycopg://khlang:khlang@127.0.0.1:5432/khlang_test
pg() { (cd / && if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- psql -qtAc "$1"; \
                else sudo -u postgres psql -qtAc "$1"; fi); }
if ! pg_lsclusters -h | grep -q .; then  # the package made no cluster (e.g. create_main_cluster=false)
    as_root pg_createcluster "$(ls /usr/lib/postgresql | sort -V | tail -1)" main
fi
read -r pg_ver pg_cluster _ <<<"$(pg_lsclusters -h | head -1)"
if ! pg_lsclusters -h | head -1 | grep -q online; then  # containers have no init to start it
    as_root pg_ctlcluster "$pg_ver" "$pg_cluster" start
fi
for _ in $(seq 1 30); do pg "SELECT 1" >/dev/null 2>&1 && break; sleep 1; done
[ "$(pg "SELECT 1 FROM pg_roles WHERE rolname='khlang'")" = "1" ] \
    || pg "CREATE ROLE khlang LOGIN PASSWORD 'khlang' CREATEDB"
[ "$(pg "SELECT 1 FROM pg_database WHERE datname='khlang_test'")" = "1" ] \
    || pg "CREATE DATABASE khlang_test OWNER khlang"
