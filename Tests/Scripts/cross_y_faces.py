"""Writes a copy of an H5MD snapshot of a Lees-Edwards box in which the particles of one strip along y are
given as their image across a y face: y -> y -/+ L_y, x -> x -/+ gamma L_y, image_y +/- 1. The configuration is
physically the same (unwrapped positions unchanged); only its representation crosses the face, as a particle
that crossed the face between two snapshots is written.

usage: cross_y_faces.py INPUT OUTPUT top|bottom WIDTH
"""
import shutil
import sys

import h5py
import numpy as np

source, target, side, width = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
shutil.copyfile(source, target)
with h5py.File(target, "r+") as f:
    edges = f["particles/all/box/edges/value"][-1]
    lx, ly, shift = edges[0, 0], edges[1, 1], edges[1, 0]  # second edge vector (gamma L_y, L_y)
    position = f["particles/all/position/value"]
    image = f["particles/all/image/value"]
    x, n = position[-1], image[-1]
    strip = x[:, 1] > ly - width if side == "top" else x[:, 1] < width
    sign = -1.0 if side == "top" else 1.0
    x[strip, 1] += sign * ly
    x[strip, 0] += sign * shift
    n[strip, 1] -= int(sign)
    position[-1] = x
    image[-1] = n
    print(int(strip.sum()))
