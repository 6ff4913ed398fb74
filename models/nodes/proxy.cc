#include "models/nodes/proxy.h"

#include <algorithm>
#include <tuple>

namespace crankback::nodes {

using sip::Message;
using sip::Method;

namespace {

// Lower is better: class (6xx, then 3xx, 4xx, 5xx), the rank within it, the code.
std::tuple<int, int, int> Rank(int code) {
  const int cls = code / 100;
  int within = 0;
  if (cls == 4) {
    within = code == 401 || code == 407 ? 0 : code == 415 || code == 420 || code == 484 ? 1 : 2;
  } else if (cls == 5) {
    within = code == 503 ? 1 : 0;
  }
  return {cls == 6 ? 0 : cls - 2, within, code};
}

// F1: the responses after which a FAILOVER proxy tries the next server: 503,
// and 408 (received, a timeout, or a transport error counted as one).
bool IsFailoverTrigger(int status) { return status == 503 || status == 408; }

}  // namespace

int BestResponse(std::span<const int> codes) {
  int best = -1;
  for (size_t i = 0; i < codes.size(); ++i) {
    if (best < 0 || Rank(codes[i]) < Rank(codes[static_cast<size_t>(best)]))
      best = static_cast<int>(i);
  }
  return best;
}

Proxy::Proxy(const NodeContext& ctx, sim::NodeId id, const ProxyParams& params)
    : sip::Endpoint(ctx.sip, id, ctx.timers,
                    ctx.rng.Stream(ctx.sip.network().NodeName(id), "sip_stack")),
      sip_net_(ctx.sip),
      params_(params),
      skip_(ctx.sip.network().node_count()) {
  ctx.sip.Attach(id, this);
  // Decreasing q, list order among equal q (RFC 3261 16.6); PARALLEL ignores q.
  std::vector<ProxyTarget> ordered = params_.targets;
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const ProxyTarget& a, const ProxyTarget& b) { return a.q > b.q; });
  for (const ProxyTarget& t : ordered) {
    const bool join = params_.forking == ProxyForking::kParallel
                          ? !groups_.empty()
                          : params_.forking == ProxyForking::kQGroups && !groups_.empty() &&
                                t.q == ordered[&t - ordered.data() - 1].q;
    if (!join) groups_.emplace_back();
    groups_.back().push_back(t.node);
  }
}

// ---------------------------------------------------------------- requests ----

void Proxy::OnRequest(const Message& request) {
  switch (request.method) {
    case Method::kInvite:
      if (request.in_dialog) {
        RelayInDialog(request);
      } else {
        OnInvite(request);
      }
      return;
    case Method::kBye:
      RelayInDialog(request);
      return;
    case Method::kAck:
      OnAck(request);
      return;
    case Method::kCancel:
      OnCancel(request);
      return;
    case Method::kPrack:  // answered by the stack, hop by hop
      return;
  }
}

void Proxy::OnInvite(const Message& invite) {
  ++counters_.invites;
  // 16.3 step 4 (P15): our own branch coming back is a loop. A second INVITE
  // on a Call-ID in progress cannot have a context of its own here either.
  if (by_branch_.count(invite.call_id) != 0 || calls_.count(invite.call_id) != 0) {
    ++counters_.rejections;
    SendResponse(Message::ResponseTo(invite, 482));
    return;
  }
  if (groups_.empty()) {  // 16.5: an empty target set gets 480
    ++counters_.rejections;
    SendResponse(Message::ResponseTo(invite, 480));
    return;
  }
  calls_[invite.call_id].invite = ReceivedInvite(invite);
  // 16.2: the proxy core sends the immediate provisional (8.2.6.1), whatever
  // delay its stack's IST would wait; a stack that sends it at once already has.
  const auto& trying = timers().invite_trying_delay;
  if (!trying || *trying > sim::Duration()) SendResponse(Message::ResponseTo(invite, 100));
  StartNextGroup(invite.call_id);
}

// 16.6: the next group of the target list with a target outside its
// Retry-After window; a group whose every target is in one is passed over.
void Proxy::StartNextGroup(uint64_t key) {
  Call& call = Hold(key);
  while (call.next_group < groups_.size()) {
    bool started = false;
    for (sim::NodeId peer : groups_[call.next_group++]) {
      if (Skipping(peer)) {
        call.skipped = true;
        continue;
      }
      StartBranch(key, peer, params_.forking == ProxyForking::kFailover);
      started = true;
    }
    if (started) break;
  }
  Settle(key);
}

