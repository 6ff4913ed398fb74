// A carrier switch: terminates calls on a fixed number of channels.
//
//   Carrier carrier(ctx, id, "carrier_a", {.max_sessions = 10, .dialect = rfc3398});
//
// An INVITE seizes a channel until the BYE. When every channel is busy, or the
// number is not one it serves, the carrier rejects the call with the code its
// dialect names for that condition (and the ground-truth cause behind it).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "models/nodes/node_context.h"
#include "sim/distribution.h"

namespace crankback::nodes {

struct CarrierParams {
  uint32_t max_sessions = 0;  // 0 = unlimited
  uint32_t dialect = 0;       // index into the scenario's dialects
  sim::Distribution ring_time;
  std::vector<bool> serves;  // per scenario destination; empty = serves all
  // Callee behaviour, drawn per call from a stream keyed by the call, so every
  // policy sees the same callee for the same call.
  double busy_probability = 0;
  double decline_probability = 0;
  double answer_probability = 1;  // of the calls neither busy nor declined
  sim::Duration no_answer_timeout = sim::Duration::Seconds(60);  // 0: ring on
};

class Carrier : public sip::Endpoint {
 public:
  Carrier(const NodeContext& ctx, sim::NodeId id, const std::string& name,
          const CarrierParams& params);

  uint32_t busy_channels() const { return busy_; }
  const NodeCounters& counters() const { return counters_; }

 protected:
  void OnRequest(const sip::Message& request) override;
  void OnResponse(const sip::Message&) override {}
  void OnTimeout(const sip::Message&) override {}
  void OnAckTimeout(const sip::Message& response) override;
  // The callee sends one request per dialog at most (its BYE): CSeq 1.
  uint32_t NextCseq(uint64_t) override { return 1; }
  void OnSessionExpired(uint64_t call_id) override;

 private:
  void Reject(const sip::Message& invite, policy::Condition condition, sip::Cause cause);
  void Answer(uint64_t call_id);
  void Decline(uint64_t call_id, policy::Condition condition, sip::Cause cause);
  void OnCancel(const sip::Message& cancel);
  void Release(uint64_t call_id);

  NodeContext ctx_;
  CarrierParams params_;
  const policy::Dialect& dialect_;
  std::string name_;
  uint32_t busy_ = 0;
  std::unordered_map<uint64_t, sip::Message> calls_;  // call id -> its INVITE
  std::unordered_set<uint64_t> answered_;
  NodeCounters counters_;
};

}  // namespace crankback::nodes
