# Sourced by the bench scripts: fft_floor WORK ANCHORS NP builds ../shared/anchors/fft_mpi_bench.c with mpicc (once) and
# runs it on NP ranks (median of 10 pairs on 256³ and 4096²) into WORK/floor-npNP.txt, which bench/fftfloor.py reads;
# nothing when the anchor or mpicc is missing.
fft_floor() {
  local work="$1" anchors="$2" np="$3"
  [ -f "$anchors/fft_mpi_bench.c" ] && command -v mpicc >/dev/null || return 0
  [ -x "$work/fft_mpi_bench" ] || mpicc -O3 "$anchors/fft_mpi_bench.c" -o "$work/fft_mpi_bench" -lfftw3_mpi -lfftw3 -lm
  echo "FFTW-MPI floor on $np rank(s)"
  mpirun -q --oversubscribe --bind-to none -n "$np" "$work/fft_mpi_bench" 10 | grep FFTSUMMARY > "$work/floor-np$np.txt"
}
