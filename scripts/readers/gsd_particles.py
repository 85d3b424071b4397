#!/usr/bin/env python3
"""What the gsd package (HOOMD schema) sees in a GSD file of ours.

Usage: .venv/bin/python scripts/readers/gsd_particles.py FILE.gsd [--frame -1]

Prints JSON: gsd_version, schema, schema_version, application, frames, step, N, dimensions,
box [Lx, Ly, Lz, xy, xz, yz] (HOOMD: tilt factors; a Lees-Edwards strain g shows as xy = g reduced
to |xy Ly| <= Lx/2), positions (float32 values as stored), ids (a particles/id or particles/tag
chunk if the file has one, else row order 0..N-1: ids_from = chunk name | "row"), types, typeid,
diameters, images, chunks (all chunk names of that frame).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import file_and_frame, run  # noqa: E402


def main():
    a = file_and_frame(__doc__)

    def read():
        import gsd.fl
        import gsd.hoomd
        import gsd.version
        import numpy as np
        with gsd.fl.open(a.file, "r") as f:
            meta = {"schema": f.schema, "schema_version": list(f.schema_version),
                    "application": f.application, "frames": f.nframes}
            frame = a.frame % f.nframes
            chunks = [n for n in f.find_matching_chunk_names("") if f.chunk_exists(frame, n)]
            ids, ids_from = None, "row"
            for name in ("particles/id", "particles/tag", "log/particles/id", "log/particles/tag"):
                if f.chunk_exists(frame, name):
                    ids, ids_from = f.read_chunk(frame, name), name
                    break
        with gsd.hoomd.open(a.file, "r") as t:
            fr = t[a.frame]
        p = fr.particles
        return dict(meta, **{
            "gsd_version": gsd.version.version, "step": int(fr.configuration.step),
            "N": int(p.N), "dimensions": int(fr.configuration.dimensions),
            "box": np.asarray(fr.configuration.box, dtype=np.float64),
            "positions": np.asarray(p.position, dtype=np.float64),
            "ids": np.ravel(ids) if ids is not None else np.arange(p.N), "ids_from": ids_from,
            "types": list(p.types), "typeid": p.typeid,
            "diameters": np.asarray(p.diameter, dtype=np.float64), "images": p.image,
            "chunks": chunks})
    run("gsd", read)


if __name__ == "__main__":
    main()
