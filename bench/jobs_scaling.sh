#!/bin/sh
# --jobs scaling of simrun: wall time of the same study at 1, 2, ... threads,
# the speed-up over one thread, and whether every thread count gave the same
# report (it must: results do not depend on --jobs).
#
#   bench/jobs_scaling.sh build-bench/simrun topologies/default.pbtxt 8 2
#   # simrun, topology file, replications, largest --jobs (default: nproc)
set -eu
simrun=$1
file=$2
reps=${3:-8}
max_jobs=${4:-$(nproc)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%5s %9s %8s %s\n' jobs wall_s speedup report
base=""
jobs=1
while [ "$jobs" -le "$max_jobs" ]; do
  start=$(date +%s.%N)
  "$simrun" "$file" --replications "$reps" --jobs "$jobs" --quiet --format csv >"$tmp/$jobs.csv"
  end=$(date +%s.%N)
  wall=$(echo "$end - $start" | bc)
  [ -z "$base" ] && base=$wall
  same=same
  cmp -s "$tmp/1.csv" "$tmp/$jobs.csv" || same=DIFFERS
  printf '%5d %9.2f %8.2f %s\n' "$jobs" "$wall" "$(echo "$base / $wall" | bc -l)" "$same"
  jobs=$((jobs + 1))
done
