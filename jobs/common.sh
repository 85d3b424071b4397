# Sourced by the job scripts in jobs/: how to find the binary and launch MPI ranks, inside a Slurm
# allocation or directly.

# The launcher: srun --mpi=pmix where Slurm has the PMIx plugin and the MPI library speaks PMIx (Open MPI
# built --with-pmix, Open MPI 5, MPICH with PMIx), otherwise mpirun, which reads the allocation from Slurm.
# STRESSFLUX_LAUNCHER=srun|mpirun forces one.
mpi_speaks_pmix() {
  command -v ompi_info >/dev/null 2>&1 || return 0  # not Open MPI: trust Slurm's plugin list
  local info
  info="$(ompi_info 2>/dev/null)"
  grep -Eq "Open MPI: [5-9]\." <<<"$info" || grep -Eq "MCA pmix: (ext|pmix)" <<<"$info"
}

# use_mpirun: Open MPI's mpirun (root needs its consent; a direct run may ask for more ranks than cores).
use_mpirun() {
  [ "$(id -u)" -ne 0 ] || export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  launcher=(mpirun)
  [ -n "${SLURM_JOB_ID:-}" ] || launcher+=(--oversubscribe)
}

# choose_launcher: sets `launcher` (a command prefix without the rank count) and `why`.
choose_launcher() {
  case "${STRESSFLUX_LAUNCHER:-}" in
    srun) launcher=(srun --mpi=pmix); why="forced by STRESSFLUX_LAUNCHER" ;;
    mpirun) use_mpirun; why="forced by STRESSFLUX_LAUNCHER" ;;
    "")
      if [ -z "${SLURM_JOB_ID:-}" ]; then
        use_mpirun; why="not inside a Slurm job"
      elif command -v srun >/dev/null 2>&1 && srun --mpi=list 2>&1 | grep -qw pmix && mpi_speaks_pmix; then
        launcher=(srun --mpi=pmix); why="Slurm has the pmix plugin and the MPI library speaks PMIx"
      else
        use_mpirun; why="srun --mpi=pmix is not available here"
      fi ;;
    *) echo "error: STRESSFLUX_LAUNCHER=$STRESSFLUX_LAUNCHER: use srun or mpirun" >&2; return 2 ;;
  esac
}

# launch RANKS COMMAND...: prints and runs COMMAND on RANKS ranks with the chosen launcher.
launch() {
  local ranks="$1" command
  shift
  if [ "${launcher[0]}" = srun ]; then command=("${launcher[@]}" -n "$ranks" "$@"); else command=("${launcher[@]}" -np "$ranks" "$@"); fi
  echo "+ ${command[*]}"
  "${command[@]}"
}

# find_binary: sets `bin`: STRESSFLUX_BIN, else stressflux on PATH, else the release build of the
# checkout that holds this jobs folder (`jobs_dir`), else that of the submit folder.
find_binary() {
  bin="${STRESSFLUX_BIN:-$(command -v stressflux 2>/dev/null)}"
  [ -n "$bin" ] || bin="$(cd "$jobs_dir/.." && pwd)/.build/release/stressflux"
  [ -x "$bin" ] || bin="$PWD/.build/release/stressflux"
  [ -x "$bin" ] || { echo "error: no stressflux binary at $bin: build it (make build) or set STRESSFLUX_BIN" >&2; return 2; }
}

describe_launch() {
  echo "launcher: ${launcher[*]} ($why)"
  echo "binary: $bin ($("$bin" --version 2>/dev/null || echo "version unknown"))"
}
