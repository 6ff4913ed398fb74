// The discrete-event engine: a virtual clock and a queue of pending events.
//
//   Engine engine;
//   EventId id = engine.ScheduleIn(Duration::Millis(500), [this] { OnTimerA(); });
//   engine.Cancel(id);  engine.Run();
//
// Events run in (time, scheduling order): two events at the same instant run in
// the order they were scheduled, so a run is deterministic. The queue is two
// 4-ary min-heaps of 16-byte entries with indexed removal, one for events due
// soon and one for events due later (kFarNanos), so Cancel() takes the entry
// out at once (SIP timers are mostly cancelled; leaving them queued costs time
// and memory) and the frequent near events never sift through the far ones. An event's callable
// lives inline in a pooled slot: no heap allocation per event once the pool has grown, and no
// std::function.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

#include "sim/time.h"

namespace crankback::sim {

// Names one scheduled event. A default-constructed id names none; an id whose
// event has run or been cancelled is stale, and Cancel() ignores it.
struct EventId {
  uint32_t slot = 0;
  uint32_t generation = 0;  // 0: no event
  constexpr bool valid() const { return generation != 0; }
  constexpr bool operator==(const EventId&) const = default;
};

// Aborts with a message: a broken invariant of the simulator, never bad input.
[[noreturn]] void Fatal(const char* what);

class Engine {
 public:
  // Bytes a callable may capture: `this` plus a few ids or a pointer and a time.
  static constexpr size_t kInlineBytes = 40;

  Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  SimTime Now() const { return now_; }

  // Schedules `fn()` to run at `when` (not earlier than Now()).
  template <class F>
  EventId ScheduleAt(SimTime when, F&& fn);
  template <class F>
  EventId ScheduleIn(Duration delay, F&& fn) {
    return ScheduleAt(now_ + delay, std::forward<F>(fn));
  }

  // A sequence number taken now, for an event that a lane (below) will hold
  // later: among the events of its instant it then runs where an event
  // scheduled now would have run.
  uint64_t TakeSequence() {
    if (next_sequence_ > kMaxSequence) Fatal("Engine: event sequence numbers exhausted");
    return next_sequence_++;
  }

  // A lane: a FIFO of events that its owner keeps in (time, sequence) order
  // itself, for timers that share one delay (sip::Endpoint's lingering
  // timers). The engine holds only the lane's head, as a time and a sequence
  // number from TakeSequence(), and runs it among the queued events by that
  // key with `fire(context, tag)`, which sets the lane's next head. A head
  // costs no slot and no heap operation; lanes are few (a scan finds the
  // earliest head).
  using LaneFire = void (*)(void* context, uint32_t tag);
  uint32_t AddLane(LaneFire fire, void* context, uint32_t tag);
  // Sets (replaces) the lane's head; (when, sequence) must not precede the
  // event running now.
  void SetLaneHead(uint32_t lane, SimTime when, uint64_t sequence);
  void ClearLaneHead(uint32_t lane);

  // Removes a pending event. Returns false (and does nothing) for a stale id.
  bool Cancel(EventId id);
  bool IsPending(EventId id) const;

  // Runs the next event, if any; returns false when none is pending. Stop() ends
  // Run/RunUntil only, so a caller can go on stepping by hand.
  bool Step();
  // Runs until no event is pending or Stop() is called.
  void Run();
  // Runs every event due at or before `until`, then sets the clock to `until`.
  void RunUntil(SimTime until);
  // Makes Run/RunUntil return after the current event.
  void Stop() { stopped_ = true; }

  size_t pending() const { return NodeCount(0) + NodeCount(1) + lane_heads_; }
  uint64_t executed() const { return executed_; }

 private:
  using Invoker = void (*)(void* storage);
  struct Slot {
    Invoker invoke;
    alignas(8) unsigned char storage[kInlineBytes];
  };
  // Ordered by time, then by `order` = (sequence << kSlotBits) | slot, so ties
  // break by scheduling order and the slot rides along for free.
  struct Entry {
    int64_t time;
    uint64_t order;
  };
  // Storage that starts on a cache line. heap_ holds node i at kHeapPad + i, so
  // the four children of a node (4 x 16 bytes) fill exactly one line and a sift
  // touches one line per level.
  static constexpr size_t kLine = 64;
  static constexpr uint32_t kHeapPad = 3;
  template <class T>
  struct LineAllocator {
    using value_type = T;
    LineAllocator() = default;
    template <class U>
    constexpr LineAllocator(const LineAllocator<U>&) noexcept {}
    T* allocate(size_t n) {
      return static_cast<T*>(::operator new (n * sizeof(T), std::align_val_t{kLine}));
    }
    void deallocate(T* p, size_t) noexcept { ::operator delete (p, std::align_val_t{kLine}); }
    friend bool operator==(const LineAllocator&, const LineAllocator&) { return true; }
  };
  static constexpr int kSlotBits = 26;
  static constexpr uint64_t kSlotMask = (uint64_t{1} << kSlotBits) - 1;
  static constexpr uint64_t kMaxSequence = (uint64_t{1} << (64 - kSlotBits)) - 1;
  static constexpr uint32_t kNotQueued = UINT32_MAX;
  // Two heaps. An event due more than kFarNanos after it is scheduled goes to
  // heap 1 (far), any other to heap 0 (near), and Step() runs the smaller of
  // the two tops. Most events of a large run are near (messages in flight,
  // retransmission timers) while most pending ones are far (hang-ups minutes
  // ahead, Timer B, which is nearly always cancelled), so the near heap stays
  // small and in the cache, and only far events pay for the depth of the
  // large one. A queued event's position carries its heap in kFarBit.
  static constexpr int64_t kFarNanos = 1'000'000'000;
  static constexpr uint32_t kFarBit = uint32_t{1} << 31;