// 16.6 steps 1-11: a copy of the INVITE on a new client transaction, with its
// own Call-ID (the stack keys transactions by Call-ID, CSeq and method), the
// caller's CSeq, dialled number, Session-Expires and ground truth; Timer C set.
void Proxy::StartBranch(uint64_t key, sim::NodeId peer, bool server) {
  Call& call = calls_.at(key);
  Branch b;
  b.call_id = (uint64_t{id()} + 1) << 40 | next_serial_++;
  b.peer = peer;
  b.server = server;
  b.cseq = call.invite.cseq;
  const uint64_t branch_id = b.call_id;
  b.timer_c = engine().ScheduleIn(params_.timer_c, [this, branch_id] { OnTimerC(branch_id); });
  by_branch_.emplace(branch_id, BranchRef{key, static_cast<uint32_t>(call.branches.size())});
  call.branches.push_back(b);
  ++branches_started_;
  Message invite =
      Message::Request(Method::kInvite, branch_id, call.invite.cseq, call.invite.origin_call);
  invite.destination = call.invite.destination;
  invite.truth.fraud = call.invite.fraud;
  invite.rel100 = timers().rel100;
  invite.session_expires_s = call.invite.session_expires_s;
  SendRequest(peer, invite);  // a refused send comes back through OnResponse first
}

// 16.10 (Y8): the stack has answered the CANCEL with 200. Every branch in
// Proceeding is CANCELled now, one without a 1xx at its first 1xx (Kamailio
// cancel_b_method = 1); no new branch starts. The caller's INVITE gets its
// final once every branch has ended: 487, unless a branch answered.
void Proxy::OnCancel(const Message& cancel) {
  auto it = calls_.find(cancel.call_id);
  if (it == calls_.end() || it->second.final_sent) return;
  Call& call = Hold(cancel.call_id);
  call.cancelled = true;
  call.no_new_branches = true;
  CancelPending(cancel.call_id);
  Settle(cancel.call_id);
}

void Proxy::CancelPending(uint64_t key) {
  Call& call = calls_.at(key);
  for (uint32_t i = 0; i < call.branches.size(); ++i) {
    Branch& b = call.branches[i];
    if (b.done || !b.open || b.cancel_sent) continue;
    if (b.provisional) {
      SendCancel(key, i);
    } else {
      b.cancel_wanted = true;
    }
  }
}

void Proxy::SendCancel(uint64_t key, uint32_t index) {
  Call& call = calls_.at(key);
  Branch& b = call.branches[index];
  b.cancel_sent = true;
  engine().Cancel(b.timer_c);  // the 487, or the stack's give-up (Y7), ends it
  Message cancel =
      Message::Request(Method::kCancel, b.call_id, call.invite.cseq, call.invite.origin_call);
  cancel.destination = call.invite.destination;
  SendRequest(b.peer, cancel);
}

// --------------------------------------------------------------- responses ----

void Proxy::OnResponse(const Message& response) {
  if (response.method == Method::kCancel) return;  // the INVITE's own outcome decides (Y3)
  if (response.method == Method::kInvite && !response.in_dialog) {
    OnBranchResponse(response);
    return;
  }
  auto relay = relays_.find(RelayKey{response.call_id, response.cseq, response.method});
  if (relay == relays_.end()) return;
  if (!response.is_final()) {
    if (response.status > 100 && relay->second.own_bye < 0)  // a re-INVITE's 18x
      SendResponse(Message::ResponseTo(relay->second.request, response.status));
    return;
  }
  const Relay done = relay->second;
  relays_.erase(relay);
  OnRelayDone(done, response);
}

