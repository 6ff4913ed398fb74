#include "models/nodes/carrier.h"

#include <algorithm>
#include <cmath>

namespace crankback::nodes {

using sip::Message;
using sip::Method;

CallRateLimiter::CallRateLimiter(double cps, double burst) {
  if (!(cps > 0)) return;
  if (burst == 0) burst = std::max(1.0, cps);
  interval_ = sim::Duration::Nanos(std::max<int64_t>(1, std::llround(1e9 / cps)));
  // In whole intervals, so that `burst` simultaneous attempts pass whatever the rounding.
  tolerance_ =
      sim::Duration::Nanos(std::llround((burst - 1) * static_cast<double>(interval_.nanos())));
}

// GCRA, virtual scheduling form: the attempt conforms when it comes no earlier
// than its theoretical arrival time less the tolerance; a conforming attempt
// moves that time one interval on, a rejected one leaves it.
bool CallRateLimiter::Admit(sim::SimTime now) {
  if (!limited()) return true;
  const sim::SimTime tat = std::max(theoretical_arrival_, now);
  if (tat - now > tolerance_) return false;
  theoretical_arrival_ = tat + interval_;
  return true;
}

Carrier::Carrier(const NodeContext& ctx, sim::NodeId id, const std::string& name,
                 const CarrierParams& params)
    : sip::Endpoint(ctx.sip, id, ctx.timers, ctx.rng.Stream(name, "sip_stack")),
      ctx_(ctx),
      params_(params),
      dialect_(ctx.dialects.at(params.dialect)),
      name_(name) {
  for (uint32_t g = 0; g < params_.trunk_groups.size(); ++g) {
    const TrunkGroupParams& tg = params_.trunk_groups[g];
    groups_.push_back({tg.max_sessions, CallRateLimiter(tg.cps, tg.cps_burst), 0, {}});
    for (sim::NodeId peer : tg.peers) group_of_.emplace(peer, g);
  }
  groups_.push_back({params_.max_sessions, CallRateLimiter(params_.cps, params_.cps_burst), 0, {}});
  ctx.sip.Attach(id, this);
}

void Carrier::OnRequest(const Message& request) {
  switch (request.method) {
    case Method::kInvite: {
      if (request.in_dialog) {  // a re-INVITE (session refresh): accepted as it is
        auto it = calls_.find(request.call_id);
        const bool known = it != calls_.end() && it->second.state != State::kProcessing;
        SendResponse(Message::ResponseTo(request, known ? 200 : 481));
        return;
      }
      OnInvite(request);
      return;
    }
    case Method::kBye: {
      auto it = calls_.find(request.call_id);
      const bool known = it != calls_.end() && it->second.state != State::kProcessing;
      if (known) Release(request.call_id);
      SendResponse(Message::ResponseTo(request, known ? 200 : 481));
      return;
    }
    case Method::kCancel:
      OnCancel(request);
      return;
    case Method::kAck:
    case Method::kPrack:  // answered by the stack
      return;
  }
}

// Call admission control runs where the INVITE comes in, before any processing
// is spent on it (an attempt over the rate is shed at once, sip-semantics O5:
// processing a request only to drop it wastes capacity). The rest of the
// decision waits for the processing delay.
void Carrier::OnInvite(const Message& invite) {
  ++counters_.invites;
  auto peer = group_of_.find(invite.from);
  const uint32_t g =
      peer != group_of_.end() ? peer->second : static_cast<uint32_t>(groups_.size() - 1);
  Group& group = groups_[g];
  ++group.counters.invites;
  if (!group.limiter.Admit(engine().Now())) {
    ++group.counters.cps_rejections;
    Reject(invite, policy::Condition::kCpsLimit, sip::Cause::kCpsLimit);
    return;
  }
  if (!params_.processing_delay) {
    Decide(invite, g, engine().Now());
    return;
  }
  sim::RngStream draws = ctx_.rng.Stream(name_, "processing", invite.origin_call);
  const sim::Duration delay = params_.processing_delay->SampleDuration(draws);
  const uint64_t call_id = invite.call_id;
  Call& call = calls_[call_id];
  call = {ReceivedInvite(invite), g, State::kProcessing, engine().Now(), {}};
  call.timer = engine().ScheduleIn(delay, [this, call_id] { OnDecisionDue(call_id); });
}

void Carrier::OnDecisionDue(uint64_t call_id) {
  auto it = calls_.find(call_id);
  if (it == calls_.end() || it->second.state != State::kProcessing) return;
  const Call call = it->second;
  calls_.erase(it);
  Decide(call.invite.ToMessage(), call.group, call.arrival);
}

// Numbers in a range get the range's callees; other numbers the carrier-level
// ones when it serves them (`serves`), else none (unallocated).
const CalleeBehaviour* Carrier::BehaviourOf(uint32_t destination) const {
  if (destination < params_.destination_range.size()) {
    const int32_t r = params_.destination_range[destination];
    if (r != CarrierParams::kNoRange) return &params_.ranges[static_cast<size_t>(r)].callees;
  }
  if (!params_.serves.empty() && !params_.serves[destination]) return nullptr;
  return &params_;
}

void Carrier::Decide(const Message& invite, uint32_t g, sim::SimTime arrival) {
  const CalleeBehaviour* callees = BehaviourOf(invite.destination);
  if (callees == nullptr || callees->kind == CalleeBehaviour::Kind::kUnallocated) {
    Reject(invite, policy::Condition::kUnallocated, sip::Cause::kUnallocated);
    return;
  }
  Group& group = groups_[g];
  if (group.max_sessions != 0 && group.busy >= group.max_sessions) {
    ++group.counters.cap_rejections;
    Reject(invite, policy::Condition::kSessionCap, sip::Cause::kCapacity);
    return;
  }
  const uint64_t call_id = invite.call_id;
  if (callees->kind == CalleeBehaviour::Kind::kSilent) {
    Call& call = Seize(invite, g, arrival);
    SendTrying(call);
    if (callees->no_answer_timeout > sim::Duration()) {
      call.timer = engine().ScheduleIn(callees->no_answer_timeout, [this, call_id] {
        Decline(call_id, policy::Condition::kNoAnswer, sip::Cause::kNoAnswer);
      });
    }
    return;
  }
  // The callee: one stream per call (keyed by the originating call), so the
  // same call meets the same callee under every policy.
  sim::RngStream callee = ctx_.rng.Stream(name_, "callee", invite.origin_call);
  const double u = callee.NextOpenUniform();
  const double answer_u = callee.NextOpenUniform();
  const sim::Duration ring = callees->ring_time.SampleDuration(callee);
  if (u < callees->busy_probability) {
    Reject(invite, policy::Condition::kUserBusy, sip::Cause::kUserBusy);
    return;
  }
  Call& call = Seize(invite, g, arrival);
  SendTrying(call);
  if (u < callees->busy_probability + callees->decline_probability) {
    SendResponse(Message::ResponseTo(invite, 180));
    call.timer = engine().ScheduleIn(ring, [this, call_id] {
      Decline(call_id, policy::Condition::kDeclined, sip::Cause::kDeclined);
    });
    return;
  }
  if (answer_u >= callees->answer_probability) {  // rings until the no-answer timer
    SendResponse(Message::ResponseTo(invite, 180));
    if (callees->no_answer_timeout > sim::Duration()) {
      call.timer = engine().ScheduleIn(callees->no_answer_timeout, [this, call_id] {
        Decline(call_id, policy::Condition::kNoAnswer, sip::Cause::kNoAnswer);
      });
    }
    return;
  }
  if (ring <= sim::Duration()) {
    Answer(call_id);
    return;
  }
  SendResponse(Message::ResponseTo(invite, 180));
  call.timer = engine().ScheduleIn(ring, [this, call_id] { Answer(call_id); });
}

Carrier::Call& Carrier::Seize(const Message& invite, uint32_t g, sim::SimTime arrival) {
  ++busy_;
  ++counters_.seizures;
  ++groups_[g].busy;
  ++groups_[g].counters.seizures;
  Call& call = calls_[invite.call_id];
  call = {ReceivedInvite(invite), g, State::kRinging, arrival, {}};
  return call;
}

// The switch's own 100 Trying when it takes the call, unless its stack sent
// one already (C1: at once, or `invite_trying_delay` after the INVITE while
// the decision was still being processed).
void Carrier::SendTrying(const Call& call) {
  const auto& stack_delay = timers().invite_trying_delay;
  const sim::Duration elapsed = engine().Now() - call.arrival;
  if (stack_delay && *stack_delay <= elapsed) return;
  SendResponse(call.invite.Response(100));
}

// RFC 3261 9.2: the stack has answered the CANCEL with 200; the INVITE, still
// unanswered, gets 487 (while it is processed too: no channel is held yet).
void Carrier::OnCancel(const Message& cancel) {
  auto it = calls_.find(cancel.call_id);
  if (it == calls_.end() || it->second.state == State::kAnswered) return;
  const Message invite = it->second.invite.ToMessage();
  if (it->second.state == State::kProcessing) {
    engine().Cancel(it->second.timer);
    calls_.erase(it);
  } else {
    Release(cancel.call_id);
  }
  ++carrier_counters_.cancelled;
  SendResponse(Message::ResponseTo(invite, 487));
}

void Carrier::Decline(uint64_t call_id, policy::Condition condition, sip::Cause cause) {
  auto it = calls_.find(call_id);
  if (it == calls_.end() || it->second.state != State::kRinging) return;
  const Message invite = it->second.invite.ToMessage();
  Release(call_id);
  Reject(invite, condition, cause);
}

// The dialect words the condition (sip-semantics D2-D4): code, Retry-After and
// Reason: Q.850 as it says; the ground truth rides along.
void Carrier::Reject(const Message& invite, policy::Condition condition, sip::Cause cause) {
  ++counters_.rejections;
  ++carrier_counters_.rejections[static_cast<size_t>(condition)];
  const policy::Rejection r = dialect_.Reject(condition);
  Message response = Message::ResponseTo(invite, r.code);
  response.retry_after_s = r.retry_after_s;
  response.reason_q850 = static_cast<int16_t>(r.q850_cause);
  response.truth.cause = cause;
  SendResponse(response);
}

void Carrier::Answer(uint64_t call_id) {
  auto it = calls_.find(call_id);
  if (it == calls_.end() || it->second.state != State::kRinging) return;
  Call& call = it->second;
  call.state = State::kAnswered;
  ++answered_;
  ++counters_.answered;
  SendResponse(call.invite.Response(200));
  StartSessionTimer(call.invite.ToMessage(), call.invite.from, /*refresher=*/false);
  if (params_.max_call_duration > sim::Duration()) {
    call.timer = engine().ScheduleIn(params_.max_call_duration, [this, call_id] {
      ++carrier_counters_.max_duration_releases;
      EndSession(call_id);
    });
  }
}

// RFC 4028: no refresh came in time: the callee ends the session.
void Carrier::OnSessionExpired(uint64_t call_id) { EndSession(call_id); }

// The callee side hangs up an answered call: BYE to the peer the INVITE came
// from, and the channel is free at once (S1: the session ends when the BYE is
// handed to its transaction, whatever answers it).
void Carrier::EndSession(uint64_t call_id) {
  auto it = calls_.find(call_id);
  if (it == calls_.end() || it->second.state != State::kAnswered) return;
  const ReceivedInvite& invite = it->second.invite;
  Message bye = Message::Request(Method::kBye, call_id, NextCseq(call_id), invite.origin_call);
  bye.in_dialog = true;
  bye.destination = invite.destination;
  const sim::NodeId peer = invite.from;
  Release(call_id);
  SendRequest(peer, bye);
}

// X4: our 2xx was never ACKed: the callee ends the session with a BYE of its
// own. Any other final never confirmed (Timer H, the reliable-1xx give-up)
// just frees the channel.
void Carrier::OnAckTimeout(const Message& response) {
  auto it = calls_.find(response.call_id);
  if (it == calls_.end() || it->second.state == State::kProcessing) return;
  if (response.status >= 200 && response.status < 300) {
    EndSession(response.call_id);
    return;
  }
  Release(response.call_id);
}

void Carrier::Release(uint64_t call_id) {
  auto it = calls_.find(call_id);
  if (it == calls_.end() || it->second.state == State::kProcessing) return;
  engine().Cancel(it->second.timer);
  StopSessionTimer(call_id);
  if (it->second.state == State::kAnswered) --answered_;
  --groups_[it->second.group].busy;
  --busy_;
  calls_.erase(it);
}

std::vector<uint32_t> Carrier::Restart() {
  std::vector<uint32_t> lost;
  calls_.Clear([&](auto& entry) {
    engine().Cancel(entry.second.timer);
    lost.push_back(entry.second.invite.origin_call);
  });
  std::sort(lost.begin(), lost.end());
  busy_ = 0;
  answered_ = 0;
  for (Group& g : groups_) g.busy = 0;
  DropState();  // transactions and session timers, with their events
  return lost;
}

}  // namespace crankback::nodes
