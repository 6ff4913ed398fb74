// simrun: runs one topology file and reports, per cause-mapping policy, how the
// calls ended, with 95% confidence intervals over replications.
//
//   simrun topologies/default.pbtxt --replications 20 --jobs 2 --format json --out results/
//   simrun topologies/default.pbtxt --trace calls.csv --pcap calls.pcap --trace-calls 5
//   simrun topologies/default.pbtxt --explain 17 --policy advance-on-5xx
//
// Exit status: 0 done, 2 bad input (nothing is written), 1 internal error.
#include <CLI/CLI.hpp>
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
int WriteTraces(const topologies::Study& study, const models::RunResult& baseline, uint32_t calls,
                const std::string& trace_file, const std::string& pcap_file) {
  models::RunSpec spec = experiments::SpecFor(study.experiment, 0);
  spec.trace_calls = calls;
  const models::RunResult run = models::RunSimulation(study.scenario, study.policies[0], spec);
  if (run.metrics.trajectory_hash() != baseline.metrics.trajectory_hash()) {
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
  auto* reps_opt =
      app.add_option("--replications", replications,
                     "Independent replications per policy; replaces experiment.replications")
          ->check(CLI::Range(1, 1000000));
  app.add_option("--jobs", jobs,
                 "Threads running replications in parallel (results do not depend on it)")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  app.add_option("--format", format,
                 "Report on standard output: table, json (crankback.pb.Report) or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->capture_default_str();
  app.add_option("--out", out_dir,
                 "Also write report.txt, report.json, report.csv and the resolved input.pbtxt to "
                 "this directory");
  std::string trace_file, pcap_file;
  uint32_t trace_calls = 20;
  app.add_option("--trace", trace_file,
                 "Write the messages of the first --trace-calls calls of replication 0 of the "
                 "baseline policy: CSV (FILE.csv) or JSON lines (FILE.jsonl, FILE.json)")
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
  std::string explain_policy;
  app.add_option("--explain", explain_call,
                 "Print call N's ladder of messages and the SBC decisions at each route, from "
                 "replication 0 (the N-th call of each user agent), instead of the report")
      ->check(CLI::Range(1u, 4'000'000'000u));
  auto* explain_policy_opt =
      app.add_option("--policy", explain_policy,
                     "With --explain: the policy to explain the call under (default: the first)");
  try {
    app.parse(argc, argv);
    if (*explain_policy_opt && explain_call == 0)
      throw CLI::ValidationError("--policy", "needs --explain");
    if (*calls_opt && trace_file.empty() && pcap_file.empty())
      throw CLI::ValidationError("--trace-calls", "needs --trace or --pcap");
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "simrun: " << e.what() << "\n";
    return 2;
  }

  topologies::Overrides overrides;
  if (*seed_opt) overrides.seed = seed;
  if (*reps_opt) overrides.replications = replications;
  const auto loaded = topologies::LoadStudyFile(file, overrides);
  if (!loaded.ok()) {
    std::cerr << loaded.error().ToString() << "\n";
    return 2;
  }
  const topologies::Study& study = loaded.value();
  size_t explained_policy = 0;
  if (explain_call != 0 && !explain_policy.empty()) {
    while (explained_policy < study.policies.size() &&
           study.policies[explained_policy].name != explain_policy)
      ++explained_policy;
    if (explained_policy == study.policies.size()) {
      std::cerr << "simrun: --policy: no policy \"" << explain_policy << "\" in " << file << "\n";
      return 2;
    }
  }
  if (explain_call != 0) return Explain(study, explained_policy, explain_call);
  const experiments::RunTable runs = experiments::RunStudy(study, jobs);
  for (size_t p = 0; p < runs.size(); ++p) {
    for (size_t r = 0; r < runs[p].size(); ++r) {
      for (const std::string& v : runs[p][r].violations) {
        std::cerr << "simrun: internal error: policy \"" << study.policies[p].name
                  << "\", replication " << r << ": " << v << "\n";
        return 1;
      }
    }
  }
  const topologies::ReportData report = experiments::Summarize(study, runs, file);
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
    for (const auto& [name, content] :
         {std::pair{"report.txt", &table}, std::pair{"report.json", &json},
          std::pair{"report.csv", &csv}, std::pair{"input.pbtxt", &study.resolved_text}}) {
      if (std::string err = experiments::WriteFileAtomically(dir / name, *content); !err.empty()) {
        std::cerr << "simrun: " << err << "\n";
        return 1;
      }
    }
  }
  if (!trace_file.empty() || !pcap_file.empty()) {
    if (int status = WriteTraces(study, runs[0][0], trace_calls, trace_file, pcap_file))
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
