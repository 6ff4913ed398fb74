// The theory column: what loss-system theory predicts for the study's
// Experiment.theory (an SBC's primary NAP overflowing to a second one), and
// the same figures as one simulated run measured them.
//
//   for (const TheoryLine& t : TheoryLines(study)) ...   // {"blocking", "overflow CTMC, ...",
//   0.053} std::vector<Figure> f = TheoryFigures(study, run);   // {"theory", "blocking", 0.051},
//   ...
//
// Metrics (scope "theory"):
//   primary_overflow  calls finding the primary NAP full / calls offered to it (Erlang B)
//   blocking          calls finding every NAP of the system full / calls offered to the
//                     primary (the overflow chain; Erlang B of the primary alone without one)
//   primary_erlangs   sessions in use on the primary, averaged over [warm-up, end)
//   overflow_erlangs  the same on the overflow NAP (only with one)
//   mesh_blocking_NAME  per Experiment.theory.meshes entry: calls taken in on its sites'
//                     callers' NAPs and not answered / calls taken in (the Erlang fixed
//                     point, models/analytic/fixed_point.h)
// The offered load is the final one (after experiment.load_scale): the sum of
// calls_per_second x mean holding time over the traffic sources sent via the
// SBC, a fraud mix's holding time weighted in.
#pragma once

#include <string>
#include <vector>

#include "experiments/figures.h"
#include "models/simulation.h"
#include "topologies/loader.h"

namespace crankback::experiments {

struct TheoryLine {
  std::string metric;  // as in the theory figures
  std::string model;   // e.g. "Erlang B, 20 channels, 25.00 E"
  double value = 0;
};

inline constexpr const char* kTheoryScope = "theory";

// Empty when the study has no theory.
std::vector<TheoryLine> TheoryLines(const topologies::Study& study);

// The simulated counterparts of TheoryLines from one run's NAP counters; empty
// when the study has no theory. A ratio whose primary NAP was offered no call
// is left out.
std::vector<Figure> TheoryFigures(const topologies::Study& study, const models::RunResult& run);

// Offered Erlangs of the theory's loss system; 0 when the study has no theory.
double TheoryOfferedErlangs(const topologies::Study& study);

}  // namespace crankback::experiments
