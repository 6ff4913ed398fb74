#include "models/sip/endpoint.h"

#include <algorithm>

#include "sim/rng.h"

namespace crankback::sip {

size_t Endpoint::KeyHash::operator()(const Key& k) const {
  return sim::Mix64(k.call_id ^ (uint64_t{k.cseq} << 40) ^ (uint64_t(k.method) << 58));
}

void Endpoint::Transmit(sim::NodeId to, Message m) { sip_.Send(id_, to, m); }

// ------------------------------------------------------- effects, timers ----

template <class Tx>
void Endpoint::Apply(bool client, const Key& key, Tx* tx, const Effects& effects) {
  // `tx` stays valid while the node reacts: the maps are node-based, and only
  // kTerminated (always the last effect) erases this transaction.
  for (const Effect& e : effects) {
    const auto t = static_cast<size_t>(e.timer);
    switch (e.kind) {
      case Effect::Kind::kStopTimer:
        engine().Cancel(tx->timers[t]);
        tx->timers[t] = {};
        break;
      case Effect::Kind::kSend:
        Transmit(tx->peer, e.message);
        break;
      case Effect::Kind::kStartTimer: {
        engine().Cancel(tx->timers[t]);
        const TimerName name = e.timer;
        tx->timers[t] =
            engine().ScheduleIn(e.delay, [this, client, key, name] { OnTimer(client, key, name); });
        break;
      }
      case Effect::Kind::kPassToTu:
        if (!client) {
          if (e.message.method == Method::kAck) {
            OnAckForAnswer(e.message);  // an ACK in the IST's Accepted state
          } else {
            OnRequest(e.message);
          }
        } else if (e.message.method == Method::kInvite && e.message.status >= 200 &&
                   e.message.status < 300 && acks_.count(InviteKey(e.message)) != 0) {
          SentAck& sent = acks_.find(InviteKey(e.message))->second;
          Message again = sent.ack;  // X6: each 2xx retransmission gets the ACK again
          again.retransmission = true;
          Transmit(sent.peer, again);
        } else {
          OnResponse(e.message);
        }
        break;
      case Effect::Kind::kTimeout:
        OnTimeout(
            std::visit([](const auto& m) -> const Message& { return m.request(); }, tx->machine));
        break;
      case Effect::Kind::kTransportError:
        if (client) {  // RFC 3261 8.1.3.1: the TU treats it as a 503
          Message unreachable = Message::ResponseTo(
              std::visit([](const auto& m) -> const Message& { return m.request(); }, tx->machine),
              503);
          unreachable.truth.cause = Cause::kUnreachable;
          OnResponse(unreachable);
        }
        break;
      case Effect::Kind::kNoAck:
        if constexpr (std::is_same_v<Tx, ServerTx>) {
          OnAckTimeout(std::visit([](const auto& m) { return m.last_response(); }, tx->machine));
        }
        break;
      case Effect::Kind::kTerminated:
        for (sim::EventId id : tx->timers) engine().Cancel(id);
        if (client) {
          clients_.erase(key);
        } else {
          servers_.erase(key);
        }
        return;
    }
  }
}

void Endpoint::OnTimer(bool client, Key key, TimerName name) {
  ++expirations_[static_cast<size_t>(name)];
  const Input in = Input::Timer(name);
  if (client) {
    auto it = clients_.find(key);
    if (it == clients_.end()) return;
    it->second.timers[static_cast<size_t>(name)] = {};
    const Effects out =
        std::visit([&](auto& m) { return m.OnInput(engine().Now(), in); }, it->second.machine);
    Apply(true, key, &it->second, out);
    return;
  }
  auto it = servers_.find(key);
  if (it == servers_.end()) return;
  it->second.timers[static_cast<size_t>(name)] = {};
  const Effects out =
      std::visit([&](auto& m) { return m.OnInput(engine().Now(), in); }, it->second.machine);
  Apply(false, key, &it->second, out);
}

// ----------------------------------------------------------------- client ----

void Endpoint::SendRequest(sim::NodeId to, const Message& request) {
  Message m = request;
  m.to = to;
  m.from = id_;
  const Key key = KeyOf(m);
  if (auto old = clients_.find(key); old != clients_.end()) {
    for (sim::EventId id : old->second.timers) engine().Cancel(id);
    clients_.erase(old);
  }
  const bool reliable = sip_.IsReliable(id_, to);
  ClientTx* tx;
  if (m.method == Method::kInvite) {
    tx = &clients_.emplace(key, ClientTx{ClientInviteTransaction(timers_, reliable, m), to, {}})
              .first->second;
  } else {
    tx = &clients_.emplace(key, ClientTx{ClientNonInviteTransaction(timers_, reliable, m), to, {}})
              .first->second;
  }
  const Effects out =
      std::visit([&](auto& machine) { return machine.Start(engine().Now()); }, tx->machine);
  Apply(true, key, tx, out);
}

void Endpoint::SendAck(sim::NodeId to, const Message& ack) {
  const Key key = InviteKey(ack);
  SentAck& sent = acks_[key];
  engine().Cancel(sent.expire);
  sent.ack = ack;
  sent.peer = to;
  sent.expire = engine().ScheduleIn(64 * timers_.t1,
                                    [this, key] { OnCoreTimer(key, CoreTimer::kForgetAck); });
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
  const Key key = m.method == Method::kAck ? InviteKey(m) : KeyOf(m);
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
  ServerTx* tx;
  if (m.method == Method::kInvite) {
    tx = &servers_.emplace(key, ServerTx{ServerInviteTransaction(timers_, reliable, m), m.from, {}})
              .first->second;
  } else {
    tx = &servers_
              .emplace(key, ServerTx{ServerNonInviteTransaction(timers_, reliable, m), m.from, {}})
              .first->second;
  }
  const Effects out =
      std::visit([&](auto& machine) { return machine.Start(engine().Now()); }, tx->machine);
  Apply(false, key, tx, out);
}

void Endpoint::SendResponse(const Message& response) {
  const Key key = KeyOf(response);
  auto it = servers_.find(key);
  if (it == servers_.end()) sim::Fatal("Endpoint::SendResponse: no server transaction");
  ServerTx& tx = it->second;
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
  if (which == CoreTimer::kForgetAck) {
    acks_.erase(key);
    return;
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
