// Dialect presets: each product answers each condition with the code its source
// documents (sip-semantics D2-D4, M3, M7; the response-codes guide).
#include "models/policy/dialect.h"

#include <gtest/gtest.h>

#include <cctype>
#include <ostream>
#include <set>
#include <string>

#include "models/policy/q850.h"

namespace crankback::policy {
namespace {

using C = Condition;

Dialect Preset(const char* name) {
  std::optional<Dialect> d = FindPresetDialect(name);
  EXPECT_TRUE(d.has_value()) << name;
  return d.value_or(Dialect{});
}

struct Expected {
  const char* dialect;
  Condition condition;
  int code;
  int retry_after_s;
  int q850_cause;
};

void PrintTo(const Expected& e, std::ostream* os) {
  *os << e.dialect << " " << ConditionName(e.condition);
}

constexpr Expected kExpected[] = {
    // The existing presets keep their codes (D2, D3, D4).
    {"rfc3398", C::kSessionCap, 503, 0, 34},
    {"rfc3398", C::kUnallocated, 404, 0, 1},
    {"rfc3398", C::kUserBusy, 486, 0, 17},
    {"rfc3398", C::kNoAnswer, 480, 0, 19},
    {"rfc3398", C::kDeclined, 603, 0, 21},
    {"rfc3398", C::kCpsLimit, 503, 0, 47},
    {"rfc3398", C::kOverload, 503, 0, 42},
    {"rfc3398", C::kServerFault, 500, 0, 127},
    {"rfc3398", C::kFraudBlock, 603, 0, 21},
    {"rfc3398", C::kCodecMismatch, 488, 0, 65},
    {"pbx-486", C::kSessionCap, 486, 0, 17},
    {"pbx-486", C::kUnallocated, 404, 0, 1},
    {"pbx-486", C::kNoAnswer, 480, 0, 19},
    {"carrier-408-no-answer", C::kNoAnswer, 408, 0, 18},
    {"carrier-408-no-answer", C::kSessionCap, 503, 0, 34},
    // D2 / O11: FreeSWITCH's "503 Maximum Calls In Progress", Retry-After 300.
    {"freeswitch", C::kSessionCap, 503, 300, 0},
    {"freeswitch", C::kCpsLimit, 503, 300, 0},
    {"freeswitch", C::kOverload, 503, 300, 0},
    {"freeswitch", C::kDeclined, 603, 0, 21},  // M7: 21 -> 603
    {"freeswitch", C::kNoAnswer, 480, 0, 19},  // D3: call_timeout -> 480
    {"freeswitch", C::kCodecMismatch, 488, 0, 88},
    // D2: Asterisk's call limit, cause 42 -> 503; M7: 21 -> 403.
    {"asterisk", C::kSessionCap, 503, 0, 42},
    {"asterisk", C::kDeclined, 403, 0, 21},
    {"asterisk", C::kServerFault, 500, 0, 38},
    {"asterisk", C::kCodecMismatch, 488, 0, 58},
    {"asterisk", C::kNoAnswer, 480, 0, 19},  // D3: Dial timeout -> 19 -> 480
    // D2: 480 at admission control.
    {"ribbon", C::kSessionCap, 480, 0, 0},
    {"ribbon", C::kCpsLimit, 480, 0, 0},
    {"ribbon", C::kOverload, 480, 0, 0},
    {"audiocodes", C::kSessionCap, 480, 0, 0},
    {"audiocodes", C::kCpsLimit, 480, 0, 0},
    // D2: Avaya Session Manager CAC.
    {"avaya", C::kSessionCap, 488, 0, 0},
    // The fraud scorer: 404 = clear, 603 = block, 302 = redirect.
    {"clearip", C::kFraudClear, 404, 0, 0},
    {"clearip", C::kFraudBlock, 603, 0, 0},
    {"clearip", C::kFraudRedirect, 302, 0, 0},
};

class DialectPresetTest : public ::testing::TestWithParam<Expected> {};

TEST_P(DialectPresetTest, AnswersAsItsSourceSays) {
  const Expected& e = GetParam();
  const Rejection r = Preset(e.dialect).Reject(e.condition);
  EXPECT_EQ(r.code, e.code);
  EXPECT_EQ(r.retry_after_s, e.retry_after_s);
  EXPECT_EQ(r.q850_cause, e.q850_cause);
}

INSTANTIATE_TEST_SUITE_P(Dialect, DialectPresetTest, ::testing::ValuesIn(kExpected),
                         [](const auto& p) {
                           std::string n = std::string(p.param.dialect) + "_" +
                                           ConditionName(p.param.condition);
                           for (char& c : n)
                             c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return n;
                         });

TEST(Dialect, EveryPresetIsTestedAndFindableByName) {
  std::set<std::string> names;
  for (const Dialect& d : PresetDialects()) {
    EXPECT_TRUE(names.insert(d.name).second) << "duplicate preset " << d.name;
    EXPECT_TRUE(FindPresetDialect(d.name).has_value());
  }
  std::set<std::string> tested;
  for (const Expected& e : kExpected) tested.insert(e.dialect);
  EXPECT_EQ(tested, names);
  EXPECT_EQ(names.size(), 9u);
  EXPECT_FALSE(FindPresetDialect("rfc-3398").has_value());
}

// The presets' first three keep their places: topologies index dialects by them.
TEST(Dialect, ExistingPresetsComeFirstInTheirOrder) {
  const std::vector<Dialect> presets = PresetDialects();
  ASSERT_GE(presets.size(), 3u);
  EXPECT_EQ(presets[0].name, "rfc3398");
  EXPECT_EQ(presets[1].name, "pbx-486");
  EXPECT_EQ(presets[2].name, "carrier-408-no-answer");
}

// M3: every rfc3398 entry sends the code section 7.2.4.1 gives its Reason
// cause; a rejection by the user (decline, fraud block) has location "user".
TEST(Dialect, M3_Rfc3398AnswersEachConditionWithTheCodeOfItsCause) {
  const Dialect d = Preset("rfc3398");
  for (int i = 0; i < kConditionCount; ++i) {
    const auto c = static_cast<Condition>(i);
    if (!d.entries[i]) continue;
    SCOPED_TRACE(ConditionName(c));
    const bool by_user = c == C::kDeclined || c == C::kFraudBlock;
    EXPECT_EQ(d.entries[i]->code,
              SipCodeForQ850(d.entries[i]->q850_cause,
                             by_user ? CauseLocation::kUser : CauseLocation::kNetwork));
  }
}

// A condition a dialect does not name takes its explicit fallback.
TEST(Dialect, UnnamedConditionTakesTheFallback) {
  const Dialect d = Preset("rfc3398");
  EXPECT_FALSE(d.entries[static_cast<size_t>(C::kFraudClear)].has_value());
  EXPECT_EQ(d.Reject(C::kFraudClear).code, 500);
  EXPECT_EQ(d.Reject(C::kFraudRedirect).code, 500);
  EXPECT_EQ(d.Reject(C::kFraudRedirect).q850_cause, 0);
}

TEST(Dialect, EveryConditionHasAName) {
  std::set<std::string> names;
  for (int i = 0; i < kConditionCount; ++i) {
    const std::string name = ConditionName(static_cast<Condition>(i));
    EXPECT_NE(name, "?");
    EXPECT_TRUE(names.insert(name).second) << name;
  }
  EXPECT_EQ(std::string(ConditionName(C::kCodecMismatch)), "codec_mismatch");
}

}  // namespace
}  // namespace crankback::policy
