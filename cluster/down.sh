#!/usr/bin/env bash
# Stops the one-host Slurm that cluster/up.sh started: exactly the daemons named by the pid files in its
# scratch folder (CLUSTER_STATE, default cluster/.state), slurmd first, then slurmctld, then munged.
# Jobs still in that cluster are cancelled first. Logs and state stay for reading; a later up.sh reuses them.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
state="${CLUSTER_STATE:-$here/.state}"
[ -d "$state" ] || { echo "cluster: nothing to stop (no $state)"; exit 0; }

if [ -f "$state/slurm.conf" ] && [ -s "$state/slurmctld.pid" ] && kill -0 "$(cat "$state/slurmctld.pid")" 2>/dev/null; then
  jobs="$(SLURM_CONF="$state/slurm.conf" squeue -h -o %i 2>/dev/null || true)"
  [ -z "$jobs" ] || SLURM_CONF="$state/slurm.conf" scancel $jobs 2>/dev/null || true
fi

# stop NAME PIDFILE: TERM, up to 10 s, then KILL; only if the pid is alive and is that program.
stop() {
  local name="$1" file="$2" pid
  [ -s "$file" ] || return 0
  pid="$(cat "$file")"
  if kill -0 "$pid" 2>/dev/null && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ]; then
    kill -TERM "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; echo "cluster: $name ($pid) killed after 10 s"; else echo "cluster: $name ($pid) stopped"; fi
  fi
  rm -f "$file"
}
stop slurmd "$state/slurmd.pid"
stop slurmctld "$state/slurmctld.pid"
stop munged "$state/munge/munged.pid"
exit 0
