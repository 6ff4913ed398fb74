// The discrete-event engine: a virtual clock and a queue of pending events.
//
//   Engine engine;
//   EventId id = engine.ScheduleIn(Duration::Millis(500), [this] { OnTimerA(); });
//   engine.Cancel(id);  engine.Run();
//
// Events run in (time, scheduling order): two events at the same instant run in
// the order they were scheduled, so a run is deterministic. The queue is a 4-ary
// min-heap of 16-byte entries with indexed removal, so Cancel() takes the entry
// out at once (SIP timers are mostly cancelled; leaving them queued costs time
// and memory). An event's callable lives inline in a pooled slot: no heap
// allocation per event once the pool has grown, and no std::function.
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

  size_t pending() const { return heap_.size() - kHeapPad; }
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

  template <class F>
  static void InvokeAs(void* storage) {
    (*std::launder(reinterpret_cast<F*>(storage)))();
  }

  Entry* Nodes() { return heap_.data() + kHeapPad; }
  uint32_t NodeCount() const { return static_cast<uint32_t>(heap_.size() - kHeapPad); }
  uint32_t AcquireSlot() {
    if (free_slots_.empty()) return NewSlot();
    const uint32_t slot = free_slots_.back();
    free_slots_.pop_back();
    return slot;
  }
  uint32_t NewSlot();
  void Push(int64_t time, uint32_t slot);
  void RemoveAt(uint32_t pos);
  template <bool kPrefetch>
  uint32_t SinkHole(uint32_t pos, uint32_t n);
  void SiftUp(uint32_t pos, Entry e);
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
  std::vector<Entry, LineAllocator<Entry>> heap_;  // kHeapPad unused entries, then the nodes
  std::vector<Slot> slots_;
  // Per slot, together so that Cancel() finds both on one line.
  struct SlotState {
    uint32_t pos;         // node index, or kNotQueued
    uint32_t generation;  // bumped when the slot is released
  };
  std::vector<SlotState> state_;
  std::vector<uint32_t> free_slots_;
};

// Aborts with a message: a broken invariant of the simulator, never bad input.
[[noreturn]] void Fatal(const char* what);

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
  Push(when.nanos(), slot);
  return EventId{slot, state_[slot].generation};
}

// Inline: every ScheduleAt pushes, and a new event usually settles near the bottom.
inline void Engine::Push(int64_t time, uint32_t slot) {
  if (next_sequence_ > kMaxSequence) Fatal("Engine: event sequence numbers exhausted");
  const Entry e{time, (next_sequence_++ << kSlotBits) | slot};
  heap_.push_back(e);
  SiftUp(NodeCount() - 1, e);
}

inline void Engine::SiftUp(uint32_t pos, Entry e) {
  Entry* const node = Nodes();
  while (pos > 0) {
    const uint32_t parent = (pos - 1) / 4;
    if (!Less(e, node[parent])) break;
    node[pos] = node[parent];
    state_[node[pos].order & kSlotMask].pos = pos;
    pos = parent;
  }
  node[pos] = e;
  state_[e.order & kSlotMask].pos = pos;
}

}  // namespace crankback::sim
