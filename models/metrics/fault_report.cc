#include "models/metrics/fault_report.h"

#include <algorithm>

namespace crankback::metrics {

namespace {

// A request `at` sent to `peer` crosses the faulted element.
bool Concerns(const FaultParams& f, sim::NodeId at, sim::NodeId peer) {
  if (f.kind == FaultKind::kOutage) return peer == f.a;
  return (at == f.a && peer == f.b) || (at == f.b && peer == f.a);
}

void Earliest(std::optional<double>& slot, double s) {
  if (!slot || s < *slot) slot = s;
}

}  // namespace

FaultTracker::FaultTracker(const std::vector<FaultParams>& faults, sim::Duration horizon)
    : faults_(faults), horizon_(horizon), states_(faults.size()) {}

void FaultTracker::OnFailure(sim::SimTime now, sim::NodeId at, sim::NodeId peer,
                             sip::FailureKind kind, const sip::Message& request) {
  for (size_t i = 0; i < faults_.size(); ++i) {
    const FaultParams& f = faults_[i];
    if (!Concerns(f, at, peer) || now < f.start) continue;
    const bool lost_dialog = kind == sip::FailureKind::kNoDialog;
    if (lost_dialog ? !f.restart : now >= f.end() + horizon_) continue;
    State& s = states_[i];
    switch (kind) {
      case sip::FailureKind::kTimeout:
        ++s.result.timeouts;
        break;
      case sip::FailureKind::kTransportError:
        ++s.result.transport_errors;
        break;
      case sip::FailureKind::kNoDialog:
        ++s.result.no_dialog;
        break;
    }
    Earliest(s.result.detect_s, sim::ToSeconds(now - f.start));
    if (request.method == sip::Method::kInvite && !request.in_dialog && request.origin_call != 0)
      s.calls[request.origin_call] |= kInviteFailed;
  }
}

void FaultTracker::OnDropped(uint32_t fault) {
  if (fault < states_.size()) ++states_[fault].result.messages_dropped;
}

void FaultTracker::OnRestart(uint32_t fault, const std::vector<uint32_t>& lost) {
  if (fault >= states_.size()) return;
  State& s = states_[fault];
  s.result.lost_in_progress += lost.size();
  for (uint32_t call : lost) s.calls[call] |= kLost;
}

void FaultTracker::OnOutcome(const CallOutcome& o) {
  for (size_t i = 0; i < states_.size(); ++i) {
    State& s = states_[i];
    auto it = s.calls.find(o.serial);
    if (it == s.calls.end() || (it->second & kInviteFailed) == 0 || (it->second & kLost) != 0)
      continue;
    switch (o.result) {
      case Result::kFailed:
        ++s.result.failed_calls;
        break;
      case Result::kAnswered:
        ++s.result.rescued_calls;
        Earliest(s.result.route_around_s,
                 sim::ToSeconds(o.arrival - faults_[i].start) + std::max(0.0, o.setup_s));
        break;
      case Result::kAbandoned:
        ++s.result.abandoned_calls;
        break;
    }
    s.calls.erase(it);  // a call ends once
  }
}

std::vector<FaultResult> FaultTracker::Results() const {
  std::vector<FaultResult> out;
  for (const State& s : states_) out.push_back(s.result);
  return out;
}

}  // namespace crankback::metrics
