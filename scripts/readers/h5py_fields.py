#!/usr/bin/env python3
"""What h5py sees in a field file of ours (density.h5, analysis.h5, selfcheck.h5): its metadata.
Usage: .venv/bin/python scripts/readers/h5py_fields.py FILE.h5
Prints JSON: root (every attribute of the root group, strings decoded, numeric arrays as lists) and
datasets ({path: {shape, quantity, unit, grid}} for every dataset; attributes a dataset lacks are null).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import run  # noqa: E402


def main():
    import h5py
    import numpy as np

    def value(v):
        if isinstance(v, bytes):
            return v.decode()
        if isinstance(v, np.ndarray):
            return [value(x) for x in v.tolist()] if v.dtype.kind in "SO" else v.tolist()
        return v.item() if hasattr(v, "item") else v

    with h5py.File(sys.argv[1], "r") as f:
        root = {k: value(v) for k, v in f.attrs.items()}
        datasets = {}

        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                datasets[name] = {"shape": list(obj.shape),
                                  **{k: value(obj.attrs[k]) if k in obj.attrs else None for k in ("quantity", "unit", "grid")}}
        f.visititems(visit)
    return {"root": root, "datasets": datasets}


if __name__ == "__main__":
    run("h5py", main)
