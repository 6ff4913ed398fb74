#include "models/sip/endpoint.h"

#include <algorithm>

#include "sim/rng.h"

namespace crankback::sip {

size_t Endpoint::KeyHash::operator()(const Key& k) const {
  return sim::Mix64(k.call_id ^ (uint64_t{k.cseq} << 40) ^ (uint64_t(k.method) << 58));
}

void Endpoint::Transmit(sim::NodeId to, Message m, bool retransmission) {
  m.retransmission = retransmission;
  sip_.Send(id_, to, m);
}

sim::Duration Endpoint::CleanupDelay(sim::NodeId peer, sim::Duration udp) const {
  return sip_.IsReliable(id_, peer) ? sim::Duration() : udp;
}

void Endpoint::Receive(const Message& m) {
  if (!m.is_request()) {
    OnClientResponse(m);
  } else if (m.method == Method::kAck) {
    OnAck(m);
  } else {
    OnServerRequest(m);
  }
}

// ----------------------------------------------------------------- client ----

void Endpoint::SendRequest(sim::NodeId to, const Message& request) {
  Message m = request;
  m.to = to;
  const Key key = KeyOf(m);
  ClientTx& tx = clients_[key];
  tx = ClientTx{};
  tx.request = m;
  tx.interval = timers_.t1;
  Transmit(to, m, false);
  if (!sip_.IsReliable(id_, to)) ArmTimer(true, key, Timer::kRetransmit, tx.interval);
  ArmTimer(true, key, Timer::kTimeout, 64 * timers_.t1);
}

void Endpoint::SendAck(sim::NodeId to, const Message& ack) {
  auto it = clients_.find(Key{ack.call_id, ack.cseq, Method::kInvite});
  if (it != clients_.end()) {
    it->second.ack = ack;
    it->second.has_ack = true;
  }
  Transmit(to, ack, false);
}

void Endpoint::OnClientResponse(const Message& response) {
  auto it = clients_.find(KeyOf(response));
  if (it == clients_.end()) {
    ++stray_;  // e.g. a 2xx retransmission after the clean-up timer
    return;
  }
  ClientTx& tx = it->second;
  const sim::NodeId peer = tx.request.to;
  const bool invite = tx.request.method == Method::kInvite;
  if (!response.is_final()) {
    if (tx.last_status >= 200 || response.status == tx.last_status) return;
    tx.last_status = response.status;
    if (invite) {  // a provisional stops INVITE retransmission and Timer B
      engine().Cancel(tx.retransmit);
      engine().Cancel(tx.timeout);
    }
    OnResponse(response);
    return;
  }
  if (tx.last_status >= 200) {  // a retransmitted final: re-ACK an INVITE's
    if (invite && tx.has_ack) Transmit(peer, tx.ack, true);
    return;
  }
  tx.last_status = response.status;
  engine().Cancel(tx.retransmit);
  engine().Cancel(tx.timeout);
  const Key key = it->first;
  if (invite && response.status >= 300) {
    Message ack = Message::Request(Method::kAck, response.call_id, response.cseq);
    ack.destination = tx.request.destination;
    tx.ack = ack;
    tx.has_ack = true;
    Transmit(peer, ack, false);
  }
  // Stay to absorb retransmissions: Timer D (INVITE non-2xx), K (non-INVITE), or
  // 64*T1 for a 2xx, whose retransmissions the ACK sent by the node answers.
  const sim::Duration linger = !invite ? timers_.t4 : 64 * timers_.t1;
  const sim::Duration delay =
      invite && response.status < 300 ? 64 * timers_.t1 : CleanupDelay(peer, linger);
  OnResponse(response);  // may send an ACK for a 2xx through SendAck()
  auto again = clients_.find(key);
  if (again == clients_.end()) return;
  if (delay == sim::Duration()) {
    EraseClient(again);
  } else {
    ArmTimer(true, key, Timer::kTimeout, delay);
  }
}

void Endpoint::EraseClient(std::unordered_map<Key, ClientTx, KeyHash>::iterator it) {
  engine().Cancel(it->second.retransmit);
  engine().Cancel(it->second.timeout);
  clients_.erase(it);
}

// ----------------------------------------------------------------- server ----

void Endpoint::OnServerRequest(const Message& request) {
  const Key key = KeyOf(request);
  auto it = servers_.find(key);
  if (it != servers_.end()) {  // a retransmission: answer it with the last response
    if (it->second.response.status != 0) Transmit(request.from, it->second.response, true);
    return;
  }
  ServerTx& tx = servers_[key];
  tx.request = request;
  OnRequest(request);
}

void Endpoint::SendResponse(const Message& response) {
  const Key key = KeyOf(response);
  auto it = servers_.find(key);
  if (it == servers_.end()) sim::Fatal("Endpoint::SendResponse: no server transaction");
  ServerTx& tx = it->second;
  const sim::NodeId peer = tx.request.from;
  tx.response = response;
  tx.response.to = peer;
  Transmit(peer, response, false);
  if (!response.is_final()) return;
  if (response.method == Method::kInvite) {
    tx.interval = timers_.t1;
    if (!sip_.IsReliable(id_, peer)) ArmTimer(false, key, Timer::kRetransmit, tx.interval);
    ArmTimer(false, key, Timer::kTimeout, 64 * timers_.t1);  // Timer H
    return;
  }
  const sim::Duration j = CleanupDelay(peer, 64 * timers_.t1);
  if (j == sim::Duration()) {
    EraseServer(it);
  } else {
    ArmTimer(false, key, Timer::kTimeout, j);
  }
}

void Endpoint::OnAck(const Message& ack) {
  auto it = servers_.find(Key{ack.call_id, ack.cseq, Method::kInvite});
  if (it == servers_.end() || it->second.response.status < 200) {
    ++stray_;
    return;
  }
  ServerTx& tx = it->second;
  if (tx.acked) return;  // a retransmitted ACK
  tx.acked = true;
  const bool for_2xx = tx.response.status < 300;
  const sim::NodeId peer = tx.request.from;
  const Key key = it->first;
  engine().Cancel(tx.retransmit);
  engine().Cancel(tx.timeout);
  const sim::Duration i = CleanupDelay(peer, timers_.t4);  // Timer I
  if (i == sim::Duration()) {
    EraseServer(it);
  } else {
    ArmTimer(false, key, Timer::kTimeout, i);
  }
  if (for_2xx) OnRequest(ack);
}

void Endpoint::EraseServer(std::unordered_map<Key, ServerTx, KeyHash>::iterator it) {
  engine().Cancel(it->second.retransmit);
  engine().Cancel(it->second.timeout);
  servers_.erase(it);
}

// ----------------------------------------------------------------- timers ----

void Endpoint::ArmTimer(bool client, const Key& key, Timer which, sim::Duration delay) {
  const sim::EventId id =
      engine().ScheduleIn(delay, [this, client, key, which] { OnTimer(client, key, which); });
  if (client) {
    ClientTx& tx = clients_.find(key)->second;
    (which == Timer::kRetransmit ? tx.retransmit : tx.timeout) = id;
  } else {
    ServerTx& tx = servers_.find(key)->second;
    (which == Timer::kRetransmit ? tx.retransmit : tx.timeout) = id;
  }
}

void Endpoint::OnTimer(bool client, Key key, Timer which) {
  if (client) {
    auto it = clients_.find(key);
    if (it == clients_.end()) return;
    ClientTx& tx = it->second;
    if (which == Timer::kRetransmit) {  // Timer A or E
      Transmit(tx.request.to, tx.request, true);
      tx.interval = tx.request.method == Method::kInvite ? tx.interval * 2
                                                         : std::min(tx.interval * 2, timers_.t2);
      ArmTimer(true, key, Timer::kRetransmit, tx.interval);
      return;
    }
    const bool timed_out = tx.last_status < 200;  // Timer B or F; else a clean-up timer
    const Message request = tx.request;
    EraseClient(it);
    if (timed_out) OnTimeout(request);
    return;
  }
  auto it = servers_.find(key);
  if (it == servers_.end()) return;
  ServerTx& tx = it->second;
  if (which == Timer::kRetransmit) {  // Timer G
    Transmit(tx.request.from, tx.response, true);
    tx.interval = std::min(tx.interval * 2, timers_.t2);
    ArmTimer(false, key, Timer::kRetransmit, tx.interval);
    return;
  }
  const bool ack_missing = tx.request.method == Method::kInvite && !tx.acked;  // Timer H
  const Message response = tx.response;
  EraseServer(it);
  if (ack_missing) OnAckTimeout(response);
}

}  // namespace crankback::sip
