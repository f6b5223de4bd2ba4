#!/usr/bin/env bash
# Checks the minimum supported Rust version that Cargo.toml declares: builds
# turnstile with every library feature, as a dependency of a throwaway crate,
# on that toolchain. The throwaway crate resolves its dependencies for that
# Rust (resolver 3), as a user's crate on that toolchain would; in this
# repository the dev-dependencies (criterion, parking_lot 0.13) want a newer
# Rust, so the library alone is what the minimum promises.
#
# Usage: scripts/msrv.sh   (installs the toolchain with rustup if it can)
set -euo pipefail
cd "$(dirname "$0")/.."
msrv=$(sed -n 's/^rust-version = "\([0-9.]*\)".*/\1/p' Cargo.toml)
if ! rustup run "$msrv" rustc --version >/dev/null 2>&1; then
    if ! rustup toolchain install "$msrv" --profile minimal >/dev/null 2>&1; then
        echo "MSRV CHECK SKIPPED: Rust $msrv is not installed and rustup cannot fetch it here"
        exit 0
    fi
fi
dir=target/msrv-check
rm -rf "$dir" && mkdir -p "$dir/src"
cat > "$dir/Cargo.toml" <<TOML
[package]
name = "msrv-check"
version = "0.0.0"
edition = "2021"
rust-version = "$msrv"
resolver = "3"
publish = false

[dependencies]
turnstile = { path = "../..", features = ["model", "lockdep", "process"] }

[workspace]
TOML
cat > "$dir/src/main.rs" <<'RUST'
fn main() {
    let queue = turnstile::FifoQueue::bounded(2).expect("a capacity");
    queue.put(1).expect("room");
    assert_eq!(queue.get().expect("an item"), 1);
    turnstile::model::check(|| {});
}
RUST
(cd "$dir" && cargo "+$msrv" build --quiet && cargo "+$msrv" run --quiet)
echo "ok: turnstile (features model, lockdep, process) builds and runs on Rust $msrv"
