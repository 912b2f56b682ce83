#!/usr/bin/env bash
# Builds the fuzz targets and runs each for SECONDS (default 30), starting from the seed
# inputs in fuzz/seeds/<target>. Needs cargo-fuzz (`cargo install cargo-fuzz`); on a
# stable toolchain RUSTC_BOOTSTRAP lets it use the nightly-only sanitizer flags.
# A crash leaves its input in fuzz/artifacts/<target>/ and fails the run.
#   bash fuzz/run.sh [SECONDS]
# Prints a closing "fuzz: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"
seconds=${1:-30}
export RUSTC_BOOTSTRAP=1
passed=0
failed=0
for target in filter query mime; do
  corpus=$(mktemp -d)
  cp seeds/"$target"/* "$corpus"/ 2>/dev/null || true
  if cargo fuzz run --release --debug-assertions "$target" "$corpus" -- \
      -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1 > "$corpus.log" 2>&1; then
    echo "ok - fuzz $target: $(grep -E '^stat::number_of_executed_units' "$corpus.log" | awk '{print $2}') inputs in ${seconds} s, no crash"
    passed=$((passed + 1))
  else
    echo "FAIL - fuzz $target:"
    # A crash's report, or why the target did not build.
    grep -E "panicked|ERROR|SUMMARY|Test unit written|^error" "$corpus.log" | head -20
    failed=$((failed + 1))
  fi
  rm -rf "$corpus" "$corpus.log"
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
