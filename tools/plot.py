#!/usr/bin/env python3
"""Figures of a StressFlux run or study folder (issue 19 item 3), as PNG files of 800 x 600 pixels.

    .venv/bin/python tools/plot.py DIR [--out FOLDER]

A run folder (it holds thermo.csv or aqs.csv) gets, in DIR/plots/ unless --out says otherwise:
  stress_strain.png         sigma_xy against strain (AQS or sheared) or time, the plastic events of events.csv marked;
  event-<k>-budget.png      the box means through event k at every scale: W_l and Q^flux_l (top, symmetric log scale),
                            their sum, the rate of the large-scale stress, and sum_i |F_i|^2 (bottom);
  flux_fraction.png         the flux fraction Phi_l of each event against l, with the fit a + b l and its limit at l = 0;
  event-<k>-structure.png   the local exponents xi_p = zeta_p / p inside and outside event k, before and after, with the
                            paper's roughness bound xi_3 = 1/3;
  event-<k>-sp.png          S_p(r) of rho_l on log-log axes in and outside event k before its step, with the fitted
                            exponents zeta_p and the fitted lag range;
  event-<k>-maps.png        rho_l and Q^flux_l,xy at the smallest l at the event's largest dissipation rate, with its
                            region and (when its snapshots were written) its most displaced particles.
  event-1-predictors.png    local xi_3 and <|Q^flux_l|> on the windows before the first event, its core's windows outlined
                            (runs with [events] predictor_windows);
  roc.png                   the ROC curves of the indicators with the diagonal, and their AUCs with 95 % intervals
                            (runs with predictor_windows; a study's pooled over its runs).
A Dean folder (`stressflux dean`: it holds dean.csv) gets dean.png (min and max of rho and the free energy against
time), dean-fields.png (rho of up to four field files), with [compare] dean-compare.png (the NDE against the particles)
and, with [analysis] scales, dean-budget.png (the box means of
the budget's xy terms against time at each l).
A study folder (it holds study.csv) gets study.png, roc.png (the final sigma_xy and energy per particle against the first scanned
key, one line per seed) and every run's figures in <run>/plots/. Prints the files it wrote.
Units are those of the CSV headers (physics.md section 1.2): lengths l0, energies V0, time l0^2/(mu V0).
"""
import argparse
import csv
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

SIZE = (8, 6)  # inches at DPI: 800 x 600 pixels
DPI = 100


