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
#include <vector>

#include "models/metrics/log_histogram.h"
#include "models/sip/message.h"
#include "sim/time.h"

namespace crankback::metrics {

class FaultTracker;  // models/metrics/fault_report.h

enum class Result : uint8_t { kAnswered, kFailed, kAbandoned };

struct CallOutcome {
  sim::SimTime arrival;
  Result result = Result::kFailed;
  int final_code = 0;  // 200 when answered
  sip::GroundTruth truth;
  double answered_s = 0;
  bool fraud = false;  // the call was fraudulent (ground truth, drawn by its user agent)
  // Which call: its user agent's node index and the call's serial there (the
  // n-th call of that agent, from 1; Message::origin_call).
  uint32_t origin = 0;
  uint32_t serial = 0;
  // 0 for a first attempt; n for the n-th redial of a call that failed.
  uint32_t redial = 0;
  // INVITE to the first 180/183 (post-dial delay, RFC 6076 section 4.1) and
  // INVITE to the 2xx (setup time), at the caller; < 0 = did not happen.
  double pdd_s = -1;
  double setup_s = -1;
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
  // Also appends every outcome, warm-up included, to `sink` (call detail records).
  void KeepOutcomes(std::vector<CallOutcome>* sink) { kept_ = sink; }
  // Also hands every outcome, warm-up included, to `faults` (the fault report);
  // nullptr for none. Not owned.
  void SetFaultTracker(FaultTracker* faults) { faults_ = faults; }

  uint64_t attempts() const { return attempts_; }
  uint64_t answered() const { return answered_; }
  // Calls answered (their 2xx reached the caller) within [warm-up, end), when
  // they arrived: what the network carried in that window, the goodput's count.
  uint64_t answered_in_window() const { return answered_in_window_; }
  void SetEnd(sim::SimTime end) { end_ = end; }
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
  // Fraudulent attempts that failed because a fraud scorer blocked them: the
  // fraud the network caught.
  uint64_t fraud_blocked() const { return fraud_blocked_; }
  // Network effectiveness as RFC 6076 defines it (SEER): calls
  // answered or refused by the user (480, 486, 600, 603) over the attempts that
  // did not end in a 3xx and were not abandoned by the caller. NER =
  // ner_effective / ner_eligible; both are counts, so replications add up.
  uint64_t ner_effective() const { return ner_effective_; }
  uint64_t ner_eligible() const { return ner_eligible_; }
  // Outcomes of redials (CallOutcome::redial > 0).
  uint64_t redials() const { return redials_; }
  // Post-dial delay and setup time (CallOutcome::pdd_s, setup_s) of the calls
  // that had one, in seconds.
  const LogHistogram& pdd() const { return pdd_; }
  const LogHistogram& setup() const { return setup_; }
  const std::map<int, uint64_t>& failures_by_code() const { return failures_by_code_; }
  // All outcomes, warm-up included: the end-of-run invariant counts these.
  uint64_t recorded() const { return recorded_; }
  // A hash of every outcome in order: equal hashes mean equal trajectories.
  uint64_t trajectory_hash() const { return hash_; }

 private:
  sim::SimTime warmup_;
  sim::SimTime end_ = sim::SimTime::Max();
  uint64_t answered_in_window_ = 0;
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
  uint64_t fraud_blocked_ = 0;
  uint64_t ner_effective_ = 0;
  uint64_t ner_eligible_ = 0;
  uint64_t redials_ = 0;
  LogHistogram pdd_;
  LogHistogram setup_;
  std::map<int, uint64_t> failures_by_code_;
  uint64_t hash_ = 0x9ae16a3b2f90404fULL;
  std::vector<CallOutcome>* kept_ = nullptr;
  FaultTracker* faults_ = nullptr;
};

}  // namespace crankback::metrics
