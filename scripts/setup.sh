#!/usr/bin/env bash
# Installs the Debian packages zerospeech-api needs, only those missing.
#   scripts/setup.sh          build + run dependencies
#   scripts/setup.sh --test   also what the test suite needs (SMTP sink, pytest, Chromium, clang and
#                             its libFuzzer runtime, ...)
#   scripts/setup.sh --bench  also what bench/*.sh need (wrk, perf, ...)
set -euo pipefail

# cracklib-runtime: the dictionary libpwquality checks passwords against (/var/cache/cracklib/,
# built by its postinst); only a Recommends of libcrack2, which --no-install-recommends skips.
build_pkgs=(cmake ninja-build g++ pkg-config libboost-dev libboost-system-dev libsqlite3-dev
  nlohmann-json3-dev libkainjow-mustache-dev libzip-dev libssl-dev libcurl4-openssl-dev
  librabbitmq-dev libyaml-cpp-dev libcli11-dev libspdlog-dev libfmt-dev libgtest-dev libgmock-dev
  python3-flasgger sqlite3 prometheus-cpp-dev libpwquality-dev cracklib-runtime)
test_pkgs=(python3-pytest python3-pytest-xdist python3-requests python3-aiosmtpd chromium wrk unzip zip curl time rabbitmq-server slurm-wlm
  python3-prometheus-client clang libclang-rt-14-dev clang-format clang-tidy)
bench_pkgs=(wrk curl time unzip python3 linux-perf valgrind)

wanted=("${build_pkgs[@]}")
if [[ "${1:-}" == "--test" ]]; then wanted+=("${test_pkgs[@]}"); fi
if [[ "${1:-}" == "--bench" ]]; then wanted+=("${bench_pkgs[@]}"); fi

# apt needs root: sudo when we are not (CI runs as root, a developer's machine may not).
sudo_cmd=""
[[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"

missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if (( ${#missing[@]} )); then
  echo "setup: installing ${missing[*]}"
  $sudo_cmd apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "${missing[@]}"
fi

if [[ "${1:-}" == "--test" ]] && ! { command -v node && command -v npm; } >/dev/null; then
  echo "setup: installing nodejs and npm (browser tests)"
  $sudo_cmd apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get -o DPkg::Lock::Timeout=300 install -y -q nodejs npm
fi
