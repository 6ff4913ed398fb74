// Measures the engine against a reference loop in the same binary: both run the
// same model, in alternating chunks, each timed by its own thread CPU time, so
// the load of other processes falls on both alike. main() prints their ratio.
//
//   Paired<EngineModel, ReferenceModel>& p = ...;  RunPaired(state, p, 1 << 18);  // a benchmark
//   return RunWithRatios(argc, argv, 0.8, SameTrajectory(...));                 // main()
//
// A model is anything with Run(int64_t events), pending(), Now() and Checksum().
// Each benchmark reports the counters engine_ev_s and reference_ev_s (events per
// CPU second of that variant), ratio (engine / reference), the heap each model
// held once warm (engine_MiB, reference_MiB, and bytes per pending event) and
// the heap allocations per event while the engine model ran.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "bench/heap_counter.h"

namespace crankback::bench {

// One case: the same model on the engine and on the reference queue, built and
// warmed up once and kept across the calls Google Benchmark makes.
template <class EngineModel, class ReferenceModel>
struct Paired {
  std::unique_ptr<EngineModel> engine;
  std::unique_ptr<ReferenceModel> reference;
  int64_t engine_bytes = 0;  // heap held once warm
  int64_t reference_bytes = 0;
};

// Calls `build` (which returns a warmed-up model) and records the heap it kept.
template <class Model, class Build>
std::unique_ptr<Model> BuildMeasured(Build&& build, int64_t& heap_bytes) {
  const HeapSnapshot before = HeapNow();
  std::unique_ptr<Model> model = std::forward<Build>(build)();
  heap_bytes = HeapNow().live_bytes - before.live_bytes;
  return model;
}

double ThreadCpuSeconds();

struct ChunkCost {
  double seconds = 0;
  uint64_t allocations = 0;
};

template <class Model>
void RunChunk(Model& model, int64_t events, ChunkCost& cost) {
  const HeapSnapshot heap = HeapNow();
  const double start = ThreadCpuSeconds();
  model.Run(events);
  cost.seconds += ThreadCpuSeconds() - start;
  cost.allocations += HeapNow().allocations - heap.allocations;
}

// Sets the counters of one case: every iteration runs `chunk` events on each model.
void ReportPaired(benchmark::State& state, int64_t chunk, const ChunkCost& engine,
                  const ChunkCost& reference, double engine_pending, double reference_pending,
                  int64_t engine_bytes, int64_t reference_bytes);

template <class EngineModel, class ReferenceModel>
void RunPaired(benchmark::State& state, Paired<EngineModel, ReferenceModel>& p, int64_t chunk) {
  ChunkCost engine;
  ChunkCost reference;
  for (auto _ : state) {
    RunChunk(*p.engine, chunk, engine);
    RunChunk(*p.reference, chunk, reference);
  }
  ReportPaired(state, chunk, engine, reference, static_cast<double>(p.engine->pending()),
               static_cast<double>(p.reference->pending()), p.engine_bytes, p.reference_bytes);
}

// Drives a fresh engine model and a fresh reference model the same way and
// tells whether they end in the same state (Now() and Checksum()): both
// variants must do the same work, or their ratio means nothing.
template <class EngineModel, class ReferenceModel, class Drive>
bool SameTrajectory(EngineModel&& engine, ReferenceModel&& reference, Drive drive) {
  drive(engine);
  drive(reference);
  return engine.Now() == reference.Now() && engine.Checksum() == reference.Checksum();
}

// A console reporter that also keeps, per case, the values of some counters:
// one per repetition, or only the median aggregate under
// --benchmark_report_aggregates_only. After the table it prints a summary of
// them (Summarize), typically their medians against a goal.
class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  using Values = std::map<std::string, std::vector<double>>;  // counter -> values
  struct Case {
    std::string name;
    Values values;
  };

  explicit SummaryReporter(std::vector<std::string> counters);
  void ReportRuns(const std::vector<Run>& reports) override;
  void Finalize() override;

 protected:
  // `cases` in the order they ran; a case whose counters never came is left out.
  virtual void Summarize(std::ostream& out, const std::vector<Case>& cases) = 0;

 private:
  void Record(const Run& run);

  std::vector<std::string> counters_;
  std::vector<Case> cases_;
};

double Median(std::vector<double> values);

// Initializes Google Benchmark from the command line and runs the registered
// benchmarks with `reporter`. Returns the exit code.
int RunWithSummary(int argc, char** argv, SummaryReporter& reporter);

// Unless the trajectories differ (exit code 1), runs the registered benchmarks
// (RunWithSummary), then prints per case the median (over repetitions) of
// engine_ev_s, reference_ev_s and ratio, and whether the ratio meets `goal`.
// The goal is reported, never enforced: speed is not a test. Returns the exit code.
int RunWithRatios(int argc, char** argv, double goal, bool same_trajectory);

}  // namespace crankback::bench
