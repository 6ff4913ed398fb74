// The runner: identical reports for any number of threads, and `simrun` output
// that does not depend on --jobs.
#include "experiments/runner.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "experiments/report.h"
#include "sim/statistics.h"
#include "topologies/loader.h"

namespace crankback {
namespace {

std::string DefaultTopology() {
  return std::string(CRANKBACK_SOURCE_DIR) + "/topologies/default.pbtxt";
}

std::string Capture(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  pclose(pipe);
  return out;
}

topologies::Plan PlanOf(const std::string& file, const topologies::Overrides& o) {
  auto plan = topologies::LoadPlanFile(file, o);
  EXPECT_TRUE(plan.ok()) << plan.error().ToString();
  return plan.ok() ? plan.value() : topologies::Plan{};
}

TEST(Runner, ReportIsIdenticalForOneAndFourThreads) {
  const topologies::Plan plan = PlanOf(DefaultTopology(), {.seed = 3, .replications = 6});
  ASSERT_EQ(plan.points.size(), 1u);
  const auto one = experiments::RunPlan(plan, {.jobs = 1});
  const auto four = experiments::RunPlan(plan, {.jobs = 4});
  ASSERT_EQ(one[0].size(), four[0].size());
  for (size_t p = 0; p < one[0].size(); ++p) {
    for (size_t r = 0; r < one[0][p].size(); ++r) {
      EXPECT_EQ(one[0][p][r].trajectory_hash, four[0][p][r].trajectory_hash);
    }
  }
  EXPECT_EQ(topologies::ReportToJson(experiments::Summarize(plan, one, "x")),
            topologies::ReportToJson(experiments::Summarize(plan, four, "x")));
}

TEST(Runner, ReplicationsDifferAndPoliciesShareArrivals) {
  const auto study = topologies::LoadStudyFile(DefaultTopology(), {.seed = 3, .replications = 3});
  ASSERT_TRUE(study.ok());
  const auto runs = experiments::RunStudy(study.value(), 2);
  ASSERT_GE(runs.size(), 2u);
  EXPECT_NE(runs[0][0].metrics.trajectory_hash(), runs[0][1].metrics.trajectory_hash());
  for (size_t r = 0; r < runs[0].size(); ++r) {
    for (size_t p = 1; p < runs.size(); ++p) {
      EXPECT_EQ(runs[0][r].metrics.attempts(), runs[p][r].metrics.attempts());
    }
  }
}

TEST(Runner, SummaryIntervalsCoverTheMeansAndCountsAddUp) {
  const topologies::Plan plan = PlanOf(DefaultTopology(), {.replications = 5});
  const auto report = experiments::Summarize(plan, experiments::RunPlan(plan, {.jobs = 2}), "x");
  ASSERT_EQ(report.points.size(), 1u);
  ASSERT_EQ(report.points[0].policies.size(), plan.points[0].study.policies.size());
  for (const auto& p : report.points[0].policies) {
    const topologies::Metric* completion = p.Find("completion");
    ASSERT_NE(completion, nullptr);
    EXPECT_EQ(completion->value.n, 5);
    EXPECT_LE(completion->value.ci_low, completion->value.mean);
    EXPECT_GE(completion->value.ci_high, completion->value.mean);
    const double attempts = p.Find("attempts")->value.mean;
    EXPECT_NEAR(p.Find("answered")->value.mean + p.Find("failed")->value.mean +
                    p.Find("abandoned")->value.mean,
                attempts, 1e-6);
    double by_code = 0;
    for (const auto& m : p.metrics) {
      if (m.scope.empty() && m.name.rfind("failed_", 0) == 0 && m.name != "failed_retryable")
        by_code += m.value.mean;
    }
    EXPECT_NEAR(by_code, p.Find("failed")->value.mean, 1e-6);
  }
}

// The paired difference is the mean and interval of the per-replication
// differences on the same calls, not the difference of two independent means.
TEST(Runner, PairedDifferenceIsTakenReplicationByReplication) {
  const topologies::Plan plan = PlanOf(DefaultTopology(), {.seed = 5, .replications = 6});
  const auto runs = experiments::RunPlan(plan, {.jobs = 2});
  const auto report = experiments::Summarize(plan, runs, "x");
  const auto& policies = report.points[0].policies;
  ASSERT_GE(policies.size(), 2u);
  EXPECT_FALSE(policies[0].Find("completion")->vs_baseline.has_value());
  auto completion = [&](size_t q, size_t r) {
    for (const auto& f : runs[0][q][r].figures) {
      if (f.scope.empty() && f.metric == "completion") return f.value;
    }
    ADD_FAILURE() << "no completion figure";
    return 0.0;
  };
  for (size_t q = 1; q < policies.size(); ++q) {
    sim::Welford w;
    for (size_t r = 0; r < 6; ++r) w.Add(completion(q, r) - completion(0, r));
    const sim::Interval ci = sim::StudentT(w, 0.95);
    const auto& d = *policies[q].Find("completion")->vs_baseline;
    EXPECT_DOUBLE_EQ(d.mean, ci.mean);
    EXPECT_DOUBLE_EQ(d.ci_low, ci.low());
    EXPECT_DOUBLE_EQ(d.ci_high, ci.high());
    EXPECT_EQ(d.n, 6);
  }
}

// Run k is (point k / replications, replication k % replications) with the
// study's seed: two points with the same values are the same runs.
TEST(Runner, SweepPointsShareTheRandomCalls) {
  topologies::Overrides o{.seed = 11, .replications = 2};
  o.sets = {{"experiment.duration_s", "1800"}};
  std::string text = topologies::ReadInputFile(DefaultTopology()).value();
  text.replace(text.find("  seed: 1\n"), 10,
               "  seed: 1\n  sweep { path: \"experiment.load_scale\" values: \"1\" values: \"2\" "
               "values: \"1\" }\n");
  const auto plan = topologies::LoadPlan(text, "sweep.pbtxt", o);
  ASSERT_TRUE(plan.ok()) << plan.error().ToString();
  const auto runs = experiments::RunPlan(plan.value(), {.jobs = 3});
  ASSERT_EQ(runs.size(), 3u);
  for (size_t q = 0; q < runs[0].size(); ++q) {
    for (size_t r = 0; r < 2; ++r) {
      EXPECT_EQ(runs[0][q][r].trajectory_hash, runs[2][q][r].trajectory_hash);
      EXPECT_NE(runs[0][q][r].trajectory_hash, runs[1][q][r].trajectory_hash);
    }
  }
  const auto report = experiments::Summarize(plan.value(), runs, "x");
  ASSERT_EQ(report.axes, std::vector<std::string>{"experiment.load_scale"});
  const double low = report.points[0].policies[0].Find("attempts")->value.mean;
  const double high = report.points[1].policies[0].Find("attempts")->value.mean;
  EXPECT_GT(high, 1.8 * low);
  EXPECT_LT(high, 2.2 * low);
}

TEST(Simrun, OutputDoesNotDependOnJobs) {
  const std::string base =
      std::string(CRANKBACK_SIMRUN) + " " + DefaultTopology() + " --replications 4";
  for (const char* format : {"table", "json", "csv"}) {
    const std::string one = Capture(base + " --jobs 1 --format " + format);
    const std::string two = Capture(base + " --jobs 2 --format " + format);
    EXPECT_FALSE(one.empty());
    EXPECT_EQ(one, two) << format;
  }
}

TEST(Report, CsvIsTidy) {
  topologies::ReportData r;
  r.axes = {"traffic[\"a\"].calls_per_second"};
  topologies::PointReport point;
  point.values = {"2.5"};
  point.policies.push_back({"p", {{"", "attempts", {10, 9, 11, 3}}}});
  point.policies.push_back(
      {"q", {{"nap sbc1/to_a", "erlangs", {4, 3, 5, 3}, topologies::Estimate{-1, -2, 0, 3}}}});
  r.points.push_back(point);
  const std::string csv = experiments::FormatCsv(r);
  EXPECT_EQ(csv,
            "point,\"traffic[\"\"a\"\"].calls_per_second\",policy,scope,metric,statistic,mean,"
            "ci_low,ci_high,n\n"
            "0,2.5,p,,attempts,value,10,9,11,3\n"
            "0,2.5,q,nap sbc1/to_a,erlangs,value,4,3,5,3\n"
            "0,2.5,q,nap sbc1/to_a,erlangs,vs_baseline,-1,-2,0,3\n");
}

}  // namespace
}  // namespace crankback
