#include "bench/paired.h"

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace crankback::bench {

double ThreadCpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

void ReportPaired(benchmark::State& state, int64_t chunk, const ChunkCost& engine,
                  const ChunkCost& reference, double engine_pending, double reference_pending,
                  int64_t engine_bytes, int64_t reference_bytes) {
  const double events = static_cast<double>(state.iterations() * chunk);
  constexpr double kMiB = 1 << 20;
  state.counters["engine_ev_s"] = events / engine.seconds;
  state.counters["reference_ev_s"] = events / reference.seconds;
  state.counters["ratio"] = reference.seconds / engine.seconds;
  state.counters["pending"] = engine_pending;
  state.counters["engine_MiB"] = static_cast<double>(engine_bytes) / kMiB;
  state.counters["reference_MiB"] = static_cast<double>(reference_bytes) / kMiB;
  state.counters["engine_B_pending"] = static_cast<double>(engine_bytes) / engine_pending;
  state.counters["reference_B_pending"] = static_cast<double>(reference_bytes) / reference_pending;
  state.counters["engine_allocs_ev"] = static_cast<double>(engine.allocations) / events;
}

namespace {

const char* const kSummarized[] = {"engine_ev_s", "reference_ev_s", "ratio"};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// The console table, then one summary line per case.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  explicit RatioReporter(double goal) : ConsoleReporter(OO_Tabular), goal_(goal) {}

  void ReportRuns(const std::vector<Run>& reports) override {
    for (const Run& run : reports) Record(run);
    ConsoleReporter::ReportRuns(reports);
  }

  void Finalize() override {
    std::ostream& out = GetOutputStream();
    char line[256];
    std::snprintf(line, sizeof line, "\n%-28s %14s %14s %7s  %s\n", "case (median)", "engine ev/s",
                  "reference ev/s", "ratio", "goal");
    out << line;
    for (const std::string& name : order_) {
      std::map<std::string, std::vector<double>>& values = cases_[name];
      if (values["ratio"].empty()) continue;
      const double ratio = Median(values["ratio"]);
      std::snprintf(line, sizeof line, "%-28s %13.2fM %13.2fM %7.3f  >= %.2f %s\n", name.c_str(),
                    Median(values["engine_ev_s"]) / 1e6, Median(values["reference_ev_s"]) / 1e6,
                    ratio, goal_, ratio >= goal_ ? "met" : "MISSED");
      out << line;
    }
    out.flush();
  }

 private:
  // Iteration runs give one value per repetition; with
  // --benchmark_report_aggregates_only only the "median" aggregate comes.
  void Record(const Run& run) {
    if (run.error_occurred) return;
    const bool median = run.run_type == Run::RT_Aggregate && run.aggregate_name == "median";
    if (run.run_type != Run::RT_Iteration && !median) return;
    const std::string name = run.run_name.str();
    if (cases_.find(name) == cases_.end()) order_.push_back(name);
    std::map<std::string, std::vector<double>>& values = cases_[name];
    if (median && !values["ratio"].empty()) return;  // the repetitions were recorded
    for (const char* counter : kSummarized) {
      const auto it = run.counters.find(counter);
      if (it != run.counters.end()) values[counter].push_back(it->second.value);
    }
  }

  double goal_;
  std::vector<std::string> order_;
  std::map<std::string, std::map<std::string, std::vector<double>>> cases_;
};

}  // namespace

int RunWithRatios(int argc, char** argv, double goal, bool same_trajectory) {
  if (!same_trajectory) {
    std::fprintf(stderr, "%s: engine and reference diverge; the comparison is void\n", argv[0]);
    return 1;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  RatioReporter reporter(goal);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}

}  // namespace crankback::bench
