#include "models/nodes/sbc.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

namespace crankback::nodes {

using sip::Message;
using sip::Method;

const char* CallStateName(CallState s) {
  switch (s) {
    case CallState::kNone:
      return "none";
    case CallState::kTrying:
      return "100";
    case CallState::kProgress:
      return "183";
    case CallState::kRinging:
      return "180";
    case CallState::kAnswered:
      return "200";
  }
  return "?";
}

namespace {

CallState StateOf(int status) {
  if (status >= 200) return CallState::kAnswered;
  if (status == 180) return CallState::kRinging;
  if (status == 100) return CallState::kTrying;
  return CallState::kProgress;  // 181, 182, 183 and the rest: progress, not alerting
}

// The order in which one call tries the routes of a non-priority NAP.
std::vector<uint8_t> RouteOrder(const NapParams& nap, sim::RngStream random) {
  std::vector<uint8_t> order(nap.routes.size());
  std::iota(order.begin(), order.end(), uint8_t{0});
  if (nap.selection == RouteSelection::kLeastCost) {
    std::stable_sort(order.begin(), order.end(), [&](uint8_t a, uint8_t b) {
      return nap.routes[a].cost_per_minute < nap.routes[b].cost_per_minute;
    });
  } else if (nap.selection == RouteSelection::kWeighted) {
    // Sorting by Exp(weight) keys draws each next route in proportion to the
    // weights of the routes left (Efraimidis and Spirakis, 2006).
    std::vector<double> key(order.size());
    for (size_t i = 0; i < key.size(); ++i)
      key[i] = -std::log(random.NextOpenUniform()) / nap.routes[i].weight;
    std::stable_sort(order.begin(), order.end(),
                     [&](uint8_t a, uint8_t b) { return key[a] < key[b]; });
  }
  return order;
}

}  // namespace

// A token bucket of `cps_burst` attempts refilled at `cps` per second.
bool Sbc::Nap::AdmitAttempt(sim::SimTime now) {
  if (params->cps <= 0) return true;
  tokens = std::min(params->cps_burst, tokens + params->cps * sim::ToSeconds(now - refilled));
  refilled = now;
  if (tokens < 1) return false;
  tokens -= 1;
  return true;
}

Sbc::Sbc(const NodeContext& ctx, sim::NodeId id, const SbcParams& params)
    : sip::Endpoint(ctx.sip, id, ctx.timers,
                    ctx.rng.Stream(ctx.sip.network().NodeName(id), "sip_stack")),
      ctx_(ctx),
      params_(params),
      dialect_(ctx.dialects.at(params.dialect)) {
  ctx.sip.Attach(id, this);
  peer_nap_.assign(ctx.sip.network().node_count(), -1);
  for (uint32_t i = 0; i < params.naps.size(); ++i) {
    naps_.push_back(Nap{&params.naps[i]});
    naps_.back().tokens = params.naps[i].cps_burst;
    if (peer_nap_[params.naps[i].peer] < 0)
      peer_nap_[params.naps[i].peer] = static_cast<int32_t>(i);
  }
}

Message Sbc::LocalRejection(const Message& invite, policy::Condition condition,
                            sip::Cause cause) const {
  const policy::Rejection r = dialect_.Reject(condition);
  Message m = Message::ResponseTo(invite, r.code);
  m.retry_after_s = r.retry_after_s;
  m.reason_q850 = static_cast<int16_t>(r.q850_cause);
  m.truth.cause = cause;
  return m;
}

void Sbc::OnRequest(const Message& request) {
  switch (request.method) {
    case Method::kInvite:
      if (request.in_dialog) {  // a re-INVITE (session refresh): each leg answers its own
        const bool known = calls_.count(request.call_id) != 0 ||
                           by_out_.count(request.call_id) != 0 ||
                           abandoned_.count(request.call_id) != 0;
        SendResponse(Message::ResponseTo(request, known ? 200 : 481));
        return;
      }
      OnInvite(request);
      return;
    case Method::kBye:
      OnBye(request);
      return;
    case Method::kCancel:
      OnCancel(request);
      return;
    case Method::kAck:
    case Method::kPrack:  // answered by the stack
      return;
  }
}

uint32_t Sbc::NextCseq(uint64_t call_id) {
  if (auto a = abandoned_.find(call_id); a != abandoned_.end()) return ++a->second.cseq;
  if (auto out = by_out_.find(call_id); out != by_out_.end())
    return ++calls_.at(out->second).out_cseq;
  if (auto in = calls_.find(call_id); in != calls_.end()) return ++in->second.in_cseq;
  return 1;
}

void Sbc::OnInvite(const Message& invite) {
  ++counters_.invites;
  const int32_t nap = invite.from < peer_nap_.size() ? peer_nap_[invite.from] : -1;
  if (nap < 0 || naps_[nap].params->routes.empty()) {
    ++counters_.rejections;
    SendResponse(LocalRejection(invite, policy::Condition::kUnallocated, sip::Cause::kNoRoute));
    return;
  }
  Nap& in = naps_[nap];
  if (in.params->max_sessions != 0 && in.sessions >= in.params->max_sessions) {
    ++counters_.rejections;
    SendResponse(LocalRejection(invite, policy::Condition::kSessionCap, sip::Cause::kCapacity));
    return;
  }
  if (!in.AdmitAttempt(engine().Now())) {
    ++counters_.rejections;
    SendResponse(LocalRejection(invite, policy::Condition::kCpsLimit, sip::Cause::kCpsLimit));
    return;
  }
  ++in.sessions;
  ++counters_.seizures;
  Call& call = calls_[invite.call_id];
  call.invite = invite;
  call.in_nap = static_cast<uint32_t>(nap);
  if (in.params->selection != RouteSelection::kPriority) {
    call.order = RouteOrder(*in.params, ctx_.rng.Stream(ctx_.sip.network().NodeName(id()),
                                                        "route_order", invite.origin_call));
  }
  SendResponse(Message::ResponseTo(invite, 100));
  TryNextRoute(invite.call_id);
}

void Sbc::TryNextRoute(uint64_t key) {
  Call& call = calls_.at(key);
  const NapParams& in = *naps_[call.in_nap].params;
  while (call.next < in.routes.size()) {
    const uint8_t route = call.order.empty() ? call.next : call.order[call.next];
    ++call.next;
    ++call.tried;
    if (SendOutbound(key, in.routes[route].nap, route)) return;
  }
  FailUpstream(key);
}

// Sends the call's INVITE to egress NAP `egress` for route `route`, or says why
// not (the NAP is at its session or CPS cap) and returns false. Nothing may
// touch the call after a true return: a refused connection fails the attempt
// inside SendRequest, and the call may be over by then.
bool Sbc::SendOutbound(uint64_t key, uint32_t egress, int32_t route) {
  Call& call = calls_.at(key);
  Nap& out = naps_[egress];
  metrics::RouteStep step;
  step.route = route;
  step.nap = egress;
  if (out.params->max_sessions != 0 && out.sessions >= out.params->max_sessions) {
    call.failure =
        LocalRejection(call.invite, policy::Condition::kSessionCap, sip::Cause::kCapacity);
    call.upstream_code = call.upstream_q850 = 0;
    step.event = metrics::RouteStep::Event::kCapacitySkip;
    Log(call, step);
    return false;  // a full egress trunk group is skipped, whatever the policy
  }
  if (!out.AdmitAttempt(engine().Now())) {
    call.failure = LocalRejection(call.invite, policy::Condition::kCpsLimit, sip::Cause::kCpsLimit);
    call.upstream_code = call.upstream_q850 = 0;
    step.event = metrics::RouteStep::Event::kCpsSkip;
    Log(call, step);
    return false;
  }
  ++out.sessions;
  ++out.attempts;
  call.out_nap = egress;
  call.out_route = route;
  call.out_call_id = (uint64_t{id()} + 1) << 40 | next_serial_++;
  call.out_provisional = false;
  call.cancel_pending = false;
  call.out_cseq = 1;
  call.out_state = CallState::kNone;
  by_out_.emplace(call.out_call_id, key);
  const NapParams& in = *naps_[call.in_nap].params;
  if (in.route_retry_timeout > sim::Duration()) {
    call.retry_timer =
        engine().ScheduleIn(in.route_retry_timeout, [this, key] { OnRetryTimeout(key); });
  }
  Message invite = Message::Request(Method::kInvite, call.out_call_id, 1, call.invite.origin_call);
  invite.destination = call.invite.destination;
  invite.truth.fraud = call.invite.truth.fraud;
  invite.rel100 = timers().rel100;
  invite.session_expires_s = SessionExpiresField(timers());
  SendRequest(out.params->peer, invite);
  return true;
}

// ProSBC's route-retry timeout: the route has not reached the minimum call
// state in time. Its leg is cancelled and left to end on its own while the
// call moves on to the next route.
void Sbc::OnRetryTimeout(uint64_t key) {
  auto it = calls_.find(key);
  if (it == calls_.end()) return;
  Call& call = it->second;
  if (call.out_call_id == 0 || call.answered) return;
  const uint64_t out_id = call.out_call_id;
  Abandoned& a = abandoned_[out_id];
  a.nap = call.out_nap;
  a.origin_call = call.invite.origin_call;
  a.destination = call.invite.destination;
  a.cseq = call.out_cseq;
  a.provisional = call.out_provisional;
  by_out_.erase(out_id);
  call.out_call_id = 0;  // the NAP session stays with the abandoned leg until it ends
  metrics::RouteStep step;
  step.event = metrics::RouteStep::Event::kRetryTimeout;
  step.route = call.out_route;
  step.nap = call.out_nap;
  Log(call, step);
  call.failure = Message::ResponseTo(call.invite, 408);
  call.failure.truth.cause = sip::Cause::kRouteTimeout;
  call.upstream_code = call.upstream_q850 = 0;
  if (a.provisional) {
    a.cancelled = true;
    Message cancel = Message::Request(Method::kCancel, out_id, 1, a.origin_call);
    cancel.destination = a.destination;
    SendRequest(naps_[a.nap].params->peer, cancel);
  }
  if (calls_.count(key) == 0) return;
  if (calls_.at(key).inbound_open) {
    TryNextRoute(key);
  } else {
    MaybeErase(key);
  }
}

void Sbc::OnResponse(const Message& response) {
  if (abandoned_.count(response.call_id) != 0) {
    OnAbandonedResponse(response.call_id, response);
    return;
  }
  auto out = by_out_.find(response.call_id);
  if (out == by_out_.end()) return;
  const uint64_t key = out->second;
  Call& call = calls_.at(key);
  if (response.method == Method::kBye) {
    if (response.is_final()) {
      CloseOutbound(call);
      MaybeErase(key);
    }
    return;
  }
  if (response.method != Method::kInvite) return;
  call.out_state = std::max(call.out_state, StateOf(response.status));
  if (call.out_state >= naps_[call.in_nap].params->min_call_state)
    engine().Cancel(call.retry_timer);
  if (response.status < 200) {
    call.out_provisional = true;  // 100 Trying too: CANCEL may go (RFC 3261 9.1)
    if (call.cancel_pending) CancelOutbound(call);
    if (response.status != 100 && call.inbound_open)
      SendResponse(Message::ResponseTo(call.invite, response.status));
    return;
  }
  if (response.status >= 300) {
    OnOutboundFailure(key, response);
    return;
  }
  call.answered = true;
  ++counters_.answered;
  metrics::RouteStep step;
  step.event = metrics::RouteStep::Event::kAnswered;
  step.route = call.out_route;
  step.nap = call.out_nap;
  step.code = response.status;
  Log(call, step);
  SendAck(naps_[call.out_nap].params->peer,
          Message::Request(Method::kAck, call.out_call_id, response.cseq, call.invite.origin_call));
  if (!call.inbound_open) {  // the caller left while we waited: end the outbound leg
    ByeOutbound(call);
    return;
  }
  StartSessionTimer(response, response.from, /*refresher=*/true);
  Message ok = Message::ResponseTo(call.invite, 200);
  ok.session_expires_s = call.invite.session_expires_s;
  SendResponse(ok);
  StartSessionTimer(call.invite, call.invite.from, /*refresher=*/false);
}

// A leg given up by its route-retry timer: CANCEL it at its first 1xx, end it
// with ACK and BYE if it answers after all, release its NAP session at its end.
void Sbc::OnAbandonedResponse(uint64_t out_call_id, const Message& response) {
  Abandoned& a = abandoned_.at(out_call_id);
  const sim::NodeId peer = naps_[a.nap].params->peer;
  if (response.method == Method::kBye) {
    if (response.is_final()) ReleaseAbandoned(out_call_id);
    return;
  }
  if (response.method != Method::kInvite) return;  // the CANCEL's answer: the INVITE's decides
  if (response.status < 200) {
    a.provisional = true;
    if (!a.cancelled && !a.ended) {
      a.cancelled = true;
      Message cancel = Message::Request(Method::kCancel, out_call_id, 1, a.origin_call);
      cancel.destination = a.destination;
      SendRequest(peer, cancel);
    }
    return;
  }
  if (response.status >= 300) {
    ReleaseAbandoned(out_call_id);
    return;
  }
  if (a.ended) return;
  a.ended = true;
  SendAck(peer, Message::Request(Method::kAck, out_call_id, response.cseq, a.origin_call));
  Message bye = Message::Request(Method::kBye, out_call_id, ++a.cseq, a.origin_call);
  bye.in_dialog = true;
  bye.destination = a.destination;
  SendRequest(peer, bye);
}

void Sbc::ReleaseAbandoned(uint64_t out_call_id) {
  auto it = abandoned_.find(out_call_id);
  if (it == abandoned_.end()) return;
  --naps_[it->second.nap].sessions;
  abandoned_.erase(it);
}

void Sbc::OnTimeout(const Message& request) {
  if (abandoned_.count(request.call_id) != 0) {
    if (request.method != Method::kCancel) ReleaseAbandoned(request.call_id);
    return;
  }
  auto out = by_out_.find(request.call_id);
  if (out == by_out_.end()) return;
  const uint64_t key = out->second;
  if (request.method == Method::kInvite) {
    Message timeout = Message::ResponseTo(request, 408);
    timeout.truth.cause = sip::Cause::kTimeout;
    OnOutboundFailure(key, timeout);
    return;
  }
  if (request.method != Method::kBye) return;  // a CANCEL: the INVITE's own outcome decides
  CloseOutbound(calls_.at(key));               // BYE unanswered: the outbound dialog is gone
  MaybeErase(key);
}

// RFC 3261 9.2 and 16.10: the stack has answered the CANCEL with 200; the
// unanswered INVITE gets 487 upstream, and the CANCEL goes on downstream once
// that leg has had a 1xx.
void Sbc::OnCancel(const Message& cancel) {
  auto it = calls_.find(cancel.call_id);
  if (it == calls_.end() || it->second.answered || !it->second.inbound_open) return;
  Call& call = it->second;
  Message terminated = Message::ResponseTo(call.invite, 487);
  SendResponse(terminated);
  CloseInbound(call);
  if (call.out_call_id == 0) {
    MaybeErase(cancel.call_id);
  } else if (call.out_provisional) {
    CancelOutbound(call);
  } else {
    call.cancel_pending = true;
  }
}

void Sbc::CancelOutbound(Call& call) {
  call.cancel_pending = false;
  Message cancel = Message::Request(Method::kCancel, call.out_call_id, 1, call.invite.origin_call);
  cancel.destination = call.invite.destination;
  SendRequest(naps_[call.out_nap].params->peer, cancel);
}

void Sbc::OnOutboundFailure(uint64_t key, const Message& failure) {
  Call& call = calls_.at(key);
  const uint32_t nap = call.out_nap;
  CloseOutbound(call);
  call.failure = failure;
  call.upstream_code = call.upstream_q850 = 0;
  const policy::Decision d =
      ctx_.policy.Decide({id(), call.in_nap, static_cast<uint32_t>(call.out_route), nap},
                         failure.status, failure.reason_q850);
  metrics::RouteStep step;
  step.route = call.out_route;
  step.nap = nap;
  step.code = failure.status;
  step.reason_q850 = failure.reason_q850;
  step.decision = d;
  Log(call, step);
  if (!call.inbound_open) {  // the caller has left: nothing more to try
    FailUpstream(key);
    return;
  }
  switch (d.action) {
    case policy::Action::kAdvance:
      TryNextRoute(key);
      return;
    case policy::Action::kRedirect: {
      // Process the 3xx: the call goes to the NAP whose peer the Contact names
      // (the attempt keeps the route it was redirected from, for the policy).
      const int32_t contact = failure.status < 400 ? failure.contact : -1;
      const int32_t target =
          contact >= 0 && static_cast<size_t>(contact) < peer_nap_.size() ? peer_nap_[contact] : -1;
      if (target >= 0 && call.redirects < params_.max_redirects) {
        ++call.redirects;
        step.event = metrics::RouteStep::Event::kRedirect;
        step.nap = static_cast<uint32_t>(target);
        Log(call, step);
        if (!SendOutbound(key, static_cast<uint32_t>(target), call.out_route)) TryNextRoute(key);
        return;
      }
      step.event = metrics::RouteStep::Event::kRedirectUnroutable;
      Log(call, step);
      FailUpstream(key);
      return;
    }
    case policy::Action::kStop:
    case policy::Action::kTranslate:
    case policy::Action::kAddReason:
      call.upstream_code = static_cast<int16_t>(d.UpstreamCode(failure.status));
      call.upstream_q850 = static_cast<int16_t>(d.UpstreamQ850(failure.reason_q850));
      FailUpstream(key);
      return;
  }
}

void Sbc::FailUpstream(uint64_t key) {
  Call& call = calls_.at(key);
  if (call.inbound_open) {
    ++counters_.rejections;
    const Message& f = call.failure;
    const int received = f.status == 0 ? 503 : f.status;
    const int code = call.upstream_code != 0 ? call.upstream_code : received;
    Message m = Message::ResponseTo(call.invite, code);
    if (code == received) {  // as received: its Retry-After and Contact go with it
      m.retry_after_s = f.retry_after_s;
      if (code < 400) m.contact = f.contact;
    }
    m.reason_q850 = call.upstream_q850 != 0 ? call.upstream_q850 : f.reason_q850;
    m.truth = f.truth;
    m.truth.fraud = call.invite.truth.fraud;
    if (f.status == 0) m.truth.cause = sip::Cause::kNoRoute;
    const auto& routes = naps_[call.in_nap].params->routes;
    m.truth.routes_tried = call.tried;
    m.truth.routes_untried = static_cast<uint8_t>(routes.size() - call.next);
    SendResponse(m);
    CloseInbound(call);
  }
  MaybeErase(key);
}

void Sbc::OnBye(const Message& bye) {
  if (abandoned_.count(bye.call_id) != 0) {  // an abandoned leg's callee hung up
    SendResponse(Message::ResponseTo(bye, 200));
    ReleaseAbandoned(bye.call_id);
    return;
  }
  if (auto out = by_out_.find(bye.call_id); out != by_out_.end()) {
    OnCalleeBye(bye, out->second);
    return;
  }
  auto it = calls_.find(bye.call_id);
  if (it == calls_.end() || !it->second.inbound_open) {
    SendResponse(Message::ResponseTo(bye, 481));
    return;
  }
  Call& call = it->second;
  SendResponse(Message::ResponseTo(bye, 200));
  CloseInbound(call);
  if (call.out_call_id != 0 && call.answered) ByeOutbound(call);
  MaybeErase(bye.call_id);
}

// The callee hung up (or gave up waiting for our ACK): end the inbound leg too.
void Sbc::OnCalleeBye(const Message& bye, uint64_t key) {
  Call& call = calls_.at(key);
  SendResponse(Message::ResponseTo(bye, 200));
  CloseOutbound(call);
  if (call.inbound_open) {
    CloseInbound(call);
    if (call.answered) {
      ByeUpstream(call);
    } else {  // BYE before our 2xx upstream: no dialog to end there yet
      Message gone = Message::ResponseTo(call.invite, 480);
      gone.truth = bye.truth;
      SendResponse(gone);
    }
  }
  MaybeErase(key);
}

void Sbc::ByeOutbound(Call& call) {
  Message bye =
      Message::Request(Method::kBye, call.out_call_id, ++call.out_cseq, call.invite.origin_call);
  bye.in_dialog = true;
  bye.destination = call.invite.destination;
  SendRequest(naps_[call.out_nap].params->peer, bye);
}

void Sbc::ByeUpstream(Call& call) {
  Message bye =
      Message::Request(Method::kBye, call.invite.call_id, ++call.in_cseq, call.invite.origin_call);
  bye.in_dialog = true;
  bye.destination = call.invite.destination;
  SendRequest(call.invite.from, bye);
}

// The caller never confirmed our 2xx (X4): BYE on both legs. Or our reliable
// 1xx was never PRACKed and the stack rejected the INVITE (R3): the outbound
// leg is ended or cancelled.
void Sbc::OnAckTimeout(const Message& response) {
  auto it = calls_.find(response.call_id);
  if (it == calls_.end() || !it->second.inbound_open) return;
  Call& call = it->second;
  CloseInbound(call);
  if (response.status >= 200 && response.status < 300) ByeUpstream(call);
  if (call.out_call_id == 0) {
    MaybeErase(response.call_id);
  } else if (call.answered) {
    ByeOutbound(call);
  } else if (call.out_provisional) {
    CancelOutbound(call);
  } else {
    call.cancel_pending = true;
  }
}

void Sbc::CloseInbound(Call& call) {
  call.inbound_open = false;
  --naps_[call.in_nap].sessions;
  StopSessionTimer(call.invite.call_id);
}

// RFC 4028: a leg's refresh failed or never came. End that leg's dialog and
// the other leg with it.
void Sbc::OnSessionExpired(uint64_t call_id) {
  if (auto out = by_out_.find(call_id); out != by_out_.end()) {
    const uint64_t key = out->second;
    Call& call = calls_.at(key);
    ByeOutbound(call);
    CloseOutbound(call);
    if (call.inbound_open) {
      CloseInbound(call);
      ByeUpstream(call);
    }
    MaybeErase(key);
    return;
  }
  auto it = calls_.find(call_id);
  if (it == calls_.end() || !it->second.inbound_open) return;
  Call& call = it->second;
  CloseInbound(call);
  ByeUpstream(call);
  if (call.out_call_id != 0 && call.answered) ByeOutbound(call);
  MaybeErase(call_id);
}

void Sbc::CloseOutbound(Call& call) {
  if (call.out_call_id == 0) return;
  engine().Cancel(call.retry_timer);
  StopSessionTimer(call.out_call_id);
  by_out_.erase(call.out_call_id);
  --naps_[call.out_nap].sessions;
  call.out_call_id = 0;
}

void Sbc::MaybeErase(uint64_t key) {
  auto it = calls_.find(key);
  if (it != calls_.end() && !it->second.inbound_open && it->second.out_call_id == 0)
    calls_.erase(it);
}

void Sbc::Log(const Call& call, metrics::RouteStep step) {
  if (ctx_.log == nullptr || !ctx_.log->Wants(call.invite.origin_call)) return;
  step.at = engine().Now();
  step.sbc = id();
  step.in_nap = call.in_nap;
  ctx_.log->Add(step);
}

}  // namespace crankback::nodes
