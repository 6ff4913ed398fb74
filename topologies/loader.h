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
#include <utility>
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

// The loss system the report's theory lines describe (Experiment.theory): an
// SBC's primary NAP overflowing to a second one. Servers and offered load are
// read from the scenario when the lines are computed (experiments/theory.h).
struct TheoryParams {
  uint32_t sbc = 0;                                     // node index
  uint32_t primary_nap = 0;                             // NAP index in that SBC
  std::optional<uint32_t> overflow_nap = std::nullopt;  // absent: the primary alone
};

// Experiment.theory.meshes: a fully meshed network of SBC sites, predicted by
// the Erlang fixed point (models/analytic/fixed_point.h).
struct MeshTheoryParams {
  std::string name;
  std::vector<uint32_t> sbcs = {};  // node indices of the sites
  // Per site: its NAPs facing callers (peers that are not sites), whose
  // inbound calls and answered routes give the simulated blocking.
  std::vector<std::vector<uint32_t>> caller_naps = {};
  uint32_t capacity = 0;     // max_sessions of every trunk group
  uint32_t reservation = 0;  // trunk_reservation of every trunk group
  bool alternate_routing = false;
};

// Everything one `simrun` needs: the scenario, the policies to compare (the first
// is the baseline) and the experiment.
struct Study {
  models::ScenarioParams scenario;
  std::vector<policy::CauseMap> policies;
  ExperimentParams experiment;
  std::optional<TheoryParams> theory = std::nullopt;
  std::vector<MeshTheoryParams> meshes = {};  // Experiment.theory.meshes
  std::string resolved_text;                  // the input as protobuf text, for reproduction
};

// Command-line values that replace the file's, validated like the file's own.
struct Overrides {
  std::optional<uint64_t> seed = std::nullopt;
  std::optional<int> replications = std::nullopt;
  // `simrun --set PATH=VALUE`, in order: any field by its path (see SweepAxis
  // in simrun.proto for the syntax).
  std::vector<std::pair<std::string, std::string>> sets = {};
  // `simrun --policy NAME`: replaces experiment.policies (the first is the baseline).
  std::vector<std::string> policies = {};
};

Loaded<Study> LoadStudyFile(const std::string& file, const Overrides& overrides = {});
// `display_name` stands for the file in error messages.
Loaded<Study> LoadStudy(std::string_view content, const std::string& display_name,
                        const Overrides& overrides = {});

// One point of a sweep: the axes' values and the study they make.
struct SweepPoint {
  std::vector<std::string> values;  // one per axis, as written in the file
  Study study;
};

// A whole experiment: the sweep's points in order (the last axis varies
// fastest), each a complete, validated study. Without a sweep, one point.
struct Plan {
  std::vector<std::string> axes;  // field paths
  std::vector<SweepPoint> points;
  std::string resolved_text;  // the input with every override applied, as protobuf text
};

// The bytes of an input file (at most 256 MiB).
Loaded<std::string> ReadInputFile(const std::string& file);

Loaded<Plan> LoadPlanFile(const std::string& file, const Overrides& overrides = {});
Loaded<Plan> LoadPlan(std::string_view content, const std::string& display_name,
                      const Overrides& overrides = {});

}  // namespace crankback::topologies
