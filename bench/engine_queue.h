// The engine side of a paired benchmark: a benchmark model schedules through
// this queue, and each event becomes a lambda on crankback::sim::Engine.
//
//   EngineQueue<Model> queue(&model);   // the model calls:
//   EventId id = queue.Schedule<Kind::kTimerA>(delay, txn);  // later model.On<Kind::kTimerA>(txn)
//
// A reference queue offers the same calls over a plain heap, so one model
// template runs unchanged on both (paired.h).
#pragma once

#include <cstddef>
#include <cstdint>

#include "sim/engine.h"
#include "sim/time.h"

namespace crankback::bench {

template <class Model>
class EngineQueue {
 public:
  using Handle = sim::EventId;

  explicit EngineQueue(Model* model) : model_(model) {}

  // Runs model->On<kKind>(index) after `delay`; the lambda captures a pointer and an index.
  template <auto kKind>
  Handle Schedule(sim::Duration delay, uint32_t index) {
    Model* model = model_;
    return engine_.ScheduleIn(delay, [model, index] { model->template On<kKind>(index); });
  }
  void Cancel(Handle h) { engine_.Cancel(h); }
  void Step() { engine_.Step(); }
  sim::SimTime Now() const { return engine_.Now(); }
  size_t pending() const { return engine_.pending(); }

 private:
  Model* model_;
  sim::Engine engine_;
};

}  // namespace crankback::bench
