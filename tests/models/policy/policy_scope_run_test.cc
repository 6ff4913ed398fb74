// Cause-map scopes through a running SBC: the decision sees the route, the
// egress NAP and the Reason header of each failure. Carrier A is a PBX that
// answers 486 (Reason: Q.850;cause=17) at its line limit; carrier B has room.
// Every policy sees the same calls, so A refuses the same calls under each, and
// a policy that advances sends exactly those calls to B (the guide's case (b)).
#include <gtest/gtest.h>

#include "tests/models/scenario_fixture.h"

namespace crankback {
namespace {

using policy::Action;
using policy::CauseRule;

struct Outcome {
  uint64_t attempts = 0;
  uint64_t failed = 0;
  uint64_t failed_retryable = 0;
  uint64_t invites_at_b = 0;
};

Outcome RunPolicy(const policy::CauseMap& policy) {
  testing::ChainSpec spec;
  spec.carriers = {{"carrier_a", 3, "pbx-486"}, {"carrier_b", 0, "rfc3398"}};
  spec.calls_per_second = 6;
  const models::RunResult run =
      models::RunSimulation(testing::Chain(spec), policy, testing::Spec(3, 0, 300, 0));
  EXPECT_TRUE(run.violations.empty()) << run.violations.front();
  return {run.metrics.attempts(), run.metrics.failed(), run.metrics.failed_retryable(),
          run.nodes.at(3).counters.invites};
}

// Node 1 is the SBC; its NAP 0 faces the callers and routes to NAP 1 (carrier
// A, route 0) then NAP 2 (carrier B, route 1).
policy::CauseMap WithRoute(uint32_t route, std::vector<CauseRule> rules) {
  policy::CauseMap p = testing::Policy("route", Action::kStop);
  p.routes = {{1, 0, route, std::move(rules)}};
  return p;
}

policy::CauseMap WithNap(uint32_t nap, std::vector<CauseRule> rules) {
  policy::CauseMap p = testing::Policy("nap", Action::kStop);
  p.naps = {{1, nap, std::move(rules)}};
  return p;
}

class PolicyScopeRun : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    stop_ = RunPolicy(testing::Policy("stop", Action::kStop));
    ASSERT_GT(stop_.failed, 20u);
  }
  // The calls A refused stopped: all failed, all retryable, none reached B.
  static void ExpectStopped(const Outcome& o) {
    EXPECT_EQ(o.failed, stop_.failed);
    EXPECT_EQ(o.invites_at_b, 0u);
  }
  // The calls A refused advanced to B and were answered there.
  static void ExpectAdvanced(const Outcome& o) {
    EXPECT_EQ(o.failed, 0u);
    EXPECT_EQ(o.invites_at_b, stop_.failed);
  }
  static Outcome stop_;
};
Outcome PolicyScopeRun::stop_;

TEST_F(PolicyScopeRun, StoppingOn486StrandsRetryableCalls) {
  EXPECT_EQ(stop_.failed_retryable, stop_.failed);
  EXPECT_EQ(stop_.invites_at_b, 0u);
}

TEST_F(PolicyScopeRun, GlobalRuleAdvancesOn486) {
  ExpectAdvanced(
      RunPolicy(testing::Policy("g", Action::kStop, {CauseRule::Code(486, Action::kAdvance)})));
}

TEST_F(PolicyScopeRun, RouteRuleSeesTheRouteThatFailed) {
  ExpectAdvanced(RunPolicy(WithRoute(0, {CauseRule::Code(486, Action::kAdvance)})));
  ExpectStopped(RunPolicy(WithRoute(1, {CauseRule::Code(486, Action::kAdvance)})));
}

TEST_F(PolicyScopeRun, NapRuleSeesTheEgressTrunkGroup) {
  ExpectAdvanced(RunPolicy(WithNap(1, {CauseRule::Code(486, Action::kAdvance)})));
  ExpectStopped(RunPolicy(WithNap(2, {CauseRule::Code(486, Action::kAdvance)})));
}

TEST_F(PolicyScopeRun, RouteRuleBeatsNapRuleBeatsGlobalRule) {
  policy::CauseMap p =
      testing::Policy("all", Action::kAdvance, {CauseRule::Code(486, Action::kAdvance)});
  p.naps = {{1, 1, {CauseRule::Code(486, Action::kStop)}}};
  ExpectStopped(RunPolicy(p));
  p.routes = {{1, 0, 0, {CauseRule::Code(486, Action::kAdvance)}}};
  ExpectAdvanced(RunPolicy(p));
}

// The PBX's 486 carries Reason: Q.850;cause=17 (user busy), not 34.
TEST_F(PolicyScopeRun, Q850RuleSeesTheReasonHeader) {
  ExpectAdvanced(
      RunPolicy(testing::Policy("q", Action::kStop, {CauseRule::Q850(17, Action::kAdvance)})));
  ExpectStopped(
      RunPolicy(testing::Policy("q", Action::kStop, {CauseRule::Q850(34, Action::kAdvance)})));
}

// Until the SBC wires them, the new actions end the call like a stop.
TEST_F(PolicyScopeRun, ActionsOtherThanAdvanceFailUpstream) {
  CauseRule translate = CauseRule::Code(486, Action::kTranslate);
  translate.translate_to = 503;
  ExpectStopped(RunPolicy(testing::Policy("t", Action::kStop, {translate})));
}

// The presets through the SBC: 486 advances only under advance-on-everything.
TEST_F(PolicyScopeRun, PresetsDecideThe486) {
  ExpectStopped(RunPolicy(*policy::FindPresetPolicy("prosbc-default")));
  ExpectStopped(RunPolicy(*policy::FindPresetPolicy("kamailio-dispatcher")));
  ExpectStopped(RunPolicy(*policy::FindPresetPolicy("freeswitch-default")));
  ExpectAdvanced(RunPolicy(*policy::FindPresetPolicy("advance-on-everything")));
}

}  // namespace
}  // namespace crankback
