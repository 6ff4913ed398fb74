// The SBC's per-NAP and per-route counters (NapCounters, RouteCounters):
// events count from the warm-up on, sessions in use are integrated over
// [warm-up, end of arrivals), and an answered leg's talk time and cost are
// counted when it ends.
#include <algorithm>
#include <utility>
#include <vector>

#include "models/nodes/sbc.h"

namespace crankback::nodes {

double Sbc::Nap::BusySeconds(sim::SimTime now, sim::SimTime from, sim::SimTime to) const {
  const sim::SimTime start = std::max(busy_since, from);
  const sim::SimTime stop = std::min(now, to);
  if (sessions == 0 || stop <= start) return 0;
  return sessions * sim::ToSeconds(stop - start);
}

void Sbc::TakeSession(uint32_t nap) {
  Nap& n = naps_[nap];
  const sim::SimTime now = engine().Now();
  n.counters.busy_seconds += n.BusySeconds(now, ctx_.warmup, ctx_.end);
  n.busy_since = now;
  ++n.sessions;
  if (now >= ctx_.warmup) ++n.counters.seizures;
}

void Sbc::ReleaseSession(uint32_t nap) {
  Nap& n = naps_[nap];
  const sim::SimTime now = engine().Now();
  n.counters.busy_seconds += n.BusySeconds(now, ctx_.warmup, ctx_.end);
  n.busy_since = now;
  --n.sessions;
}

// The answered leg of `call` ends now (a BYE either way, or its dialog is
// gone): its talk time and cost go to the NAP that carried it, at the
// cost_per_minute of the route it served.
void Sbc::EndTalk(Call& call) {
  if (!call.answered || call.talk_counted || call.out_route < 0) return;
  call.talk_counted = true;
  if (call.answered_at < ctx_.warmup) return;
  const double seconds = sim::ToSeconds(engine().Now() - call.answered_at);
  NapCounters& c = naps_[call.out_nap].counters;
  c.answered_seconds += seconds;
  c.cost += seconds / 60 * naps_[call.in_nap].params->routes[call.out_route].cost_per_minute;
}

std::vector<uint32_t> Sbc::Restart() {
  std::vector<std::pair<uint64_t, Call>> calls;
  calls_.Clear([&](auto& entry) {
    engine().Cancel(entry.second.retry_timer);
    calls.emplace_back(entry.first, std::move(entry.second));
  });
  // The talk each had until the crash, in the order of their Call-IDs: the
  // sums of talk time and cost do not depend on the table's order.
  std::sort(calls.begin(), calls.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<uint32_t> lost;
  for (auto& [key, call] : calls) {
    EndTalk(call);
    lost.push_back(call.invite.origin_call);
  }
  std::sort(lost.begin(), lost.end());
  by_out_.clear();
  abandoned_.clear();
  const sim::SimTime now = engine().Now();
  for (Nap& n : naps_) {
    n.counters.busy_seconds += n.BusySeconds(now, ctx_.warmup, ctx_.end);
    n.busy_since = now;
    n.sessions = 0;
  }
  DropState();  // transactions and session timers, with their events
  return lost;
}

NapCounters Sbc::nap_counters(uint32_t nap, sim::SimTime now) const {
  const Nap& n = naps_[nap];
  NapCounters c = n.counters;
  c.busy_seconds += n.BusySeconds(now, ctx_.warmup, ctx_.end);
  return c;
}

}  // namespace crankback::nodes
