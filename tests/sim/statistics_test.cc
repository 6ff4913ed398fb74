// Running statistics: Welford against a two-pass computation, Merge against
// sequential adding, and Student-t intervals against tabulated quantiles and
// their nominal coverage.
#include "sim/statistics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "sim/distribution.h"
#include "sim/rng.h"

namespace crankback::sim {
namespace {

struct TwoPass {
  double mean = 0;
  double variance = 0;
};

TwoPass ComputeTwoPass(const std::vector<double>& xs) {
  TwoPass r;
  for (double x : xs) r.mean += x;
  r.mean /= static_cast<double>(xs.size());
  for (double x : xs) r.variance += (x - r.mean) * (x - r.mean);
  r.variance /= static_cast<double>(xs.size() - 1);
  return r;
}

// Normal draws around a large offset: the naive sum-of-squares formula loses
// every digit here, Welford must not.
std::vector<double> OffsetNormalData(uint64_t seed, int n, double offset, double stddev) {
  RngStream rng = RngFactory(seed, 0).Stream("statistics_test", "data");
  std::vector<double> xs;
  for (int i = 0; i < n; ++i) xs.push_back(offset + stddev * SampleStandardNormal(rng));
  return xs;
}

Welford Accumulate(const std::vector<double>& xs, size_t begin, size_t end) {
  Welford w;
  for (size_t i = begin; i < end; ++i) w.Add(xs[i]);
  return w;
}

TEST(StatisticsTest, WelfordMatchesTwoPass) {
  for (const double offset : {0.0, 1e3, 1e9}) {
    SCOPED_TRACE(offset);
    const std::vector<double> xs = OffsetNormalData(1, 10'000, offset, 2.0);
    const TwoPass expected = ComputeTwoPass(xs);
    const Welford w = Accumulate(xs, 0, xs.size());
    EXPECT_EQ(w.count(), xs.size());
    EXPECT_NEAR(w.mean(), expected.mean, 1e-12 * std::max(1.0, std::abs(expected.mean)));
    EXPECT_NEAR(w.variance(), expected.variance, 1e-6 * expected.variance);
    EXPECT_NEAR(w.stddev(), std::sqrt(expected.variance), 1e-6 * std::sqrt(expected.variance));
    EXPECT_NEAR(w.variance(), 4.0, 0.3);  // and it is the variance of the data
  }
}

TEST(StatisticsTest, SmallSamples) {
  Welford w;
  EXPECT_EQ(w.count(), 0u);
  EXPECT_EQ(w.mean(), 0.0);
  EXPECT_EQ(w.variance(), 0.0);
  w.Add(3.5);
  EXPECT_EQ(w.mean(), 3.5);
  EXPECT_EQ(w.variance(), 0.0);
  EXPECT_EQ(w.stddev(), 0.0);
  w.Add(5.5);
  EXPECT_EQ(w.mean(), 4.5);
  EXPECT_EQ(w.variance(), 2.0);
}

TEST(StatisticsTest, MergeEqualsSequentialAdding) {
  const std::vector<double> xs = OffsetNormalData(2, 3'000, 100.0, 7.0);
  const Welford all = Accumulate(xs, 0, xs.size());
  for (const size_t split :
       {size_t{0}, size_t{1}, size_t{2}, size_t{1000}, xs.size() - 1, xs.size()}) {
    SCOPED_TRACE(split);
    Welford left = Accumulate(xs, 0, split);
    left.Merge(Accumulate(xs, split, xs.size()));
    EXPECT_EQ(left.count(), all.count());
    EXPECT_NEAR(left.mean(), all.mean(), 1e-12 * std::abs(all.mean()));
    EXPECT_NEAR(left.variance(), all.variance(), 1e-10 * all.variance());
  }
  // Shards fold in any grouping.
  const Welford a = Accumulate(xs, 0, 700), b = Accumulate(xs, 700, 2100),
                c = Accumulate(xs, 2100, xs.size());
  Welford ab_c = a;
  ab_c.Merge(b);
  ab_c.Merge(c);
  Welford bc = b;
  bc.Merge(c);
  Welford a_bc = a;
  a_bc.Merge(bc);
  EXPECT_EQ(a_bc.count(), ab_c.count());
  EXPECT_NEAR(a_bc.mean(), ab_c.mean(), 1e-12 * std::abs(all.mean()));
  EXPECT_NEAR(a_bc.variance(), ab_c.variance(), 1e-10 * all.variance());
  EXPECT_NEAR(a_bc.variance(), all.variance(), 1e-10 * all.variance());
}

// {1, 2, 3, 4, 5}: mean 3, sample variance 2.5; t(0.975, 4) = 2.776445 and
// t(0.995, 4) = 4.604095 (standard tables).
TEST(StatisticsTest, StudentTForAKnownSample) {
  Welford w;
  for (double x : {1.0, 2.0, 3.0, 4.0, 5.0}) w.Add(x);
  const Interval ci95 = StudentT(w, 0.95);
  EXPECT_DOUBLE_EQ(ci95.mean, 3.0);
  EXPECT_NEAR(ci95.half_width, 2.776445 * std::sqrt(2.5) / std::sqrt(5.0), 1e-6);
  EXPECT_NEAR(ci95.low(), 3.0 - ci95.half_width, 1e-15);
  EXPECT_NEAR(ci95.high(), 3.0 + ci95.half_width, 1e-15);
  EXPECT_TRUE(ci95.Contains(1.04));
  EXPECT_FALSE(ci95.Contains(1.03));
  const Interval ci99 = StudentT(w, 0.99);
  EXPECT_NEAR(ci99.half_width, 4.604095 * std::sqrt(2.5) / std::sqrt(5.0), 1e-6);

  // Two values {0, 2}: s = sqrt(2), t(0.975, 1) = 12.706205.
  Welford two;
  two.Add(0.0);
  two.Add(2.0);
  EXPECT_NEAR(StudentT(two, 0.95).half_width, 12.706205, 1e-6);
}

TEST(StatisticsTest, StudentTWithFewerThanTwoValuesIsInfinite) {
  const Welford empty;
  const Interval none = StudentT(empty, 0.95);
  EXPECT_EQ(none.half_width, std::numeric_limits<double>::infinity());
  Welford one;
  one.Add(42.0);
  const Interval single = StudentT(one, 0.95);
  EXPECT_EQ(single.mean, 42.0);
  EXPECT_EQ(single.half_width, std::numeric_limits<double>::infinity());
  EXPECT_TRUE(single.Contains(-1e300));
  EXPECT_TRUE(single.Contains(1e300));
}

// 1000 intervals from 10 normal draws each must cover the true mean about 95% of
// the time: the binomial standard deviation is 0.7%, so [93%, 97%] is about +-3
// sigma. Using the normal quantile 1.96 instead of t(0.975, 9) = 2.262 would
// cover only about 92% and fail.
TEST(StatisticsTest, StudentTCoversTheTrueMeanAtTheNominalRate) {
  RngStream rng = RngFactory(7, 0).Stream("statistics_test", "coverage");
  constexpr double kTrueMean = 5.0;
  constexpr int kIntervals = 1000;
  int covered = 0;
  for (int i = 0; i < kIntervals; ++i) {
    Welford w;
    for (int k = 0; k < 10; ++k) w.Add(kTrueMean + 2.0 * SampleStandardNormal(rng));
    if (StudentT(w, 0.95).Contains(kTrueMean)) ++covered;
  }
  EXPECT_GE(covered, 930);
  EXPECT_LE(covered, 970);
}

}  // namespace
}  // namespace crankback::sim
