"""Table of bench/dean/run.sh: one row per case and rank count from each run's summary.json, with the plain FFTW-MPI
floor of the same run when measured."""
import glob
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import fftfloor  # noqa: E402

work = sys.argv[1]
floors = fftfloor.floors(work)  # (grid, ranks) -> median seconds of the plain FFTW-MPI pair, same run
print("# Dean benchmark: time per step against the r2c + c2r pair\n")
print("Made by `bench/dean/run.sh`; slowest rank. `pair`: one r2c + c2r on the run's own plans (FFTW_ESTIMATE, median of"
      " five, before the first step); `floor`: the plain FFTW-MPI pair of ../shared/anchors/fft_mpi_bench.c (FFTW_MEASURE,"
      " transposed layout, median of 10) in the same run. A deterministic step is 1 + 2d transforms: 2.5 pairs in 2D,"
      " 3.5 in 3D, before any pointwise work.\n")
print("| case | ranks | grid | step | pair | step / pair | floor | step / floor | ns per point per step (per core) |")
print("|---|---|---|---|---|---|---|---|---|")
for path in sorted(glob.glob(os.path.join(work, "out-*", "summary.json"))):
    s = json.load(open(path))
    case = os.path.basename(os.path.dirname(path))[4:].rsplit("-np", 1)[0]
    points = s["config"]["grid"]["points"]
    grid = "x".join(str(p) for p in points)
    floor = floors.get((grid, s["ranks"]))
    count = 1
    for p in points:
        count *= p
    step, pair = s["secondsPerStep"], s["fftPairSeconds"]
    floor_text = f"{1e3 * floor:.1f} ms | {step / floor:.2f}" if floor else "— | —"
    print(f"| {case} | {s['ranks']} | {grid} | {1e3 * step:.1f} ms | {1e3 * pair:.1f} ms | {step / pair:.2f} | {floor_text} "
          f"| {1e9 * step * s['ranks'] / count:.1f} |")
