#include "models/metrics/call_log.h"

namespace crankback::metrics {

const char* EventName(RouteStep::Event e) {
  switch (e) {
    case RouteStep::Event::kFailure:
      return "failure";
    case RouteStep::Event::kCapacitySkip:
      return "capacity_skip";
    case RouteStep::Event::kCpsSkip:
      return "cps_skip";
    case RouteStep::Event::kReservationSkip:
      return "reservation_skip";
    case RouteStep::Event::kRetryTimeout:
      return "retry_timeout";
    case RouteStep::Event::kRedirect:
      return "redirect";
    case RouteStep::Event::kRedirectUnroutable:
      return "redirect_unroutable";
    case RouteStep::Event::kAnswered:
      return "answered";
  }
  return "?";
}

}  // namespace crankback::metrics