  template <class F>
  static void InvokeAs(void* storage) {
    (*std::launder(reinterpret_cast<F*>(storage)))();
  }

  Entry* Nodes(int h) { return heap_[h].data() + kHeapPad; }
  const Entry* Nodes(int h) const { return heap_[h].data() + kHeapPad; }
  uint32_t NodeCount(int h) const { return static_cast<uint32_t>(heap_[h].size() - kHeapPad); }
  struct Lane {
    LaneFire fire = nullptr;
    void* context = nullptr;
    uint32_t tag = 0;
    bool set = false;
    Entry head{};  // time, sequence << kSlotBits
  };
  static constexpr uint32_t kNoLane = UINT32_MAX;
  void FindFirstLane();  // sets first_lane_
  // The heap whose top runs next, or -1 when none is pending.
  int NextHeap() const {
    if (NodeCount(1) == 0) return NodeCount(0) == 0 ? -1 : 0;
    if (NodeCount(0) == 0) return 1;
    return Less(Nodes(1)[0], Nodes(0)[0]) ? 1 : 0;
  }
  uint32_t AcquireSlot() {
    if (free_slots_.empty()) return NewSlot();
    const uint32_t slot = free_slots_.back();
    free_slots_.pop_back();
    return slot;
  }
  uint32_t NewSlot();
  void Push(int64_t time, uint64_t sequence, uint32_t slot);
  void RemoveAt(uint32_t where);  // a position with its kFarBit
  template <bool kPrefetch>
  uint32_t SinkHole(int h, uint32_t pos, uint32_t n);
  void SiftUp(int h, uint32_t pos, Entry e);
  void Release(uint32_t slot);
  void PrefetchSlot(uint32_t slot) const;
  // One 128-bit comparison, so the compiler can select the smaller child
  // without a branch (the outcome of a heap comparison is a coin toss).
  static bool Less(const Entry& a, const Entry& b) {
    __extension__ using Key = unsigned __int128;
    constexpr uint64_t kSign = uint64_t{1} << 63;  // keeps negative times in order
    const Key ka = Key{static_cast<uint64_t>(a.time) ^ kSign} << 64 | a.order;
    const Key kb = Key{static_cast<uint64_t>(b.time) ^ kSign} << 64 | b.order;
    return ka < kb;
  }

  SimTime now_;
  uint64_t next_sequence_ = 0;
  uint64_t executed_ = 0;
  bool stopped_ = false;
  // Near and far; each has kHeapPad unused entries, then the nodes.
  std::vector<Entry, LineAllocator<Entry>> heap_[2];
  std::vector<Slot> slots_;
  // Per slot, together so that Cancel() finds both on one line.
  struct SlotState {
    uint32_t pos;         // node index with kFarBit, or kNotQueued
    uint32_t generation;  // bumped when the slot is released
  };
  std::vector<SlotState> state_;
  std::vector<uint32_t> free_slots_;
  std::vector<Lane> lanes_;
  uint32_t first_lane_ = kNoLane;  // the lane with the earliest head
  size_t lane_heads_ = 0;
};

template <class F>
EventId Engine::ScheduleAt(SimTime when, F&& fn) {
  using Fn = std::decay_t<F>;
  static_assert(sizeof(Fn) <= kInlineBytes, "event callable captures too much; capture an index");
  static_assert(alignof(Fn) <= 8, "event callable is over-aligned");
  static_assert(std::is_trivially_copyable_v<Fn> && std::is_trivially_destructible_v<Fn>,
                "event callables capture plain values (pointers, ids, times) only");
  if (when < now_) Fatal("Engine::ScheduleAt: event scheduled in the past");
  const uint32_t slot = AcquireSlot();
  Slot& s = slots_[slot];
  s.invoke = &InvokeAs<Fn>;
  ::new (static_cast<void*>(s.storage)) Fn(std::forward<F>(fn));
  Push(when.nanos(), TakeSequence(), slot);
  return EventId{slot, state_[slot].generation};
}

// Inline: every ScheduleAt pushes, and a new event usually settles near the bottom.
inline void Engine::Push(int64_t time, uint64_t sequence, uint32_t slot) {
  const Entry e{time, (sequence << kSlotBits) | slot};
  // time >= now, so the unsigned difference is exact even across zero.
  const uint64_t ahead = static_cast<uint64_t>(time) - static_cast<uint64_t>(now_.nanos());
  const int h = ahead > uint64_t{kFarNanos} ? 1 : 0;
  heap_[h].push_back(e);
  SiftUp(h, NodeCount(h) - 1, e);
}

inline void Engine::SiftUp(int h, uint32_t pos, Entry e) {
  Entry* const node = Nodes(h);
  const uint32_t tag = h == 0 ? 0 : kFarBit;
  while (pos > 0) {
    const uint32_t parent = (pos - 1) / 4;
    if (!Less(e, node[parent])) break;
    node[pos] = node[parent];
    state_[node[pos].order & kSlotMask].pos = tag | pos;
    pos = parent;
  }
  node[pos] = e;
  state_[e.order & kSlotMask].pos = tag | pos;
}

}  // namespace crankback::sim
