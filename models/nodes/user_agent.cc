#include "models/nodes/user_agent.h"

#include <algorithm>
#include <cstdint>

namespace crankback::nodes {

using sip::Message;
using sip::Method;

namespace {

// Redials take serials from here on, so a first attempt's serial, and with it
// every per-call draw keyed by its origin_call, does not depend on how many
// redials came before it (which differs between the policies compared).
constexpr uint64_t kFirstRedialSerial = uint64_t{1} << 32;

// Message::origin_call of this agent's call `call_id`: its serial (the low 40
// bits) + 1 for a first attempt; UINT32_MAX - k for its k-th redial (from 0).
uint32_t OriginCall(uint64_t call_id) {
  const uint64_t serial = call_id & ((uint64_t{1} << 40) - 1);
  if (serial >= kFirstRedialSerial)
    return static_cast<uint32_t>(UINT32_MAX - (serial - kFirstRedialSerial));
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
             ctx.rng.Stream(p->name, "redial"),
             Cumulative(p->weights),
             p->fraud ? Cumulative(p->fraud->weights) : std::vector<double>{}};
    s.process = traffic::ArrivalProcess(p->calls_per_second, p->profile, p->flash_crowds, end);
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
  if (const std::optional<sim::SimTime> at = s.process.Next(engine().Now(), s.arrivals))
    engine().ScheduleAt(*at, [this, source] { Arrival(source); });
}

void UserAgent::Arrival(uint32_t source) {
  Source& s = sources_[source];
  Call call;
  call.source = source;
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
  std::optional<sim::Duration> patience;
  if (s.params->patience) patience = s.params->patience->SampleDuration(s.patience);
  Dial(call, patience);
  ScheduleArrival(source);
}

// Starts a call attempt now: a new Call-ID and serial, the caller's patience
// timer, the INVITE.
void UserAgent::Dial(Call call, std::optional<sim::Duration> patience) {
  const uint64_t serial =
      call.redial == 0 ? next_serial_++ : kFirstRedialSerial + redials_started_++;
  const uint64_t call_id = CallId(serial);
  call.arrival = engine().Now();
  call.origin_call = OriginCall(call_id);
  if (patience) {
    call.abandon = engine().ScheduleIn(*patience, [this, call_id] { Abandon(call_id); });
  }
  calls_.emplace(call_id, call);
  Message invite = Message::Request(Method::kInvite, call_id, 1, OriginCall(call_id));
  invite.destination = call.destination;
  invite.truth.fraud = call.fraud;
  invite.rel100 = timers().rel100;
  invite.session_expires_s = sip::SessionExpiresField(timers());
  SendRequest(sources_[call.source].params->via, invite);
  if (call.redial == 0) {  // the next arrival's records, a call's worth of work ahead
    const uint64_t next = CallId(next_serial_);
    calls_.prefetch_key(next);
    ExpectToSend(next, 1, Method::kInvite);
  }
}

// A failed attempt the caller did not give up on may be redialled: the same
// number, holding time and fraud flag, after the redial delay. Redials are
// made after the end of the arrivals too: each call's attempts end with it.
void UserAgent::MaybeRedial(const Call& failed, int code) {
  Source& s = sources_[failed.source];
  if (!s.params->redial || failed.give_up) return;
  const std::optional<sim::Duration> after =
      traffic::RedialAfter(*s.params->redial, code, failed.redial, s.redial);
  if (!after) return;
  Call next;
  next.source = failed.source;
  next.holding = failed.holding;
  next.destination = failed.destination;
  next.fraud = failed.fraud;
  next.redial = failed.redial + 1;
  const uint64_t key = next_redial_++;
  redials_.emplace(key, next);
  engine().ScheduleIn(*after, [this, key] { Redial(key); });
}

void UserAgent::Redial(uint64_t key) {
  auto it = redials_.find(key);
  const Call call = it->second;
  redials_.erase(it);
  Source& s = sources_[call.source];
  std::optional<sim::Duration> patience;  // a redial's own, from the redial stream
  if (s.params->patience) patience = s.params->patience->SampleDuration(s.redial);
  Dial(call, patience);
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
    if (call.pdd_s < 0 && (response.status == 180 || response.status == 183))
      call.pdd_s = sim::ToSeconds(engine().Now() - call.arrival);  // 100 is not alerting
    if (call.give_up && !call.cancelled) SendCancel(response.call_id, call);
    return;
  }
  engine().Cancel(call.abandon);
  if (response.status >= 300) {
    const bool abandoned = call.cancelled && response.status == 487;
    Finish(call, abandoned ? metrics::Result::kAbandoned : metrics::Result::kFailed,
           response.status, response.truth);
    if (!abandoned) MaybeRedial(call, response.status);
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
    MaybeRedial(it->second, 408);
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
  o.origin = id();
  o.serial = call.origin_call;
  o.pdd_s = call.pdd_s;
  // Finish runs at the 2xx of an answered call; call.arrival is when its INVITE went.
  if (result == metrics::Result::kAnswered)
    o.setup_s = sim::ToSeconds(engine().Now() - call.arrival);
  o.redial = call.redial;
  if (result == metrics::Result::kAnswered) o.answered_s = sim::ToSeconds(call.holding);
  ctx_.metrics.Record(o);
  if (ctx_.log != nullptr && ctx_.log->Wants(call.origin_call)) ctx_.log->AddOutcome(id(), o);
}

}  // namespace crankback::nodes
