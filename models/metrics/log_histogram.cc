#include "models/metrics/log_histogram.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/engine.h"

namespace crankback::metrics {

int LogHistogram::BucketOf(double x) {
  if (x <= 0) return 0;
  int e = 0;
  const double m = std::frexp(x, &e);  // x = m * 2^e, m in [0.5, 1)
  if (e < kMinExponent) return 0;
  if (e > kMaxExponent) return kBuckets - 1;
  const int sub = static_cast<int>((2 * m - 1) * kSubBuckets);  // exact: a power-of-two scale
  return 1 + (e - kMinExponent) * kSubBuckets + sub;
}

double LogHistogram::Midpoint(int bucket) {
  const int octave = (bucket - 1) / kSubBuckets;
  const int sub = (bucket - 1) % kSubBuckets;
  const double mantissa = 1 + (sub + 0.5) / kSubBuckets;  // in [1, 2)
  return std::ldexp(mantissa, kMinExponent + octave - 1);
}

void LogHistogram::Add(double x) {
  if (!(x >= 0) || !std::isfinite(x)) sim::Fatal("LogHistogram::Add: negative or non-finite");
  if (buckets_.empty()) buckets_.assign(kBuckets, 0);
  ++buckets_[BucketOf(x)];
  min_ = count_ == 0 ? x : std::min(min_, x);
  max_ = count_ == 0 ? x : std::max(max_, x);
  sum_ += x;
  ++count_;
}

void LogHistogram::Merge(const LogHistogram& other) {
  if (other.count_ == 0) return;
  if (buckets_.empty()) buckets_.assign(kBuckets, 0);
  for (int i = 0; i < kBuckets; ++i) buckets_[i] += other.buckets_[i];
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = count_ == 0 ? other.max_ : std::max(max_, other.max_);
  sum_ += other.sum_;
  count_ += other.count_;
}

double LogHistogram::Quantile(double q) const {
  if (count_ == 0) return std::numeric_limits<double>::quiet_NaN();
  q = std::clamp(q, 0.0, 1.0);
  const double n = static_cast<double>(count_);
  // The rank of the nearest-rank quantile, 1..n; the tolerance keeps q*n that
  // should be an integer (0.95 * 20) from rounding up past it.
  const uint64_t rank =
      std::clamp<uint64_t>(static_cast<uint64_t>(std::ceil(q * n - 1e-9 * n)), uint64_t{1}, count_);
  if (rank == 1) return min_;
  if (rank == count_) return max_;
  uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += buckets_[i];
    if (seen < rank) continue;
    if (i == 0) return min_;
    if (i == kBuckets - 1) return max_;
    return std::clamp(Midpoint(i), min_, max_);
  }
  return max_;
}

}  // namespace crankback::metrics
