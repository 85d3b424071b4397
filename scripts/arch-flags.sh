#!/usr/bin/env bash
# Extra Swift flags of a release build for `-target-cpu ARCH` (Makefile, bench scripts): where ARCH has AVX-512F,
# -DSTRESSFLUX_WIDE_PAIRS makes the pair loop eight lanes wide (Sources/Particles/Potentials/PairPotential.swift);
# where it has FMA, -DSTRESSFLUX_FMA fuses the Gaussian noise's polynomials (Sources/Particles/Noise/BoxMuller.swift).
#   scripts/arch-flags.sh native     # this machine's /proc/cpuinfo
#   scripts/arch-flags.sh znver4     # any CPU name that clang's -march takes
# PAIR_LANES=4 or 8 in the environment overrides the choice (8 on a CPU without AVX-512 still runs: as two AVX2 halves).
arch="${1:-native}"
cc="$(command -v clang || echo /opt/swift/usr/bin/clang)"
# has FLAG MACRO: this machine's /proc/cpuinfo names FLAG (native), or clang -march=ARCH defines MACRO
has() {
  if [ "$arch" = native ]; then grep -qw "$1" /proc/cpuinfo 2>/dev/null
  else echo | "$cc" -march="$arch" -dM -E -x c - 2>/dev/null | grep -q "$2"; fi
}
wide=0
case "${PAIR_LANES:-}" in
  8) wide=1 ;;
  4) wide=0 ;;
  "") has avx512f __AVX512F__ && wide=1 ;;
  *) echo "scripts/arch-flags.sh: PAIR_LANES=$PAIR_LANES, use 4 or 8" >&2; exit 1 ;;
esac
flags=()
[ "$wide" = 1 ] && flags+=(-Xswiftc -DSTRESSFLUX_WIDE_PAIRS)
has fma __FMA__ && flags+=(-Xswiftc -DSTRESSFLUX_FMA)
echo "${flags[@]}"
