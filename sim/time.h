// Virtual time of a simulation: integer nanoseconds in two strong types.
//
//   SimTime deadline = engine.Now() + 64 * timers.t1;
//   double s = ToSeconds(deadline - engine.Now());
//
// SimTime is a point on the simulation clock, Duration a span between two
// points. Both are int64 nanoseconds, so arithmetic is exact and runs are
// reproducible bit for bit; doubles appear only at the edges (parameters in
// seconds, reports).
#pragma once

#include <cmath>
#include <compare>
#include <cstdint>
#include <limits>

namespace crankback::sim {

class Duration {
 public:
  constexpr Duration() = default;
  static constexpr Duration Nanos(int64_t ns) { return Duration(ns); }
  static constexpr Duration Micros(int64_t us) { return Duration(us * 1'000); }
  static constexpr Duration Millis(int64_t ms) { return Duration(ms * 1'000'000); }
  static constexpr Duration Seconds(int64_t s) { return Duration(s * 1'000'000'000); }
  static constexpr Duration Max() { return Duration(std::numeric_limits<int64_t>::max()); }

  constexpr int64_t nanos() const { return ns_; }

  constexpr auto operator<=>(const Duration&) const = default;
  constexpr Duration operator+(Duration o) const { return Duration(ns_ + o.ns_); }
  constexpr Duration operator-(Duration o) const { return Duration(ns_ - o.ns_); }
  constexpr Duration& operator+=(Duration o) {
    ns_ += o.ns_;
    return *this;
  }
  constexpr Duration operator*(int64_t k) const { return Duration(ns_ * k); }
  constexpr Duration operator/(int64_t k) const { return Duration(ns_ / k); }
  friend constexpr Duration operator*(int64_t k, Duration d) { return d * k; }

 private:
  constexpr explicit Duration(int64_t ns) : ns_(ns) {}
  int64_t ns_ = 0;
};

class SimTime {
 public:
  constexpr SimTime() = default;
  static constexpr SimTime FromNanos(int64_t ns) { return SimTime(ns); }
  static constexpr SimTime Zero() { return SimTime(0); }
  static constexpr SimTime Max() { return SimTime(std::numeric_limits<int64_t>::max()); }

  constexpr int64_t nanos() const { return ns_; }

  constexpr auto operator<=>(const SimTime&) const = default;
  constexpr SimTime operator+(Duration d) const { return SimTime(ns_ + d.nanos()); }
  constexpr SimTime operator-(Duration d) const { return SimTime(ns_ - d.nanos()); }
  constexpr Duration operator-(SimTime o) const { return Duration::Nanos(ns_ - o.ns_); }
  constexpr SimTime& operator+=(Duration d) {
    ns_ += d.nanos();
    return *this;
  }

 private:
  constexpr explicit SimTime(int64_t ns) : ns_(ns) {}
  int64_t ns_ = 0;
};

// Rounds to the nearest nanosecond. Callers validate that `s` is finite and in range.
inline Duration SecondsToDuration(double s) { return Duration::Nanos(std::llround(s * 1e9)); }
constexpr double ToSeconds(Duration d) { return static_cast<double>(d.nanos()) * 1e-9; }
constexpr double ToSeconds(SimTime t) { return static_cast<double>(t.nanos()) * 1e-9; }

}  // namespace crankback::sim
