#include "models/sip/trace_recorder.h"

namespace crankback::sip {

void TraceRecorder::OnTransmission(const WireTransmission& t) {
  const Message& m = t.message;
  if (m.origin_call > calls_) return;  // a later call: the common case, kept cheap
  if (m.origin_call != 0 && m.origin_call < first_) return;
  auto it = legs_.find(m.call_id);
  if (it == legs_.end()) {
    if (m.origin_call == 0) return;  // no call to attribute it to
    Leg leg;
    leg.call = m.origin_call - 1;
    leg.caller = m.is_request() ? m.from : m.to;  // the first message of a leg is its INVITE
    it = legs_.emplace(m.call_id, leg).first;
  }
  Leg& leg = it->second;
  if (m.method == Method::kInvite) {
    if (m.is_request() && m.cseq != leg.invite_cseq) {
      leg.invite_cseq = m.cseq;
      leg.invite_final = 0;
    } else if (m.is_final() && m.cseq == leg.invite_cseq) {
      leg.invite_final = m.status;
    }
  }
  TraceEvent e;
  e.sent = t.sent;
  e.arrival = t.lost ? t.sent : t.arrival;
  e.lost = t.lost;
  // An ACK always follows the final response it confirms, which was sent first.
  e.ack_for_2xx = m.method == Method::kAck && m.cseq == leg.invite_cseq &&
                  leg.invite_final >= 200 && leg.invite_final < 300;
  e.leg_caller = leg.caller;
  e.call = leg.call;
  e.message = m;
  events_.push_back(e);
}

}  // namespace crankback::sip
