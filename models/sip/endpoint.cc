#include "models/sip/endpoint.h"

#include <algorithm>

#include "sim/rng.h"

namespace crankback::sip {

size_t Endpoint::KeyHash::operator()(const Key& k) const {
  return sim::Mix64(k.call_id ^ (uint64_t{k.cseq} << 40) ^ (uint64_t(k.method) << 58));
}

SendResult Endpoint::Transmit(sim::NodeId to, Message m) { return sip_.Send(id_, to, m); }

// ------------------------------------------------------- effects, timers ----

template <class Tx>
void Endpoint::Apply(bool client, const Key& key, Tx* tx, const Effects& effects) {
  // `tx` stays valid while the node reacts: the tables keep values in place,
  // and only kTerminated (always the last effect) erases this transaction.
  for (const Effect& e : effects) {
    const size_t t = TimerSlot(e.timer);
    switch (e.kind) {
      case Effect::Kind::kStopTimer:
        StopTimer(tx->timers[t]);
        break;
      case Effect::Kind::kSend: {
        if (Transmit(tx->peer, e.message) == SendResult::kSent) break;
        // N3: a refused send is a transport error for this transaction, fed once
        // the rest of these effects are applied (an ICT passes its final response
        // up before its ACK fails). A later send here is refused too and feeds it
        // instead; a Terminated here makes it moot.
        Effects rest;
        for (const Effect* r = &e + 1; r != effects.end(); ++r) rest.Push(*r);
        if (std::any_of(rest.begin(), rest.end(), [](const Effect& r) {
              return r.kind == Effect::Kind::kSend || r.kind == Effect::Kind::kTerminated;
            }))
          break;
        Apply(client, key, tx, rest);
        const Effects out =
            std::visit([&](auto& m) { return m.OnInput(engine().Now(), Input::TransportError()); },
                       tx->machine);
        Apply(client, key, tx, out);  // a client's ends in Terminated, which erases `tx`
        return;
      }
      case Effect::Kind::kStartTimer: {
        StopTimer(tx->timers[t]);
        const TimerName name = e.timer;
        const uint32_t slot = tx->self;
        if (Lingers(name)) {
          tx->timers[t] = Linger(e.delay, client ? Owner::kClient : Owner::kServer, slot, name);
          break;
        }
        tx->timers[t] = engine().ScheduleIn(
            e.delay, [this, client, key, slot, name] { OnTimer(client, key, slot, name); });
        break;
      }
      case Effect::Kind::kPassToTu:
        if constexpr (std::is_same_v<Tx, ServerTx>) {
          PassRequestUp(e.message);
        } else {
          PassResponseUp(*tx, e.message);
        }
        break;
      case Effect::Kind::kTimeout: {
        const Message& request =
            std::visit([](const auto& m) -> const Message& { return m.request(); }, tx->machine);
        NoteFailure(FailureKind::kTimeout, tx->peer, request);
        if (request.method == Method::kPrack) break;  // the UAS gives up on its own (R3)
        if (ForgetReInvite(request) && sessions_.count(request.call_id) != 0) {
          SessionRefreshed(Message::ResponseTo(request, 408));
          break;
        }
        OnTimeout(request);
        break;
      }
      case Effect::Kind::kTransportError:
        if (client) {  // RFC 3261 8.1.3.1: the TU treats it as a 503
          const Message& request =
              std::visit([](const auto& m) -> const Message& { return m.request(); }, tx->machine);
          NoteFailure(FailureKind::kTransportError, tx->peer, request);
          if (request.method == Method::kPrack) break;
          Message unreachable = Message::ResponseTo(request, 503);
          unreachable.truth.cause = Cause::kUnreachable;
          if (ForgetReInvite(request) && sessions_.count(request.call_id) != 0) {
            SessionRefreshed(unreachable);
            break;
          }
          OnResponse(unreachable);
        }
        break;
      case Effect::Kind::kNoAck:
        if constexpr (std::is_same_v<Tx, ServerTx>) {
          OnAckTimeout(std::visit([](const auto& m) { return m.last_response(); }, tx->machine));
        }
        break;
      case Effect::Kind::kTerminated:
        for (sim::EventId& id : tx->timers) StopTimer(id);
        engine().Cancel(tx->cancel_cleanup);
        if (client) {  // by its slot: no second lookup of the key
          clients_.erase(clients_.iterator_at(tx->self));
        } else {
          servers_.erase(servers_.iterator_at(tx->self));
        }
        return;
    }
  }
}

template <class Tx>
void Endpoint::RunTimer(bool client, const Key& key, Tx& tx, TimerName name) {
  tx.timers[TimerSlot(name)] = {};
  const Effects out = std::visit(
      [&](auto& m) { return m.OnInput(engine().Now(), Input::Timer(name)); }, tx.machine);
  Apply(client, key, &tx, out);
}

void Endpoint::OnTimer(bool client, Key key, uint32_t slot, TimerName name) {
  ++expirations_[static_cast<size_t>(name)];
  if (client) {
    if (auto it = clients_.find_at(slot, key); it != clients_.end()) {
      RunTimer(true, key, it->second, name);
    }
    return;
  }
  if (auto it = servers_.find_at(slot, key); it != servers_.end())
    RunTimer(false, key, it->second, name);
}

void Endpoint::OnLaneTimer(bool client, uint32_t slot, TimerName name) {
  ++expirations_[static_cast<size_t>(name)];
  if (client) {
    auto* entry = clients_.entry_at(slot);
    RunTimer(true, Key{entry->first}, entry->second, name);
    return;
  }
  auto* entry = servers_.entry_at(slot);
  RunTimer(false, Key{entry->first}, entry->second, name);
}

// ----------------------------------------------------------------- client ----

void Endpoint::SendRequest(sim::NodeId to, const Message& request) {
  Message m = request;
  m.to = to;
  m.from = id_;
  if (m.method == Method::kInvite && !m.in_dialog && !sip_.Admit(id_, to)) {
    // O7, O9, F4: the overload throttle towards `to` keeps the INVITE off the
    // wire; the node gets a local 503 without Retry-After, as for a refused
    // connection, with no transaction behind it.
    Message shed = Message::ResponseTo(m, 503);
    shed.truth.cause = Cause::kOverload;
    OnResponse(shed);
    return;
  }
  const Key key = KeyOf(m);
  if (auto old = clients_.find(key); old != clients_.end()) {
    for (sim::EventId& id : old->second.timers) StopTimer(id);
    clients_.erase(old);
  }
  const bool reliable = sip_.IsReliable(id_, to);
  auto slot =
      m.method == Method::kInvite
          ? clients_.emplace(key, ClientTx{ClientInviteTransaction(timers_, reliable, m), to})
          : clients_.emplace(key, ClientTx{ClientNonInviteTransaction(timers_, reliable, m), to});
  ClientTx* tx = &slot.first->second;
  tx->self = slot.first.slot();
  const Effects out =
      std::visit([&](auto& machine) { return machine.Start(engine().Now()); }, tx->machine);
  Apply(true, key, tx, out);
  if (m.method == Method::kCancel) {  // Y7: give the INVITE up if no final follows
    const Key invite = InviteKey(m);
    if (auto ict = clients_.find(invite); ict != clients_.end()) {
      engine().Cancel(ict->second.cancel_cleanup);
      ict->second.cancel_cleanup = engine().ScheduleIn(timers_.CancelCleanup(), [this, invite] {
        OnCoreTimer(invite, CoreTimer::kCancelCleanup);
      });
    }
  }
}

void Endpoint::CancelCleanup(const Key& invite_key) {
  auto it = clients_.find(invite_key);
  if (it == clients_.end()) return;
  auto* ict = std::get_if<ClientInviteTransaction>(&it->second.machine);
  if (ict == nullptr || (ict->state() != ClientInviteTransaction::State::kCalling &&
                         ict->state() != ClientInviteTransaction::State::kProceeding)) {
    return;
  }
  const Message invite = ict->request();
  NoteFailure(FailureKind::kTimeout, it->second.peer, invite);
  for (sim::EventId& id : it->second.timers) StopTimer(id);
  clients_.erase(it);
  OnTimeout(invite);  // treated as cancelled: the TU sees a local 408
}

void Endpoint::PassResponseUp(ClientTx& tx, const Message& response) {
  if (response.status == 481) NoteFailure(FailureKind::kNoDialog, tx.peer, response);
  if (response.method == Method::kPrack) return;  // the PRACK's own answer ends nothing
  if (response.method != Method::kInvite) {
    OnResponse(response);
    return;
  }
  if (!response.is_final()) {
    if (response.rseq != 0 && !AcceptReliable(tx, response)) return;
    OnResponse(response);
    return;
  }
  if (response.status < 300) {
    if (auto sent = acks_.find(InviteKey(response)); sent != acks_.end()) {
      Message again = sent->second.ack;  // X6: each 2xx retransmission gets the ACK again
      again.retransmission = true;
      Transmit(sent->second.peer, again);
      return;
    }
  }
  if (!reinvites_.empty() && OnReInviteFinal(response)) return;
  OnResponse(response);
}

void Endpoint::SendAck(sim::NodeId to, const Message& ack) {
  const Key key = InviteKey(ack);
  auto it = acks_.emplace(key).first;
  SentAck& sent = it->second;
  StopTimer(sent.expire);
  sent.ack = ack;
  sent.peer = to;
  sent.expire = Linger(64 * timers_.t1, Owner::kAck, it.slot(), TimerName::kA);
  Transmit(to, ack);
}

void Endpoint::OnClientResponse(const Message& response) {
  auto it = clients_.find(KeyOf(response));
  if (it != clients_.end()) {
    const Effects out =
        std::visit([&](auto& m) { return m.OnInput(engine().Now(), Input::Received(response)); },
                   it->second.machine);
    Apply(true, it->first, &it->second, out);
    return;
  }
  // A 2xx retransmission after the transaction ended (Timer M): re-ACK it.
  auto ack = acks_.find(KeyOf(response));
  if (response.method == Method::kInvite && response.status >= 200 && response.status < 300 &&
      ack != acks_.end()) {
    Message again = ack->second.ack;
    again.retransmission = true;
    Transmit(ack->second.peer, again);
    return;
  }
  ++stray_;  // RFC 6026: a response matching no transaction is discarded
}

// ----------------------------------------------------------------- server ----

void Endpoint::Receive(const Message& m) {
  if (!m.is_request()) {
    OnClientResponse(m);
    return;
  }
  const Key key = ServerKey(m);
  if (auto it = servers_.find(key); it != servers_.end()) {
    const Effects out = std::visit(
        [&](auto& machine) { return machine.OnInput(engine().Now(), Input::Received(m)); },
        it->second.machine);
    Apply(false, key, &it->second, out);
    return;
  }
  if (m.method == Method::kAck) {
    OnAckForAnswer(m);  // the ACK of a 2xx whose transaction has ended
    return;
  }
  const bool reliable = sip_.IsReliable(id_, m.from);
  auto slot =
      m.method == Method::kInvite
          ? servers_.emplace(key, ServerTx{ServerInviteTransaction(timers_, reliable, m), m.from})
          : servers_.emplace(key,
                             ServerTx{ServerNonInviteTransaction(timers_, reliable, m), m.from});
  ServerTx* tx = &slot.first->second;
  tx->self = slot.first.slot();
  const Effects out =
      std::visit([&](auto& machine) { return machine.Start(engine().Now()); }, tx->machine);
  Apply(false, key, tx, out);
}

void Endpoint::Reject(const Message& invite, const Message& response) {
  const Key key = KeyOf(invite);
  if (servers_.find(key) != servers_.end()) {
    Receive(invite);
    return;
  }
  const bool reliable = sip_.IsReliable(id_, invite.from);
  auto slot = servers_.emplace(
      key, ServerTx{ServerInviteTransaction(timers_, reliable, invite), invite.from});
  ServerTx* tx = &slot.first->second;
  tx->self = slot.first.slot();
  const Effects started =
      std::visit([&](auto& machine) { return machine.Start(engine().Now()); }, tx->machine);
  Effects out;  // the transaction's own effects; the INVITE does not go up to the node
  for (const Effect& e : started) {
    if (e.kind != Effect::Kind::kPassToTu) out.Push(e);
  }
  Apply(false, key, tx, out);
  SendResponse(response);
}

void Endpoint::PassRequestUp(const Message& request) {
  switch (request.method) {
    case Method::kAck:
      OnAckForAnswer(request);  // an ACK in the IST's Accepted state
      return;
    case Method::kCancel:
      OnCancelRequest(request);
      return;
    case Method::kPrack:
      OnPrack(request);
      return;
    case Method::kBye:
      OnRequest(request);
      return;
    case Method::kInvite:
      break;
  }
  // R1: 100rel must be supported by both ends when either requires it.
  if (request.rel100 == Rel100::kRequired && timers_.rel100 == Rel100::kNone) {
    Message unsupported = Message::ResponseTo(request, 420);
    unsupported.rel100 = Rel100::kRequired;  // Unsupported: 100rel
    SendResponse(unsupported);
    return;
  }
  if (request.rel100 == Rel100::kNone && timers_.rel100 == Rel100::kRequired) {
    Message required = Message::ResponseTo(request, 421);
    required.rel100 = Rel100::kRequired;  // Require: 100rel
    SendResponse(required);
    return;
  }
  if (request.in_dialog && !AcceptInDialogInvite(request)) return;
  OnRequest(request);
}

// Y4 (and Appendix 2 item 9): the CANCEL's own answer comes from the stack.
void Endpoint::OnCancelRequest(const Message& cancel) {
  int code = 481;
  bool pass = false;
  if (auto it = servers_.find(InviteKey(cancel)); it != servers_.end()) {
    if (const auto* ist = std::get_if<ServerInviteTransaction>(&it->second.machine)) {
      const Message& last = ist->last_response();
      if (!last.is_final()) {
        code = 200;
        pass = true;
      } else {
        const bool answered = last.status < 300;
        code = answered && timers_.cancel_after_2xx_gets_481 ? 481 : 200;
      }
    }
  }
  SendResponse(Message::ResponseTo(cancel, code));
  if (pass) OnRequest(cancel);  // the node answers the INVITE with 487
}

void Endpoint::SendResponse(const Message& response) {
  const Key key = KeyOf(response);
  auto it = servers_.find(key);
  if (it == servers_.end()) sim::Fatal("Endpoint::SendResponse: no server transaction");
  ServerTx& tx = it->second;
  if (response.method != Method::kInvite) {
    SendOnTransaction(key, tx, response);
    return;
  }
  if (response.is_final() && response.in_dialog) inbound_reinvites_.erase(response.call_id);
  auto p = provisionals_.empty() ? provisionals_.end() : provisionals_.find(key);
  if (p != provisionals_.end() && p->second.final_sent) return;  // R6: the INVITE is over
  const bool provisional = !response.is_final() && response.status > 100;
  const auto& ist = std::get<ServerInviteTransaction>(tx.machine);
  if (provisional && timers_.rel100 != Rel100::kNone && ist.request().rel100 != Rel100::kNone) {
    if (p != provisionals_.end() && p->second.awaiting) {
      p->second.queued.push_back(response);  // R5: one unacknowledged reliable 1xx at a time
    } else {
      SendReliable(key, tx, response);
    }
    return;
  }
  if (p != provisionals_.end()) {
    Provisional& rel = p->second;
    if (response.status >= 200 && response.status < 300 && rel.awaiting) {
      rel.queued.push_back(response);  // R6: no 2xx before the PRACK
      return;
    }
    if (response.is_final()) {  // R6: no more 1xx; PRACKs still answered until the give-up
      rel.final_sent = true;
      rel.queued.clear();
      engine().Cancel(rel.retransmit);
      if (!rel.awaiting) {
        engine().Cancel(rel.give_up);
        provisionals_.erase(p);
      }
    }
  }
  SendOnTransaction(key, tx, response);
}

void Endpoint::SendOnTransaction(const Key& key, ServerTx& tx, const Message& response) {
  const sim::NodeId peer = tx.peer;
  Message m = response;
  m.to = peer;
  const Effects out = std::visit(
      [&](auto& machine) { return machine.OnInput(engine().Now(), Input::FromTu(m)); }, tx.machine);
  Apply(false, key, &tx, out);
  if (response.method != Method::kInvite || response.status < 200 || response.status >= 300) return;
  // RFC 3261 13.3.1.4 (RFC 6026 8.1): the UAS core retransmits the 2xx until
  // the ACK, whatever the transport, and gives up after 64*T1.
  Answer& a = answers_[key];
  a.response = m;
  a.peer = peer;
  a.interval = timers_.t1;
  a.retransmit =
      engine().ScheduleIn(a.interval, [this, key] { OnCoreTimer(key, CoreTimer::kRetransmit2xx); });
  a.give_up = engine().ScheduleIn(64 * timers_.t1,
                                  [this, key] { OnCoreTimer(key, CoreTimer::kGiveUp2xx); });
}

void Endpoint::OnAckForAnswer(const Message& ack) {
  auto it = answers_.find(InviteKey(ack));
  if (it == answers_.end()) {
    ++stray_;  // an ACK retransmission, or one for nothing we answered
    return;
  }
  engine().Cancel(it->second.retransmit);
  engine().Cancel(it->second.give_up);
  answers_.erase(it);
  OnRequest(ack);
}

void Endpoint::OnCoreTimer(Key key, CoreTimer which) {
  static_assert(static_cast<int>(CoreTimer::kCancelCleanup) ==
                static_cast<int>(ExtraTimer::kCancelCleanup));
  ++extra_expirations_[static_cast<size_t>(which)];
  switch (which) {
    case CoreTimer::kForgetAck:  // not an engine event: kept ACKs expire in a lane
      return;
    case CoreTimer::kCancelCleanup:
      CancelCleanup(key);
      return;
    case CoreTimer::kRetransmit1xx:
    case CoreTimer::kGiveUp1xx:
      OnProvisionalTimer(key, which);
      return;
    case CoreTimer::kRetransmit2xx:
    case CoreTimer::kGiveUp2xx:
      break;
  }
  auto it = answers_.find(key);
  if (it == answers_.end()) return;
  Answer& a = it->second;
  if (which == CoreTimer::kGiveUp2xx) {
    engine().Cancel(a.retransmit);
    const Message response = a.response;
    answers_.erase(it);
    OnAckTimeout(response);  // the node ends the session (BYE)
    return;
  }
  Message again = a.response;
  again.retransmission = true;
  if (auto tx = servers_.find(key); tx != servers_.end()) {  // the IST in Accepted sends it
    const Effects out = std::visit(
        [&](auto& machine) { return machine.OnInput(engine().Now(), Input::FromTu(again)); },
        tx->second.machine);
    Apply(false, key, &tx->second, out);
  } else {
    Transmit(a.peer, again);
  }
  a.interval = std::min(a.interval * 2, timers_.t2);
  a.retransmit =
      engine().ScheduleIn(a.interval, [this, key] { OnCoreTimer(key, CoreTimer::kRetransmit2xx); });
}

}  // namespace crankback::sip

