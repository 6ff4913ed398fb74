// SIP transaction timers on crankback::sim::Engine against an indexed 4-ary heap
// in the same binary.
//
// Transactions arrive as a Poisson process. Each arms Timer A (T1 = 0.5 s) and
// Timer B (64*T1 = 32 s). 99% get a response after Exp(mean 50 ms), which
// cancels both; the other 1% retransmit, re-arming Timer A with a doubling
// interval (0.5, 1, 2, 4, ... s) until Timer B fires at 32 s and cancels it.
// The arrival rate keeps about 100,000 timers pending. The model code is the
// same for both variants; only the queue differs:
//  - engine:    ScheduleIn with a lambda capturing {model pointer, transaction},
//               Cancel(EventId) (engine_queue.h);
//  - reference: a 4-ary heap of plain {time, seq, id} structs with a position
//               index per id and a free list of ids; an event is an enum and a
//               transaction number, dispatched with a switch (no type erasure).
// Events counted: arrivals, responses and timer firings (cancels are work, not events).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "bench/engine_queue.h"
#include "bench/paired.h"
#include "sim/distribution.h"
#include "sim/engine.h"
#include "sim/rng.h"
#include "sim/time.h"

namespace crankback::bench {
namespace {

using sim::Duration;
using sim::SimTime;

constexpr Duration kT1 = Duration::Millis(500);
constexpr Duration kTimerBDelay = 64 * kT1;
constexpr double kMeanResponseSeconds = 0.050;
constexpr double kFailureProbability = 0.01;
constexpr double kTargetPendingTimers = 100'000;
// Seconds of pending timer per transaction: two timers for as long as the
// transaction lives (50 ms on average, or 32 s for the 1% that time out).
constexpr double kTimerSecondsPerTransaction =
    2 * ((1 - kFailureProbability) * kMeanResponseSeconds +
         kFailureProbability * static_cast<double>(kTimerBDelay.nanos()) * 1e-9);
// Little's law: pending = rate * time pending.
constexpr double kArrivalsPerSecond = kTargetPendingTimers / kTimerSecondsPerTransaction;
constexpr Duration kWarmUp = Duration::Seconds(40);    // longer than a transaction lives
constexpr int64_t kEventsPerChunk = int64_t{1} << 18;  // per variant and iteration

enum class SipEvent : uint8_t { kArrival, kResponse, kTimerA, kTimerB };

// The reference: an indexed 4-ary min-heap ordered by (time, seq); an id names
// a record {kind, transaction} and its position in the heap.
template <class Model>
class ReferenceQueue {
 public:
  using Handle = uint32_t;
  explicit ReferenceQueue(Model* model) : model_(model) {}

  template <SipEvent kKind>
  Handle Schedule(Duration delay, uint32_t txn) {
    uint32_t id;
    if (!free_ids_.empty()) {
      id = free_ids_.back();
      free_ids_.pop_back();
    } else {
      id = static_cast<uint32_t>(records_.size());
      records_.emplace_back();
      pos_.push_back(0);
    }
    records_[id] = Record{kKind, txn};
    heap_.push_back({});
    SiftUp(static_cast<uint32_t>(heap_.size() - 1), Entry{now_ + delay.nanos(), next_seq_++, id});
    return id;
  }
  void Cancel(Handle id) {
    RemoveAt(pos_[id]);
    free_ids_.push_back(id);
  }
  void Step() {
    if (heap_.empty()) return;
    const Entry top = heap_[0];
    RemoveAt(0);
    now_ = top.time;
    const Record r = records_[top.id];
    free_ids_.push_back(top.id);
    switch (r.kind) {
      case SipEvent::kArrival:
        return model_->template On<SipEvent::kArrival>(r.txn);
      case SipEvent::kResponse:
        return model_->template On<SipEvent::kResponse>(r.txn);
      case SipEvent::kTimerA:
        return model_->template On<SipEvent::kTimerA>(r.txn);
      case SipEvent::kTimerB:
        return model_->template On<SipEvent::kTimerB>(r.txn);
    }
  }
  SimTime Now() const { return SimTime::FromNanos(now_); }
  size_t pending() const { return heap_.size(); }

