// A session border controller (B2BUA) with trunk groups (NAPs) and route lists.
//
//   Sbc sbc(ctx, id, {.naps = {from_callers, to_carrier_a, to_carrier_b}});
//
// Each call has two legs: the inbound leg from the NAP it arrived on, and one
// outbound leg at a time to the NAP of the route being tried. A failure on the
// outbound leg goes to the cause-mapping policy: advance to the next route, or
// stop and send the failure upstream. NAP session caps are answered in the
// SBC's own dialect.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "models/nodes/node_context.h"

namespace crankback::nodes {

struct NapParams {
  std::string name;
  uint32_t peer = 0;             // node index
  uint32_t max_sessions = 0;     // 0 = unlimited
  std::vector<uint32_t> routes;  // egress NAP indices, in order
};

struct SbcParams {
  std::vector<NapParams> naps;
  uint32_t dialect = 0;
};

class Sbc : public sip::Endpoint {
 public:
  Sbc(const NodeContext& ctx, sim::NodeId id, const SbcParams& params);

  size_t active_calls() const { return calls_.size(); }
  uint32_t nap_sessions(uint32_t nap) const { return naps_[nap].sessions; }
  // Outbound INVITEs sent to each NAP.
  uint64_t nap_attempts(uint32_t nap) const { return naps_[nap].attempts; }
  const NodeCounters& counters() const { return counters_; }

 protected:
  void OnRequest(const sip::Message& request) override;
  void OnResponse(const sip::Message& response) override;
  void OnTimeout(const sip::Message& request) override;
  void OnAckTimeout(const sip::Message& response) override;
  uint32_t NextCseq(uint64_t call_id) override;
  void OnSessionExpired(uint64_t call_id) override;

 private:
  struct Nap {
    const NapParams* params;
    uint32_t sessions = 0;
    uint64_t attempts = 0;
  };
  struct Call {
    sip::Message invite;  // as received on the inbound leg
    uint32_t in_nap = 0;
    uint32_t out_nap = 0;
    uint64_t out_call_id = 0;  // 0: no outbound leg
    uint32_t out_cseq = 1;     // our last CSeq on the outbound leg (its INVITE: 1)
    uint32_t in_cseq = 0;      // our last CSeq on the inbound leg (we sent none yet)
    uint8_t next_route = 0;
    uint8_t tried = 0;
    bool answered = false;
    bool inbound_open = true;
    bool out_provisional = false;  // the outbound leg had a 1xx: CANCEL may go
    bool cancel_pending = false;   // the caller cancelled before that 1xx
    sip::Message failure;          // the last failure, sent upstream if the policy stops
  };

  void OnInvite(const sip::Message& invite);
  void OnBye(const sip::Message& bye);
  void OnCancel(const sip::Message& cancel);
  void CancelOutbound(Call& call);
  void OnCalleeBye(const sip::Message& bye, uint64_t key);
  void ByeOutbound(Call& call);
  void ByeUpstream(Call& call);
  void TryNextRoute(uint64_t key);
  void OnOutboundFailure(uint64_t key, const sip::Message& failure);
  void FailUpstream(uint64_t key);
  void CloseOutbound(Call& call);
  void CloseInbound(Call& call);
  void MaybeErase(uint64_t key);
  sip::Message LocalRejection(const sip::Message& invite, policy::Condition condition,
                              sip::Cause cause) const;

  NodeContext ctx_;
  const policy::Dialect& dialect_;
  std::vector<Nap> naps_;
  std::vector<int32_t> ingress_nap_;               // per node index: NAP whose peer it is, or -1
  std::unordered_map<uint64_t, Call> calls_;       // keyed by inbound Call-ID
  std::unordered_map<uint64_t, uint64_t> by_out_;  // outbound Call-ID -> inbound Call-ID
  uint64_t next_serial_ = 0;
  NodeCounters counters_;
};

}  // namespace crankback::nodes
