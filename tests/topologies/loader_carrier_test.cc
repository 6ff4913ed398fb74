// The carrier's input: trunk groups, call rate caps, processing delay, number
// ranges and the maximum call duration load into CarrierParams (trunk group
// peers resolved, each destination's longest range found), and each class of
// bad value is reported with its line, field path and an exact message.
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "models/simulation.h"
#include "tests/topologies/test_topology.h"
#include "topologies/loader.h"

namespace crankback::topologies {
namespace {

using namespace test_topology;

// The valid topology with `fields` added to carrier_a's carrier message.
std::string WithCarrier(const std::string& fields) {
  const std::string anchor = "    dialect: \"custom\"\n";
  return Edit(ValidTopology(), anchor, anchor + fields);
}

// ... and with these numbers dialled: destinations 0..5.
std::string WithNumbers(std::string text) {
  const std::string anchor = "  holding_time { exponential_mean_s: 20 }\n";
  return Edit(std::move(text), anchor,
              anchor +
                  "  destinations { number: \"4420123\" }\n"
                  "  destinations { number: \"4421\" }\n"
                  "  destinations { number: \"33\" }\n"
                  "  destinations { number: \"99\" }\n"
                  "  destinations { number: \"4470\" }\n"
                  "  destinations { number: \"44\" }\n");
}

constexpr const char* kFullCarrier = R"(    cps: 7
    cps_burst: 14
    max_call_duration_s: 7200
    processing_delay { deterministic_s: 0.25 }
    ring_time { deterministic_s: 3 }
    no_answer_timeout_s: 45
    prefixes: "33"
    trunk_groups {
      name: "from_sbc"
      peers: "sbc1"
      max_sessions: 3
      cps: 2
      cps_burst: 4
    }
)";

constexpr const char* kRanges = R"(    ranges {
      prefix: "44"
      busy_probability: 0.5
    }
    ranges {
      prefix: "4420"
      silent: true
      no_answer_timeout_s: 0
    }
    ranges {
      prefix: "447"
      unallocated: true
    }
)";

const nodes::CarrierParams& CarrierA(const Study& s) {
  return std::get<nodes::CarrierParams>(s.scenario.nodes.at(2).kind);
}

TEST(LoaderCarrier, EveryFieldLoadsIntoTheParams) {
  const Loaded<Study> loaded =
      LoadStudy(WithNumbers(WithCarrier(std::string(kFullCarrier) + kRanges)), kDisplayName);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  const nodes::CarrierParams& c = CarrierA(loaded.value());
  EXPECT_EQ(c.max_sessions, 5u);
  EXPECT_EQ(c.cps, 7);
  EXPECT_EQ(c.cps_burst, 14);
  EXPECT_EQ(c.max_call_duration, sim::Duration::Seconds(7200));
  ASSERT_TRUE(c.processing_delay.has_value());
  EXPECT_EQ(c.processing_delay->Mean(), 0.25);
  ASSERT_EQ(c.trunk_groups.size(), 1u);
  EXPECT_EQ(c.trunk_groups[0].name, "from_sbc");
  EXPECT_EQ(c.trunk_groups[0].peers, std::vector<sim::NodeId>{1});  // sbc1
  EXPECT_EQ(c.trunk_groups[0].max_sessions, 3u);
  EXPECT_EQ(c.trunk_groups[0].cps, 2);
  EXPECT_EQ(c.trunk_groups[0].cps_burst, 4);

  using Kind = nodes::CalleeBehaviour::Kind;
  ASSERT_EQ(c.ranges.size(), 3u);
  // A field a range leaves out is the carrier-level one.
  EXPECT_EQ(c.ranges[0].prefix, "44");
  EXPECT_EQ(c.ranges[0].callees.kind, Kind::kCallees);
  EXPECT_EQ(c.ranges[0].callees.busy_probability, 0.5);
  EXPECT_EQ(c.ranges[0].callees.ring_time.Mean(), 3);
  EXPECT_EQ(c.ranges[0].callees.no_answer_timeout, sim::Duration::Seconds(45));
  EXPECT_EQ(c.ranges[1].callees.kind, Kind::kSilent);
  EXPECT_EQ(c.ranges[1].callees.no_answer_timeout, sim::Duration());
  EXPECT_EQ(c.ranges[2].callees.kind, Kind::kUnallocated);

  // 4420123 -> "4420", 4421 -> "44", 33 and 99 -> none, 4470 -> "447", 44 -> "44";
  // of the numbers in no range only 33 is in `prefixes`.
  const int32_t none = nodes::CarrierParams::kNoRange;
  EXPECT_EQ(c.destination_range, (std::vector<int32_t>{1, 0, none, none, 2, 0}));
  EXPECT_EQ(c.serves, (std::vector<bool>{false, false, true, false, false, false}));
  // carrier_b has neither ranges nor prefixes: it serves every number by default.
  const auto& b = std::get<nodes::CarrierParams>(loaded.value().scenario.nodes.at(3).kind);
  EXPECT_TRUE(b.destination_range.empty());
  EXPECT_TRUE(b.serves.empty());
  EXPECT_TRUE(b.trunk_groups.empty());
  EXPECT_FALSE(b.processing_delay.has_value());
  EXPECT_EQ(b.max_call_duration, sim::Duration());
}

