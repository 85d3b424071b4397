#!/usr/bin/env python3
"""Check a GSD file written by StressFlux with the reference reader (the `gsd` package).

Usage: check_gsd.py FILE EXPECTED.json

EXPECTED.json (written by Tests/StudyTests/GSDFileTests.swift) holds, in StressFlux's conventions:
  {"application": "StressFlux", "schema": "hoomd", "nframes": 3,
   "frames": [{"index": 0, "step": 10, "N": 2, "dimensions": 2, "box": [Lx, Ly(, Lz)],
               "types": ["A", "B"], "typeids": [...], "diameters": [...],
               "positions": [[x, y(, z)], ...], "images": [[ix, iy(, iz)], ...]}, ...]}
with particles sorted by id and positions in [0, L). This script states the HOOMD conventions
independently of the Swift writer: the box is centred on the origin (file position = x - L/2, inside
[-L/2, L/2)), 2D frames have z = 0 and L_z = 1, and positions are float32, compared through the
unwrapped position x + image * L to 1e-6 absolute (boxes of size ~10).

Exit status: 0 when everything matches, 1 on a mismatch (one line per problem), 2 on bad usage.
Needs: pip install gsd numpy
"""

import json
import sys

import numpy as np

try:
    import gsd.fl
    import gsd.hoomd
except ImportError:
    print("check_gsd.py: the gsd package is missing, install it with `pip install gsd numpy`", file=sys.stderr)
    sys.exit(2)

POSITION_TOLERANCE = 1e-6  # absolute, in length units, for boxes of size ~10


def check_frame(frame, want, problems):
    label = f"frame {want['index']}"

    def fail(message):
        problems.append(f"{label}: {message}")

    n = want["N"]
    dim = want["dimensions"]
    if frame.configuration.step != want["step"]:
        fail(f"step {frame.configuration.step}, expected {want['step']}")
    if frame.configuration.dimensions != dim:
        fail(f"dimensions {frame.configuration.dimensions}, expected {dim}")
    if frame.particles.N != n:
        fail(f"N {frame.particles.N}, expected {n}")
        return

    lengths = list(want["box"]) + ([1.0] if dim == 2 else [])
    expected_box = np.array(lengths + [0.0, 0.0, 0.0], dtype=np.float32)
    box = np.asarray(frame.configuration.box, dtype=np.float32)
    if box.shape != (6,) or not np.array_equal(box, expected_box):
        fail(f"box {box.tolist()}, expected {expected_box.tolist()}")
        return

    if list(frame.particles.types) != want["types"]:
        fail(f"types {list(frame.particles.types)}, expected {want['types']}")
    typeid = np.asarray(frame.particles.typeid)
    if typeid.shape != (n,) or not np.array_equal(typeid, np.array(want["typeids"])):
        fail(f"typeids {typeid.tolist()}, expected {want['typeids']}")
    diameter = np.asarray(frame.particles.diameter, dtype=np.float64)
    if diameter.shape != (n,) or not np.allclose(diameter, want["diameters"], rtol=1e-6, atol=0):
        fail(f"diameters {diameter.tolist()}, expected {want['diameters']}")

    position = np.asarray(frame.particles.position, dtype=np.float64)
    image = np.asarray(frame.particles.image, dtype=np.int64)
    if position.shape != (n, 3) or image.shape != (n, 3):
        fail(f"position {position.shape} / image {image.shape}, expected ({n}, 3)")
        return
    box_l = box[:3].astype(np.float64)
    lower = -box_l / 2
    upper = box_l / 2
    inside = (position >= lower) & (position < upper)
    if not inside[:, :dim].all():
        bad = np.argwhere(~inside[:, :dim].all(axis=1)).ravel().tolist()
        fail(f"particles {bad[:5]} lie outside HOOMD's box [-L/2, L/2)")
    if dim == 2 and (np.any(position[:, 2] != 0) or np.any(image[:, 2] != 0)):
        fail("2D frame with non-zero z positions or z images")

    want_pos = np.zeros((n, 3))
    want_img = np.zeros((n, 3))
    if n:
        want_pos[:, :dim] = np.asarray(want["positions"], dtype=np.float64).reshape(n, dim)
        want_img[:, :dim] = np.asarray(want["images"], dtype=np.float64).reshape(n, dim)
    # Our unwrapped position x + i L, in HOOMD's centred frame; the file's unwrapped position p + i L.
    want_unwrapped = (want_pos - box_l / 2 + want_img * box_l)[:, :dim]
    unwrapped = (position + image * box_l)[:, :dim]
    error = np.abs(unwrapped - want_unwrapped)
    if n and error.max() > POSITION_TOLERANCE:
        worst = int(np.argmax(error.max(axis=1)))
        fail(f"positions differ by up to {error.max():.3g} (particle {worst}: file {position[worst].tolist()} "
             f"image {image[worst].tolist()}, expected {want_pos[worst].tolist()} - L/2 image "
             f"{want_img[worst].tolist()})")


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    path, expected_path = argv[1], argv[2]
    with open(expected_path, encoding="utf-8") as handle:
        expected = json.load(handle)

    problems = []
    with gsd.fl.open(path, "r") as raw:
        if raw.application != expected["application"]:
            problems.append(f"application {raw.application!r}, expected {expected['application']!r}")
        if raw.schema != expected["schema"]:
            problems.append(f"schema {raw.schema!r}, expected {expected['schema']!r}")
        file_version = tuple(raw.gsd_version)
        if file_version[0] != 2:
            problems.append(f"GSD file layer version {file_version}, expected 2.x")

    with gsd.hoomd.open(path, "r") as trajectory:
        if len(trajectory) != expected["nframes"]:
            problems.append(f"{len(trajectory)} frames, expected {expected['nframes']}")
        else:
            for want in expected["frames"]:
                check_frame(trajectory[want["index"]], want, problems)

    if problems:
        for problem in problems:
            print(f"{path}: {problem}", file=sys.stderr)
        return 1
    print(f"{path}: {expected['nframes']} frames match (gsd file layer {file_version[0]}.{file_version[1]})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
