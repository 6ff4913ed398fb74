// Origin-destination demand: calls per second from each origin (a traffic
// source) to each destination (a dialled number or prefix).
//
//   DemandMatrix demand(Eigen::MatrixXd{{1.0, 0.5}, {0.0, 2.0}});   // 2 origins x 2 numbers
//   double rate = demand.OriginRate(0);                              // 1.5 calls/s
//   DemandMatrix::Row row = demand.OriginRow(0);                     // {0, 1}, weights {1, 0.5}
//
// An origin's calls arrive at its row sum and dial each destination in
// proportion to its entry, so the matrix is what the sources offer, entry by entry.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace crankback::traffic {

class DemandMatrix {
 public:
  explicit DemandMatrix(Eigen::MatrixXd calls_per_second) : rates_(std::move(calls_per_second)) {}

  Eigen::Index origins() const { return rates_.rows(); }
  Eigen::Index destinations() const { return rates_.cols(); }
  const Eigen::MatrixXd& rates() const { return rates_; }

  // What is wrong with it, if anything: a value not finite or < 0, or an
  // origin whose row sums to 0 (it would offer no call).
  struct Problem {
    Eigen::Index origin = 0;
    Eigen::Index destination = -1;  // -1: the whole row
    std::string what;
  };
  std::optional<Problem> Check() const;

  // The origin's calls per second: its row sum.
  double OriginRate(Eigen::Index origin) const { return rates_.row(origin).sum(); }
  // The destinations it calls (columns with a positive entry), in column
  // order, and their entries as weights.
  struct Row {
    std::vector<uint32_t> destinations;
    std::vector<double> weights;
  };
  Row OriginRow(Eigen::Index origin) const;

 private:
  Eigen::MatrixXd rates_;
};

}  // namespace crankback::traffic
