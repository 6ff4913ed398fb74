#include "bench/ratio_reporter.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <ostream>
#include <vector>

namespace crankback::bench {
namespace {

// The figures of one case: values of the counter per variant.
struct CaseValues {
  std::map<std::string, std::vector<double>> runs;  // per variant, one per repetition
  std::map<std::string, double> median;             // per variant, the "median" aggregate
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::string HumanRate(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3gM", x / 1e6);
  return buf;
}

class RatioReporter : public benchmark::ConsoleReporter {
 public:
  explicit RatioReporter(const RatioSpec& spec) : ConsoleReporter(OO_Tabular), spec_(spec) {}

  void ReportRuns(const std::vector<Run>& reports) override {
    for (const Run& run : reports) Record(run);
    ConsoleReporter::ReportRuns(reports);
  }

  void Finalize() override {
    std::ostream& out = GetOutputStream();
    out << "\nratio " << spec_.numerator << " / " << spec_.denominator << " of " << spec_.counter
        << " (median over repetitions), goal >= " << spec_.goal << ":\n";
    char line[256];
    std::snprintf(line, sizeof line, "%-32s %12s %12s %8s  %s\n", "case", spec_.numerator.c_str(),
                  spec_.denominator.c_str(), "ratio", "goal");
    out << line;
    for (const auto& [key, values] : cases_) {
      const double num = Value(values, spec_.numerator);
      const double den = Value(values, spec_.denominator);
      if (num <= 0 || den <= 0) {
        std::snprintf(line, sizeof line, "%-32s (needs both variants)\n", key.c_str());
      } else {
        const double ratio = num / den;
        std::snprintf(line, sizeof line, "%-32s %12s %12s %8.3f  %s\n", key.c_str(),
                      HumanRate(num).c_str(), HumanRate(den).c_str(), ratio,
                      ratio >= spec_.goal ? "met" : "MISSED");
      }
      out << line;
    }
    out.flush();
  }

 private:
  // "phold/engine" with args "population:10" -> case "phold/population:10", variant "engine".
  void Record(const Run& run) {
    if (run.error_occurred) return;
    const auto counter = run.counters.find(spec_.counter);
    if (counter == run.counters.end()) return;
    const std::string& name = run.run_name.function_name;
    const size_t slash = name.rfind('/');
    if (slash == std::string::npos) return;
    const std::string variant = name.substr(slash + 1);
    std::string key = name.substr(0, slash);
    if (!run.run_name.args.empty()) key += "/" + run.run_name.args;
    CaseValues& values = cases_[key];
    if (run.run_type == Run::RT_Iteration) {
      values.runs[variant].push_back(counter->second.value);
    } else if (run.aggregate_name == "median") {
      values.median[variant] = counter->second.value;
    }
  }

  static double Value(const CaseValues& values, const std::string& variant) {
    if (const auto it = values.runs.find(variant); it != values.runs.end()) {
      return Median(it->second);
    }
    if (const auto it = values.median.find(variant); it != values.median.end()) return it->second;
    return 0;
  }

  RatioSpec spec_;
  std::map<std::string, CaseValues> cases_;
};

}  // namespace

int RunWithRatios(int argc, char** argv, const RatioSpec& spec) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  RatioReporter reporter(spec);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}

}  // namespace crankback::bench
