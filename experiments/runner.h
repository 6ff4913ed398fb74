// Runs every (point, policy, replication) of a plan, on as many threads as
// asked, and folds the runs into the report.
//
//   RunTable runs = RunPlan(plan, {.jobs = 2});
//   ReportData report = Summarize(plan, runs, "topologies/default.pbtxt");
//
// Each run is independent and writes only its own cell, so the results are the
// same for any number of threads. Policies in one replication share its random
// streams: they see the same calls (common random numbers), which is what makes
// the paired differences against the baseline policy tight.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "experiments/figures.h"
#include "models/simulation.h"
#include "topologies/loader.h"
#include "topologies/report_codec.h"

namespace crankback::experiments {

// What the report keeps of one run.
struct RunRecord {
  std::vector<Figure> figures;
  std::vector<std::string> violations;  // broken end-of-run invariants
  uint64_t trajectory_hash = 0;
  std::vector<metrics::CallOutcome> outcomes = {};  // RunOptions::cdr
};

// runs[point][policy][replication]
using RunTable = std::vector<std::vector<std::vector<RunRecord>>>;

struct RunOptions {
  int jobs = 1;
  bool cdr = false;  // keep every call's outcome
  // Called after each run, from the thread that ran it, serialized: runs done, runs in all.
  std::function<void(size_t, size_t)> progress = nullptr;
};

// The run spec of replication `replication` of a study: the study's seed, and
// the replication's own random streams.
models::RunSpec SpecFor(const topologies::ExperimentParams& x, int replication);
RunRecord Record(const topologies::Study& study, const models::RunResult& run);

RunTable RunPlan(const topologies::Plan& plan, const RunOptions& options);
// One study's runs as models return them: runs[policy][replication].
std::vector<std::vector<models::RunResult>> RunStudy(const topologies::Study& study, int jobs);

topologies::ReportData Summarize(const topologies::Plan& plan, const RunTable& runs,
                                 const std::string& input);

}  // namespace crankback::experiments
