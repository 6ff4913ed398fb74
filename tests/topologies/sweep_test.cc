// Field paths (`simrun --set`), sweeps (experiment.sweep) and load_scale: every
// override is validated like the file, and every sweep point is a study of its own.
#include <gtest/gtest.h>

#include "tests/topologies/test_topology.h"
#include "topologies/builder.h"

namespace crankback::topologies {
namespace {

using namespace test_topology;
using loader_internal::SetField;

pb::Simulation Parsed(const std::string& text) {
  pb::Simulation sim;
  FieldPath::Tree tree;
  bool is_text = false;
  EXPECT_FALSE(loader_internal::Parse(text, kDisplayName, sim, tree, is_text).has_value());
  return sim;
}

TEST(SetField, SetsScalarsEnumsAndStringsByNameOrIndex) {
  pb::Simulation sim = Parsed(ValidTopology());
  EXPECT_EQ(SetField(sim, "traffic[\"busy_hour\"].calls_per_second", "2.5"), "");
  EXPECT_DOUBLE_EQ(sim.traffic(0).calls_per_second(), 2.5);
  EXPECT_EQ(SetField(sim, "nodes[\"sbc1\"].sbc.naps[\"to_a\"].max_sessions", "40"), "");
  EXPECT_EQ(sim.nodes(1).sbc().naps(1).max_sessions(), 40);
  EXPECT_EQ(SetField(sim, "nodes[1].sbc.naps[2].route_selection", "LEAST_COST"), "");
  EXPECT_EQ(sim.nodes(1).sbc().naps(2).route_selection(), pb::LEAST_COST);
  EXPECT_EQ(SetField(sim, "nodes[carrier_b].carrier.dialect", "\"asterisk\""), "");
  EXPECT_EQ(sim.nodes(3).carrier().dialect(), "asterisk");
  EXPECT_EQ(SetField(sim, "experiment.load_scale", "1.5"), "");
  EXPECT_DOUBLE_EQ(sim.experiment().load_scale(), 1.5);
  // A oneof member replaces its siblings: holding time becomes deterministic.
  EXPECT_EQ(SetField(sim, "traffic[0].holding_time.deterministic_s", "30"), "");
  EXPECT_TRUE(sim.traffic(0).holding_time().has_deterministic_s());
  EXPECT_FALSE(sim.traffic(0).holding_time().has_exponential_mean_s());
  EXPECT_EQ(SetField(sim, "links[2].transport", "2"), "");  // an enum by number
  EXPECT_EQ(sim.links(2).transport(), pb::TLS);
}

TEST(SetField, NamesWhatIsWrong) {
  pb::Simulation sim = Parsed(ValidTopology());
  const pb::Simulation before = sim;
  EXPECT_EQ(SetField(sim, "traffic[0].calls_per_sec", "1"),
            "no field \"calls_per_sec\" in crankback.pb.TrafficSource");
  EXPECT_EQ(SetField(sim, "traffic.calls_per_second", "1"),
            "traffic is repeated: name an element, e.g. traffic[0]");
  EXPECT_EQ(SetField(sim, "experiment[0].seed", "1"), "experiment is not repeated: drop the [...]");
  EXPECT_EQ(SetField(sim, "traffic[4].calls_per_second", "1"), "traffic[4]: there are 1 elements");
  EXPECT_EQ(SetField(sim, "nodes[\"sbc9\"].name", "x"), "nodes: no element named \"sbc9\"");
  EXPECT_EQ(SetField(sim, "traffic[0].calls_per_second", "fast"),
            "\"fast\" is not a valid double for calls_per_second");
  EXPECT_EQ(SetField(sim, "traffic[0].calls_per_second", "inf"),
            "\"inf\" is not a valid double for calls_per_second");
  EXPECT_EQ(SetField(sim, "nodes[1].sbc.naps[1].max_sessions", "3000000000"),
            "\"3000000000\" is not a valid int32 for max_sessions");
  EXPECT_EQ(SetField(sim, "nodes[1].sbc.naps[1].max_sessions", "2.5"),
            "\"2.5\" is not a valid int32 for max_sessions");
  EXPECT_EQ(SetField(sim, "traffic[0].holding_time", "3"),
            "holding_time is a message: name one of its fields, or give its fields in text "
            "format (\"3\" is not a Distribution)");
  EXPECT_EQ(SetField(sim, "traffic[0].holding_time", "{exponential_mean_s: 7}"), "");
  EXPECT_EQ(sim.traffic(0).holding_time().exponential_mean_s(), 7);
  sim.mutable_traffic(0)->CopyFrom(before.traffic(0));
  EXPECT_EQ(SetField(sim, "links[0].transport", "QUIC"),
            "\"QUIC\" is not a value of Transport (UDP, TCP, TLS)");
  EXPECT_EQ(SetField(sim, "traffic[0].", "1"), "the path ends with '.'");
  EXPECT_EQ(SetField(sim, "traffic[0", "1"), "unclosed [ at column 8");
  EXPECT_EQ(sim.DebugString(), before.DebugString());  // nothing was half-set
}

Loaded<Plan> PlanOf(const std::string& text, const Overrides& overrides = {}) {
  return LoadPlan(text, kDisplayName, overrides);
}

const std::string kSweep = R"(  sweep {
    path: "traffic[\"busy_hour\"].calls_per_second"
    values: "0.5"
    values: "1"
  }
  sweep {
    path: "nodes[\"sbc1\"].sbc.naps[\"to_a\"].max_sessions"
    range { from: 5 to: 15 step: 5 }
  }
)";

