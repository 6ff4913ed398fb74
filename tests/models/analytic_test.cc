// The primary/overflow loss system's Markov chain against the closed forms it
// must reproduce (Erlang B for the primary alone and for both groups pooled,
// the truncated Poisson occupancy of the primary) and against Riordan's
// overflow moments, which an ample secondary group carries.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <tuple>
#include <utility>
#include <vector>

#include "models/analytic/erlang.h"
#include "models/analytic/overflow.h"

namespace crankback {
namespace {

using analytic::ErlangB;
using analytic::OverflowResult;
using analytic::SolveOverflow;

double Sum(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }

TEST(OverflowChain, WithoutASecondaryGroupItIsErlangB) {
  for (const auto& [n, a] : {std::pair{10, 8.0}, {20, 12.0}, {30, 25.0}, {1, 0.5}}) {
    const OverflowResult r = SolveOverflow({.primary = n, .secondary = 0, .offered_erlangs = a});
    EXPECT_NEAR(r.primary_overflow, ErlangB(n, a), 1e-12) << n << " servers, " << a << " E";
    EXPECT_NEAR(r.blocking, ErlangB(n, a), 1e-12);
    EXPECT_NEAR(r.primary_erlangs, a * (1 - ErlangB(n, a)), 1e-10);
    EXPECT_EQ(r.secondary_erlangs, 0.0);
    EXPECT_EQ(r.states, static_cast<size_t>(n + 1));
  }
}

TEST(OverflowChain, ReproducesPublishedErlangBTableValues) {
  // Erlang B tables: 30 circuits carry 20.34 E at 1% blocking, 24.80 E at 5%.
  // Split 20 + 10 by overflow, the pooled group blocks the same.
  EXPECT_NEAR(SolveOverflow({.primary = 20, .secondary = 10, .offered_erlangs = 20.337}).blocking,
              0.0100, 5e-5);
  EXPECT_NEAR(SolveOverflow({.primary = 20, .secondary = 10, .offered_erlangs = 24.80}).blocking,
              0.0500, 5e-5);
  // 10 circuits at 10 E: 21.46% overflow.
  EXPECT_NEAR(
      SolveOverflow({.primary = 10, .secondary = 5, .offered_erlangs = 10}).primary_overflow,
      0.21458, 5e-6);
}

TEST(OverflowChain, BlockingIsErlangBOfThePooledGroups) {
  // Without trunk reservation, a call is lost only when every server of both
  // groups is busy: the total is a full-availability group of N1 + N2.
  for (const auto& [n1, n2, a] :
       {std::tuple{20, 10, 25.0}, {5, 40, 30.0}, {50, 3, 20.0}, {0, 12, 9.0}, {200, 200, 180.0}}) {
    const OverflowResult r = SolveOverflow({.primary = n1, .secondary = n2, .offered_erlangs = a});
    EXPECT_NEAR(r.blocking, ErlangB(n1 + n2, a), 1e-10 + 1e-8 * ErlangB(n1 + n2, a))
        << n1 << " + " << n2 << " servers, " << a << " E";
    EXPECT_NEAR(r.primary_overflow, ErlangB(n1, a), 1e-10);
    // Carried traffic: each group carries what reaches it and is not lost there.
    EXPECT_NEAR(r.primary_erlangs, a * (1 - ErlangB(n1, a)), 1e-8 * a);
    EXPECT_NEAR(r.secondary_erlangs, a * (ErlangB(n1, a) - ErlangB(n1 + n2, a)), 1e-8 * a);
  }
}

TEST(OverflowChain, ProbabilitiesSumToOneAndBalanceEveryState) {
  const OverflowResult r = SolveOverflow({.primary = 20, .secondary = 10, .offered_erlangs = 25});
  EXPECT_EQ(r.states, 21u * 11u);
  EXPECT_NEAR(Sum(r.primary_distribution), 1.0, 1e-12);
  EXPECT_NEAR(Sum(r.secondary_distribution), 1.0, 1e-12);
  EXPECT_LT(r.max_residual, 1e-12);
  // The primary group sees every call first: its occupancy is the truncated
  // Poisson distribution of an Erlang loss system, whatever happens behind it.
  double term = 1, norm = 0;
  std::vector<double> poisson;
  for (int i = 0; i <= 20; ++i) {
    if (i > 0) term *= 25.0 / i;
    poisson.push_back(term);
    norm += term;
  }
  for (int i = 0; i <= 20; ++i) EXPECT_NEAR(r.primary_distribution[i], poisson[i] / norm, 1e-12);
}

TEST(OverflowChain, AnAmpleSecondaryGroupCarriesRiordansOverflowMoments) {
  // 10 circuits offered 10 E overflow M = 2.1458 E with variance V = 4.3624
  // (peakedness 2.033): burstier than Poisson, whose variance equals its mean.
  const analytic::OverflowMoments m = analytic::RiordanMoments(10, 10);
  EXPECT_NEAR(m.mean, 2.14582, 5e-5);
  EXPECT_NEAR(m.variance, 4.36245, 5e-5);
  EXPECT_NEAR(m.peakedness, 2.03299, 5e-5);
  // The chain knows nothing of Riordan's formula; with 80 secondary servers
  // (blocking below 1e-40) its secondary occupancy has his moments.
  const OverflowResult r = SolveOverflow({.primary = 10, .secondary = 80, .offered_erlangs = 10});
  EXPECT_NEAR(r.secondary_erlangs, m.mean, 1e-9);
  EXPECT_NEAR(r.secondary_variance, m.variance, 1e-9);
  EXPECT_NEAR(r.overflow.peakedness, m.peakedness, 1e-12);
  // A secondary group too small for the overflow clips its variance.
  const OverflowResult small =
      SolveOverflow({.primary = 10, .secondary = 3, .offered_erlangs = 10});
  EXPECT_LT(small.secondary_variance, m.variance - 1.0);
}

TEST(OverflowChain, NoPrimaryGroupSendsEveryCallToTheSecondary) {
  const OverflowResult r = SolveOverflow({.primary = 0, .secondary = 8, .offered_erlangs = 6});
  EXPECT_DOUBLE_EQ(r.primary_overflow, 1.0);
  EXPECT_NEAR(r.blocking, ErlangB(8, 6), 1e-12);
  EXPECT_DOUBLE_EQ(r.overflow.peakedness, 1.0);  // the overflow is the Poisson stream itself
}

TEST(OverflowChain, RejectsSystemsItCannotSolve) {
  EXPECT_NE(analytic::OverflowSystemError({.primary = -1, .secondary = 2, .offered_erlangs = 1}),
            "");
  EXPECT_NE(analytic::OverflowSystemError({.primary = 2, .secondary = -3, .offered_erlangs = 1}),
            "");
  EXPECT_NE(analytic::OverflowSystemError({.primary = 2, .secondary = 2, .offered_erlangs = 0}),
            "");
  EXPECT_NE(analytic::OverflowSystemError({.primary = 2, .secondary = 2, .offered_erlangs = NAN}),
            "");
  EXPECT_NE(
      analytic::OverflowSystemError({.primary = 1000, .secondary = 1000, .offered_erlangs = 5}),
      "");
  EXPECT_EQ(analytic::OverflowSystemError({.primary = 200, .secondary = 200, .offered_erlangs = 5}),
            "");
}

}  // namespace
}  // namespace crankback
