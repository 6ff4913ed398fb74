// The runner: identical reports for any number of threads, and `simrun` output
// that does not depend on --jobs.
#include "experiments/runner.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "experiments/report.h"
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

TEST(Runner, ReportIsIdenticalForOneAndFourThreads) {
  const auto study = topologies::LoadStudyFile(DefaultTopology(), {.seed = 3, .replications = 6});
  ASSERT_TRUE(study.ok()) << study.error().ToString();
  const auto one = experiments::RunStudy(study.value(), 1);
  const auto four = experiments::RunStudy(study.value(), 4);
  ASSERT_EQ(one.size(), four.size());
  for (size_t p = 0; p < one.size(); ++p) {
    for (size_t r = 0; r < one[p].size(); ++r) {
      EXPECT_EQ(one[p][r].metrics.trajectory_hash(), four[p][r].metrics.trajectory_hash());
      EXPECT_EQ(one[p][r].events, four[p][r].events);
    }
  }
  EXPECT_EQ(topologies::ReportToJson(experiments::Summarize(study.value(), one, "x")),
            topologies::ReportToJson(experiments::Summarize(study.value(), four, "x")));
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

TEST(Runner, SummaryIntervalsCoverTheMeans) {
  const auto study = topologies::LoadStudyFile(DefaultTopology(), {.replications = 5});
  ASSERT_TRUE(study.ok());
  const auto report =
      experiments::Summarize(study.value(), experiments::RunStudy(study.value(), 2), "x");
  ASSERT_EQ(report.policies.size(), study.value().policies.size());
  for (const auto& p : report.policies) {
    EXPECT_EQ(p.completion.n, 5);
    EXPECT_LE(p.completion.ci_low, p.completion.mean);
    EXPECT_GE(p.completion.ci_high, p.completion.mean);
    EXPECT_NEAR(p.answered.mean + p.failed.mean + p.abandoned.mean, p.attempts.mean, 1e-6);
    double by_code = 0;
    for (const auto& [code, e] : p.failures) by_code += e.mean;
    EXPECT_NEAR(by_code, p.failed.mean, 1e-6);
  }
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
  r.policies.push_back({"p", {10, 9, 11, 3}, {}, {}, {}, {}, {}, {{503, {1, 0, 2, 3}}}});
  const std::string csv = experiments::FormatCsv(r);
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "policy,metric,mean,ci_low,ci_high,n");
  std::getline(in, line);
  EXPECT_EQ(line, "p,attempts,10,9,11,3");
  EXPECT_NE(csv.find("p,failed_503,1,0,2,3\n"), std::string::npos);
}

}  // namespace
}  // namespace crankback
