// A quantile estimator for durations in seconds: a histogram with log-spaced
// buckets, deterministic and of fixed size whatever the number of samples.
//
//   LogHistogram pdd;  pdd.Add(2.02);  pdd.Add(3.5);
//   double p95 = pdd.Quantile(0.95);   // within 0.8% of the sample's nearest-rank p95
//
// Each binary octave [2^(e-1), 2^e) from 2^-14 s (61 us) to 2^17 s (36 h) is
// cut into 64 equal buckets, so a bucket's midpoint is within 1/128 (0.78%) of
// every value in it. Values below the range fall into one underflow bucket,
// values above it into one overflow bucket. The bucket of a value is found with
// frexp, which is exact, so every standard library puts a value in the same
// bucket. The smallest and largest values are kept exactly: a quantile is
// never reported outside them, and the 0 and 1 quantiles are exact.
#pragma once

#include <cstdint>
#include <vector>

namespace crankback::metrics {

class LogHistogram {
 public:
  static constexpr int kSubBuckets = 64;    // per octave
  static constexpr int kMinExponent = -13;  // frexp exponent of the first octave: [2^-14, 2^-13)
  static constexpr int kMaxExponent = 17;   // ... of the last: [2^16, 2^17)
  static constexpr int kOctaves = kMaxExponent - kMinExponent + 1;
  static constexpr int kBuckets = kOctaves * kSubBuckets + 2;  // + underflow + overflow

  // Counts `x` seconds; a negative or non-finite `x` is a broken invariant.
  void Add(double x);
  // Adds every sample of `other`, as if each had been added here.
  void Merge(const LogHistogram& other);

  uint64_t count() const { return count_; }
  double min() const { return min_; }
  double max() const { return max_; }
  double sum() const { return sum_; }
  // The nearest-rank q-quantile (the smallest sample with at least q*n samples
  // at or below it, q in [0, 1]), to within the bucket resolution. NaN when empty.
  double Quantile(double q) const;

 private:
  static int BucketOf(double x);
  static double Midpoint(int bucket);

  std::vector<uint64_t> buckets_ = {};  // kBuckets, allocated at the first sample
  uint64_t count_ = 0;
  double min_ = 0;
  double max_ = 0;
  double sum_ = 0;
};

}  // namespace crankback::metrics
