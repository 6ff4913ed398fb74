#include "models/analytic/balance.h"

#include <Eigen/SparseLU>
#include <string>

#include "sim/engine.h"

namespace crankback::analytic {

Eigen::VectorXd StationaryDistribution(const std::vector<Eigen::Triplet<double, int>>& transposed,
                                       int states, int anchor, const char* who) {
  std::vector<Eigen::Triplet<double, int>> pinned;
  pinned.reserve(transposed.size() + 1);
  for (const auto& e : transposed) {
    if (e.row() != anchor) pinned.push_back(e);
  }
  pinned.emplace_back(anchor, anchor, 1.0);
  Eigen::SparseMatrix<double> m(states, states);
  m.setFromTriplets(pinned.begin(), pinned.end());
  m.makeCompressed();
  Eigen::SparseLU<Eigen::SparseMatrix<double>, Eigen::COLAMDOrdering<int>> lu;
  lu.compute(m);
  if (lu.info() != Eigen::Success)
    sim::Fatal((std::string(who) + ": the balance equations are singular").c_str());
  Eigen::VectorXd rhs = Eigen::VectorXd::Zero(states);
  rhs[anchor] = 1.0;
  Eigen::VectorXd pi = lu.solve(rhs);
  if (lu.info() != Eigen::Success)
    sim::Fatal((std::string(who) + ": the sparse solve failed").c_str());
  // Round-off may leave far-tail states a hair below zero.
  pi = pi.cwiseMax(0.0);
  return pi / pi.sum();
}

}  // namespace crankback::analytic
