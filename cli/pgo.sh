#!/usr/bin/env bash
# A profile-guided release build of the `metro2` command and of the preset benchmark.
#
#   cli/pgo.sh            # build target/pgo/release/metro2 and the preset bench, trained
#   cli/pgo.sh --bench    # the same, then run the preset bench's CPU-time passes
#
# 1. builds both instrumented (rustc -Cprofile-generate) into target/pgo-train;
# 2. trains them on the work they are built for: the preset bench's end-to-end pass over
#    generated loans of another seed than the one it is measured on (METRO2_BENCH_SEED=7),
#    and `metro2 demo` (sync from the local simulator, map, store, export);
# 3. merges the profiles with the toolchain's llvm-profdata (rustup's llvm-tools);
# 4. builds both again with the profile (rustc -Cprofile-use) into target/pgo.
#
# The ordinary build (`cargo build --release`, CI's tests) is not touched: the profile
# only changes how the code is laid out and inlined, never what it computes (the bench checks
# the hand-written preset against the plan's bytes on every loan before timing, either way).
# Why: DECISIONS.md, "release binaries are built with profile-guided optimisation".
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
train_dir="$root/target/pgo-train"
use_dir="$root/target/pgo"
profiles="$root/target/pgo-profiles"

host=$(rustc -vV | sed -n 's/^host: //p')
profdata="$(rustc --print sysroot)/lib/rustlib/$host/bin/llvm-profdata"
if [[ ! -x "$profdata" ]]; then
    rustup component add llvm-tools
fi

rm -rf "$profiles"
mkdir -p "$profiles"

echo "pgo: building instrumented binaries into $train_dir" >&2
# Build scripts run during the build would write profiles too: they go elsewhere.
export CARGO_TARGET_DIR="$train_dir" RUSTFLAGS="-Cprofile-generate=$profiles/build"
cargo build --release --locked -p metro2 --bin metro2
bench=$(cargo bench --locked -p metro2 --bench preset --no-run --message-format=json-render-diagnostics |
    sed -n 's/.*"executable":"\([^"]*preset-[^"]*\)".*/\1/p')

echo "pgo: training $bench" >&2
LLVM_PROFILE_FILE="$profiles/run/bench-%p-%m.profraw" METRO2_BENCH_SEED=7 METRO2_BENCH_LOANS=5000 \
    METRO2_BENCH_PASSES=1 METRO2_BENCH_ONLY=end_to_end "$bench" --bench nomatch
demo=$(mktemp -d)
(cd "$demo" && LLVM_PROFILE_FILE="$profiles/run/demo-%p-%m.profraw" \
    "$train_dir/release/metro2" demo > /dev/null)
rm -rf "$demo"
"$profdata" merge -o "$profiles/metro2.profdata" "$profiles/run"

echo "pgo: building with the profile into $use_dir" >&2
export CARGO_TARGET_DIR="$use_dir" RUSTFLAGS="-Cprofile-use=$profiles/metro2.profdata"
cargo build --release --locked -p metro2 --bin metro2
cargo bench --locked -p metro2 --bench preset --no-run
echo "pgo: $use_dir/release/metro2" >&2

if [[ "${1:-}" == "--bench" ]]; then
    METRO2_BENCH_LOANS="${METRO2_BENCH_LOANS:-20000}" METRO2_BENCH_PASSES="${METRO2_BENCH_PASSES:-5}" \
        cargo bench --locked -p metro2 --bench preset -- nomatch
fi
