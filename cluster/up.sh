#!/usr/bin/env bash
# Brings up a one-host Slurm cluster for trying jobs/ and for the tests: munged, slurmctld and slurmd
# from Debian's packages (installed when missing), no systemd, everything under one scratch folder.
#
#   cluster/up.sh                 # then: source cluster/.state/env; sbatch --ntasks=2 jobs/run.sbatch examples/tiny.toml
#   cluster/down.sh               # stops exactly the daemons started here, by their pid files
#
# Environment (defaults in brackets):
#   CLUSTER_STATE [cluster/.state]  scratch folder: slurm.conf, munge key and socket, state, spool, logs, pid files, env
#   CLUSTER_PORT  [16817]           slurmctld listens on CLUSTER_PORT, slurmd on CLUSTER_PORT + 1 (not Slurm's 6817/6818,
#                                   so a site's own Slurm on this host is left alone)
#   CLUSTER_WAIT  [60]              seconds to wait for the node to become idle
#
# Writes CLUSTER_STATE/env: export lines (SLURM_CONF, CLUSTER_STATE) to source before sbatch/squeue/scontrol.
# Exit status: 0 when the node is idle (or the cluster was already up), 77 when Slurm cannot run on this machine
# (not root, no packages and no apt-get, install failed) with the reason on the last line, 1 when a daemon failed
# (its log's tail is printed, and the daemons already started are stopped).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
state="${CLUSTER_STATE:-$here/.state}"
port="${CLUSTER_PORT:-16817}"
wait_seconds="${CLUSTER_WAIT:-60}"
mkdir -p "$state"
state="$(cd "$state" && pwd)"
conf="$state/slurm.conf"

cannot() { echo "cluster: Slurm cannot run here: $*" >&2; exit 77; }
failed() {
  echo "cluster: $1 did not start; last lines of $2:" >&2
  tail -n 20 "$2" >&2 2>/dev/null || true
  "$here/down.sh" >&2 || true
  echo "cluster: error: $1 did not start (log: $2)" >&2
  exit 1
}
alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

if alive "$state/slurmctld.pid" && alive "$state/slurmd.pid" && alive "$state/munge/munged.pid"; then
  echo "cluster: already up (state in $state); source $state/env"
  exit 0
fi

[ "$(id -u)" -eq 0 ] || cannot "it needs root (slurmd starts jobs as their users and munged runs as user munge); run cluster/up.sh as root, e.g. with sudo"

# Packages: the daemons, the client commands and munge.
missing=()
command -v munged >/dev/null 2>&1 || missing+=(munge)
command -v slurmctld >/dev/null 2>&1 || missing+=(slurmctld)
command -v slurmd >/dev/null 2>&1 || missing+=(slurmd)
command -v sbatch >/dev/null 2>&1 || missing+=(slurm-client)
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || cannot "${missing[*]} missing and no apt-get; install Slurm and MUNGE with the system's package manager"
  echo "cluster: installing ${missing[*]}"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >"$state/apt.log" 2>&1 \
    || cannot "apt-get install ${missing[*]} failed (no network or no such packages?), see $state/apt.log"
fi
id munge >/dev/null 2>&1 || cannot "the munge user is missing although munged is installed; reinstall the munge package"

# MUNGE: a key of our own and its own socket, so a site's munged (if any) is left alone. munged checks that
# only its user can write the folder and read the key, and that clients can reach the socket.
mkdir -p "$state/munge" "$state/slurmctld" "$state/slurmd" "$state/log"
[ -s "$state/munge/munge.key" ] || dd if=/dev/urandom of="$state/munge/munge.key" bs=1024 count=1 status=none
chown -R munge:munge "$state/munge"
chmod 711 "$state/munge"  # clients reach the socket; nobody else lists or writes the folder
chmod 400 "$state/munge/munge.key"
rm -f "$state/munge/munged.pid"
runuser -u munge -- munged --socket="$state/munge/munge.socket" --key-file="$state/munge/munge.key" \
  --pid-file="$state/munge/munged.pid" --seed-file="$state/munge/munged.seed" --log-file="$state/munge/munged.log" \
  || failed munged "$state/munge/munged.log"
for _ in $(seq 50); do alive "$state/munge/munged.pid" && break; sleep 0.1; done
alive "$state/munge/munged.pid" || failed munged "$state/munge/munged.log"

# slurm.conf: one node, this host, with the CPUs and memory the machine has.
host="$(hostname -s)"
cpus="$(nproc)"
memory="$(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo)"
cat >"$conf" <<EOF
# One-host Slurm written by cluster/up.sh; $(date -u +%Y-%m-%dT%H:%M:%SZ)
ClusterName=stressflux
SlurmctldHost=$host
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$state/munge/munge.socket
StateSaveLocation=$state/slurmctld
SlurmdSpoolDir=$state/slurmd
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=3600
KillWait=10
NodeName=$host CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
EOF
cat >"$state/env" <<EOF
export SLURM_CONF=$conf
export CLUSTER_STATE=$state
EOF
export SLURM_CONF="$conf"

rm -f "$state/slurmctld.pid" "$state/slurmd.pid"
slurmctld -f "$conf" >"$state/log/slurmctld.out" 2>&1 || failed slurmctld "$state/log/slurmctld.log"
for _ in $(seq 100); do alive "$state/slurmctld.pid" && break; sleep 0.1; done
alive "$state/slurmctld.pid" || failed slurmctld "$state/log/slurmctld.log"
slurmd -f "$conf" >"$state/log/slurmd.out" 2>&1 || failed slurmd "$state/log/slurmd.log"
for _ in $(seq 100); do alive "$state/slurmd.pid" && break; sleep 0.1; done
alive "$state/slurmd.pid" || failed slurmd "$state/log/slurmd.log"

deadline=$((SECONDS + wait_seconds))
until [ "$(sinfo -h -n "$host" -o %t 2>/dev/null)" = "idle" ]; do
  [ $SECONDS -lt $deadline ] || failed "the node (not idle after ${wait_seconds} s: $(sinfo -h -o '%t %E' 2>&1))" "$state/log/slurmctld.log"
  sleep 0.5
done
echo "cluster: up: node $host, $cpus CPUs, $memory MB, partition debug; state in $state"
echo "cluster: source $state/env, then sbatch/squeue/scontrol; cluster/down.sh stops it"
