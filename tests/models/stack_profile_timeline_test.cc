// Stack profiles at node level, in virtual time (sip-semantics D1): an SBC
// whose route is silent gives up after the profile's timeout and advances.
#include <gtest/gtest.h>

#include "tests/models/scenario_fixture.h"

namespace crankback {
namespace {

struct Outcome {
  int invites_to_silent = 0;
  double last_invite_s = 0;
  double first_invite_to_backup_s = -1;
};

// callers -> sbc -> {silent carrier (link loses everything), backup}; one call.
Outcome RunOneCall(const sip::TimerProfile& sbc_stack) {
  testing::ChainSpec spec;
  spec.carriers = {{"silent", 0}, {"backup", 0}};
  spec.calls_per_second = 0.2;  // only the first call is traced
  spec.holding = sim::Distribution::Deterministic(1);
  models::ScenarioParams s = testing::Chain(spec);
  s.nodes[1].timers = sbc_stack;
  s.links[1].params.loss = 1.0;  // sbc <-> silent: nothing gets through
  models::RunSpec run = testing::Spec(3, 0, 30, 0);
  run.trace_calls = 1;
  const auto r =
      models::RunSimulation(s, testing::Policy("advance", policy::Action::kAdvance), run);
  EXPECT_TRUE(r.violations.empty());
  Outcome o;
  double first_invite_s = -1;
  for (const sip::TraceEvent& e : r.trace) {
    if (e.message.method != sip::Method::kInvite || !e.message.is_request() || e.message.from != 1)
      continue;
    const double t = sim::ToSeconds(e.sent);
    if (first_invite_s < 0) first_invite_s = t;
    if (e.message.to == 2) {
      ++o.invites_to_silent;
      o.last_invite_s = t - first_invite_s;
    } else if (o.first_invite_to_backup_s < 0) {
      o.first_invite_to_backup_s = t - first_invite_s;
    }
  }
  return o;
}

TEST(StackProfileTimeline, Rfc3261SevenInvitesThenTimerBAt64T1) {  // A1, A1b
  for (int t1_ms : {500, 1000}) {
    sip::TimerProfile p = sip::Rfc3261Profile();
    p.t1 = sim::Duration::Millis(t1_ms);
    const Outcome o = RunOneCall(p);
    EXPECT_EQ(o.invites_to_silent, 7) << "T1 " << t1_ms;
    EXPECT_DOUBLE_EQ(o.last_invite_s, 63 * t1_ms / 1000.0);
    EXPECT_DOUBLE_EQ(o.first_invite_to_backup_s, 64 * t1_ms / 1000.0);
  }
}

TEST(StackProfileTimeline, KamailioTenInvitesThen408At30s) {  // D1
  const Outcome o = RunOneCall(sip::KamailioProfile());
  EXPECT_EQ(o.invites_to_silent, 10);
  EXPECT_DOUBLE_EQ(o.last_invite_s, 27.5);
  EXPECT_DOUBLE_EQ(o.first_invite_to_backup_s, 30.0);
}

TEST(StackProfileTimeline, SippSixInvitesThenGivesUp) {  // D1, SIPp row
  const Outcome o = RunOneCall(sip::SippProfile());
  EXPECT_EQ(o.invites_to_silent, 6);
  EXPECT_DOUBLE_EQ(o.first_invite_to_backup_s, 31.5);
}

}  // namespace
}  // namespace crankback
