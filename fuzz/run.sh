#!/usr/bin/env bash
# Runs every fuzz target for a bounded time and prints the executions reached.
#
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]     (default: 60 s, every target)
#
# Needs nightly and cargo-fuzz (`cargo install cargo-fuzz`). The committed
# seeds (fuzz/seeds/TARGET) are read only; what libFuzzer finds goes to
# fuzz/corpus/TARGET (ignored by git), crashes to fuzz/artifacts/TARGET, the
# full output to fuzz/logs/TARGET.log.
set -euo pipefail
cd "$(dirname "$0")"

seconds=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo +nightly fuzz list)
fi

mkdir -p logs
summary=()
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target"
    echo "=== $target (${seconds} s)"
    status=0
    cargo +nightly fuzz run "$target" "corpus/$target" "seeds/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=512 \
        -timeout=10 -print_final_stats=1 >"logs/$target.log" 2>&1 || status=$?
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "logs/$target.log" | grep -o '[0-9]*$' || echo "?")
    cov=$(grep -o 'cov: [0-9]*' "logs/$target.log" | tail -1 | grep -o '[0-9]*$' || echo "?")
    if [ "$status" -eq 0 ]; then result=ok; else result="FAILED (exit $status, see fuzz/logs/$target.log)"; fi
    summary+=("$(printf '%-22s %12s execs  cov %6s  %s' "$target" "$execs" "$cov" "$result")")
    echo "${summary[-1]}"
done

echo
echo "target                  executions        coverage  result"
printf '%s\n' "${summary[@]}"
for line in "${summary[@]}"; do
    case "$line" in *FAILED*) exit 1 ;; esac
done
