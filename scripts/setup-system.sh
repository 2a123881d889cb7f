#!/usr/bin/env bash
# System packages the test suite needs (idempotent; run as root, or via sudo when available).
#  * PostgreSQL: the multi-user database of the annotation server (tests/test_annotate_pg.py)
#  * Chromium + Noto/TLWG fonts (+ HanaMin for CJK Extension B): the real-browser annotation test
# After it runs, a role/database `khlang`/`khlang_test` (password `khlang`) listens on 127.0.0.1:5432:
#   KHLANG_TEST_PG_URL=postgresql+psycopg://khlang:khlang@127.0.0.1:5432/khlang_test
set -euo pipefail
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }

missing=()
for pkg in postgresql chromium fonts-noto-core fonts-noto-cjk fonts-thai-tlwg fonts-hanazono; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

# Start the first PostgreSQL cluster (create one if the package made none).
if ! pg_lsclusters -h | grep -q .; then
    ver=$(ls /usr/lib/postgresql | sort -V | tail -1)
    $SUDO pg_createcluster "$ver" main
fi
read -r ver cluster _ <<<"$(pg_lsclusters -h | head -1)"
if ! pg_lsclusters -h | head -1 | grep -q online; then
    $SUDO pg_ctlcluster "$ver" "$cluster" start || $SUDO service postgresql start
fi
for _ in $(seq 1 30); do
    (cd / && as_postgres psql -qtAc "SELECT 1") >/dev/null 2>&1 && break
    sleep 1
done

pgq() { (cd / && as_postgres psql -qtAc "$1"); }
[ "$(pgq "SELECT 1 FROM pg_roles WHERE rolname='khlang'")" = "1" ] || pgq "CREATE ROLE khlang LOGIN PASSWORD 'khlang' CREATEDB"
[ "$(pgq "SELECT 1 FROM pg_database WHERE datname='khlang_test'")" = "1" ] || pgq "CREATE DATABASE khlang_test OWNER khlang"
echo "setup-system: postgresql ($ver/$cluster) up, chromium at $(command -v chromium || echo MISSING)"
