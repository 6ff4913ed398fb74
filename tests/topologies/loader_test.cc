// Loader validation: each class of bad input is reported with the line, the
// field path and what is wrong. Every input breaks one field of an otherwise
// valid topology, so it reaches exactly the check under test.
#include "topologies/loader.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "tests/topologies/test_topology.h"

namespace crankback::topologies {
namespace {

using namespace test_topology;

TEST(LoaderTest, ValidTopologyLoads) {
  const Loaded<Study> loaded = LoadStudy(ValidTopology(), kDisplayName);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  const Study& study = loaded.value();
  EXPECT_EQ(study.scenario.nodes.size(), 4u);
  EXPECT_EQ(study.scenario.links.size(), 3u);
  ASSERT_EQ(study.policies.size(), 2u);
  EXPECT_EQ(study.policies[0].name, "advance-on-5xx");
  EXPECT_EQ(study.experiment.replications, 2);
}

TEST(LoaderTest, ErrorToStringIsFileLinePathMessage) {
  const std::string text = Edit(ValidTopology(), "max_sessions: 10", "max_sessions: -3");
  const LoadError e = ErrorOf(text);
  EXPECT_EQ(e.ToString(), "topo.pbtxt:" + std::to_string(LineOf(text, "max_sessions: -3")) +
                              ": nodes[\"sbc1\"].sbc.naps[\"to_a\"].max_sessions: must be in "
                              "0..10000000 (0 = unlimited; got -3)");
}

// One class of bad input: `from` in the valid topology becomes `to`, and the
// error names the line holding `at`, the field `path`, and says `message`.
struct BadInput {
  const char* name;
  const char* from;
  const char* to;
  const char* at;
  const char* path;
  const char* message;
};

void PrintTo(const BadInput& c, std::ostream* os) { *os << c.name; }

// A field absent from the file takes the line of its enclosing message, which
// the `# ...` comments mark.
constexpr BadInput kBadInputs[] = {
    {"SyntaxErrorAtTheBadToken", "latency_s: 0.02", "latency_s: twenty", "latency_s: twenty", "",
     "syntax error at column 14: Expected double, got: twenty"},
    {"SyntaxErrorAtAnUnknownField", "user_agent {}", "usr_agent {}", "usr_agent {}", "",
     "has no field named \"usr_agent\""},
    {"UnknownNodeInLink", R"(b: "carrier_b")", R"(b: "carrier_z")", R"(b: "carrier_z")",
     "links[2].b", R"(unknown node "carrier_z")"},
    {"UnknownNodeAsNapPeer", R"(peer: "carrier_b")", R"(peer: "carrier_z")", R"(peer: "carrier_z")",
     R"(nodes["sbc1"].sbc.naps["to_b"].peer)", R"(unknown node "carrier_z")"},
    // The SBC's link to carrier_b now joins carrier_a and carrier_b instead.
    {"NapPeerWithoutLink", "  a: \"sbc1\"\n  b: \"carrier_b\"",
     "  a: \"carrier_a\"\n  b: \"carrier_b\"", R"(peer: "carrier_b")",
     R"(nodes["sbc1"].sbc.naps["to_b"].peer)", R"(no link joins "sbc1" and "carrier_b")"},
    {"UnknownNapInRoute", R"(routes { nap: "to_b" })", R"(routes { nap: "to_x" })",
     R"(routes { nap: "to_x" })", R"(nodes["sbc1"].sbc.naps["from_callers"].routes[1].nap)",
     R"(unknown NAP "to_x")"},
    {"DuplicateNodeName", R"(name: "carrier_b")", R"(name: "carrier_a"  # the second one)",
     "# the second one", R"(nodes["carrier_a"].name)", R"(duplicate node name "carrier_a")"},
    {"DuplicateNapName", R"(name: "to_b")", R"(name: "to_a"  # the second one)", "# the second one",
     R"(nodes["sbc1"].sbc.naps["to_a"].name)", R"(duplicate NAP name "to_a")"},
    {"DuplicateLinkInTheOtherDirection", "  loss: 0.01\n}\n",
     "  loss: 0.01\n}\nlinks { a: \"carrier_a\" b: \"sbc1\" }  # again\n", "# again", "links[3]",
     R"(duplicate link between "carrier_a" and "sbc1")"},
    {"PolicyRuleCode700", "code_class: 5", "code: 700", "code: 700",
     R"(policies["advance-on-5xx"].rules[0].code)", "must be a SIP code in 100..699 (got 700)"},
    {"PolicyRuleCode99", "code_class: 5", "code: 99", "code: 99",
     R"(policies["advance-on-5xx"].rules[0].code)", "must be a SIP code in 100..699 (got 99)"},
    {"PolicyRuleRangeTo700", "code_class: 5", "range { low: 500 high: 700 }",
     "range { low: 500 high: 700 }", R"(policies["advance-on-5xx"].rules[0].range)",
     "(got 500..700)"},
    {"DialectCode200", "code: 503", "code: 200", "code: 200",
     R"(dialects["custom"].entries[0].code)", "must be a failure code in 300..699 (got 200)"},
    {"DialectCode800", "code: 503", "code: 800", "code: 800",
     R"(dialects["custom"].entries[0].code)", "must be a failure code in 300..699 (got 800)"},
    {"DialectWithoutFallbackCode", "dialects {\n  name: \"custom\"\n  fallback_code: 500\n",
     "dialects {  # no fallback_code\n  name: \"custom\"\n", "# no fallback_code",
     R"(dialects["custom"].fallback_code)", "(got 0)"},
    {"DialectRedefinesAPreset", R"(name: "custom")", R"(name: "rfc3398")", R"(name: "rfc3398")",
     R"(dialects["rfc3398"].name)", R"(dialect "rfc3398" is already defined)"},
    {"UnknownDialect", R"(dialect: "pbx-486")", R"(dialect: "pbx-999")", R"(dialect: "pbx-999")",
     R"(nodes["carrier_b"].carrier.dialect)", R"(unknown dialect "pbx-999")"},
    {"CallsPerSecondZero", "calls_per_second: 0.5", "calls_per_second: 0", "calls_per_second: 0",
     R"(traffic["busy_hour"].calls_per_second)", "must be > 0 and <= 1e+06 (got 0)"},
    {"CallsPerSecondNegative", "calls_per_second: 0.5", "calls_per_second: -1",
     "calls_per_second: -1", R"(traffic["busy_hour"].calls_per_second)", "(got -1)"},
    {"DurationZero", "duration_s: 300", "duration_s: 0", "duration_s: 0", "experiment.duration_s",
     "must be > 0 and <= 1e+08 seconds (got 0)"},
    {"DurationNegative", "duration_s: 300", "duration_s: -5", "duration_s: -5",
     "experiment.duration_s", "(got -5)"},
    {"WarmupEqualToDuration", "warmup_s: 30", "warmup_s: 300", "warmup_s: 300",
     "experiment.warmup_s", "must be >= 0 and < duration_s (got 300)"},
    {"WarmupAfterDuration", "warmup_s: 30", "warmup_s: 400", "warmup_s: 400", "experiment.warmup_s",
     "must be >= 0 and < duration_s (got 400)"},
    {"WarmupNegative", "warmup_s: 30", "warmup_s: -1", "warmup_s: -1", "experiment.warmup_s",
     "must be >= 0 and < duration_s (got -1)"},
    {"NegativeLatency", "latency_s: 0.02", "latency_s: -0.001", "latency_s: -0.001",
     "links[1].latency_s", "must be in 0..3600 seconds (got -0.001)"},
    {"LossOne", "loss: 0.01", "loss: 1", "loss: 1", "links[2].loss",
     "must be a probability in [0, 1) (got 1)"},
    {"LossAboveOne", "loss: 0.01", "loss: 1.5", "loss: 1.5", "links[2].loss", "(got 1.5)"},
    {"LossNegative", "loss: 0.01", "loss: -0.1", "loss: -0.1", "links[2].loss", "(got -0.1)"},
    {"NegativeNapMaxSessions", "max_sessions: 10", "max_sessions: -3", "max_sessions: -3",
     R"(nodes["sbc1"].sbc.naps["to_a"].max_sessions)", "(0 = unlimited; got -3)"},
    {"NegativeCarrierMaxSessions", "max_sessions: 6", "max_sessions: -1", "max_sessions: -1",
     R"(nodes["carrier_b"].carrier.max_sessions)", "(0 = unlimited; got -1)"},
    {"AbsurdMaxSessions", "max_sessions: 10", "max_sessions: 1000000000",
     "max_sessions: 1000000000", R"(nodes["sbc1"].sbc.naps["to_a"].max_sessions)",
     "must be in 0..10000000 (0 = unlimited; got 1000000000)"},
    {"AbsurdCallsPerSecond", "calls_per_second: 0.5", "calls_per_second: 1e9",
     "calls_per_second: 1e9", R"(traffic["busy_hour"].calls_per_second)",
     "must be > 0 and <= 1e+06 (got 1e+09)"},
    {"AbsurdReplications", "replications: 2", "replications: 10000000", "replications: 10000000",
     "experiment.replications", "must be in 1..1000000 (0 = 1; got 10000000)"},
    {"PolicyNamesAMissingTrunkGroup", "  fallback: ADVANCE\n",
     "  fallback: ADVANCE\n  naps { nap: \"nope\" }\n", R"(naps { nap: "nope" })",
     R"(policies["advance-on-everything"].naps["nope"].nap)",
     R"(no SBC has a NAP (trunk group) named "nope")"},
    {"PolicyWithoutFallback",
     "policies {\n  name: \"advance-on-everything\"\n  fallback: ADVANCE\n",
     "policies {  # no fallback\n  name: \"advance-on-everything\"\n", "# no fallback",
     R"(policies["advance-on-everything"].fallback)",
     "a policy needs an explicit fallback: ADVANCE or STOP"},
    {"TrafficOriginNotAUserAgent", R"(origin: "callers")", R"(origin: "carrier_a")",
     R"(origin: "carrier_a")", R"(traffic["busy_hour"].origin)",
     R"("carrier_a" is not a user_agent node)"},
    // The SBC's ingress NAP now faces carrier_a, so no NAP accepts the callers.
    {"TrafficViaAnSbcWithoutANapForTheOrigin", R"(peer: "callers")", R"(peer: "carrier_a")",
     R"(via: "sbc1")", R"(traffic["busy_hour"].via)",
     R"(SBC "sbc1" has no NAP with routes whose peer is "callers")"},
    {"EmpiricalLastCumulativeNotOne", "holding_time { exponential_mean_s: 20 }",
     "holding_time {\n"
     "    empirical {\n"
     "      points { value_s: 10 cumulative: 0.5 }\n"
     "      points { value_s: 60 cumulative: 0.9 }\n"
     "    }\n"
     "  }",
     "cumulative: 0.9", R"(traffic["busy_hour"].holding_time.empirical.points[1].cumulative)",
     "the last point's cumulative must be 1 (got 0.9)"},
    {"UnknownPolicyInExperiment", "seed: 7", "seed: 7\n  policies: \"advance-on-4xx\"",
     R"(policies: "advance-on-4xx")", "experiment.policies[0]",
     R"(unknown policy "advance-on-4xx")"},
    {"PolicyListedTwiceInExperiment", "seed: 7",
     "seed: 7\n  policies: \"advance-on-5xx\"\n  policies: \"advance-on-5xx\"  # again", "# again",
     "experiment.policies[1]", R"(policy "advance-on-5xx" is listed twice)"},
};

class BadInputTest : public ::testing::TestWithParam<BadInput> {};

TEST_P(BadInputTest, NamesTheLinePathAndProblem) {
  const BadInput& c = GetParam();
  const std::string text = Edit(ValidTopology(), c.from, c.to);
  const LoadError e = ErrorOf(text);
  EXPECT_EQ(e.line, LineOf(text, c.at));
  EXPECT_EQ(e.path, c.path);
  EXPECT_TRUE(Contains(e.message, c.message));
}

INSTANTIATE_TEST_SUITE_P(LoaderTest, BadInputTest, ::testing::ValuesIn(kBadInputs),
                         [](const auto& p) { return std::string(p.param.name); });

TEST(LoaderTest, PolicyRuleCodesAtTheBoundsLoad) {
  for (const char* code : {"code: 100", "code: 699"}) {
    SCOPED_TRACE(code);
    const Loaded<Study> loaded =
        LoadStudy(Edit(ValidTopology(), "code_class: 5", code), kDisplayName);
    EXPECT_TRUE(loaded.ok()) << loaded.error().ToString();
  }
}

// Each value is allowed, but together they offer too many calls per run.
TEST(LoaderTest, TooManyCallsPerRun) {
  std::string text = Edit(ValidTopology(), "calls_per_second: 0.5", "calls_per_second: 1e6");
  text = Edit(text, "duration_s: 300", "duration_s: 1e5");
  const LoadError e = ErrorOf(text);
  EXPECT_EQ(e.line, LineOf(text, "duration_s: 1e5"));
  EXPECT_EQ(e.path, "experiment.duration_s");
  EXPECT_TRUE(Contains(e.message, "offers 1e+11 calls per run; the limit is 2e+09"));
}

TEST(LoaderTest, EmptyTopology) {
  for (const char* text : {"", "# only a comment\n"}) {
    SCOPED_TRACE(text);
    const LoadError e = ErrorOf(text);
    EXPECT_EQ(e.line, 0);
    EXPECT_EQ(e.path, "");
    EXPECT_TRUE(Contains(e.message, "the topology has no nodes"));
  }
}

TEST(LoaderTest, NodesButNoTraffic) {
  const std::string text = std::string(kNodes) + kLinks + kDialects + kPolicies + kExperiment;
  const LoadError e = ErrorOf(text);
  EXPECT_EQ(e.line, 0);
  EXPECT_EQ(e.path, "");
  EXPECT_TRUE(Contains(e.message, "the topology has no traffic sources"));
}

TEST(LoaderTest, NoPolicies) {
  const std::string text = std::string(kNodes) + kLinks + kDialects + kTraffic + kExperiment;
  const LoadError e = ErrorOf(text);
  EXPECT_EQ(e.path, "policies");
  EXPECT_TRUE(Contains(e.message, "defines no policy"));
}

TEST(LoaderTest, ExperimentChoosesAndOrdersPolicies) {
  const std::string text = Edit(ValidTopology(), "seed: 7",
                                "seed: 7\n  policies: \"advance-on-everything\"\n"
                                "  policies: \"advance-on-5xx\"");
  const Loaded<Study> loaded = LoadStudy(text, kDisplayName);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  ASSERT_EQ(loaded.value().policies.size(), 2u);
  EXPECT_EQ(loaded.value().policies[0].name, "advance-on-everything");
  EXPECT_EQ(loaded.value().policies[1].name, "advance-on-5xx");
}

// List syntax (`f: [x, y]`) gives the parser one location for all the elements.
TEST(LoaderTest, ListSyntaxMessageElementHasItsOwnLine) {
  const std::string text = ValidTopology() +
                           "links: [{ a: \"callers\" b: \"carrier_a\" },\n"
                           "        { a: \"carrier_a\" b: \"sbc1\" }]  # again\n";
  const LoadError e = ErrorOf(text);
  EXPECT_EQ(e.line, LineOf(text, "# again"));
  EXPECT_EQ(e.path, "links[4]");
  EXPECT_TRUE(Contains(e.message, "duplicate link between \"carrier_a\" and \"sbc1\""));
}

TEST(LoaderTest, ListSyntaxScalarNeverTakesAnotherElementsLine) {
  const std::string text = Edit(ValidTopology(), "seed: 7",
                                "seed: 7\n  policies: [\"advance-on-5xx\", \"nope\"]\n"
                                "  policies: \"advance-on-everything\"");
  const LoadError e = ErrorOf(text);
  EXPECT_EQ(e.line, LineOf(text, "experiment {"));  // not the next, valid line
  EXPECT_EQ(e.path, "experiment.policies[1]");
  EXPECT_TRUE(Contains(e.message, "unknown policy \"nope\""));
}

}  // namespace
}  // namespace crankback::topologies
