// Per-node SIP stack profiles in the topology file: preset, then overrides.
#include <gtest/gtest.h>

#include "tests/topologies/test_topology.h"

namespace crankback::topologies {
namespace {

using test_topology::Edit;
using test_topology::ValidTopology;

const sip::TimerProfile& TimersOf(const Study& s, const std::string& node) {
  for (const auto& n : s.scenario.nodes) {
    if (n.name == node) return n.timers;
  }
  ADD_FAILURE() << "no node " << node;
  return s.scenario.nodes.front().timers;
}

std::string WithSbcStack(const std::string& stack) {
  return Edit(ValidTopology(), "  name: \"sbc1\"\n",
              "  name: \"sbc1\"\n  stack { " + stack + " }\n");
}

TEST(StackProfile, DefaultIsRfc3261) {
  const auto loaded = LoadStudy(ValidTopology(), "t.pbtxt");
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  const sip::TimerProfile& t = TimersOf(loaded.value(), "sbc1");
  EXPECT_EQ(t.t1, sim::Duration::Millis(500));
  EXPECT_FALSE(t.invite_retransmit_capped_at_t2);
  EXPECT_FALSE(t.final_response_timeout.has_value());
}

TEST(StackProfile, KamailioPresetWithOverride) {
  const auto loaded = LoadStudy(
      WithSbcStack("preset: \"kamailio\" t1_s: 1 final_response_timeout_s: 20"), "t.pbtxt");
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  const sip::TimerProfile& t = TimersOf(loaded.value(), "sbc1");
  EXPECT_TRUE(t.invite_retransmit_capped_at_t2);
  EXPECT_TRUE(t.rewrite_503_to_500);
  EXPECT_EQ(t.t1, sim::Duration::Seconds(1));
  EXPECT_EQ(t.final_response_timeout, sim::Duration::Seconds(20));
  EXPECT_EQ(t.TimerB(), sim::Duration::Seconds(64));  // scales with T1
  // Other nodes keep the default.
  EXPECT_FALSE(TimersOf(loaded.value(), "carrier_a").invite_retransmit_capped_at_t2);
}

TEST(StackProfile, SippPresetAndUnlimitedOverride) {
  const auto loaded =
      LoadStudy(WithSbcStack("preset: \"sipp\" max_non_invite_retransmissions: -1"), "t.pbtxt");
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  const sip::TimerProfile& t = TimersOf(loaded.value(), "sbc1");
  EXPECT_EQ(t.max_invite_retransmissions, 5);
  EXPECT_FALSE(t.max_non_invite_retransmissions.has_value());
}

TEST(StackProfile, BadValuesNameTheField) {
  struct Case {
    std::string stack, path, message;
  } cases[] = {
      {"preset: \"opensips\"", "nodes[\"sbc1\"].stack.preset", "unknown stack preset"},
      {"t1_s: 0", "nodes[\"sbc1\"].stack.t1_s", "must be > 0"},
      {"t1_s: 5 t2_s: 4", "nodes[\"sbc1\"].stack.t2_s", "T2 must not be below T1"},
      {"timer_b_s: -1", "nodes[\"sbc1\"].stack.timer_b_s", "must be > 0"},
      {"max_invite_retransmissions: 1000", "nodes[\"sbc1\"].stack.max_invite_retransmissions",
       "0..100"},
  };
  for (const Case& c : cases) {
    const auto loaded = LoadStudy(WithSbcStack(c.stack), "t.pbtxt");
    ASSERT_FALSE(loaded.ok()) << c.stack;
    EXPECT_EQ(loaded.error().path, c.path) << c.stack;
    EXPECT_NE(loaded.error().message.find(c.message), std::string::npos)
        << loaded.error().ToString();
    EXPECT_GT(loaded.error().line, 0) << c.stack;
  }
}

}  // namespace
}  // namespace crankback::topologies