std::string WithSweep(const std::string& sweep = kSweep) {
  return Edit(ValidTopology(), "  seed: 7\n", "  seed: 7\n" + sweep);
}

TEST(Sweep, CartesianProductWithTheLastAxisFastest) {
  const Loaded<Plan> plan = PlanOf(WithSweep());
  ASSERT_TRUE(plan.ok()) << plan.error().ToString();
  const Plan& p = plan.value();
  ASSERT_EQ(p.axes.size(), 2u);
  ASSERT_EQ(p.points.size(), 6u);
  const std::vector<std::vector<std::string>> expected = {
      {"0.5", "5"}, {"0.5", "10"}, {"0.5", "15"}, {"1", "5"}, {"1", "10"}, {"1", "15"}};
  for (size_t k = 0; k < 6; ++k) {
    EXPECT_EQ(p.points[k].values, expected[k]) << k;
    const Study& s = p.points[k].study;
    EXPECT_DOUBLE_EQ(s.scenario.traffic[0].calls_per_second, k < 3 ? 0.5 : 1.0);
    const auto& sbc = std::get<nodes::SbcParams>(s.scenario.nodes[1].kind);
    EXPECT_EQ(sbc.naps[1].max_sessions, 5u * (k % 3 + 1));
    EXPECT_EQ(s.experiment.seed, 7u);  // every point: the same seed and streams
  }
}

TEST(Sweep, LoadScaleMultipliesEveryRate) {
  const Loaded<Plan> plan = PlanOf(WithSweep(R"(  sweep {
    path: "experiment.load_scale"
    range { from: 0.5 to: 3 step: 0.5 }
  }
)"));
  ASSERT_TRUE(plan.ok()) << plan.error().ToString();
  ASSERT_EQ(plan.value().points.size(), 6u);
  EXPECT_EQ(plan.value().points[5].values[0], "3");
  for (size_t k = 0; k < 6; ++k) {
    EXPECT_DOUBLE_EQ(plan.value().points[k].study.scenario.traffic[0].calls_per_second,
                     0.5 * 0.5 * static_cast<double>(k + 1));
  }
}

TEST(Sweep, ErrorsNameTheAxisOrThePoint) {
  const std::string twice = WithSweep(R"(  sweep { path: "experiment.load_scale" values: "1" }
  sweep { path: "experiment.load_scale" values: "2" }
)");
  LoadError e = PlanOf(twice).error();
  EXPECT_EQ(e.path, "experiment.sweep[1].path");
  EXPECT_EQ(e.line, LineOf(twice, "values: \"2\""));
  EXPECT_EQ(e.message, "\"experiment.load_scale\" is swept twice");

  e = PlanOf(WithSweep("  sweep { path: \"experiment.replications\" values: \"3\" }\n")).error();
  EXPECT_EQ(e.message, "experiment.replications cannot be swept");

  e = PlanOf(WithSweep("  sweep { path: \"experiment.load_scale\" range { from: 1 to: 2 } }\n"))
          .error();
  EXPECT_EQ(e.path, "experiment.sweep[0].range.step");
  EXPECT_EQ(e.message, "must be > 0 (got 0)");

  e = PlanOf(WithSweep("  sweep { path: \"experiment.load_scale\" }\n")).error();
  EXPECT_EQ(e.message, "needs values or a range");

  e = PlanOf(WithSweep("  sweep { path: \"traffic[0].rate\" values: \"1\" }\n")).error();
  EXPECT_EQ(e.path, "experiment.sweep[0].path");
  EXPECT_EQ(e.message, "no field \"rate\" in crankback.pb.TrafficSource");

  // A point the file's own checks reject: the error says which point.
  const std::string bad =
      WithSweep("  sweep { path: \"experiment.load_scale\" values: \"1\" values: \"-2\" }\n");
  e = PlanOf(bad).error();
  EXPECT_EQ(e.file, kDisplayName);
  EXPECT_EQ(e.path, "experiment.load_scale");
  EXPECT_EQ(e.message,
            "must be > 0 and <= 1e6 (got -2) (at sweep point 1: experiment.load_scale = -2)");
}

