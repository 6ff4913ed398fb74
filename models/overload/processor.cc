#include "models/overload/processor.h"

#include <algorithm>
#include <string>

namespace crankback::overload {

namespace {

bool IsNewInvite(const sip::Message& m) {
  return m.is_request() && m.method == sip::Method::kInvite && !m.in_dialog;
}

sim::Duration CostOf(const Costs& c, const sip::Message& m) {
  if (!m.is_request()) return c.response;
  if (m.method == sip::Method::kAck) return c.ack;
  if (IsNewInvite(m)) return c.invite;
  return c.request;
}

}  // namespace

Agent::Agent(const nodes::NodeContext& ctx, sip::Endpoint& endpoint,
             std::optional<ProcessingParams> processing, std::optional<ClientParams> client)
    : engine_(ctx.sip.engine()),
      sip_(ctx.sip),
      endpoint_(endpoint),
      warmup_(ctx.warmup),
      end_(ctx.end),
      processing_(std::move(processing)),
      retry_after_random_(
          ctx.rng.Stream(ctx.sip.network().NodeName(endpoint.id()), "retry_after")) {
  const std::string& name = ctx.sip.network().NodeName(endpoint.id());
  if (client) client_.emplace(*client, ctx.rng.Stream(name, "overload_client"));
  if (processing_) {
    counters_.servers = processing_->servers;
    if (const double window = sim::ToSeconds(end_ - warmup_); end_ != sim::SimTime::Max())
      counters_.window_s = window;
    if (processing_->control) {
      control_.emplace(*processing_->control);
      for_clients_.emplace(ClientParams{.control = true}, ctx.rng.Stream(name, "overload_control"));
    }
  }
}

bool Agent::Counting() const {
  const sim::SimTime now = engine_.Now();
  return now >= warmup_ && now < end_;
}

bool Agent::Arrive(const sip::Message& m, const sip::OverloadFeedback& feedback) {
  if (client_ && !m.is_request()) client_->OnResponse(m.from, feedback, m, engine_.Now());
  if (!processing_) return false;
  const bool counting = Counting();
  if (counting) ++counters_.arrived;
  if (control_) {
    heard_ = true;
    interval_offered_ += CostOf(processing_->costs, m);
    if (m.is_request()) control_->Heard(m.from);
    if (!ticking_) {
      ticking_ = true;
      engine_.ScheduleIn(processing_->control->interval, [this] { Tick(); });
    }
  }
  if (busy_ < processing_->servers && queue_.empty()) {
    Start({m, engine_.Now()});
    return true;
  }
  if (queue_.size() >= processing_->queue_limit) {
    discard_debt_ += processing_->costs.discard;
    if (counting) ++counters_.dropped;
    return true;
  }
  queue_.push_back({m, engine_.Now()});
  if (counting) counters_.max_queue = std::max<uint32_t>(counters_.max_queue, queue_.size());
  return true;
}

void Agent::Start(const Waiting& w) {
  const ProcessingParams& p = *processing_;
  const sip::Message& m = w.message;
  const sim::SimTime now = engine_.Now();
  bool reject = false;
  bool for_control = false;
  if (IsNewInvite(m)) {
    switch (p.on_overload) {
      case OnOverload::kDrop:
        break;
      case OnOverload::kReject:
        reject = queue_.size() >= p.reject_queue;
        break;
      case OnOverload::kRejectOnDelay:
        reject = now - w.arrival > p.max_delay;
        break;
    }
    // O7: a client that does not take part is throttled here instead.
    if (!reject && control_ && !sip_.SupportsControl(m.from)) {
      for_clients_->OnResponse(m.from, control_->FeedbackFor(m.from), sip::Message{}, now);
      for_control = reject = !for_clients_->Admit(m.from, now);
    }
  }
  const sim::Duration own = reject ? p.costs.reject : CostOf(p.costs, m);
  // The processor first pays for the messages it discarded meanwhile.
  const sim::Duration cost = own + discard_debt_;
  if (Counting()) {
    counters_.busy_s += sim::ToSeconds(discard_debt_);
    counters_.discard_s += sim::ToSeconds(discard_debt_);
  }
  discard_debt_ = sim::Duration();
  if (Counting()) {
    ++counters_.processed;
    counters_.busy_s += sim::ToSeconds(own);
    counters_.queue_delay.Add(sim::ToSeconds(now - w.arrival));
    if (m.retransmission) {
      ++counters_.retransmissions;
      counters_.retransmission_s += sim::ToSeconds(own);
    } else if (IsNewInvite(m)) {
      ++counters_.invites;
      if (reject) {
        ++counters_.rejected;
        if (for_control) ++counters_.shed_for_clients;
      } else {
        ++counters_.accepted;
      }
    }
    if (reject) counters_.rejection_s += sim::ToSeconds(own);
  }
  interval_busy_ += cost;
  if (IsNewInvite(m) && !reject && !m.retransmission) ++interval_accepted_;
  uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
    in_service_[slot] = {m, reject};
  } else {
    slot = static_cast<uint32_t>(in_service_.size());
    in_service_.push_back({m, reject});
  }
  ++busy_;
  engine_.ScheduleIn(cost, [this, slot] { Done(slot); });
}

void Agent::Done(uint32_t slot) {
  const InService done = in_service_[slot];
  free_slots_.push_back(slot);
  --busy_;
  if (!queue_.empty()) {
    const Waiting next = queue_.front();
    queue_.pop_front();
    Start(next);
  }
  if (done.reject) {
    endpoint_.Reject(done.message, Rejection(done.message));
  } else {
    endpoint_.Receive(done.message);
  }
}

sip::Message Agent::Rejection(const sip::Message& invite) {
  const ProcessingParams& p = *processing_;
  sip::Message r = sip::Message::ResponseTo(invite, p.reject_code);
  r.truth.cause = sip::Cause::kOverload;
  if (p.retry_after_max_s > 0) {
    const uint64_t span = static_cast<uint64_t>(p.retry_after_max_s - p.retry_after_min_s) + 1;
    r.retry_after_s =
        p.retry_after_min_s + static_cast<int32_t>(retry_after_random_.NextBelow(span));
  }
  return r;
}

void Agent::Tick() {
  const ControlParams& c = *processing_->control;
  control_->Measure(interval_busy_, interval_offered_, interval_accepted_, c.interval,
                    processing_->servers);
  interval_busy_ = sim::Duration();
  interval_offered_ = sim::Duration();
  interval_accepted_ = 0;
  // The loop sleeps once an interval passes with nothing to measure, so that a
  // run still ends when its calls do; the next arrival wakes it.
  if (heard_ || backlog() > 0) {
    heard_ = false;
    engine_.ScheduleIn(c.interval, [this] { Tick(); });
  } else {
    ticking_ = false;
  }
}

sip::OverloadFeedback Agent::FeedbackFor(sim::NodeId client) {
  if (!control_ || !sip_.SupportsControl(client)) return {};
  return control_->FeedbackFor(client);
}

bool Agent::Admit(sim::NodeId server) { return !client_ || client_->Admit(server, engine_.Now()); }

}  // namespace crankback::overload
