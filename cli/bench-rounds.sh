#!/usr/bin/env bash
# Alternates preset bench binaries (a plain build and a profile-guided one, or two commits'
# builds) on the same loans, round after round, and prints one line per run.
#
#   cli/bench-rounds.sh plain=PLAIN_BENCH pgo=PGO_BENCH     # 5 rounds at 100,000 loans
#   ROUNDS=3 LOANS=20000 PASSES=5 cli/bench-rounds.sh A B C   # labelled by file name
#
# The bench binaries are what `cargo bench -p metro2 --bench preset --no-run` and
# `cli/pgo.sh` print. Each run is `METRO2_BENCH_LOANS=$LOANS METRO2_BENCH_PASSES=$PASSES
# BINARY --bench nomatch`, whose CPU-time passes report loans per second of this thread's CPU
# time, the best of the passes. Why alternate: this machine is shared, its speed moves by
# tens of percent from one minute to the next, so two binaries are compared only within a
# round, and the order flips each round so neither always runs first.
#
# Each line carries the machine's gauge: the `parse` pass (the whole document into sonic-rs),
# as a share of the 287,000 loans per CPU second it runs at on a quiet machine. A figure
# measured while the gauge is low is a figure of a slowed machine; the gauge is measured in
# another pass of the same run, so it tells the state of the machine, not of that pass.
# Nothing else should run meanwhile: a build or valgrind on the other core slows both.
set -euo pipefail

if [[ $# -eq 0 ]]; then
    sed -n '2,8p' "$0" >&2
    exit 2
fi
rounds=${ROUNDS:-5}
loans=${LOANS:-100000}
passes=${PASSES:-3}
quiet_parse=287000

# The best pass of the CPU-time pass named $1 in the last run's output ($out); empty when the
# run printed none (it failed).
best() { sed -n "s/^cpu time: $1: \([0-9]*\) loans.*/\1/p" <<<"$out"; }

# Columns: end_to_end (from 2026-12-03's native preset on, the shipped preset as a sync maps it;
# before, the plan), plan (end_to_end_plan: the compiled plan alone; new binaries only) and
# by_hand (the bench's hand-written preset; binaries before the native preset only).
printf '%-5s %-24s %9s %6s %10s %10s %10s\n' round build parse gauge end_to_end plan by_hand
for ((r = 1; r <= rounds; r++)); do
    bins=("$@")
    if ((r % 2 == 0)); then
        # Reverse the order on even rounds.
        for ((i = 0, j = ${#bins[@]} - 1; i < j; i++, j--)); do
            t=${bins[i]}
            bins[i]=${bins[j]}
            bins[j]=$t
        done
    fi
    for arg in "${bins[@]}"; do
        label=${arg%%=*} bin=${arg#*=}
        [[ $arg == *=* ]] || label=$(basename "$bin")
        out=$(METRO2_BENCH_LOANS=$loans METRO2_BENCH_PASSES=$passes "$bin" --bench nomatch 2>&1)
        parse=$(best parse)
        gauge=$((100 * ${parse:-0} / quiet_parse))
        printf '%-5s %-24s %9s %5s%% %10s %10s %10s\n' "$r" "$label" "$parse" "$gauge" \
            "$(best end_to_end)" "$(best end_to_end_plan)" "$(best end_to_end_by_hand)"
    done
done
