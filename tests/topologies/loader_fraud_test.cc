// Loading fraud scorers and the traffic's fraud mix: the parameters reach the
// models (the scorer in ClearIP's dialect unless told otherwise, fraud numbers
// among the scenario's destinations), and each bad value is reported with the
// line, the field path and an exact message.
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <variant>

#include "tests/topologies/test_topology.h"
#include "topologies/loader.h"

namespace crankback::topologies {
namespace {

using namespace test_topology;

constexpr const char* kScorer = R"(nodes {
  name: "scorer"
  fraud_scorer {
    latency { deterministic_s: 0.05 }
    detection_rate: 0.9
    false_positive_rate: 0.01
  }
}
)";

constexpr const char* kScorerLink = R"(links {
  a: "sbc1"
  b: "scorer"
  latency_s: 0.001
}
)";

constexpr const char* kFraudMix = R"(  fraud {
    fraction: 0.1
    destinations {
      number: "1900"
      weight: 2
    }
    destinations {
      number: "882"
    }
    holding_time { exponential_mean_s: 600 }
  }
)";

// The valid topology with a scorer queried first by sbc1's ingress NAP, and
// fraud mixed into its traffic.
std::string FraudTopology() {
  std::string text = std::string(kNodes) + kScorer + kLinks + kScorerLink + kDialects + kTraffic +
                     kPolicies + kExperiment;
  text = Edit(text, "      routes { nap: \"to_a\" }\n",
              "      routes { nap: \"to_scorer\" }\n      routes { nap: \"to_a\" }\n");
  text = Edit(text, "      peer: \"carrier_b\"\n    }\n",
              "      peer: \"carrier_b\"\n    }\n    naps {\n      name: \"to_scorer\"\n"
              "      peer: \"scorer\"\n    }\n");
  return Edit(text, "  holding_time { exponential_mean_s: 20 }\n",
              std::string("  holding_time { exponential_mean_s: 20 }\n") + kFraudMix);
}

constexpr uint32_t kScorerNode = 4;

uint32_t DialectIndex(const Study& study, const std::string& name) {
  const auto& d = study.scenario.dialects;
  for (uint32_t i = 0; i < d.size(); ++i) {
    if (d[i].name == name) return i;
  }
  ADD_FAILURE() << "no dialect " << name;
  return 0;
}

TEST(LoaderFraudTest, ScorerAndFraudMixLoad) {
  const Loaded<Study> loaded = LoadStudy(FraudTopology(), kDisplayName);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  const Study& study = loaded.value();
  ASSERT_EQ(study.scenario.nodes.size(), 5u);
  const auto* scorer =
      std::get_if<nodes::FraudScorerParams>(&study.scenario.nodes[kScorerNode].kind);
  ASSERT_NE(scorer, nullptr);
  EXPECT_EQ(scorer->dialect, DialectIndex(study, "clearip"));
  EXPECT_DOUBLE_EQ(scorer->latency.Mean(), 0.05);
  EXPECT_DOUBLE_EQ(scorer->detection_rate, 0.9);
  EXPECT_DOUBLE_EQ(scorer->false_positive_rate, 0.01);
  EXPECT_EQ(scorer->on_detect, nodes::FraudAction::kBlock);
  EXPECT_EQ(scorer->redirect_to, -1);

  ASSERT_EQ(study.scenario.traffic.size(), 1u);
  const nodes::TrafficParams& t = study.scenario.traffic[0];
  ASSERT_EQ(t.destinations.size(), 1u);
  EXPECT_EQ(study.scenario.destinations[t.destinations[0]], "*");
  ASSERT_TRUE(t.fraud.has_value());
  EXPECT_DOUBLE_EQ(t.fraud->fraction, 0.1);
  ASSERT_EQ(t.fraud->destinations.size(), 2u);
  EXPECT_EQ(study.scenario.destinations[t.fraud->destinations[0]], "1900");
  EXPECT_EQ(study.scenario.destinations[t.fraud->destinations[1]], "882");
  EXPECT_EQ(t.fraud->weights, (std::vector<double>{2, 1}));  // weight 0 or absent = 1
  ASSERT_TRUE(t.fraud->holding_time.has_value());
  EXPECT_DOUBLE_EQ(t.fraud->holding_time->Mean(), 600);
}

