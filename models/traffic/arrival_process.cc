#include "models/traffic/arrival_process.h"

#include <cmath>

namespace crankback::traffic {

ArrivalProcess::ArrivalProcess(double calls_per_second, const RateProfile& profile,
                               const std::vector<FlashCrowd>& flash_crowds, sim::SimTime end)
    : rate_(calls_per_second, profile, flash_crowds), constant_(rate_.ConstantRate()), end_(end) {
  if (constant_ && *constant_ > 0) gap_ = sim::Distribution::Exponential(1.0 / *constant_);
}

std::optional<sim::SimTime> ArrivalProcess::Next(sim::SimTime now, sim::RngStream& stream) {
  if (constant_) {
    if (!(*constant_ > 0)) return std::nullopt;
    const sim::SimTime at = now + gap_.SampleDuration(stream);
    if (at < end_) return at;
    return std::nullopt;
  }
  const double e = -std::log(stream.NextOpenUniform());  // Exp(1)
  const double at_s = rate_.Invert(last_s_, e, sim::ToSeconds(end_));
  if (!std::isfinite(at_s)) return std::nullopt;
  last_s_ = at_s;
  const sim::SimTime at = sim::SimTime::Zero() + sim::SecondsToDuration(at_s);
  if (at < end_) return at;
  return std::nullopt;
}

}  // namespace crankback::traffic
