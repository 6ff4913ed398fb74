// Cause maps: every match kind, every action, the scope precedence (route, then
// NAP, then global, then the fallback), and the preset policies against the
// behaviour their sources document (the response-codes guide; sip-semantics D5).
#include "models/policy/cause_map.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace crankback::policy {
namespace {

using A = Action;
using S = Decision::Source;

// SBC node 1; ingress NAP 0 routes to egress NAPs 1 and 2 (routes 0 and 1).
constexpr Attempt kRoute0{.sbc = 1, .in_nap = 0, .route = 0, .nap = 1};
constexpr Attempt kRoute1{.sbc = 1, .in_nap = 0, .route = 1, .nap = 2};

CauseMap Map(std::vector<CauseRule> rules, Action fallback = A::kStop) {
  CauseMap m;
  m.name = "test";
  m.rules = std::move(rules);
  m.fallback = fallback;
  return m;
}

TEST(CauseMatch, ExactCodeMatchesOnlyThatCode) {
  const CauseRule r = CauseRule::Code(503, A::kAdvance);
  EXPECT_TRUE(r.Matches(503, 0));
  EXPECT_FALSE(r.Matches(502, 0));
  EXPECT_FALSE(r.Matches(504, 0));
  EXPECT_TRUE(r.Matches(503, 34));  // a Reason does not hide the code
}

TEST(CauseMatch, ClassMatchesItsHundred) {
  const CauseRule r = CauseRule::Class(5, A::kAdvance);
  EXPECT_EQ(r.low, 500);
  EXPECT_EQ(r.high, 599);
  EXPECT_EQ(r.match, MatchKind::kClass);
  EXPECT_FALSE(r.Matches(499, 0));
  EXPECT_TRUE(r.Matches(500, 0));
  EXPECT_TRUE(r.Matches(599, 0));
  EXPECT_FALSE(r.Matches(600, 0));
}

TEST(CauseMatch, RangeIsInclusive) {
  const CauseRule r = CauseRule::Range(480, 486, A::kAdvance);
  EXPECT_FALSE(r.Matches(479, 0));
  EXPECT_TRUE(r.Matches(480, 0));
  EXPECT_TRUE(r.Matches(486, 0));
  EXPECT_FALSE(r.Matches(487, 0));
  // The plain aggregate the tests' fixtures use is a range too.
  const CauseRule plain{503, 503, A::kAdvance};
  EXPECT_EQ(plain.match, MatchKind::kRange);
  EXPECT_TRUE(plain.Matches(503, 0));
}

// RFC 3326 / RFC 6432: the Reason header's Q.850 cause, whatever the code.
TEST(CauseMatch, Q850MatchesTheReasonCauseNotTheCode) {
  const CauseRule r = CauseRule::Q850(34, A::kAdvance);
  EXPECT_TRUE(r.Matches(503, 34));
  EXPECT_TRUE(r.Matches(486, 34));
  EXPECT_FALSE(r.Matches(503, 0));  // no Reason header
  EXPECT_FALSE(r.Matches(34, 0));   // the cause is not a code
  EXPECT_FALSE(r.Matches(503, 17));
}

TEST(CauseMap, FirstMatchingRuleOfAScopeWins) {
  const CauseMap m =
      Map({CauseRule::Code(503, A::kStop), CauseRule::Class(5, A::kAdvance)}, A::kStop);
  Decision d = m.Decide(kRoute0, 503);
  EXPECT_EQ(d.action, A::kStop);
  EXPECT_EQ(d.source, S::kGlobal);
  EXPECT_EQ(d.rule, 0);
  d = m.Decide(kRoute0, 502);
  EXPECT_EQ(d.action, A::kAdvance);
  EXPECT_EQ(d.rule, 1);
  d = m.Decide(kRoute0, 486);
  EXPECT_EQ(d.action, A::kStop);
  EXPECT_EQ(d.source, S::kFallback);
  EXPECT_EQ(d.rule, -1);
}

// The same failure, with rules in more and more specific scopes: the most
// specific scope that has a matching rule decides.
TEST(CauseMap, RouteBeatsNapBeatsGlobalBeatsFallback) {
  CauseMap m = Map({}, A::kAdvance);
  EXPECT_EQ(m.Decide(kRoute0, 486).source, S::kFallback);
  EXPECT_EQ(m.Decide(kRoute0, 486).action, A::kAdvance);

  m.rules = {CauseRule::Class(4, A::kStop)};
  EXPECT_EQ(m.Decide(kRoute0, 486).source, S::kGlobal);
  EXPECT_EQ(m.Decide(kRoute0, 486).action, A::kStop);

  m.naps = {{1, 1, {CauseRule::Code(486, A::kAdvance)}}};
  EXPECT_EQ(m.Decide(kRoute0, 486).source, S::kNap);
  EXPECT_EQ(m.Decide(kRoute0, 486).action, A::kAdvance);

  m.routes = {{1, 0, 0, {CauseRule::Code(486, A::kStop)}}};
  EXPECT_EQ(m.Decide(kRoute0, 486).source, S::kRoute);
  EXPECT_EQ(m.Decide(kRoute0, 486).action, A::kStop);
}

// A scope without a matching rule passes the failure on to the next scope.
TEST(CauseMap, AScopeWithoutAMatchDefersToTheNext) {
  CauseMap m = Map({CauseRule::Class(4, A::kAdvance)});
  m.naps = {{1, 1, {CauseRule::Code(503, A::kStop)}}};
  m.routes = {{1, 0, 0, {CauseRule::Q850(34, A::kAdvance)}}};
  const Decision d = m.Decide(kRoute0, 486, 17);
  EXPECT_EQ(d.source, S::kGlobal);
  EXPECT_EQ(d.action, A::kAdvance);
  EXPECT_EQ(m.Decide(kRoute0, 503, 34).source, S::kRoute);
  EXPECT_EQ(m.Decide(kRoute0, 503, 41).source, S::kNap);
}

TEST(CauseMap, RulesOfOtherRoutesNapsAndSbcsDoNotApply) {
  CauseMap m = Map({});
  m.naps = {{1, 2, {CauseRule::Code(486, A::kAdvance)}},        // the other egress NAP
            {7, 1, {CauseRule::Code(486, A::kAdvance)}}};       // another SBC
  m.routes = {{1, 0, 1, {CauseRule::Code(486, A::kAdvance)}},   // the other route
              {1, 3, 0, {CauseRule::Code(486, A::kAdvance)}}};  // another ingress NAP
  EXPECT_EQ(m.Decide(kRoute0, 486).source, S::kFallback);
  const Decision d = m.Decide(kRoute1, 486);
  EXPECT_EQ(d.source, S::kRoute);
  EXPECT_EQ(d.action, A::kAdvance);
}

// Each action, and what it sends upstream: the caller needs no table lookup.
TEST(CauseMap, EachActionSaysWhatGoesUpstream) {
  CauseRule translate = CauseRule::Code(503, A::kTranslate);
  translate.translate_to = 486;
  translate.q850_cause = 34;  // the guide's case (h): 503 -> 486 + Reason: Q.850;cause=34
  CauseRule translate_only = CauseRule::Code(502, A::kTranslate);
  translate_only.translate_to = 500;
  CauseRule add_reason = CauseRule::Code(480, A::kAddReason);
  add_reason.q850_cause = 19;
  const CauseMap m = Map({translate, translate_only, add_reason, CauseRule::Class(3, A::kRedirect),
                          CauseRule::Class(5, A::kAdvance)},
                         A::kStop);

  Decision d = m.Decide(kRoute0, 503, 42);
  EXPECT_EQ(d.action, A::kTranslate);
  EXPECT_TRUE(d.FailsUpstream());
  EXPECT_EQ(d.UpstreamCode(503), 486);
  EXPECT_EQ(d.UpstreamQ850(42), 34);

  d = m.Decide(kRoute0, 502, 38);
  EXPECT_EQ(d.action, A::kTranslate);
  EXPECT_EQ(d.UpstreamCode(502), 500);
  EXPECT_EQ(d.UpstreamQ850(38), 38);  // no cause on the rule: the Reason as received

  d = m.Decide(kRoute0, 480);
  EXPECT_EQ(d.action, A::kAddReason);
  EXPECT_TRUE(d.FailsUpstream());
  EXPECT_EQ(d.UpstreamCode(480), 480);
  EXPECT_EQ(d.UpstreamQ850(0), 19);

  d = m.Decide(kRoute0, 302);
  EXPECT_EQ(d.action, A::kRedirect);
  EXPECT_FALSE(d.FailsUpstream());

  d = m.Decide(kRoute0, 500);
  EXPECT_EQ(d.action, A::kAdvance);
  EXPECT_FALSE(d.FailsUpstream());
  EXPECT_EQ(d.code, 0);
  EXPECT_EQ(d.q850_cause, 0);

  d = m.Decide(kRoute0, 404, 1);
  EXPECT_EQ(d.action, A::kStop);
  EXPECT_TRUE(d.FailsUpstream());
  EXPECT_EQ(d.UpstreamCode(404), 404);
  EXPECT_EQ(d.UpstreamQ850(1), 1);
}

// Only translate and add_reason pass their parameters on: a stray value on
// another rule never reaches the decision.
TEST(CauseMap, ParametersOfOtherActionsAreIgnored) {
  CauseRule stop = CauseRule::Code(503, A::kStop);
  stop.translate_to = 486;
  stop.q850_cause = 34;
  const Decision d = Map({stop}).Decide(kRoute0, 503, 41);
  EXPECT_EQ(d.UpstreamCode(503), 503);
  EXPECT_EQ(d.UpstreamQ850(41), 41);
}

TEST(CauseMap, RuleOfNamesTheRuleThatFired) {
  CauseMap m = Map({CauseRule::Class(5, A::kAdvance)});
  m.naps = {{1, 1, {CauseRule::Code(404, A::kStop), CauseRule::Code(486, A::kAdvance)}}};
  m.routes = {{1, 0, 0, {CauseRule::Q850(17, A::kStop)}}};
  Decision d = m.Decide(kRoute0, 486);
  ASSERT_NE(m.RuleOf(kRoute0, d), nullptr);
  EXPECT_EQ(m.RuleOf(kRoute0, d), &m.naps[0].rules[1]);
  d = m.Decide(kRoute0, 486, 17);
  EXPECT_EQ(m.RuleOf(kRoute0, d), &m.routes[0].rules[0]);
  d = m.Decide(kRoute0, 503);
  EXPECT_EQ(m.RuleOf(kRoute0, d), &m.rules[0]);
  d = m.Decide(kRoute0, 603);
  EXPECT_EQ(m.RuleOf(kRoute0, d), nullptr);
}

TEST(CauseMap, ActionAndSourceNamesForTheTrace) {
  EXPECT_STREQ(ActionName(A::kAdvance), "advance");
  EXPECT_STREQ(ActionName(A::kStop), "stop");
  EXPECT_STREQ(ActionName(A::kRedirect), "redirect");
  EXPECT_STREQ(ActionName(A::kTranslate), "translate");
  EXPECT_STREQ(ActionName(A::kAddReason), "add_reason");
  EXPECT_STREQ(SourceName(S::kRoute), "route");
  EXPECT_STREQ(SourceName(S::kNap), "nap");
  EXPECT_STREQ(SourceName(S::kGlobal), "global");
  EXPECT_STREQ(SourceName(S::kFallback), "fallback");
}

// ------------------------------------------------------------------ presets ----

struct PresetCase {
  const char* policy;
  int code;
  int reason_q850;
  Action expected;
};

void PrintTo(const PresetCase& c, std::ostream* os) { *os << c.policy << " " << c.code; }

constexpr PresetCase kPresetCases[] = {
    // ProSBC defaults (the guide): 5xx continues, 4xx stops (404 included), 603
    // continues; the other 6xx and 3xx stop.
    {"prosbc-default", 503, 34, A::kAdvance},
    {"prosbc-default", 500, 0, A::kAdvance},
    {"prosbc-default", 486, 17, A::kStop},
    {"prosbc-default", 404, 0, A::kStop},
    {"prosbc-default", 408, 0, A::kStop},
    {"prosbc-default", 603, 0, A::kAdvance},
    {"prosbc-default", 600, 0, A::kStop},
    {"prosbc-default", 302, 0, A::kStop},
    // In front of a fraud scorer: 404 = clear continues, 603 = block stops,
    // 302 = redirect is processed (the guide's cases (c), (d), (e)).
    {"fraud-integrated", 404, 0, A::kAdvance},
    {"fraud-integrated", 603, 0, A::kStop},
    {"fraud-integrated", 302, 0, A::kRedirect},
    {"fraud-integrated", 503, 0, A::kAdvance},
    {"fraud-integrated", 486, 0, A::kStop},
    // Kamailio dispatcher: t_check_status("408|5[0-9][0-9]").
    {"kamailio-dispatcher", 408, 0, A::kAdvance},
    {"kamailio-dispatcher", 503, 0, A::kAdvance},
    {"kamailio-dispatcher", 599, 0, A::kAdvance},
    {"kamailio-dispatcher", 480, 0, A::kStop},
    {"kamailio-dispatcher", 486, 0, A::kStop},
    {"kamailio-dispatcher", 603, 0, A::kStop},
    // FreeSWITCH bridge without continue_on_fail: every failure ends the call.
    {"freeswitch-default", 503, 34, A::kStop},
    {"freeswitch-default", 486, 17, A::kStop},
    {"freeswitch-default", 302, 0, A::kStop},
    {"advance-on-everything", 486, 17, A::kAdvance},
    {"advance-on-everything", 603, 21, A::kAdvance},
    {"advance-on-everything", 404, 1, A::kAdvance},
};

class PolicyPresetTest : public ::testing::TestWithParam<PresetCase> {};

TEST_P(PolicyPresetTest, DecidesAsItsSourceSays) {
  const PresetCase& c = GetParam();
  const std::optional<CauseMap> m = FindPresetPolicy(c.policy);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->Decide(kRoute0, c.code, c.reason_q850).action, c.expected);
}

