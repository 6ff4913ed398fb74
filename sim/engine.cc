#include "sim/engine.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace crankback::sim {

void Fatal(const char* what) {
  std::fprintf(stderr, "crankback: internal error: %s\n", what);
  std::abort();
}

Engine::Engine() {
  for (auto& heap : heap_) {
    heap.reserve(1024);
    heap.resize(kHeapPad);
  }
  slots_.reserve(1024);
  state_.reserve(1024);
  free_slots_.reserve(1024);
}

uint32_t Engine::NewSlot() {
  const size_t slot = slots_.size();
  if (slot > kSlotMask) Fatal("Engine: more than 2^26 events pending at once");
  slots_.emplace_back();
  state_.push_back(SlotState{kNotQueued, 1});
  return static_cast<uint32_t>(slot);
}

inline void Engine::PrefetchSlot(uint32_t slot) const {
  const char* p = reinterpret_cast<const char*>(&slots_[slot]);
  __builtin_prefetch(p);
  __builtin_prefetch(p + sizeof(Slot) - 1);  // a slot may straddle two lines
}

inline void Engine::Release(uint32_t slot) {
  state_[slot].pos = kNotQueued;
  if (++state_[slot].generation == 0) state_[slot].generation = 1;  // 0 means "no event"
  free_slots_.push_back(slot);
}

// Moves the hole at `pos` down to a leaf along the smaller children and returns
// the leaf: three comparisons a level, none against the node that will fill the
// hole, which almost always belongs near the bottom. The comparisons select
// without branches (their outcome is a coin toss), so for a heap larger than the
// caches the next level is prefetched instead of speculated: the grandchildren of
// a node are 16 consecutive nodes, four lines.
template <bool kPrefetch>
uint32_t Engine::SinkHole(int h, uint32_t pos, uint32_t n) {
  Entry* const node = Nodes(h);
  const uint32_t tag = h == 0 ? 0 : kFarBit;
  for (;;) {
    const uint32_t first = 4 * pos + 1;
    if (first >= n) return pos;
    if constexpr (kPrefetch) {
      const uint32_t grandchild = 4 * first + 1;
      if (grandchild < n) {
        for (uint32_t k = 0; k < 16; k += 4) __builtin_prefetch(&node[grandchild + k]);
      }
    }
    uint32_t best = first;
    if (first + 4 <= n) {
      const uint32_t a = Less(node[first + 1], node[first]) ? first + 1 : first;
      const uint32_t b = Less(node[first + 3], node[first + 2]) ? first + 3 : first + 2;
      best = Less(node[b], node[a]) ? b : a;
    } else {
      for (uint32_t c = first + 1; c < n; ++c) {
        if (Less(node[c], node[best])) best = c;
      }
    }
    node[pos] = node[best];
    state_[node[pos].order & kSlotMask].pos = tag | pos;
    pos = best;
  }
}

// Replaces node `pos` by the last node: up if it belongs above `pos`, else the
// hole sinks to a leaf and the last node rises from there.
void Engine::RemoveAt(uint32_t where) {
  const int h = (where & kFarBit) != 0 ? 1 : 0;
  uint32_t pos = where & ~kFarBit;
  const Entry last = heap_[h].back();
  heap_[h].pop_back();
  const uint32_t n = NodeCount(h);
  if (pos == n) return;
  if (pos == 0 || !Less(last, Nodes(h)[(pos - 1) / 4])) {
    constexpr uint32_t kPrefetchAbove = 1 << 15;  // nodes: 512 KiB
    pos = n > kPrefetchAbove ? SinkHole<true>(h, pos, n) : SinkHole<false>(h, pos, n);
  }
  SiftUp(h, pos, last);
}

bool Engine::IsPending(EventId id) const {
  return id.valid() && id.slot < state_.size() && state_[id.slot].generation == id.generation &&
         state_[id.slot].pos != kNotQueued;
}

bool Engine::Cancel(EventId id) {
  if (!IsPending(id)) return false;
  RemoveAt(state_[id.slot].pos);
  Release(id.slot);
  return true;
}

uint32_t Engine::AddLane(LaneFire fire, void* context, uint32_t tag) {
  lanes_.push_back(Lane{fire, context, tag, false, {}});
  return static_cast<uint32_t>(lanes_.size() - 1);
}

void Engine::SetLaneHead(uint32_t lane, SimTime when, uint64_t sequence) {
  if (when < now_) Fatal("Engine::SetLaneHead: head in the past");
  Lane& l = lanes_[lane];
  if (!l.set) ++lane_heads_;
  l.set = true;
  l.head = Entry{when.nanos(), sequence << kSlotBits};
  if (first_lane_ == lane) {
    FindFirstLane();  // its head moved later (or stayed)
  } else if (first_lane_ == kNoLane || Less(l.head, lanes_[first_lane_].head)) {
    first_lane_ = lane;
  }
}

void Engine::ClearLaneHead(uint32_t lane) {
  Lane& l = lanes_[lane];
  if (!l.set) return;
  l.set = false;
  --lane_heads_;
  if (first_lane_ == lane) FindFirstLane();
}

void Engine::FindFirstLane() {
  first_lane_ = kNoLane;
  for (uint32_t i = 0; i < lanes_.size(); ++i) {
    if (lanes_[i].set && (first_lane_ == kNoLane || Less(lanes_[i].head, lanes_[first_lane_].head)))
      first_lane_ = i;
  }
}

bool Engine::Step() {
  const int h = NextHeap();
  if (first_lane_ != kNoLane && (h < 0 || Less(lanes_[first_lane_].head, Nodes(h)[0]))) {
    Lane& l = lanes_[first_lane_];
    now_ = SimTime::FromNanos(l.head.time);
    l.set = false;
    --lane_heads_;
    const Lane fired = l;  // fire() may add lanes, which can move lanes_
    FindFirstLane();
    ++executed_;
    fired.fire(fired.context, fired.tag);
    return true;
  }
  if (h < 0) return false;
  const Entry top = Nodes(h)[0];
  const uint32_t slot = static_cast<uint32_t>(top.order & kSlotMask);
  // The slot and its state are random lines of large arrays: start loading them
  // before the sift (usually they were asked for one event earlier, below).
  PrefetchSlot(slot);
  __builtin_prefetch(&state_[slot], 1);
  RemoveAt(h == 0 ? 0 : kFarBit);
  now_ = SimTime::FromNanos(top.time);
  // Copy the callable out first: it may schedule events, which can grow slots_.
  Slot event;
  std::memcpy(&event, &slots_[slot], sizeof(Slot));
  Release(slot);
  ++executed_;
  // The next event is most likely the one now on top: its slot will be read at
  // the start of the next Step(), so ask for it while this event runs.
  if (const int next = NextHeap(); next >= 0) {
    PrefetchSlot(static_cast<uint32_t>(Nodes(next)[0].order & kSlotMask));
  }
  event.invoke(event.storage);
  return true;
}

void Engine::Run() {
  stopped_ = false;
  while (!stopped_ && Step()) {
  }
}

void Engine::RunUntil(SimTime until) {
  stopped_ = false;
  for (;;) {
    const int h = NextHeap();
    int64_t next = h >= 0 ? Nodes(h)[0].time : INT64_MAX;
    if (first_lane_ != kNoLane) next = std::min(next, lanes_[first_lane_].head.time);
    if (stopped_ || (h < 0 && first_lane_ == kNoLane) || next > until.nanos()) break;
    Step();
  }
  if (!stopped_ && now_ < until) now_ = until;
}

}  // namespace crankback::sim
