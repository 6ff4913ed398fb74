// simrun end to end: exit status 2 and one `file:line: path: message` line for
// bad input, nothing written; the reports for good input.
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/topologies/test_topology.h"
#include "topologies/simrun.pb.h"

namespace crankback::topologies {
namespace {

using namespace test_topology;

struct Outcome {
  int status = -1;  // exit status
  std::string out;
  std::string err;
};

// Runs simrun with `args` (each shell-quoted here), capturing both streams in `dir`.
Outcome RunSimrun(const TempDir& dir, const std::vector<std::string>& args) {
  std::string command = std::string("'") + CRANKBACK_SIMRUN + "'";
  for (const std::string& a : args) command += " '" + a + "'";
  const std::filesystem::path out = dir / "stdout.txt";
  const std::filesystem::path err = dir / "stderr.txt";
  command += " >'" + out.string() + "' 2>'" + err.string() + "'";
  const int status = std::system(command.c_str());
  Outcome o;
  o.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  o.out = ReadFile(out);
  o.err = ReadFile(err);
  return o;
}

TEST(SimrunTest, BrokenTopologyExits2WithOneLocatedLineAndWritesNothing) {
  TempDir dir;
  const std::string text = Edit(ValidTopology(), "max_sessions: 10", "max_sessions: -3");
  const std::filesystem::path file = dir / "broken.pbtxt";
  WriteFile(file, text);
  const std::filesystem::path out_dir = dir / "results";
  const Outcome o = RunSimrun(dir, {file.string(), "--out", out_dir.string(), "--jobs", "1"});
  EXPECT_EQ(o.status, 2);
  EXPECT_EQ(o.out, "");
  EXPECT_EQ(o.err, file.string() + ":" + std::to_string(LineOf(text, "max_sessions: -3")) +
                       ": nodes[\"sbc1\"].sbc.naps[\"to_a\"].max_sessions: must be in "
                       "0..10000000 (0 = unlimited; got -3)\n");
  EXPECT_EQ(std::count(o.err.begin(), o.err.end(), '\n'), 1);
  EXPECT_FALSE(std::filesystem::exists(out_dir));
}

TEST(SimrunTest, SyntaxErrorExits2WithOneLine) {
  TempDir dir;
  const std::string text = Edit(ValidTopology(), "latency_s: 0.02", "latency_s: twenty");
  const std::filesystem::path file = dir / "broken.pbtxt";
  WriteFile(file, text);
  const Outcome o = RunSimrun(dir, {file.string(), "--out", (dir / "results").string()});
  EXPECT_EQ(o.status, 2);
  EXPECT_EQ(o.out, "");
  const std::string prefix = file.string() + ":" + std::to_string(LineOf(text, "twenty")) + ": ";
  EXPECT_EQ(o.err.rfind(prefix, 0), 0u) << o.err;
  EXPECT_EQ(std::count(o.err.begin(), o.err.end(), '\n'), 1) << o.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "results"));
}

TEST(SimrunTest, ValidTopologyWritesEveryReport) {
  TempDir dir;
  const std::filesystem::path file = dir / "topo.pbtxt";
  WriteFile(file, ValidTopology());
  const std::filesystem::path out_dir = dir / "results";
  const Outcome o = RunSimrun(dir, {file.string(), "--out", out_dir.string(), "--format", "json",
                                    "--jobs", "2", "--seed", "3"});
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(o.err, "");
  for (const char* name : {"report.json", "report.csv", "report.txt", "input.pbtxt"}) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(std::filesystem::exists(out_dir / name));
    EXPECT_GT(std::filesystem::file_size(out_dir / name), 0u);
  }
  EXPECT_EQ(ReadFile(out_dir / "report.json"), o.out);

  pb::Report report;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(o.out, &report).ok()) << o.out;
  EXPECT_EQ(report.seed(), 3u);
  EXPECT_EQ(report.replications(), 2);
  EXPECT_EQ(report.duration_s(), 300);
  EXPECT_EQ(report.warmup_s(), 30);
  ASSERT_EQ(report.points_size(), 1);
  const pb::PointResult& point = report.points(0);
  ASSERT_EQ(point.policies_size(), 2);
  EXPECT_EQ(point.policies(0).policy(), "advance-on-5xx");
  EXPECT_EQ(point.policies(1).policy(), "advance-on-everything");
  for (const pb::PolicyResult& p : point.policies()) {
    const auto attempts = std::find_if(p.metrics().begin(), p.metrics().end(),
                                       [](const pb::Metric& m) { return m.name() == "attempts"; });
    ASSERT_NE(attempts, p.metrics().end());
    EXPECT_EQ(attempts->value().n(), 2);
    EXPECT_GT(attempts->value().mean(), 0);
    // The baseline has no difference against itself; the other policy has one.
    EXPECT_EQ(attempts->has_vs_baseline(), p.policy() != "advance-on-5xx");
  }

  // The resolved input reproduces the run: it loads, with the seed override in it.
  const Loaded<Study> resolved = LoadStudyFile(out_dir / "input.pbtxt");
  ASSERT_TRUE(resolved.ok()) << resolved.error().ToString();
  EXPECT_EQ(resolved.value().experiment.seed, 3u);
}