INSTANTIATE_TEST_SUITE_P(PolicyPreset, PolicyPresetTest, ::testing::ValuesIn(kPresetCases),
                         [](const auto& p) {
                           std::string n =
                               std::string(p.param.policy) + "_" + std::to_string(p.param.code);
                           for (char& ch : n) ch = ch == '-' ? '_' : ch;
                           return n;
                         });

TEST(PolicyPreset, EveryPresetIsTestedAndFindableByName) {
  std::set<std::string> names;
  for (const CauseMap& m : PresetPolicies()) {
    EXPECT_TRUE(names.insert(m.name).second) << "duplicate preset " << m.name;
    EXPECT_TRUE(FindPresetPolicy(m.name).has_value());
    EXPECT_TRUE(m.naps.empty() && m.routes.empty()) << m.name << ": presets are global";
    EXPECT_TRUE(m.fallback == A::kAdvance || m.fallback == A::kStop);
  }
  std::set<std::string> tested;
  for (const PresetCase& c : kPresetCases) tested.insert(c.policy);
  EXPECT_EQ(tested, names);
  EXPECT_EQ(names.size(), 5u);
  EXPECT_FALSE(FindPresetPolicy("prosbc").has_value());
}

// The guide's case (c) at the decision: a 603 from the scorer advances under
// the ProSBC default (the fraud call goes on to a carrier) and stops under
// fraud-integrated; the rule that fired names the difference.
TEST(PolicyPreset, ScorersBlockAdvancesUnderProsbcDefaultAndStopsWhenIntegrated) {
  const CauseMap prosbc = *FindPresetPolicy("prosbc-default");
  const CauseMap integrated = *FindPresetPolicy("fraud-integrated");
  const Decision a = prosbc.Decide(kRoute0, 603);
  const Decision b = integrated.Decide(kRoute0, 603);
  EXPECT_EQ(a.action, A::kAdvance);
  EXPECT_EQ(b.action, A::kStop);
  ASSERT_NE(prosbc.RuleOf(kRoute0, a), nullptr);
  ASSERT_NE(integrated.RuleOf(kRoute0, b), nullptr);
  EXPECT_EQ(prosbc.RuleOf(kRoute0, a)->low, 603);
  EXPECT_EQ(integrated.RuleOf(kRoute0, b)->low, 603);
}

}  // namespace
}  // namespace crankback::policy
