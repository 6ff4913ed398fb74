// Loading Experiment.theory: the SBC and NAPs of the analytic loss system
// reach the Study as indices, and each loss system the theory cannot describe
// is reported with the line, the field path and an exact message.
#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "tests/topologies/test_topology.h"
#include "topologies/loader.h"

namespace crankback::topologies {
namespace {

using namespace test_topology;

// The valid topology with a 10 + 6 session loss system on sbc1.
std::string TheoryTopology() {
  std::string text = Edit(ValidTopology(), "      peer: \"carrier_b\"\n    }\n",
                          "      peer: \"carrier_b\"\n      max_sessions: 6\n    }\n");
  return Edit(text, "  seed: 7\n",
              "  seed: 7\n"
              "  theory {\n"
              "    sbc: \"sbc1\"\n"
              "    primary_nap: \"to_a\"\n"
              "    overflow_nap: \"to_b\"\n"
              "  }\n");
}

TEST(LoaderTheoryTest, TheLossSystemReachesTheStudy) {
  const Loaded<Study> loaded = LoadStudy(TheoryTopology(), kDisplayName);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  const std::optional<TheoryParams>& theory = loaded.value().theory;
  ASSERT_TRUE(theory.has_value());
  EXPECT_EQ(theory->sbc, 1u);
  EXPECT_EQ(theory->primary_nap, 1u);
  EXPECT_EQ(theory->overflow_nap, std::optional<uint32_t>(2));

  const Loaded<Study> alone =
      LoadStudy(Edit(TheoryTopology(), "    overflow_nap: \"to_b\"\n", ""), kDisplayName);
  ASSERT_TRUE(alone.ok()) << alone.error().ToString();
  ASSERT_TRUE(alone.value().theory.has_value());
  EXPECT_FALSE(alone.value().theory->overflow_nap.has_value());

  const Loaded<Study> none = LoadStudy(ValidTopology(), kDisplayName);
  ASSERT_TRUE(none.ok()) << none.error().ToString();
  EXPECT_FALSE(none.value().theory.has_value());
}

TEST(LoaderTheoryTest, ErrorNamesFileLinePathAndProblem) {
  const std::string text = Edit(TheoryTopology(), "primary_nap: \"to_a\"", "primary_nap: \"to_c\"");
  EXPECT_EQ(ErrorOf(text).ToString(),
            "topo.pbtxt:" + std::to_string(LineOf(text, "primary_nap: \"to_c\"")) +
                ": experiment.theory.primary_nap: unknown NAP \"to_c\" in SBC \"sbc1\"");
}

// `from` in the theory topology becomes `to`; the error names the line holding
// `at`, the field `path` (after "experiment.theory") and says exactly `message`.
struct BadTheory {
  const char* name;
  const char* from;
  const char* to;
  const char* at;
  const char* path;
  const char* message;
};

void PrintTo(const BadTheory& c, std::ostream* os) { *os << c.name; }

constexpr const char* kRoutesMessage =
    R"(traffic "busy_hour" arrives on NAP "from_callers", whose routes must try "to_a", then "to_b" first, in PRIORITY order)";

constexpr BadTheory kBadTheory[] = {
    {"UnknownSbc", R"(sbc: "sbc1")", R"(sbc: "sbc9")", R"(sbc: "sbc9")", ".sbc",
     R"(unknown node "sbc9")"},
    {"NoSbc", "    sbc: \"sbc1\"\n", "", "  theory {", ".sbc", "must name a node"},
    {"NotAnSbc", R"(sbc: "sbc1")", R"(sbc: "carrier_a")", R"(sbc: "carrier_a")", ".sbc",
     R"("carrier_a" is not an sbc node)"},
    {"NoPrimary", "    primary_nap: \"to_a\"\n", "", "  theory {", ".primary_nap",
     R"(must name a NAP of "sbc1")"},
    {"UnknownOverflow", R"(overflow_nap: "to_b")", R"(overflow_nap: "to_x")",
     R"(overflow_nap: "to_x")", ".overflow_nap", R"(unknown NAP "to_x" in SBC "sbc1")"},
    {"UnlimitedOverflow", "      max_sessions: 6\n", "", R"(overflow_nap: "to_b")", ".overflow_nap",
     R"(NAP "to_b" has no max_sessions: an unlimited group loses no calls)"},
    {"PrimaryWithCpsCap", "      max_sessions: 10\n", "      max_sessions: 10\n      cps: 5\n",
     R"(primary_nap: "to_a")", ".primary_nap",
     R"(NAP "to_a" has a cps cap: calls would skip it below its session cap, which the loss system does not model)"},
    {"OverflowIsThePrimary", R"(overflow_nap: "to_b")", R"(overflow_nap: "to_a")",
     R"(overflow_nap: "to_a")", ".overflow_nap", "must be another NAP than primary_nap"},
    {"RoutesInAnotherOrder", "      routes { nap: \"to_a\" }\n      routes { nap: \"to_b\" }\n",
     "      routes { nap: \"to_b\" }\n      routes { nap: \"to_a\" }\n", "  theory {", "",
     kRoutesMessage},
    {"NoOverflowRoute", "      routes { nap: \"to_b\" }\n", "", "  theory {", "", kRoutesMessage},
    {"WeightedRoutes", "      peer: \"callers\"\n",
     "      peer: \"callers\"\n      route_selection: WEIGHTED\n", "  theory {", "",
     kRoutesMessage},
    {"IngressCapBelowTheGroups", "      peer: \"callers\"\n",
     "      peer: \"callers\"\n      max_sessions: 15\n", "  theory {", "",
     R"(traffic "busy_hour" arrives on NAP "from_callers", which admits 15 sessions, fewer than the loss system's 16)"},
    {"IngressCpsCap", "      peer: \"callers\"\n", "      peer: \"callers\"\n      cps: 100\n",
     "  theory {", "",
     R"(traffic "busy_hour" arrives on NAP "from_callers", which has a cps cap that the loss system does not model)"},
};

class BadTheoryTest : public ::testing::TestWithParam<BadTheory> {};

TEST_P(BadTheoryTest, NamesTheLinePathAndProblem) {
  const BadTheory& c = GetParam();
  const std::string text = Edit(TheoryTopology(), c.from, c.to);
  const LoadError e = ErrorOf(text);
  EXPECT_EQ(e.line, LineOf(text, c.at));
  EXPECT_EQ(e.path, std::string("experiment.theory") + c.path);
  EXPECT_EQ(e.message, c.message);
}

INSTANTIATE_TEST_SUITE_P(LoaderTheoryTest, BadTheoryTest, ::testing::ValuesIn(kBadTheory),
                         [](const auto& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace crankback::topologies
