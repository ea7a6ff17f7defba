#!/usr/bin/env bash
# The whole suite: lint and format check, type check and build, then every test on SQLite,
# MariaDB and Redis. Provisions its own private MariaDB and Redis when the tests need them.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -d node_modules ] || npm ci

echo "== lint and format"
npx biome check .

echo "== type check and build"
npm run build --silent
npx tsc -p tsconfig.test.json

source scripts/services.sh
trap services_stop EXIT
services_start

echo "== tests"
npx vitest run
