#!/usr/bin/env bash
# Installs what is missing, builds (Release) and runs the service with its embedded defaults:
# http://127.0.0.1:8000, data folder ./data (created if absent). Extra arguments go to `zr serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DZR_BUILD_TESTS=OFF >/dev/null
cmake --build build --target zr
export ZR_DATA_FOLDER="${ZR_DATA_FOLDER:-$PWD/data}"
mkdir -p "$ZR_DATA_FOLDER"
exec build/zr serve "$@"
