#include "experiments/runner.h"

#include <atomic>
#include <map>
#include <set>
#include <thread>

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

RunTable RunStudy(const topologies::Study& study, int jobs) {
  const size_t policies = study.policies.size();
  const size_t reps = static_cast<size_t>(study.experiment.replications);
  RunTable runs(policies, std::vector<models::RunResult>(reps));
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t k = next++; k < policies * reps; k = next++) {
      const size_t p = k % policies, r = k / policies;
      runs[p][r] = models::RunSimulation(study.scenario, study.policies[p],
                                         SpecFor(study.experiment, static_cast<int>(r)));
    }
  };
  const size_t threads = std::min(static_cast<size_t>(std::max(jobs, 1)), policies * reps);
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  return runs;
}

namespace {

topologies::Estimate Estimate(const std::vector<double>& values) {
  sim::Welford w;
  for (double v : values) w.Add(v);
  const sim::Interval ci = sim::StudentT(w, 0.95);
  return {ci.mean, ci.low(), ci.high(), static_cast<int>(w.count())};
}

// Fraudulent traffic or a fraud scorer: the report shows fraud figures.
bool HasFraud(const topologies::Study& study) {
  for (const auto& t : study.scenario.traffic) {
    if (t.fraud) return true;
  }
  for (const auto& n : study.scenario.nodes) {
    if (std::holds_alternative<nodes::FraudScorerParams>(n.kind)) return true;
  }
  return false;
}

topologies::FraudFigures FoldFraud(const std::vector<models::RunResult>& runs) {
  std::vector<double> attempts, answered, minutes, clean_blocked;
  for (const models::RunResult& r : runs) {
    attempts.push_back(static_cast<double>(r.metrics.fraud_attempts()));
    answered.push_back(static_cast<double>(r.metrics.fraud_answered()));
    minutes.push_back(r.metrics.fraud_seconds() / 60);
    clean_blocked.push_back(static_cast<double>(r.metrics.clean_blocked()));
  }
  return {Estimate(attempts), Estimate(answered), Estimate(minutes), Estimate(clean_blocked)};
}

}  // namespace

topologies::ReportData Summarize(const topologies::Study& study, const RunTable& runs,
                                 const std::string& input) {
  topologies::ReportData report;
  report.input = input;
  report.seed = study.experiment.seed;
  report.replications = study.experiment.replications;
  report.duration_s = study.experiment.duration_s;
  report.warmup_s = study.experiment.warmup_s;
  for (size_t p = 0; p < runs.size(); ++p) {
    topologies::PolicyReport out;
    out.policy = study.policies[p].name;
    std::vector<double> attempts, answered, completion, failed, abandoned, retryable;
    std::set<int> codes;
    for (const models::RunResult& r : runs[p]) {
      const auto& m = r.metrics;
      attempts.push_back(static_cast<double>(m.attempts()));
      answered.push_back(static_cast<double>(m.answered()));
      completion.push_back(m.attempts() ? static_cast<double>(m.answered()) / m.attempts() : 0.0);
      failed.push_back(static_cast<double>(m.failed()));
      abandoned.push_back(static_cast<double>(m.abandoned()));
      retryable.push_back(static_cast<double>(m.failed_retryable()));
      for (const auto& [code, n] : m.failures_by_code()) codes.insert(code);
    }
    out.attempts = Estimate(attempts);
    out.answered = Estimate(answered);
    out.completion = Estimate(completion);
    out.failed = Estimate(failed);
    out.abandoned = Estimate(abandoned);
    out.failed_retryable = Estimate(retryable);
    for (int code : codes) {
      std::vector<double> counts;
      for (const models::RunResult& r : runs[p]) {
        const auto& f = r.metrics.failures_by_code();
        const auto it = f.find(code);
        counts.push_back(it == f.end() ? 0.0 : static_cast<double>(it->second));
      }
      out.failures.emplace_back(code, Estimate(counts));
    }
    if (HasFraud(study)) out.fraud = FoldFraud(runs[p]);
    report.policies.push_back(std::move(out));
  }
  return report;
}

}  // namespace crankback::experiments
