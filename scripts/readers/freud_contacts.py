#!/usr/bin/env python3
"""Contacts counted with freud's neighbour query in the (possibly tilted) box of a snapshot.

Usage: .venv/bin/python scripts/readers/freud_contacts.py FILE.gsd|FILE.h5|FILE.data
           [--dimension 2|3] [--type-diameters 1.0,1.4]

A contact is a pair i < j with |r_ij| < (d_i + d_j)/2 (minimum image). The box comes from the file:
GSD box (tilt factors), H5MD box/edges with the Lees-Edwards strain as the tilt xy (reduced by whole
Lx/Ly), LAMMPS xlo..zhi and xy xz yz (dimension: 2 when zlo zhi = -0.5 0.5 and all z = 0, or
--dimension; diameters of atom_style atomic from the '# type K: ..., diameter D' header comment or
--type-diameters). freud.locality.AABBQuery finds the candidate pairs within max(d) (+1e-6); freud
works in float32, so the pairs' distances are also recomputed in float64 from the file's positions
through the same box (fractional coordinates, nearest image).

Prints JSON: freud_version, N, dimension, box [Lx, Ly, Lz, xy, xz, yz], source, contacts (float64
distances), contacts_float32 (freud's own distances), max_overlap (max of (d_i+d_j)/2 - r, float64),
max_relative_overlap (max of 1 - r/((d_i+d_j)/2), what thermo.json's max_overlap is),
and contacts_near_tie: pairs whose |r - (d_i+d_j)/2| < 1e-6, whose count may differ between codes.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import load_particles, run  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("file")
    ap.add_argument("--dimension", type=int, choices=(2, 3))
    ap.add_argument("--type-diameters", help="diameters of LAMMPS types 1, 2, ... e.g. 1.0,1.4")
    a = ap.parse_args()
    td = {i + 1: float(v) for i, v in enumerate(a.type_diameters.split(","))} \
        if a.type_diameters else None

    def count():
        import freud
        import numpy as np
        p = load_particles(a.file, a.dimension, td)
        dim, (Lx, Ly, Lz, xy, xz, yz) = p["dimension"], p["box"]
        box = freud.box.Box(Lx=Lx, Ly=Ly, Lz=Lz if dim == 3 else 0.0, xy=xy, xz=xz, yz=yz,
                            is2D=dim == 2)
        x = p["positions"]
        d = np.asarray(p["diameters"], dtype=np.float64)
        pts = box.wrap(x.astype(np.float32))
        nl = freud.locality.AABBQuery(box, pts).query(
            pts, {"r_max": float(d.max()) + 1e-6, "exclude_ii": True}).toNeighborList()
        i, j = nl.query_point_indices, nl.point_indices
        keep = i < j
        i, j, r32 = i[keep], j[keep], nl.distances[keep]
        sig = (d[i] + d[j]) / 2
        # float64 nearest-image distances through the box matrix (columns = box vectors)
        M = np.array([[Lx, xy * Ly, xz * Lz], [0, Ly, yz * Lz], [0, 0, Lz]]) if dim == 3 else \
            np.array([[Lx, xy * Ly, 0], [0, Ly, 0], [0, 0, 1.0]])
        dx = x[j] - x[i]
        s = np.linalg.solve(M, dx.T).T
        s -= np.round(s)
        if dim == 2:
            s[:, 2] = 0
        r = np.linalg.norm(s @ M.T, axis=1)
        return {"freud_version": freud.__version__, "N": len(x), "dimension": dim,
                "box": [Lx, Ly, Lz, xy, xz, yz], "source": p["source"],
                "contacts": int(np.sum(r < sig)), "contacts_float32": int(np.sum(r32 < sig)),
                "max_overlap": float(np.max(sig - r)) if len(r) else None,
                "max_relative_overlap": float(np.max(1 - r / sig)) if len(r) else None,
                "contacts_near_tie": int(np.sum(np.abs(r - sig) < 1e-6))}
    run("freud", count)


if __name__ == "__main__":
    main()