// The loaded carrier runs: every number dialled meets its range (the silent
// "4420" range has no timer, but the SBC's advance-on-everything policy and
// the callers' patience end those calls), and nothing is left held.
TEST(LoaderCarrier, LoadedCarrierRuns) {
  std::string text = WithNumbers(WithCarrier(std::string(kFullCarrier) + kRanges));
  text = Edit(text, "  holding_time { exponential_mean_s: 20 }\n",
              "  holding_time { exponential_mean_s: 20 }\n  patience { deterministic_s: 30 }\n");
  const Loaded<Study> loaded = LoadStudy(text, kDisplayName);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  const Study& study = loaded.value();
  const models::RunSpec spec{study.experiment.seed, 0,
                             sim::SimTime::Zero() + sim::Duration::Seconds(300),
                             sim::SimTime::Zero()};
  const models::RunResult run = models::RunSimulation(study.scenario, study.policies.back(), spec);
  EXPECT_TRUE(run.violations.empty()) << run.violations.front();
  const nodes::NodeCounters& a = run.nodes.at(2).counters;
  EXPECT_GT(a.invites, 50u);
  EXPECT_GT(a.rejections, 0u);  // busy in "44", unallocated "447", "99"
  EXPECT_GT(a.answered, 0u);    // "33"
  EXPECT_EQ(a.hung_channels, 0u);
}

// The longest prefix wins whatever the order of the ranges in the file.
TEST(LoaderCarrier, LongestPrefixWinsInAnyOrder) {
  const std::string reversed = R"(    ranges {
      prefix: "447"
      unallocated: true
    }
    ranges {
      prefix: "4420"
      silent: true
    }
    ranges {
      prefix: "44"
      busy_probability: 0.5
    }
)";
  const Loaded<Study> loaded = LoadStudy(WithNumbers(WithCarrier(reversed)), kDisplayName);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  const nodes::CarrierParams& c = CarrierA(loaded.value());
  std::vector<std::string> chosen;
  for (int32_t r : c.destination_range) chosen.push_back(r < 0 ? "-" : c.ranges[r].prefix);
  EXPECT_EQ(chosen, (std::vector<std::string>{"4420", "44", "-", "-", "447", "44"}));
  EXPECT_TRUE(c.serves.empty());  // no `prefixes`: numbers in no range are served
}

TEST(LoaderCarrier, ErrorIsOneLineWithFileLinePathAndMessage) {
  const std::string text = WithCarrier("    cps: -1\n");
  EXPECT_EQ(ErrorOf(text).ToString(),
            "topo.pbtxt:" + std::to_string(LineOf(text, "cps: -1")) +
                ": nodes[\"carrier_a\"].carrier.cps: must be in 0..1e+06 (0 = unlimited; got -1)");
}

