#!/usr/bin/env python3
"""What MDAnalysis sees in a snapshot: MDAnalysis.Universe(FILE).

Usage: .venv/bin/python scripts/readers/mdanalysis_particles.py FILE.h5|FILE.gsd|FILE.data [--frame -1]

LAMMPS data files are opened with atom_style from their 'Atoms # STYLE' comment:
atomic -> atom_style='id type x y z', sphere -> 'id type diameter density x y z' (MDAnalysis's
default is 'full'-like 'id resid type charge x y z').
H5MD (.h5): MDAnalysis has no H5MD topology parser and does not know the .h5 extension, so
Universe(FILE) fails (its error is kept as universe_error); the coordinates are then read with
Universe.empty(N).load_new(FILE, format='H5MD', convert_units=False) (via: "load_new"), since our
reduced units (l0, ...) are no MDAnalysis units. MDAnalysis's H5MDReader needs a 3D box whose
box/edges is a time series (box/edges/value, shape (frames, 3) or (frames, 3, 3)); it reads the
first group under /particles and no ids (ids and types are then null). It also refuses (RuntimeError,
whatever convert_units) a `unit` attribute it does not know on position/value, velocity/value,
force/value or their time datasets, e.g. our reduced 'l0'.

Prints JSON: mdanalysis_version, format, N, frames, dimensions [lx, ly, lz, alpha, beta, gamma]
(degrees; null if the file has no box), positions (N x 3, float32 as MDAnalysis keeps them),
ids (atoms.ids), types. Any exception becomes {"error": "Type: message"} with exit status 0.
"""
import os
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import file_and_frame, run  # noqa: E402

STYLES = {"atomic": "id type x y z", "sphere": "id type diameter density x y z"}


def attr(atoms, name):
    """atoms.ids / atoms.types, or None where the topology has none (Universe.empty)."""
    try:
        return list(getattr(atoms, name))
    except Exception:  # noqa: BLE001 - MDAnalysis raises NoDataError
        return None


def h5md_hint(path):
    """What in an H5MD file keeps MDAnalysis's H5MDReader (2.x) from reading it."""
    import h5py
    import numpy as np
    with h5py.File(path, "r") as f:
        box = f["particles"][list(f["particles"])[0]]["box"]
        hints = []
        if int(np.ravel(box.attrs.get("dimension", [3]))[0]) != 3:
            hints.append("H5MDReader reads 3D boxes only")
        if "edges" in box and hasattr(box["edges"], "shape"):
            hints.append("H5MDReader reads box/edges/value[frame]: box/edges must be a time series")
        return "; ".join(hints) or None


def main():
    a = file_and_frame(__doc__)

    def read():
        import MDAnalysis as mda
        kw = {}
        if a.file.endswith(".data"):
            style = "atomic"
            with open(a.file) as f:
                for line in f:
                    if line.startswith("Atoms"):
                        style = line.split("#", 1)[1].strip() if "#" in line else "atomic"
                        break
            kw = {"format": "DATA", "atom_style": STYLES.get(style, style)}
        extra = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                u = mda.Universe(a.file, **kw)
            except Exception as e:  # noqa: BLE001
                if not a.file.endswith((".h5", ".h5md")):
                    raise
                import h5py
                with h5py.File(a.file, "r") as f:
                    pos = f["particles"][list(f["particles"])[0]]["position"]
                    n = (pos["value"] if "value" in pos else pos).shape[-2]
                msg = str(e).strip().splitlines()[0]
                extra = {"universe_error": f"{type(e).__name__}: {msg}", "via": "load_new"}
                kw = {"format": "H5MD", "convert_units": False}
                u = mda.Universe.empty(n, trajectory=False)
                try:
                    u.load_new(a.file, **kw)
                except Exception as e2:  # noqa: BLE001
                    e2.extra = dict(extra, hint=h5md_hint(a.file))
                    raise
            ts = u.trajectory[a.frame]
        return {**extra, "mdanalysis_version": mda.__version__, "format": kw.get("format"),
                "N": int(u.atoms.n_atoms), "frames": len(u.trajectory),
                "dimensions": ts.dimensions, "positions": u.atoms.positions,
                "ids": attr(u.atoms, "ids"), "types": attr(u.atoms, "types")}
    run("MDAnalysis", read)


if __name__ == "__main__":
    main()
