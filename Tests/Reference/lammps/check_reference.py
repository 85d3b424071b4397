#!/usr/bin/env python3
"""Independent check of the LAMMPS reference data (numpy only).

For each of bidisperse-{2d,3d}.data this recomputes, from the positions in the data file and
the harmonic formula V(r) = (1/2)(1 - r/d_ij)^2 (r < d_ij, d_ij = (d_i+d_j)/2, d = 1.0 for
type 1 and 1.4 for type 2), with all N(N-1)/2 pairs and the minimum image convention:
  * the total potential energy,
  * the force on every atom,
  * the per-atom virial in LAMMPS's compute stress/atom convention
      sa_i = -1/2 sum_j (x_i - x_j) (x) F_(i<-j) = +1/2 sum_j r_ij (x) grad V(r_ij), r_ij = x_j - x_i,
  * the virial pressure tensor P_ab = (1/V) sum_pairs (x_i - x_j)_a F_(i<-j),b (V = area in 2D),
and prints the differences to reference-{2d,3d}.txt / .json.

It evaluates everything in float64 and again in extended precision (numpy.longdouble), to
separate real disagreements from floating-point conditioning.  At a FIRE minimum the net
force on an atom (|F_i| ~ 1e-11) is a sum of contact forces ~1e-2 that cancel, so F_i is only
defined to ~1e-17/1e-11 ~ 1e-6 relative by ANY double-precision code: forces are compared on
the contact-force scale, max_i |dF_i| / median_i S_i with S_i = sum_j |f_ij| (the "naive"
per-atom relative difference is printed only to show this).  Per-atom virials are compared
against max|sa| and per atom (atoms with max|sa_i| > 1e-6 max|sa|).  The overlap is computed
as d_ij - r (exact near contact, as in LAMMPS harmonic/cut), not 1 - r/d_ij.

Usage: python3 check_reference.py [DIR]   (DIR defaults to this script's folder)
Exit status 1 if a well-conditioned quantity disagrees by more than 1e-12 (relative).
"""
import json
import os
import sys

import numpy as np

DIAM = {1: 1.0, 2: 1.4}


def read_data(path):
    """Box edges and atoms (id, type, x, y, z) from a LAMMPS data file (atom_style atomic)."""
    lo = np.zeros(3)
    hi = np.zeros(3)
    with open(path) as f:
        lines = f.read().splitlines()
    natoms = None
    atoms = []
    i = 0
    while i < len(lines):
        s = lines[i].split("#")[0].strip()
        w = s.split()
        if len(w) == 2 and w[1] == "atoms":
            natoms = int(w[0])
        for k, ax in enumerate("xyz"):
            if len(w) == 4 and w[2] == ax + "lo" and w[3] == ax + "hi":
                lo[k], hi[k] = float(w[0]), float(w[1])
        if lines[i].startswith("Atoms"):
            i += 1
            while i < len(lines) and not lines[i].strip():
                i += 1
            while i < len(lines) and lines[i].strip():
                w = lines[i].split()
                atoms.append((int(w[0]), int(w[1]), float(w[2]), float(w[3]), float(w[4])))
                i += 1
            continue
        i += 1
    assert natoms == len(atoms), "atom count mismatch in " + path
    atoms.sort()
    ids = np.array([a[0] for a in atoms])
    types = np.array([a[1] for a in atoms])
    x = np.array([a[2:] for a in atoms])
    return lo, hi, ids, types, x


def pair_terms(x, types, L, dim, dtype):
    """All-pairs energy, forces, per-atom virial (sa convention) and pair-force scale S_i."""
    x = x.astype(dtype)
    L = L.astype(dtype)
    n = len(x)
    d = np.array([DIAM[t] for t in types], dtype=dtype)
    energy = dtype(0)
    force = np.zeros((n, 3), dtype=dtype)
    sa = np.zeros((n, 3, 3), dtype=dtype)
    scale = np.zeros(n, dtype=dtype)
    two = dtype(2)
    for i in range(n - 1):  # row i against j > i: vectorised, O(N^2) total
        rij = x[i + 1:] - x[i]                       # r_ij = x_j - x_i
        for k in range(dim):
            rij[:, k] -= L[k] * np.rint(rij[:, k] / L[k])   # minimum image
        if dim == 2:
            rij[:, 2] = 0
        r = np.sqrt(np.sum(rij * rij, axis=1))
        dij = (d[i] + d[i + 1:]) / two
        m = r < dij
        if not np.any(m):
            continue
        j = np.nonzero(m)[0] + i + 1
        rij, r, dij = rij[m], r[m], dij[m]
        delta = dij - r                              # overlap, exact near contact
        energy += np.sum(delta * delta / (dij * dij)) / two
        # grad V(r_ij) w.r.t. r_ij = V'(r) r_ij/r, V'(r) = -(d - r)/d^2; F_(i<-j) = +grad V(r_ij)
        g = (-(delta / (dij * dij)) / r)[:, None] * rij
        force[i] += np.sum(g, axis=0)
        np.add.at(force, j, -g)
        gn = np.sqrt(np.sum(g * g, axis=1))
        scale[i] += np.sum(gn)
        np.add.at(scale, j, gn)
        w = rij[:, :, None] * g[:, None, :] / two   # 1/2 r_ij (x) grad V, same for i and j
        sa[i] += np.sum(w, axis=0)
        np.add.at(sa, j, w)
    return energy, force, sa, scale


