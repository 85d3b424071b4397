#!/usr/bin/env python3
"""Samples machine load while the benchmark runs, so that summarize.py can say how noisy it was.

Every INTERVAL seconds one JSON line: time, the 1/5/15-minute load averages, and every process that
used more than 5% of a core over the interval (pid, command name, % of one core, "kernel" for kernel
threads else "user"), from /proc/<pid>/stat
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
        out[(int(pid), start)] = (comm, utime + stime, ppid == 2 or pid == "2")
    return out


def main():
    path, parent = sys.argv[1], int(sys.argv[2])
    interval = float(sys.argv[3]) if len(sys.argv) > 3 else 5.0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    before, t0 = cpu_times(), time.time()
    with open(path, "a", buffering=1) as log:
        while True:
            time.sleep(interval)
            try:
                os.kill(parent, 0)
            except OSError:
                return
            after, t1 = cpu_times(), time.time()
            busy = []
            for key, (comm, ticks, kernel) in after.items():
                prev = before.get(key)
                used = ticks - (prev[1] if prev else 0)
                pct = 100.0 * used / TICKS / (t1 - t0)
                if pct > 5:
                    busy.append([key[0], comm, round(pct, 1), "kernel" if kernel else "user"])
            busy.sort(key=lambda b: -b[2])
            with open("/proc/loadavg") as f:
                load = [float(x) for x in f.read().split()[:3]]
            log.write(json.dumps({"t": round(t1, 2), "load": load, "busy": busy}) + "\n")
            before, t0 = after, t1


if __name__ == "__main__":
    main()
