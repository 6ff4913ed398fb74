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
  if (const double window = study.experiment.duration_s - study.experiment.warmup_s; window > 0) {
    f.Value("", "offered_per_s", static_cast<double>(m.attempts()) / window);
    f.Value("", "goodput", static_cast<double>(m.answered_in_window()) / window);
  }
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
    f.Count(scope, "reservation_skips", static_cast<double>(c.reservation_skips));
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

// Scope "node NAME": its processing queue and its overload-control client.
void OverloadFigures(const models::NodeResult& node, const std::string& scope, Figures& f) {
  if (node.processing) {
    const overload::ProcessingCounters& c = node.processing_counters;
    f.Count(scope, "arrived", static_cast<double>(c.arrived));
    f.Count(scope, "dropped", static_cast<double>(c.dropped));
    f.Count(scope, "processed", static_cast<double>(c.processed));
    f.Count(scope, "invites", static_cast<double>(c.invites));
    f.Count(scope, "accepted", static_cast<double>(c.accepted));
    f.Count(scope, "rejected", static_cast<double>(c.rejected));
    f.Count(scope, "rejected_for_control", static_cast<double>(c.shed_for_clients));
    if (c.window_s > 0) {
      f.Value(scope, "admitted_per_s", static_cast<double>(c.accepted) / c.window_s);
      f.Value(scope, "utilization", c.busy_s / (c.window_s * c.servers));
    }
    if (c.busy_s > 0) {
      f.Value(scope, "retransmission_cpu", c.retransmission_s / c.busy_s);
      f.Value(scope, "rejection_cpu", c.rejection_s / c.busy_s);
      f.Value(scope, "discard_cpu", c.discard_s / c.busy_s);
    }
    if (c.queue_delay.count() > 0) {
      f.Value(scope, "queue_delay_mean_s",
              c.queue_delay.sum() / static_cast<double>(c.queue_delay.count()));
      f.Value(scope, "queue_delay_p95_s", c.queue_delay.Quantile(0.95));
    }
    f.Count(scope, "max_queue", c.max_queue);
  }
  if (node.overload_client) {
    f.Count(scope, "shed_loss", static_cast<double>(node.shed.loss));
    f.Count(scope, "shed_rate", static_cast<double>(node.shed.rate));
    f.Count(scope, "shed_retry_after", static_cast<double>(node.shed.retry_after));
  }
}

// Scope "fault NAME": what each scheduled fault did (metrics::FaultResult).
void FaultFigures(const topologies::Study& study, const models::RunResult& run, Figures& f) {
  const auto& faults = study.scenario.faults;
  for (size_t i = 0; i < faults.size() && i < run.faults.size(); ++i) {
    const metrics::FaultResult& r = run.faults[i];
    const std::string scope = "fault " + faults[i].name;
    if (r.detect_s) f.Value(scope, "detect_s", *r.detect_s);
    if (r.route_around_s) f.Value(scope, "route_around_s", *r.route_around_s);
    f.Count(scope, "calls_lost", static_cast<double>(r.calls_lost()));
    f.Count(scope, "lost_in_progress", static_cast<double>(r.lost_in_progress));
    f.Count(scope, "failed_calls", static_cast<double>(r.failed_calls));
    f.Count(scope, "rescued_calls", static_cast<double>(r.rescued_calls));
    f.Count(scope, "abandoned_calls", static_cast<double>(r.abandoned_calls));
    f.Count(scope, "timeouts", static_cast<double>(r.timeouts));
    f.Count(scope, "transport_errors", static_cast<double>(r.transport_errors));
    f.Count(scope, "no_dialog_481", static_cast<double>(r.no_dialog));
    f.Count(scope, "messages_dropped", static_cast<double>(r.messages_dropped));
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
    OverloadFigures(node, scope, f);
  }
  for (const auto& [timer, n] : run.timer_expirations)
    f.Count("timer", timer, static_cast<double>(n));
  FaultFigures(study, run, f);
  return f.Take();
}

}  // namespace crankback::experiments
