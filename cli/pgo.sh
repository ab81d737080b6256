#!/usr/bin/env bash
# A profile-guided release build of the `metro2` command and of the preset benchmark.
#
#   cli/pgo.sh            # build target/pgo/release/metro2 and the preset bench, trained
#   cli/pgo.sh --bench    # the same, then run the preset bench's CPU-time passes (of the
#                         # bench step 5 wrote, when it ran)
#
# 1. builds both instrumented (rustc -Cprofile-generate) into target/pgo-train;
# 2. trains them on the work they are built for: the preset bench's end-to-end passes over
#    generated loans (native and plan) of another seed than the one it is measured on
#    (METRO2_BENCH_SEED=7),
#    and `metro2 demo` (sync from the local simulator, map, store, export);
# 3. merges the profiles with the toolchain's llvm-profdata (rustup's llvm-tools);
# 4. builds both again with the profile (rustc -Cprofile-use) into target/pgo;
# 5. when LLVM's post-link optimiser llvm-bolt is found ($LLVM_BOLT, on PATH, or Debian's
#    bolt-15 under /usr/lib/llvm-*), lays each binary out again by a profile of its own:
#    instruments it, trains it (the bench as in 2, the command on mapping the fixtures), and
#    writes target/pgo/release/metro2-bolt and target/pgo/preset-bench-bolt beside the
#    profile-guided ones, the command only when it maps the fixtures to the same bytes and
#    runs the demo. Without llvm-bolt, step 5 is skipped with a note. (Both builds link
#    with --emit-relocs, which BOLT needs.)
#
# The ordinary build (`cargo build --release`, CI's tests) is not touched: the profile
# only changes how the code is laid out and inlined, never what it computes (the bench checks
# the native preset against the plan's outcome on every loan before timing, either way).
# Why: DECISIONS.md, "release binaries are built with profile-guided optimisation" and
# "the profile-guided binaries are laid out again by BOLT where it is installed".
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

# Builds the preset bench (with the $CARGO_TARGET_DIR and $RUSTFLAGS of the stage) and prints
# its executable's path.
build_bench() {
    cargo bench --locked -p metro2 --bench preset --no-run --message-format=json-render-diagnostics |
        sed -n 's/.*"executable":"\([^"]*preset-[^"]*\)".*/\1/p'
}

# Maps the fixtures with the preset, $2 times over (once by default), with the command $1.
map_fixtures() {
    local files=() i
    for ((i = 0; i < ${2:-1}; i++)); do files+=("$root"/fixtures/loanpro/*.json); done
    "$1" map --map "$root/presets/loanpro.m2map" --as-of 2026-10-31 \
        --param furnisher_id=FURN12345 --format json "${files[@]}"
}

# Trains the preset bench $1 (step 2's profile, step 5's layout): its end-to-end passes (the
# shipped preset natively, and the plan an edited template runs) over loans of another seed
# than the one it is measured on.
train_bench() {
    local pass
    for pass in end_to_end end_to_end_plan; do
        METRO2_BENCH_SEED=7 METRO2_BENCH_LOANS=5000 METRO2_BENCH_PASSES=1 \
            METRO2_BENCH_ONLY=$pass "$1" --bench nomatch >/dev/null
    done
}

# Runs `$1 demo` in a scratch directory, removed after; its status is the demo's.
run_demo() {
    local dir status=0
    dir=$(mktemp -d)
    (cd "$dir" && "$1" demo >/dev/null) || status=$?
    rm -rf "$dir"
    return "$status"
}

# BOLT (step 5) rewrites a binary only with its relocations kept; linking them in changes no code.
relocs="-Clink-arg=-Wl,--emit-relocs"

echo "pgo: building instrumented binaries into $train_dir" >&2
# Build scripts run during the build would write profiles too: they go elsewhere.
export CARGO_TARGET_DIR="$train_dir" RUSTFLAGS="-Cprofile-generate=$profiles/build $relocs"
cargo build --release --locked -p metro2 --bin metro2
bench=$(build_bench)

echo "pgo: training $bench" >&2
LLVM_PROFILE_FILE="$profiles/run/bench-%p-%m.profraw" train_bench "$bench"
LLVM_PROFILE_FILE="$profiles/run/demo-%p-%m.profraw" run_demo "$train_dir/release/metro2"
"$profdata" merge -o "$profiles/metro2.profdata" "$profiles/run"

echo "pgo: building with the profile into $use_dir" >&2
export CARGO_TARGET_DIR="$use_dir" RUSTFLAGS="-Cprofile-use=$profiles/metro2.profdata $relocs"
cargo build --release --locked -p metro2 --bin metro2
bench=$(build_bench)
echo "pgo: $use_dir/release/metro2" >&2
echo "pgo: $bench" >&2

bolt=${LLVM_BOLT:-$(command -v llvm-bolt || ls -dv /usr/lib/llvm-*/bin/llvm-bolt 2>/dev/null | tail -1 || true)}
if [[ -n "$bolt" && -x "$bolt" ]]; then
    bolt_dir="$root/target/pgo-bolt"
    rm -rf "$bolt_dir"
    mkdir -p "$bolt_dir"
    # optimise BINARY OUT TRAIN: instruments BINARY, runs `TRAIN INSTRUMENTED_COPY`, and writes
    # BINARY laid out by that run's profile to OUT.
    optimise() {
        local binary=$1 out=$2 train=$3 name
        name=$(basename "$out")
        "$bolt" "$binary" -instrument -o "$bolt_dir/$name.instrumented" \
            --instrumentation-file="$bolt_dir/$name.fdata" >"$bolt_dir/$name.instrument.log" 2>&1
        "$train" "$bolt_dir/$name.instrumented"
        "$bolt" "$binary" -o "$out" -data="$bolt_dir/$name.fdata" -reorder-blocks=ext-tsp \
            -reorder-functions=hfsort+ -split-functions -split-all-cold -split-eh \
            >"$bolt_dir/$name.optimise.log" 2>&1
        echo "pgo: $out (laid out by $bolt)" >&2
    }
    # The command is trained on mapping (the fixtures twenty times over in one run: each run of
    # an instrumented binary writes its profile afresh), not on the demo: under bolt-15's
    # instrumentation the demo's server crashes, though the rewritten binary runs it.
    train_map() { map_fixtures "$1" 20 >/dev/null; }
    # A rewritten command is kept only when it maps the fixtures to the very bytes the
    # profile-guided one does and runs the demo; otherwise it is removed.
    check_command() {
        if ! cmp -s <(map_fixtures "$use_dir/release/metro2") <(map_fixtures "$1") ||
            ! run_demo "$1"; then
            rm -f "$1"
            echo "pgo: $1 mapped differently or failed the demo: removed" >&2
        fi
    }
    optimise "$use_dir/release/metro2" "$use_dir/release/metro2-bolt" train_map
    check_command "$use_dir/release/metro2-bolt"
    optimise "$bench" "$use_dir/preset-bench-bolt" train_bench
    bench="$use_dir/preset-bench-bolt"
else
    echo "pgo: llvm-bolt not found (Debian: apt-get install bolt-15); step 5 skipped" >&2
fi

if [[ "${1:-}" == "--bench" ]]; then
    METRO2_BENCH_LOANS="${METRO2_BENCH_LOANS:-20000}" METRO2_BENCH_PASSES="${METRO2_BENCH_PASSES:-5}" \
        "$bench" --bench nomatch
fi
