// The initial INVITE a node keeps while it holds the call: the fields that
// answering it (Message::ResponseTo), starting its session timer
// (Endpoint::StartSessionTimer) and the node's own requests on that dialog
// read, in 32 bytes instead of a whole Message.
//
//   ReceivedInvite invite(request);          // request: an INVITE outside a dialog
//   SendResponse(invite.Response(180));      // the same as Message::ResponseTo(request, 180)
#pragma once

#include <cstdint>

#include "models/sip/message.h"
#include "sim/network.h"

namespace crankback::nodes {

struct ReceivedInvite {
  ReceivedInvite() = default;
  explicit ReceivedInvite(const sip::Message& invite)
      : call_id(invite.call_id),
        cseq(invite.cseq),
        origin_call(invite.origin_call),
        destination(invite.destination),
        session_expires_s(invite.session_expires_s),
        from(invite.from),
        fraud(invite.truth.fraud) {}

  // The INVITE as far as these fields go: not in a dialog, no other field set.
  sip::Message ToMessage() const {
    sip::Message m = sip::Message::Request(sip::Method::kInvite, call_id, cseq, origin_call);
    m.destination = destination;
    m.session_expires_s = session_expires_s;
    m.truth.fraud = fraud;
    m.from = from;
    return m;
  }
  sip::Message Response(int status) const { return sip::Message::ResponseTo(ToMessage(), status); }

  uint64_t call_id = 0;
  uint32_t cseq = 1;
  uint32_t origin_call = 0;
  uint32_t destination = 0;
  int32_t session_expires_s = 0;
  sim::NodeId from = 0;  // the peer it came from
  bool fraud = false;    // its ground truth (Message::truth.fraud)
};
static_assert(sizeof(ReceivedInvite) == 32);

}  // namespace crankback::nodes
