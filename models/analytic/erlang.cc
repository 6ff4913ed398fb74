#include "models/analytic/erlang.h"

namespace crankback::analytic {

double ErlangB(int servers, double offered_erlangs) {
  double b = 1.0;
  for (int n = 1; n <= servers; ++n) b = offered_erlangs * b / (n + offered_erlangs * b);
  return b;
}

}  // namespace crankback::analytic
