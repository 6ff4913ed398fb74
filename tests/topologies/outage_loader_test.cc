// Node outages in the input (sip-semantics N3, N4): each window is checked
// (start >= 0, duration > 0 and finite, no overlap within a node) with the
// line and field path of the bad value, and a valid one reaches the run.
#include <gtest/gtest.h>

#include <string>

#include "tests/topologies/test_topology.h"
#include "topologies/loader.h"

namespace crankback::topologies {
namespace {

using namespace test_topology;

// The valid topology with `outages` (text) on carrier_a.
std::string WithOutages(const std::string& outages) {
  const std::string carrier_a_end = "    dialect: \"custom\"\n  }\n";
  return Edit(ValidTopology(), carrier_a_end, carrier_a_end + outages);
}

constexpr const char* kTwoWindows = R"(  outages {
    start_s: 10
    duration_s: 10
  }
  outages {
    start_s: 20
    duration_s: 5.5
    tcp_mode: BLACKHOLE
    udp_icmp_unreachable: true
  }
)";

TEST(OutageLoaderTest, WindowsLoadIntoTheNodeParams) {
  const Loaded<Study> loaded = LoadStudy(WithOutages(kTwoWindows), kDisplayName);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  const auto& nodes = loaded.value().scenario.nodes;
  ASSERT_EQ(nodes.size(), 4u);
  EXPECT_TRUE(nodes[1].outages.empty());
  const std::vector<sip::Outage>& w = nodes[2].outages;  // carrier_a
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].start, sim::SimTime::Zero() + sim::Duration::Seconds(10));
  EXPECT_EQ(w[0].duration, sim::Duration::Seconds(10));
  EXPECT_EQ(w[0].tcp_mode, sip::OutageMode::kRefuse);  // the default
  EXPECT_FALSE(w[0].udp_icmp_unreachable);
  EXPECT_EQ(w[1].start, w[0].end());  // windows are half-open: touching is no overlap
  EXPECT_EQ(w[1].duration, sim::Duration::Millis(5500));
  EXPECT_EQ(w[1].tcp_mode, sip::OutageMode::kBlackhole);
  EXPECT_TRUE(w[1].udp_icmp_unreachable);
}

TEST(OutageLoaderTest, ErrorNamesFileLinePathAndProblem) {
  const std::string text = WithOutages("  outages {\n    start_s: 1\n    duration_s: 0\n  }\n");
  const LoadError e = ErrorOf(text);
  EXPECT_EQ(e.ToString(), "topo.pbtxt:" + std::to_string(LineOf(text, "duration_s: 0")) +
                              ": nodes[\"carrier_a\"].outages[0].duration_s: must be > 0 and "
                              "<= 1e+08 seconds (got 0)");
}

struct BadOutage {
  const char* name;
  const char* outages;
  const char* at;  // the line the error names
  const char* path;
  const char* message;
};

void PrintTo(const BadOutage& c, std::ostream* os) { *os << c.name; }

