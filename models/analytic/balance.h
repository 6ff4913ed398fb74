// The stationary distribution of a finite continuous-time Markov chain, from
// its balance equations, solved with Eigen's sparse LU.
//
//   std::vector<Eigen::Triplet<double, int>> t;   // the transposed generator Q^T
//   Eigen::VectorXd pi = StationaryDistribution(t, states, anchor, "SolveLink");
//
// The equation of state `anchor` is replaced by pi(anchor) = 1 and the result
// normalized afterwards; an anchor near the mode keeps every unnormalized
// probability in range.
#pragma once

#include <Eigen/Core>
#include <Eigen/SparseCore>
#include <vector>

namespace crankback::analytic {

// `who` names the caller in the message of a singular system (a broken invariant).
Eigen::VectorXd StationaryDistribution(const std::vector<Eigen::Triplet<double, int>>& transposed,
                                       int states, int anchor, const char* who);

}  // namespace crankback::analytic
