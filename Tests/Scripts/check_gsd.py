#!/usr/bin/env python3
"""Check a GSD file written by StressFlux with the reference reader (the `gsd` package).

Usage: check_gsd.py FILE EXPECTED.json

EXPECTED.json (written by Tests/StudyTests/GSDFileTests.swift) holds, in StressFlux's conventions:
  {"application": "StressFlux", "schema": "hoomd", "nframes": 3,
   "frames": [{"index": 0, "step": 10, "N": 2, "dimensions": 2, "box": [Lx, Ly(, Lz)], "strain": gamma,
               "types": ["A", "B"], "typeids": [...], "diameters": [...],
               "positions": [[x, y(, z)], ...], "images": [[ix, iy(, iz)], ...]}, ...]}
with particles sorted by id and positions in [0, L); the Lees-Edwards strain gamma makes the unwrapped
position (x + ix Lx + iy gamma Ly, y + iy Ly(, z + iz Lz)). This script states the HOOMD conventions
independently of the Swift writer: the box is centred on the origin; its tilt xy is gamma reduced by a whole
m Lx/Ly to float32(gamma - m Lx/Ly) with |xy Ly| <= Lx/2, and xz = yz = 0; every particle lies inside
the (tilted) box, fractional coordinates y/Ly and (x - xy y)/Lx (and z/Lz) in [-1/2, 1/2); 2D frames have
z = 0 and L_z = 1; the file's unwrapped position p + i1 a1 + i2 a2 (+ i3 a3), a2 = (xy Ly, Ly, 0), is ours
minus L/2. Positions are float32, so unwrapped positions agree to 1e-6 absolute (boxes of size ~10) plus,
per y image, the float32 rounding of the tilt times Ly.

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
    box = np.asarray(frame.configuration.box, dtype=np.float32)
    if box.shape != (6,) or not np.array_equal(box[:3], np.array(lengths, dtype=np.float32)) or box[4] or box[5]:
        fail(f"box {box.tolist()}, expected lengths {lengths} and xz = yz = 0")
        return
    lx, ly = lengths[0], lengths[1]
    gamma = want["strain"]
    xy = float(box[3])
    turns = round((gamma - xy) * ly / lx)  # whole Lx/Ly strains taken off gamma
    reduced = gamma - turns * lx / ly
    if xy != np.float32(reduced) or abs(xy * ly) > lx / 2 * (1 + 1e-6):
        fail(f"tilt xy {xy}, expected float32({reduced}) (strain {gamma} reduced by {turns} Lx/Ly, |xy Ly| <= Lx/2)")
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
    fraction = position / box_l
    fraction[:, 0] = (position[:, 0] - xy * position[:, 1]) / box_l[0]
    inside = (fraction >= -0.5) & (fraction < 0.5)
    if not inside[:, :dim].all():
        bad = np.argwhere(~inside[:, :dim].all(axis=1)).ravel().tolist()
        fail(f"particles {bad[:5]} lie outside HOOMD's box (fractional coordinates outside [-1/2, 1/2))")
    if dim == 2 and (np.any(position[:, 2] != 0) or np.any(image[:, 2] != 0)):
        fail("2D frame with non-zero z positions or z images")

    want_pos = np.zeros((n, 3))
    want_img = np.zeros((n, 3))
    if n:
        want_pos[:, :dim] = np.asarray(want["positions"], dtype=np.float64).reshape(n, dim)
        want_img[:, :dim] = np.asarray(want["images"], dtype=np.float64).reshape(n, dim)
    # Our unwrapped position, in HOOMD's centred frame; the file's unwrapped position p + i1 a1 + i2 a2 + i3 a3.
    want_unwrapped = want_pos - box_l / 2 + want_img * box_l
    want_unwrapped[:, 0] += want_img[:, 1] * gamma * ly
    unwrapped = position + image * box_l
    unwrapped[:, 0] += image[:, 1] * xy * box_l[1]
    error = np.abs(unwrapped - want_unwrapped)[:, :dim]
    tolerance = POSITION_TOLERANCE + np.abs(image[:, 1:2]) * abs(xy - reduced) * ly
    if n and (error > tolerance).any():
        worst = int(np.argmax((error - tolerance).max(axis=1)))
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
