#include "experiments/runner.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <map>
#include <mutex>
#include <thread>

#include "experiments/theory.h"
#include "sim/statistics.h"

namespace crankback::experiments {

models::RunSpec SpecFor(const topologies::ExperimentParams& x, int replication) {
  models::RunSpec spec;
  spec.seed = x.seed;
  spec.replication = static_cast<uint32_t>(replication);
  spec.end = sim::SimTime::Zero() + sim::SecondsToDuration(x.duration_s);
  spec.warmup = sim::SimTime::Zero() + sim::SecondsToDuration(x.warmup_s);
  return spec;
}

RunRecord Record(const topologies::Study& study, const models::RunResult& run) {
  RunRecord r;
  r.figures = RunFigures(study, run);
  for (Figure& f : TheoryFigures(study, run)) r.figures.push_back(std::move(f));
  r.violations = run.violations;
  r.trajectory_hash = run.metrics.trajectory_hash();
  return r;
}

namespace {

// Runs `count` jobs, `job(k)` for k in [0, count), on `threads` threads.
void Parallel(size_t count, int threads, const std::function<void(size_t)>& job) {
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t k = next++; k < count; k = next++) job(k);
  };
  const size_t n = std::min(static_cast<size_t>(std::max(threads, 1)), count);
  std::vector<std::thread> pool;
  for (size_t t = 1; t < n; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
}

}  // namespace

RunTable RunPlan(const topologies::Plan& plan, const RunOptions& options) {
  RunTable runs(plan.points.size());
  std::vector<std::array<size_t, 3>> cells;  // (point, policy, replication) in run order
  for (size_t p = 0; p < plan.points.size(); ++p) {
    const topologies::Study& s = plan.points[p].study;
    const size_t reps = static_cast<size_t>(s.experiment.replications);
    runs[p].assign(s.policies.size(), std::vector<RunRecord>(reps));
    for (size_t r = 0; r < reps; ++r) {
      for (size_t q = 0; q < s.policies.size(); ++q) cells.push_back({p, q, r});
    }
  }
  std::mutex progress_mutex;
  size_t done = 0;
  Parallel(cells.size(), options.jobs, [&](size_t k) {
    const auto [p, q, r] = cells[k];
    const topologies::Study& s = plan.points[p].study;
    models::RunSpec spec = SpecFor(s.experiment, static_cast<int>(r));
    spec.keep_outcomes = options.cdr;
    models::RunResult run = models::RunSimulation(s.scenario, s.policies[q], spec);
    RunRecord record = Record(s, run);
    record.outcomes = std::move(run.outcomes);
    runs[p][q][r] = std::move(record);
    if (options.progress) {
      std::lock_guard<std::mutex> lock(progress_mutex);
      options.progress(++done, cells.size());
    }
  });
  return runs;
}

std::vector<std::vector<models::RunResult>> RunStudy(const topologies::Study& study, int jobs) {
  const size_t policies = study.policies.size();
  const size_t reps = static_cast<size_t>(study.experiment.replications);
  std::vector<std::vector<models::RunResult>> runs(policies, std::vector<models::RunResult>(reps));
  Parallel(policies * reps, jobs, [&](size_t k) {
    const size_t p = k % policies, r = k / policies;
    runs[p][r] = models::RunSimulation(study.scenario, study.policies[p],
                                       SpecFor(study.experiment, static_cast<int>(r)));
  });
  return runs;
}