// --cdr: one row per call of every run; the calls after the warm-up are the
// report's attempts, and the report's failures by code are theirs.
TEST(SimrunTest, CdrHoldsEveryCallOfEveryRun) {
  TempDir dir;
  const std::filesystem::path file = dir / "topo.pbtxt";
  WriteFile(file, ValidTopology());
  const std::filesystem::path out_dir = dir / "results";
  const Outcome o = RunSimrun(dir, {file.string(), "--out", out_dir.string(), "--cdr", "--format",
                                    "csv", "--replications", "1", "--quiet"});
  ASSERT_EQ(o.status, 0) << o.err;
  std::istringstream cdr(ReadFile(out_dir / "cdr.csv"));
  std::string line;
  std::getline(cdr, line);
  EXPECT_EQ(line,
            "point,replication,policy,caller,call,redial,arrival_s,result,final_code,true_cause,"
            "routes_tried,routes_untried,fraud,pdd_s,setup_s,answered_s");
  std::map<std::string, int> counted, failed_503;
  while (std::getline(cdr, line)) {
    std::vector<std::string> f;
    std::istringstream row(line);
    for (std::string cell; std::getline(row, cell, ',');) f.push_back(cell);
    ASSERT_GE(f.size(), 15u) << line;
    if (std::stod(f[6]) < 30) continue;  // the warm-up
    ++counted[f[2]];
    if (f[7] == "failed" && f[8] == "503") ++failed_503[f[2]];
  }
  for (const char* policy : {"advance-on-5xx", "advance-on-everything"}) {
    SCOPED_TRACE(policy);
    const std::string prefix = std::string("0,") + policy + ",,";
    const size_t at = o.out.find(prefix + "attempts,value,");
    ASSERT_NE(at, std::string::npos) << o.out;
    EXPECT_EQ(std::stod(o.out.substr(at + prefix.size() + 15)), counted[policy]);
    const size_t f503 = o.out.find(prefix + "failed_503,value,");
    const double reported =
        f503 == std::string::npos ? 0 : std::stod(o.out.substr(f503 + prefix.size() + 17));
    EXPECT_EQ(reported, failed_503[policy]);
  }
}

TEST(SimrunTest, BinaryTopologyRuns) {
  TempDir dir;
  pb::Simulation sim;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(ValidTopology(), &sim));
  sim.mutable_experiment()->set_duration_s(60);
  sim.mutable_experiment()->set_warmup_s(0);
  std::string bytes;
  ASSERT_TRUE(sim.SerializeToString(&bytes));
  const std::filesystem::path file = dir / "topo.pb";
  WriteFile(file, bytes);
  const Outcome o = RunSimrun(dir, {file.string(), "--format", "csv", "--replications", "1"});
  EXPECT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(o.err, "");
  EXPECT_TRUE(Contains(o.out, "advance-on-everything"));
}

TEST(SimrunTest, BadCommandLineValuesExit2) {
  TempDir dir;
  const std::filesystem::path file = dir / "topo.pbtxt";
  WriteFile(file, ValidTopology());
  const std::vector<std::vector<std::string>> cases = {
      {file.string(), "--replications", "0"},
      {file.string(), "--format", "xml"},
      {file.string(), "--set", "traffic[0].calls_per_second"},
      {file.string(), "--set", "traffic[0].calls_per_second=-2"},
      {file.string(), "--set", "traffic[0].no_such_field=1"},
      {file.string(), "--policy", "no-such-policy"},
      {file.string(), "--cdr"},
      {(dir / "absent.pbtxt").string()},
      {},
  };
  for (const auto& args : cases) {
    SCOPED_TRACE(args.empty() ? "no file" : args.back());
    const Outcome o = RunSimrun(dir, args);
    EXPECT_EQ(o.status, 2);
    EXPECT_EQ(o.out, "");
    EXPECT_EQ(std::count(o.err.begin(), o.err.end(), '\n'), 1) << o.err;
  }
}

}  // namespace
}  // namespace crankback::topologies
