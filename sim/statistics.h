// Running statistics and confidence intervals over independent replications.
//
//   Welford w;  for (double x : per_replication_asr) w.Add(x);
//   Interval ci = StudentT(w, 0.95);   // ci.low <= mean <= ci.high
//
// Welford's update is numerically stable for long runs; Merge() combines two
// accumulators exactly (Chan et al.), so shards of a sweep fold in any grouping.
#pragma once

#include <cstdint>

namespace crankback::sim {

class Welford {
 public:
  void Add(double x) {
    ++n_;
    const double delta = x - mean_;
    mean_ += delta / static_cast<double>(n_);
    m2_ += delta * (x - mean_);
  }
  void Merge(const Welford& other);

  uint64_t count() const { return n_; }
  double mean() const { return mean_; }
  // Sample variance (n - 1 in the denominator); 0 with fewer than two values.
  double variance() const { return n_ > 1 ? m2_ / static_cast<double>(n_ - 1) : 0.0; }
  double stddev() const;

 private:
  uint64_t n_ = 0;
  double mean_ = 0;
  double m2_ = 0;
};

struct Interval {
  double mean = 0;
  double half_width = 0;  // infinite with fewer than two observations
  double low() const { return mean - half_width; }
  double high() const { return mean + half_width; }
  bool Contains(double x) const { return low() <= x && x <= high(); }
};

// Two-sided Student-t interval for the mean at `level` (e.g. 0.95).
Interval StudentT(const Welford& w, double level);

}  // namespace crankback::sim
