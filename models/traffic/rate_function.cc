#include "models/traffic/rate_function.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace crankback::traffic {

namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

// The end of the piece that starts at `t`: `next`, or just after `t` when
// rounding has put `next` at or before it, so every walk moves forward.
double PieceEnd(double t, double next) { return next > t ? next : std::nextafter(t, kInfinity); }

}  // namespace

RateFunction::RateFunction(double calls_per_second, RateProfile profile,
                           std::vector<FlashCrowd> flash_crowds)
    : base_(calls_per_second), profile_(std::move(profile)), flash_(std::move(flash_crowds)) {
  for (const FlashCrowd& f : flash_) {
    flash_edges_.push_back(f.start_s);
    flash_edges_.push_back(f.start_s + f.duration_s);
  }
  std::sort(flash_edges_.begin(), flash_edges_.end());
  const auto& s = profile_.segments;
  if (profile_.period_s > 0) {
    for (size_t i = 0; i < s.size(); ++i) {
      const double end = i + 1 < s.size() ? s[i + 1].start_s : profile_.period_s;
      period_intensity_ += s[i].multiplier * (end - s[i].start_s);
    }
  }
}

RateFunction::Piece RateFunction::ProfileAt(double t) const {
  const auto& s = profile_.segments;
  if (s.empty()) return {1, kInfinity};
  double offset = 0;  // the start of the period that holds t
  double phase = t;
  if (profile_.period_s > 0) {
    offset = std::floor(t / profile_.period_s) * profile_.period_s;
    phase = std::clamp(t - offset, 0.0, profile_.period_s);
  }
  const auto after = std::upper_bound(s.begin(), s.end(), phase,
                                      [](double x, const RateSegment& g) { return x < g.start_s; });
  const size_t i = after == s.begin() ? 0 : static_cast<size_t>(after - s.begin()) - 1;
  double next = kInfinity;
  if (i + 1 < s.size()) {
    next = offset + s[i + 1].start_s;
  } else if (profile_.period_s > 0) {
    next = offset + profile_.period_s;
  }
  return {s[i].multiplier, next};
}

RateFunction::Piece RateFunction::FlashAt(double t) const {
  Piece p{1, kInfinity};
  for (const FlashCrowd& f : flash_) {
    if (f.start_s <= t && t < f.start_s + f.duration_s) p.multiplier *= f.multiplier;
  }
  const auto next = std::upper_bound(flash_edges_.begin(), flash_edges_.end(), t);
  if (next != flash_edges_.end()) p.next = *next;
  return p;
}

double RateFunction::Rate(double t) const {
  return base_ * ProfileAt(t).multiplier * FlashAt(t).multiplier;
}

double RateFunction::Intensity(double from, double to) const {
  double total = 0;
  double t = from;
  while (t < to) {
    const Piece flash = FlashAt(t);
    if (period_intensity_ > 0) {  // whole periods under one flash multiplier at once
      const double periods = std::floor((std::min(flash.next, to) - t) / profile_.period_s);
      if (periods >= 1) {
        total += periods * base_ * flash.multiplier * period_intensity_;
        t += periods * profile_.period_s;
        continue;
      }
    }
    const Piece profile = ProfileAt(t);
    const double end = std::min(PieceEnd(t, std::min(profile.next, flash.next)), to);
    total += base_ * profile.multiplier * flash.multiplier * (end - t);
    t = end;
  }
  return total;
}

double RateFunction::Invert(double from, double e, double limit) const {
  double t = from;
  while (t < limit) {
    const Piece flash = FlashAt(t);
    const double per_period = base_ * flash.multiplier * period_intensity_;
    if (per_period > 0) {  // skip the whole periods the draw spans
      const double periods =
          std::min(std::floor(e / per_period),
                   std::floor((std::min(flash.next, limit) - t) / profile_.period_s));
      if (periods >= 1) {
        e = std::max(0.0, e - periods * per_period);
        t += periods * profile_.period_s;
        continue;
      }
    }
    const Piece profile = ProfileAt(t);
    const double next = std::min(profile.next, flash.next);
    const double rate = base_ * profile.multiplier * flash.multiplier;
    if (rate > 0) {
      const double need = e / rate;
      if (need < next - t) {
        const double at = t + need;
        return at < limit ? at : kInfinity;
      }
      e = std::max(0.0, e - rate * (next - t));
    }
    if (next == kInfinity) return kInfinity;  // the rate stays 0
    t = PieceEnd(t, next);
  }
  return kInfinity;
}

std::optional<double> RateFunction::ConstantRate() const {
  for (const FlashCrowd& f : flash_) {
    if (f.multiplier != 1) return std::nullopt;
  }
  const auto& s = profile_.segments;
  for (const RateSegment& g : s) {
    if (g.multiplier != s.front().multiplier) return std::nullopt;
  }
  return base_ * (s.empty() ? 1 : s.front().multiplier);
}

double RateFunction::PeakBound() const {
  double profile = profile_.segments.empty() ? 1 : 0;
  for (const RateSegment& g : profile_.segments) profile = std::max(profile, g.multiplier);
  double flash = 1;  // the product in force changes only at a crowd's start or end
  for (double edge : flash_edges_) flash = std::max(flash, FlashAt(edge).multiplier);
  return base_ * profile * flash;
}

}  // namespace crankback::traffic
