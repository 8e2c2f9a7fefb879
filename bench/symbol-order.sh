#!/usr/bin/env bash
# Prints the symbol ordering file for lld (--symbol-ordering-file) that
# `make release` links the release binary with: every function of BINARY whose
# name, without the hash of Rust's legacy mangling or the number of a local
# copy (bench/symbol-key.sed, as bench/hot-symbols.sh wrote them), is in LIST
# (bench/hot-symbols.txt), then the resolvers of its IRELATIVE relocations,
# which a static glibc binary runs at start-up. BINARY is the instrumented
# build of the same source, whose symbol names the release build shares.
# Fails, printing nothing, when BINARY was not linked by LLD (whose option it
# is), so that `make release` links without an order.
# Usage: bench/symbol-order.sh BINARY LIST
set -euo pipefail
bin=$1
list=$2
if ! readelf -p .comment "$bin" 2>/dev/null | grep -q 'Linker: LLD'; then
    echo "symbol-order.sh: $bin was not linked by LLD: no symbol order" >&2
    exit 1
fi
syms=$(nm --defined-only "$bin" | awk '$2 ~ /^[tTwWi]$/ { print $1, $3 }')
# "key name" for every function; the list holds keys.
awk '{ print $2 }' <<<"$syms" |
    sed -E -e h -f "$(dirname "$0")/symbol-key.sed" -e 'G; s/\n/ /' |
    awk 'NR == FNR { want[$0]; next } $1 in want { print $2 }' "$list" -
# Start-up resolvers, by address.
readelf -rW "$bin" | awk '/R_X86_64_IRELATIVE/ { print $NF }' |
    awk 'NR == FNR { at[$1]; next } { a = $1; sub(/^0+/, "", a) } a in at { print $2 }' - <(cat <<<"$syms")
# The names that are their own key (Rust's v0 mangling, C) as they are, too:
# a function the instrumented build inlined everywhere is still placed where
# the release build keeps it (std's Thread::park was left 2 MB away).
grep -v '^_ZN' "$list" || true
