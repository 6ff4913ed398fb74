// Scheduled faults in the input (Experiment.faults): each is checked (name,
// window, kind, the node or link it names, the loss, overlaps on one element,
// restart only where it is modelled) with the line and field path of the bad
// value, and a valid one reaches the scenario.
#include <gtest/gtest.h>

#include <string>

#include "tests/topologies/test_topology.h"
#include "topologies/loader.h"

namespace crankback::topologies {
namespace {

using namespace test_topology;

// The valid topology with `faults` (text) in its experiment.
std::string WithFaults(const std::string& faults) {
  const std::string seed = "  seed: 7\n";
  return Edit(ValidTopology(), seed, seed + faults);
}

constexpr const char* kThreeFaults = R"(  faults {
    name: "burst"
    start_s: 10
    duration_s: 5
    loss_burst { a: "sbc1" b: "carrier_b" loss: 0.25 }
  }
  faults {
    name: "cut"
    start_s: 15
    duration_s: 5
    partition { a: "carrier_b" b: "sbc1" }
  }
  faults {
    name: "crash"
    start_s: 100
    duration_s: 60
    outage { node: "carrier_a" tcp_mode: BLACKHOLE restart: true }
  }
)";

TEST(FaultLoaderTest, FaultsLoadIntoTheScenario) {
  const Loaded<Study> loaded = LoadStudy(WithFaults(kThreeFaults), kDisplayName);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  const auto& f = loaded.value().scenario.faults;
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].name, "burst");
  EXPECT_EQ(f[0].kind, metrics::FaultKind::kLossBurst);
  EXPECT_EQ(f[0].a, 1u);
  EXPECT_EQ(f[0].b, 3u);
  EXPECT_EQ(f[0].loss, 0.25);
  EXPECT_EQ(f[0].start, sim::SimTime::Zero() + sim::Duration::Seconds(10));
  EXPECT_EQ(f[0].duration, sim::Duration::Seconds(5));
  EXPECT_EQ(f[1].kind, metrics::FaultKind::kPartition);
  EXPECT_EQ(f[1].start, f[0].end());  // half-open windows: touching is no overlap
  EXPECT_EQ(f[2].kind, metrics::FaultKind::kOutage);
  EXPECT_EQ(f[2].a, 2u);  // carrier_a
  EXPECT_EQ(f[2].tcp_mode, sip::OutageMode::kBlackhole);
  EXPECT_TRUE(f[2].restart);
  EXPECT_TRUE(loaded.value().scenario.nodes[2].outages.empty());  // a fault is not a node window
}

TEST(FaultLoaderTest, OutageRestartOnANodeWindowLoads) {
  const std::string carrier_a_end = "    dialect: \"custom\"\n  }\n";
  const std::string text = Edit(
      ValidTopology(), carrier_a_end,
      carrier_a_end + "  outages {\n    start_s: 5\n    duration_s: 5\n    restart: true\n  }\n");
  const Loaded<Study> loaded = LoadStudy(text, kDisplayName);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  ASSERT_EQ(loaded.value().scenario.nodes[2].outages.size(), 1u);
  EXPECT_TRUE(loaded.value().scenario.nodes[2].outages[0].restart);
}

TEST(FaultLoaderTest, RestartOfAUserAgentWindowIsRefused) {
  const std::string callers = "  name: \"callers\"\n";
  const std::string text = Edit(ValidTopology(), callers,
                                callers + "  outages { start_s: 1 duration_s: 1 restart: true }\n");
  const LoadError e = ErrorOf(text);
  EXPECT_EQ(e.ToString(), "topo.pbtxt:" + std::to_string(LineOf(text, "restart: true")) +
                              ": nodes[\"callers\"].outages[0].restart: a restart is modelled "
                              "for carrier, sbc and proxy nodes only");
}

struct BadFault {
  const char* name;
  const char* faults;
  const char* at;  // the line the error names
  const char* path;
  const char* message;
};

void PrintTo(const BadFault& c, std::ostream* os) { *os << c.name; }

