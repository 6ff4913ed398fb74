// Loading traffic over time, callers' redial and the demand matrix: the values
// reach TrafficParams (the matrix's rows become the listed sources' rates and
// destination weights), and each bad value is reported with the line, the
// field path and an exact message.
#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "tests/topologies/test_topology.h"
#include "topologies/loader.h"

namespace crankback::topologies {
namespace {

using namespace test_topology;

constexpr const char* kProfile = R"(  profile {
    period_s: 86400
    segments {
      start_s: 0
      multiplier: 0.2
    }
    segments {
      start_s: 32400
      multiplier: 1.5
    }
    segments {
      start_s: 64800
      multiplier: 0.6
    }
  }
)";

constexpr const char* kFlashAndRedial = R"(  flash_crowds {
    start_s: 100
    duration_s: 60
    multiplier: 3
  }
  redial {
    probability: 0.7
    delay { exponential_mean_s: 30 }
    max_redials: 2
    codes: 486
    codes: 503
  }
)";

constexpr const char* kHolding = "  holding_time { exponential_mean_s: 20 }\n";

// The valid topology whose source has a daily profile, a flash crowd and redial.
std::string ShapedTopology() {
  return Edit(ValidTopology(), kHolding, std::string(kHolding) + kProfile + kFlashAndRedial);
}

// Two more sources from the same callers, their rates and numbers set by the
// demand matrix; busy_hour keeps its own.
constexpr const char* kDemandSources = R"(traffic {
  name: "night"
  origin: "callers"
  via: "sbc1"
  holding_time { exponential_mean_s: 60 }
}
traffic {
  name: "evening"
  origin: "callers"
  via: "sbc1"
  holding_time { exponential_mean_s: 90 }
}
demand {
  origins: "night"
  origins: "evening"
  destinations: "1555"
  destinations: "1666"
  destinations: "44"
  calls_per_second: 1
  calls_per_second: 0
  calls_per_second: 0.5
  calls_per_second: 0.25
  calls_per_second: 2
  calls_per_second: 0.125
}
)";

std::string DemandTopology() {
  return std::string(kNodes) + kLinks + kDialects + kTraffic + kDemandSources + kPolicies +
         kExperiment;
}

TEST(LoaderTrafficTest, ProfileFlashCrowdsAndRedialLoad) {
  const Loaded<Study> loaded = LoadStudy(ShapedTopology(), kDisplayName);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  const nodes::TrafficParams& t = loaded.value().scenario.traffic[0];
  EXPECT_DOUBLE_EQ(t.calls_per_second, 0.5);
  EXPECT_DOUBLE_EQ(t.profile.period_s, 86400);
  ASSERT_EQ(t.profile.segments.size(), 3u);
  EXPECT_DOUBLE_EQ(t.profile.segments[1].start_s, 32400);
  EXPECT_DOUBLE_EQ(t.profile.segments[1].multiplier, 1.5);
  EXPECT_DOUBLE_EQ(t.profile.segments[2].multiplier, 0.6);
  ASSERT_EQ(t.flash_crowds.size(), 1u);
  EXPECT_DOUBLE_EQ(t.flash_crowds[0].start_s, 100);
  EXPECT_DOUBLE_EQ(t.flash_crowds[0].duration_s, 60);
  EXPECT_DOUBLE_EQ(t.flash_crowds[0].multiplier, 3);
  ASSERT_TRUE(t.redial.has_value());
  EXPECT_DOUBLE_EQ(t.redial->probability, 0.7);
  EXPECT_DOUBLE_EQ(t.redial->delay.Mean(), 30);
  EXPECT_EQ(t.redial->max_redials, 2u);
  EXPECT_EQ(t.redial->codes, (std::vector<int>{486, 503}));
}