void Proxy::OnBranchResponse(const Message& response) {
  auto ref = by_branch_.find(response.call_id);
  if (ref == by_branch_.end()) return;
  const BranchRef at = ref->second;
  Call& call = Hold(at.call);
  Branch& b = call.branches[at.index];
  if (!response.is_final()) {
    OnProvisional(at.call, at.index, response);
  } else if (b.open) {  // else a 2xx retransmission: our own UAS core repeats it upstream
    b.open = false;
    engine().Cancel(b.timer_c);
    // A response the stack made up for a transport error (8.1.3.1) never
    // crossed a link: the transport stamps `from` and `to` on all it carries.
    const bool refused = response.from != b.peer || response.to != id();
    if (response.status < 300) {
      OnBranchAnswer(at.call, at.index, response);
    } else if (!b.done) {  // else Timer C already counted it as a 408 (16.8)
      OnBranchFailure(at.call, at.index, response, refused);
    }
  }
  Settle(at.call);
}

// 16.7 steps 2 and 5 (P6, P7): a 101-199 restarts Timer C; every 1xx but 100
// goes upstream at once until a final has; a CANCEL held for it goes now (Y8).
void Proxy::OnProvisional(uint64_t key, uint32_t index, const Message& response) {
  Call& call = calls_.at(key);
  Branch& b = call.branches[index];
  if (!b.open) return;
  b.provisional = true;
  if (response.status > 100 && !b.cancel_sent && !b.done) {
    engine().Cancel(b.timer_c);
    const uint64_t branch_id = b.call_id;
    b.timer_c = engine().ScheduleIn(params_.timer_c, [this, branch_id] { OnTimerC(branch_id); });
  }
  if (b.cancel_wanted && !b.cancel_sent) {
    SendCancel(key, index);
    return;
  }
  if (response.status > 100 && !call.final_sent)
    SendResponse(call.invite.Response(response.status));
}

// 16.7 steps 5 and 10 (P7, P12): the first 2xx goes upstream at once and the
// other branches are CANCELled. A later one goes up too while the caller's
// INVITE transaction can still carry it (RFC 6026 Accepted, Timer L), one at a
// time after the previous one's ACK; otherwise (the caller already has a
// non-2xx, or the transaction is gone) the proxy ACKs it and ends it with BYE.
void Proxy::OnBranchAnswer(uint64_t key, uint32_t index, const Message& response) {
  Call& call = calls_.at(key);
  Branch& b = call.branches[index];
  b.done = true;
  b.dialog_open = true;
  b.answer = response;
  if (!call.final_sent) {
    call.final_sent = call.answered = call.no_new_branches = true;
    call.primary = static_cast<int>(index);
    call.answered_at = engine().Now();
    ++counters_.answered;
    ForwardAnswer(call, index);
    CancelPending(key);
  } else if (call.answered && engine().Now() < call.answered_at + timers().TimerL()) {
    call.late.push_back(static_cast<int>(index));
    NextLateAnswer(key);
  } else {
    AckAndBye(key, index);
  }
}

void Proxy::ForwardAnswer(Call& call, uint32_t index) {
  const Message& answer = call.branches[index].answer;
  Message ok = call.invite.Response(answer.status);
  ok.session_expires_s = answer.session_expires_s;
  ok.truth = answer.truth;
  call.awaiting_ack = static_cast<int>(index);
  SendResponse(ok);
}

// A branch's non-2xx final: 16.7 steps 4 and 5 (P8, P13, P14, F1, F4).
void Proxy::OnBranchFailure(uint64_t key, uint32_t index, Message response, bool refused) {
  Call& call = calls_.at(key);
  Branch& b = call.branches[index];
  b.done = true;
  if (refused) {
    response.status = static_cast<int16_t>(params_.transport_error_code);
  } else if (response.status == 503) {
    MarkRetryAfter(b.peer, response);
  }
  const bool server = b.server;
  if (server) {
    // FAILOVER: the servers are one element of the target set, and its
    // response is the last server's (16.6 step 7); anything but a failover
    // trigger (a 3xx recursed on included) ends the list.
    call.server_final.reset();
    if (!IsFailoverTrigger(response.status)) call.next_group = groups_.size();
  }
  if (response.status >= 600) {  // no new branches; CANCEL the pending ones
    call.no_new_branches = true;
    CancelPending(key);
  }
  if (response.status < 400 && Recurse(key, response)) return;
  if (server) {
    call.server_final = response;
  } else {
    call.finals.push_back(response);
  }
}

