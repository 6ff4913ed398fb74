#include "sim/engine.h"

#include <cstdio>
#include <cstdlib>

namespace crankback::sim {

void Fatal(const char* what) {
  std::fprintf(stderr, "crankback: internal error: %s\n", what);
  std::abort();
}

Engine::Engine() {
  heap_.reserve(1024);
  slots_.reserve(1024);
  heap_pos_.reserve(1024);
  generation_.reserve(1024);
  free_slots_.reserve(1024);
}

uint32_t Engine::AcquireSlot() {
  if (!free_slots_.empty()) {
    const uint32_t slot = free_slots_.back();
    free_slots_.pop_back();
    return slot;
  }
  const size_t slot = slots_.size();
  if (slot > kSlotMask) Fatal("Engine: more than 2^26 events pending at once");
  slots_.emplace_back();
  heap_pos_.push_back(kNotQueued);
  generation_.push_back(1);
  return static_cast<uint32_t>(slot);
}

void Engine::Release(uint32_t slot) {
  heap_pos_[slot] = kNotQueued;
  if (++generation_[slot] == 0) generation_[slot] = 1;  // 0 means "no event"
  free_slots_.push_back(slot);
}

void Engine::Push(int64_t time, uint32_t slot) {
  if (next_sequence_ > kMaxSequence) Fatal("Engine: event sequence numbers exhausted");
  const Entry e{time, (next_sequence_++ << kSlotBits) | slot};
  heap_.push_back(e);
  SiftUp(static_cast<uint32_t>(heap_.size() - 1), e);
}

void Engine::SiftUp(uint32_t pos, Entry e) {
  while (pos > 0) {
    const uint32_t parent = (pos - 1) / 4;
    if (!Less(e, heap_[parent])) break;
    heap_[pos] = heap_[parent];
    heap_pos_[heap_[pos].order & kSlotMask] = pos;
    pos = parent;
  }
  heap_[pos] = e;
  heap_pos_[e.order & kSlotMask] = pos;
}

void Engine::SiftDown(uint32_t pos, Entry e) {
  const uint32_t n = static_cast<uint32_t>(heap_.size());
  for (;;) {
    const uint32_t first = 4 * pos + 1;
    if (first >= n) break;
    uint32_t best = first;
    const uint32_t last = first + 4 < n ? first + 4 : n;
    for (uint32_t c = first + 1; c < last; ++c) {
      if (Less(heap_[c], heap_[best])) best = c;
    }
    if (!Less(heap_[best], e)) break;
    heap_[pos] = heap_[best];
    heap_pos_[heap_[pos].order & kSlotMask] = pos;
    pos = best;
  }
  heap_[pos] = e;
  heap_pos_[e.order & kSlotMask] = pos;
}

void Engine::RemoveAt(uint32_t pos) {
  const Entry last = heap_.back();
  heap_.pop_back();
  if (pos == heap_.size()) return;
  if (pos > 0 && Less(last, heap_[(pos - 1) / 4])) {
    SiftUp(pos, last);
  } else {
    SiftDown(pos, last);
  }
}

bool Engine::IsPending(EventId id) const {
  return id.valid() && id.slot < generation_.size() && generation_[id.slot] == id.generation &&
         heap_pos_[id.slot] != kNotQueued;
}

bool Engine::Cancel(EventId id) {
  if (!IsPending(id)) return false;
  RemoveAt(heap_pos_[id.slot]);
  Release(id.slot);
  return true;
}

bool Engine::Step() {
  if (heap_.empty() || stopped_) return false;
  const Entry top = heap_[0];
  const uint32_t slot = static_cast<uint32_t>(top.order & kSlotMask);
  // The slot is a random line of a large array: start loading it before the sift.
  __builtin_prefetch(&slots_[slot]);
  __builtin_prefetch(reinterpret_cast<const char*>(&slots_[slot]) + sizeof(Slot) - 1);
  RemoveAt(0);
  now_ = SimTime::FromNanos(top.time);
  // Copy the callable out first: it may schedule events, which can grow slots_.
  Slot event;
  std::memcpy(&event, &slots_[slot], sizeof(Slot));
  Release(slot);
  ++executed_;
  event.invoke(event.storage);
  return true;
}

void Engine::Run() {
  stopped_ = false;
  while (Step()) {
  }
}

void Engine::RunUntil(SimTime until) {
  stopped_ = false;
  while (!heap_.empty() && heap_[0].time <= until.nanos() && Step()) {
  }
  if (!stopped_ && now_ < until) now_ = until;
}

}  // namespace crankback::sim
