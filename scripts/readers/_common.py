"""Helpers shared by the reader checks in this folder (not a reader itself).

Every check prints one JSON object on stdout and exits 0, also when the reader fails: then the
object is {"error": "ExceptionType: message", "reader": ...} (plus the exception's `extra` dict
if a check attached one). Numbers are printed with full double
precision (float32 values exactly as stored); NaN and infinities become null.
"""
import json
import math
import sys


def plain(x):
    """numpy arrays and scalars -> lists and Python numbers, NaN/inf -> None, bytes -> str."""
    try:
        import numpy as np
        if isinstance(x, np.ndarray):
            return plain(x.tolist())
        if isinstance(x, np.generic):
            return plain(x.item())
    except ImportError:
        pass
    if isinstance(x, dict):
        return {str(k): plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [plain(v) for v in x]
    if isinstance(x, bytes):
        return x.decode("utf-8", "replace")
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def run(reader, main):
    """Calls main() -> dict and prints it as JSON with "reader"; an exception prints {"error": ...}."""
    try:
        out = {"reader": reader}
        out.update(main())
    except SystemExit:
        raise
    except BaseException as e:  # noqa: BLE001 - the test shows whatever the reader said
        msg = str(e).strip().replace("\n", " | ")
        out = {"reader": reader, "error": f"{type(e).__name__}: {msg}", **getattr(e, "extra", {})}
    json.dump(plain(out), sys.stdout, allow_nan=False)
    sys.stdout.write("\n")
    sys.exit(0)


def read_lammps_data(path):
    """Header and Atoms section of a LAMMPS data file (atom_style atomic or sphere).

    Returns dict: atom_style, lo (3), hi (3), tilt (xy, xz, yz), ids, types, positions (N x 3),
    diameters (sphere only, else None), type_diameters (from StressFlux's header comment
    '# type 1: species A, diameter 1.0', else {}), images (N x 3 or None)."""
    import re
    import numpy as np
    lo, hi, tilt = [0.0] * 3, [0.0] * 3, [0.0, 0.0, 0.0]
    natoms, style, type_d, rows = None, None, {}, []
    with open(path) as f:
        lines = f.read().splitlines()
    i = 1  # the first line is a title
    while i < len(lines):
        line = lines[i]
        m = re.match(r"#\s*type (\d+):.*diameter ([0-9.eE+-]+)", line.strip())
        if m:
            type_d[int(m.group(1))] = float(m.group(2))
        w = line.split("#")[0].split()
        if len(w) == 2 and w[1] == "atoms":
            natoms = int(w[0])
        for k, ax in enumerate("xyz"):
            if len(w) == 4 and w[2:] == [ax + "lo", ax + "hi"]:
                lo[k], hi[k] = float(w[0]), float(w[1])
        if len(w) == 6 and w[3:] == ["xy", "xz", "yz"]:
            tilt = [float(v) for v in w[:3]]
        if w and w[0] == "Atoms":
            style = line.split("#", 1)[1].strip() if "#" in line else "atomic"
            i += 1
            while i < len(lines) and not lines[i].strip():
                i += 1
            while i < len(lines) and lines[i].strip():
                rows.append(lines[i].split("#")[0].split())
                i += 1
            continue
        i += 1
    if natoms is None or len(rows) != natoms:
        raise ValueError(f"{path}: header says {natoms} atoms, Atoms section has {len(rows)}")
    if style == "atomic":   # id type x y z [ix iy iz]
        pos_col, diam = 2, None
    elif style == "sphere":  # id type diameter density x y z [ix iy iz]
        pos_col, diam = 4, np.array([float(r[2]) for r in rows])
    else:
        raise ValueError(f"{path}: atom_style {style!r} (expected atomic or sphere)")
    pos = np.array([[float(v) for v in r[pos_col:pos_col + 3]] for r in rows])
    img = None
    if all(len(r) >= pos_col + 6 for r in rows):
        img = np.array([[int(v) for v in r[pos_col + 3:pos_col + 6]] for r in rows])
    return {"atom_style": style, "lo": lo, "hi": hi, "tilt": tilt,
            "ids": np.array([int(r[0]) for r in rows]),
            "types": np.array([int(r[1]) for r in rows]),
            "positions": pos, "diameters": diam, "type_diameters": type_d, "images": img}


def lammps_dimension(data):
    """2 when the file looks like StressFlux's 2D data file (zlo zhi = -0.5 0.5, all z = 0)."""
    flat = data["lo"][2] == -0.5 and data["hi"][2] == 0.5 and not data["positions"][:, 2].any()
    return 2 if flat else 3


def h5md_element(group, name):
    """Last frame of an H5MD element: a plain dataset, or a time series group with 'value'."""
    obj = group[name]
    if hasattr(obj, "shape"):
        return obj[()]
    return obj["value"][-1]


def load_particles(path, dimension=None, type_diameters=None):
    """Any of our snapshot files -> dict(dimension, box [Lx, Ly, Lz, xy, xz, yz] in HOOMD's
    convention (tilt factors), positions (N x 3, float64 where the file has doubles), diameters,
    ids, source). For H5MD the Lees-Edwards strain becomes the tilt xy, reduced to |xy Ly| <= Lx/2."""
    import numpy as np
    if path.endswith(".gsd"):
        import gsd.hoomd
        with gsd.hoomd.open(path, "r") as t:
            fr = t[-1]
        pos = np.asarray(fr.particles.position, dtype=np.float64)
        return {"dimension": int(fr.configuration.dimensions),
                "box": [float(v) for v in fr.configuration.box], "positions": pos,
                "diameters": np.asarray(fr.particles.diameter, dtype=np.float64),
                "ids": np.arange(len(pos)), "source": "gsd (float32 positions)"}
    if path.endswith((".h5", ".h5md")):
        import h5py
        with h5py.File(path, "r") as f:
            part = f["particles/all"]
            dim = int(np.ravel(part["box"].attrs["dimension"])[0])
            edges = np.asarray(h5md_element(part["box"], "edges"), dtype=np.float64)
            tilt = 0.0
            if edges.ndim == 2:  # box vectors as rows: a2 = (gamma Ly, Ly, ...)
                tilt = edges[1, 0] / edges[1, 1]
                edges = np.diag(edges)
            le = f.get("parameters/lees_edwards/strain")
            if le is not None:
                tilt = float(np.ravel(le[()] if hasattr(le, "shape") else le["value"][()])[-1])
            pos = np.asarray(h5md_element(part, "position"), dtype=np.float64)
            diam = np.asarray(h5md_element(part, "diameter"), dtype=np.float64)
            ids = np.ravel(h5md_element(part, "id"))
        L = list(edges) + [0.0] * (3 - dim)
        if tilt:  # reduce the strain by whole Lx/Ly, as our GSD and LAMMPS writers do
            tilt -= round(tilt * L[1] / L[0]) * L[0] / L[1]
        if dim == 2:
            pos = np.column_stack([pos, np.zeros(len(pos))])
        return {"dimension": dim, "box": [L[0], L[1], L[2] if dim == 3 else 1.0, tilt, 0.0, 0.0],
                "positions": pos, "diameters": diam, "ids": ids, "source": "h5md"}
    if path.endswith(".data"):
        d = read_lammps_data(path)
        dim = dimension or lammps_dimension(d)
        L = [h - l for h, l in zip(d["hi"], d["lo"])]
        xy, xz, yz = d["tilt"]
        diam = d["diameters"]
        if diam is None:
            td = dict(d["type_diameters"])
            td.update(type_diameters or {})
            diam = np.array([td[t] for t in d["types"]])
        # LAMMPS tilts are lengths, HOOMD's are factors
        box = [L[0], L[1], L[2] if dim == 3 else 1.0, xy / L[1],
               xz / L[2] if dim == 3 else 0.0, yz / L[2] if dim == 3 else 0.0]
        pos = d["positions"].copy()
        if dim == 2:
            pos[:, 2] = 0.0
        return {"dimension": dim, "box": box, "positions": pos,
                "diameters": diam, "ids": d["ids"], "source": f"lammps data ({d['atom_style']})"}
    raise ValueError(f"{path}: unknown extension (expected .gsd, .h5 or .data)")


def file_and_frame(doc):
    """The arguments of the snapshot readers: FILE and --frame (default: the last)."""
    import argparse
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("file")
    ap.add_argument("--frame", type=int, default=-1)
    return ap.parse_args()
