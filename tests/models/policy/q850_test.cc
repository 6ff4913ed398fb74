// The RFC 3398 tables, checked row by row against the RFC's text as
// sip-semantics quotes it (M3: section 7.2.4.1, Q.850 -> SIP; M4: section
// 8.2.6.1, SIP -> Q.850), and the cause names used by traces.
#include "models/policy/q850.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace crankback::policy {
namespace {

struct Row {
  int from;
  int to;
};

// M3, the RFC's "ISUP Cause value -> SIP response" rows; 0 = no response.
constexpr Row kM3[] = {
    {1, 404},  {2, 404},  {3, 404},  {16, 0},   {17, 486}, {18, 408},  {19, 480},  {20, 480},
    {21, 403}, {22, 410}, {23, 410}, {26, 404}, {27, 502}, {28, 484},  {29, 501},  {31, 480},
    {34, 503}, {38, 503}, {41, 503}, {42, 503}, {47, 503}, {55, 403},  {57, 403},  {58, 503},
    {65, 488}, {70, 488}, {79, 501}, {87, 403}, {88, 503}, {102, 504}, {111, 500}, {127, 500},
};

TEST(Q850ToSip, M3_EveryRowOfRfc3398Section7_2_4_1) {
  for (const Row& r : kM3) {
    SCOPED_TRACE("cause " + std::to_string(r.from));
    EXPECT_EQ(SipCodeForQ850(r.from), r.to);
  }
}

// "If a cause value other than those listed below is received, the default
// response '500 Server internal error' SHOULD be used."
TEST(Q850ToSip, M3_AnyOtherCauseGives500) {
  const std::set<int> listed = [] {
    std::set<int> s{44};
    for (const Row& r : kM3) s.insert(r.from);
    return s;
  }();
  for (int cause = 0; cause <= 127; ++cause) {
    if (listed.count(cause)) continue;
    SCOPED_TRACE("cause " + std::to_string(cause));
    EXPECT_EQ(SipCodeForQ850(cause), 500);
  }
  EXPECT_EQ(SipCodeForQ850(-1), 500);
  EXPECT_EQ(SipCodeForQ850(128), 500);
}

// Note (+): a rejection whose cause location is "user" gives the 6xx.
TEST(Q850ToSip, M3_CallRejectedByTheUserIs603) {
  EXPECT_EQ(SipCodeForQ850(21, CauseLocation::kUser), 603);
  EXPECT_EQ(SipCodeForQ850(21, CauseLocation::kNetwork), 403);
  EXPECT_EQ(SipCodeForQ850(17, CauseLocation::kUser), 486);  // only 21 depends on it
}

// Cause 44 is ISUP-internal (re-select the circuit): no SIP response (M3 notes).
TEST(Q850ToSip, M3_Cause44AndNormalClearingAnswerNothing) {
  EXPECT_EQ(SipCodeForQ850(44), 0);
  EXPECT_EQ(SipCodeForQ850(16), 0);
}

// M4, the RFC's "Response received -> Cause value in the REL" rows; 487 has
// none (0), 488 and 606 follow the Warning header (31 without one), and the
// RFC's "504 Version Not Supported" row is 505.
constexpr Row kM4[] = {
    {400, 41},  {401, 21}, {402, 21},  {403, 21},  {404, 1},  {405, 63},  {406, 79},  {407, 21},
    {408, 102}, {410, 22}, {413, 127}, {414, 127}, {415, 79}, {416, 127}, {420, 127}, {421, 127},
    {423, 127}, {480, 18}, {481, 41},  {482, 25},  {483, 25}, {484, 28},  {485, 1},   {486, 17},
    {487, 0},   {488, 31}, {500, 41},  {501, 79},  {502, 38}, {503, 41},  {504, 102}, {505, 127},
    {513, 127}, {600, 17}, {603, 21},  {604, 1},   {606, 31},
};

TEST(SipToQ850, M4_EveryRowOfRfc3398Section8_2_6_1) {
  for (const Row& r : kM4) {
    SCOPED_TRACE("code " + std::to_string(r.from));
    EXPECT_EQ(Q850ForSipCode(r.from), r.to);
  }
}

// Any other status: 31, normal unspecified.
TEST(SipToQ850, M4_AnyOtherCodeGives31) {
  for (int code : {300, 302, 409, 411, 422, 489, 491, 506, 580, 601, 607, 699, 99, 700}) {
    SCOPED_TRACE("code " + std::to_string(code));
    EXPECT_EQ(Q850ForSipCode(code), 31);
  }
}

// The two directions are separate recommendations, not inverses: a 503 becomes
// cause 41, and cause 41 comes back as 503, but a 500 also becomes 41.
TEST(SipToQ850, M3M4_TheTablesAreNotInverses) {
  EXPECT_EQ(SipCodeForQ850(Q850ForSipCode(503)), 503);
  EXPECT_EQ(SipCodeForQ850(Q850ForSipCode(500)), 503);
  EXPECT_EQ(SipCodeForQ850(Q850ForSipCode(480)), 408);  // 480 -> 18 -> 408
}

TEST(Q850Names, CommonCausesHaveTheirQ850Names) {
  EXPECT_EQ(Q850CauseName(1), "unallocated (unassigned) number");
  EXPECT_EQ(Q850CauseName(16), "normal call clearing");
  EXPECT_EQ(Q850CauseName(17), "user busy");
  EXPECT_EQ(Q850CauseName(18), "no user responding");
  EXPECT_EQ(Q850CauseName(21), "call rejected");
  EXPECT_EQ(Q850CauseName(34), "no circuit/channel available");
  EXPECT_EQ(Q850CauseName(41), "temporary failure");
  EXPECT_EQ(Q850CauseName(42), "switching equipment congestion");
  EXPECT_EQ(Q850CauseName(102), "recovery on timer expiry");
  EXPECT_EQ(Q850CauseName(127), "interworking, unspecified");
  EXPECT_EQ(Q850CauseName(0), "unknown cause");
  EXPECT_EQ(Q850CauseName(12), "unknown cause");
}

// Every cause either table mentions has a name, and there are at least 40.
TEST(Q850Names, EveryCauseOfBothTablesIsNamed) {
  int named = 0;
  for (int cause = 1; cause <= 127; ++cause) named += Q850CauseName(cause) != "unknown cause";
  EXPECT_GE(named, 40);
  for (const Row& r : kM3) EXPECT_NE(Q850CauseName(r.from), "unknown cause") << r.from;
  for (const Row& r : kM4) {
    if (r.to != 0) {
      EXPECT_NE(Q850CauseName(r.to), "unknown cause") << r.to;
    }
  }
}

}  // namespace
}  // namespace crankback::policy
