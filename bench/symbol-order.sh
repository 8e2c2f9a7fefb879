#!/usr/bin/env bash
# Prints the symbol ordering file for lld (--symbol-ordering-file) that
# `make release` links the release binary with: every function of BINARY whose
# name, without the hash of Rust's legacy mangling, is in LIST
# (bench/hot-symbols.txt), then the resolvers of its IRELATIVE relocations,
# which a static glibc binary runs at start-up. BINARY is the instrumented
# build of the same source, whose symbol names the release build shares.
# Usage: bench/symbol-order.sh BINARY LIST
set -euo pipefail
bin=$1
list=$2
syms=$(nm --defined-only "$bin" | awk '$2 ~ /^[tTwWi]$/ { print $1, $3 }')
# "hashless name" and "name" for every function; the list holds hashless names.
awk '{ print $2 }' <<<"$syms" |
    sed -E 's/^(.*)17h[0-9a-f]{16}E$/\1E &/; t; s/.*/& &/' |
    awk 'NR == FNR { want[$0]; next } $1 in want { print $2 }' "$list" -
# Start-up resolvers, by address.
readelf -rW "$bin" | awk '/R_X86_64_IRELATIVE/ { print $NF }' |
    awk 'NR == FNR { at[$1]; next } { a = $1; sub(/^0+/, "", a) } a in at { print $2 }' - <(cat <<<"$syms")
