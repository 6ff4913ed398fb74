// A stateful proxy's parameters.
#include "topologies/builder.h"

namespace crankback::topologies::loader_internal {

Builder::Error Builder::Proxy(uint32_t, const pb::Proxy&, const FieldPath&, nodes::ProxyParams&) {
  return std::nullopt;
}

}  // namespace crankback::topologies::loader_internal
