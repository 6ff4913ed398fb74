#!/bin/sh
# Wall time of an overload sweep (10 load points x 10 replications x 600 s at
# 140 calls/s capacity) for each way the server handles overload. The goal is
# under a minute per sweep with --jobs 2 on a 2-core machine.
#
#   bench/overload_sweep.sh build/simrun [jobs]
set -eu
simrun=$1
jobs=${2:-2}
file=$(dirname "$0")/overload_sweep.pbtxt
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-60s %8s\n' variant wall_s
for variant in '{}' \
  '{on_overload: REJECT reject_queue: 100}' \
  '{on_overload: REJECT reject_queue: 100 retry_after_min_s: 2 retry_after_max_s: 10}' \
  '{control {algorithm: LOSS target_utilization: 0.95}}' \
  '{control {algorithm: RATE target_utilization: 0.95}}'; do
  start=$(date +%s.%N)
  "$simrun" "$file" --jobs "$jobs" --quiet --format csv \
    --set "nodes[\"server\"].processing=$variant" >/dev/null
  end=$(date +%s.%N)
  printf '%-60s %8.1f\n' "$variant" "$(echo "$end - $start" | bc)"
done