constexpr BadOutage kBadOutages[] = {
    {"NegativeStart", "  outages {\n    start_s: -1\n    duration_s: 5\n  }\n", "start_s: -1",
     R"(nodes["carrier_a"].outages[0].start_s)", "must be >= 0 and <= 1e+08 seconds (got -1)"},
    {"InfiniteStart", "  outages {\n    start_s: inf\n    duration_s: 5\n  }\n", "start_s: inf",
     R"(nodes["carrier_a"].outages[0].start_s)", "must be >= 0 and <= 1e+08 seconds (got inf)"},
    {"ZeroDuration", "  outages {\n    start_s: 1\n    duration_s: 0\n  }\n", "duration_s: 0",
     R"(nodes["carrier_a"].outages[0].duration_s)", "must be > 0 and <= 1e+08 seconds (got 0)"},
    {"MissingDuration", "  outages {  # no duration\n    start_s: 1\n  }\n", "# no duration",
     R"(nodes["carrier_a"].outages[0].duration_s)", "must be > 0 and <= 1e+08 seconds (got 0)"},
    {"NegativeDuration", "  outages {\n    start_s: 1\n    duration_s: -2\n  }\n", "duration_s: -2",
     R"(nodes["carrier_a"].outages[0].duration_s)", "must be > 0 and <= 1e+08 seconds (got -2)"},
    {"NanDuration", "  outages {\n    start_s: 1\n    duration_s: nan\n  }\n", "duration_s: nan",
     R"(nodes["carrier_a"].outages[0].duration_s)", "must be > 0 and <= 1e+08 seconds (got nan)"},
    {"InfiniteDuration", "  outages {\n    start_s: 1\n    duration_s: inf\n  }\n",
     "duration_s: inf", R"(nodes["carrier_a"].outages[0].duration_s)",
     "must be > 0 and <= 1e+08 seconds (got inf)"},
    // The later-starting window of an overlapping pair is named, whatever the file order.
    {"Overlap",
     "  outages {\n    start_s: 10\n    duration_s: 10\n  }\n"
     "  outages {  # second\n    start_s: 19.5\n    duration_s: 1\n  }\n",
     "# second", R"(nodes["carrier_a"].outages[1])", "overlaps outages[0] (10 to 20 s)"},
    {"OverlapOutOfOrder",
     "  outages {  # first\n    start_s: 15\n    duration_s: 1\n  }\n"
     "  outages {\n    start_s: 10\n    duration_s: 10\n  }\n",
     "# first", R"(nodes["carrier_a"].outages[0])", "overlaps outages[1] (10 to 20 s)"},
    {"SameStart",
     "  outages {\n    start_s: 3\n    duration_s: 1\n  }\n"
     "  outages {  # second\n    start_s: 3\n    duration_s: 2\n  }\n",
     "# second", R"(nodes["carrier_a"].outages[1])", "overlaps outages[0] (3 to 4 s)"},
};

class BadOutageTest : public ::testing::TestWithParam<BadOutage> {};

TEST_P(BadOutageTest, NamesTheLinePathAndProblem) {
  const BadOutage& c = GetParam();
  const std::string text = WithOutages(c.outages);
  const LoadError e = ErrorOf(text);
  EXPECT_EQ(e.line, LineOf(text, c.at));
  EXPECT_EQ(e.path, c.path);
  EXPECT_EQ(e.message, c.message);
}

INSTANTIATE_TEST_SUITE_P(OutageLoaderTest, BadOutageTest, ::testing::ValuesIn(kBadOutages),
                         [](const auto& p) { return std::string(p.param.name); });

// N3 end to end: carrier_a is down for the whole run and answers UDP with ICMP
// unreachable, so every call fails over to carrier_b at once (503, advanced on
// by the "advance-on-5xx" policy) and none reaches carrier_a.
TEST(OutageLoaderTest, OutagesReachTheRun) {
  const Loaded<Study> loaded = LoadStudy(
      WithOutages("  outages {\n    start_s: 0\n    duration_s: 1000\n    udp_icmp_unreachable: "
                  "true\n  }\n"),
      kDisplayName);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  const Study& study = loaded.value();
  const models::RunSpec spec{7, 0, sim::SimTime::Zero() + sim::Duration::Seconds(300),
                             sim::SimTime::Zero()};
  const models::RunResult run = models::RunSimulation(study.scenario, study.policies.at(0), spec);
  ASSERT_TRUE(run.violations.empty()) << run.violations.front();
  ASSERT_GT(run.metrics.attempts(), 100u);
  EXPECT_EQ(run.nodes[2].counters.invites, 0u);  // carrier_a
  EXPECT_EQ(run.nodes[3].counters.invites, run.metrics.attempts());
  EXPECT_EQ(run.transport.refused, run.metrics.attempts());
}

}  // namespace
}  // namespace crankback::topologies
