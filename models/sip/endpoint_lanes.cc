// The lanes of sip::Endpoint's lingering timers (Timers D, I, J, K, L and M
// and the kept ACK): one FIFO per delay, whose head the engine holds.
#include "models/sip/endpoint.h"

namespace crankback::sip {

sim::EventId Endpoint::Linger(sim::Duration delay, Owner owner, uint32_t slot, TimerName name) {
  size_t lane = 0;
  while (lane < lanes_.size() && lanes_[lane].delay != delay) ++lane;
  if (lane == lanes_.size()) {
    lanes_.push_back(
        Lane{delay, {}, engine().AddLane(&FireLane, this, static_cast<uint32_t>(lane)), 0});
  }
  Lane& l = lanes_[lane];
  const uint64_t sequence = engine().TakeSequence();
  l.fifo.push_back(Lingering{(engine().Now() + delay).nanos(), sequence, slot, owner, name});
  if (l.fifo.size() == 1) ScheduleLaneHead(lane);
  return LaneId(lane, sequence);
}

void Endpoint::StopRunningTimer(sim::EventId& id) {
  if ((id.slot & kLaneBit) == 0) {
    engine().Cancel(id);
    id = {};
    return;
  }
  const size_t lane = id.slot & ~kLaneBit;
  Lane& l = lanes_[lane];
  const bool head = !l.fifo.empty() && LaneId(lane, l.fifo.front().sequence) == id &&
                    OwnerId(l.fifo.front()) == &id;
  id = {};
  if (!head) {
    ++l.stopped;  // skipped when it reaches the head
    return;
  }
  l.fifo.pop_front();
  ScheduleLaneHead(lane);
}

sim::EventId* Endpoint::OwnerId(const Lingering& l) {
  switch (l.owner) {
    case Owner::kClient: {
      ClientTx* tx = clients_.value_at(l.slot);
      return tx != nullptr ? &tx->timers[TimerSlot(l.name)] : nullptr;
    }
    case Owner::kServer: {
      ServerTx* tx = servers_.value_at(l.slot);
      return tx != nullptr ? &tx->timers[TimerSlot(l.name)] : nullptr;
    }
    case Owner::kAck: {
      SentAck* ack = acks_.value_at(l.slot);
      return ack != nullptr ? &ack->expire : nullptr;
    }
  }
  return nullptr;
}

// Schedules the lane's first entry whose timer still runs, dropping those
// stopped before it.
void Endpoint::ScheduleLaneHead(size_t lane) {
  Lane& l = lanes_[lane];
  while (l.stopped > 0 && !l.fifo.empty()) {
    const sim::EventId* owner = OwnerId(l.fifo.front());
    if (owner != nullptr && *owner == LaneId(lane, l.fifo.front().sequence)) break;
    l.fifo.pop_front();
    --l.stopped;
  }
  if (l.fifo.empty()) {
    engine().ClearLaneHead(l.engine_lane);
    return;
  }
  const Lingering& next = l.fifo.front();
  engine().SetLaneHead(l.engine_lane, sim::SimTime::FromNanos(next.due), next.sequence);
}

inline void Endpoint::PrefetchOwner(const Lingering& l, bool bucket) const {
  const auto fetch = [&](const auto& table) [[gnu::always_inline]] {
    if (bucket) {
      table.prefetch_bucket(l.slot);
    } else {
      table.prefetch(l.slot);
    }
  };
  switch (l.owner) {
    case Owner::kClient:
      return fetch(clients_);
    case Owner::kServer:
      return fetch(servers_);
    case Owner::kAck:
      return fetch(acks_);
  }
}

void Endpoint::OnLaneDue(size_t lane) {
  Lane& l = lanes_[lane];
  const Lingering due = l.fifo.front();
  l.fifo.pop_front();
  ScheduleLaneHead(lane);
  // Lingering owners are cold (up to 64*T1 old), and so is the lane's own
  // memory: load later entries in stages while this one runs (the lane's
  // entry, then its owner, then the owner's index bucket), so that each is in
  // the cache by its turn.
  const size_t queued = l.fifo.size();
  if (queued > 3 * kLanePrefetch) __builtin_prefetch(&l.fifo[3 * kLanePrefetch]);
  if (queued > 2 * kLanePrefetch) PrefetchOwner(l.fifo[2 * kLanePrefetch], false);
  if (queued > kLanePrefetch) PrefetchOwner(l.fifo[kLanePrefetch], true);
  sim::EventId* owner = OwnerId(due);
  if (owner == nullptr || *owner != LaneId(lane, due.sequence)) {
    sim::Fatal("Endpoint: a lingering timer fired for an owner that stopped it");
  }
  *owner = {};
  switch (due.owner) {
    case Owner::kAck:
      ++extra_expirations_[static_cast<size_t>(CoreTimer::kForgetAck)];
      acks_.erase(acks_.iterator_at(due.slot));
      return;
    case Owner::kClient:
    case Owner::kServer:
      OnLaneTimer(due.owner == Owner::kClient, due.slot, due.name);
      return;
  }
}

}  // namespace crankback::sip
