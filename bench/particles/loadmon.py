#!/usr/bin/env python3
"""Samples machine load while the benchmark runs, so that summarize.py can say how noisy it was.

Every INTERVAL seconds one JSON line: time, the 1/5/15-minute load averages, and every process that
used more than 5% of a core over the interval (pid, command name, % of one core, and "bench" for
PARENT and its descendants, "kernel" for kernel threads, else "user": other work on the machine, e.g. a
concurrent `swift test` that runs its own `stressflux` processes), and the CPU time stolen by the
hypervisor (% of one core), from /proc/<pid>/stat
deltas. Stops when the process PARENT (the benchmark script) is gone, or on SIGTERM.

    python3 loadmon.py OUTPUT.jsonl PARENT_PID [INTERVAL]
"""
import json
import os
import signal
import sys
import time

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_times():
    out = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                s = f.read()
        except OSError:
            continue
        # comm is in parentheses and may contain spaces
        lp, rp = s.index("("), s.rindex(")")
        comm = s[lp + 1:rp]
        fields = s[rp + 2:].split()
        utime, stime, ppid, start = int(fields[11]), int(fields[12]), int(fields[1]), int(fields[19])
        # key by (pid, start time): pids can be reused, and kernel workers rename themselves
        out[(int(pid), start)] = (comm, utime + stime, ppid == 2 or pid == "2", ppid)
    return out


def steal_ticks():
    """Ticks stolen from this VM by the hypervisor, all CPUs (the 8th number of the cpu line)."""
    with open("/proc/stat") as f:
        return int(f.readline().split()[8])


def descends(pid, parent, ppid_of):
    """Whether pid is parent or one of its descendants (the benchmark's own processes)."""
    for _ in range(64):
        if pid == parent:
            return True
        if pid not in ppid_of or pid <= 1:
            return False
        pid = ppid_of[pid]
    return False


def main():
    path, parent = sys.argv[1], int(sys.argv[2])
    interval = float(sys.argv[3]) if len(sys.argv) > 3 else 5.0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    before, t0, st0 = cpu_times(), time.time(), steal_ticks()
    with open(path, "a", buffering=1) as log:
        while True:
            time.sleep(interval)
            try:
                os.kill(parent, 0)
            except OSError:
                return
            after, t1, st1 = cpu_times(), time.time(), steal_ticks()
            ppid_of = {k[0]: v[3] for k, v in after.items()}
            busy = []
            for key, (comm, ticks, kernel, _) in after.items():
                prev = before.get(key)
                used = ticks - (prev[1] if prev else 0)
                pct = 100.0 * used / TICKS / (t1 - t0)
                if pct > 5:
                    kind = "kernel" if kernel else "bench" if descends(key[0], parent, ppid_of) else "user"
                    busy.append([key[0], comm, round(pct, 1), kind])
            busy.sort(key=lambda b: -b[2])
            with open("/proc/loadavg") as f:
                load = [float(x) for x in f.read().split()[:3]]
            steal = round(100.0 * (st1 - st0) / TICKS / (t1 - t0), 1)
            log.write(json.dumps({"t": round(t1, 2), "load": load, "steal": steal, "busy": busy}) + "\n")
            before, t0, st0 = after, t1, st1


if __name__ == "__main__":
    main()
