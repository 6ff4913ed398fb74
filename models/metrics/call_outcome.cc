#include "models/metrics/call_outcome.h"

#include <cstring>

#include "sim/rng.h"

namespace crankback::metrics {

void RunMetrics::Record(const CallOutcome& o) {
  ++recorded_;
  uint64_t seconds_bits;
  std::memcpy(&seconds_bits, &o.answered_s, sizeof seconds_bits);
  hash_ = sim::Mix64(hash_ ^ static_cast<uint64_t>(o.arrival.nanos()));
  hash_ = sim::Mix64(hash_ ^ (static_cast<uint64_t>(o.final_code) << 8) ^
                     static_cast<uint64_t>(o.result) ^ seconds_bits);
  if (o.fraud) hash_ = sim::Mix64(hash_ ^ 0x5f3759df);  // clean calls hash as they always did
  if (o.arrival < warmup_) return;
  ++attempts_;
  if (o.fraud) ++fraud_attempts_;
  switch (o.result) {
    case Result::kAnswered:
      ++answered_;
      answered_seconds_ += o.answered_s;
      if (o.fraud) {
        ++fraud_answered_;
        fraud_seconds_ += o.answered_s;
      }
      break;
    case Result::kFailed:
      ++failed_;
      ++failures_by_code_[o.final_code];
      if (IsFailedRetryable(o)) ++failed_retryable_;
      if (!o.fraud && o.truth.cause == sip::Cause::kFraudBlock) ++clean_blocked_;
      break;
    case Result::kAbandoned:
      ++abandoned_;
      break;
  }
}

}  // namespace crankback::metrics
