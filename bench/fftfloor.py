"""The plain FFTW-MPI pair of ../shared/anchors/fft_mpi_bench.c as bench/fft-floor.sh leaves it in a work folder."""
import glob
import os
import re


def floors(work):
    """(grid "256x256x256" | "4096x4096", ranks) -> median seconds of the transposed-layout pair, from WORK/floor-np*.txt."""
    found = {}
    for path in glob.glob(os.path.join(work, "floor-np*.txt")):
        for line in open(path):
            m = re.search(r"grid=(\S+) layout=transposed np=(\d+) .* median=([0-9.]+)", line)
            if m:
                grid = {"3d_256": "256x256x256", "2d_4096": "4096x4096"}[m.group(1)]
                found[(grid, int(m.group(2)))] = float(m.group(3))
    return found
