#!/usr/bin/env python3
"""What OVITO's Python module (PyPI ovito) sees in a snapshot: ovito.io.import_file(FILE).

Usage: .venv/bin/python scripts/readers/ovito_particles.py FILE.gsd|FILE.data [--frame -1]

Prints JSON: ovito_version, frames, N, cell (3 x 4: columns a1, a2, a3 and the origin; a 2D cell has
is2D true and a3 = (0, 0, Lz)), pbc, is2D, positions (N x 3, as OVITO holds them), ids (the
'Particle Identifier' property, else row order: ids_from = "Particle Identifier" | "row"), types
(per particle 'Particle Type' ids) and type_names, radii ('Radius' property or null), properties
(names of all particle properties). OVITO reads LAMMPS data with the atom style of the
'Atoms # STYLE' comment; GSD through its HOOMD reader.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import file_and_frame, run  # noqa: E402


def main():
    a = file_and_frame(__doc__)

    def read():
        import numpy as np
        import ovito
        from ovito.io import import_file
        pipe = import_file(a.file)
        frames = pipe.source.num_frames
        data = pipe.compute(a.frame % frames)
        p = data.particles
        names = list(p.keys())
        ids = p["Particle Identifier"][...] if "Particle Identifier" in names else None
        types, tnames = None, None
        if "Particle Type" in names:
            types = p["Particle Type"][...]
            tnames = {t.id: t.name for t in p["Particle Type"].types}
        return {"ovito_version": ovito.version_string, "frames": frames, "N": int(p.count),
                "cell": np.asarray(data.cell[...]), "pbc": list(data.cell.pbc),
                "is2D": bool(data.cell.is2D), "positions": np.asarray(p.positions[...]),
                "ids": ids if ids is not None else np.arange(p.count),
                "ids_from": "Particle Identifier" if ids is not None else "row",
                "types": types, "type_names": tnames,
                "radii": p["Radius"][...] if "Radius" in names else None,
                "properties": names}
    run("ovito", read)


if __name__ == "__main__":
    main()
