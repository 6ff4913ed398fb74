#include "models/traffic/demand_matrix.h"

#include <cmath>
#include <sstream>

namespace crankback::traffic {

std::optional<DemandMatrix::Problem> DemandMatrix::Check() const {
  for (Eigen::Index o = 0; o < origins(); ++o) {
    for (Eigen::Index d = 0; d < destinations(); ++d) {
      const double v = rates_(o, d);
      if (std::isfinite(v) && v >= 0) continue;
      std::ostringstream what;
      what << "must be >= 0 calls per second (got " << v << ")";
      return Problem{o, d, what.str()};
    }
    if (!(OriginRate(o) > 0)) return Problem{o, -1, "its row sums to 0: the origin offers no call"};
  }
  return std::nullopt;
}

DemandMatrix::Row DemandMatrix::OriginRow(Eigen::Index origin) const {
  Row row;
  for (Eigen::Index d = 0; d < destinations(); ++d) {
    if (!(rates_(origin, d) > 0)) continue;
    row.destinations.push_back(static_cast<uint32_t>(d));
    row.weights.push_back(rates_(origin, d));
  }
  return row;
}

}  // namespace crankback::traffic
