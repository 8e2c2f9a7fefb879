#!/usr/bin/env bash
# Writes bench/hot-symbols.txt: the functions the release binary executes on
# the main job (bundle on bundles/certdata.txt: server-auth at a given time
# and at the current one, email-protection, -o). Valgrind's callgrind sees every function called, but runs the code
# paths of its own virtual CPU (no SHA extensions, another cache detection in
# glibc's start-up); perf, sampling 400 native runs, sees those paths. The list
# is the union, with the hash that Rust's legacy mangling appends
# (17h<16 hex digits>E) and the number LLVM gives a local copy (.123) cut off
# (bench/symbol-key.sed, which bench/symbol-order.sh looks them up with),
# so that it outlives rebuilds and toolchain updates. `make release` looks these names up in its binary and has the
# linker place those functions together, so a run takes fewer page faults on
# code. A stale list costs speed only, never correctness.
# Usage: bench/hot-symbols.sh [BINARY]   (default: make -s release-bin)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-$(make -s release-bin)}
for tool in valgrind perf; do
    command -v $tool >/dev/null || { echo "hot-symbols.sh: needs $tool" >&2; exit 2; }
done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
job=(bundle -q --input bundles/certdata.txt)
for extra in "--at 2025-04-19T00:00:00Z" "--purpose email-protection" "-o $out/ca-bundle.pem"; do
    # shellcheck disable=SC2086
    valgrind -q --tool=callgrind --demangle=no --callgrind-out-file="$out/cg.%p" \
        "$bin" "${job[@]}" $extra >/dev/null
done
sed -nE 's/^c?fn=\([0-9]+\) (.*)$/\1/p' "$out"/cg.* >"$out/names"
perf record -q -F 40000 -o "$out/perf.data" -- bash -c '
    for i in $(seq 400); do "$0" "$@" >/dev/null; done' "$bin" "${job[@]}"
perf report -i "$out/perf.data" --no-children --sort dso,sym -g none --no-demangle 2>/dev/null |
    awk -v dso="$(basename "$bin")" '$2 == dso && $3 == "[.]" { print $4 }' >>"$out/names"
# Callgrind marks a function's recursion depth with '2, '3...
sed -E -e "s/'[0-9]+$//" -f bench/symbol-key.sed "$out/names" |
    grep -vE '^(\(below main\)|0x[0-9a-f]+)$' |
    LC_ALL=C sort -u >bench/hot-symbols.txt
wc -l bench/hot-symbols.txt
