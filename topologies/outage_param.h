// A node's outage windows from the topology file (pb::Outage), validated.
//
//   std::vector<sip::Outage> windows;
//   if (auto e = ToOutages(node, at, windows)) return e;   // e names file, line, path
#pragma once

#include <optional>
#include <vector>

#include "models/sip/transport.h"
#include "topologies/field_path.h"
#include "topologies/load_error.h"
#include "topologies/simrun.pb.h"

namespace crankback::topologies {

// Each window starts at >= 0 s and lasts > 0 s; one node's windows do not
// overlap (they are half-open: one may start as another ends).
std::optional<LoadError> ToOutages(const pb::Node& n, const FieldPath& at,
                                   std::vector<sip::Outage>& out);

}  // namespace crankback::topologies
