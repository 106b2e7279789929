#!/usr/bin/env bash
# The code conventions, checked (scripts/test.sh runs `lint.sh format`, then `lint.sh tidy`):
#   scripts/lint.sh format        fails, listing the files, unless every C++ source is clang-format clean
#                                 against .clang-format (src/, tests/, fuzz/, bench/)
#   scripts/lint.sh fix           rewrites those files with clang-format
#   scripts/lint.sh tidy --all    fails, listing the findings, unless every src/ .cpp (with the src/
#                                 headers it includes) is clang-tidy clean against .clang-tidy; one
#                                 clang-tidy per core (~13 min on 2 cores) on a compile database
#                                 without unity builds, build-tidy/ (configured when absent or older
#                                 than a CMakeLists.txt). On success writes the commit to
#                                 scripts/tidy-baseline (commit it): where the whole tree was clean
#   scripts/lint.sh tidy          the same on the src/ files changed since that commit (committed,
#                                 uncommitted or new; a changed .hpp through the .cpp of its stem, or
#                                 else one that includes it); --all when the commit is unknown here or
#                                 .clang-tidy changed since
set -euo pipefail
cd "$(dirname "$0")/.."

sources() {
  git ls-files 'src/*.cpp' 'src/*.hpp' 'tests/*.cpp' 'tests/*.hpp' 'fuzz/*.cpp' 'fuzz/*.hpp' 'bench/*.cpp' 'bench/*.hpp'
}

tidy_build=build-tidy
baseline_file=scripts/tidy-baseline

tidy_database() {
  local db=$tidy_build/compile_commands.json
  if [[ ! -f $db || -n $(find CMakeLists.txt cmake src -newer "$db" \( -name CMakeLists.txt -o -name '*.cmake' \) | head -1) ]]; then
    echo "lint: configuring the compile database in $tidy_build/"
    cmake -S . -B "$tidy_build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
      -DZR_BUILD_TESTS=OFF >/dev/null
    touch "$db"  # CMake leaves an unchanged database as it was
  fi
}

# The commit named in scripts/tidy-baseline (its line that is not a comment), when the repository has it.
tidy_baseline() {
  local hash
  hash=$(grep -v '^#' "$baseline_file" 2>/dev/null | tr -d '[:space:]' || true)
  [[ -n $hash ]] && git cat-file -e "$hash^{commit}" 2>/dev/null && echo "$hash"
}

# The .cpp files that parse the src/ files changed since commit $1, one a line.
tidy_changed() {
  local file
  { git diff --name-only "$1" -- 'src/*.cpp' 'src/*.hpp'
    git ls-files --others --exclude-standard 'src/*.cpp' 'src/*.hpp'
  } | sort -u | while read -r file; do
    [[ -f $file ]] || continue  # deleted
    if [[ $file == *.cpp ]]; then
      echo "$file"
    elif [[ -f ${file%.hpp}.cpp ]]; then
      echo "${file%.hpp}.cpp"
    else  # a header without a .cpp of its own
      git grep -l -F "#include \"${file#src/}\"" -- 'src/*.cpp' | head -1
    fi
  done | sort -u
}

# Runs clang-tidy on the files named on stdin, one per core; fails listing the findings, if any.
tidy_run() {
  local files count
  mapfile -t files
  tidy_out=$(mktemp -d)
  trap 'rm -rf "$tidy_out"' EXIT
  # The database has GCC's commands but clang-tidy parses with clang, for which Boost 1.74's Asio
  # enables co_await only when told (as src/http/CMakeLists.txt does in clang builds).
  # shellcheck disable=SC2016  # expanded by sh -c
  printf '%s\n' "${files[@]}" | xargs -P "$(nproc)" -I{} sh -c 'log="$3/$(echo "$2" | tr / _)"
    clang-tidy -p "$1" --quiet --extra-arg=-DBOOST_ASIO_HAS_CO_AWAIT=1 "$2" >"$log.log" 2>&1 || mv "$log.log" "$log.failed"' \
    sh "$tidy_build" {} "$tidy_out"
  compgen -G "$tidy_out/*.failed" >/dev/null || return 0
  # A header's finding comes once from every .cpp that includes it: list each once.
  grep -hE '^[^ ].*:[0-9]+:[0-9]+: (warning|error): ' "$tidy_out"/*.failed | sed "s|^$PWD/||" | sort -u \
    >"$tidy_out/findings" || true
  count=$(wc -l <"$tidy_out/findings")
  if (( count )); then
    echo "lint: ${count} clang-tidy finding(s) in the ${#files[@]} file(s) checked (details:" \
      "clang-tidy -p $tidy_build --extra-arg=-DBOOST_ASIO_HAS_CO_AWAIT=1 FILE.cpp):" >&2
    sed 's/^/  /' "$tidy_out/findings" >&2
  else  # no diagnostic line: show what clang-tidy said
    echo "lint: clang-tidy failed:" >&2
    cat "$tidy_out"/*.failed >&2
  fi
  return 1
}

tidy() {
  local all=${1:-} base files head
  head=$(git rev-parse HEAD)  # before the pass: a commit made during it was not checked
  base=$(tidy_baseline || true)
  if [[ $all != --all && -z $base ]]; then
    echo "lint: $baseline_file names no commit of this repository: checking every file"
    all=--all
  elif [[ $all != --all ]] && ! git diff --quiet "$base" -- .clang-tidy; then
    echo "lint: .clang-tidy changed since the last full pass ($base): checking every file"
    all=--all
  fi
  tidy_database
  if [[ $all == --all ]]; then
    files=$(git ls-files 'src/*.cpp')
  else
    files=$(tidy_changed "$base")
    if [[ -z $files ]]; then
      echo "lint: no src/ file changed since the last full clang-tidy pass (${base:0:12}): nothing to check"
      return 0
    fi
  fi
  tidy_run <<<"$files"
  if [[ $all == --all ]]; then
    { echo "# The commit where \`scripts/lint.sh tidy --all\` last found every src/ file clang-tidy clean (it"
      echo "# writes this file): \`scripts/lint.sh tidy\`, run by scripts/test.sh, checks the files changed since."
      echo "$head"
    } >"$baseline_file"
    echo "lint: $(wc -l <<<"$files") files clang-tidy clean; $baseline_file now names ${head:0:12}"
  else
    echo "lint: $(wc -l <<<"$files") file(s) changed since ${base:0:12} clang-tidy clean: ${files//$'\n'/ }"
  fi
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
  tidy)
    [[ ${2:-} == "" || ${2:-} == --all ]] || { echo "usage: scripts/lint.sh tidy [--all]" >&2; exit 2; }
    tidy "${2:-}"
    ;;
  *)
    echo "usage: scripts/lint.sh [format|fix|tidy [--all]]" >&2
    exit 2
    ;;
esac
