// How one call ended, and the per-run figures folded from every outcome.
//
//   RunMetrics m(warmup);
//   m.Record(CallOutcome{.arrival = t, .result = Result::kFailed, .final_code = 503, ...});
//   double asr = m.answered() / double(m.attempts());
//
// Every call ends in exactly one outcome, recorded at the origin: answered,
// failed with the final code the caller saw, or abandoned by the caller. The
// outcome keeps the ground truth of the failure, which a real network never
// shows, so "failed although another route could have carried it" is countable,
// and whether the call was fraudulent, so fraud-minute leakage is too.
#pragma once

#include <cstdint>
#include <map>

#include "models/sip/message.h"
#include "sim/time.h"

namespace crankback::metrics {

enum class Result : uint8_t { kAnswered, kFailed, kAbandoned };

struct CallOutcome {
  sim::SimTime arrival;
  Result result = Result::kFailed;
  int final_code = 0;  // 200 when answered
  sip::GroundTruth truth;
  double answered_s = 0;
  bool fraud = false;  // the call was fraudulent (ground truth, drawn by its user agent)
};

// Failed at the origin although the true cause was local to one route and a
// route was still untried.
inline bool IsFailedRetryable(const CallOutcome& o) {
  return o.result == Result::kFailed && sip::IsRouteLocal(o.truth.cause) &&
         o.truth.routes_untried > 0;
}

class RunMetrics {
 public:
  explicit RunMetrics(sim::SimTime warmup) : warmup_(warmup) {}

  // Folds an outcome; calls that arrived during the warm-up are not counted.
  void Record(const CallOutcome& o);

  uint64_t attempts() const { return attempts_; }
  uint64_t answered() const { return answered_; }
  uint64_t failed() const { return failed_; }
  uint64_t abandoned() const { return abandoned_; }
  uint64_t failed_retryable() const { return failed_retryable_; }
  double answered_seconds() const { return answered_seconds_; }
  // Fraudulent attempts, those answered, and their answered seconds: the
  // fraud-minute leakage the policy let through.
  uint64_t fraud_attempts() const { return fraud_attempts_; }
  uint64_t fraud_answered() const { return fraud_answered_; }
  double fraud_seconds() const { return fraud_seconds_; }
  // Clean attempts that failed because a fraud scorer blocked them (ground
  // truth Cause::kFraudBlock): false positives, revenue lost.
  uint64_t clean_blocked() const { return clean_blocked_; }
  const std::map<int, uint64_t>& failures_by_code() const { return failures_by_code_; }
  // All outcomes, warm-up included: the end-of-run invariant counts these.
  uint64_t recorded() const { return recorded_; }
  // A hash of every outcome in order: equal hashes mean equal trajectories.
  uint64_t trajectory_hash() const { return hash_; }

 private:
  sim::SimTime warmup_;
  uint64_t recorded_ = 0;
  uint64_t attempts_ = 0;
  uint64_t answered_ = 0;
  uint64_t failed_ = 0;
  uint64_t abandoned_ = 0;
  uint64_t failed_retryable_ = 0;
  double answered_seconds_ = 0;
  uint64_t fraud_attempts_ = 0;
  uint64_t fraud_answered_ = 0;
  double fraud_seconds_ = 0;
  uint64_t clean_blocked_ = 0;
  std::map<int, uint64_t> failures_by_code_;
  uint64_t hash_ = 0x9ae16a3b2f90404fULL;
};

}  // namespace crankback::metrics
