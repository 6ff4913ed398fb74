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

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  if (n == 0) return 0;
  return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

SummaryReporter::SummaryReporter(std::vector<std::string> counters)
    : ConsoleReporter(OO_Tabular), counters_(std::move(counters)) {}

void SummaryReporter::ReportRuns(const std::vector<Run>& reports) {
  for (const Run& run : reports) Record(run);
  ConsoleReporter::ReportRuns(reports);
}

void SummaryReporter::Finalize() {
  std::vector<Case> complete;
  for (const Case& c : cases_) {
    if (!c.values.empty()) complete.push_back(c);
  }
  Summarize(GetOutputStream(), complete);
  GetOutputStream().flush();
}

// Iteration runs give one value per repetition; with
// --benchmark_report_aggregates_only only the "median" aggregate comes.
void SummaryReporter::Record(const Run& run) {
  if (run.error_occurred) return;
  const bool median = run.run_type == Run::RT_Aggregate && run.aggregate_name == "median";
  if (run.run_type != Run::RT_Iteration && !median) return;
  const std::string name = run.run_name.str();
  auto c =
      std::find_if(cases_.begin(), cases_.end(), [&](const Case& k) { return k.name == name; });
  if (c == cases_.end()) c = cases_.insert(cases_.end(), Case{name, {}});
  if (median && !c->values.empty()) return;  // the repetitions were recorded
  for (const std::string& counter : counters_) {
    const auto it = run.counters.find(counter);
    if (it != run.counters.end()) c->values[counter].push_back(it->second.value);
  }
}

int RunWithSummary(int argc, char** argv, SummaryReporter& reporter) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}

namespace {

// The engine/reference summary: one line per case.
class RatioReporter : public SummaryReporter {
 public:
  explicit RatioReporter(double goal)
      : SummaryReporter({"engine_ev_s", "reference_ev_s", "ratio"}), goal_(goal) {}

 protected:
  void Summarize(std::ostream& out, const std::vector<Case>& cases) override {
    char line[256];
    std::snprintf(line, sizeof line, "\n%-28s %14s %14s %7s  %s\n", "case (median)", "engine ev/s",
                  "reference ev/s", "ratio", "goal");
    out << line;
    for (const Case& c : cases) {
      const auto ratios = c.values.find("ratio");
      if (ratios == c.values.end()) continue;
      const double ratio = Median(ratios->second);
      std::snprintf(line, sizeof line, "%-28s %13.2fM %13.2fM %7.3f  >= %.2f %s\n", c.name.c_str(),
                    Median(c.values.at("engine_ev_s")) / 1e6,
                    Median(c.values.at("reference_ev_s")) / 1e6, ratio, goal_,
                    ratio >= goal_ ? "met" : "MISSED");
      out << line;
    }
  }

 private:
  double goal_;
};

}  // namespace

int RunWithRatios(int argc, char** argv, double goal, bool same_trajectory) {
  if (!same_trajectory) {
    std::fprintf(stderr, "%s: engine and reference diverge; the comparison is void\n", argv[0]);
    return 1;
  }
  RatioReporter reporter(goal);
  return RunWithSummary(argc, argv, reporter);
}

}  // namespace crankback::bench