def table(path):
    """Header names (units stripped), units by name, and the rows as dicts of floats (None for empty cells)."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows:
        return [], {}, []
    names, units = [], {}
    for column in rows[0]:
        name, _, unit = column.partition(" [")
        names.append(name)
        units[name] = unit.rstrip("]")

    def value(text):
        try:
            return float(text)
        except ValueError:
            return None if text == "" else text

    return names, units, [dict(zip(names, map(value, row))) for row in rows[1:] if row]


def label(name, units, text=None):
    unit = units.get(name, "").replace(" per l0^2/(mu V0)", " per time")
    return f"{text or name} [{unit}]" if unit else (text or name)


def save(figure, folder, name, written):
    path = os.path.join(folder, name)
    figure.savefig(path, dpi=DPI)
    plt.close(figure)
    written.append(path)


def stress_strain(run, out, written):
    aqs = os.path.exists(os.path.join(run, "aqs.csv"))
    names, units, rows = table(os.path.join(run, "aqs.csv" if aqs else "thermo.csv"))
    if not rows:
        return
    sheared = aqs or any((r.get("strain") or 0) != 0 for r in rows)
    x = "strain" if sheared else "time"
    figure, axes = plt.subplots(figsize=SIZE)
    axes.plot([r[x] for r in rows], [r["sigma_xy"] for r in rows], lw=1, color="C0", label="virial stress")
    events = os.path.join(run, "events.csv")
    if sheared and os.path.exists(events):
        _, _, drops = table(events)
        if drops:
            for k, event in enumerate(drops):
                axes.axvline(event["strain_after"], color="C3", lw=0.6, alpha=0.6, label="plastic event" if k == 0 else None)
    axes.set_xlabel(label(x, units, "shear strain γ" if sheared else "time"))
    axes.set_ylabel(label("sigma_xy", units, "shear stress σ_xy"))
    axes.set_title(("athermal quasistatic shear" if aqs else "Brownian dynamics") + f": {len(rows)} states")
    axes.legend(loc="best")
    figure.tight_layout()
    save(figure, out, "stress_strain.png", written)


def event_budget(run, out, written):
    for name in sorted(os.listdir(run)):
        if not (name.startswith("event-") and name.endswith("-budget.csv")):
            continue
        names, units, rows = table(os.path.join(run, name))
        if not rows:
            continue
        event = name[len("event-"):-len("-budget.csv")]
        figure, (top, bottom) = plt.subplots(2, 1, figsize=SIZE, sharex=True)
        for k, ell in enumerate(sorted({r["ell"] for r in rows})):
            series = [r for r in rows if r["ell"] == ell]
            t = [r["time"] for r in series]
            top.plot(t, [abs(r["W_xy_box"]) for r in series], color=f"C{k}", lw=1, label=f"|W|, ℓ = {ell:g}")
            top.plot(t, [abs(r["Qflux_xy_box"]) for r in series], color=f"C{k}", lw=1, ls="--", label=f"|Q^flux|, ℓ = {ell:g}")
            bottom.plot(t, [r["W_xy_box"] + r["Qflux_xy_box"] for r in series], color=f"C{k}", lw=1, label=f"W + Q^flux, ℓ = {ell:g}")
        first = rows[0]["ell"]
        power = [r for r in rows if r["ell"] == first]
        twin = bottom.twinx()
        twin.plot([r["time"] for r in power], [r["force_squared"] for r in power], color="0.5", lw=0.8, label="Σ|F_i|²")
        twin.set_yscale("log")
        twin.set_ylabel(label("force_squared", units, "Σ|F_i|²"))
        top.set_yscale("log")
        rates = [abs(r["W_xy_box"] + r["Qflux_xy_box"]) for r in rows if r["W_xy_box"] + r["Qflux_xy_box"] != 0]
        bottom.set_yscale("symlog", linthresh=max(1e-300, min(rates, default=1e-12)))
        top.set_ylabel(label("W_xy_box", units, "box mean, xy"))
        bottom.set_ylabel(label("dsigma_dt_xy_box", units, "d⟨σ̲_ℓ⟩/dt, xy"))
        bottom.set_xlabel(label("time", units, "time since the event's start"))
        top.set_title(f"event {event}: resolved work W_ℓ and inter-scale flux Q^flux_ℓ (box means; opposite signs)")
        top.legend(fontsize="small", ncol=2, loc="best")
        bottom.legend(fontsize="small", loc="upper left")
        twin.legend(fontsize="small", loc="upper right")
        figure.tight_layout()
        save(figure, out, f"event-{event}-budget.png", written)


def flux_fraction(run, out, written):
    path = os.path.join(run, "events_budget.csv")
    if not os.path.exists(path):
        return
    _, units, rows = table(path)
    _, _, limits = table(os.path.join(run, "events_anomaly.csv")) if os.path.exists(os.path.join(run, "events_anomaly.csv")) else ([], {}, [])
    if not rows:
        return
    figure, axes = plt.subplots(figsize=SIZE)
    for k, event in enumerate(sorted({r["event"] for r in rows})):
        points = sorted((r["ell"], r["flux_fraction_region"]) for r in rows if r["event"] == event and r["flux_fraction_region"] is not None)
        axes.plot([p[0] for p in points], [p[1] for p in points], "o", color=f"C{k}", label=f"event {event:g}")
        limit = next((l for l in limits if l["event"] == event), None)
        if limit and limit["flux_fraction_limit"] is not None:
            fit = [p for p in points if limit["fit_ell_min"] <= p[0] <= limit["fit_ell_max"]]
            if len(fit) >= 2:
                n = len(fit)
                mx, my = sum(p[0] for p in fit) / n, sum(p[1] for p in fit) / n
                slope = sum((p[0] - mx) * (p[1] - my) for p in fit) / sum((p[0] - mx) ** 2 for p in fit)
                line = [limit["fit_ell_max"] * j / 64 for j in range(65)]  # sampled: straight on the symmetric log axis too
                axes.plot(line, [my + slope * (x - mx) for x in line], color=f"C{k}", lw=0.8)
            axes.errorbar([0], [limit["flux_fraction_limit"]], yerr=[limit["flux_fraction_limit_error"] or 0], fmt="s", color=f"C{k}",
                          capsize=4)
    axes.axhline(0, color="0.6", lw=0.6)
    axes.set_yscale("symlog", linthresh=1)
    axes.set_xlabel(label("ell", units, "coarse-graining scale ℓ"))
    axes.set_ylabel("flux fraction Φ_ℓ = ∫⟨Q^flux_ℓ⟩_w dt / Δ⟨σ̲_ℓ⟩_w")
    axes.set_title("flux fraction in each event's window; squares: the limit ℓ → 0 (fit a + bℓ)")
    axes.legend(loc="best")
    figure.tight_layout()
    save(figure, out, "flux_fraction.png", written)


def structure(run, out, written):
    for name in sorted(os.listdir(run)):
        if not (name.startswith("event-") and name.endswith("-structure.csv")):
            continue
        _, _, rows = table(os.path.join(run, name))
        if not rows:
            continue
        event = name[len("event-"):-len("-structure.csv")]
        figure, axes = plt.subplots(figsize=SIZE)
        styles = {("before", "region"): ("C3", "-o"), ("before", "outside"): ("C0", "-o"), ("after", "region"): ("C3", "--s"),
                  ("after", "outside"): ("C0", "--s")}
        for (state, where), (color, style) in styles.items():
            points = [r for r in rows if r["state"] == state and r["where"] == where and r["xi"] is not None]
            if points:
                axes.errorbar([r["p"] for r in points], [r["xi"] for r in points],
                              yerr=[(r["zeta_error"] or 0) / r["p"] for r in points], fmt=style, color=color, capsize=3,
                              label=f"{where}, {state}")
        axes.axhline(1 / 3, color="0.4", lw=0.8, ls=":", label="ξ = 1/3 (the paper's bound)")
        axes.set_xlabel("order p of the structure function S_p")
        axes.set_ylabel("local exponent ξ_p = ζ_p / p of ρ̄_ℓ")
        axes.set_title(f"event {event}: roughness of the density inside its region and outside")
        axes.legend(loc="best")
        figure.tight_layout()
        save(figure, out, f"event-{event}-structure.png", written)


def structure_functions(run, out, written):
    """event-<k>-sp.png: S_p(r) of rho_l on log-log axes inside the event's region (solid) and outside (dashed),
    before its step, each order with its fitted exponent zeta_p over the shaded lag range."""
    for name in sorted(os.listdir(run)):
        if not (name.startswith("event-") and name.endswith("-structure-functions.csv")):
            continue
        _, units, rows = table(os.path.join(run, name))
        event = name[len("event-"):-len("-structure-functions.csv")]
        fits_path = os.path.join(run, f"event-{event}-structure.csv")
        _, _, fits = table(fits_path) if os.path.exists(fits_path) else ([], {}, [])
        figure, axes = plt.subplots(figsize=SIZE)
        orders = sorted({r["p"] for r in rows})
        span = None
        for k, p in enumerate(orders):
            for where, style in (("region", "-o"), ("outside", "--")):
                points = sorted((r["r"], r["S_p"]) for r in rows
                                if r["state"] == "before" and r["where"] == where and r["p"] == p and r["S_p"] and r["S_p"] > 0)
                fit = next((f for f in fits if f["state"] == "before" and f["where"] == where and f["p"] == p), None)
                zeta = f", ζ = {fit['zeta']:.2f}" if fit and isinstance(fit["zeta"], float) else ""
                if points:
                    axes.plot([x for x, _ in points], [y for _, y in points], style, ms=3, color=f"C{k}",
                              label=f"p = {p:g} {where}{zeta}")
                if fit and isinstance(fit["fit_r_min"], float):
                    span = (fit["fit_r_min"], fit["fit_r_max"])
        if span:
            axes.axvspan(*span, color="0.9", zorder=0, label="fitted lags")
        axes.set_xscale("log")
        axes.set_yscale("log")
        axes.set_xlabel(label("r", units, "lag r"))
        axes.set_ylabel(label("S_p", units, "S_p(r) = <|ρ̄(x + r) − ρ̄(x)|^p>"))
        axes.set_title(f"event {event}, before its step: structure functions of ρ̄_ℓ in its region and outside", fontsize=10)
        axes.legend(loc="best", fontsize=6, ncol=2)
        figure.tight_layout()
        save(figure, out, f"event-{event}-sp.png", written)


def event_maps(run, out, written):
    """rho_l and Q^flux_l,xy at the smallest l at the state of largest dissipation, the event's window (centre, width)
    drawn, and its most displaced particles where event-<k>-before.h5 holds them."""
    names = sorted(n for n in os.listdir(run) if n.startswith("event-") and n.endswith("-fields.h5"))
    if not names:
        return
    import h5py  # only for the maps

    _, _, events = table(os.path.join(run, "events.csv")) if os.path.exists(os.path.join(run, "events.csv")) else ([], {}, [])
    for name in names:
        event = name[len("event-"):-len("-fields.h5")]
        with h5py.File(os.path.join(run, name), "r") as f:
            scales = sorted(float(k[len("rho_ell"):]) for k in f if k.startswith("rho_ell"))
            if not scales:
                continue
            ell = scales[0]
            tag = f"ell{ell}"
            grid = next(k for k in f["geometry"] if f[f"geometry/{k}"].shape[:2] == f[f"rho_{tag}"].shape)
            nodes = f[f"geometry/{grid}"][...]
            fields = [(f[f"rho_{tag}"][...], "coarse-grained density ρ̄_ℓ", "viridis", "l0^-2"),
                      (f[f"Qflux_xy_{tag}"][...], "inter-scale flux Q^flux_ℓ,xy", "RdBu_r", f[f"Qflux_xy_{tag}"].attrs["unit"].decode())]
        record = next((e for e in events if e["event"] == float(event)), None)
        top = []
        if record and record.get("before_file"):
            before = os.path.join(run, record["before_file"])
            if os.path.exists(before) and isinstance(record.get("top_ids"), str):
                with h5py.File(before, "r") as f:
                    ids = list(f["particles/all/id/value"][0])
                    positions = f["particles/all/position/value"][0]
                    wanted = {int(i) for i in record["top_ids"].split()}
                    top = [positions[k] for k, i in enumerate(ids) if int(i) in wanted]
        figure, panels = plt.subplots(1, 2, figsize=SIZE)
        for axes, (values, title, colours, unit) in zip(panels, fields):
            limit = max(abs(values.min()), abs(values.max())) if colours == "RdBu_r" else None
            mesh = axes.pcolormesh(nodes[..., 0], nodes[..., 1], values, cmap=colours, shading="nearest",
                                   vmin=-limit if limit else None, vmax=limit)
            figure.colorbar(mesh, ax=axes, orientation="horizontal", pad=0.12, label=f"[{unit}]")
            if record:
                # The region and its periodic images (Lees-Edwards: a row of images along y is shifted by gamma L_y).
                rows, columns = values.shape
                hx, hy = nodes[0, 1, 0] - nodes[0, 0, 0], nodes[1, 0, 1] - nodes[0, 0, 1]
                lx, ly, tilt = columns * hx, rows * hy, (nodes[1, 0, 0] - nodes[0, 0, 0]) / hy
                for nx in (-1, 0, 1):
                    for ny in (-1, 0, 1):
                        centre = (record["centroid_x"] + nx * lx + ny * tilt * ly, record["centroid_y"] + ny * ly)
                        axes.add_patch(plt.Circle(centre, record["radius_of_gyration"], fill=False, color="k", lw=1, ls="--"))
                axes.set_xlim(nodes[..., 0].min(), nodes[..., 0].max())
                axes.set_ylim(nodes[..., 1].min(), nodes[..., 1].max())
            if top:
                axes.plot([p[0] for p in top], [p[1] for p in top], "k*", ms=6, label="most displaced particles")
            axes.set_aspect("equal")
            axes.set_title(f"{title}, ℓ = {ell:g}", fontsize="medium")
            axes.set_xlabel("x [l0]")
            axes.set_ylabel("y [l0]")
        figure.suptitle(f"event {event} at its largest dissipation rate; dashed: the event's region")
        figure.tight_layout()
        save(figure, out, f"event-{event}-maps.png", written)


def best_window(rows):
    """The window side where xi3 ranks best (the headline's), else the first."""
    scored = [r for r in rows if r["indicator"] == "xi3" and isinstance(r["auc"], float)]
    sides = sorted({r["window"] for r in rows})
    return max(scored, key=lambda r: r["auc"])["window"] if scored else (sides[0] if sides else None)


def roc(folder, out, written):
    """roc.png: the ROC curves for the next event at the headline's window side with the diagonal (left), every
    indicator's AUC with its 95 % bootstrap interval at every side (right)."""
    if not (os.path.exists(os.path.join(folder, "roc.csv")) and os.path.exists(os.path.join(folder, "roc_curves.csv"))):
        return
    _, units, rows = table(os.path.join(folder, "roc.csv"))
    rows = [r for r in rows if r.get("horizon", 1) == 1]  # the next event's
    _, _, points = table(os.path.join(folder, "roc_curves.csv"))
    side = best_window(rows)
    if side is None:
        return
    figure, (left, right) = plt.subplots(1, 2, figsize=SIZE)
    indicators = list(dict.fromkeys(r["indicator"] for r in rows))
    for k, name in enumerate(indicators):
        curve = [p for p in points if p["indicator"] == name and p["window"] == side]
        if curve:
            left.plot([p["false_positive_rate"] for p in curve], [p["true_positive_rate"] for p in curve], color=f"C{k % 10}",
                      ls="-" if k < 10 else "--", lw=2 if name == "xi3" else 1, label=name)
    left.plot([0, 1], [0, 1], "k:", lw=1, label="chance")
    left.set_xlabel("false-positive rate")
    left.set_ylabel("true-positive rate")
    left.set_title(f"windows of side {side:g} l0", fontsize=10)
    left.legend(loc="lower right", fontsize=6)
    sides = sorted({r["window"] for r in rows})
    for j, w in enumerate(sides):
        ranked = [r for r in rows if r["window"] == w and isinstance(r["auc"], float)]
        y = [indicators.index(r["indicator"]) + (j - (len(sides) - 1) / 2) * 0.2 for r in ranked]
        x = [r["auc"] for r in ranked]
        errors = [[r["auc"] - r["auc_low"] for r in ranked], [r["auc_high"] - r["auc"] for r in ranked]]
        right.errorbar(x, y, xerr=errors, fmt="o", ms=3, color=f"C{j}", label=f"a = {w:g} l0")
    right.axvline(0.5, color="k", ls=":", lw=1)
    right.set_yticks(range(len(indicators)), indicators, fontsize=7)
    right.set_xlabel("AUC (95 % bootstrap interval over events)")
    right.legend(loc="best", fontsize=7)
    events = max((r["events"] for r in rows), default=0)
    runs = max((r["runs"] for r in rows), default=0)
    figure.suptitle(f"does a window's indicator single out the next event's core? ({events:g} events, {runs:g} runs)", fontsize=10)
    figure.tight_layout()
    save(figure, out, "roc.png", written)


def predictor_maps(run, out, written):
    """event-1-predictors.png (2D): local xi3 and <|Q^flux_l|> at the smallest l on the windows of the largest side
    where xi3 is defined, before the first event, its core's windows outlined."""
    path = os.path.join(run, "predictors.csv")
    if not os.path.exists(path):
        return
    names, units, rows = table(path)
    flux = [n for n in names if n.startswith("qflux_l")]
    first = [r for r in rows if r["event"] == 1]
    sides = sorted({r["window"] for r in first if isinstance(r["xi3"], float)}, reverse=True)
    if not first or not flux or not sides:
        return
    windows = [r for r in first if r["window"] == sides[0]]
    n = int(round(math.sqrt(len(windows))))
    if n * n != len(windows):
        return  # not a square 2D tiling
    figure, axes = plt.subplots(1, 2, figsize=SIZE)
    for axis, name, title in ((axes[0], "xi3", "local ξ_3 (low: rough)"), (axes[1], flux[0], f"<|Q^flux|> at ℓ = {flux[0][7:]}")):
        grid = [[math.nan] * n for _ in range(n)]
        for r in windows:
            value = r[name]
            grid[int(r["window_index"]) // n][int(r["window_index"]) % n] = value if isinstance(value, float) else math.nan
        side = windows[0]["window_side"]
        image = axis.imshow(grid, origin="lower", extent=[0, n * side, 0, n * side], cmap="viridis")
        figure.colorbar(image, ax=axis, shrink=0.6, label=label(name, units, title))
        for r in windows:
            if r["positive"] == 1:
                i = int(r["window_index"])
                axis.add_patch(plt.Rectangle(((i % n) * side, (i // n) * side), side, side, fill=False, ec="red", lw=2))
        axis.set_xlabel("x' = x - γ y [l0]")
        axis.set_ylabel("y [l0]")
    figure.suptitle(f"before event 1 (step {windows[0]['step']:g}): windows of side {sides[0]:g} l0, the core's in red", fontsize=10)
    figure.tight_layout()
    save(figure, out, "event-1-predictors.png", written)


def dean_series(run, out, written):
    """dean.csv: the density's range and the free energy against time, the mass change stated."""
    names, units, rows = table(os.path.join(run, "dean.csv"))
    if not rows:
        return
    time = [r["time"] for r in rows]
    figure, (top, bottom) = plt.subplots(2, 1, figsize=SIZE, sharex=True)
    top.plot(time, [r["max_rho"] for r in rows], "-", color="C3", label="max ρ")
    top.plot(time, [r["min_rho"] for r in rows], "-", color="C0", label="min ρ")
    top.axhline(0, color="k", lw=0.5)
    top.set_ylabel(label("max_rho", units, "density"))
    top.legend(loc="best")
    energy = [(r["time"], r["free_energy"]) for r in rows if isinstance(r.get("free_energy"), float)]
    if energy:
        bottom.plot([t for t, _ in energy], [f for _, f in energy], "-", color="C2")
    bottom.set_ylabel(label("free_energy", units, "free energy F"))
    bottom.set_xlabel(label("time", units, "time"))
    mass = [r["mass"] for r in rows]
    top.set_title(f"Dean equation: density range and free energy (mass change {abs(mass[-1] - mass[0]) / mass[0]:.1e})")
    figure.tight_layout()
    save(figure, out, "dean.png", written)


def dean_fields(run, out, written):
    """rho of up to four field files (first, two between, last) side by side; 3D: the plane z = 0."""
    files = sorted((n for n in os.listdir(run) if n.startswith("fields-") and n.endswith(".h5")), key=lambda n: int(n[7:-3]))
    if not files:
        return
    import h5py

    chosen = [files[round(k * (len(files) - 1) / 3)] for k in range(4)] if len(files) >= 4 else files
    chosen = list(dict.fromkeys(chosen))
    columns = 2 if len(chosen) > 1 else 1
    figure, panels = plt.subplots((len(chosen) + 1) // 2 if columns == 2 else 1, columns, figsize=SIZE, squeeze=False)
    for axes in panels.flat[len(chosen):]:
        axes.set_visible(False)
    for axes, name in zip(panels.flat, chosen):
        with h5py.File(os.path.join(run, name), "r") as f:
            rho = f["rho"][...]
            box = list(f.attrs["box"])
            time = float(f.attrs["time"])
        if rho.ndim == 3:
            rho = rho[:, :, 0]
        image = axes.imshow(rho, origin="lower", extent=[0, box[0], 0, box[1]], cmap="viridis")
        figure.colorbar(image, ax=axes, label=f"ρ [1/l0^{len(box)}]", format="%.4g")
        axes.set_title(f"t = {time:.3g}", fontsize="medium")
        axes.set_xlabel("x [l0]")
        axes.set_ylabel("y [l0]")
    figure.suptitle("density ρ of the Dean equation" + (" (the plane z = 0)" if len(box) == 3 else ""))
    figure.tight_layout()
    save(figure, out, "dean-fields.png", written)


def dean_budget(run, out, written):
    """budget.csv: the box means of the budget's xy sources against time at each l (symmetric log scale)."""
    path = os.path.join(run, "budget.csv")
    if not os.path.exists(path):
        return
    names, units, rows = table(path)
    scales = sorted({r["ell"] for r in rows})
    if not scales:
        return
    figure, panels = plt.subplots(len(scales), 1, figsize=SIZE, sharex=True, squeeze=False)
    terms = [("W_xy", "W_ℓ"), ("Qflux_xy", "Q^flux_ℓ"), ("Qth_xy", "Q^th_ℓ"), ("Ne_xy", "N^e_ℓ"), ("Nfluxe_xy", "N^flux,e_ℓ"),
             ("dsigma_dt_xy", "d⟨σ̲_ℓ⟩/dt")]
    for axes, ell in zip(panels[:, 0], scales):
        series = [r for r in rows if r["ell"] == ell]
        for k, (column, name) in enumerate(terms):
            if column in names:
                axes.plot([r["time"] for r in series], [r[column] for r in series], "-", color=f"C{k}", label=name,
                          lw=2 if column == "Qflux_xy" else 1)
        values = [abs(r[c]) for r in series for c, _ in terms if c in names and isinstance(r.get(c), float) and r[c] != 0]
        axes.set_yscale("symlog", linthresh=max(min(values), 1e-12) if values else 1e-12)
        axes.set_ylabel(f"ℓ = {ell:g}\n[{units.get('W_xy', '')}]", fontsize="small")
    panels[0, 0].legend(loc="best", fontsize="x-small", ncol=3)
    panels[-1, 0].set_xlabel(label("time", units, "time"))
    figure.suptitle("box means of the stress budget's xy terms (physics.md 5.3)")
    figure.tight_layout()
    save(figure, out, "dean-budget.png", written)


def dean_compare(run, out, written):
    """compare.csv: the NDE's distance to the particles over the particles' own change, and the two ⟨Q^flux_ℓ,xy⟩,
    against time at each l."""
    path = os.path.join(run, "compare.csv")
    if not os.path.exists(path):
        return
    names, units, rows = table(path)
    scales = sorted({r["ell"] for r in rows})
    if not scales:
        return
    figure, (top, bottom) = plt.subplots(2, 1, figsize=SIZE, sharex=True)
    for k, ell in enumerate(scales):
        series = [r for r in rows if r["ell"] == ell and isinstance(r.get("rho_distance_rel_change"), float)]
        top.plot([r["time"] for r in series], [r["rho_distance_rel_change"] for r in series], "o-", color=f"C{k}", label=f"ℓ = {ell:g}")
        every = [r for r in rows if r["ell"] == ell]
        bottom.plot([r["time"] for r in every], [r["Qflux_xy_particles"] for r in every], "o-", color=f"C{k}", label=f"particles, ℓ = {ell:g}")
        bottom.plot([r["time"] for r in every], [r["Qflux_xy_dean"] for r in every], "s--", color=f"C{k}", label=f"NDE, ℓ = {ell:g}")
    top.axhline(1, color="0.5", lw=0.8)
    top.set_ylabel("‖ρ̄ NDE − ρ̄ particles‖ / ‖ρ̄ particles(t) − (0)‖", fontsize="small")
    top.legend(loc="best", fontsize="x-small")
    bottom.set_yscale("symlog", linthresh=1e-9)
    bottom.set_ylabel(label("Qflux_xy_particles", units, "⟨Q^flux_ℓ,xy⟩"), fontsize="small")
    bottom.set_xlabel(label("time", units, "time"))
    bottom.legend(loc="best", fontsize="xx-small", ncol=2)
    figure.suptitle("particles against the noiseless Dean equation (below 1: the NDE predicts part of the change)")
    figure.tight_layout()
    save(figure, out, "dean-compare.png", written)


def dean_figures(run, out):
    os.makedirs(out, exist_ok=True)
    written = []
    for figure in (dean_series, dean_fields, dean_budget, dean_compare):
        figure(run, out, written)
    return written


def run_figures(run, out):
    os.makedirs(out, exist_ok=True)
    written = []
    for figure in (stress_strain, event_budget, flux_fraction, structure, structure_functions, event_maps, predictor_maps, roc):
        figure(run, out, written)
    return written


def study_figures(folder, out):
    names, units, rows = table(os.path.join(folder, "study.csv"))
    written = []
    keys = names[1:names.index("particles")]
    if rows and keys:
        scanned = [k for k in keys if k != "seed"]
        x = scanned[0] if scanned else "seed"
        figure, (top, bottom) = plt.subplots(2, 1, figsize=SIZE, sharex=True)
        groups = sorted({r.get("seed") for r in rows}, key=lambda s: (s is None, s)) if x != "seed" and "seed" in keys else [None]
        for k, seed in enumerate(groups):
            members = sorted((r for r in rows if seed is None or r["seed"] == seed), key=lambda r: r[x])
            tag = f"seed {seed:g}" if seed is not None else None
            top.plot([r[x] for r in members], [r["sigma_xy"] for r in members], "-o", color=f"C{k}", label=tag)
            bottom.plot([r[x] for r in members], [r["energy_per_particle"] for r in members], "-o", color=f"C{k}", label=tag)
        top.set_ylabel(label("sigma_xy", units, "final σ_xy"))
        bottom.set_ylabel(label("energy_per_particle", units, "final U/N"))
        bottom.set_xlabel(x)
        top.set_title(f"study: {len(rows)} runs")
        if groups != [None]:
            top.legend(loc="best")
        figure.tight_layout()
        os.makedirs(out, exist_ok=True)
        save(figure, out, "study.png", written)
    os.makedirs(out, exist_ok=True)
    roc(folder, out, written)
    for row in rows:
        run = os.path.join(folder, row["run"])
        if os.path.isdir(run):
            written += run_figures(run, os.path.join(run, "plots"))
    return written


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", help="a run folder (thermo.csv or aqs.csv), a Dean folder (dean.csv) or a study folder (study.csv)")
    parser.add_argument("--out", help="where the figures go (default: FOLDER/plots)")
    args = parser.parse_args()
    folder = args.folder
    out = args.out or os.path.join(folder, "plots")
    if os.path.exists(os.path.join(folder, "study.csv")):
        written = study_figures(folder, out)
    elif any(os.path.exists(os.path.join(folder, f)) for f in ("thermo.csv", "aqs.csv")):
        written = run_figures(folder, out)
    elif os.path.exists(os.path.join(folder, "dean.csv")):
        written = dean_figures(folder, out)
    else:
        print(f"error: {folder}: neither a run folder (thermo.csv or aqs.csv), a Dean folder (dean.csv) nor a study folder (study.csv)",
              file=sys.stderr)
        return 2
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
