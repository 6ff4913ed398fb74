#include "models/nodes/user_agent.h"

#include <algorithm>
#include <cstdint>

namespace crankback::nodes {

using sip::Message;
using sip::Method;

namespace {

// Message::origin_call of this agent's call `call_id`: its serial (the low 40 bits) + 1.
uint32_t OriginCall(uint64_t call_id) {
  const uint64_t serial = call_id & ((uint64_t{1} << 40) - 1);
  return serial < UINT32_MAX ? static_cast<uint32_t>(serial + 1) : 0;
}

// Cumulative shares of `weights`, for drawing an index by inversion.
std::vector<double> Cumulative(const std::vector<double>& weights) {
  double total = 0;
  for (double w : weights) total += w;
  std::vector<double> out;
  double acc = 0;
  for (double w : weights) out.push_back((acc += w) / total);
  return out;
}

// The destination a uniform draw `u` picks from `destinations` by their cumulative shares.
uint32_t Pick(const std::vector<uint32_t>& destinations, const std::vector<double>& cumulative,
              double u) {
  const size_t pick =
      std::lower_bound(cumulative.begin(), cumulative.end(), u) - cumulative.begin();
  return destinations[std::min(pick, destinations.size() - 1)];
}

}  // namespace

UserAgent::UserAgent(const NodeContext& ctx, sim::NodeId id,
                     std::vector<const TrafficParams*> sources, sim::SimTime end)
    : sip::Endpoint(ctx.sip, id, ctx.timers,
                    ctx.rng.Stream(ctx.sip.network().NodeName(id), "sip_stack")),
      ctx_(ctx),
      end_(end) {
  ctx.sip.Attach(id, this);
  for (const TrafficParams* p : sources) {
    Source s{p,
             ctx.rng.Stream(p->name, "arrivals"),
             ctx.rng.Stream(p->name, "holding_time"),
             ctx.rng.Stream(p->name, "destination"),
             ctx.rng.Stream(p->name, "patience"),
             ctx.rng.Stream(p->name, "fraud"),
             Cumulative(p->weights),
             p->fraud ? Cumulative(p->fraud->weights) : std::vector<double>{}};
    s.gap = sim::Distribution::Exponential(1.0 / p->calls_per_second);
    sources_.push_back(std::move(s));
  }
}

void UserAgent::Start() {
  for (uint32_t i = 0; i < sources_.size(); ++i) {
    ScheduleArrival(i);
  }
}

// Offers arrivals over [0, end): the next one is scheduled only if it falls before `end`.
void UserAgent::ScheduleArrival(uint32_t source) {
  Source& s = sources_[source];
  const sim::Duration gap = s.gap.SampleDuration(s.arrivals);
  if (engine().Now() + gap < end_) engine().ScheduleIn(gap, [this, source] { Arrival(source); });
}

void UserAgent::Arrival(uint32_t source) {
  Source& s = sources_[source];
  const uint64_t call_id = (uint64_t{id()} + 1) << 40 | next_serial_++;
  Call call;
  call.source = source;
  call.arrival = engine().Now();
  call.origin_call = OriginCall(call_id);
  call.holding = s.params->holding_time.SampleDuration(s.holding);
  call.destination = Pick(s.params->destinations, s.cumulative, s.destination.NextOpenUniform());
  if (const std::optional<FraudMix>& fraud = s.params->fraud) {
    // The clean draws above are made for every call, so a fraud mix leaves the
    // other calls as they were; a fraudulent call replaces them from its own stream.
    call.fraud = s.fraud.NextOpenUniform() < fraud->fraction;
    if (call.fraud && !fraud->destinations.empty()) {
      call.destination = Pick(fraud->destinations, s.fraud_cumulative, s.fraud.NextOpenUniform());
    }
    if (call.fraud && fraud->holding_time)
      call.holding = fraud->holding_time->SampleDuration(s.fraud);
  }
  if (s.params->patience) {
    const sim::Duration patience = s.params->patience->SampleDuration(s.patience);
    call.abandon = engine().ScheduleIn(patience, [this, call_id] { Abandon(call_id); });
  }
  calls_.emplace(call_id, call);
  Message invite = Message::Request(Method::kInvite, call_id, 1, OriginCall(call_id));
  invite.destination = call.destination;
  invite.truth.fraud = call.fraud;
  invite.rel100 = timers().rel100;
  invite.session_expires_s = sip::SessionExpiresField(timers());
  SendRequest(s.params->via, invite);

  ScheduleArrival(source);
}

void UserAgent::OnResponse(const Message& response) {
  auto it = calls_.find(response.call_id);
  if (it == calls_.end()) return;
  Call& call = it->second;
  if (response.method == Method::kBye) {
    if (response.is_final()) calls_.erase(it);
    return;
  }
  // The answer to our CANCEL, or to a re-INVITE (already ACKed by the stack).
  if (response.method != Method::kInvite || response.in_dialog) return;
  if (!response.is_final()) {
    call.provisional = true;
    if (call.give_up && !call.cancelled) SendCancel(response.call_id, call);
    return;
  }
  engine().Cancel(call.abandon);
  if (response.status >= 300) {
    const bool abandoned = call.cancelled && response.status == 487;
    Finish(call, abandoned ? metrics::Result::kAbandoned : metrics::Result::kFailed,
           response.status, response.truth);
    calls_.erase(it);
    return;
  }
  const uint64_t call_id = response.call_id;
  SendAck(response.from,
          Message::Request(Method::kAck, call_id, response.cseq, response.origin_call));
  if (call.give_up) {  // the 2xx crossed our CANCEL: confirm, then hang up at once
    Finish(call, metrics::Result::kAbandoned, 487, response.truth);
    HangUp(call_id);
    return;
  }
  call.answered = true;
  StartSessionTimer(response, response.from, /*refresher=*/true);
  Finish(call, metrics::Result::kAnswered, response.status, response.truth);
  engine().ScheduleIn(call.holding, [this, call_id] { HangUp(call_id); });
}

void UserAgent::Abandon(uint64_t call_id) {
  auto it = calls_.find(call_id);
  if (it == calls_.end() || it->second.answered) return;
  it->second.give_up = true;
  if (it->second.provisional) SendCancel(call_id, it->second);  // else at the first 1xx
}

void UserAgent::SendCancel(uint64_t call_id, Call& call) {
  call.cancelled = true;
  Message cancel = Message::Request(Method::kCancel, call_id, 1, OriginCall(call_id));
  cancel.destination = call.destination;
  SendRequest(sources_[call.source].params->via, cancel);
}

void UserAgent::HangUp(uint64_t call_id) {
  auto it = calls_.find(call_id);
  if (it == calls_.end()) return;
  StopSessionTimer(call_id);
  Message bye = Message::Request(Method::kBye, call_id, ++it->second.cseq, OriginCall(call_id));
  bye.in_dialog = true;
  bye.destination = it->second.destination;
  SendRequest(sources_[it->second.source].params->via, bye);
}

// RFC 4028: the refresh failed (the stack has stopped the timer): hang up.
void UserAgent::OnSessionExpired(uint64_t call_id) { HangUp(call_id); }

uint32_t UserAgent::NextCseq(uint64_t call_id) {
  auto it = calls_.find(call_id);
  return it == calls_.end() ? 1 : ++it->second.cseq;
}

void UserAgent::OnTimeout(const Message& request) {
  auto it = calls_.find(request.call_id);
  if (it == calls_.end()) return;
  if (request.method == Method::kCancel) return;  // the INVITE's own outcome decides
  if (request.method == Method::kInvite) {
    engine().Cancel(it->second.abandon);
    sip::GroundTruth truth;
    truth.cause = sip::Cause::kTimeout;
    Finish(it->second, it->second.give_up ? metrics::Result::kAbandoned : metrics::Result::kFailed,
           408, truth);
  }
  calls_.erase(it);  // INVITE: over; BYE: the dialog is gone either way
}

void UserAgent::OnRequest(const Message& request) {
  if (request.method == Method::kInvite && request.in_dialog) {  // a re-INVITE: accepted
    SendResponse(Message::ResponseTo(request, calls_.count(request.call_id) != 0 ? 200 : 481));
    return;
  }
  if (request.method != Method::kBye) return;
  StopSessionTimer(request.call_id);
  const bool known = calls_.erase(request.call_id) != 0;
  SendResponse(Message::ResponseTo(request, known ? 200 : 481));
}

void UserAgent::Finish(const Call& call, metrics::Result result, int code,
                       const sip::GroundTruth& truth) {
  metrics::CallOutcome o;
  o.arrival = call.arrival;
  o.result = result;
  o.final_code = code;
  o.truth = truth;
  o.fraud = call.fraud;
  if (result == metrics::Result::kAnswered) o.answered_s = sim::ToSeconds(call.holding);
  ctx_.metrics.Record(o);
  if (ctx_.log != nullptr && ctx_.log->Wants(call.origin_call)) ctx_.log->AddOutcome(id(), o);
}

}  // namespace crankback::nodes
