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
  for (const std::string& a : report.axes) r.add_axes(a);
  for (const PointReport& point : report.points) {
    pb::PointResult* pr = r.add_points();
    for (const std::string& v : point.values) pr->add_values(v);
    for (const PolicyReport& p : point.policies) {
      pb::PolicyResult* out = pr->add_policies();
      out->set_policy(p.policy);
      for (const Metric& m : p.metrics) {
        pb::Metric* mo = out->add_metrics();
        mo->set_scope(m.scope);
        mo->set_name(m.name);
        Fill(m.value, mo->mutable_value());
        if (m.vs_baseline) Fill(*m.vs_baseline, mo->mutable_vs_baseline());
      }
    }
    for (const TheoryValue& t : point.theory) {
      pb::TheoryValue* tv = pr->add_theory();
      tv->set_metric(t.metric);
      tv->set_model(t.model);
      tv->set_value(t.value);
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
