// A fraud scorer's parameters and the traffic's fraud mix.
#include "topologies/builder.h"

namespace crankback::topologies::loader_internal {

Builder::Error Builder::FraudScorer(uint32_t, const pb::FraudScorer&, const FieldPath&,
                                    nodes::FraudScorerParams&) {
  return std::nullopt;
}

}  // namespace crankback::topologies::loader_internal