namespace crankback::sip {

void Endpoint::NoteFailure(FailureKind kind, sim::NodeId peer, const Message& request) {
  if (FaultObserver* f = sip_.fault_observer())
    f->OnFailure(engine().Now(), id_, peer, kind, request);
}

// A crash: every transaction, UA-core record and session timer is forgotten
// and its engine events cancelled; later messages of those dialogs find nothing.
void Endpoint::DropState() {
  sim::Engine& e = engine();
  for (Lane& lane : lanes_) {  // the owners' lane ids go with the owners below
    e.ClearLaneHead(lane.engine_lane);
    lane.fifo.clear();
    lane.stopped = 0;
  }
  auto cancel_tx = [&e](auto& entry) {
    for (sim::EventId id : entry.second.timers) e.Cancel(id);  // lane ids are not the engine's
    e.Cancel(entry.second.cancel_cleanup);
  };
  clients_.Clear(cancel_tx);
  servers_.Clear(cancel_tx);
  answers_.Clear([&e](auto& entry) {
    e.Cancel(entry.second.retransmit);
    e.Cancel(entry.second.give_up);
  });
  acks_.Clear([&e](auto& entry) { e.Cancel(entry.second.expire); });
  for (auto& [key, p] : provisionals_) {
    e.Cancel(p.retransmit);
    e.Cancel(p.give_up);
  }
  provisionals_.clear();
  for (auto& [call, r] : reinvites_) e.Cancel(r.retry);
  reinvites_.clear();
  inbound_reinvites_.clear();
  for (auto& [call, session] : sessions_) e.Cancel(session.timer);
  sessions_.clear();
}

}  // namespace crankback::sip
