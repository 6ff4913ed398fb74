#include "topologies/report_codec.h"

#include <google/protobuf/util/json_util.h>

#include <cmath>

#include "topologies/simrun.pb.h"

namespace crankback::topologies {

namespace {

// JSON has no infinity: an interval that is not defined (one replication) is
// written as the mean on both sides, with n telling the reader why.
void Fill(const Estimate& e, pb::Estimate* out) {
  out->set_mean(e.mean);
  out->set_ci_low(std::isfinite(e.ci_low) ? e.ci_low : e.mean);
  out->set_ci_high(std::isfinite(e.ci_high) ? e.ci_high : e.mean);
  out->set_n(e.n);
}

}  // namespace

std::string ReportToJson(const ReportData& report) {
  pb::Report r;
  r.set_input(report.input);
  r.set_seed(report.seed);
  r.set_replications(report.replications);
  r.set_duration_s(report.duration_s);
  r.set_warmup_s(report.warmup_s);
  for (const PolicyReport& p : report.policies) {
    pb::PolicyResult* out = r.add_policies();
    out->set_policy(p.policy);
    Fill(p.attempts, out->mutable_attempts());
    Fill(p.answered, out->mutable_answered());
    Fill(p.completion, out->mutable_completion());
    Fill(p.failed, out->mutable_failed());
    Fill(p.abandoned, out->mutable_abandoned());
    Fill(p.failed_retryable, out->mutable_failed_retryable());
    for (const auto& [code, estimate] : p.failures) {
      pb::CodeCount* c = out->add_failures();
      c->set_code(code);
      Fill(estimate, c->mutable_count());
    }
    if (p.fraud) {
      Fill(p.fraud->attempts, out->mutable_fraud_attempts());
      Fill(p.fraud->answered, out->mutable_fraud_answered());
      Fill(p.fraud->minutes, out->mutable_fraud_minutes());
      Fill(p.fraud->clean_blocked, out->mutable_clean_blocked());
    }
  }
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(r, &json, options).ok()) return "{}\n";
  return json;
}

}  // namespace crankback::topologies