struct BadCarrier {
  const char* name;
  const char* fields;  // added to carrier_a's carrier message
  const char* at;      // the line the error names
  const char* path;
  const char* message;
};

void PrintTo(const BadCarrier& c, std::ostream* os) { *os << c.name; }

#define CARRIER R"(nodes["carrier_a"].carrier.)"

constexpr BadCarrier kBadCarriers[] = {
    // Call rate caps.
    {"NegativeCps", "    cps: -1\n", "cps: -1", CARRIER "cps",
     "must be in 0..1e+06 (0 = unlimited; got -1)"},
    {"NanCps", "    cps: nan\n", "cps: nan", CARRIER "cps",
     "must be in 0..1e+06 (0 = unlimited; got nan)"},
    {"AbsurdCps", "    cps: 1e7\n", "cps: 1e7", CARRIER "cps",
     "must be in 0..1e+06 (0 = unlimited; got 1e+07)"},
    {"BurstBelowOne", "    cps: 5\n    cps_burst: 0.5\n", "cps_burst: 0.5", CARRIER "cps_burst",
     "must be in 1..1e+06 attempts (got 0.5)"},
    {"NegativeBurst", "    cps: 5\n    cps_burst: -2\n", "cps_burst: -2", CARRIER "cps_burst",
     "must be in 1..1e+06 attempts (got -2)"},
    {"BurstWithoutCps", "    cps_burst: 3\n", "cps_burst: 3", CARRIER "cps_burst",
     "needs a cps cap"},
    // Trunk groups.
    {"TrunkGroupWithoutName", "    trunk_groups {  # here\n      peers: \"sbc1\"\n    }\n",
     "# here", CARRIER "trunk_groups[0].name", "a trunk group needs a name"},
    {"DuplicateTrunkGroupName",
     "    trunk_groups {\n      name: \"tg\"\n      peers: \"sbc1\"\n    }\n"
     "    trunk_groups {\n      name: \"tg\"  # again\n      peers: \"sbc1\"\n    }\n",
     "# again", CARRIER R"(trunk_groups["tg"].name)", R"(duplicate trunk group name "tg")"},
    {"TrunkGroupWithoutPeers", "    trunk_groups {  # here\n      name: \"tg\"\n    }\n", "# here",
     CARRIER R"(trunk_groups["tg"].peers)", "a trunk group needs a peer"},
    {"UnknownPeerInTrunkGroup",
     "    trunk_groups {\n      name: \"tg\"\n      peers: \"nobody\"\n    }\n",
     R"(peers: "nobody")", CARRIER R"(trunk_groups["tg"].peers[0])", R"(unknown node "nobody")"},
    {"TrunkGroupPeerWithoutLink",
     "    trunk_groups {\n      name: \"tg\"\n      peers: \"callers\"\n    }\n",
     R"(peers: "callers")", CARRIER R"(trunk_groups["tg"].peers[0])",
     R"(no link joins "carrier_a" and "callers")"},
    {"TrunkGroupPeerIsTheCarrier",
     "    trunk_groups {\n      name: \"tg\"\n      peers: \"carrier_a\"\n    }\n",
     R"(peers: "carrier_a")", CARRIER R"(trunk_groups["tg"].peers[0])",
     "a trunk group's peer is another node"},
    {"PeerInTwoTrunkGroups",
     "    trunk_groups {\n      name: \"tg1\"\n      peers: \"sbc1\"\n    }\n"
     "    trunk_groups {\n      name: \"tg2\"\n      peers: \"sbc1\"  # again\n    }\n",
     "# again", CARRIER R"(trunk_groups["tg2"].peers[0])",
     R"("sbc1" is already in trunk group "tg1")"},
    {"NegativeTrunkGroupMaxSessions",
     "    trunk_groups {\n      name: \"tg\"\n      peers: \"sbc1\"\n      max_sessions: -4\n    "
     "}\n",
     "max_sessions: -4", CARRIER R"(trunk_groups["tg"].max_sessions)",
     "must be in 0..10000000 (0 = unlimited; got -4)"},
    {"NegativeTrunkGroupCps",
     "    trunk_groups {\n      name: \"tg\"\n      peers: \"sbc1\"\n      cps: -0.5\n    }\n",
     "cps: -0.5", CARRIER R"(trunk_groups["tg"].cps)",
     "must be in 0..1e+06 (0 = unlimited; got -0.5)"},
    {"TrunkGroupBurstBelowOne",
     "    trunk_groups {\n      name: \"tg\"\n      peers: \"sbc1\"\n      cps: 3\n"
     "      cps_burst: 0.9\n    }\n",
     "cps_burst: 0.9", CARRIER R"(trunk_groups["tg"].cps_burst)",
     "must be in 1..1e+06 attempts (got 0.9)"},
    // Processing delay and maximum call duration.
    {"NegativeProcessingDelay", "    processing_delay { deterministic_s: -1 }\n",
     "processing_delay { deterministic_s: -1 }", CARRIER "processing_delay.deterministic_s",
     "must be >= 0 seconds (got -1)"},
    {"NegativeMaxCallDuration", "    max_call_duration_s: -1\n", "max_call_duration_s: -1",
     CARRIER "max_call_duration_s", "must be in 0..604800 seconds (0 = none; got -1)"},
    {"AbsurdMaxCallDuration", "    max_call_duration_s: 1e9\n", "max_call_duration_s: 1e9",
     CARRIER "max_call_duration_s", "must be in 0..604800 seconds (0 = none; got 1e+09)"},
    {"InfiniteMaxCallDuration", "    max_call_duration_s: inf\n", "max_call_duration_s: inf",
     CARRIER "max_call_duration_s", "must be in 0..604800 seconds (0 = none; got inf)"},
    // Carrier-level callee fields and prefixes.
    {"CarrierBusyProbabilityAboveOne", "    busy_probability: 2\n", "busy_probability: 2",
     CARRIER "busy_probability", "must be a probability in [0, 1] (got 2)"},
    {"EmptyServedPrefix", "    prefixes: \"\"\n", R"(prefixes: "")", CARRIER "prefixes[0]",
     "must not be empty"},
    // Number ranges.
    {"EmptyRangePrefix", "    ranges {  # here\n      busy_probability: 0.5\n    }\n", "# here",
     CARRIER "ranges[0].prefix", "a range needs a prefix"},
    {"StarRangePrefix", "    ranges {\n      prefix: \"*\"\n    }\n", R"(prefix: "*")",
     CARRIER R"(ranges["*"].prefix)",
     R"("*" would hold every number: set the carrier-level callee fields instead)"},
    {"DuplicateRangePrefix",
     "    ranges {\n      prefix: \"44\"\n    }\n    ranges {\n      prefix: \"44\"  # again\n    "
     "}\n",
     "# again", CARRIER R"(ranges["44"].prefix)", R"(duplicate prefix "44" (ranges[0] has it))"},
    {"RangeBusyProbabilityAboveOne",
     "    ranges {\n      prefix: \"44\"\n      busy_probability: 1.5\n    }\n",
     "busy_probability: 1.5", CARRIER R"(ranges["44"].busy_probability)",
     "must be a probability in [0, 1] (got 1.5)"},
    {"RangeNegativeDeclineProbability",
     "    ranges {\n      prefix: \"44\"\n      decline_probability: -0.1\n    }\n",
     "decline_probability: -0.1", CARRIER R"(ranges["44"].decline_probability)",
     "must be a probability in [0, 1] (got -0.1)"},
    {"RangeNanAnswerProbability",
     "    ranges {\n      prefix: \"44\"\n      answer_probability: nan\n    }\n",
     "answer_probability: nan", CARRIER R"(ranges["44"].answer_probability)",
     "must be a probability in [0, 1] (got nan)"},
    {"RangeBusyPlusDeclineAboveOne",
     "    ranges {\n      prefix: \"44\"\n      busy_probability: 0.6\n"
     "      decline_probability: 0.5\n    }\n",
     "decline_probability: 0.5", CARRIER R"(ranges["44"].decline_probability)",
     "busy_probability + decline_probability must be <= 1"},
    // The range's decline and the carrier-level busy share add up too.
    {"RangeDeclinePlusCarrierBusyAboveOne",
     "    busy_probability: 0.7\n    ranges {\n      prefix: \"44\"\n"
     "      decline_probability: 0.4\n    }\n",
     "decline_probability: 0.4", CARRIER R"(ranges["44"].decline_probability)",
     "busy_probability + decline_probability must be <= 1"},
    {"RangeUnansweredWithoutTimer",
     "    ranges {\n      prefix: \"44\"\n      answer_probability: 0.5\n"
     "      no_answer_timeout_s: 0\n    }\n",
     "no_answer_timeout_s: 0", CARRIER R"(ranges["44"].no_answer_timeout_s)",
     "unanswered calls need a no-answer timer when answer_probability < 1"},
    {"RangeNegativeNoAnswerTimeout",
     "    ranges {\n      prefix: \"44\"\n      no_answer_timeout_s: -3\n    }\n",
     "no_answer_timeout_s: -3", CARRIER R"(ranges["44"].no_answer_timeout_s)",
     "must be in 0..86400 seconds (0 = none; got -3)"},
    {"RangeUnallocatedAndSilent",
     "    ranges {\n      prefix: \"44\"\n      unallocated: true\n      silent: true\n    }\n",
     "silent: true", CARRIER R"(ranges["44"].silent)",
     "a range is unallocated or silent, not both"},
    {"SilentRangeWithABusyProbability",
     "    ranges {\n      prefix: \"44\"\n      silent: true\n      busy_probability: 0.1\n    }\n",
     "busy_probability: 0.1", CARRIER R"(ranges["44"].busy_probability)",
     "means nothing in a range that is silent"},
    {"UnallocatedRangeWithANoAnswerTimer",
     "    ranges {\n      prefix: \"44\"\n      unallocated: true\n"
     "      no_answer_timeout_s: 20\n    }\n",
     "no_answer_timeout_s: 20", CARRIER R"(ranges["44"].no_answer_timeout_s)",
     "means nothing in a range that is unallocated"},
    {"RangeNegativeRingTime",
     "    ranges {\n      prefix: \"44\"\n      ring_time { deterministic_s: -2 }\n    }\n",
     "ring_time { deterministic_s: -2 }", CARRIER R"(ranges["44"].ring_time.deterministic_s)",
     "must be >= 0 seconds (got -2)"},
};

