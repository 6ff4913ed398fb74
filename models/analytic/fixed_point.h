// The Erlang fixed point (reduced-load approximation) of a fully meshed
// network with alternate routing and trunk reservation.
//
//   MeshResult r = SolveMesh({.sites = 4, .capacity = 100, .offered_erlangs = 85,
//                             .alternate_routing = true, .reservation = 5});
//   r.blocking;  // end-to-end: a call finds its direct trunk group and its
//                // two-hop alternate route both unable to take it
//
// Every pair of sites is joined by a trunk group of C sessions; calls between
// a pair offer `offered_erlangs` (both directions) to their trunk group. A call
// finding it full overflows, with alternate routing, to one two-hop route
// through a third site, the alternates spread evenly over the trunk groups.
// Each trunk group is a birth-death chain on 0..C sessions (holding time 1):
// first-choice calls arrive at rate nu in every state below C, overflow calls
// at rate sigma only in states below C - r (trunk reservation). The
// approximation takes the trunk groups as independent, each offered the
// overflow thinned by the other link of its route:
//   B = P(C busy), L = P(at least C - r busy)     (what each kind of call sees)
//   sigma = 2 nu B (1 - L)                         (each overflow uses two groups)
//   blocking = B (1 - (1 - L)^2)  (B without alternate routing).
// sigma is iterated, damped, from 0 (an empty network) to a fixed point; where
// several exist (uncontrolled alternate routing near C is bistable) this is
// the smallest. Each chain's stationary distribution is solved with Eigen.
#pragma once

#include <string>
#include <vector>

namespace crankback::analytic {

struct MeshNetwork {
  int sites = 3;                   // N >= 3 (one alternate per pair needs a third site)
  int capacity = 1;                // C sessions per trunk group, >= 1
  double offered_erlangs = 0;      // nu: first-choice Erlangs per trunk group, > 0
  bool alternate_routing = false;  // a call finding its direct group full tries one two-hop route
  int reservation = 0;             // r, 0 <= r < C: overflow admitted below C - r sessions
  double tolerance = 1e-12;        // |sigma change| below tolerance (1 + sigma): converged
  int max_iterations = 100000;
};

// A trunk group's chain: first-choice rate `first` below C, overflow rate
// `overflow` below C - r; holding time 1.
struct LinkChain {
  int capacity = 1;
  double first = 0;
  double overflow = 0;
  int reservation = 0;
};

struct LinkResult {
  std::vector<double> distribution = {};  // P(n sessions busy), n = 0..C
  double full = 0;                        // B = P(C busy): a first-choice call is blocked
  double reserved = 0;                    // L = P(>= C - r busy): an overflow call is blocked
  double carried_erlangs = 0;             // mean busy sessions
  double max_residual = 0;                // max |(pi Q)(n)|
};

struct MeshResult {
  double blocking = 0;           // end-to-end, what an arriving call sees
  double direct_blocking = 0;    // B
  double overflow_blocking = 0;  // L, per trunk group of an alternate route
  double overflow_erlangs = 0;   // sigma: overflow offered per trunk group
  double carried_erlangs = 0;    // busy sessions per trunk group
  int iterations = 0;
  bool converged = false;
};

// What makes `network` unsolvable here ("" when nothing does).
std::string MeshNetworkError(const MeshNetwork& network);

// The chain's stationary distribution; rates must be finite and >= 0, 0 <= r < C.
LinkResult SolveLink(const LinkChain& link);

// The fixed point; `network` must pass MeshNetworkError (an internal error
// aborts otherwise).
MeshResult SolveMesh(const MeshNetwork& network);

}  // namespace crankback::analytic
