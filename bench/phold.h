// PHOLD, the classic synthetic workload of discrete-event engines, written once
// over its queue so that phold_bench can run it on the engine and on a bare heap,
// and e2e_bench can use it on the engine as a yardstick of bare engine speed.
//
//   auto model = WarmPhold<EngineQueue>(/*population=*/100);   // 100k events pending
//   model->Run(1 << 18);
//
// 1000 logical processes; each event picks a uniformly random target process and
// schedules one new event there at now + 100 ms + Exp(mean 1 s). The population
// of events per process stays constant. A queue offers Schedule<kKind>(delay,
// index), Step(), Now() and pending() (engine_queue.h).
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "sim/distribution.h"
#include "sim/rng.h"
#include "sim/time.h"

namespace crankback::bench {

constexpr uint32_t kProcesses = 1000;
constexpr sim::Duration kLookahead = sim::Duration::Millis(100);
enum class PholdEvent : uint8_t { kArrive };  // PHOLD has one kind of event

template <template <class> class QueueT>
class Phold {
 public:
  explicit Phold(int population) {
    for (uint32_t lp = 0; lp < kProcesses; ++lp) {
      for (int i = 0; i < population; ++i) {
        queue_.template Schedule<PholdEvent::kArrive>(Delay(), lp);
      }
    }
  }
  Phold(const Phold&) = delete;
  Phold& operator=(const Phold&) = delete;

  template <PholdEvent>
  void On(uint32_t lp) {
    ++received_[lp];
    const uint32_t target = static_cast<uint32_t>(rng_.NextBelow(kProcesses));
    queue_.template Schedule<PholdEvent::kArrive>(Delay(), target);
  }
  void Run(int64_t events) {
    for (int64_t i = 0; i < events; ++i) queue_.Step();
  }

  sim::SimTime Now() const { return queue_.Now(); }
  size_t pending() const { return queue_.pending(); }
  uint64_t Checksum() const {
    uint64_t h = 0;
    for (uint64_t r : received_) h = sim::Mix64(h ^ r);
    return h;
  }

 private:
  sim::Duration Delay() { return kLookahead + hold_.SampleDuration(rng_); }

  sim::RngStream rng_{sim::RngFactory(1, 0).Key("phold", "draws")};
  sim::Distribution hold_ = sim::Distribution::Exponential(1.0);
  std::vector<uint64_t> received_ = std::vector<uint64_t>(kProcesses, 0);
  QueueT<Phold> queue_{this};
};

template <template <class> class QueueT>
std::unique_ptr<Phold<QueueT>> WarmPhold(int population) {
  auto model = std::make_unique<Phold<QueueT>>(population);
  // Every pending event is replaced at least 10 times: the heap reaches its steady shape.
  model->Run(std::max<int64_t>(int64_t{1} << 20, 10 * int64_t{kProcesses} * population));
  return model;
}

}  // namespace crankback::bench
