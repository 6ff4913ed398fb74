// The quantile estimator of the run metrics: nearest-rank quantiles of known
// samples, exact at the extremes and within 1/128 relative elsewhere.
#include "models/metrics/log_histogram.h"

#include <gtest/gtest.h>

#include <cmath>

namespace crankback {
namespace {

using metrics::LogHistogram;

constexpr double kResolution = 1.0 / 128;  // a bucket midpoint's worst relative error

TEST(LogHistogram, EmptyHasNoQuantile) {
  const LogHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_TRUE(std::isnan(h.Quantile(0.5)));
}

TEST(LogHistogram, OneValueIsExactAtEveryQuantile) {
  LogHistogram h;
  for (int i = 0; i < 7; ++i) h.Add(2.04);
  for (double q : {0.0, 0.01, 0.5, 0.95, 1.0}) EXPECT_EQ(h.Quantile(q), 2.04) << q;
  EXPECT_EQ(h.count(), 7u);
  EXPECT_DOUBLE_EQ(h.sum(), 7 * 2.04);
}

TEST(LogHistogram, NearestRankQuantilesOfOneToAThousandMilliseconds) {
  LogHistogram h;
  for (int ms = 1000; ms >= 1; --ms) h.Add(ms / 1000.0);  // order does not matter
  EXPECT_EQ(h.Quantile(0), 0.001);
  EXPECT_EQ(h.Quantile(1), 1.0);
  // Nearest rank: p50 of 1..1000 is the 500th value, p95 the 950th, p99 the 990th.
  EXPECT_NEAR(h.Quantile(0.5), 0.500, 0.500 * kResolution);
  EXPECT_NEAR(h.Quantile(0.95), 0.950, 0.950 * kResolution);
  EXPECT_NEAR(h.Quantile(0.99), 0.990, 0.990 * kResolution);
  EXPECT_NEAR(h.Quantile(0.001), 0.001, 0.001 * kResolution);
}

TEST(LogHistogram, RankIsTheCeilingOfQTimesN) {
  LogHistogram h;
  for (int i = 0; i < 19; ++i) h.Add(1.0);
  h.Add(100.0);
  // 0.95 * 20 = 19: the 19th value (1.0), not the 20th, despite 0.95 not being exact in binary.
  EXPECT_NEAR(h.Quantile(0.95), 1.0, kResolution);
  EXPECT_EQ(h.Quantile(0.951), 100.0);
}

TEST(LogHistogram, NeighbouringValuesOneBucketApartStaySeparate) {
  LogHistogram h;
  // 1 and 1 + 1/64 open neighbouring buckets of the octave [1, 2).
  for (int i = 0; i < 50; ++i) h.Add(1.0);
  for (int i = 0; i < 50; ++i) h.Add(1.0 + 1.0 / 64);
  h.Add(3.0);
  EXPECT_NEAR(h.Quantile(0.45), 1.0, kResolution);  // rank 46 of 101
  EXPECT_LT(h.Quantile(0.45), 1.0 + 1.0 / 64);
  EXPECT_GE(h.Quantile(0.9), 1.0 + 1.0 / 64);
  EXPECT_NEAR(h.Quantile(0.9), 1.0 + 1.0 / 64, (1.0 + 1.0 / 64) * kResolution);
}

TEST(LogHistogram, ValuesOutsideTheRangeReportTheExtremes) {
  LogHistogram h;
  h.Add(0.0);
  h.Add(0.00001);  // below 61 us: the underflow bucket
  h.Add(1e6);      // above 36 h: the overflow bucket
  h.Add(2e6);
  EXPECT_EQ(h.Quantile(0.5), 0.0);   // the underflow bucket answers with the minimum
  EXPECT_EQ(h.Quantile(0.75), 2e6);  // the overflow bucket with the maximum
  EXPECT_EQ(h.min(), 0.0);
  EXPECT_EQ(h.max(), 2e6);
}

TEST(LogHistogram, MergeIsAddingEverySample) {
  LogHistogram a, b, all;
  for (int i = 1; i <= 300; ++i) {
    const double x = 0.01 * i * i;
    (i % 3 == 0 ? a : b).Add(x);
    all.Add(x);
  }
  a.Merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_EQ(a.max(), all.max());
  for (double q : {0.1, 0.5, 0.9, 0.95}) EXPECT_EQ(a.Quantile(q), all.Quantile(q)) << q;
  LogHistogram empty;
  empty.Merge(all);
  EXPECT_EQ(empty.Quantile(0.5), all.Quantile(0.5));
}

}  // namespace
}  // namespace crankback
