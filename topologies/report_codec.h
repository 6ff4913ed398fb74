// The results of a run in plain structs, and their protobuf JSON rendering.
//
//   ReportData r = runner.Report();
//   std::string json = ReportToJson(r);   // the JSON mapping of crankback.pb.Report
//
// The structs mirror the Report message of simrun.proto, so any protobuf
// language can read the JSON that simrun writes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace crankback::topologies {

struct Estimate {
  double mean = 0;
  double ci_low = 0;
  double ci_high = 0;
  int n = 0;
};

// Fraud figures of one policy (PolicyResult fields 9-12), per replication.
struct FraudFigures {
  Estimate attempts;       // attempts that were fraudulent (ground truth)
  Estimate answered;       // ... of them answered
  Estimate minutes;        // their answered minutes: the fraud-minute leakage
  Estimate clean_blocked;  // clean attempts failed by a fraud block: false positives
};

struct PolicyReport {
  std::string policy;
  Estimate attempts;
  Estimate answered;
  Estimate completion;
  Estimate failed;
  Estimate abandoned;
  Estimate failed_retryable;
  std::vector<std::pair<int, Estimate>> failures;  // by final code, ascending
  // Present when the study has fraud traffic or a fraud scorer; the reports
  // show fraud figures only then.
  std::optional<FraudFigures> fraud = {};
};

struct ReportData {
  std::string input;
  uint64_t seed = 0;
  int replications = 0;
  double duration_s = 0;
  double warmup_s = 0;
  std::vector<PolicyReport> policies;
};

std::string ReportToJson(const ReportData& report);

}  // namespace crankback::topologies
