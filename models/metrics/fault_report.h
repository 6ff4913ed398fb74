// Scheduled faults (Experiment.faults) and what each one did, from ground truth.
//
//   FaultTracker tracker(scenario.faults, horizon);   // also the transport's FaultObserver
//   sip.SetFaultObserver(&tracker);  metrics.SetFaultTracker(&tracker);
//   std::vector<FaultResult> r = tracker.Results();    // after the run
//
// A failure a node sees (a transaction timeout, a transport error, a 481) is
// caused by a fault when it concerns the faulted element, a node's request to
// the node that is out or across the faulted link, and comes in the fault's
// window or within `horizon` after it (the longest transaction timeout of the
// network: a request sent just before the end may time out that much later).
// A 481 from a node the fault restarted counts whenever it comes: its dialogs
// are lost for good. Calls are matched to their failures by
// Message::origin_call, the call's serial at its user agent: with several user
// agents, two calls of equal serial in one fault's window count as one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "models/metrics/call_outcome.h"
#include "models/sip/transport.h"
#include "sim/time.h"

namespace crankback::metrics {

enum class FaultKind : uint8_t {
  kLossBurst,  // extra loss on a link, both directions
  kPartition,  // a link carries nothing, both directions
  kOutage,     // a node is cut off (and, with `restart`, crashes)
};

struct FaultParams {
  std::string name;
  FaultKind kind = FaultKind::kOutage;
  sim::SimTime start;
  sim::Duration duration;
  sim::NodeId a = 0;  // kOutage: the node; else one end of the link
  sim::NodeId b = 0;  // the link's other end
  double loss = 0;    // kLossBurst: probability per message, [0, 1]
  // kOutage: how senders see the node (sip::Outage), and whether it crashes
  // at `start`, losing its calls, and comes back at the end with none.
  sip::OutageMode tcp_mode = sip::OutageMode::kRefuse;
  bool udp_icmp_unreachable = false;
  bool restart = false;

  sim::SimTime end() const { return start + duration; }
};

// What one fault did. Times are from the fault's start, in seconds.
struct FaultResult {
  // The first failure a neighbour saw because of it; absent: none did.
  std::optional<double> detect_s;
  // The first call answered after a route through the faulted element had
  // failed (a route advance, a proxy failover); absent: none was.
  std::optional<double> route_around_s;
  uint64_t lost_in_progress = 0;  // calls the restart lost (held by the node at its crash)
  // Calls that failed at their origin after an INVITE of theirs failed
  // because of the fault, less those already in lost_in_progress.
  uint64_t failed_calls = 0;
  uint64_t rescued_calls = 0;    // answered after an INVITE of theirs failed because of it
  uint64_t abandoned_calls = 0;  // ... abandoned by the caller instead
  // Failures neighbours saw because of it, by kind.
  uint64_t timeouts = 0;
  uint64_t transport_errors = 0;
  uint64_t no_dialog = 0;         // 481s from the restarted node
  uint64_t messages_dropped = 0;  // kept from their destination: lost, vanished, refused, unsent

  uint64_t calls_lost() const { return lost_in_progress + failed_calls; }
};

class FaultTracker : public sip::FaultObserver {
 public:
  // `faults` must outlive the tracker.
  FaultTracker(const std::vector<FaultParams>& faults, sim::Duration horizon);

  void OnFailure(sim::SimTime now, sim::NodeId at, sim::NodeId peer, sip::FailureKind kind,
                 const sip::Message& request) override;
  void OnDropped(uint32_t fault) override;
  // Fault `fault` crashed its node, which held the calls `lost` (origin_call).
  void OnRestart(uint32_t fault, const std::vector<uint32_t>& lost);
  // A call ended at its origin (every call, warm-up included).
  void OnOutcome(const CallOutcome& o);

  std::vector<FaultResult> Results() const;

 private:
  enum : uint8_t { kInviteFailed = 1, kLost = 2 };
  struct State {
    FaultResult result;
    std::unordered_map<uint32_t, uint8_t> calls;  // origin_call -> flags
  };

  const std::vector<FaultParams>& faults_;
  sim::Duration horizon_;
  std::vector<State> states_;
};

}  // namespace crankback::metrics