namespace {

using Key = std::pair<std::string, std::string>;  // scope, metric

topologies::Estimate Estimate(const std::vector<double>& values) {
  sim::Welford w;
  for (double v : values) w.Add(v);
  const sim::Interval ci = sim::StudentT(w, 0.95);
  return {ci.mean, ci.low(), ci.high(), static_cast<int>(w.count())};
}

// The keys of every run of a point in one stable order: each run's figures in
// the order it lists them, a key first seen later going right after the key
// before it in that run (so failed_486 seen only in replication 3 still sits
// between failed_404 and failed_503). `zero` tells, per key, whether a run
// without it counts it as 0.
std::vector<Key> MergedKeys(const std::vector<std::vector<RunRecord>>& point,
                            std::map<Key, bool>& zero) {
  std::vector<Key> keys;
  for (const auto& policy : point) {
    for (const RunRecord& run : policy) {
      size_t cursor = 0;
      for (const Figure& f : run.figures) {
        Key k{f.scope, f.metric};
        if (zero.emplace(k, f.zero_if_absent).second) {
          keys.insert(keys.begin() + static_cast<long>(cursor), k);
          ++cursor;
        } else {
          cursor = static_cast<size_t>(std::find(keys.begin(), keys.end(), k) - keys.begin()) + 1;
        }
      }
    }
  }
  return keys;
}

// Per replication of one policy, each key's value: 0 or NaN where it is absent.
std::vector<std::vector<double>> Values(const std::vector<RunRecord>& runs,
                                        const std::vector<Key>& keys,
                                        const std::map<Key, bool>& zero) {
  std::map<Key, size_t> index;
  for (size_t k = 0; k < keys.size(); ++k) index.emplace(keys[k], k);
  std::vector<std::vector<double>> out(keys.size());
  for (size_t k = 0; k < keys.size(); ++k) {
    out[k].assign(runs.size(), zero.at(keys[k]) ? 0.0 : std::nan(""));
  }
  for (size_t r = 0; r < runs.size(); ++r) {
    for (const Figure& f : runs[r].figures) out[index.at({f.scope, f.metric})][r] = f.value;
  }
  return out;
}

std::vector<double> Present(const std::vector<double>& v) {
  std::vector<double> out;
  for (double x : v) {
    if (!std::isnan(x)) out.push_back(x);
  }
  return out;
}

}  // namespace

topologies::ReportData Summarize(const topologies::Plan& plan, const RunTable& runs,
                                 const std::string& input) {
  topologies::ReportData report;
  report.input = input;
  const topologies::ExperimentParams& x = plan.points.front().study.experiment;
  report.seed = x.seed;
  report.replications = x.replications;
  report.duration_s = x.duration_s;
  report.warmup_s = x.warmup_s;
  report.axes = plan.axes;
  for (size_t p = 0; p < runs.size(); ++p) {
    const topologies::Study& study = plan.points[p].study;
    topologies::PointReport point;
    point.values = plan.points[p].values;
    for (const TheoryLine& t : TheoryLines(study))
      point.theory.push_back({t.metric, t.model, t.value});
    std::map<Key, bool> zero;
    const std::vector<Key> keys = MergedKeys(runs[p], zero);
    std::vector<std::vector<double>> baseline;  // per key, the baseline's replications
    for (size_t q = 0; q < runs[p].size(); ++q) {
      topologies::PolicyReport out;
      out.policy = study.policies[q].name;
      const std::vector<std::vector<double>> values = Values(runs[p][q], keys, zero);
      if (q == 0) baseline = values;
      for (size_t k = 0; k < keys.size(); ++k) {
        const std::vector<double>& v = values[k];
        const std::vector<double> present = Present(v);
        if (present.empty()) continue;
        topologies::Metric m{keys[k].first, keys[k].second, Estimate(present)};
        if (q > 0) {
          std::vector<double> diff;
          for (size_t r = 0; r < v.size(); ++r) {
            if (!std::isnan(v[r]) && !std::isnan(baseline[k][r]))
              diff.push_back(v[r] - baseline[k][r]);
          }
          if (!diff.empty()) m.vs_baseline = Estimate(diff);
        }
        out.metrics.push_back(std::move(m));
      }
      point.policies.push_back(std::move(out));
    }
    report.points.push_back(std::move(point));
  }
  return report;
}

}  // namespace crankback::experiments