constexpr BadFault kBadFaults[] = {
    {"NoName", "  faults {  # here\n    start_s: 1\n    duration_s: 1\n  }\n", "# here",
     "experiment.faults[0].name", "a fault needs a name"},
    {"DuplicateName",
     "  faults { name: \"x\" start_s: 1 duration_s: 1 outage { node: \"carrier_a\" } }\n"
     "  faults {  # second\n    name: \"x\"\n    start_s: 5\n    duration_s: 1\n  }\n",
     "name: \"x\"\n    start_s: 5", R"(experiment.faults["x"].name)", "duplicate fault name \"x\""},
    {"NegativeStart",
     "  faults {\n    name: \"f\"\n    start_s: -1\n    duration_s: 5\n"
     "    outage { node: \"carrier_a\" }\n  }\n",
     "start_s: -1", R"(experiment.faults["f"].start_s)",
     "must be >= 0 and <= 1e+08 seconds (got -1)"},
    {"ZeroDuration",
     "  faults {\n    name: \"f\"\n    start_s: 1\n    duration_s: 0\n"
     "    outage { node: \"carrier_a\" }\n  }\n",
     "duration_s: 0", R"(experiment.faults["f"].duration_s)",
     "must be > 0 and <= 1e+08 seconds (got 0)"},
    {"NegativeDuration",
     "  faults {\n    name: \"f\"\n    start_s: 1\n    duration_s: -3\n"
     "    outage { node: \"carrier_a\" }\n  }\n",
     "duration_s: -3", R"(experiment.faults["f"].duration_s)",
     "must be > 0 and <= 1e+08 seconds (got -3)"},
    {"NoKind", "  faults {  # here\n    name: \"f\"\n    start_s: 1\n    duration_s: 1\n  }\n",
     "# here", R"(experiment.faults["f"])",
     "a fault needs a kind: loss_burst, partition or outage"},
    {"UnknownNode",
     "  faults {\n    name: \"f\"\n    start_s: 1\n    duration_s: 1\n"
     "    outage {\n      node: \"carrier_z\"\n    }\n  }\n",
     "node: \"carrier_z\"", R"(experiment.faults["f"].outage.node)", "unknown node \"carrier_z\""},
    {"UnknownLinkEnd",
     "  faults {\n    name: \"f\"\n    start_s: 1\n    duration_s: 1\n"
     "    partition {\n      a: \"sbc1\"\n      b: \"nowhere\"\n    }\n  }\n",
     "b: \"nowhere\"", R"(experiment.faults["f"].partition.b)", "unknown node \"nowhere\""},
    {"NoSuchLink",
     "  faults {\n    name: \"f\"\n    start_s: 1\n    duration_s: 1\n"
     "    loss_burst {\n      a: \"callers\"\n      b: \"carrier_a\"\n      loss: 0.5\n    }\n  "
     "}\n",
     "b: \"carrier_a\"\n      loss: 0.5", R"(experiment.faults["f"].loss_burst.b)",
     "no link joins \"callers\" and \"carrier_a\""},
    {"LossAboveOne",
     "  faults {\n    name: \"f\"\n    start_s: 1\n    duration_s: 1\n"
     "    loss_burst {\n      a: \"sbc1\"\n      b: \"carrier_a\"\n      loss: 1.5\n    }\n  }\n",
     "loss: 1.5", R"(experiment.faults["f"].loss_burst.loss)",
     "must be a probability in [0, 1] (got 1.5)"},
    {"NegativeLoss",
     "  faults {\n    name: \"f\"\n    start_s: 1\n    duration_s: 1\n"
     "    loss_burst {\n      a: \"sbc1\"\n      b: \"carrier_a\"\n      loss: -0.1\n    }\n  }\n",
     "loss: -0.1", R"(experiment.faults["f"].loss_burst.loss)",
     "must be a probability in [0, 1] (got -0.1)"},
    {"RestartOfAUserAgent",
     "  faults {\n    name: \"f\"\n    start_s: 1\n    duration_s: 1\n"
     "    outage {\n      node: \"callers\"\n      restart: true\n    }\n  }\n",
     "restart: true", R"(experiment.faults["f"].outage.restart)",
     "a restart is modelled for carrier, sbc and proxy nodes only (\"callers\" is not one)"},
    {"OverlapOnOneLink",
     "  faults { name: \"a\" start_s: 10 duration_s: 10 partition { a: \"sbc1\" b: \"carrier_a\" } "
     "}\n"
     "  faults {\n    name: \"b\"\n    start_s: 19\n    duration_s: 1\n"
     "    loss_burst { a: \"carrier_a\" b: \"sbc1\" loss: 0.5 }\n  }\n",
     "start_s: 19", R"(experiment.faults["b"].start_s)",
     "overlaps faults[\"a\"] (10 to 20 s) on the same link"},
    {"OverlapOnOneNode",
     "  faults { name: \"a\" start_s: 10 duration_s: 10 outage { node: \"carrier_a\" } }\n"
     "  faults {\n    name: \"b\"\n    start_s: 5\n    duration_s: 6\n"
     "    outage { node: \"carrier_a\" }\n  }\n",
     "start_s: 5", R"(experiment.faults["b"].start_s)",
     "overlaps faults[\"a\"] (10 to 20 s) on the same node"},
};

class BadFaultTest : public ::testing::TestWithParam<BadFault> {};

TEST_P(BadFaultTest, NamesTheLinePathAndProblem) {
  const BadFault& c = GetParam();
  const std::string text = WithFaults(c.faults);
  const LoadError e = ErrorOf(text);
  EXPECT_EQ(e.line, LineOf(text, c.at)) << e.ToString();
  EXPECT_EQ(e.path, c.path);
  EXPECT_EQ(e.message, c.message);
}

INSTANTIATE_TEST_SUITE_P(FaultLoaderTest, BadFaultTest, ::testing::ValuesIn(kBadFaults),
                         [](const auto& p) { return std::string(p.param.name); });

// A fault outage may not overlap its node's own outages either.
TEST(FaultLoaderTest, OutageOverlappingANodeWindowIsRefused) {
  const std::string carrier_a_end = "    dialect: \"custom\"\n  }\n";
  std::string text =
      Edit(ValidTopology(), carrier_a_end,
           carrier_a_end + "  outages {\n    start_s: 10\n    duration_s: 10\n  }\n");
  text = Edit(text, "  seed: 7\n",
              "  seed: 7\n  faults {\n    name: \"f\"\n    start_s: 15\n    duration_s: 10\n"
              "    outage { node: \"carrier_a\" }\n  }\n");
  const LoadError e = ErrorOf(text);
  EXPECT_EQ(e.line, LineOf(text, "start_s: 15"));
  EXPECT_EQ(e.path, R"(experiment.faults["f"].start_s)");
  EXPECT_EQ(e.message, "overlaps an outage of node \"carrier_a\" (10 to 20 s)");
}

}  // namespace
}  // namespace crankback::topologies
