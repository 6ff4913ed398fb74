// The UA core's reliable provisional responses (RFC 3262; sip-semantics.md
// section R): RSeq, retransmission until the PRACK, the give-up 5xx, and the
// UAC's PRACK for each in-order reliable 1xx. Part of Endpoint (endpoint.h).
#include "models/sip/endpoint.h"

namespace crankback::sip {

// R7: PRACK each reliable 1xx in RSeq order; a repeat or a gap is discarded.
// A stack without 100rel takes it as a plain 1xx (and never PRACKs).
bool Endpoint::AcceptReliable(ClientTx& tx, const Message& provisional) {
  if (timers_.rel100 == Rel100::kNone) return true;
  if (tx.last_rseq != 0 && provisional.rseq != tx.last_rseq + 1) return false;
  tx.last_rseq = provisional.rseq;
  Message prack = Message::Request(Method::kPrack, provisional.call_id,
                                   NextCseq(provisional.call_id), provisional.origin_call);
  prack.in_dialog = true;
  prack.destination = provisional.destination;
  prack.rack_rseq = provisional.rseq;
  prack.rack_cseq = provisional.cseq;
  SendRequest(tx.peer, prack);  // the maps are node-based: `tx` stays valid
  return true;
}

// R4: a PRACK matching the outstanding reliable 1xx stops its retransmission
// and releases what waited for it; anything else gets 481.
void Endpoint::OnPrack(const Message& prack) {
  const Key invite{prack.call_id, prack.rack_cseq, Method::kInvite};
  auto it = provisionals_.find(invite);
  const bool match =
      it != provisionals_.end() && it->second.awaiting && it->second.sent.rseq == prack.rack_rseq;
  SendResponse(Message::ResponseTo(prack, match ? 200 : 481));
  if (!match) return;
  Provisional& p = it->second;
  engine().Cancel(p.retransmit);
  engine().Cancel(p.give_up);
  p.awaiting = false;
  if (p.final_sent) {
    provisionals_.erase(it);
    return;
  }
  while (true) {  // what waited goes out in order; a reliable 1xx waits again
    auto r = provisionals_.find(invite);
    if (r == provisionals_.end() || r->second.awaiting || r->second.queued.empty()) return;
    const Message next = r->second.queued.front();
    r->second.queued.erase(r->second.queued.begin());
    SendResponse(next);
  }
}

// R2, R3: RSeq starts anywhere in [1, 2^31 - 1] and counts up by one; the 1xx
// is resent at T1, 2*T1, 4*T1, ... (no T2 cap) until its PRACK.
void Endpoint::SendReliable(const Key& key, ServerTx& tx, const Message& provisional) {
  auto [it, fresh] = provisionals_.try_emplace(key);
  Provisional& p = it->second;
  Message m = provisional;
  m.rseq = fresh ? static_cast<uint32_t>(1 + random_.NextBelow(0x7fffffffu)) : p.sent.rseq + 1;
  p.sent = m;
  p.peer = tx.peer;
  p.awaiting = true;
  p.interval = timers_.reliable_provisional_first_retry_at_2t1 ? 2 * timers_.t1 : timers_.t1;
  p.retransmit =
      engine().ScheduleIn(p.interval, [this, key] { OnCoreTimer(key, CoreTimer::kRetransmit1xx); });
  p.give_up = engine().ScheduleIn(timers_.ReliableProvisionalTimeout(),
                                  [this, key] { OnCoreTimer(key, CoreTimer::kGiveUp1xx); });
  SendOnTransaction(key, tx, m);
}

void Endpoint::OnProvisionalTimer(Key key, CoreTimer which) {
  auto it = provisionals_.find(key);
  if (it == provisionals_.end()) return;
  Provisional& p = it->second;
  if (which == CoreTimer::kGiveUp1xx) {
    engine().Cancel(p.retransmit);
    const bool unanswered = p.awaiting && !p.final_sent;
    provisionals_.erase(it);
    if (!unanswered) return;
    auto tx = servers_.find(key);
    if (tx == servers_.end()) return;
    // R3: no PRACK in 64*T1: the INVITE is rejected with the profile's 5xx.
    Message give_up =
        Message::ResponseTo(std::get<ServerInviteTransaction>(tx->second.machine).request(),
                            timers_.reliable_provisional_give_up_code);
    give_up.truth.cause = Cause::kTimeout;
    give_up.to = tx->second.peer;
    SendOnTransaction(key, tx->second, give_up);
    OnAckTimeout(give_up);
    return;
  }
  if (!p.awaiting || p.final_sent) return;
  Message again = p.sent;
  again.retransmission = true;
  p.interval = p.interval * 2;
  p.retransmit =
      engine().ScheduleIn(p.interval, [this, key] { OnCoreTimer(key, CoreTimer::kRetransmit1xx); });
  if (auto tx = servers_.find(key); tx != servers_.end()) {
    SendOnTransaction(key, tx->second, again);
  } else {
    Transmit(p.peer, again);
  }
}

}  // namespace crankback::sip
