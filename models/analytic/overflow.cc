#include "models/analytic/overflow.h"

#include <Eigen/SparseCore>
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "models/analytic/balance.h"
#include "models/analytic/erlang.h"
#include "sim/engine.h"

namespace crankback::analytic {

namespace {

constexpr double kMaxOfferedErlangs = 1e6;

using Matrix = Eigen::SparseMatrix<double>;
using Triplet = Eigen::Triplet<double, int>;

// The transposed generator Q^T of the chain, time in mean holding times (mu = 1):
// column s holds the rates out of state s, and the diagonal minus their sum.
std::vector<Triplet> TransposedGenerator(int n1, int n2, double a) {
  const int width = n1 + 1;
  auto index = [width](int i, int j) { return j * width + i; };
  std::vector<Triplet> t;
  t.reserve(static_cast<size_t>(width) * static_cast<size_t>(n2 + 1) * 4);
  for (int j = 0; j <= n2; ++j) {
    for (int i = 0; i <= n1; ++i) {
      const int s = index(i, j);
      double out = 0;
      if (i < n1) {
        t.emplace_back(index(i + 1, j), s, a);
        out += a;
      } else if (j < n2) {
        t.emplace_back(index(i, j + 1), s, a);  // the primary is full: overflow
        out += a;
      }
      if (i > 0) t.emplace_back(index(i - 1, j), s, static_cast<double>(i));
      if (j > 0) t.emplace_back(index(i, j - 1), s, static_cast<double>(j));
      out += i + j;
      t.emplace_back(s, s, -out);
    }
  }
  return t;
}

}  // namespace

std::string OverflowSystemError(const OverflowSystem& system) {
  if (system.primary < 0 || system.secondary < 0) {
    return "server counts must be >= 0 (got " + std::to_string(system.primary) + " and " +
           std::to_string(system.secondary) + ")";
  }
  const double a = system.offered_erlangs;
  if (!std::isfinite(a) || a <= 0 || a > kMaxOfferedErlangs) {
    return "the offered load must be > 0 and <= 1e6 Erlangs (got " + std::to_string(a) + ")";
  }
  const double states =
      (static_cast<double>(system.primary) + 1) * (static_cast<double>(system.secondary) + 1);
  if (states > static_cast<double>(kMaxOverflowStates)) {
    return std::to_string(system.primary) + " x " + std::to_string(system.secondary) +
           " servers make more than " + std::to_string(kMaxOverflowStates) + " states";
  }
  return "";
}

OverflowMoments RiordanMoments(int servers, double offered_erlangs) {
  OverflowMoments m;
  const double a = offered_erlangs;
  m.mean = a * ErlangB(servers, a);
  m.variance = m.mean * (1.0 - m.mean + a / (servers + 1.0 - a + m.mean));
  m.peakedness = m.mean > 0 ? m.variance / m.mean : 1.0;
  return m;
}

OverflowResult SolveOverflow(const OverflowSystem& system) {
  if (!OverflowSystemError(system).empty()) sim::Fatal("SolveOverflow: invalid system");
  const int n1 = system.primary;
  const int n2 = system.secondary;
  const double a = system.offered_erlangs;
  const int width = n1 + 1;
  const int n = width * (n2 + 1);

  const std::vector<Triplet> generator = TransposedGenerator(n1, n2, a);
  // pi Q = 0 has rank n - 1: one balance equation is replaced by pi(anchor) = 1
  // and the solution normalized afterwards. The anchor is near the mode, so no
  // state's unnormalized probability overflows.
  const int anchor_i = std::min(n1, static_cast<int>(a));
  const int anchor_j = a > n1 ? std::min(n2, static_cast<int>(a - n1)) : 0;
  const int anchor = anchor_j * width + anchor_i;
  const Eigen::VectorXd pi = StationaryDistribution(generator, n, anchor, "SolveOverflow");

  OverflowResult r;
  r.states = static_cast<size_t>(n);
  r.primary_distribution.assign(static_cast<size_t>(n1) + 1, 0.0);
  r.secondary_distribution.assign(static_cast<size_t>(n2) + 1, 0.0);
  for (int j = 0; j <= n2; ++j) {
    for (int i = 0; i <= n1; ++i) {
      const double p = pi[j * width + i];
      r.primary_distribution[i] += p;
      r.secondary_distribution[j] += p;
    }
  }
  r.primary_overflow = r.primary_distribution[n1];
  r.blocking = pi[n - 1];
  for (int i = 0; i <= n1; ++i) r.primary_erlangs += i * r.primary_distribution[i];
  double second_moment = 0;
  for (int j = 0; j <= n2; ++j) {
    r.secondary_erlangs += j * r.secondary_distribution[j];
    second_moment += static_cast<double>(j) * j * r.secondary_distribution[j];
  }
  r.secondary_variance = std::max(0.0, second_moment - r.secondary_erlangs * r.secondary_erlangs);

  Matrix q(n, n);
  q.setFromTriplets(generator.begin(), generator.end());
  const Eigen::VectorXd balance = q * pi;
  r.max_residual = balance.cwiseAbs().maxCoeff();
  r.overflow = RiordanMoments(n1, a);
  return r;
}

}  // namespace crankback::analytic
