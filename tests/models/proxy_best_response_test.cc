// The stateful proxy's choice of the best final response (RFC 3261 16.7 step
// 6; sip-semantics.md P9, P10, P11, P16) as a pure function.
#include <gtest/gtest.h>

#include <vector>

#include "models/nodes/proxy.h"

namespace crankback {
namespace {

using nodes::BestResponse;

int Best(std::vector<int> codes) {
  const int i = BestResponse(codes);
  return i < 0 ? 0 : codes[static_cast<size_t>(i)];
}

// P9: no final response at all: no choice (the proxy sends 408).
TEST(ProxyBestResponse, P9_NoFinalIsNoChoice) { EXPECT_EQ(BestResponse(std::vector<int>{}), -1); }

// P9: the RFC's own example: 503, 407, 501 and 404 give 407.
TEST(ProxyBestResponse, P9_RfcExampleGives407) {
  const std::vector<int> codes = {503, 407, 501, 404};
  EXPECT_EQ(BestResponse(codes), 1);
}

// P8, P9: a 6xx is chosen whatever else there is (MUST).
TEST(ProxyBestResponse, P8_SixHundredWinsOverEveryClass) {
  EXPECT_EQ(Best({486, 603, 302, 500}), 603);
  EXPECT_EQ(Best({302, 600}), 600);
  EXPECT_EQ(Best({604, 603}), 603);  // the lower code among 6xx
}

// P9: otherwise the lowest class: 3xx < 4xx < 5xx.
TEST(ProxyBestResponse, P9_LowestClassWins) {
  EXPECT_EQ(Best({486, 404, 500}), 404);  // 4xx; within it the lower code (Kamailio)
  EXPECT_EQ(Best({500, 486}), 486);
  EXPECT_EQ(Best({404, 302, 500}), 302);
  EXPECT_EQ(Best({502, 500}), 500);
  EXPECT_EQ(Best({487, 486}), 486);  // P16: Kamailio ranks 486 above 487
  EXPECT_EQ(Best({480, 408}), 408);
}

// P9, P11: within 4xx, 401 and 407 first (their challenges are aggregated),
// then 415, 420 and 484, then the rest.
TEST(ProxyBestResponse, P11_ChallengesComeFirstWithin4xx) {
  EXPECT_EQ(Best({404, 401, 486}), 401);
  EXPECT_EQ(Best({404, 407}), 407);
  EXPECT_EQ(Best({407, 401}), 401);
  EXPECT_EQ(Best({404, 484}), 484);
  EXPECT_EQ(Best({420, 415}), 415);
  EXPECT_EQ(Best({484, 407}), 407);
  EXPECT_EQ(Best({302, 401}), 302);  // still after 3xx: the class decides first
}

// P10: a 503 is chosen only when nothing else of its class came.
TEST(ProxyBestResponse, P10_503IsTheLast5xx) {
  EXPECT_EQ(Best({503, 504}), 504);
  EXPECT_EQ(Best({503, 500, 503}), 500);
  EXPECT_EQ(Best({503}), 503);
  EXPECT_EQ(Best({503, 486}), 486);
}

// Equal codes: the first received.
TEST(ProxyBestResponse, EqualCodesTakeTheFirst) {
  const std::vector<int> codes = {486, 503, 486};
  EXPECT_EQ(BestResponse(codes), 0);
}

}  // namespace
}  // namespace crankback