 private:
  struct Entry {
    int64_t time;
    uint64_t seq;
    uint32_t id;
  };
  struct Record {
    SipEvent kind;
    uint32_t txn;
  };
  static bool Less(const Entry& a, const Entry& b) {
    return a.time < b.time || (a.time == b.time && a.seq < b.seq);
  }
  void SiftUp(uint32_t pos, const Entry& e) {
    while (pos > 0) {
      const uint32_t parent = (pos - 1) / 4;
      if (!Less(e, heap_[parent])) break;
      heap_[pos] = heap_[parent];
      pos_[heap_[pos].id] = pos;
      pos = parent;
    }
    heap_[pos] = e;
    pos_[e.id] = pos;
  }
  void SiftDown(uint32_t pos, const Entry& e) {
    const uint32_t n = static_cast<uint32_t>(heap_.size());
    for (;;) {
      const uint32_t first = 4 * pos + 1;
      if (first >= n) break;
      const uint32_t end = first + 4 < n ? first + 4 : n;
      uint32_t best = first;
      for (uint32_t c = first + 1; c < end; ++c) {
        if (Less(heap_[c], heap_[best])) best = c;
      }
      if (!Less(heap_[best], e)) break;
      heap_[pos] = heap_[best];
      pos_[heap_[pos].id] = pos;
      pos = best;
    }
    heap_[pos] = e;
    pos_[e.id] = pos;
  }
  void RemoveAt(uint32_t pos) {
    const Entry last = heap_.back();
    heap_.pop_back();
    if (pos == heap_.size()) return;
    if (pos > 0 && Less(last, heap_[(pos - 1) / 4])) {
      SiftUp(pos, last);
    } else {
      SiftDown(pos, last);
    }
  }

  Model* model_;
  int64_t now_ = 0;
  uint64_t next_seq_ = 0;
  std::vector<Entry> heap_;
  std::vector<uint32_t> pos_;  // per id: index in heap_
  std::vector<Record> records_;
  std::vector<uint32_t> free_ids_;
};

template <template <class> class QueueT>
class SipTimers {
 public:
  using Queue = QueueT<SipTimers>;
  using Handle = typename Queue::Handle;

  SipTimers() {
    queue_.template Schedule<SipEvent::kArrival>(interarrival_.SampleDuration(rng_), 0);
  }
  SipTimers(const SipTimers&) = delete;
  SipTimers& operator=(const SipTimers&) = delete;

  template <SipEvent kKind>
  void On(uint32_t txn) {
    if constexpr (kKind == SipEvent::kArrival) OnArrival();
    if constexpr (kKind == SipEvent::kResponse) OnResponse(txn);
    if constexpr (kKind == SipEvent::kTimerA) OnTimerA(txn);
    if constexpr (kKind == SipEvent::kTimerB) OnTimerB(txn);
  }

  void Run(int64_t events) {
    for (int64_t i = 0; i < events; ++i) queue_.Step();
  }
  void RunFor(Duration d) {
    const SimTime end = queue_.Now() + d;
    while (queue_.Now() < end) queue_.Step();
  }

  SimTime Now() const { return queue_.Now(); }
  size_t pending() const { return queue_.pending(); }
  int64_t pending_timers() const { return pending_timers_; }
  uint64_t Checksum() const {
    return sim::Mix64(completed_ ^ sim::Mix64(timed_out_ ^ sim::Mix64(retransmissions_))) ^
           static_cast<uint64_t>(pending_timers_);
  }

 private:
  struct Transaction {
    Handle timer_a{};
    Handle timer_b{};
    Handle response{};
    Duration a_interval;
    bool responds = false;
  };

