#include "models/analytic/fixed_point.h"

#include <Eigen/SparseCore>
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "models/analytic/balance.h"
#include "sim/engine.h"

namespace crankback::analytic {

namespace {

constexpr int kMaxCapacity = 100'000;
constexpr double kMaxOfferedErlangs = 1e6;

using Matrix = Eigen::SparseMatrix<double>;
using Triplet = Eigen::Triplet<double, int>;

}  // namespace

std::string MeshNetworkError(const MeshNetwork& n) {
  if (n.sites < 3) return "a mesh needs at least 3 sites (got " + std::to_string(n.sites) + ")";
  if (n.capacity < 1 || n.capacity > kMaxCapacity) {
    return "capacity must be in 1.." + std::to_string(kMaxCapacity) + " (got " +
           std::to_string(n.capacity) + ")";
  }
  if (!std::isfinite(n.offered_erlangs) || n.offered_erlangs <= 0 ||
      n.offered_erlangs > kMaxOfferedErlangs) {
    return "offered Erlangs must be > 0 and <= 1e6";
  }
  if (n.reservation < 0 || n.reservation >= n.capacity) {
    return "reservation must be in 0.." + std::to_string(n.capacity - 1) + " (got " +
           std::to_string(n.reservation) + ")";
  }
  if (!(n.tolerance > 0) || n.max_iterations < 1) return "tolerance and iterations must be > 0";
  return "";
}

LinkResult SolveLink(const LinkChain& link) {
  const int c = link.capacity;
  const int n = c + 1;
  const int threshold = c - link.reservation;  // overflow admitted in states < threshold
  auto birth = [&](int s) {
    return (s < c ? link.first : 0.0) + (s < threshold ? link.overflow : 0.0);
  };
  // Q^T: column s holds the rates out of state s and the diagonal minus their sum.
  std::vector<Triplet> t;
  t.reserve(static_cast<size_t>(n) * 3);
  for (int s = 0; s < n; ++s) {
    const double up = birth(s);
    const double down = s;
    if (up > 0) t.emplace_back(s + 1, s, up);
    if (s > 0) t.emplace_back(s - 1, s, down);
    t.emplace_back(s, s, -(up + down));
  }
  // pi Q = 0 has rank n - 1 when every state is reached: one balance equation
  // becomes pi(anchor) = 1 and the solution is normalized afterwards. The
  // anchor is near the mode, so no state's unnormalized probability overflows.
  const double total = link.first + link.overflow;
  const int anchor = std::clamp(static_cast<int>(std::min(total, static_cast<double>(c))), 0, c);
  const Eigen::VectorXd pi = StationaryDistribution(t, n, anchor, "SolveLink");

  LinkResult r;
  r.distribution.assign(pi.data(), pi.data() + n);
  r.full = pi[c];
  for (int s = std::max(threshold, 0); s <= c; ++s) r.reserved += pi[s];
  for (int s = 0; s <= c; ++s) r.carried_erlangs += s * pi[s];
  Matrix q(n, n);
  q.setFromTriplets(t.begin(), t.end());
  const Eigen::VectorXd residual = q * pi;
  r.max_residual = residual.cwiseAbs().maxCoeff();
  return r;
}

MeshResult SolveMesh(const MeshNetwork& network) {
  if (const std::string e = MeshNetworkError(network); !e.empty()) {
    sim::Fatal(("SolveMesh: " + e).c_str());
  }
  const double nu = network.offered_erlangs;
  LinkChain link{
      .capacity = network.capacity, .first = nu, .overflow = 0, .reservation = network.reservation};
  MeshResult r;
  LinkResult state = SolveLink(link);
  if (!network.alternate_routing) {
    r.blocking = r.direct_blocking = state.full;
    r.overflow_blocking = state.reserved;
    r.carried_erlangs = state.carried_erlangs;
    r.converged = true;
    return r;
  }
  // sigma = f(sigma) = 2 nu B (1 - L) is increasing in sigma while B < 1/2,
  // so the damped iteration from 0 climbs monotonically to the smallest
  // fixed point; damping keeps it from oscillating where f is steep.
  constexpr double kDamping = 0.5;
  for (r.iterations = 1; r.iterations <= network.max_iterations; ++r.iterations) {
    const double target = 2 * nu * state.full * (1 - state.reserved);
    const double next = kDamping * link.overflow + (1 - kDamping) * target;
    const bool done = std::abs(target - link.overflow) <= network.tolerance * (1 + link.overflow);
    link.overflow = next;
    state = SolveLink(link);
    if (done) {
      r.converged = true;
      break;
    }
  }
  r.iterations = std::min(r.iterations, network.max_iterations);
  const double b = state.full;
  const double l = state.reserved;
  r.direct_blocking = b;
  r.overflow_blocking = l;
  r.overflow_erlangs = link.overflow;
  r.carried_erlangs = state.carried_erlangs;
  r.blocking = b * (1 - (1 - l) * (1 - l));
  return r;
}

}  // namespace crankback::analytic
