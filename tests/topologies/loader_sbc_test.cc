// Loading an SBC's routing: route order (priority, weighted, least cost), NAP
// CPS caps, the route-retry timeout with its minimum call state, and the
// redirect limit; and the exact error for each kind of bad value.
#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "tests/topologies/test_topology.h"
#include "topologies/loader.h"

namespace crankback::topologies {
namespace {

using namespace test_topology;

constexpr const char* kIngress = R"(      routes { nap: "to_a" }
      routes { nap: "to_b" }
)";

// The valid topology with `routing` in place of the ingress NAP's routes.
std::string WithRouting(const std::string& routing) {
  return Edit(ValidTopology(), kIngress, routing);
}

const nodes::SbcParams& SbcOf(const Study& s) {
  return std::get<nodes::SbcParams>(s.scenario.nodes[1].kind);
}

TEST(LoaderSbc, RoutingFieldsLoadIntoTheNapParams) {
  const std::string text =
      WithRouting(R"(      routes { nap: "to_a" weight: 3 cost_per_minute: 0.012 }
      routes { nap: "to_b" }
      route_selection: WEIGHTED
      cps: 20
      route_retry_timeout_s: 4.5
      min_call_state: PROGRESS_183
)");
  Loaded<Study> loaded = LoadStudy(text, kDisplayName);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  const nodes::NapParams& nap = SbcOf(loaded.value()).naps[0];
  ASSERT_EQ(nap.routes.size(), 2u);
  EXPECT_EQ(nap.routes[0].nap, 1u);
  EXPECT_EQ(nap.routes[0].weight, 3);
  EXPECT_EQ(nap.routes[0].cost_per_minute, 0.012);
  EXPECT_EQ(nap.routes[1].weight, 1);  // the default
  EXPECT_EQ(nap.selection, nodes::RouteSelection::kWeighted);
  EXPECT_EQ(nap.cps, 20);
  EXPECT_EQ(nap.cps_burst, 20);  // default max(1, cps)
  EXPECT_EQ(nap.route_retry_timeout, sim::Duration::Millis(4500));
  EXPECT_EQ(nap.min_call_state, nodes::CallState::kProgress);
  EXPECT_EQ(SbcOf(loaded.value()).max_redirects, 3);
}

TEST(LoaderSbc, DefaultsAreUnlimitedPriorityWithoutTimer) {
  Loaded<Study> loaded = LoadStudy(ValidTopology(), kDisplayName);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  const nodes::NapParams& nap = SbcOf(loaded.value()).naps[0];
  EXPECT_EQ(nap.selection, nodes::RouteSelection::kPriority);
  EXPECT_EQ(nap.cps, 0);
  EXPECT_EQ(nap.route_retry_timeout, sim::Duration());
  EXPECT_EQ(nap.min_call_state, nodes::CallState::kRinging);
}

TEST(LoaderSbc, ErrorNamesFileLinePathAndProblem) {
  const std::string text = WithRouting(std::string(kIngress) + "      cps: -1\n");
  EXPECT_EQ(ErrorOf(text).ToString(),
            "topo.pbtxt:" + std::to_string(LineOf(text, "cps: -1")) +
                ": nodes[\"sbc1\"].sbc.naps[\"from_callers\"].cps: must be in 0..1e+06 (0 = "
                "unlimited; got -1)");
}

struct BadRouting {
  const char* name;
  const char* routing;  // replaces the ingress NAP's routes
  const char* at;       // the line the error names
  const char* path;
  const char* message;
};

void PrintTo(const BadRouting& c, std::ostream* os) { *os << c.name; }

#define NAP R"(nodes["sbc1"].sbc.naps["from_callers"])"

constexpr BadRouting kBad[] = {
    {"ZeroWeight", "      routes { nap: \"to_a\"\n weight: 0 }\n", "weight: 0",
     NAP ".routes[0].weight", "must be > 0 and <= 1e+06 (got 0)"},
    {"NegativeWeight", "      routes { nap: \"to_a\"\n weight: -2 }\n", "weight: -2",
     NAP ".routes[0].weight", "must be > 0 and <= 1e+06 (got -2)"},
    {"NegativeCost", "      routes { nap: \"to_a\"\n cost_per_minute: -0.1 }\n",
     "cost_per_minute: -0.1", NAP ".routes[0].cost_per_minute", "must be in 0..1e+06 (got -0.1)"},
    {"NanCost", "      routes { nap: \"to_a\"\n cost_per_minute: nan }\n", "cost_per_minute: nan",
     NAP ".routes[0].cost_per_minute", "must be in 0..1e+06 (got nan)"},
    {"AbsurdCps", "      routes { nap: \"to_a\" }\n      cps: 1e9\n", "cps: 1e9", NAP ".cps",
     "must be in 0..1e+06 (0 = unlimited; got 1e+09)"},
    {"BurstBelowOne", "      routes { nap: \"to_a\" }\n      cps: 5\n      cps_burst: 0.5\n",
     "cps_burst: 0.5", NAP ".cps_burst", "must be in 1..1e+06 attempts (got 0.5)"},
    {"BurstWithoutCap", "      routes { nap: \"to_a\" }\n      cps_burst: 4\n", "cps_burst: 4",
     NAP ".cps_burst", "needs a cps cap"},
    {"UnknownSelection", "      routes { nap: \"to_a\" }\n      route_selection: 7\n",
     "route_selection: 7", NAP ".route_selection", "unknown route selection 7"},
    {"NegativeRetry", "      routes { nap: \"to_a\" }\n      route_retry_timeout_s: -1\n",
     "route_retry_timeout_s: -1", NAP ".route_retry_timeout_s",
     "must be in 0..3600 seconds (0 = none; got -1)"},
    {"AbsurdRetry", "      routes { nap: \"to_a\" }\n      route_retry_timeout_s: 1e7\n",
     "route_retry_timeout_s: 1e7", NAP ".route_retry_timeout_s",
     "must be in 0..3600 seconds (0 = none; got 1e+07)"},
    {"StateWithoutTimer", "      routes { nap: \"to_a\" }\n      min_call_state: RINGING_180\n",
     "min_call_state: RINGING_180", NAP ".min_call_state", "needs route_retry_timeout_s"},
    {"UnknownState",
     "      routes { nap: \"to_a\" }\n      route_retry_timeout_s: 3\n      min_call_state: 9\n",
     "min_call_state: 9", NAP ".min_call_state", "unknown call state 9"},
};

#undef NAP

class BadRoutingTest : public ::testing::TestWithParam<BadRouting> {};

TEST_P(BadRoutingTest, NamesTheLinePathAndProblem) {
  const BadRouting& c = GetParam();
  const std::string text = WithRouting(c.routing);
  const LoadError e = ErrorOf(text);
  EXPECT_EQ(e.line, LineOf(text, c.at));
  EXPECT_EQ(e.path, c.path);
  EXPECT_EQ(e.message, c.message);
}

INSTANTIATE_TEST_SUITE_P(LoaderSbc, BadRoutingTest, ::testing::ValuesIn(kBad),
                         [](const auto& p) { return std::string(p.param.name); });

TEST(LoaderSbc, MaxRedirectsOutOfRange) {
  const std::string text = Edit(ValidTopology(), "  sbc {\n", "  sbc {\n    max_redirects: 11\n");
  const LoadError e = ErrorOf(text);
  EXPECT_EQ(e.line, LineOf(text, "max_redirects: 11"));
  EXPECT_EQ(e.path, R"(nodes["sbc1"].sbc.max_redirects)");
  EXPECT_EQ(e.message, "must be in 0..10 (got 11)");
}

}  // namespace
}  // namespace crankback::topologies
