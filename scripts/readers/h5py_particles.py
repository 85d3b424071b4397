#!/usr/bin/env python3
"""What h5py sees in an H5MD 1.1 particle file of ours.

Usage: .venv/bin/python scripts/readers/h5py_particles.py FILE.h5 [--group all]

Prints JSON: h5md_version, creator, group, N, dimension, boundary, box_edges (last frame: (d,) or
(d, d) as stored; time series box/edges/value of shape (frames, d) or (frames, d, d) handled),
box_lengths (diagonal), box_edges_time_dependent, strain and strain_source
(/parameters/lees_edwards/strain if present, else the tilt edges[1][0]/edges[1][1] of a (d, d)
box, else null), lees_edwards_offset, step and time of the last position frame, positions,
ids (id element, else row order: ids_from = "id" | "row"), species, diameters, images, and units:
{dataset path: unit attribute} for every dataset of the file that carries one (H5MD puts `unit`
on the element dataset, or on value/time of a time series). Elements missing from the file are null.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import h5md_element, run  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("file")
    ap.add_argument("--group", default="all", help="particles group (default all)")
    a = ap.parse_args()

    def read():
        import h5py
        import numpy as np
        with h5py.File(a.file, "r") as f:
            part = f["particles"][a.group]
            box = part["box"]
            dim = int(np.ravel(box.attrs["dimension"])[0])
            edges_obj = box["edges"]
            edges = np.asarray(h5md_element(box, "edges"), dtype=np.float64)
            lengths = np.diag(edges) if edges.ndim == 2 else edges
            strain, source, offset = None, None, None
            le = f.get("parameters/lees_edwards")
            if le is not None and "strain" in le:
                s = le["strain"]
                strain = float(np.ravel(s[()] if hasattr(s, "shape") else s["value"][()])[-1])
                source = "parameters/lees_edwards/strain"
                if "offset" in le:
                    o = le["offset"]
                    offset = float(np.ravel(o[()] if hasattr(o, "shape") else o["value"][()])[-1])
            elif edges.ndim == 2 and edges[1, 0] != 0:
                strain, source = float(edges[1, 0] / edges[1, 1]), "box/edges tilt"

            def elem(name):
                return h5md_element(part, name) if name in part else None

            pos = elem("position")
            ids = elem("id")
            units = {}
            f.visititems(lambda n, o: units.__setitem__(n, o.attrs["unit"])
                         if hasattr(o, "shape") and "unit" in o.attrs else None)
            posg = part["position"]
            timed = not hasattr(posg, "shape")
            h5md = f["h5md"]
            return {
                "h5md_version": h5md.attrs.get("version"),
                "creator": dict(h5md["creator"].attrs) if "creator" in h5md else None,
                "group": a.group, "N": int(pos.shape[0]), "dimension": dim,
                "boundary": box.attrs.get("boundary"),
                "box_edges": edges, "box_lengths": lengths,
                "box_edges_time_dependent": not hasattr(edges_obj, "shape"),
                "strain": strain, "strain_source": source, "lees_edwards_offset": offset,
                "step": int(posg["step"][-1]) if timed else None,
                "time": float(posg["time"][-1]) if timed and "time" in posg else None,
                "positions": pos,
                "ids": np.ravel(ids) if ids is not None else np.arange(pos.shape[0]),
                "ids_from": "id" if ids is not None else "row",
                "species": elem("species"), "diameters": elem("diameter"),
                "images": elem("image"), "units": units,
            }
    run("h5py", read)


if __name__ == "__main__":
    main()
