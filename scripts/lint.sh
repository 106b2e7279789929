#!/usr/bin/env bash
# The code conventions, checked (scripts/test.sh runs `lint.sh format`):
#   scripts/lint.sh format        fails, listing the files, unless every C++ source is clang-format clean
#                                 against .clang-format (src/, tests/, fuzz/, bench/)
#   scripts/lint.sh fix           rewrites those files with clang-format
set -euo pipefail
cd "$(dirname "$0")/.."

sources() {
  git ls-files 'src/*.cpp' 'src/*.hpp' 'tests/*.cpp' 'tests/*.hpp' 'fuzz/*.cpp' 'fuzz/*.hpp' 'bench/*.cpp' 'bench/*.hpp'
}

case "${1:-format}" in
  format)
    bad=()
    while read -r file; do
      clang-format --dry-run --Werror "$file" >/dev/null 2>&1 || bad+=("$file")
    done < <(sources)
    if (( ${#bad[@]} )); then
      echo "lint: ${#bad[@]} file(s) are not clang-format clean (run scripts/lint.sh fix):" >&2
      printf '  %s\n' "${bad[@]}" >&2
      exit 1
    fi
    echo "lint: $(sources | wc -l) files clang-format clean"
    ;;
  fix)
    sources | xargs clang-format -i
    ;;
  *)
    echo "usage: scripts/lint.sh [format|fix]" >&2
    exit 2
    ;;
esac
