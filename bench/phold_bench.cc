// PHOLD on crankback::sim::Engine against a bare 4-ary heap in the same binary.
//
// 1000 logical processes; each event picks a uniformly random target process and
// schedules one new event there at now + 100 ms + Exp(mean 1 s). The population
// of 1, 10 or 100 events per process stays constant (1k, 10k, 100k pending).
// The model code is the same for both variants; only the queue differs:
//  - engine:    Engine::ScheduleIn with a lambda capturing {model pointer, target}, Step();
//  - reference: a 4-ary min-heap of plain {time, seq, target} structs, popped in a
//               loop that calls the model directly (no callables, no cancellation).
// Each benchmark warms its model up once, then runs a fixed number of events per
// iteration and reports events/s; main() prints engine / reference per population.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <vector>

#include "bench/heap_counter.h"
#include "bench/ratio_reporter.h"
#include "sim/distribution.h"
#include "sim/engine.h"
#include "sim/rng.h"
#include "sim/time.h"

namespace crankback::bench {
namespace {

using sim::Duration;
using sim::SimTime;

constexpr uint32_t kProcesses = 1000;
constexpr Duration kLookahead = Duration::Millis(100);
constexpr int64_t kEventsPerIteration = int64_t{1} << 20;

// The queue under test: the engine, each event a lambda.
template <class Model>
class EngineQueue {
 public:
  explicit EngineQueue(Model* model) : model_(model) {}
  void Schedule(Duration delay, uint32_t target) {
    Model* model = model_;
    engine_.ScheduleIn(delay, [model, target] { model->OnEvent(target); });
  }
  void Step() { engine_.Step(); }
  SimTime Now() const { return engine_.Now(); }
  size_t pending() const { return engine_.pending(); }

 private:
  Model* model_;
  sim::Engine engine_;
};

// The reference: a plain 4-ary min-heap ordered by (time, seq), no callbacks.
template <class Model>
class ReferenceQueue {
 public:
  explicit ReferenceQueue(Model* model) : model_(model) {}
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
    model_->OnEvent(top.target);
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

template <template <class> class QueueT>
class Phold {
 public:
  explicit Phold(int population) {
    for (uint32_t lp = 0; lp < kProcesses; ++lp) {
      for (int i = 0; i < population; ++i) queue_.Schedule(Delay(), lp);
    }
  }
  Phold(const Phold&) = delete;
  Phold& operator=(const Phold&) = delete;

  void OnEvent(uint32_t lp) {
    ++received_[lp];
    const uint32_t target = static_cast<uint32_t>(rng_.NextBelow(kProcesses));
    queue_.Schedule(Delay(), target);
  }
  void Run(int64_t events) {
    for (int64_t i = 0; i < events; ++i) queue_.Step();
  }

  SimTime Now() const { return queue_.Now(); }
  size_t pending() const { return queue_.pending(); }
  uint64_t Checksum() const {
    uint64_t h = 0;
    for (uint64_t r : received_) h = sim::Mix64(h ^ r);
    return h;
  }

 private:
  Duration Delay() { return kLookahead + hold_.SampleDuration(rng_); }

  sim::RngStream rng_{sim::RngFactory(1, 0).Key("phold", "draws")};
  sim::Distribution hold_ = sim::Distribution::Exponential(1.0);
  std::vector<uint64_t> received_ = std::vector<uint64_t>(kProcesses, 0);
  QueueT<Phold> queue_{this};
};

// A model warmed up to steady state, kept across the calls Google Benchmark
// makes while it picks an iteration count.
template <template <class> class QueueT>
struct Warmed {
  std::unique_ptr<Phold<QueueT>> model;
  int64_t heap_bytes = 0;  // what the model holds once warm
};

template <template <class> class QueueT>
Warmed<QueueT>& WarmModel(int population) {
  static std::map<int, Warmed<QueueT>> cache;
  Warmed<QueueT>& w = cache[population];
  if (!w.model) {
    const HeapSnapshot before = HeapNow();
    w.model = std::make_unique<Phold<QueueT>>(population);
    // Every pending event is replaced ~10 times: the heap reaches its steady shape.
    w.model->Run(std::max<int64_t>(int64_t{1} << 20, 10 * int64_t{kProcesses} * population));
    w.heap_bytes = HeapNow().live_bytes - before.live_bytes;
  }
  return w;
}

template <template <class> class QueueT>
void BM_Phold(benchmark::State& state) {
  Warmed<QueueT>& w = WarmModel<QueueT>(static_cast<int>(state.range(0)));
  const HeapSnapshot before = HeapNow();
  for (auto _ : state) w.model->Run(kEventsPerIteration);
  const HeapSnapshot after = HeapNow();
  const double events = static_cast<double>(state.iterations() * kEventsPerIteration);
  state.counters["events_per_s"] = benchmark::Counter(events, benchmark::Counter::kIsRate);
  state.counters["pending"] = static_cast<double>(w.model->pending());
  state.counters["heap_MiB"] = static_cast<double>(w.heap_bytes) / (1 << 20);
  state.counters["B_per_pending"] =
      static_cast<double>(w.heap_bytes) / static_cast<double>(w.model->pending());
  state.counters["allocs_per_event"] =
      static_cast<double>(after.allocations - before.allocations) / events;
}

// Both variants must do the same work: same draws, same events, same order.
bool SameTrajectory() {
  Phold<EngineQueue> engine(10);
  Phold<ReferenceQueue> reference(10);
  engine.Run(1'000'000);
  reference.Run(1'000'000);
  return engine.Now() == reference.Now() && engine.Checksum() == reference.Checksum();
}

}  // namespace
}  // namespace crankback::bench

int main(int argc, char** argv) {
  using namespace crankback::bench;
  if (!SameTrajectory()) {
    std::fprintf(stderr, "phold_bench: engine and reference diverge; the comparison is void\n");
    return 1;
  }
  for (int population : {1, 10, 100}) {
    benchmark::RegisterBenchmark("phold/engine", BM_Phold<EngineQueue>)
        ->Arg(population)
        ->ArgName("population")
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("phold/reference", BM_Phold<ReferenceQueue>)
        ->Arg(population)
        ->ArgName("population")
        ->Unit(benchmark::kMillisecond);
  }
  return RunWithRatios(argc, argv, {"events_per_s", "engine", "reference", 0.8});
}
