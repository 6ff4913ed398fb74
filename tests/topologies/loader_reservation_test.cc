// Loading trunk reservation (Nap.trunk_reservation), overflow routes and routes
// by dialled number (Route.overflow, Route.numbers), and the mesh theory
// (Experiment.theory.meshes); each bad value is reported with its line, its
// field path and an exact message.
#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "tests/topologies/test_topology.h"
#include "topologies/loader.h"

namespace crankback::topologies {
namespace {

using namespace test_topology;

#define NAP_A R"(nodes["sbc1"].sbc.naps["to_a"])"
#define NAP_B R"(nodes["sbc1"].sbc.naps["to_b"])"

// The valid topology with `extra` added to NAP to_a (10 sessions) and the
// callers dialling 100 and 200.
std::string WithToA(const std::string& extra) {
  std::string text =
      Edit(ValidTopology(), "      max_sessions: 10\n", "      max_sessions: 10\n" + extra);
  return Edit(text, "  holding_time { exponential_mean_s: 20 }\n",
              "  holding_time { exponential_mean_s: 20 }\n"
              "  destinations { number: \"100\" }\n  destinations { number: \"200\" }\n");
}

const nodes::SbcParams& SbcOf(const Study& s) {
  return std::get<nodes::SbcParams>(s.scenario.nodes[1].kind);
}

TEST(LoaderReservation, ReservationOverflowAndNumbersReachTheParams) {
  std::string text = WithToA("      trunk_reservation: 3\n");
  text = Edit(text, "      routes { nap: \"to_b\" }\n",
              "      routes { nap: \"to_b\" overflow: true numbers: \"2\" }\n");
  const Loaded<Study> loaded = LoadStudy(text, kDisplayName);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  const nodes::SbcParams& sbc = SbcOf(loaded.value());
  EXPECT_EQ(sbc.naps[1].trunk_reservation, 3u);
  EXPECT_EQ(sbc.naps[2].trunk_reservation, 0u);  // the default: none
  const nodes::RouteParams& to_b = sbc.naps[0].routes[1];
  EXPECT_TRUE(to_b.overflow);
  EXPECT_FALSE(sbc.naps[0].routes[0].overflow);
  EXPECT_TRUE(sbc.naps[0].routes[0].serves.empty());  // every number
  const auto& numbers = loaded.value().scenario.destinations;
  ASSERT_EQ(to_b.serves.size(), numbers.size());
  for (size_t i = 0; i < numbers.size(); ++i)
    EXPECT_EQ(to_b.serves[i], numbers[i] == "200") << numbers[i];
}

struct BadReservation {
  const char* name;
  const char* from;  // replaced in WithToA("")
  const char* to;
  const char* at;  // the line the error names
  const char* path;
  const char* message;
};

void PrintTo(const BadReservation& c, std::ostream* os) { *os << c.name; }

constexpr BadReservation kBad[] = {
    {"Negative", "      max_sessions: 10\n",
     "      max_sessions: 10\n      trunk_reservation: -1\n", "trunk_reservation: -1",
     NAP_A ".trunk_reservation", "must be >= 0 (0 = none; got -1)"},
    {"NotBelowMaxSessions", "      max_sessions: 10\n",
     "      max_sessions: 10\n      trunk_reservation: 10\n", "trunk_reservation: 10",
     NAP_A ".trunk_reservation", "must be less than max_sessions, 10 (got 10)"},
    {"WithoutMaxSessions", "      peer: \"carrier_b\"\n",
     "      peer: \"carrier_b\"\n      trunk_reservation: 2\n", "trunk_reservation: 2",
     NAP_B ".trunk_reservation", "needs max_sessions"},
    {"EmptyNumber", "      routes { nap: \"to_b\" }\n",
     "      routes { nap: \"to_b\"\n numbers: \"\" }\n", "numbers: \"\"",
     R"(nodes["sbc1"].sbc.naps["from_callers"].routes[1].numbers[0])", "must not be empty"},
};

#undef NAP_A
#undef NAP_B

class BadReservationTest : public ::testing::TestWithParam<BadReservation> {};

TEST_P(BadReservationTest, NamesTheLinePathAndProblem) {
  const BadReservation& c = GetParam();
  const std::string text = Edit(WithToA(""), c.from, c.to);
  const LoadError e = ErrorOf(text);
  EXPECT_EQ(e.line, LineOf(text, c.at));
  EXPECT_EQ(e.path, c.path);
  EXPECT_EQ(e.message, c.message);
}

INSTANTIATE_TEST_SUITE_P(LoaderReservation, BadReservationTest, ::testing::ValuesIn(kBad),
                         [](const auto& p) { return std::string(p.param.name); });

TEST(LoaderMeshTheory, AMeshNeedsThreeSbcSites) {
  const std::string text = Edit(ValidTopology(), "  seed: 7\n",
                                "  seed: 7\n  theory {\n    meshes { name: \"m\" sbcs: \"sbc1\" "
                                "sbcs: \"carrier_a\" }\n  }\n");
  const LoadError e = ErrorOf(text);
  EXPECT_EQ(e.line, LineOf(text, "meshes {"));
  EXPECT_EQ(e.path, R"(experiment.theory.meshes["m"].sbcs)");
  EXPECT_EQ(e.message, "a mesh needs at least 3 sites (got 2)");

  const std::string three = Edit(text, "sbcs: \"carrier_a\"", "sbcs: \"carrier_a\" sbcs: \"x\"");
  EXPECT_EQ(ErrorOf(three).path, R"(experiment.theory.meshes["m"].sbcs[1])");
  EXPECT_EQ(ErrorOf(three).message, "\"carrier_a\" is not an sbc node");
}

TEST(LoaderMeshTheory, MeshNameIsAnIdentifier) {
  const std::string text = Edit(ValidTopology(), "  seed: 7\n",
                                "  seed: 7\n  theory {\n    meshes { name: \"a b\" }\n  }\n");
  const LoadError e = ErrorOf(text);
  EXPECT_EQ(e.path, R"(experiment.theory.meshes["a b"].name)");
  EXPECT_EQ(e.message, "only letters, digits and _ (got \"a b\")");
}

}  // namespace
}  // namespace crankback::topologies
