// The proxy's part in the dialogs it set up (Record-Route, RFC 3261 16.6 step
// 4): the caller's ACKs, in-dialog requests relayed both ways, and the
// branches that answered after another one did (16.7 step 5, 13.2.2.4). The
// INVITE's forking and response context are in proxy.cc.
#include <algorithm>

#include "models/nodes/proxy.h"

namespace crankback::nodes {

using sip::Message;
using sip::Method;

// The caller's ACK of a 2xx we passed up goes to the branch that sent it. A
// later 2xx from another branch went up as well (16.7 step 5); the caller took
// it for a retransmission and ACKed it again: that ACK goes to its branch,
// whose dialog the proxy then ends in the caller's stead (13.2.2.4).
void Proxy::OnAck(const Message& ack) {
  auto it = calls_.find(ack.call_id);
  if (it == calls_.end() || ack.cseq != it->second.invite.cseq) {
    RelayInDialog(ack);  // the ACK of a re-INVITE's 2xx, either way
    return;
  }
  const uint64_t key = ack.call_id;
  Call& call = Hold(key);
  if (call.awaiting_ack >= 0) {
    const auto index = static_cast<uint32_t>(call.awaiting_ack);
    call.awaiting_ack = -1;
    Message relay = ack;
    relay.retransmission = false;  // the caller's stack re-sent it for the later 2xx
    relay.call_id = call.branches[index].call_id;
    relay.in_dialog = true;
    SendAck(call.branches[index].peer, relay);
    if (static_cast<int>(index) != call.primary) ByeBranch(key, index);
    NextLateAnswer(key);
  }
  Settle(key);
}

// Record-Route (16.6 step 4, P3): a request inside a dialog we set up comes to
// us and goes on to the other end, on that leg's Call-ID with its own CSeq;
// its final response comes back the same way (OnRelayDone).
void Proxy::RelayInDialog(const Message& request) {
  uint64_t key = request.call_id;
  int index = -1;
  bool from_caller = true;
  if (auto it = calls_.find(key); it != calls_.end()) {
    index = it->second.primary;
  } else if (auto ref = by_branch_.find(key); ref != by_branch_.end()) {
    key = ref->second.call;
    index = static_cast<int>(ref->second.index);
    from_caller = false;
  }
  Call* call = index >= 0 ? &calls_.at(key) : nullptr;
  const bool open = call != nullptr && call->branches[static_cast<size_t>(index)].dialog_open;
  if (request.method == Method::kAck) {
    if (!open) return;  // nothing to confirm any more
    const Branch& b = call->branches[static_cast<size_t>(index)];
    Message out = request;
    out.retransmission = false;
    out.call_id = from_caller ? b.call_id : key;
    SendAck(from_caller ? b.peer : call->invite.from, out);
    return;
  }
  if (!open) {
    SendResponse(Message::ResponseTo(request, 481));
    return;
  }
  if (index != call->primary) {  // the callee of a dialog the proxy is ending itself
    const bool bye = request.method == Method::kBye;
    if (bye) call->branches[static_cast<size_t>(index)].dialog_open = false;
    SendResponse(Message::ResponseTo(request, bye ? 200 : 481));
    Advance(key);
    return;
  }
  Hold(key);
  const Branch& b = call->branches[static_cast<size_t>(index)];
  Message out = request;
  out.retransmission = false;
  out.call_id = from_caller ? b.call_id : key;
  const sim::NodeId peer = from_caller ? b.peer : call->invite.from;
  relays_.insert_or_assign(RelayKey{out.call_id, out.cseq, out.method}, Relay{request, key, -1});
  ++call->relays;
  SendRequest(peer, out);
  Settle(key);
}

void Proxy::OnRelayDone(const Relay& relay, const Message& response) {
  Call& call = Hold(relay.call);
  --call.relays;
  if (relay.own_bye >= 0) {
    call.branches[static_cast<size_t>(relay.own_bye)].dialog_open = false;
  } else {
    Message up = Message::ResponseTo(relay.request, response.status);
    // Kamailio's tm_remap_503_500 acts on every final it relays.
    if (up.status == 503 && params_.rewrite_503_to_500) up.status = 500;
    up.retry_after_s = response.retry_after_s;
    up.reason_q850 = response.reason_q850;
    up.truth = response.truth;
    SendResponse(up);
    if (relay.request.method == Method::kBye && call.primary >= 0)
      call.branches[static_cast<size_t>(call.primary)].dialog_open = false;
  }
  Settle(relay.call);
}

void Proxy::NextLateAnswer(uint64_t key) {
  Call& call = calls_.at(key);
  while (call.awaiting_ack < 0 && !call.late.empty()) {
    const auto index = static_cast<uint32_t>(call.late.front());
    call.late.erase(call.late.begin());
    if (engine().Now() < call.answered_at + timers().TimerL()) {
      ForwardAnswer(call, index);
    } else {
      AckAndBye(key, index);
    }
  }
}

void Proxy::AckAndBye(uint64_t key, uint32_t index) {
  Call& call = calls_.at(key);
  const Branch& b = call.branches[index];
  Message ack =
      Message::Request(Method::kAck, b.call_id, call.invite.cseq, call.invite.origin_call);
  ack.in_dialog = true;
  ack.destination = call.invite.destination;
  SendAck(b.peer, ack);
  ByeBranch(key, index);
}

void Proxy::ByeBranch(uint64_t key, uint32_t index) {
  Call& call = calls_.at(key);
  Branch& b = call.branches[index];
  Message bye = Message::Request(Method::kBye, b.call_id, ++b.cseq, call.invite.origin_call);
  bye.in_dialog = true;
  bye.destination = call.invite.destination;
  relays_.insert_or_assign(RelayKey{bye.call_id, bye.cseq, Method::kBye},
                           Relay{bye, key, static_cast<int>(index)});
  ++call.relays;
  SendRequest(b.peer, bye);
}

std::vector<uint32_t> Proxy::Restart() {
  std::vector<uint32_t> lost;
  calls_.Clear([&](auto& entry) {
    for (const Branch& b : entry.second.branches) engine().Cancel(b.timer_c);
    lost.push_back(entry.second.invite.origin_call);
  });
  std::sort(lost.begin(), lost.end());
  by_branch_.clear();
  relays_.clear();
  std::fill(skip_.begin(), skip_.end(), Skip{});
  DropState();  // transactions and session timers, with their events
  return lost;
}

}  // namespace crankback::nodes
