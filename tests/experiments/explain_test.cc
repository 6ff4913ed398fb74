// `simrun --explain N`: one call's ladder of messages with the SBC's decision
// at each route, and its outcome with the ground truth.
#include "experiments/explain.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "experiments/runner.h"
#include "tests/topologies/test_topology.h"
#include "topologies/loader.h"

namespace crankback::experiments {
namespace {

using topologies::test_topology::TempDir;

// carrier_a answers 503 (Reason 34) to everything: its single channel is held
// by a call that never ends before the run does. Call 2 meets the full
// carrier_a, advances, and is answered by carrier_b.
constexpr const char* kTopology = R"(
nodes { name: "callers" user_agent {} }
nodes {
  name: "sbc1"
  sbc {
    naps { name: "from_callers" peer: "callers" routes { nap: "to_a" } routes { nap: "to_b" } }
    naps { name: "to_a" peer: "carrier_a" }
    naps { name: "to_b" peer: "carrier_b" }
  }
}
nodes { name: "carrier_a" carrier { max_sessions: 1 } }
nodes { name: "carrier_b" carrier {} }
links { a: "callers" b: "sbc1" latency_s: 0.005 }
links { a: "sbc1" b: "carrier_a" latency_s: 0.01 }
links { a: "sbc1" b: "carrier_b" latency_s: 0.01 }
traffic {
  name: "offered" origin: "callers" via: "sbc1"
  calls_per_second: 1
  holding_time { deterministic_s: 100 }
}
policies { name: "prosbc" preset: "prosbc-default" }
policies { name: "stop" fallback: STOP }
experiment { duration_s: 20 seed: 3 }
)";

topologies::Study Load() {
  auto loaded = topologies::LoadStudy(kTopology, "explain.pbtxt");
  EXPECT_TRUE(loaded.ok()) << loaded.error().ToString();
  return std::move(loaded).value();
}

std::string Explain(const topologies::Study& study, size_t policy, uint32_t call) {
  models::RunSpec spec = SpecFor(study.experiment, 0);
  spec.trace_first = spec.trace_calls = spec.explain_call = call;
  const models::RunResult run = models::RunSimulation(study.scenario, study.policies[policy], spec);
  EXPECT_TRUE(run.violations.empty());
  return FormatExplanation(study.scenario, study.policies[policy], run);
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

bool HasLine(const std::string& text, const std::string& part) {
  for (const std::string& l : Lines(text)) {
    if (l.find(part) != std::string::npos) return true;
  }
  return false;
}

// The decision line follows the 503 it was taken on, names the rule, and the
// outcome names the true cause of the failure that was overcome.
TEST(Explain, AdvancedCallShowsTheDecisionAfterThe503AndTheRuleThatFired) {
  const topologies::Study study = Load();
  const std::string text = Explain(study, 0, 2);
  EXPECT_TRUE(HasLine(text, "Call 2 of \"callers\"")) << text;
  EXPECT_TRUE(HasLine(text, "outcome: ANSWERED 200 OK, 100.0 s talked")) << text;
  const auto lines = Lines(text);
  size_t at = 0;
  while (at < lines.size() && lines[at].find("503 Service Unavailable") == std::string::npos) ++at;
  ASSERT_LT(at + 1, lines.size()) << text;
  EXPECT_NE(lines[at].find("carrier_a"), std::string::npos) << lines[at];
  EXPECT_NE(lines[at].find("Reason: Q.850;cause=34"), std::string::npos) << lines[at];
  EXPECT_NE(lines[at].find("[true cause: capacity]"), std::string::npos) << lines[at];
  EXPECT_NE(lines[at + 1].find("** sbc1 decides: route 0 (NAP to_a) answered 503 -> advance, by "
                               "global rule 0 (class 5xx) of policy \"prosbc\""),
            std::string::npos)
      << lines[at + 1];
  EXPECT_TRUE(HasLine(text, "** sbc1 decides: route 1 (NAP to_b) answered: connected")) << text;
  EXPECT_TRUE(HasLine(text, "carrier_b     sbc1          200 OK")) << text;
}

// The same call under a policy that stops: the fallback fired, the caller got
// the 503, and the outcome says the call was failed although route 1 was left.
TEST(Explain, StoppedCallNamesTheFallbackAndTheRetryableFailure) {
  const topologies::Study study = Load();
  const std::string text = Explain(study, 1, 2);
  EXPECT_TRUE(HasLine(text, "outcome: FAILED 503 Service Unavailable, true cause: capacity"))
      << text;
  EXPECT_TRUE(HasLine(text,
                      "routes tried: 1, untried: 1 (failed although another route could "
                      "carry it)"))
      << text;
  EXPECT_TRUE(HasLine(text, "answered 503 -> stop, by the policy's fallback of policy \"stop\""))
      << text;
}

TEST(Explain, ACallBeyondTheRunSaysSo) {
  const topologies::Study study = Load();
  EXPECT_EQ(Explain(study, 0, 1000), "Call 1000: no user agent placed that many calls.\n");
}

// Explaining records the call without changing the run.
TEST(Explain, RecordingDoesNotChangeTheRun) {
  const topologies::Study study = Load();
  models::RunSpec spec = SpecFor(study.experiment, 0);
  const auto plain = models::RunSimulation(study.scenario, study.policies[0], spec);
  spec.trace_first = spec.trace_calls = spec.explain_call = 3;
  const auto explained = models::RunSimulation(study.scenario, study.policies[0], spec);
  EXPECT_EQ(plain.metrics.trajectory_hash(), explained.metrics.trajectory_hash());
  EXPECT_EQ(plain.events, explained.events);
  EXPECT_FALSE(explained.trace.empty());
  for (const auto& e : explained.trace) EXPECT_EQ(e.call, 2u);  // call 3 is serial 2
}

struct Outcome {
  int status = -1;
  std::string out, err;
};

Outcome Simrun(const TempDir& dir, const std::vector<std::string>& args) {
  std::string command = std::string("'") + CRANKBACK_SIMRUN + "'";
  for (const std::string& a : args) command += " '" + a + "'";
  command += " >'" + (dir / "out").string() + "' 2>'" + (dir / "err").string() + "'";
  const int status = std::system(command.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1,
          topologies::test_topology::ReadFile(dir / "out"),
          topologies::test_topology::ReadFile(dir / "err")};
}

TEST(Explain, SimrunPrintsTheCallUnderTheNamedPolicy) {
  TempDir dir;
  topologies::test_topology::WriteFile(dir / "t.pbtxt", kTopology);
  const Outcome o = Simrun(dir, {(dir / "t.pbtxt").string(), "--explain", "2", "--policy", "stop"});
  EXPECT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(o.out.rfind("Policy \"stop\", replication 0, seed 3\n", 0), 0u) << o.out;
  EXPECT_TRUE(HasLine(o.out, "outcome: FAILED 503")) << o.out;
}

TEST(Explain, SimrunRejectsAnUnknownPolicyWithExit2AndPolicyAloneSelects) {
  TempDir dir;
  const std::string file = (dir / "t.pbtxt").string();
  topologies::test_topology::WriteFile(dir / "t.pbtxt", kTopology);
  const Outcome o = Simrun(dir, {file, "--explain", "2", "--policy", "nope"});
  EXPECT_EQ(o.status, 2);
  EXPECT_EQ(o.out, "");
  EXPECT_EQ(o.err, "simrun: --policy: no policy \"nope\" in " + file + "\n");
  // Without --explain, --policy chooses the policies to run: an unknown one is
  // the loader's error, located at experiment.policies.
  const Outcome p = Simrun(dir, {file, "--policy", "nope"});
  EXPECT_EQ(p.status, 2);
  EXPECT_EQ(p.out, "");
  EXPECT_NE(p.err.find("experiment.policies[0]: unknown policy \"nope\""), std::string::npos)
      << p.err;
  const Outcome q = Simrun(dir, {file, "--policy", "stop", "--format", "csv", "--quiet"});
  EXPECT_EQ(q.status, 0) << q.err;
  EXPECT_EQ(q.out.find("prosbc"), std::string::npos) << q.out;
  EXPECT_NE(q.out.find("0,stop,,attempts,value,"), std::string::npos) << q.out;
}

}  // namespace
}  // namespace crankback::experiments