TEST(LoaderTrafficTest, WithoutThemTheSourceIsPlainPoisson) {
  std::string text = Edit(ShapedTopology(), "    max_redials: 2\n", "");
  text = Edit(text, "    codes: 486\n    codes: 503\n", "");
  const Loaded<Study> defaults = LoadStudy(text, kDisplayName);
  ASSERT_TRUE(defaults.ok()) << defaults.error().ToString();
  EXPECT_EQ(defaults.value().scenario.traffic[0].redial->max_redials, 3u);  // the default
  EXPECT_TRUE(defaults.value().scenario.traffic[0].redial->codes.empty());  // any failure

  const Loaded<Study> plain = LoadStudy(ValidTopology(), kDisplayName);
  ASSERT_TRUE(plain.ok()) << plain.error().ToString();
  const nodes::TrafficParams& t = plain.value().scenario.traffic[0];
  EXPECT_TRUE(t.profile.segments.empty());
  EXPECT_TRUE(t.flash_crowds.empty());
  EXPECT_FALSE(t.redial.has_value());
}

TEST(LoaderTrafficTest, DemandSetsRatesAndDestinationWeights) {
  const Loaded<Study> loaded = LoadStudy(DemandTopology(), kDisplayName);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  const auto& s = loaded.value().scenario;
  // busy_hour is not in the matrix: its own rate and the default number.
  EXPECT_EQ(s.destinations, (std::vector<std::string>{"*", "1555", "44", "1666"}));
  ASSERT_EQ(s.traffic.size(), 3u);
  EXPECT_DOUBLE_EQ(s.traffic[0].calls_per_second, 0.5);
  EXPECT_EQ(s.traffic[0].destinations, std::vector<uint32_t>{0});
  // night: row 1, 0, 0.5; a 0 entry is never dialled.
  EXPECT_DOUBLE_EQ(s.traffic[1].calls_per_second, 1.5);
  EXPECT_EQ(s.traffic[1].destinations, (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(s.traffic[1].weights, (std::vector<double>{1, 0.5}));
  // evening: row 0.25, 2, 0.125.
  EXPECT_DOUBLE_EQ(s.traffic[2].calls_per_second, 2.375);
  EXPECT_EQ(s.traffic[2].destinations, (std::vector<uint32_t>{1, 3, 2}));
  EXPECT_EQ(s.traffic[2].weights, (std::vector<double>{0.25, 2, 0.125}));
}

TEST(LoaderTrafficTest, DemandSourcesKeepTheirShape) {
  const std::string text =
      Edit(DemandTopology(), "  holding_time { exponential_mean_s: 60 }\n",
           "  holding_time { exponential_mean_s: 60 }\n  flash_crowds {\n    start_s: 10\n"
           "    duration_s: 5\n    multiplier: 4\n  }\n");
  const Loaded<Study> loaded = LoadStudy(text, kDisplayName);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  const nodes::TrafficParams& night = loaded.value().scenario.traffic[1];
  EXPECT_DOUBLE_EQ(night.calls_per_second, 1.5);
  ASSERT_EQ(night.flash_crowds.size(), 1u);
  EXPECT_DOUBLE_EQ(night.flash_crowds[0].multiplier, 4);
}

TEST(LoaderTrafficTest, ErrorNamesFileLinePathAndProblem) {
  const std::string text = Edit(ShapedTopology(), "multiplier: 1.5", "multiplier: -1");
  EXPECT_EQ(ErrorOf(text).ToString(),
            "topo.pbtxt:" + std::to_string(LineOf(text, "multiplier: -1")) +
                ": traffic[\"busy_hour\"].profile.segments[1].multiplier: must be >= 0 and <= "
                "1e+06 (got -1)");
}

// `from` in the topology becomes `to`; the error names the line holding `at`,
// the field `path`, and says exactly `message`.
struct BadTraffic {
  const char* name;
  const char* from;
  const char* to;
  const char* at;
  const char* path;
  const char* message;
};

void PrintTo(const BadTraffic& c, std::ostream* os) { *os << c.name; }

constexpr const char* kSource = R"(traffic["busy_hour"])";

constexpr BadTraffic kBadShape[] = {
    {"NegativeMultiplier", "multiplier: 0.6", "multiplier: -0.6", "multiplier: -0.6",
     ".profile.segments[2].multiplier", "must be >= 0 and <= 1e+06 (got -0.6)"},
    {"HugeMultiplier", "multiplier: 0.6", "multiplier: 2e6", "multiplier: 2e6",
     ".profile.segments[2].multiplier", "must be >= 0 and <= 1e+06 (got 2e+06)"},
    {"NanMultiplier", "multiplier: 0.2", "multiplier: nan", "multiplier: nan",
     ".profile.segments[0].multiplier", "must be >= 0 and <= 1e+06 (got nan)"},
    {"SegmentsNotIncreasing", "start_s: 64800", "start_s: 30000", "start_s: 30000",
     ".profile.segments[2].start_s",
     "must be greater than the previous segment's start_s (got 30000 after 32400)"},
    {"SegmentsRepeatAStart", "start_s: 64800", "start_s: 32400  # again", "# again",
     ".profile.segments[2].start_s",
     "must be greater than the previous segment's start_s (got 32400 after 32400)"},
    {"FirstSegmentNotAtZero", "start_s: 0\n", "start_s: 5\n", "start_s: 5\n",
     ".profile.segments[0].start_s", "the first segment starts at 0 (got 5)"},
    {"NegativeStart", "start_s: 0\n", "start_s: -5\n", "start_s: -5\n",
     ".profile.segments[0].start_s", "must be >= 0 and <= 1e+08 seconds (got -5)"},
    {"SegmentPastThePeriod", "period_s: 86400", "period_s: 50000", "start_s: 64800",
     ".profile.segments[2].start_s", "must be < period_s 50000 (got 64800)"},
    {"NegativePeriod", "period_s: 86400", "period_s: -1", "period_s: -1", ".profile.period_s",
     "must be >= 0 and <= 1e+08 seconds (0 = not repeated; got -1)"},
    {"ProfileWithoutSegments", kProfile, "  profile {  # empty\n    period_s: 10\n  }\n", "# empty",
     ".profile.segments", "a profile needs segments"},
    {"ProfileWithoutCalls", kProfile,
     "  profile {  # silent\n    segments {\n      start_s: 0\n      multiplier: 0\n    }\n  }\n",
     "# silent", ".profile.segments", "every multiplier is 0: the source would offer no call"},
    {"PeakRateTooHigh", "multiplier: 1.5", "multiplier: 1e6", "  profile {", ".profile",
     "the rate peaks at 1.5e+06 calls per second (calls_per_second x the largest multipliers "
     "in force together); the limit is 1e+06"},
    {"FlashCrowdNegativeStart", "start_s: 100", "start_s: -100", "start_s: -100",
     ".flash_crowds[0].start_s", "must be >= 0 and <= 1e+08 seconds (got -100)"},
    {"FlashCrowdWithoutDuration", "duration_s: 60", "duration_s: 0", "duration_s: 0",
     ".flash_crowds[0].duration_s", "must be > 0 and <= 1e+08 seconds (got 0)"},
    {"FlashCrowdNegativeMultiplier", "multiplier: 3", "multiplier: -3", "multiplier: -3",
     ".flash_crowds[0].multiplier", "must be >= 0 and <= 1e+06 (got -3)"},
    {"RedialProbabilityAboveOne", "probability: 0.7", "probability: 1.5", "probability: 1.5",
     ".redial.probability", "must be a probability in [0, 1] (got 1.5)"},
    {"RedialProbabilityNegative", "probability: 0.7", "probability: -0.1", "probability: -0.1",
     ".redial.probability", "must be a probability in [0, 1] (got -0.1)"},
    {"RedialWithoutDelay", "    delay { exponential_mean_s: 30 }\n", "", "  redial {",
     ".redial.delay", "a redial needs a delay (the failure to the next attempt)"},
    {"RedialNegativeDelay", "exponential_mean_s: 30", "exponential_mean_s: -30",
     "exponential_mean_s: -30", ".redial.delay.exponential_mean_s",
     "must be > 0 seconds (got -30)"},
    {"TooManyRedials", "max_redials: 2", "max_redials: 101", "max_redials: 101",
     ".redial.max_redials", "must be in 0..100 (default 3; got 101)"},
    {"NegativeRedials", "max_redials: 2", "max_redials: -1", "max_redials: -1",
     ".redial.max_redials", "must be in 0..100 (default 3; got -1)"},
    {"RedialOnSuccess", "codes: 486", "codes: 200", "codes: 200", ".redial.codes[0]",
     "must be a failure code in 300..699 (got 200)"},
    {"RedialCodeDuplicated", "codes: 503", "codes: 486  # again", "# again", ".redial.codes[1]",
     "duplicate code 486"},
};

class BadShapeTest : public ::testing::TestWithParam<BadTraffic> {};

TEST_P(BadShapeTest, NamesTheLinePathAndProblem) {
  const BadTraffic& c = GetParam();
  const std::string text = Edit(ShapedTopology(), c.from, c.to);
  const LoadError e = ErrorOf(text);
  EXPECT_EQ(e.line, LineOf(text, c.at));
  EXPECT_EQ(e.path, std::string(c.path[0] == '.' ? kSource : "") + c.path);
  EXPECT_EQ(e.message, c.message);
}

INSTANTIATE_TEST_SUITE_P(LoaderTrafficTest, BadShapeTest, ::testing::ValuesIn(kBadShape),
                         [](const auto& p) { return std::string(p.param.name); });

constexpr BadTraffic kBadDemand[] = {
    {"ShapeMismatch", "  calls_per_second: 0.125\n", "", "demand {", "demand.calls_per_second",
     "has 5 values; 2 origins x 3 destinations need 6 (row-major)"},
    {"NegativeEntry", "calls_per_second: 0.25", "calls_per_second: -0.25",
     "calls_per_second: -0.25", "demand.calls_per_second[3]",
     R"("evening" to "1555": must be >= 0 calls per second (got -0.25))"},
    {"InfiniteEntry", "calls_per_second: 0.25", "calls_per_second: inf", "calls_per_second: inf",
     "demand.calls_per_second[3]",
     R"("evening" to "1555": must be >= 0 calls per second (got inf))"},
    {"RowOfZeros", "  calls_per_second: 1\n  calls_per_second: 0\n  calls_per_second: 0.5\n",
     "  calls_per_second: 0\n  calls_per_second: 0\n  calls_per_second: 0.0\n",
     R"(origins: "night")", "demand.origins[0]",
     R"(the row of "night" sums to 0: a source in the matrix needs calls)"},
    {"RowOverTheRateLimit", "calls_per_second: 2\n", "calls_per_second: 2e6\n",
     R"(origins: "evening")", "demand.origins[1]",
     R"(the row of "evening" sums to 2e+06 calls per second; the limit is 1e+06)"},
    {"UnknownSource", R"(origins: "evening")", R"(origins: "morning")", R"(origins: "morning")",
     "demand.origins[1]", R"(unknown traffic source "morning")"},
    {"DuplicateOrigin", R"(origins: "evening")", R"(origins: "night"  # again)", "# again",
     "demand.origins[1]", R"(duplicate origin "night")"},
    {"EmptyOrigin", R"(origins: "evening")", R"(origins: "")", R"(origins: "")",
     "demand.origins[1]", "must name a traffic source"},
    {"NoOrigins", "  origins: \"night\"\n  origins: \"evening\"\n", "", "demand {",
     "demand.origins", "a demand matrix needs origins (traffic source names)"},
    {"NoDestinations",
     "  destinations: \"1555\"\n  destinations: \"1666\"\n  destinations: \"44\"\n", "", "demand {",
     "demand.destinations", "a demand matrix needs destinations (numbers)"},
    {"DuplicateDestination", R"(destinations: "44")", R"(destinations: "1555"  # again)", "# again",
     "demand.destinations[2]", R"(duplicate destination "1555")"},
    {"EmptyDestination", R"(destinations: "44")", R"(destinations: "")", R"(destinations: "")",
     "demand.destinations[2]", "a destination needs a number"},
    {"ListedSourceSetsItsRate", "  holding_time { exponential_mean_s: 60 }\n",
     "  holding_time { exponential_mean_s: 60 }\n  calls_per_second: 0.5  # night\n", "# night",
     R"(traffic["night"].calls_per_second)",
     R"(must be unset: demand lists "night" and sets its rate (got 0.5))"},
    {"ListedSourceSetsDestinations", "  holding_time { exponential_mean_s: 90 }\n",
     "  holding_time { exponential_mean_s: 90 }\n  destinations { number: \"1777\" }\n",
     R"(destinations { number: "1777" })", R"(traffic["evening"].destinations[0])",
     R"(must be unset: demand lists "evening" and sets its destinations)"},
};

class BadDemandTest : public ::testing::TestWithParam<BadTraffic> {};

TEST_P(BadDemandTest, NamesTheLinePathAndProblem) {
  const BadTraffic& c = GetParam();
  const std::string text = Edit(DemandTopology(), c.from, c.to);
  const LoadError e = ErrorOf(text);
  EXPECT_EQ(e.line, LineOf(text, c.at));
  EXPECT_EQ(e.path, c.path);
  EXPECT_EQ(e.message, c.message);
}

INSTANTIATE_TEST_SUITE_P(LoaderTrafficTest, BadDemandTest, ::testing::ValuesIn(kBadDemand),
                         [](const auto& p) { return std::string(p.param.name); });

// Sizes past the limits are refused before anything is built from them.
TEST(LoaderTrafficTest, AbsurdSizesAreRefused) {
  std::string crowds;
  for (int k = 0; k <= 1000; ++k) {
    crowds += "  flash_crowds {" + std::string(k == 1000 ? "  # one too many" : "") +
              "\n    start_s: " + std::to_string(k) +
              "\n    duration_s: 1\n    multiplier: 2\n  }\n";
  }
  std::string text = Edit(ValidTopology(), kHolding, std::string(kHolding) + crowds);
  LoadError e = ErrorOf(text);
  EXPECT_EQ(e.line, LineOf(text, "# one too many"));
  EXPECT_EQ(e.path, R"(traffic["busy_hour"].flash_crowds[1000])");
  EXPECT_EQ(e.message, "a source has at most 1000 flash crowds (got 1001)");

  std::string numbers;  // 3 in the matrix and 9998 more
  for (int k = 0; k < 9998; ++k) {
    numbers += "  destinations: \"n" + std::to_string(k) + "\"" +
               (k == 9997 ? "  # one too many" : "") + "\n";
  }
  text = Edit(DemandTopology(), "  destinations: \"44\"\n", "  destinations: \"44\"\n" + numbers);
  e = ErrorOf(text);
  EXPECT_EQ(e.line, LineOf(text, "# one too many"));
  EXPECT_EQ(e.path, "demand.destinations[10000]");
  EXPECT_EQ(e.message, "a demand matrix has at most 10000 destinations (got 10001)");

  // 101 origins x 9999 destinations: over a million entries.
  std::string sources, origins;
  for (int k = 0; k < 99; ++k) {
    const std::string name = "s" + std::to_string(k);
    sources += "traffic {\n  name: \"" + name +
               "\"\n  origin: \"callers\"\n  via: \"sbc1\"\n  holding_time { deterministic_s: 1 "
               "}\n}\n";
    origins += "  origins: \"" + name + "\"\n";
  }
  numbers.clear();
  for (int k = 0; k < 9996; ++k) numbers += "  destinations: \"m" + std::to_string(k) + "\"\n";
  text = Edit(DemandTopology(), "  origins: \"evening\"\n", "  origins: \"evening\"\n" + origins);
  text = Edit(text, "  destinations: \"44\"\n", "  destinations: \"44\"\n" + numbers);
  text += sources;
  e = ErrorOf(text);
  EXPECT_EQ(e.path, "demand.destinations");
  EXPECT_EQ(e.line, LineOf(text, "demand {"));
  EXPECT_EQ(e.message, "101 origins x 9999 destinations is over the limit of 1000000 entries");
}

}  // namespace
}  // namespace crankback::topologies