TEST(Overrides, SetIsValidatedLikeTheFile) {
  Overrides o;
  o.sets = {{"traffic[\"busy_hour\"].calls_per_second", "-1"}};
  const Loaded<Plan> plan = PlanOf(ValidTopology(), o);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.error().ToString(),
            "--set: traffic[\"busy_hour\"].calls_per_second: must be > 0 and <= 1e+06 (got -1) "
            "(traffic[\"busy_hour\"].calls_per_second=-1)");

  o.sets = {{"traffic[0].calls_per_second", "abc"}};
  EXPECT_EQ(PlanOf(ValidTopology(), o).error().ToString(),
            "--set: traffic[0].calls_per_second: \"abc\" is not a valid double for "
            "calls_per_second");

  o.sets = {{"traffic[\"busy_hour\"].calls_per_second", "4"}, {"experiment.seed", "99"}};
  const Loaded<Plan> good = PlanOf(ValidTopology(), o);
  ASSERT_TRUE(good.ok()) << good.error().ToString();
  EXPECT_DOUBLE_EQ(good.value().points[0].study.scenario.traffic[0].calls_per_second, 4);
  EXPECT_EQ(good.value().points[0].study.experiment.seed, 99u);
  // The resolved input carries the overrides, so the run can be reproduced from it.
  const Loaded<Plan> again = PlanOf(good.value().resolved_text);
  ASSERT_TRUE(again.ok());
  EXPECT_DOUBLE_EQ(again.value().points[0].study.scenario.traffic[0].calls_per_second, 4);
}

TEST(Overrides, PolicySubsetKeepsTheGivenOrder) {
  Overrides o;
  o.policies = {"advance-on-everything", "advance-on-5xx"};
  const Loaded<Plan> plan = PlanOf(ValidTopology(), o);
  ASSERT_TRUE(plan.ok()) << plan.error().ToString();
  const auto& policies = plan.value().points[0].study.policies;
  ASSERT_EQ(policies.size(), 2u);
  EXPECT_EQ(policies[0].name, "advance-on-everything");
  o.policies = {"advance-on-4xx"};
  const LoadError e = PlanOf(ValidTopology(), o).error();
  EXPECT_EQ(e.path, "experiment.policies[0]");
  EXPECT_EQ(e.message, "unknown policy \"advance-on-4xx\"");
}

// The calls-per-run limit counts what the profile, flash crowds and redials
// can add to calls_per_second x duration_s.
TEST(Experiment, CallsPerRunCountsFlashCrowdsAndRedials) {
  std::string text = Edit(ValidTopology(), "calls_per_second: 0.5", "calls_per_second: 1000");
  ASSERT_TRUE(LoadStudy(text, kDisplayName).ok());
  text = Edit(text, "holding_time { exponential_mean_s: 20 }",
              "holding_time { exponential_mean_s: 20 }\n"
              "  flash_crowds { start_s: 0 duration_s: 300 multiplier: 999 }");
  ASSERT_TRUE(LoadStudy(text, kDisplayName).ok());  // 1000 x 999 x 300 s = 3.0e8 calls
  text = Edit(text, "multiplier: 999 }",
              "multiplier: 999 }\n  redial { probability: 0.5 delay { deterministic_s: 1 } "
              "max_redials: 10 }");
  const LoadError e = ErrorOf(text);
  EXPECT_EQ(e.path, "experiment.duration_s");
  EXPECT_EQ(e.message, "offers 3.2967e+09 calls per run; the limit is 2e+09");
}

TEST(Sweep, AbsurdSizesAreRefused) {
  const LoadError e =
      PlanOf(WithSweep(
                 "  sweep { path: \"experiment.load_scale\" range { from: 1 to: 1e9 step: 1 } }\n"))
          .error();
  EXPECT_EQ(e.path, "experiment.sweep[0].range");
  EXPECT_EQ(e.message, "makes 1e+09 values; the limit is 100000");
}

}  // namespace
}  // namespace crankback::topologies
