# A function's key in bench/hot-symbols.txt: its symbol name without the
# number LLVM gives a local copy (.123) and without the hash that Rust's
# legacy mangling appends (17h<16 hex digits>E), both of which change from
# build to build. bench/hot-symbols.sh writes keys with it and
# bench/symbol-order.sh looks them up with it (sed -E -f).
s/\.[0-9]+$//
s/17h[0-9a-f]{16}E$/E/