// 16.5, 16.7 step 4: a 3xx's Contact, when it names a node linked to us that
// is not in the target set yet, joins it and is tried at once; the 3xx is then
// not stored. A URI enters the set once, which also ends redirect loops.
bool Proxy::Recurse(uint64_t key, const Message& redirect) {
  const Call& call = calls_.at(key);
  if (!params_.recurse_on_3xx || redirect.contact < 0 || call.no_new_branches) return false;
  const auto target = static_cast<sim::NodeId>(redirect.contact);
  if (target == id() || target >= skip_.size() || !sip_net_.network().FindHop(id(), target) ||
      InTargetSet(call, target) || Skipping(target)) {
    return false;
  }
  calls_.at(key).recursed.push_back(target);
  StartBranch(key, target, /*server=*/false);
  return true;
}

bool Proxy::InTargetSet(const Call& call, sim::NodeId node) const {
  for (const ProxyTarget& t : params_.targets) {
    if (t.node == node) return true;
  }
  return std::find(call.recursed.begin(), call.recursed.end(), node) != call.recursed.end();
}

// F4, F6: after a 503 with Retry-After: N, no new branch goes to that target
// for min(N, cap) seconds; a 503 without one keeps it off for the default.
void Proxy::MarkRetryAfter(sim::NodeId peer, const Message& unavailable) {
  sim::Duration window = unavailable.retry_after_s > 0
                             ? sim::Duration::Seconds(unavailable.retry_after_s)
                             : params_.retry_after_default;
  window = std::min(window, params_.retry_after_max);
  if (window <= sim::Duration()) return;
  Skip& s = skip_[peer];
  if (engine().Now() + window > s.until) s = Skip{engine().Now() + window, unavailable.truth};
}

// ------------------------------------------------------------------ timers ----

// 16.8 (P6): Timer C on a branch with a provisional CANCELs it (its 487 then
// enters the context); on one without, it counts as a 408 and is CANCELled if
// a 1xx still comes.
void Proxy::OnTimerC(uint64_t branch_call_id) {
  auto ref = by_branch_.find(branch_call_id);
  if (ref == by_branch_.end()) return;
  CountTimer(sip::ExtraTimer::kC);
  const BranchRef at = ref->second;
  Call& call = Hold(at.call);
  Branch& b = call.branches[at.index];
  b.timer_c = {};
  if (!b.done && b.open && !b.cancel_sent) {
    if (b.provisional) {
      SendCancel(at.call, at.index);
    } else {
      b.cancel_wanted = true;
      Message timeout = call.invite.Response(408);
      timeout.truth.cause = sip::Cause::kTimeout;
      OnBranchFailure(at.call, at.index, timeout, /*refused=*/false);
    }
  }
  Settle(at.call);
}

void Proxy::OnTimeout(const Message& request) {
  if (request.method == Method::kCancel) return;  // the INVITE's own outcome decides
  if (request.method == Method::kInvite && !request.in_dialog) {
    auto ref = by_branch_.find(request.call_id);
    if (ref == by_branch_.end()) return;
    const BranchRef at = ref->second;
    Call& call = Hold(at.call);
    Branch& b = call.branches[at.index];
    const bool report = b.open && !b.done;
    b.open = false;
    engine().Cancel(b.timer_c);
    if (report) {  // P14, F3: Timer B (or the stack's give-up after CANCEL) is a 408
      Message timeout = call.invite.Response(408);
      timeout.truth.cause = sip::Cause::kTimeout;
      OnBranchFailure(at.call, at.index, timeout, /*refused=*/false);
    }
    Settle(at.call);
    return;
  }
  auto relay = relays_.find(RelayKey{request.call_id, request.cseq, request.method});
  if (relay == relays_.end()) return;
  const Relay done = relay->second;
  relays_.erase(relay);
  Message timeout = Message::ResponseTo(request, 408);
  timeout.truth.cause = sip::Cause::kTimeout;
  OnRelayDone(done, timeout);
}

// X4: the caller never ACKed a 2xx we passed up. A later branch's dialog is
// ended here; the first one's callee ends its own (it got no ACK either).
// R3: our reliable 1xx was never PRACKed and the stack has rejected the
// caller's INVITE itself: that is its final, and the branches are CANCELled
// (16.7 step 10). A final of ours never ACKed (Timer H) changes nothing.
void Proxy::OnAckTimeout(const Message& response) {
  if (response.method != Method::kInvite || response.in_dialog) return;
  auto it = calls_.find(response.call_id);
  if (it == calls_.end()) return;
  const uint64_t key = response.call_id;
  Call& call = Hold(key);
  if (response.status >= 300) {
    if (!call.final_sent) {
      call.final_sent = call.no_new_branches = true;
      ++counters_.rejections;
      CancelPending(key);
    }
  } else if (call.awaiting_ack >= 0) {
    const int index = call.awaiting_ack;
    call.awaiting_ack = -1;
    if (index != call.primary) AckAndBye(key, static_cast<uint32_t>(index));
    NextLateAnswer(key);
  }
  Settle(key);
}

