// The UA core's in-dialog INVITEs: re-INVITE glare (RFC 3261 14;
// sip-semantics.md section G) and session timers (RFC 4028). Part of Endpoint
// (endpoint.h).
#include <algorithm>

#include "models/sip/endpoint.h"

namespace crankback::sip {

// A final response to an INVITE while we have a re-INVITE out: true when the
// stack consumed it (our 491, retried after the G3 back-off; a session
// refresh's outcome). A 2xx to our re-INVITE is ACKed here.
bool Endpoint::OnReInviteFinal(const Message& response) {
  auto own = reinvites_.find(response.call_id);
  if (own == reinvites_.end() || own->second.request.cseq != response.cseq) return false;
  if (response.status == 491) {  // G3: retry after the back-off, as a new transaction
    const uint64_t call_id = response.call_id;
    const bool owner = (call_id >> 40) == uint64_t{id_} + 1;  // we made the Call-ID
    const uint64_t steps = owner ? 210 + random_.NextBelow(191) : random_.NextBelow(201);
    own->second.backing_off = true;
    own->second.retry = engine().ScheduleIn(sim::Duration::Millis(10 * static_cast<int64_t>(steps)),
                                            [this, call_id] { OnGlareRetry(call_id); });
    return true;
  }
  const Message request = own->second.request;
  const sim::NodeId peer = own->second.peer;
  reinvites_.erase(own);
  if (response.status < 300) {
    Message ack =
        Message::Request(Method::kAck, request.call_id, request.cseq, request.origin_call);
    ack.in_dialog = true;
    ack.destination = request.destination;
    SendAck(peer, ack);
  }
  if (sessions_.count(response.call_id) == 0) return false;
  SessionRefreshed(response);
  return true;
}

// A re-INVITE from the peer: false when the stack answered it itself (G2:
// 491 in glare with ours; G4: 500 + Retry-After while an earlier one is
// unanswered). Otherwise it is noted as open (G1) and restarts the session
// timer of a dialog we do not refresh.
bool Endpoint::AcceptInDialogInvite(const Message& request) {
  if (auto own = reinvites_.find(request.call_id);
      own != reinvites_.end() && !own->second.backing_off) {
    SendResponse(Message::ResponseTo(request, 491));
    return false;
  }
  if (auto earlier = inbound_reinvites_.find(request.call_id);
      earlier != inbound_reinvites_.end() && earlier->second < request.cseq) {
    Message later = Message::ResponseTo(request, 500);
    later.retry_after_s = static_cast<int32_t>(random_.NextBelow(11));
    SendResponse(later);
    return false;
  }
  inbound_reinvites_[request.call_id] = request.cseq;
  if (auto session = sessions_.find(request.call_id);
      session != sessions_.end() && !session->second.refresher) {
    engine().Cancel(session->second.timer);  // refreshed: the expiry starts over
    ArmSession(request.call_id, session->second);
  }
  return true;
}

bool Endpoint::SendReInvite(sim::NodeId to, const Message& reinvite) {
  const uint64_t call_id = reinvite.call_id;
  if (reinvites_.count(call_id) != 0 || inbound_reinvites_.count(call_id) != 0) return false;
  Message m = reinvite;
  m.in_dialog = true;
  reinvites_[call_id] = ReInvite{m, to, false, {}};
  SendRequest(to, m);
  return true;
}

void Endpoint::OnGlareRetry(uint64_t call_id) {
  CountTimer(ExtraTimer::kGlareRetry);
  auto it = reinvites_.find(call_id);
  if (it == reinvites_.end()) return;
  ReInvite& own = it->second;
  if (inbound_reinvites_.count(call_id) != 0) {  // G1: the peer's INVITE is still open
    own.retry = engine().ScheduleIn(
        sim::Duration::Millis(10 * static_cast<int64_t>(1 + random_.NextBelow(200))),
        [this, call_id] { OnGlareRetry(call_id); });
    return;
  }
  own.backing_off = false;
  own.request.cseq = NextCseq(call_id);
  own.request.retransmission = false;
  const Message m = own.request;
  SendRequest(own.peer, m);
}

bool Endpoint::ForgetReInvite(const Message& m) {
  if (m.method != Method::kInvite || !m.in_dialog || reinvites_.empty()) return false;
  auto it = reinvites_.find(m.call_id);
  if (it == reinvites_.end() || it->second.request.cseq != m.cseq) return false;
  engine().Cancel(it->second.retry);
  reinvites_.erase(it);
  return true;
}

void Endpoint::StartSessionTimer(const Message& invite, sim::NodeId peer, bool refresher) {
  if (invite.session_expires_s <= 0) return;
  Session& s = sessions_[invite.call_id];
  engine().Cancel(s.timer);
  s.peer = peer;
  s.refresher = refresher;
  s.interval = sim::Duration::Seconds(invite.session_expires_s);
  s.refresh = Message::Request(Method::kInvite, invite.call_id, 0, invite.origin_call);
  s.refresh.destination = invite.destination;
  s.refresh.session_expires_s = invite.session_expires_s;
  ArmSession(invite.call_id, s);
}

void Endpoint::StopSessionTimer(uint64_t call_id) {
  if (sessions_.empty()) return;
  auto it = sessions_.find(call_id);
  if (it == sessions_.end()) return;
  engine().Cancel(it->second.timer);
  sessions_.erase(it);
}

// RFC 4028 section 10: the refresher at SE/2; the other end gives up at
// SE - min(32 s, SE/3) when no refresh came.
void Endpoint::ArmSession(uint64_t call_id, Session& s) {
  const sim::Duration at = s.refresher
                               ? s.interval / 2
                               : s.interval - std::min(sim::Duration::Seconds(32), s.interval / 3);
  s.timer = engine().ScheduleIn(at, [this, call_id] { OnSessionTimer(call_id); });
}

void Endpoint::OnSessionTimer(uint64_t call_id) {
  auto it = sessions_.find(call_id);
  if (it == sessions_.end()) return;
  Session& s = it->second;
  CountTimer(s.refresher ? ExtraTimer::kSessionRefresh : ExtraTimer::kSessionExpiry);
  if (s.refresher) {
    Message refresh = s.refresh;
    refresh.cseq = NextCseq(call_id);
    if (SendReInvite(s.peer, refresh)) return;  // SessionRefreshed() re-arms it
    ArmSession(call_id, s);  // G1: an INVITE of the dialog is in progress; try next time
    return;
  }
  sessions_.erase(it);
  OnSessionExpired(call_id);
}

// The outcome of our refresh: a 2xx re-arms the timer; anything else ends the
// session (G6: 481, 408 or a timeout; any other failure as well, since the
// peer will give up on the session without a refresh).
void Endpoint::SessionRefreshed(const Message& response) {
  auto it = sessions_.find(response.call_id);
  if (it == sessions_.end()) return;
  if (response.status >= 200 && response.status < 300) {
    ArmSession(response.call_id, it->second);
    return;
  }
  sessions_.erase(it);
  OnSessionExpired(response.call_id);
}

}  // namespace crankback::sip
