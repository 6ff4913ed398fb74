// Random streams: keyed by name and independent of creation order, distinct per
// seed and replication, and uniform (chi-square and interval checks with fixed
// seeds, so every run sees the same numbers).
#include "sim/rng.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/math/distributions/chi_squared.hpp>
#include <cstdint>
#include <set>
#include <vector>

#include "sim/statistics.h"

namespace crankback::sim {
namespace {

std::vector<uint64_t> Draws(RngStream& s, int n) {
  std::vector<uint64_t> out;
  for (int i = 0; i < n; ++i) out.push_back(s.NextU64());
  return out;
}

std::vector<uint64_t> Draws(RngStream&& s, int n) { return Draws(s, n); }

// Pearson's statistic of `counts` against equal expected counts.
double ChiSquare(const std::vector<uint64_t>& counts, uint64_t total) {
  const double expected = static_cast<double>(total) / static_cast<double>(counts.size());
  double chi2 = 0;
  for (uint64_t c : counts) {
    const double d = static_cast<double>(c) - expected;
    chi2 += d * d / expected;
  }
  return chi2;
}

// The value a chi-square statistic with `df` degrees of freedom exceeds with
// probability 0.001: a correct generator fails one seed in a thousand.
double ChiSquareCritical(int df) {
  return boost::math::quantile(boost::math::chi_squared(df), 0.999);
}

TEST(RngTest, StreamsDoNotDependOnCreationOrder) {
  const RngFactory rng(7, 0);
  RngStream a_first = rng.Stream("caller1", "arrivals");
  RngStream b_second = rng.Stream("sbc1", "loss", 3);
  const std::vector<uint64_t> a1 = Draws(a_first, 100);
  const std::vector<uint64_t> b1 = Draws(b_second, 100);

  const RngFactory again(7, 0);
  RngStream b_first = again.Stream("sbc1", "loss", 3);
  RngStream a_second = again.Stream("caller1", "arrivals");
  // Interleave the draws too: streams hold their own state.
  std::vector<uint64_t> a2, b2;
  for (int i = 0; i < 100; ++i) {
    b2.push_back(b_first.NextU64());
    a2.push_back(a_second.NextU64());
  }
  EXPECT_EQ(a1, a2);
  EXPECT_EQ(b1, b2);
  EXPECT_NE(a1, b1);
}

TEST(RngTest, AddingAnUnrelatedStreamLeavesOthersUnchanged) {
  const RngFactory rng(11, 2);
  const std::vector<uint64_t> alone = Draws(rng.Stream("caller1", "holding"), 50);

  std::vector<uint64_t> with_others;
  RngStream s = rng.Stream("caller1", "holding");
  RngStream extra1 = rng.Stream("caller2", "holding");
  RngStream extra2 = rng.Stream("caller1", "arrivals");
  for (int i = 0; i < 50; ++i) {
    extra1.NextU64();
    with_others.push_back(s.NextU64());
    extra2.NextU64();
  }
  EXPECT_EQ(alone, with_others);
}

TEST(RngTest, KeysSeparateOwnerPurposeAndIndex) {
  const RngFactory rng(1, 0);
  std::set<uint64_t> first_draws;
  first_draws.insert(rng.Stream("a", "b").NextU64());
  first_draws.insert(rng.Stream("b", "a").NextU64());   // swapped
  first_draws.insert(rng.Stream("ab", "").NextU64());   // moved boundary
  first_draws.insert(rng.Stream("a", "bc").NextU64());  // moved boundary
  first_draws.insert(rng.Stream("ab", "c").NextU64());
  first_draws.insert(rng.Stream("a", "a").NextU64());  // owner == purpose
  first_draws.insert(rng.Stream("b", "b").NextU64());
  for (uint64_t index = 0; index < 8; ++index) {
    first_draws.insert(rng.Stream("a", "b", index).NextU64());
  }
  EXPECT_EQ(first_draws.size(), 15u);
  // Indexed streams are reproducible too.
  EXPECT_EQ(Draws(rng.Stream("a", "b", 5), 10), Draws(rng.Stream("a", "b", 5), 10));
}

TEST(RngTest, SeedAndReplicationChangeTheDraws) {
  std::set<std::vector<uint64_t>> seen;
  int combinations = 0;
  for (uint64_t seed : {0ULL, 1ULL, 2ULL, 42ULL, ~0ULL}) {
    for (uint64_t replication : {0ULL, 1ULL, 2ULL, 42ULL}) {
      seen.insert(Draws(RngFactory(seed, replication).Stream("caller1", "arrivals"), 4));
      ++combinations;
    }
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(combinations));
  // Seed and replication are not interchangeable.
  EXPECT_NE(Draws(RngFactory(1, 2).Stream("x", "y"), 4),
            Draws(RngFactory(2, 1).Stream("x", "y"), 4));
  EXPECT_EQ(Draws(RngFactory(1, 2).Stream("x", "y"), 4),
            Draws(RngFactory(1, 2).Stream("x", "y"), 4));
}

TEST(RngTest, NextBelowStaysInRange) {
  RngStream s = RngFactory(3, 0).Stream("rng_test", "range");
  for (uint64_t n :
       {1ULL, 2ULL, 3ULL, 7ULL, 10ULL, 1000ULL, (1ULL << 32) + 1, (1ULL << 63) + 1, ~0ULL}) {
    for (int i = 0; i < 10'000; ++i) ASSERT_LT(s.NextBelow(n), n) << "n = " << n;
  }
  for (int i = 0; i < 100; ++i) EXPECT_EQ(s.NextBelow(1), 0u);
}

// Chi-square over 10 cells, 100,000 draws: the statistic must stay below the
// 99.9% quantile of chi-square with 9 degrees of freedom (27.88).
TEST(RngTest, NextBelowIsUniformChiSquare) {
  RngStream s = RngFactory(2024, 0).Stream("rng_test", "chi_square");
  constexpr uint64_t kCells = 10;
  constexpr uint64_t kDraws = 100'000;
  std::vector<uint64_t> counts(kCells);
  for (uint64_t i = 0; i < kDraws; ++i) ++counts[s.NextBelow(kCells)];
  const double critical = ChiSquareCritical(kCells - 1);
  EXPECT_NEAR(critical, 27.877, 1e-3);
  EXPECT_LT(ChiSquare(counts, kDraws), critical);
}

// n = 3 * 2^62 makes the multiply-shift map four 64-bit words onto three values:
// without the rejection step, values divisible by 3 would come up half of the
// time instead of a third. Chi-square over value % 3, 2 degrees of freedom.
TEST(RngTest, NextBelowRejectsTheBiasedRemainder) {
  RngStream s = RngFactory(5, 0).Stream("rng_test", "rejection");
  constexpr uint64_t n = 3ULL << 62;
  constexpr uint64_t kDraws = 60'000;
  std::vector<uint64_t> counts(3);
  for (uint64_t i = 0; i < kDraws; ++i) {
    const uint64_t v = s.NextBelow(n);
    ASSERT_LT(v, n);
    ++counts[v % 3];
  }
  EXPECT_LT(ChiSquare(counts, kDraws), ChiSquareCritical(2));
}

TEST(RngTest, NextOpenUniformIsInsideTheOpenIntervalWithMeanOneHalf) {
  RngStream s = RngFactory(9, 0).Stream("rng_test", "uniform");
  Welford mean, variance;
  double lowest = 1, highest = 0;
  for (int i = 0; i < 1'000'000; ++i) {
    const double u = s.NextOpenUniform();
    ASSERT_GT(u, 0.0);
    ASSERT_LT(u, 1.0);
    lowest = std::min(lowest, u);
    highest = std::max(highest, u);
    mean.Add(u);
    variance.Add((u - 0.5) * (u - 0.5));  // E = 1/12
  }
  const Interval mean_ci = StudentT(mean, 0.999);
  EXPECT_TRUE(mean_ci.Contains(0.5)) << mean_ci.low() << " .. " << mean_ci.high();
  EXPECT_LT(mean_ci.half_width, 0.001);  // tight enough to catch a biased mapping
  const Interval variance_ci = StudentT(variance, 0.999);
  EXPECT_TRUE(variance_ci.Contains(1.0 / 12)) << variance_ci.low() << " .. " << variance_ci.high();
  EXPECT_LT(lowest, 1e-5);
  EXPECT_GT(highest, 1 - 1e-5);
}

TEST(RngTest, NextBernoulliFollowsP) {
  RngStream s = RngFactory(4, 0).Stream("rng_test", "bernoulli");
  for (int i = 0; i < 1000; ++i) {
    ASSERT_FALSE(s.NextBernoulli(0.0));
    ASSERT_TRUE(s.NextBernoulli(1.0));
  }
  Welford hits;
  for (int i = 0; i < 200'000; ++i) hits.Add(s.NextBernoulli(0.3) ? 1.0 : 0.0);
  const Interval ci = StudentT(hits, 0.999);
  EXPECT_TRUE(ci.Contains(0.3)) << ci.low() << " .. " << ci.high();
}

}  // namespace
}  // namespace crankback::sim
