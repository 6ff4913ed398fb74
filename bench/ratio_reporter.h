// Runs a benchmark binary's benchmarks and prints, after the usual table, the
// ratio of one counter between two variants of each case (engine / reference).
//
//   RegisterBenchmark("phold/engine", ...)->Arg(10);  RegisterBenchmark("phold/reference", ...)->Arg(10);
//   return RunWithRatios(argc, argv, {"events_per_s", "engine", "reference", 0.8});
//
// Benchmarks are named "<family>/<variant>"; runs whose names differ only in the
// variant form one case. With --benchmark_repetitions the median of the
// repetitions is used. The goal is printed as met or missed, never enforced:
// speed is reported, not tested.
#pragma once

#include <string>

namespace crankback::bench {

struct RatioSpec {
  std::string counter;      // a user counter every benchmark reports
  std::string numerator;    // variant name, e.g. "engine"
  std::string denominator;  // variant name, e.g. "reference"
  double goal = 0;          // numerator / denominator should be at least this
};

// Initializes Google Benchmark from the command line, runs the registered
// benchmarks with a console reporter and prints the ratio table. Returns the
// process exit code (0 unless the command line was bad).
int RunWithRatios(int argc, char** argv, const RatioSpec& spec);

}  // namespace crankback::bench
