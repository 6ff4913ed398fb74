// The Erlang fixed point of a full mesh with alternate routing and trunk
// reservation (models/analytic/fixed_point.h): its trunk group chain against
// the product form, the fixed point against Erlang B and against an
// independent solution, and the classic crossover.
#include "models/analytic/fixed_point.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "models/analytic/erlang.h"

namespace crankback::analytic {
namespace {

// The chain is a birth-death process: pi(n) = pi(n-1) lambda(n-1) / n, with
// lambda = first + overflow below C - r and first from C - r to C - 1.
std::vector<double> ProductForm(const LinkChain& l) {
  std::vector<double> p(static_cast<size_t>(l.capacity) + 1, 0.0);
  p[0] = 1;
  double sum = 1;
  for (int n = 1; n <= l.capacity; ++n) {
    const double rate = l.first + (n - 1 < l.capacity - l.reservation ? l.overflow : 0.0);
    p[static_cast<size_t>(n)] = p[static_cast<size_t>(n) - 1] * rate / n;
    sum += p[static_cast<size_t>(n)];
  }
  for (double& x : p) x /= sum;
  return p;
}

TEST(FixedPointLink, ChainMatchesTheProductFormWithReservation) {
  const LinkChain link{.capacity = 100, .first = 80, .overflow = 12, .reservation = 7};
  const LinkResult r = SolveLink(link);
  const std::vector<double> p = ProductForm(link);
  ASSERT_EQ(r.distribution.size(), p.size());
  for (size_t n = 0; n < p.size(); ++n) EXPECT_NEAR(r.distribution[n], p[n], 1e-12) << n;
  double reserved = 0;
  for (size_t n = 93; n <= 100; ++n) reserved += p[n];
  EXPECT_NEAR(r.full, p[100], 1e-12);
  EXPECT_NEAR(r.reserved, reserved, 1e-12);
  EXPECT_LT(r.max_residual, 1e-12);
}

TEST(FixedPointLink, WithoutOverflowTheLinkIsErlangB) {
  for (const double a : {5.0, 50.0, 95.0, 140.0}) {
    const LinkResult r = SolveLink({.capacity = 100, .first = a, .overflow = 0, .reservation = 10});
    EXPECT_NEAR(r.full, ErlangB(100, a), 1e-12) << a;
    EXPECT_NEAR(r.carried_erlangs, a * (1 - ErlangB(100, a)), 1e-9) << a;
  }
}

// Without alternate routing the trunk groups do not interact: the blocking is
// Erlang B of one group, whatever the reservation.
TEST(FixedPointMesh, WithoutAlternateRoutingItIsErlangB) {
  for (const double a : {70.0, 85.0, 105.0}) {
    for (const int r : {0, 10}) {
      const MeshResult m =
          SolveMesh({.sites = 4, .capacity = 100, .offered_erlangs = a, .reservation = r});
      EXPECT_NEAR(m.blocking, ErlangB(100, a), 1e-10 * ErlangB(100, a)) << a;
      EXPECT_EQ(m.overflow_erlangs, 0);
      EXPECT_TRUE(m.converged);
    }
  }
}

// The fixed point agrees with an independent solution (the product form
// iterated in double precision in Python, sigma = 2 nu B (1 - L) damped by
// 1/2 from 0 to |change| < 1e-12) to the digits printed there.
TEST(FixedPointMesh, MatchesAnIndependentSolution) {
  struct Case {
    double a;
    int r;
    double blocking, direct, overflow_erlangs;
  };
  for (const Case& c :
       {Case{85, 0, 0.000999289, 0.0224794, 3.7356}, Case{85, 10, 0.00707094, 0.0135731, 1.59704},
        Case{105, 0, 0.211404, 0.358914, 48.3199}, Case{105, 10, 0.105402, 0.108301, 3.72102}}) {
    const MeshResult m = SolveMesh({.sites = 4,
                                    .capacity = 100,
                                    .offered_erlangs = c.a,
                                    .alternate_routing = true,
                                    .reservation = c.r});
    EXPECT_TRUE(m.converged) << c.a;
    EXPECT_NEAR(m.blocking, c.blocking, 1e-5 * c.blocking + 1e-8) << c.a << " r " << c.r;
    EXPECT_NEAR(m.direct_blocking, c.direct, 1e-5 * c.direct) << c.a << " r " << c.r;
    EXPECT_NEAR(m.overflow_erlangs, c.overflow_erlangs, 1e-4 * c.overflow_erlangs) << c.a;
  }
}

// The classic result: uncontrolled alternate routing lowers blocking at
// moderate load and raises it at high load; trunk reservation keeps most of
// the gain and removes the penalty.
TEST(FixedPointMesh, AlternateRoutingHelpsAtModerateLoadAndHurtsAtHighLoad) {
  auto blocking = [](double a, bool alternate, int r) {
    return SolveMesh({.sites = 4,
                      .capacity = 100,
                      .offered_erlangs = a,
                      .alternate_routing = alternate,
                      .reservation = r})
        .blocking;
  };
  EXPECT_LT(blocking(85, true, 0), blocking(85, false, 0) / 5);
  EXPECT_GT(blocking(105, true, 0), blocking(105, false, 0) * 1.5);
  EXPECT_LT(blocking(85, true, 10), blocking(85, false, 0));
  EXPECT_LE(blocking(105, true, 10), blocking(105, false, 0) * 1.01);
  EXPECT_LT(blocking(105, true, 10), blocking(105, true, 0) / 1.5);
}

TEST(FixedPointMesh, BlockingRisesWithLoad) {
  for (const int r : {0, 5, 10}) {
    double last = 0;
    for (double a = 60; a <= 130; a += 5) {
      const double b = SolveMesh({.sites = 5,
                                  .capacity = 100,
                                  .offered_erlangs = a,
                                  .alternate_routing = true,
                                  .reservation = r})
                           .blocking;
      EXPECT_GT(b, last) << a << " r " << r;
      last = b;
    }
  }
}

TEST(FixedPointMesh, InvalidNetworksAreNamed) {
  EXPECT_EQ(MeshNetworkError({.sites = 2, .capacity = 10, .offered_erlangs = 5}),
            "a mesh needs at least 3 sites (got 2)");
  EXPECT_EQ(MeshNetworkError({.sites = 3, .capacity = 10, .offered_erlangs = 5, .reservation = 10}),
            "reservation must be in 0..9 (got 10)");
  EXPECT_EQ(MeshNetworkError({.sites = 3, .capacity = 10, .offered_erlangs = 0}),
            "offered Erlangs must be > 0 and <= 1e6");
  EXPECT_EQ(MeshNetworkError({.sites = 3, .capacity = 10, .offered_erlangs = 5}), "");
}

}  // namespace
}  // namespace crankback::analytic
