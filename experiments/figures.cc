#include "experiments/figures.h"

#include <string>
#include <utility>
#include <variant>

namespace crankback::experiments {

namespace {

// Fraudulent traffic or a fraud scorer: the run has fraud figures.
bool StudiesFraud(const topologies::Study& study) {
  for (const auto& t : study.scenario.traffic) {
    if (t.fraud) return true;
  }
  for (const auto& n : study.scenario.nodes) {
    if (std::holds_alternative<nodes::FraudScorerParams>(n.kind)) return true;
  }
  return false;
}

double Ratio(uint64_t num, uint64_t den) {
  return static_cast<double>(num) / static_cast<double>(den);
}

class Figures {
 public:
  // A count: absent in a replication means 0 there.
  void Count(const std::string& scope, const std::string& metric, double value) {
    out_.push_back({scope, metric, value, true});
  }
  // A quantile or a ratio: absent in a replication means no value there.
  void Value(const std::string& scope, const std::string& metric, double value) {
    out_.push_back({scope, metric, value, false});
  }
  std::vector<Figure> Take() { return std::move(out_); }

 private:
  std::vector<Figure> out_;
};

void WholeRun(const topologies::Study& study, const models::RunResult& run, Figures& f) {
  const metrics::RunMetrics& m = run.metrics;
  f.Count("", "attempts", static_cast<double>(m.attempts()));
  f.Count("", "answered", static_cast<double>(m.answered()));
  if (m.attempts() > 0) f.Value("", "completion", Ratio(m.answered(), m.attempts()));
  if (m.ner_eligible() > 0) f.Value("", "ner", Ratio(m.ner_effective(), m.ner_eligible()));
  f.Count("", "abandoned", static_cast<double>(m.abandoned()));
  f.Count("", "failed", static_cast<double>(m.failed()));
  f.Count("", "failed_retryable", static_cast<double>(m.failed_retryable()));
  if (m.attempts() > 0) f.Value("", "retryable_rate", Ratio(m.failed_retryable(), m.attempts()));
  f.Count("", "redials", static_cast<double>(m.redials()));
  if (StudiesFraud(study)) {
    f.Count("", "fraud_attempts", static_cast<double>(m.fraud_attempts()));
    f.Count("", "fraud_answered", static_cast<double>(m.fraud_answered()));
    f.Count("", "fraud_minutes", m.fraud_seconds() / 60);
    f.Count("", "fraud_blocked", static_cast<double>(m.fraud_blocked()));
    f.Count("", "clean_blocked", static_cast<double>(m.clean_blocked()));
  }
  if (m.pdd().count() > 0) {
    f.Value("", "pdd_p50_s", m.pdd().Quantile(0.5));
    f.Value("", "pdd_p95_s", m.pdd().Quantile(0.95));
  }
  if (m.setup().count() > 0) {
    f.Value("", "setup_p50_s", m.setup().Quantile(0.5));
    f.Value("", "setup_p95_s", m.setup().Quantile(0.95));
  }
  // Per call started, warm-up included: the transport counts the whole run.
  if (m.recorded() > 0) {
    f.Value("", "messages_per_call", Ratio(run.transport.sent, m.recorded()));
    f.Value("", "retransmissions_per_call", Ratio(run.transport.retransmissions, m.recorded()));
  }
  for (const auto& [code, n] : m.failures_by_code())
    f.Count("", "failed_" + std::to_string(code), static_cast<double>(n));
}

void SbcFigures(const topologies::Study& study, const std::string& name,
                const nodes::SbcParams& params, const models::NodeResult& node, Figures& f) {
  const double window = study.experiment.duration_s - study.experiment.warmup_s;
  for (size_t i = 0; i < params.naps.size() && i < node.naps.size(); ++i) {
    const nodes::NapCounters& c = node.naps[i];
    const std::string scope = "nap " + name + "/" + params.naps[i].name;
    f.Count(scope, "inbound", static_cast<double>(c.inbound));
    f.Count(scope, "offered", static_cast<double>(c.offered));
    f.Count(scope, "attempts", static_cast<double>(c.attempts));
    f.Count(scope, "capacity_skips", static_cast<double>(c.capacity_skips));
    f.Count(scope, "cps_skips", static_cast<double>(c.cps_skips));
    f.Count(scope, "seizures", static_cast<double>(c.seizures));
    f.Count(scope, "answered", static_cast<double>(c.answered));
    if (window > 0) f.Count(scope, "erlangs", c.busy_seconds / window);
    f.Count(scope, "cost", c.cost);
    if (i >= node.routes.size()) continue;
    for (size_t r = 0; r < node.routes[i].size(); ++r) {
      const std::string route =
          "route " + name + "/" + params.naps[i].name + "[" + std::to_string(r) + "]";
      f.Count(route, "attempts", static_cast<double>(node.routes[i][r].attempts));
      f.Count(route, "answered", static_cast<double>(node.routes[i][r].answered));
    }
  }
}

}  // namespace

std::vector<Figure> RunFigures(const topologies::Study& study, const models::RunResult& run) {
  Figures f;
  WholeRun(study, run, f);
  const std::vector<models::NodeParams>& params = study.scenario.nodes;
  for (size_t i = 0; i < params.size() && i < run.nodes.size(); ++i) {
    const models::NodeResult& node = run.nodes[i];
    if (const auto* sbc = std::get_if<nodes::SbcParams>(&params[i].kind))
      SbcFigures(study, params[i].name, *sbc, node, f);
    const std::string scope = "node " + params[i].name;
    for (const auto& [code, n] : node.codes_sent)
      f.Count(scope, "sent_" + std::to_string(code), static_cast<double>(n));
    if (std::holds_alternative<nodes::CarrierParams>(params[i].kind))
      f.Count(scope, "hung_channels", static_cast<double>(node.counters.hung_channels));
  }
  for (const auto& [timer, n] : run.timer_expirations)
    f.Count("timer", timer, static_cast<double>(n));
  return f.Take();
}

}  // namespace crankback::experiments
