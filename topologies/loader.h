// Reads a topology file (protobuf text or binary, detected from its content),
// validates it, and turns it into the typed parameters the models take.
//
//   Loaded<Study> study = LoadStudyFile("topologies/default.pbtxt");
//   if (!study.ok()) { std::cerr << study.error().ToString() << "\n"; return 2; }
//
// This is the only place that reads protobuf input. Every error names the file,
// the line (text input) and the field path; the first one found is returned.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/policy/cause_map.h"
#include "models/simulation.h"
#include "topologies/load_error.h"

namespace crankback::topologies {

struct ExperimentParams {
  double duration_s = 0;
  double warmup_s = 0;
  int replications = 1;
  uint64_t seed = 0;
};

// Everything one `simrun` needs: the scenario, the policies to compare (the first
// is the baseline) and the experiment.
struct Study {
  models::ScenarioParams scenario;
  std::vector<policy::CauseMap> policies;
  ExperimentParams experiment;
  std::string resolved_text;  // the input as protobuf text, for reproduction
};

// Command-line values that replace the file's, validated like the file's own.
struct Overrides {
  std::optional<uint64_t> seed = std::nullopt;
  std::optional<int> replications = std::nullopt;
};

Loaded<Study> LoadStudyFile(const std::string& file, const Overrides& overrides = {});
// `display_name` stands for the file in error messages.
Loaded<Study> LoadStudy(std::string_view content, const std::string& display_name,
                        const Overrides& overrides = {});

}  // namespace crankback::topologies
