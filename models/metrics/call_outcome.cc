#include "models/metrics/call_outcome.h"

#include <cstring>

#include "models/metrics/fault_report.h"
#include "sim/rng.h"

namespace crankback::metrics {

namespace {

// RFC 6076 SEER: a 3xx and a call the caller abandoned say nothing about the
// network's effectiveness.
bool IsNerEligible(const CallOutcome& o) {
  if (o.result == Result::kAbandoned) return false;
  return !(o.result == Result::kFailed && o.final_code >= 300 && o.final_code < 400);
}

// Answered, or refused by the user rather than the network.
bool IsNerEffective(const CallOutcome& o) {
  if (o.result == Result::kAnswered) return true;
  switch (o.final_code) {
    case 480:
    case 486:
    case 600:
    case 603:
      return true;
    default:
      return false;
  }
}

}  // namespace

void RunMetrics::Record(const CallOutcome& o) {
  ++recorded_;
  if (kept_ != nullptr) kept_->push_back(o);
  if (faults_ != nullptr) faults_->OnOutcome(o);
  uint64_t seconds_bits;
  std::memcpy(&seconds_bits, &o.answered_s, sizeof seconds_bits);
  hash_ = sim::Mix64(hash_ ^ static_cast<uint64_t>(o.arrival.nanos()));
  hash_ = sim::Mix64(hash_ ^ (static_cast<uint64_t>(o.final_code) << 8) ^
                     static_cast<uint64_t>(o.result) ^ seconds_bits);
  if (o.fraud) hash_ = sim::Mix64(hash_ ^ 0x5f3759df);  // clean calls hash as they always did
  if (o.result == Result::kAnswered && o.setup_s >= 0) {
    const sim::SimTime answered_at = o.arrival + sim::SecondsToDuration(o.setup_s);
    if (answered_at >= warmup_ && answered_at < end_) ++answered_in_window_;
  }
  if (o.arrival < warmup_) return;
  ++attempts_;
  if (o.fraud) ++fraud_attempts_;
  if (o.redial > 0) ++redials_;
  if (o.pdd_s >= 0) pdd_.Add(o.pdd_s);
  if (o.setup_s >= 0) setup_.Add(o.setup_s);
  if (IsNerEligible(o)) {
    ++ner_eligible_;
    if (IsNerEffective(o)) ++ner_effective_;
  }
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
      if (o.truth.cause == sip::Cause::kFraudBlock) ++(o.fraud ? fraud_blocked_ : clean_blocked_);
      break;
    case Result::kAbandoned:
      ++abandoned_;
      break;
  }
}

}  // namespace crankback::metrics
