// Runs every (policy, replication) pair of a study, on as many threads as asked,
// and folds the runs into the report.
//
//   RunTable runs = RunStudy(study, /*jobs=*/2);
//   ReportData report = Summarize(study, runs, "topologies/default.pbtxt");
//
// Each run is independent and writes only its own cell, so the results are the
// same for any number of threads. Policies in one replication share its random
// streams: they see the same calls (common random numbers).
#pragma once

#include <string>
#include <vector>

#include "models/simulation.h"
#include "topologies/loader.h"
#include "topologies/report_codec.h"

namespace crankback::experiments {

// runs[policy][replication]
using RunTable = std::vector<std::vector<models::RunResult>>;

models::RunSpec SpecFor(const topologies::ExperimentParams& x, int replication);
RunTable RunStudy(const topologies::Study& study, int jobs);
topologies::ReportData Summarize(const topologies::Study& study, const RunTable& runs,
                                 const std::string& input);

}  // namespace crankback::experiments