#undef CARRIER

class BadCarrierTest : public ::testing::TestWithParam<BadCarrier> {};

TEST_P(BadCarrierTest, NamesTheLinePathAndExactProblem) {
  const BadCarrier& c = GetParam();
  const std::string text = WithCarrier(c.fields);
  const LoadError e = ErrorOf(text);
  EXPECT_EQ(e.line, LineOf(text, c.at));
  EXPECT_EQ(e.path, c.path);
  EXPECT_EQ(e.message, c.message);
  EXPECT_EQ(e.ToString().find('\n'), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(LoaderCarrier, BadCarrierTest, ::testing::ValuesIn(kBadCarriers),
                         [](const auto& p) { return std::string(p.param.name); });

// Values at the edges of their ranges load.
TEST(LoaderCarrier, BoundaryValuesLoad) {
  for (const char* fields :
       {"    cps: 0\n", "    cps: 1e6\n    cps_burst: 1\n", "    cps: 0.5\n    cps_burst: 1e6\n",
        "    max_call_duration_s: 0\n", "    max_call_duration_s: 604800\n",
        "    ranges {\n      prefix: \"44\"\n      busy_probability: 1\n    }\n",
        "    ranges {\n      prefix: \"44\"\n      silent: true\n      no_answer_timeout_s: "
        "86400\n    }\n"}) {
    SCOPED_TRACE(fields);
    const Loaded<Study> loaded = LoadStudy(WithCarrier(fields), kDisplayName);
    EXPECT_TRUE(loaded.ok()) << loaded.error().ToString();
  }
}

}  // namespace
}  // namespace crankback::topologies