TEST(LoaderFraudTest, DefaultsAndRedirect) {
  std::string text = Edit(FraudTopology(),
                          "    latency { deterministic_s: 0.05 }\n"
                          "    detection_rate: 0.9\n"
                          "    false_positive_rate: 0.01\n",
                          "");
  text = Edit(text, "    holding_time { exponential_mean_s: 600 }\n", "");
  const Loaded<Study> defaults = LoadStudy(text, kDisplayName);
  ASSERT_TRUE(defaults.ok()) << defaults.error().ToString();
  const auto& d =
      std::get<nodes::FraudScorerParams>(defaults.value().scenario.nodes[kScorerNode].kind);
  EXPECT_EQ(d.dialect, DialectIndex(defaults.value(), "clearip"));
  EXPECT_DOUBLE_EQ(d.detection_rate, 1);
  EXPECT_DOUBLE_EQ(d.false_positive_rate, 0);
  EXPECT_DOUBLE_EQ(d.latency.Mean(), 0);
  EXPECT_FALSE(defaults.value().scenario.traffic[0].fraud->holding_time.has_value());

  const Loaded<Study> redirect =
      LoadStudy(Edit(FraudTopology(), "  fraud_scorer {\n",
                     "  fraud_scorer {\n    on_detect: REDIRECT\n    redirect_to: \"carrier_b\"\n"),
                kDisplayName);
  ASSERT_TRUE(redirect.ok()) << redirect.error().ToString();
  const auto& r =
      std::get<nodes::FraudScorerParams>(redirect.value().scenario.nodes[kScorerNode].kind);
  EXPECT_EQ(r.on_detect, nodes::FraudAction::kRedirect);
  EXPECT_EQ(r.redirect_to, 3);  // carrier_b
}

TEST(LoaderFraudTest, TrafficWithoutFraudHasNoMix) {
  const Loaded<Study> loaded = LoadStudy(ValidTopology(), kDisplayName);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  EXPECT_FALSE(loaded.value().scenario.traffic[0].fraud.has_value());
  EXPECT_EQ(loaded.value().scenario.destinations, std::vector<std::string>{"*"});
}

TEST(LoaderFraudTest, ErrorNamesFileLinePathAndProblem) {
  const std::string text = Edit(FraudTopology(), "fraction: 0.1", "fraction: 1.5");
  EXPECT_EQ(ErrorOf(text).ToString(),
            "topo.pbtxt:" + std::to_string(LineOf(text, "fraction: 1.5")) +
                ": traffic[\"busy_hour\"].fraud.fraction: must be a fraction in [0, 1] (got 1.5)");
}

// `from` in the fraud topology becomes `to`; the error names the line holding
// `at`, the field `path`, and says exactly `message`.
struct BadFraud {
  const char* name;
  const char* from;
  const char* to;
  const char* at;
  const char* path;
  const char* message;
};

void PrintTo(const BadFraud& c, std::ostream* os) { *os << c.name; }

constexpr const char* kScorerPath = R"(nodes["scorer"].fraud_scorer)";

constexpr BadFraud kBadFraud[] = {
    {"DetectionRateAboveOne", "detection_rate: 0.9", "detection_rate: 1.5", "detection_rate: 1.5",
     ".detection_rate", "must be a probability in [0, 1] (got 1.5)"},
    {"DetectionRateNan", "detection_rate: 0.9", "detection_rate: nan", "detection_rate: nan",
     ".detection_rate", "must be a probability in [0, 1] (got nan)"},
    {"FalsePositiveRateNegative", "false_positive_rate: 0.01", "false_positive_rate: -0.1",
     "false_positive_rate: -0.1", ".false_positive_rate",
     "must be a probability in [0, 1] (got -0.1)"},
    {"UnknownScorerDialect", "  fraud_scorer {\n", "  fraud_scorer {\n    dialect: \"clearip2\"\n",
     R"(dialect: "clearip2")", ".dialect", R"(unknown dialect "clearip2")"},
    {"NegativeLatency", "deterministic_s: 0.05", "deterministic_s: -1", "deterministic_s: -1",
     ".latency.deterministic_s", "must be >= 0 seconds (got -1)"},
    {"RedirectWithoutTarget", "  fraud_scorer {\n",
     "  fraud_scorer {  # scorer\n    on_detect: REDIRECT\n", "# scorer", ".redirect_to",
     "on_detect: REDIRECT needs the node the 302's Contact names"},
    {"TargetWithoutRedirect", "  fraud_scorer {\n",
     "  fraud_scorer {\n    redirect_to: \"carrier_b\"\n", R"(redirect_to: "carrier_b")",
     ".redirect_to", "only with on_detect: REDIRECT"},
    {"RedirectToAnUnknownNode", "  fraud_scorer {\n",
     "  fraud_scorer {\n    on_detect: REDIRECT\n    redirect_to: \"ivr\"\n",
     R"(redirect_to: "ivr")", ".redirect_to", R"(unknown node "ivr")"},
    {"RedirectToItself", "  fraud_scorer {\n",
     "  fraud_scorer {\n    on_detect: REDIRECT\n    redirect_to: \"scorer\"\n",
     R"(redirect_to: "scorer")", ".redirect_to", "a scorer does not redirect calls to itself"},
    {"RedirectToANodeTheSbcDoesNotFace", "  fraud_scorer {\n",
     "  fraud_scorer {\n    on_detect: REDIRECT\n    redirect_to: \"sbc1\"\n",
     R"(redirect_to: "sbc1")", ".redirect_to",
     R"(SBC "sbc1" queries this scorer but has no NAP whose peer is "sbc1")"},
    {"RedirectInADialectWithout3xx", "  fraud_scorer {\n",
     "  fraud_scorer {\n    dialect: \"rfc3398\"\n    on_detect: REDIRECT\n"
     "    redirect_to: \"carrier_b\"\n",
     "on_detect: REDIRECT", ".on_detect",
     R"(REDIRECT needs a 3xx, but dialect "rfc3398" answers FRAUD_REDIRECT with 500)"},
    {"UnknownOnDetect", "  fraud_scorer {\n", "  fraud_scorer {\n    on_detect: 7\n",
     "on_detect: 7", ".on_detect", "unknown on_detect 7 (BLOCK or REDIRECT)"},
};

