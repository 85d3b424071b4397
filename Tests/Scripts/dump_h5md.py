"""Reads a StressFlux H5MD snapshot with h5py (an independent reader) and prints, as JSON, what a
user would take from it: box edges, dimension, and per-particle id, species, diameter and position,
sorted by id. Usage: dump_h5md.py FILE"""
import json
import sys

import h5py
import numpy as np

with h5py.File(sys.argv[1], "r") as f:
    assert tuple(f["h5md"].attrs["version"]) == (1, 1), "H5MD version 1.1 expected"
    group = f["particles/all"]
    edges = group["box/edges"][()]
    dimension = int(np.asarray(group["box"].attrs["dimension"]).ravel()[0])
    ids = group["id/value"][-1].ravel()
    order = np.argsort(ids)
    print(json.dumps({
        "dimension": dimension,
        "box": [float(x) for x in edges],
        "ids": [int(i) for i in ids[order]],
        "species": [int(s) for s in group["species"][()][order]],
        "diameters": [float(x) for x in group["diameter"][()][order]],
        "positions": [float(x) for x in group["position/value"][-1][order].ravel()],
        "step": int(group["position/step"][-1]),
    }))