def voigt(t):
    """(n,3,3) -> (n,6) in LAMMPS order xx yy zz xy xz yz."""
    return np.stack([t[:, 0, 0], t[:, 1, 1], t[:, 2, 2], t[:, 0, 1], t[:, 0, 2], t[:, 1, 2]], axis=1)


def check(folder, dim):
    tag = f"{dim}d"
    lo, hi, ids, types, x = read_data(os.path.join(folder, f"bidisperse-{tag}.data"))
    ref = np.loadtxt(os.path.join(folder, f"reference-{tag}.txt"), comments="#")
    meta = json.load(open(os.path.join(folder, f"reference-{tag}.json")))
    L = hi - lo
    n = len(ids)
    assert np.array_equal(ref[:, 0].astype(int), ids), "ids differ / not sorted"
    assert np.array_equal(ref[:, 1].astype(int), types), "types differ"
    same_pos = np.array_equal(ref[:, 2:5], x)
    f_ref, sa_ref = ref[:, 5:8], ref[:, 8:14]
    vol = np.prod(L[:dim])
    P = meta["virial_pressure"]
    p_ref = np.array([P[k] for k in ("xx", "yy", "zz", "xy", "xz", "yz")])

    print(f"== {tag}: N={n}, box={L.tolist()}, volume={vol!r} (json {meta['volume']!r})")
    print(f"   positions in reference txt identical to data file: {same_pos}")
    assert n == meta["N"] and dim == meta["dimension"]
    assert np.array_equal(np.array(meta["box"]), L[:dim]) or np.allclose(meta["box"], L[:dim], rtol=1e-15, atol=0)

    res = {}
    for name, dt in (("float64", np.float64), ("longdouble", np.longdouble)):
        e, f, sa, S = pair_terms(x, types, L, dim, dt)
        s6 = voigt(sa)
        W = -np.sum(s6, axis=0)                   # pair virial sum_pairs (x_i-x_j)(x)F_(i<-j)
        p = W / dt(vol)
        res[name] = (e, f, s6, S, p)

    pscale = np.max(np.abs(p_ref[:dim]))
    S = np.asarray(res["longdouble"][3], float)
    contact = S > 0
    fscale = np.median(S[contact])      # typical sum of contact-force magnitudes on an atom
    sscale = np.max(np.abs(sa_ref))
    print(f"   atoms with no contact (rattlers): {int(np.sum(~contact))}; LAMMPS force and stress/atom "
          f"exactly 0 there: {bool(np.all(f_ref[~contact] == 0) and np.all(sa_ref[~contact] == 0))}")
    print(f"   scales: max|F_i| = {np.max(np.linalg.norm(f_ref, axis=1)):.3e} (force balance), "
          f"median S_i = sum_j|f_ij| = {fscale:.3e}, max|sa| = {sscale:.3e}, max|P_aa| = {pscale:.3e}")
    ok = True
    for name in ("float64", "longdouble"):
        e, f, s6, _, p = res[name]
        e, f, s6, p = float(e), np.asarray(f, float), np.asarray(s6, float), np.asarray(p, float)
        de = abs(meta["pe_total"] - e) / abs(e)
        dp = np.max(np.abs(p_ref - p)) / pscale
        df = np.linalg.norm(f_ref - f, axis=1)
        ds = np.max(np.abs(sa_ref - s6), axis=1)
        big = np.max(np.abs(s6), axis=1) > 1e-6 * sscale
        ds_atom = np.max(ds[big] / np.max(np.abs(s6[big]), axis=1))
        naive = np.max(df[contact] / np.linalg.norm(f[contact], axis=1))
        print(f"   LAMMPS vs numpy {name:10s}: energy {de:.1e} | P {dp:.1e} | "
              f"forces max|dF_i|/median(S) {np.max(df) / fscale:.1e} (naive max|dF_i|/|F_i| {naive:.1e}) | "
              f"stress/atom max|d|/max|sa| {np.max(ds) / sscale:.1e}, per atom {ds_atom:.1e}")
        if max(de, dp, np.max(df) / fscale, np.max(ds) / sscale) > 1e-12:
            ok = False
    # LAMMPS internal consistency: sum of stress/atom = -P V
    sum_sa = np.sum(sa_ref, axis=0)
    d_int = np.max(np.abs(sum_sa + p_ref * vol)) / (pscale * vol)
    print(f"   LAMMPS: sum_i sa_i + P*V (relative to max|P_diag|*V): {d_int:.2e}; "
          f"fnorm from file {np.linalg.norm(f_ref):.3e}")
    return ok and same_pos and d_int < 1e-12


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    ok = all([check(folder, 2), check(folder, 3)])
    print("CHECK", "PASSED" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
