#!/usr/bin/env bash
# The Miri tier: runs turnstile's ordinary tests under Miri, the interpreter
# that checks every step of the unsafe code against Rust's rules (a read of
# freed or uninitialised memory, an out-of-bounds pointer, an aliasing
# violation, a data race, a leak, a deadlock of all threads), as crossbeam
# and tokio do in their CI.
#
# What runs: the library's unit tests (the plain copy; their loom copies,
# named `model::...`, are skipped) and the integration test binaries that
# drive every file of src/ holding `unsafe` (listed below by test binary,
# not by source file, so code moving between files of src/ changes
# nothing here). Not run: the loom models (tests/model_*.rs; loom's
# scheduler does not run under Miri), doctests, and the binaries that spawn
# processes or only read source (examples, lessons, facade_discipline,
# layers). The lock-order checker's tests run in a second pass, with its
# feature on.
# Stress sizes shrink under `cfg(miri)`; a test that cannot run under Miri
# carries `#[cfg_attr(miri, ignore = "why")]`.
#
# Isolation stays on (no -Zmiri-disable-isolation): the tests read only the
# monotonic clock, which Miri emulates, and a sleep then costs no real time.
#
# Usage: scripts/miri.sh [extra libtest arguments, e.g. a test name]
#        (installs the miri component with rustup if it can; prints
#        "MIRI CHECK SKIPPED" and exits 0 where it cannot, like msrv.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
toolchain=${MIRI_TOOLCHAIN:-nightly}
if ! rustup run "$toolchain" rustc --version >/dev/null 2>&1; then
    if ! rustup toolchain install "$toolchain" --profile minimal >/dev/null 2>&1; then
        echo "MIRI CHECK SKIPPED: Rust $toolchain is not installed and rustup cannot fetch it here"
        exit 0
    fi
fi
if ! cargo "+$toolchain" miri --version >/dev/null 2>&1; then
    if ! rustup component add miri --toolchain "$toolchain" >/dev/null 2>&1; then
        echo "MIRI CHECK SKIPPED: the miri component of Rust $toolchain is missing and rustup cannot add it here"
        exit 0
    fi
fi
if ! cargo "+$toolchain" miri setup >/dev/null 2>&1; then
    echo "MIRI CHECK SKIPPED: 'cargo +$toolchain miri setup' cannot build Miri's standard library here"
    exit 0
fi

# One test binary per primitive with unsafe code or built on it, and the
# conformance suites that drive them from many threads.
binaries=(
    mutex rlock condvar semaphore event barrier timer
    queue queue_memory conformance_queue
    pool conformance_futures event_loop
    conformance_locks
)
targets=(--lib)
for binary in "${binaries[@]}"; do
    targets+=(--test "$binary")
done

# -Zmiri-strict-provenance: no integer-to-pointer casts anywhere (the
# parking key is an address turned into a number, never back).
export MIRIFLAGS="${MIRIFLAGS:--Zmiri-strict-provenance}"
cargo "+$toolchain" miri --version
echo "MIRIFLAGS=$MIRIFLAGS"
# `--skip model::`: the loom copies of the unit tests (src/model/ includes
# every primitive a second time; its `run_test` is `loom::model`).
cargo "+$toolchain" miri test --no-fail-fast "${targets[@]}" -- --skip model:: "$@"
# The lock-order checker's own lock (`lockdep/lock.rs`, a raw lock and a
# cell) is compiled only with feature `lockdep`: its tests drive it from
# several threads at once.
cargo "+$toolchain" miri test --no-fail-fast --features lockdep --test lockdep -- "$@"
echo "ok: the unit tests, ${#binaries[@]} test binaries and the lock-order checker's tests run clean under Miri"