class BadFraudTest : public ::testing::TestWithParam<BadFraud> {};

TEST_P(BadFraudTest, NamesTheLinePathAndProblem) {
  const BadFraud& c = GetParam();
  const std::string text = Edit(FraudTopology(), c.from, c.to);
  const LoadError e = ErrorOf(text);
  EXPECT_EQ(e.line, LineOf(text, c.at));
  EXPECT_EQ(e.path, std::string(c.path[0] == '.' ? kScorerPath : "") + c.path);
  EXPECT_EQ(e.message, c.message);
}

INSTANTIATE_TEST_SUITE_P(LoaderFraudTest, BadFraudTest, ::testing::ValuesIn(kBadFraud),
                         [](const auto& p) { return std::string(p.param.name); });

constexpr BadFraud kBadMix[] = {
    {"FractionAboveOne", "fraction: 0.1", "fraction: 1.5", "fraction: 1.5",
     R"(traffic["busy_hour"].fraud.fraction)", "must be a fraction in [0, 1] (got 1.5)"},
    {"FractionNegative", "fraction: 0.1", "fraction: -0.2", "fraction: -0.2",
     R"(traffic["busy_hour"].fraud.fraction)", "must be a fraction in [0, 1] (got -0.2)"},
    {"DestinationWithoutNumber", R"(number: "882")", R"(number: "")", R"(number: "")",
     R"(traffic["busy_hour"].fraud.destinations[1].number)", "a destination needs a number"},
    {"DestinationNegativeWeight", "weight: 2", "weight: -2", "weight: -2",
     R"(traffic["busy_hour"].fraud.destinations[0].weight)", "must be >= 0 (got -2)"},
    {"HoldingTimeWithZeroMean", "holding_time { exponential_mean_s: 600 }",
     "holding_time { deterministic_s: 0 }", "holding_time { deterministic_s: 0 }",
     R"(traffic["busy_hour"].fraud.holding_time)", "must have a mean > 0"},
    {"HoldingTimeNegativeMean", "exponential_mean_s: 600", "exponential_mean_s: -5",
     "exponential_mean_s: -5", R"(traffic["busy_hour"].fraud.holding_time.exponential_mean_s)",
     "must be > 0 seconds (got -5)"},
};

class BadMixTest : public ::testing::TestWithParam<BadFraud> {};

TEST_P(BadMixTest, NamesTheLinePathAndProblem) {
  const BadFraud& c = GetParam();
  const std::string text = Edit(FraudTopology(), c.from, c.to);
  const LoadError e = ErrorOf(text);
  EXPECT_EQ(e.line, LineOf(text, c.at));
  EXPECT_EQ(e.path, c.path);
  EXPECT_EQ(e.message, c.message);
}

INSTANTIATE_TEST_SUITE_P(LoaderFraudTest, BadMixTest, ::testing::ValuesIn(kBadMix),
                         [](const auto& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace crankback::topologies
