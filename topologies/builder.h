// The loader's internals, shared by its files: loader.cc (the network, traffic
// and experiment), policy_param.cc (dialects and cause-mapping policies), and
// one file per node kind with parameters of its own (carrier_param.cc,
// proxy_param.cc, fraud_param.cc).
// Nothing outside topologies/ includes this.
//
//   Builder b(simulation, FieldPath(file_name, locations));
//   Loaded<Study> study = b.Build();   // the first error, or the whole study
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "topologies/field_path.h"
#include "topologies/loader.h"
#include "topologies/simrun.pb.h"

namespace crankback::topologies::loader_internal {

using google::protobuf::Message;

inline constexpr int64_t kMaxSessions = 10'000'000;
inline constexpr double kMaxCallsPerSecond = 1e6;
inline constexpr double kMaxSeconds = 1e8;
inline constexpr double kMaxCallsPerRun = 2e9;
inline constexpr int kMaxReplications = 1'000'000;
inline constexpr size_t kMaxRoutes = 255;

// `v` as the error messages print it.
std::string Num(double v);

// Sets the field at `path` (SweepAxis syntax) of `root` to `value`, parsed as
// the field's type (sweep.cc). Returns an error message, or "" when done.
std::string SetField(google::protobuf::Message& root, std::string_view path,
                     std::string_view value);

// Reads a protobuf text or binary Simulation (loader.cc).
std::optional<LoadError> Parse(std::string_view content, const std::string& display_name,
                               pb::Simulation& sim, FieldPath::Tree& tree, bool& text);
// Applies the command line's values to the parsed file, before validation.
std::optional<LoadError> ApplyOverrides(const Overrides& overrides, const std::string& display_name,
                                        pb::Simulation& sim);

// Validation and conversion, one function per message; each returns the first error.
class Builder {
 public:
  Builder(const pb::Simulation& sim, FieldPath root) : sim_(sim), root_(std::move(root)) {}

  Loaded<Study> Build();

 private:
  using Error = std::optional<LoadError>;

  Error Nodes();
  Error Links();
  Error Dialects();
  Error Sbc(uint32_t node, const pb::Sbc& sbc, const FieldPath& at);
  Error Carrier(uint32_t node, const pb::Carrier& c, const FieldPath& at,
                nodes::CarrierParams& out);
  Error Proxy(uint32_t node, const pb::Proxy& p, const FieldPath& at, nodes::ProxyParams& out);
  Error FraudScorer(uint32_t node, const pb::FraudScorer& f, const FieldPath& at,
                    nodes::FraudScorerParams& out);
  // A traffic source's fraud mix (fraud_param.cc); its numbers join the destinations.
  Error FraudMix(const pb::Fraud& f, const FieldPath& at, nodes::TrafficParams& out);
  // Traffic over time and callers' redial (traffic_param.cc): a source's profile,
  // flash crowds and redial; `by_demand`: the demand matrix lists it.
  Error TrafficShape(const pb::TrafficSource& t, const FieldPath& at, bool by_demand,
                     nodes::TrafficParams& out);
  // Simulation.demand (traffic_param.cc): `rows` maps the sources it lists to
  // their rows (filled before the sources are read); Demand() sets their rates
  // and destinations once they are.
  Error DemandOrigins(std::map<std::string, int>& rows) const;
  Error Demand(const std::map<std::string, int>& rows);
  // The source's peak rate is within kMaxCallsPerSecond.
  Error PeakRate(const nodes::TrafficParams& p, const pb::TrafficSource& t,
                 const FieldPath& at) const;
  Error Traffic();
  Error Policies();
  Error Experiment();
  // Experiment.theory (theory_param.cc): the SBC and NAPs of the analytic loss system.
  Error Theory();
  // Experiment.faults (fault_param.cc), after the nodes and links.
  Error Faults();
  // Experiment.theory.meshes (theory_param.cc): the sites of each mesh.
  Error Meshes();
  Error ResolveDialect(const std::string& name, const FieldPath& at, uint32_t& out);
  Error NodeRef(const std::string& name, const FieldPath& at, uint32_t& out) const;
  Error Sessions(int64_t v, const FieldPath& at, uint32_t& out) const;
  Error Rule(const pb::CauseRule& r, const FieldPath& at, policy::CauseRule& out) const;
  Error Rules(const google::protobuf::RepeatedPtrField<pb::CauseRule>& rules, const Message& parent,
              const FieldPath& at, std::vector<policy::CauseRule>& out) const;
  Error ScopedNaps(const std::string& sbc, const std::string& nap, const FieldPath& sbc_at,
                   const FieldPath& nap_at, std::vector<std::pair<uint32_t, uint32_t>>& out) const;
  bool Linked(uint32_t a, uint32_t b) const {
    return links_.count({std::min(a, b), std::max(a, b)}) != 0;
  }

  const pb::Simulation& sim_;
  FieldPath root_;
  Study study_;
  std::map<std::string, uint32_t> node_index_;
  std::set<std::pair<uint32_t, uint32_t>> links_;
  std::map<std::string, uint32_t> dialect_index_;
  std::map<std::string, uint32_t> destination_index_;
  std::vector<std::vector<std::string>> carrier_prefixes_;  // per node
  // Route.numbers, resolved against the destinations once all traffic is read.
  struct RouteNumbers {
    uint32_t node = 0, nap = 0, route = 0;
    std::vector<std::string> prefixes = {};
  };
  std::vector<RouteNumbers> route_numbers_;
};

}  // namespace crankback::topologies::loader_internal
