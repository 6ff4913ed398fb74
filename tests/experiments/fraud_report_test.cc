// Fraud figures in the report: present for a study with fraud traffic or a
// fraud scorer (table columns, CSV and JSON metrics), absent otherwise, so
// reports of topologies without fraud read as before.
#include <gtest/gtest.h>

#include <string>

#include "experiments/report.h"
#include "experiments/runner.h"
#include "topologies/loader.h"
#include "topologies/report_codec.h"

namespace crankback {
namespace {

std::string Topology(const char* name) {
  return std::string(CRANKBACK_SOURCE_DIR) + "/topologies/" + name;
}

topologies::ReportData ReportOf(const char* name, int replications) {
  const auto plan = topologies::LoadPlanFile(Topology(name), {.replications = replications});
  EXPECT_TRUE(plan.ok()) << plan.error().ToString();
  if (!plan.ok()) return {};
  return experiments::Summarize(plan.value(), experiments::RunPlan(plan.value(), {.jobs = 2}), "x");
}

double Mean(const topologies::PolicyReport& p, const char* metric) {
  const topologies::Metric* m = p.Find(metric);
  EXPECT_NE(m, nullptr) << p.policy << " has no " << metric;
  return m ? m->value.mean : -1;
}

TEST(FraudReport, FraudScoringExampleShowsTheLeakPerPolicy) {
  const topologies::ReportData r = ReportOf("fraud_scoring.pbtxt", 2);
  ASSERT_EQ(r.points.size(), 1u);
  const auto& policies = r.points[0].policies;
  ASSERT_EQ(policies.size(), 3u);
  for (const auto& p : policies) {
    ASSERT_NE(p.Find("fraud_attempts"), nullptr) << p.policy;
    EXPECT_EQ(p.Find("fraud_attempts")->value.n, 2);
    EXPECT_GT(Mean(p, "fraud_attempts"), 0) << p.policy;
    EXPECT_LE(Mean(p, "fraud_answered"), Mean(p, "fraud_attempts")) << p.policy;
  }
  const auto& prosbc = policies[0];
  const auto& half = policies[1];
  const auto& integrated = policies[2];
  // The same fraudulent calls under every policy (common random numbers).
  EXPECT_EQ(Mean(prosbc, "fraud_attempts"), Mean(integrated, "fraud_attempts"));
  EXPECT_EQ(integrated.Find("fraud_attempts")->vs_baseline->mean, 0);
  // 404 continuing and 603 continuing: every fraudulent call completes.
  EXPECT_EQ(Mean(half, "fraud_answered"), Mean(half, "fraud_attempts"));
  // ProSBC's defaults: the detected ones (603) continue, the missed ones (404)
  // stop; fraud-integrated lets through only the missed ones.
  EXPECT_LT(Mean(prosbc, "fraud_answered"), Mean(half, "fraud_answered"));
  EXPECT_LE(Mean(prosbc, "fraud_minutes"), Mean(half, "fraud_minutes"));
  EXPECT_GT(Mean(prosbc, "fraud_minutes"), 3 * Mean(integrated, "fraud_minutes"));
  // fraud-integrated blocks (603) what its scorer flags; prosbc-default continues.
  EXPECT_EQ(Mean(prosbc, "fraud_blocked"), 0);
  EXPECT_GT(Mean(integrated, "fraud_blocked"), 0);
  // A blocked false positive is lost only where 603 stops the call.
  EXPECT_EQ(Mean(prosbc, "clean_blocked"), 0);
  EXPECT_GT(Mean(integrated, "clean_blocked"), 0);

  const std::string table = experiments::FormatTable(r);
  EXPECT_NE(table.find("fraud minutes"), std::string::npos) << table;
  EXPECT_NE(table.find("clean blocked"), std::string::npos) << table;
  const std::string csv = experiments::FormatCsv(r);
  for (const char* metric :
       {",fraud_attempts,", ",fraud_answered,", ",fraud_minutes,", ",clean_blocked,"}) {
    EXPECT_NE(csv.find(std::string("fraud-integrated,") + metric), std::string::npos) << metric;
  }
  const std::string json = topologies::ReportToJson(r);
  EXPECT_NE(json.find("\"fraud_minutes\""), std::string::npos);
}

TEST(FraudReport, AbsentWithoutFraud) {
  const topologies::ReportData r = ReportOf("default.pbtxt", 2);
  ASSERT_EQ(r.points.size(), 1u);
  for (const auto& p : r.points[0].policies) EXPECT_EQ(p.Find("fraud_minutes"), nullptr);
  EXPECT_EQ(experiments::FormatTable(r).find("fraud"), std::string::npos);
  EXPECT_EQ(experiments::FormatCsv(r).find("fraud"), std::string::npos);
  EXPECT_EQ(topologies::ReportToJson(r).find("fraud"), std::string::npos);
}

}  // namespace
}  // namespace crankback