  void OnArrival() {
    queue_.template Schedule<SipEvent::kArrival>(interarrival_.SampleDuration(rng_), 0);
    uint32_t txn;
    if (!free_txns_.empty()) {
      txn = free_txns_.back();
      free_txns_.pop_back();
    } else {
      txn = static_cast<uint32_t>(txns_.size());
      txns_.emplace_back();
    }
    Transaction& t = txns_[txn];
    t.a_interval = kT1;
    t.timer_a = queue_.template Schedule<SipEvent::kTimerA>(kT1, txn);
    t.timer_b = queue_.template Schedule<SipEvent::kTimerB>(kTimerBDelay, txn);
    pending_timers_ += 2;
    t.responds = !rng_.NextBernoulli(kFailureProbability);
    if (t.responds) {
      t.response =
          queue_.template Schedule<SipEvent::kResponse>(response_.SampleDuration(rng_), txn);
    }
  }
  void OnResponse(uint32_t txn) {
    Transaction& t = txns_[txn];
    queue_.Cancel(t.timer_a);
    queue_.Cancel(t.timer_b);
    pending_timers_ -= 2;
    ++completed_;
    free_txns_.push_back(txn);
  }
  void OnTimerA(uint32_t txn) {  // retransmit; the timer re-arms at once
    Transaction& t = txns_[txn];
    ++retransmissions_;
    t.a_interval = 2 * t.a_interval;
    t.timer_a = queue_.template Schedule<SipEvent::kTimerA>(t.a_interval, txn);
  }
  void OnTimerB(uint32_t txn) {
    Transaction& t = txns_[txn];
    queue_.Cancel(t.timer_a);
    if (t.responds) queue_.Cancel(t.response);  // a response later than 32 s: P = e^-640
    pending_timers_ -= 2;
    ++timed_out_;
    free_txns_.push_back(txn);
  }

  sim::RngStream rng_{sim::RngFactory(1, 0).Key("sip_timers", "draws")};
  sim::Distribution interarrival_ = sim::Distribution::Exponential(1 / kArrivalsPerSecond);
  sim::Distribution response_ = sim::Distribution::Exponential(kMeanResponseSeconds);
  std::vector<Transaction> txns_;
  std::vector<uint32_t> free_txns_;
  int64_t pending_timers_ = 0;
  uint64_t completed_ = 0;
  uint64_t timed_out_ = 0;
  uint64_t retransmissions_ = 0;
  Queue queue_{this};
};

using SipPair = Paired<SipTimers<EngineQueue>, SipTimers<ReferenceQueue>>;

template <template <class> class QueueT>
std::unique_ptr<SipTimers<QueueT>> WarmSipTimers() {
  auto model = std::make_unique<SipTimers<QueueT>>();
  model->RunFor(kWarmUp);
  return model;
}

void BM_SipTimers(benchmark::State& state) {
  static SipPair p;
  if (!p.engine) {
    p.engine = BuildMeasured<SipTimers<EngineQueue>>(WarmSipTimers<EngineQueue>, p.engine_bytes);
    p.reference =
        BuildMeasured<SipTimers<ReferenceQueue>>(WarmSipTimers<ReferenceQueue>, p.reference_bytes);
  }
  RunPaired(state, p, kEventsPerChunk);
  state.counters["pending_timers"] = static_cast<double>(p.engine->pending_timers());
}

}  // namespace
}  // namespace crankback::bench

int main(int argc, char** argv) {
  using namespace crankback::bench;
  benchmark::AddCustomContext("arrivals_per_s", std::to_string(kArrivalsPerSecond));
  benchmark::RegisterBenchmark("sip_timers", BM_SipTimers)->Unit(benchmark::kMillisecond);
  const bool same = SameTrajectory(SipTimers<EngineQueue>(), SipTimers<ReferenceQueue>(),
                                   [](auto& model) { model.RunFor(kWarmUp); });
  return RunWithRatios(argc, argv, 0.7, same);
}
