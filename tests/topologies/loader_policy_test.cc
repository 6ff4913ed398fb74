// Loading dialects and cause-mapping policies: presets, rules on top of them,
// the per-NAP and per-route scopes, every match kind and action, and the exact
// error for each kind of bad input (file, line, field path, message).
#include <gtest/gtest.h>

#include <cctype>
#include <ostream>
#include <string>

#include "models/policy/cause_map.h"
#include "models/policy/dialect.h"
#include "tests/topologies/test_topology.h"
#include "topologies/loader.h"
#include "topologies/simrun.pb.h"

namespace crankback::topologies {
namespace {

using namespace test_topology;
using policy::Action;
using policy::Attempt;
using policy::MatchKind;

// In the valid topology, node 1 is "sbc1": NAP 0 "from_callers" routes to NAP 1
// "to_a" (route 0) and NAP 2 "to_b" (route 1).
constexpr const char* kRule = "rules { code_class: 5 action: ADVANCE }";
constexpr Attempt kRouteToA{.sbc = 1, .in_nap = 0, .route = 0, .nap = 1};
constexpr Attempt kRouteToB{.sbc = 1, .in_nap = 0, .route = 1, .nap = 2};

Study Load(const std::string& text) {
  Loaded<Study> loaded = LoadStudy(text, kDisplayName);
  EXPECT_TRUE(loaded.ok()) << loaded.error().ToString();
  return loaded.ok() ? std::move(loaded).value() : Study{};
}

// The policy named `name` of a loaded study.
const policy::CauseMap& PolicyOf(const Study& s, const std::string& name) {
  for (const auto& p : s.policies) {
    if (p.name == name) return p;
  }
  ADD_FAILURE() << "no policy " << name;
  static const policy::CauseMap kNone;
  return kNone;
}

const policy::Dialect& DialectOf(const Study& s, const std::string& name) {
  for (const auto& d : s.scenario.dialects) {
    if (d.name == name) return d;
  }
  ADD_FAILURE() << "no dialect " << name;
  static const policy::Dialect kNone;
  return kNone;
}

// ---------------------------------------------------------------- schema ----

// pb::Condition v is policy::Condition v - 1, name for name.
TEST(LoaderPolicy, EverySchemaConditionIsTheModelsCondition) {
  for (int v = 1; v <= pb::Condition_MAX; ++v) {
    std::string name = pb::Condition_Name(static_cast<pb::Condition>(v));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(name, policy::ConditionName(static_cast<policy::Condition>(v - 1)));
  }
  EXPECT_EQ(pb::Condition_MAX, policy::kConditionCount);
}

// --------------------------------------------------------------- policies ----

TEST(LoaderPolicy, EveryMatchKindAndActionLoads) {
  const std::string text = Edit(ValidTopology(), kRule,
                                "rules { code: 503 action: TRANSLATE translate_to: 486 "
                                "reason_q850: 34 }\n"
                                "  rules { code: 502 action: TRANSLATE translate_to: 500 }\n"
                                "  rules { q850: 17 action: ADD_REASON reason_q850: 21 }\n"
                                "  rules { code_class: 3 action: REDIRECT }\n"
                                "  rules { range { low: 500 high: 599 } action: ADVANCE }\n"
                                "  rules { code_class: 6 action: STOP }");
  const Study study = Load(text);
  const policy::CauseMap& p = PolicyOf(study, "advance-on-5xx");
  ASSERT_EQ(p.rules.size(), 6u);
  EXPECT_EQ(p.rules[0].match, MatchKind::kCode);
  EXPECT_EQ(p.rules[0].action, Action::kTranslate);
  EXPECT_EQ(p.rules[0].translate_to, 486);
  EXPECT_EQ(p.rules[0].q850_cause, 34);
  EXPECT_EQ(p.rules[1].q850_cause, 0);
  EXPECT_EQ(p.rules[2].match, MatchKind::kQ850);
  EXPECT_EQ(p.rules[2].low, 17);
  EXPECT_EQ(p.rules[2].action, Action::kAddReason);
  EXPECT_EQ(p.rules[2].q850_cause, 21);
  EXPECT_EQ(p.rules[3].match, MatchKind::kClass);
  EXPECT_EQ(p.rules[3].low, 300);
  EXPECT_EQ(p.rules[3].high, 399);
  EXPECT_EQ(p.rules[3].action, Action::kRedirect);
  EXPECT_EQ(p.rules[4].match, MatchKind::kRange);
  EXPECT_EQ(p.rules[5].action, Action::kStop);

  const policy::Decision d = p.Decide(kRouteToA, 503, 42);
  EXPECT_EQ(d.UpstreamCode(503), 486);
  EXPECT_EQ(d.UpstreamQ850(42), 34);
  EXPECT_EQ(p.Decide(kRouteToA, 480, 17).UpstreamQ850(17), 21);
  EXPECT_EQ(p.Decide(kRouteToA, 302).action, Action::kRedirect);
  EXPECT_EQ(p.Decide(kRouteToA, 504).action, Action::kAdvance);
}

TEST(LoaderPolicy, EveryPresetLoadsByName) {
  for (const policy::CauseMap& preset : policy::PresetPolicies()) {
    SCOPED_TRACE(preset.name);
    const std::string text =
        Edit(ValidTopology(), "  fallback: ADVANCE\n", "  preset: \"" + preset.name + "\"\n");
    const Study study = Load(text);
    const policy::CauseMap& p = PolicyOf(study, "advance-on-everything");
    EXPECT_EQ(p.fallback, preset.fallback);
    ASSERT_EQ(p.rules.size(), preset.rules.size());
    for (size_t i = 0; i < p.rules.size(); ++i) {
      EXPECT_EQ(p.rules[i].low, preset.rules[i].low);
      EXPECT_EQ(p.rules[i].action, preset.rules[i].action);
    }
  }
}

// The file's rules go before the preset's, and its fallback replaces the preset's.
TEST(LoaderPolicy, RulesOnTopOfAPreset) {
  const std::string text = Edit(ValidTopology(), "  fallback: ADVANCE\n",
                                "  preset: \"fraud-integrated\"\n"
                                "  rules { code: 404 action: STOP }\n"
                                "  fallback: ADVANCE\n");
  const Study study = Load(text);
  const policy::CauseMap& p = PolicyOf(study, "advance-on-everything");
  ASSERT_EQ(p.rules.size(), 5u);
  EXPECT_EQ(p.Decide(kRouteToA, 404).action, Action::kStop);  // the file's rule
  EXPECT_EQ(p.Decide(kRouteToA, 404).rule, 0);
  EXPECT_EQ(p.Decide(kRouteToA, 603).action, Action::kStop);  // the preset's
  EXPECT_EQ(p.Decide(kRouteToA, 302).action, Action::kRedirect);
  EXPECT_EQ(p.Decide(kRouteToA, 486).action, Action::kAdvance);  // the file's fallback
}

TEST(LoaderPolicy, APresetGivesTheFallbackWhenTheFileDoesNot) {
  const std::string text =
      Edit(ValidTopology(), "  fallback: ADVANCE\n", "  preset: \"kamailio-dispatcher\"\n");
  const Study study = Load(text);
  EXPECT_EQ(PolicyOf(study, "advance-on-everything").fallback, Action::kStop);
}

TEST(LoaderPolicy, ScopesNameTheSbcTheNapAndTheRoute) {
  const std::string text = Edit(ValidTopology(), "  fallback: ADVANCE\n",
                                "  fallback: ADVANCE\n"
                                "  rules { code_class: 4 action: STOP }\n"
                                "  naps { sbc: \"sbc1\" nap: \"to_a\" rules { code: 486 "
                                "action: ADVANCE } }\n"
                                "  routes { sbc: \"sbc1\" nap: \"from_callers\" route: 1 "
                                "rules { q850: 17 action: ADVANCE } }\n");
  const Study study = Load(text);
  const policy::CauseMap& p = PolicyOf(study, "advance-on-everything");
  ASSERT_EQ(p.naps.size(), 1u);
  EXPECT_EQ(p.naps[0].sbc, 1u);
  EXPECT_EQ(p.naps[0].nap, 1u);
  ASSERT_EQ(p.routes.size(), 1u);
  EXPECT_EQ(p.routes[0].sbc, 1u);
  EXPECT_EQ(p.routes[0].in_nap, 0u);
  EXPECT_EQ(p.routes[0].route, 1u);
  // Route 0 goes out on "to_a": its NAP rule advances a 486.
  EXPECT_EQ(p.Decide(kRouteToA, 486, 17).source, policy::Decision::Source::kNap);
  EXPECT_EQ(p.Decide(kRouteToA, 486, 17).action, Action::kAdvance);
  // Route 1 goes out on "to_b": its route rule sees the Reason, the global rule the rest.
  EXPECT_EQ(p.Decide(kRouteToB, 486, 17).source, policy::Decision::Source::kRoute);
  EXPECT_EQ(p.Decide(kRouteToB, 486, 0).source, policy::Decision::Source::kGlobal);
  EXPECT_EQ(p.Decide(kRouteToB, 486, 0).action, Action::kStop);
}

// Two entries for the same scope become one list, so a rule index is unambiguous.
TEST(LoaderPolicy, EntriesForTheSameScopeMerge) {
  const std::string text = Edit(ValidTopology(), "  fallback: ADVANCE\n",
                                "  fallback: ADVANCE\n"
                                "  naps { nap: \"to_a\" rules { code: 486 action: STOP } }\n"
                                "  naps { sbc: \"sbc1\" nap: \"to_a\" rules { code: 480 "
                                "action: STOP } }\n"
                                "  routes { nap: \"from_callers\" route: 0 rules { code: 486 "
                                "action: ADVANCE } }\n"
                                "  routes { nap: \"from_callers\" route: 0 rules { code: 480 "
                                "action: ADVANCE } }\n");
  const Study study = Load(text);
  const policy::CauseMap& p = PolicyOf(study, "advance-on-everything");
  ASSERT_EQ(p.naps.size(), 1u);
  ASSERT_EQ(p.naps[0].rules.size(), 2u);
  ASSERT_EQ(p.routes.size(), 1u);
  ASSERT_EQ(p.routes[0].rules.size(), 2u);
  EXPECT_EQ(p.Decide(kRouteToA, 480).rule, 1);
}

// ---------------------------------------------------------------- dialects ----

TEST(LoaderPolicy, EveryDialectPresetServesACarrier) {
  for (const policy::Dialect& preset : policy::PresetDialects()) {
    SCOPED_TRACE(preset.name);
    const std::string text =
        Edit(ValidTopology(), R"(dialect: "pbx-486")", "dialect: \"" + preset.name + "\"");
    const Study s = Load(text);
    const auto& carrier = std::get<nodes::CarrierParams>(s.scenario.nodes.at(3).kind);
    EXPECT_EQ(s.scenario.dialects.at(carrier.dialect).name, preset.name);
  }
}

TEST(LoaderPolicy, DialectOnTopOfAPreset) {
  const std::string text = Edit(ValidTopology(), "  fallback_code: 500\n",
                                "  preset: \"freeswitch\"\n"
                                "  entries { condition: CODEC_MISMATCH code: 415 }\n"
                                "  entries { condition: FRAUD_REDIRECT code: 302 }\n");
  const Study study = Load(text);
  const policy::Dialect& d = DialectOf(study, "custom");
  using C = policy::Condition;
  EXPECT_EQ(d.Reject(C::kSessionCap).code, 503);  // the file's entry
  EXPECT_EQ(d.Reject(C::kSessionCap).retry_after_s, 30);
  EXPECT_EQ(d.Reject(C::kCpsLimit).retry_after_s, 300);  // the preset's
  EXPECT_EQ(d.Reject(C::kCodecMismatch).code, 415);
  EXPECT_EQ(d.Reject(C::kFraudRedirect).code, 302);
  EXPECT_EQ(d.Reject(C::kFraudClear).code, 500);  // the preset's fallback
}

TEST(LoaderPolicy, EveryNewConditionLoads) {
  const std::string text =
      Edit(ValidTopology(), "    retry_after_s: 30\n  }\n",
           "    retry_after_s: 30\n  }\n"
           "  entries { condition: CPS_LIMIT code: 503 q850_cause: 42 }\n"
           "  entries { condition: OVERLOAD code: 503 }\n"
           "  entries { condition: SERVER_FAULT code: 500 }\n"
           "  entries { condition: FRAUD_BLOCK code: 603 }\n"
           "  entries { condition: FRAUD_CLEAR code: 404 }\n"
           "  entries { condition: FRAUD_REDIRECT code: 302 }\n"
           "  entries { condition: CODEC_MISMATCH code: 488 q850_cause: 65 }\n");
  const Study study = Load(text);
  const policy::Dialect& d = DialectOf(study, "custom");
  for (int i = 0; i < policy::kConditionCount; ++i) {
    const bool set = i == 0 || i >= static_cast<int>(policy::Condition::kCpsLimit);
    EXPECT_EQ(d.entries[i].has_value(), set) << policy::ConditionName(policy::Condition(i));
  }
  EXPECT_EQ(d.Reject(policy::Condition::kCpsLimit).q850_cause, 42);
}

// ------------------------------------------------------------- bad inputs ----

// `from` in the valid topology becomes `to`; the error names the line holding
// `at`, the exact field `path`, and says exactly `message`.
struct BadPolicy {
  const char* name;
  const char* from;
  const char* to;
  const char* at;
  const char* path;
  const char* message;
};

void PrintTo(const BadPolicy& c, std::ostream* os) { *os << c.name; }

constexpr const char* kEverything = "  fallback: ADVANCE\n";

constexpr BadPolicy kBadPolicies[] = {
    {"RuleWithoutMatch", kRule, "rules { action: ADVANCE }", "rules { action: ADVANCE }",
     R"(policies["advance-on-5xx"].rules[0])",
     "a rule needs a match: code, code_class, range or q850"},
    {"RuleWithoutAction", kRule, "rules { code: 503 }", "rules { code: 503 }",
     R"(policies["advance-on-5xx"].rules[0].action)",
     "needs an action: ADVANCE, STOP, REDIRECT, TRANSLATE or ADD_REASON"},
    {"Q850MatchZero", kRule, "rules { q850: 0 action: STOP }", "rules { q850: 0 action: STOP }",
     R"(policies["advance-on-5xx"].rules[0].q850)", "must be a Q.850 cause in 1..127 (got 0)"},
    {"Q850Match128", kRule, "rules { q850: 128 action: STOP }", "rules { q850: 128",
     R"(policies["advance-on-5xx"].rules[0].q850)", "must be a Q.850 cause in 1..127 (got 128)"},
    {"CodeClassSeven", kRule, "rules { code_class: 7 action: STOP }", "rules { code_class: 7",
     R"(policies["advance-on-5xx"].rules[0].code_class)", "must be a class 1..6 (got 7)"},
    {"TranslateWithoutTarget", kRule, "rules { code: 503 action: TRANSLATE }",
     "rules { code: 503 action: TRANSLATE }", R"(policies["advance-on-5xx"].rules[0].translate_to)",
     "TRANSLATE needs a code in 300..699 (got 0)"},
    {"TranslateTo200", kRule, "rules { code: 503 action: TRANSLATE translate_to: 200 }",
     "translate_to: 200", R"(policies["advance-on-5xx"].rules[0].translate_to)",
     "TRANSLATE needs a code in 300..699 (got 200)"},
    {"TranslateTo700", kRule, "rules { code: 503 action: TRANSLATE translate_to: 700 }",
     "translate_to: 700", R"(policies["advance-on-5xx"].rules[0].translate_to)",
     "TRANSLATE needs a code in 300..699 (got 700)"},
    {"TranslateToOnAStopRule", kRule, "rules { code: 503 action: STOP translate_to: 486 }",
     "translate_to: 486", R"(policies["advance-on-5xx"].rules[0].translate_to)",
     "only a TRANSLATE rule takes translate_to"},
    {"TranslateWithBadReason", kRule,
     "rules { code: 503 action: TRANSLATE translate_to: 486 reason_q850: 200 }", "reason_q850: 200",
     R"(policies["advance-on-5xx"].rules[0].reason_q850)",
     "must be a Q.850 cause in 1..127 (got 200)"},
    {"AddReasonWithoutCause", kRule, "rules { code: 503 action: ADD_REASON }",
     "rules { code: 503 action: ADD_REASON }", R"(policies["advance-on-5xx"].rules[0].reason_q850)",
     "must be a Q.850 cause in 1..127 (got 0)"},
    {"AddReasonCause128", kRule, "rules { code: 503 action: ADD_REASON reason_q850: 128 }",
     "reason_q850: 128", R"(policies["advance-on-5xx"].rules[0].reason_q850)",
     "must be a Q.850 cause in 1..127 (got 128)"},
    {"ReasonOnAnAdvanceRule", kRule, "rules { code: 503 action: ADVANCE reason_q850: 34 }",
     "reason_q850: 34", R"(policies["advance-on-5xx"].rules[0].reason_q850)",
     "only TRANSLATE and ADD_REASON rules take reason_q850"},
    {"RedirectOn5xx", kRule, "rules { code_class: 5 action: REDIRECT }", "action: REDIRECT",
     R"(policies["advance-on-5xx"].rules[0].action)",
     "REDIRECT needs a match within 300..399: only a 3xx carries a Contact"},
    {"RedirectOnAQ850Cause", kRule, "rules { q850: 23 action: REDIRECT }", "action: REDIRECT",
     R"(policies["advance-on-5xx"].rules[0].action)",
     "REDIRECT needs a match within 300..399: only a 3xx carries a Contact"},
    {"UnknownPolicyPreset", kEverything, "  preset: \"prosbc\"\n", "preset: \"prosbc\"",
     R"(policies["advance-on-everything"].preset)",
     "unknown policy preset \"prosbc\" (one of prosbc-default, fraud-integrated, "
     "kamailio-dispatcher, freeswitch-default, advance-on-everything)"},
    {"FallbackTranslate", kEverything, "  fallback: TRANSLATE\n", "fallback: TRANSLATE",
     R"(policies["advance-on-everything"].fallback)", "must be ADVANCE or STOP (got TRANSLATE)"},
    {"FallbackRedirectWithAPreset", kEverything,
     "  preset: \"prosbc-default\"\n  fallback: REDIRECT\n", "fallback: REDIRECT",
     R"(policies["advance-on-everything"].fallback)", "must be ADVANCE or STOP (got REDIRECT)"},
    {"NapRulesOfAnUnknownNode", kEverything,
     "  fallback: ADVANCE\n  naps { sbc: \"sbc9\" nap: \"to_a\" }\n", "sbc: \"sbc9\"",
     R"(policies["advance-on-everything"].naps["to_a"].sbc)", "unknown node \"sbc9\""},
    {"NapRulesOfACarrier", kEverything,
     "  fallback: ADVANCE\n  naps { sbc: \"carrier_a\" nap: \"to_a\" }\n", "sbc: \"carrier_a\"",
     R"(policies["advance-on-everything"].naps["to_a"].sbc)", "\"carrier_a\" is not an sbc node"},
    {"NapRulesOfANapTheSbcLacks", kEverything,
     "  fallback: ADVANCE\n  naps { sbc: \"sbc1\" nap: \"to_z\" }\n", "nap: \"to_z\"",
     R"(policies["advance-on-everything"].naps["to_z"].nap)",
     "SBC \"sbc1\" has no NAP (trunk group) named \"to_z\""},
    {"NapRuleWithABadRule", kEverything,
     "  fallback: ADVANCE\n  naps { nap: \"to_a\" rules { code: 700 action: STOP } }\n",
     "code: 700", R"(policies["advance-on-everything"].naps["to_a"].rules[0].code)",
     "must be a SIP code in 100..699 (got 700)"},
    {"RouteRulesOfAnUnknownNap", kEverything,
     "  fallback: ADVANCE\n  routes { nap: \"to_z\" route: 0 }\n", "nap: \"to_z\"",
     R"(policies["advance-on-everything"].routes[0].nap)",
     "no SBC has a NAP (trunk group) named \"to_z\""},
    {"RouteIndexPastTheList", kEverything,
     "  fallback: ADVANCE\n  routes { nap: \"from_callers\" route: 2 }\n", "route: 2",
     R"(policies["advance-on-everything"].routes[0].route)",
     "must index the routes of NAP \"from_callers\" of \"sbc1\" (0..1; got 2)"},
    {"RouteIndexNegative", kEverything,
     "  fallback: ADVANCE\n  routes { nap: \"from_callers\" route: -1 }\n", "route: -1",
     R"(policies["advance-on-everything"].routes[0].route)",
     "must index the routes of NAP \"from_callers\" of \"sbc1\" (0..1; got -1)"},
    {"RouteOfANapWithoutRoutes", kEverything,
     "  fallback: ADVANCE\n  routes { nap: \"to_a\" route: 0 }\n", "nap: \"to_a\" route: 0",
     R"(policies["advance-on-everything"].routes[0].route)",
     "must index the routes of NAP \"to_a\" of \"sbc1\" (it has none; got 0)"},
    {"RouteRuleWithABadRule", kEverything,
     "  fallback: ADVANCE\n  routes { nap: \"from_callers\" route: 1 "
     "rules { q850: 300 action: STOP } }\n",
     "q850: 300", R"(policies["advance-on-everything"].routes[0].rules[0].q850)",
     "must be a Q.850 cause in 1..127 (got 300)"},
    {"UnknownDialectPreset", "  fallback_code: 500\n", "  preset: \"freeswitch-1.10\"\n",
     "preset: \"freeswitch-1.10\"", R"(dialects["custom"].preset)",
     "unknown dialect preset \"freeswitch-1.10\" (one of rfc3398, pbx-486, "
     "carrier-408-no-answer, freeswitch, asterisk, ribbon, audiocodes, avaya, clearip)"},
    {"DialectQ850Cause128", "retry_after_s: 30", "retry_after_s: 30 q850_cause: 128",
     "q850_cause: 128", R"(dialects["custom"].entries[0].q850_cause)",
     "must be a Q.850 cause in 1..127 (0 = no Reason header; got 128)"},
    {"DialectEntryWithoutCondition", "    condition: SESSION_CAP\n", "", "  entries {",
     R"(dialects["custom"].entries[0].condition)",
     "needs a condition (SESSION_CAP, UNALLOCATED, USER_BUSY, NO_ANSWER, DECLINED, CPS_LIMIT, "
     "OVERLOAD, SERVER_FAULT, FRAUD_BLOCK, FRAUD_CLEAR, FRAUD_REDIRECT, CODEC_MISMATCH)"},
    {"DialectPresetWithABadFallback", "  fallback_code: 500\n",
     "  preset: \"rfc3398\"\n  fallback_code: 200\n", "fallback_code: 200",
     R"(dialects["custom"].fallback_code)", "must be a failure code in 300..699 (got 200)"},
};

class BadPolicyTest : public ::testing::TestWithParam<BadPolicy> {};

TEST_P(BadPolicyTest, NamesTheLinePathAndExactProblem) {
  const BadPolicy& c = GetParam();
  const std::string text = Edit(ValidTopology(), c.from, c.to);
  const LoadError e = ErrorOf(text);
  EXPECT_EQ(e.line, LineOf(text, c.at));
  EXPECT_EQ(e.path, c.path);
  EXPECT_EQ(e.message, c.message);
}

INSTANTIATE_TEST_SUITE_P(LoaderPolicy, BadPolicyTest, ::testing::ValuesIn(kBadPolicies),
                         [](const auto& p) { return std::string(p.param.name); });

// The whole line simrun prints for one of them.
TEST(LoaderPolicy, ErrorLineForATranslateWithoutTarget) {
  const std::string text = Edit(ValidTopology(), kRule, "rules { code: 503 action: TRANSLATE }");
  EXPECT_EQ(ErrorOf(text).ToString(),
            "topo.pbtxt:" + std::to_string(LineOf(text, "action: TRANSLATE")) +
                ": policies[\"advance-on-5xx\"].rules[0].translate_to: TRANSLATE needs a code in "
                "300..699 (got 0)");
}

}  // namespace
}  // namespace crankback::topologies
