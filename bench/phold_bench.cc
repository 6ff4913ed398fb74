// PHOLD on crankback::sim::Engine against a bare 4-ary heap in the same binary.
//
// 1000 logical processes; each event picks a uniformly random target process and
// schedules one new event there at now + 100 ms + Exp(mean 1 s). The population
// of 1, 10 or 100 events per process stays constant (1k, 10k, 100k pending).
// The model code is the same for both variants; only the queue differs:
//  - engine:    Engine::ScheduleIn with a lambda capturing {model pointer, target}
//               (engine_queue.h), Step();
//  - reference: a 4-ary min-heap of plain {time, seq, target} structs, popped in a
//               loop that calls the model directly (no callables, no cancellation).
// Each population is one benchmark: both models are warmed up once, then every
// iteration runs 2^18 events on each in turn (paired.h); main() prints the ratio.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <vector>

#include "bench/engine_queue.h"
#include "bench/paired.h"
#include "bench/phold.h"
#include "sim/distribution.h"
#include "sim/engine.h"
#include "sim/rng.h"
#include "sim/time.h"

namespace crankback::bench {
namespace {

using sim::Duration;
using sim::SimTime;

constexpr int64_t kEventsPerChunk = int64_t{1} << 18;  // per variant and iteration

// The reference: a plain 4-ary min-heap ordered by (time, seq), no callbacks.
template <class Model>
class ReferenceQueue {
 public:
  explicit ReferenceQueue(Model* model) : model_(model) {}
  template <PholdEvent>  // one kind: every entry is an arrival at `target`
  void Schedule(Duration delay, uint32_t target) {
    Entry e{now_ + delay.nanos(), next_seq_++, target};
    size_t pos = heap_.size();
    heap_.push_back(e);
    while (pos > 0) {
      const size_t parent = (pos - 1) / 4;
      if (!Less(e, heap_[parent])) break;
      heap_[pos] = heap_[parent];
      pos = parent;
    }
    heap_[pos] = e;
  }
  void Step() {
    if (heap_.empty()) return;
    const Entry top = heap_[0];
    const Entry last = heap_.back();
    heap_.pop_back();
    const size_t n = heap_.size();
    if (n > 0) {
      size_t pos = 0;
      for (;;) {
        const size_t first = 4 * pos + 1;
        if (first >= n) break;
        const size_t end = first + 4 < n ? first + 4 : n;
        size_t best = first;
        for (size_t c = first + 1; c < end; ++c) {
          if (Less(heap_[c], heap_[best])) best = c;
        }
        if (!Less(heap_[best], last)) break;
        heap_[pos] = heap_[best];
        pos = best;
      }
      heap_[pos] = last;
    }
    now_ = top.time;
    model_->template On<PholdEvent::kArrive>(top.target);
  }
  SimTime Now() const { return SimTime::FromNanos(now_); }
  size_t pending() const { return heap_.size(); }

 private:
  struct Entry {
    int64_t time;
    uint64_t seq;
    uint32_t target;
  };
  static bool Less(const Entry& a, const Entry& b) {
    return a.time < b.time || (a.time == b.time && a.seq < b.seq);
  }

  Model* model_;
  int64_t now_ = 0;
  uint64_t next_seq_ = 0;
  std::vector<Entry> heap_;
};

using PholdPair = Paired<Phold<EngineQueue>, Phold<ReferenceQueue>>;

PholdPair& Warm(int population) {
  static std::map<int, PholdPair> cache;
  PholdPair& p = cache[population];
  if (!p.engine) {
    p.engine = BuildMeasured<Phold<EngineQueue>>([&] { return WarmPhold<EngineQueue>(population); },
                                                 p.engine_bytes);
    p.reference = BuildMeasured<Phold<ReferenceQueue>>(
        [&] { return WarmPhold<ReferenceQueue>(population); }, p.reference_bytes);
  }
  return p;
}

void BM_Phold(benchmark::State& state) {
  RunPaired(state, Warm(static_cast<int>(state.range(0))), kEventsPerChunk);
}

}  // namespace
}  // namespace crankback::bench

int main(int argc, char** argv) {
  using namespace crankback::bench;
  benchmark::RegisterBenchmark("phold", BM_Phold)
      ->ArgName("population")
      ->Arg(1)
      ->Arg(10)
      ->Arg(100)
      ->Unit(benchmark::kMillisecond);
  const bool same = SameTrajectory(Phold<EngineQueue>(10), Phold<ReferenceQueue>(10),
                                   [](auto& model) { model.Run(1'000'000); });
  return RunWithRatios(argc, argv, 0.8, same);
}
