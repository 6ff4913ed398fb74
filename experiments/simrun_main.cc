// simrun: runs one topology file and reports, per sweep point and cause-mapping
// policy, how the calls ended, with 95% confidence intervals over replications
// and paired differences against the baseline policy.
//
//   simrun topologies/default.pbtxt --replications 20 --jobs 2 --format json --out results/
//   simrun topologies/overload_sweep.pbtxt --set experiment.duration_s=600 --policy a --policy b
//   simrun topologies/default.pbtxt --trace calls.csv --pcap calls.pcap --trace-calls 5
//   simrun topologies/default.pbtxt --explain 17 --policy advance-on-5xx
//
// Exit status: 0 done, 2 bad input (nothing is written), 1 internal error.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

#include "experiments/explain.h"
#include "experiments/report.h"
#include "experiments/runner.h"
#include "experiments/trace_writer.h"
#include "topologies/loader.h"

namespace {

using namespace crankback;

// Runs replication 0 of the baseline policy again, recording the first
// `calls` calls, and writes the trace and the capture. Returns an exit status.
int WriteTraces(const topologies::Study& study, uint64_t baseline_hash, uint32_t calls,
                const std::string& trace_file, const std::string& pcap_file) {
  models::RunSpec spec = experiments::SpecFor(study.experiment, 0);
  spec.trace_calls = calls;
  const models::RunResult run = models::RunSimulation(study.scenario, study.policies[0], spec);
  if (run.metrics.trajectory_hash() != baseline_hash) {
    std::cerr << "simrun: internal error: the traced run differs from the baseline run\n";
    return 1;
  }
  const experiments::TraceLabels labels = experiments::LabelsFor(study.scenario);
  std::vector<std::pair<std::string, std::string>> files;
  if (!trace_file.empty()) {
    files.emplace_back(trace_file,
                       experiments::TraceFormatOf(trace_file) == experiments::TraceFormat::kCsv
                           ? experiments::FormatTraceCsv(run.trace, labels)
                           : experiments::FormatTraceJsonLines(run.trace, labels));
  }
  if (!pcap_file.empty()) files.emplace_back(pcap_file, experiments::FormatPcap(run.trace, labels));
  for (const auto& [path, content] : files) {
    if (std::string err = experiments::WriteFileAtomically(path, content); !err.empty()) {
      std::cerr << "simrun: " << err << "\n";
      return 1;
    }
  }
  return 0;
}

// Runs replication 0 of one policy again, recording call `call`, and prints its
// ladder and decisions. Returns an exit status.
int Explain(const topologies::Study& study, size_t policy, uint32_t call) {
  models::RunSpec spec = experiments::SpecFor(study.experiment, 0);
  spec.trace_first = spec.trace_calls = spec.explain_call = call;
  const models::RunResult run = models::RunSimulation(study.scenario, study.policies[policy], spec);
  for (const std::string& v : run.violations) {
    std::cerr << "simrun: internal error: policy \"" << study.policies[policy].name
              << "\", replication 0: " << v << "\n";
    return 1;
  }
  std::cout << "Policy \"" << study.policies[policy].name << "\", replication 0, seed "
            << study.experiment.seed << "\n\n"
            << experiments::FormatExplanation(study.scenario, study.policies[policy], run);
  return 0;
}

// A progress bar with the runs done and an estimate of the time left, redrawn
// on one terminal line. Reads the wall clock, never inside a simulation.
class Progress {
 public:
  void operator()(size_t done, size_t total) {
    const auto now = std::chrono::steady_clock::now();
    if (done < total && now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double left = done > 0 ? elapsed * static_cast<double>(total - done) / done : 0;
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(kWidth * done / std::max<size_t>(total, 1));
    std::fprintf(stderr, "\r[%s%s] %zu/%zu runs, %.0f s elapsed, ETA %.0f s ",
                 std::string(filled, '#').c_str(), std::string(kWidth - filled, '-').c_str(), done,
                 total, elapsed, left);
    if (done == total) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_ = {};
};

int Run(int argc, char** argv) {
  CLI::App app{
      "simrun: simulate a SIP carrier network described by a topology file (protobuf text or\n"
      "binary) and compare its cause-mapping policies on the same random calls."};
  std::string file, format = "table", out_dir;
  uint64_t seed = 0;
  int replications = 1;
  int jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  app.add_option("file", file,
                 "Topology file: protobuf text format or binary (crankback.pb.Simulation)")
      ->required();
  auto* seed_opt = app.add_option("--seed", seed, "Random seed; replaces experiment.seed");
  auto* reps_opt = app.add_option("--replications", replications,
                                  "Independent replications per sweep point and policy; replaces "
                                  "experiment.replications")
                       ->check(CLI::Range(1, 1000000));
  std::vector<std::string> sets;
  app.add_option("--set", sets,
                 "PATH=VALUE: set any field of the file before it is validated, e.g. "
                 "--set 'traffic[\"callers\"].calls_per_second=12' (repeatable)")
      ->allow_extra_args(false)
      ->check(CLI::Validator(
          [](std::string& s) -> std::string {
            const size_t eq = s.find('=');
            return eq == std::string::npos || eq == 0 ? "must be PATH=VALUE" : "";
          },
          "PATH=VALUE", "field assignment"));
  std::vector<std::string> policies;
  app.add_option("--policy", policies,
                 "Run only this policy (repeatable; the first is the baseline); replaces "
                 "experiment.policies. With --explain: the policy to explain the call under")
      ->allow_extra_args(false);
  app.add_option("--jobs", jobs,
                 "Threads running simulations in parallel (default: all cores; "
                 "results do not depend on it)")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  bool quiet = false;
  app.add_flag("--quiet", quiet, "No progress bar on standard error");
  app.add_option("--format", format,
                 "Report on standard output: table, json (crankback.pb.Report) or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->capture_default_str();
  app.add_option("--out", out_dir,
                 "Also write report.txt, report.json, report.csv and the resolved input.pbtxt to "
                 "this directory");
  bool cdr = false;
  auto* cdr_opt =
      app.add_flag("--cdr", cdr, "With --out: also write cdr.csv, one row per call of every run");
  std::string trace_file, pcap_file;
  uint32_t trace_calls = 20;
  app.add_option("--trace", trace_file,
                 "Write the messages of the first --trace-calls calls of replication 0 of the "
                 "baseline policy (first sweep point): CSV (FILE.csv) or JSON lines (FILE.jsonl, "
                 "FILE.json)")
      ->check(CLI::Validator(
          [](std::string& f) -> std::string {
            return experiments::TraceFormatOf(f) ? "" : "must end in .csv, .jsonl or .json";
          },
          "FILE.csv|FILE.jsonl", "trace format"));
  app.add_option("--pcap", pcap_file,
                 "Write the same messages as SIP over UDP/IPv4 in a pcap file (Wireshark, tshark)");
  auto* calls_opt =
      app.add_option("--trace-calls", trace_calls,
                     "Calls to trace for --trace and --pcap: the first K of each user agent")
          ->check(CLI::Range(1, 1000000))
          ->capture_default_str();
  uint32_t explain_call = 0;
  app.add_option("--explain", explain_call,
                 "Print call N's ladder of messages and the SBC decisions at each route, from "
                 "replication 0 of the first sweep point (the N-th call of each user agent), "
                 "instead of the report")
      ->check(CLI::Range(1u, 4'000'000'000u));
  try {
    app.parse(argc, argv);
    if (*calls_opt && trace_file.empty() && pcap_file.empty())
      throw CLI::ValidationError("--trace-calls", "needs --trace or --pcap");
    if (*cdr_opt && out_dir.empty()) throw CLI::ValidationError("--cdr", "needs --out");
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "simrun: " << e.what() << "\n";
    return 2;
  }

  topologies::Overrides overrides;
  if (*seed_opt) overrides.seed = seed;
  if (*reps_opt) overrides.replications = replications;
  for (const std::string& s : sets) {
    const size_t eq = s.find('=');
    overrides.sets.emplace_back(s.substr(0, eq), s.substr(eq + 1));
  }
  // With --explain, --policy names the one policy explained: the file's list stays.
  if (explain_call == 0) overrides.policies = policies;
  const auto loaded = topologies::LoadPlanFile(file, overrides);
  if (!loaded.ok()) {
    std::cerr << loaded.error().ToString() << "\n";
    return 2;
  }
  const topologies::Plan& plan = loaded.value();
  const topologies::Study& first = plan.points.front().study;
  if (explain_call != 0) {
    size_t explained_policy = 0;
    if (!policies.empty()) {
      while (explained_policy < first.policies.size() &&
             first.policies[explained_policy].name != policies.front())
        ++explained_policy;
      if (explained_policy == first.policies.size()) {
        std::cerr << "simrun: --policy: no policy \"" << policies.front() << "\" in " << file
                  << "\n";
        return 2;
      }
    }
    return Explain(first, explained_policy, explain_call);
  }
  experiments::RunOptions options;
  options.jobs = jobs;
  options.cdr = cdr;
  Progress progress;
  if (!quiet && isatty(STDERR_FILENO)) {
    options.progress = [&progress](size_t done, size_t total) { progress(done, total); };
  }
  const experiments::RunTable runs = experiments::RunPlan(plan, options);
  for (size_t p = 0; p < runs.size(); ++p) {
    for (size_t q = 0; q < runs[p].size(); ++q) {
      for (size_t r = 0; r < runs[p][q].size(); ++r) {
        for (const std::string& v : runs[p][q][r].violations) {
          std::cerr << "simrun: internal error: point " << p << ", policy \""
                    << plan.points[p].study.policies[q].name << "\", replication " << r << ": " << v
                    << "\n";
          return 1;
        }
      }
    }
  }
  const topologies::ReportData report = experiments::Summarize(plan, runs, file);
  const std::string table = experiments::FormatTable(report);
  const std::string json = topologies::ReportToJson(report);
  const std::string csv = experiments::FormatCsv(report);
  if (!out_dir.empty()) {
    const std::filesystem::path dir(out_dir);
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      std::cerr << "simrun: --out " << out_dir << ": cannot create the directory: " << ec.message()
                << "\n";
      return 2;
    }
    std::vector<std::pair<const char*, std::string>> files = {{"report.txt", table},
                                                              {"report.json", json},
                                                              {"report.csv", csv},
                                                              {"input.pbtxt", plan.resolved_text}};
    if (cdr) files.emplace_back("cdr.csv", experiments::FormatCdrCsv(plan, runs));
    for (const auto& [name, content] : files) {
      if (std::string err = experiments::WriteFileAtomically(dir / name, content); !err.empty()) {
        std::cerr << "simrun: " << err << "\n";
        return 1;
      }
    }
  }
  if (!trace_file.empty() || !pcap_file.empty()) {
    if (int status =
            WriteTraces(first, runs[0][0][0].trajectory_hash, trace_calls, trace_file, pcap_file))
      return status;
  }
  std::cout << (format == "json" ? json : format == "csv" ? csv : table);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "simrun: internal error: " << e.what() << "\n";
    return 1;
  }
}
