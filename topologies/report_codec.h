// The results of a study in plain structs, and their protobuf JSON rendering.
//
//   ReportData r = experiments::Summarize(plan, runs, "topologies/default.pbtxt");
//   const Metric* m = r.points[0].policies[1].Find("completion");
//   std::string json = ReportToJson(r);   // the JSON mapping of crankback.pb.Report
//
// The structs mirror the Report message of simrun.proto, so any protobuf
// language can read the JSON that simrun writes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace crankback::topologies {

// Mean over replications with a 95% Student-t interval (infinite when n < 2).
struct Estimate {
  double mean = 0;
  double ci_low = 0;
  double ci_high = 0;
  int n = 0;
};

// One figure of one policy at one point.
struct Metric {
  std::string scope;  // "" = the whole run; "nap SBC/NAP", "node NAME", "timer", ...
  std::string name;
  Estimate value;
  // This policy minus the baseline, paired replication by replication; absent
  // for the baseline.
  std::optional<Estimate> vs_baseline = std::nullopt;
};

struct PolicyReport {
  std::string policy;
  std::vector<Metric> metrics;  // in a stable order: whole-run first

  const Metric* Find(std::string_view name, std::string_view scope = "") const {
    for (const Metric& m : metrics) {
      if (m.name == name && m.scope == scope) return &m;
    }
    return nullptr;
  }
};

// A value predicted by an analytic model for the metric of the same name in scope "theory".
struct TheoryValue {
  std::string metric;
  std::string model;
  double value = 0;
};

struct PointReport {
  std::vector<std::string> values;  // one per axis
  std::vector<PolicyReport> policies;
  std::vector<TheoryValue> theory = {};
};

struct ReportData {
  std::string input;
  uint64_t seed = 0;
  int replications = 0;
  double duration_s = 0;
  double warmup_s = 0;
  std::vector<std::string> axes = {};  // sweep field paths; empty = one point
  std::vector<PointReport> points;
};

std::string ReportToJson(const ReportData& report);

}  // namespace crankback::topologies
