// Fraud figures in the report: present for a study with fraud traffic or a
// fraud scorer (table columns, CSV rows, JSON fields 9-12 of PolicyResult),
// absent otherwise, so reports of topologies without fraud read as before.
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

TEST(FraudReport, FraudScoringExampleShowsTheLeakPerPolicy) {
  const auto study =
      topologies::LoadStudyFile(Topology("fraud_scoring.pbtxt"), {.replications = 2});
  ASSERT_TRUE(study.ok()) << study.error().ToString();
  const topologies::ReportData r =
      experiments::Summarize(study.value(), experiments::RunStudy(study.value(), 2), "x");
  ASSERT_EQ(r.policies.size(), 3u);
  for (const auto& p : r.policies) {
    ASSERT_TRUE(p.fraud.has_value()) << p.policy;
    EXPECT_EQ(p.fraud->attempts.n, 2);
    EXPECT_GT(p.fraud->attempts.mean, 0) << p.policy;
    EXPECT_LE(p.fraud->answered.mean, p.fraud->attempts.mean) << p.policy;
  }
  const auto& prosbc = *r.policies[0].fraud;
  const auto& half = *r.policies[1].fraud;
  const auto& integrated = *r.policies[2].fraud;
  // The same fraudulent calls under every policy (common random numbers).
  EXPECT_EQ(prosbc.attempts.mean, integrated.attempts.mean);
  // 404 continuing and 603 continuing: every fraudulent call completes.
  EXPECT_EQ(half.answered.mean, half.attempts.mean);
  // ProSBC's defaults: the detected ones (603) continue, the missed ones (404)
  // stop; fraud-integrated lets through only the missed ones.
  EXPECT_LT(prosbc.answered.mean, half.answered.mean);
  EXPECT_LE(prosbc.minutes.mean, half.minutes.mean);
  EXPECT_GT(prosbc.minutes.mean, 3 * integrated.minutes.mean);
  // A blocked false positive is lost only where 603 stops the call.
  EXPECT_EQ(prosbc.clean_blocked.mean, 0);
  EXPECT_GT(integrated.clean_blocked.mean, 0);

  const std::string table = experiments::FormatTable(r);
  EXPECT_NE(table.find("fraud minutes"), std::string::npos) << table;
  EXPECT_NE(table.find("clean blocked"), std::string::npos) << table;
  const std::string csv = experiments::FormatCsv(r);
  for (const char* metric :
       {",fraud_attempts,", ",fraud_answered,", ",fraud_minutes,", ",clean_blocked,"}) {
    EXPECT_NE(csv.find(std::string("fraud-integrated") + metric), std::string::npos) << metric;
  }
  const std::string json = topologies::ReportToJson(r);
  EXPECT_NE(json.find("\"fraud_minutes\""), std::string::npos);
}

TEST(FraudReport, AbsentWithoutFraud) {
  const auto study = topologies::LoadStudyFile(Topology("default.pbtxt"), {.replications = 2});
  ASSERT_TRUE(study.ok()) << study.error().ToString();
  const topologies::ReportData r =
      experiments::Summarize(study.value(), experiments::RunStudy(study.value(), 2), "x");
  for (const auto& p : r.policies) EXPECT_FALSE(p.fraud.has_value()) << p.policy;
  EXPECT_EQ(experiments::FormatTable(r).find("fraud"), std::string::npos);
  EXPECT_EQ(experiments::FormatCsv(r).find("fraud"), std::string::npos);
  EXPECT_EQ(topologies::ReportToJson(r).find("fraud"), std::string::npos);
}

TEST(FraudReport, CsvRowsFollowTheRetryableRow) {
  topologies::ReportData r;
  r.policies.push_back({"p", {10, 9, 11, 3}, {}, {}, {}, {}, {}, {}});
  r.policies[0].fraud =
      topologies::FraudFigures{{4, 3, 5, 3}, {2, 1, 3, 3}, {90.5, 80, 101, 3}, {1, 0, 2, 3}};
  const std::string csv = experiments::FormatCsv(r);
  EXPECT_NE(csv.find("p,failed_retryable,0,0,0,0\n"
                     "p,fraud_attempts,4,3,5,3\n"
                     "p,fraud_answered,2,1,3,3\n"
                     "p,fraud_minutes,90.5,80,101,3\n"
                     "p,clean_blocked,1,0,2,3\n"),
            std::string::npos)
      << csv;
}

}  // namespace
}  // namespace crankback