uint32_t Proxy::NextCseq(uint64_t call_id) {
  auto ref = by_branch_.find(call_id);
  if (ref == by_branch_.end()) return 1;
  return ++calls_.at(ref->second.call).branches[ref->second.index].cseq;
}

// ------------------------------------------------------- the call's course ----

Proxy::Call& Proxy::Hold(uint64_t key) {
  Call& call = calls_.at(key);
  ++call.busy;
  return call;
}

void Proxy::Settle(uint64_t key) {
  --calls_.at(key).busy;
  Advance(key);
}

// 16.7 step 6: once every branch has ended without a final upstream, the next
// group of targets, or the best response. The call is forgotten once its
// branches, dialogs and relays are all over (P12).
void Proxy::Advance(uint64_t key) {
  auto it = calls_.find(key);
  if (it == calls_.end() || it->second.busy > 0) return;
  Call& call = it->second;
  if (!call.final_sent) {
    for (const Branch& b : call.branches) {
      if (!b.done) return;
    }
    if (!call.no_new_branches && call.next_group < groups_.size()) {
      StartNextGroup(key);  // settles, and so advances, the call again
      return;
    }
    SendBest(call);
  }
  if (call.relays > 0 || call.awaiting_ack >= 0 || !call.late.empty()) return;
  for (const Branch& b : call.branches) {
    if (b.open || b.dialog_open) return;
  }
  for (const Branch& b : call.branches) {
    engine().Cancel(b.timer_c);
    by_branch_.erase(b.call_id);
  }
  calls_.erase(it);
}

// The final response when no 2xx went up (16.7 steps 6 and 7; P9, P10, F4).
void Proxy::SendBest(Call& call) {
  call.final_sent = true;
  std::vector<const Message*> stored;
  for (const Message& m : call.finals) stored.push_back(&m);
  if (call.server_final) stored.push_back(&*call.server_final);
  std::vector<int> codes;
  for (const Message* m : stored) codes.push_back(m->status);
  const int best = BestResponse(codes);
  Message up;
  if (best >= 0 && (codes[static_cast<size_t>(best)] >= 600 || !call.cancelled)) {
    const Message& r = *stored[static_cast<size_t>(best)];
    up = call.invite.Response(r.status);
    up.retry_after_s = r.retry_after_s;
    up.reason_q850 = r.reason_q850;
    up.contact = r.contact;
    up.truth = r.truth;
    if (up.status == 503 && params_.rewrite_503_to_500) up.status = 500;
  } else if (call.cancelled) {
    // 16.10: the caller's CANCEL; a 6xx would still win (MUST), nothing else
    // does, as OpenSIPS ranks a cancelled transaction's 487 first (P16).
    up = call.invite.Response(487);
  } else if (call.branches.empty() && call.skipped) {
    // Every target sits in a Retry-After window: every request we could proxy
    // would draw 503, the one case 16.7 step 6 lets a 503 go up. Its
    // Retry-After is when the first window ends.
    const Skip* first = nullptr;
    for (const ProxyTarget& t : params_.targets) {
      const Skip& s = skip_[t.node];
      if (s.until > engine().Now() && (first == nullptr || s.until < first->until)) first = &s;
    }
    up = call.invite.Response(503);
    if (first != nullptr) {
      const int64_t ns = (first->until - engine().Now()).nanos();
      up.retry_after_s = static_cast<int32_t>((ns + 999'999'999) / 1'000'000'000);
      up.truth = first->truth;
    }
  } else {
    up = call.invite.Response(408);  // no final response at all
    up.truth.cause = sip::Cause::kTimeout;
  }
  if (!(call.cancelled && up.status == 487)) ++counters_.rejections;
  SendResponse(up);
}

}  // namespace crankback::nodes
