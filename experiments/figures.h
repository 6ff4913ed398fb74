// The figures of one run: every number the report folds over replications.
//
//   std::vector<Figure> f = RunFigures(study, run);
//   // {"", "completion", 0.93}, {"nap sbc1/to_a", "erlangs", 28.4}, ...
//
// A figure is named by its scope ("" for the whole run, "nap SBC/NAP",
// "route SBC/NAP[i]", "node NAME", "timer") and its metric. The report's
// folding (runner.cc) turns the figures of the replications into a mean with a
// 95% interval, and the paired difference against the baseline policy.
#pragma once

#include <string>
#include <vector>

#include "models/simulation.h"
#include "topologies/loader.h"

namespace crankback::experiments {

struct Figure {
  std::string scope;  // "" = the whole run
  std::string metric;
  double value = 0;
  // A count: a replication without this figure counts it as 0. Otherwise (a
  // quantile, a ratio of nothing) a replication without it is left out.
  bool zero_if_absent = true;
};

std::vector<Figure> RunFigures(const topologies::Study& study, const models::RunResult& run);

}  // namespace crankback::experiments
