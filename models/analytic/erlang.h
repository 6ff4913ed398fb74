// Erlang's loss formula, the "theory" column beside a simulated loss system.
//
//   double p = ErlangB(10, 8.0);   // 0.12166: blocking of 8 Erlangs on 10 channels
//
// Computed by the stable recurrence B(0) = 1, B(n) = A B(n-1) / (n + A B(n-1)).
#pragma once

namespace crankback::analytic {

double ErlangB(int servers, double offered_erlangs);

}  // namespace crankback::analytic
