#include "topologies/stack_param.h"

#include <cmath>
#include <sstream>

namespace crankback::topologies {

namespace {

constexpr double kMaxTimerSeconds = 86400;

// A time field: > 0 (or >= 0 where 0 means "none"), at most a day.
std::optional<LoadError> Seconds(double v, bool zero_ok, const FieldPath& at,
                                 std::optional<sim::Duration>& out) {
  if (!std::isfinite(v) || v < 0 || (v == 0 && !zero_ok) || v > kMaxTimerSeconds) {
    std::ostringstream os;
    os << "must be " << (zero_ok ? ">= 0 (0 = none)" : "> 0") << " and <= " << kMaxTimerSeconds
       << " seconds (got " << v << ")";
    return at.Error(os.str());
  }
  if (v == 0) {
    out = std::nullopt;
  } else {
    out = sim::SecondsToDuration(v);
  }
  return std::nullopt;
}

std::optional<LoadError> Retransmissions(int v, const FieldPath& at, std::optional<int>& out) {
  if (v < -1 || v > 100) {
    return at.Error("must be -1 (unlimited) or 0..100 (got " + std::to_string(v) + ")");
  }
  out = v < 0 ? std::nullopt : std::optional<int>(v);
  return std::nullopt;
}

}  // namespace

std::optional<LoadError> ToTimerProfile(const pb::StackProfile& s, const FieldPath& at,
                                        sip::TimerProfile& out) {
  if (s.preset().empty() || s.preset() == "rfc3261") {
    out = sip::Rfc3261Profile();
  } else if (s.preset() == "kamailio") {
    out = sip::KamailioProfile();
  } else if (s.preset() == "sipp") {
    out = sip::SippProfile();
  } else {
    return at.Child(s, "preset")
        .Error("unknown stack preset \"" + s.preset() + "\" (rfc3261, kamailio, sipp)");
  }
  std::optional<sim::Duration> d;
  const auto base = [&](bool has, double v, const char* field, sim::Duration& target) {
    if (!has) return std::optional<LoadError>();
    if (auto e = Seconds(v, false, at.Child(s, field), d)) return e;
    target = *d;
    return std::optional<LoadError>();
  };
  for (auto e :
       {base(s.has_t1_s(), s.t1_s(), "t1_s", out.t1), base(s.has_t2_s(), s.t2_s(), "t2_s", out.t2),
        base(s.has_t4_s(), s.t4_s(), "t4_s", out.t4)}) {
    if (e) return e;
  }
  if (out.t2 < out.t1) return at.Child(s, "t2_s").Error("T2 must not be below T1");
  const struct {
    bool has;
    double value;
    const char* field;
    bool zero_ok;
    std::optional<sim::Duration>& target;
  } timers[] = {
      {s.has_final_response_timeout_s(), s.final_response_timeout_s(), "final_response_timeout_s",
       true, out.final_response_timeout},
      {s.has_invite_final_response_timeout_s(), s.invite_final_response_timeout_s(),
       "invite_final_response_timeout_s", true, out.invite_final_response_timeout},
      {s.has_timer_b_s(), s.timer_b_s(), "timer_b_s", false, out.timer_b},
      {s.has_timer_d_s(), s.timer_d_s(), "timer_d_s", true, out.timer_d},
      {s.has_timer_f_s(), s.timer_f_s(), "timer_f_s", false, out.timer_f},
      {s.has_timer_h_s(), s.timer_h_s(), "timer_h_s", false, out.timer_h},
      {s.has_timer_i_s(), s.timer_i_s(), "timer_i_s", true, out.timer_i},
      {s.has_timer_j_s(), s.timer_j_s(), "timer_j_s", true, out.timer_j},
      {s.has_timer_k_s(), s.timer_k_s(), "timer_k_s", true, out.timer_k},
      {s.has_timer_l_s(), s.timer_l_s(), "timer_l_s", false, out.timer_l},
      {s.has_timer_m_s(), s.timer_m_s(), "timer_m_s", false, out.timer_m},
  };
  for (const auto& t : timers) {
    if (!t.has) continue;
    if (auto e = Seconds(t.value, t.zero_ok, at.Child(s, t.field), t.target)) return e;
    // An explicit 0 for a linger timer means "terminate at once", not "default".
    if (t.value == 0 && t.zero_ok && &t.target != &out.final_response_timeout &&
        &t.target != &out.invite_final_response_timeout) {
      t.target = sim::Duration();
    }
  }
  if (s.has_invite_trying_delay_s()) {
    const double v = s.invite_trying_delay_s();
    if (!std::isfinite(v) || v > kMaxTimerSeconds) {
      return at.Child(s, "invite_trying_delay_s").Error("must be <= 86400 seconds (< 0 = never)");
    }
    out.invite_trying_delay = v < 0 ? std::nullopt : std::optional(sim::SecondsToDuration(v));
  }
  if (s.has_max_invite_retransmissions()) {
    if (auto e = Retransmissions(s.max_invite_retransmissions(),
                                 at.Child(s, "max_invite_retransmissions"),
                                 out.max_invite_retransmissions)) {
      return e;
    }
  }
  if (s.has_max_non_invite_retransmissions()) {
    if (auto e = Retransmissions(s.max_non_invite_retransmissions(),
                                 at.Child(s, "max_non_invite_retransmissions"),
                                 out.max_non_invite_retransmissions)) {
      return e;
    }
  }
  if (s.has_invite_retransmit_capped_at_t2())
    out.invite_retransmit_capped_at_t2 = s.invite_retransmit_capped_at_t2();
  if (s.has_nict_provisional_restarts_e_at_t2()) {
    out.nict_provisional_restarts_e_at_t2 = s.nict_provisional_restarts_e_at_t2();
  }
  if (s.has_rewrite_503_to_500()) out.rewrite_503_to_500 = s.rewrite_503_to_500();
  if (s.has_non_invite_trying()) out.non_invite_trying = s.non_invite_trying();
  if (s.has_rel100()) {
    switch (s.rel100()) {
      case pb::REL100_SUPPORTED:
        out.rel100 = sip::Rel100::kSupported;
        break;
      case pb::REL100_REQUIRED:
        out.rel100 = sip::Rel100::kRequired;
        break;
      case pb::REL100_NONE:
        out.rel100 = sip::Rel100::kNone;
        break;
      default:
        return at.Child(s, "rel100").Error("unknown value " + std::to_string(s.rel100()));
    }
  }
  if (s.has_reliable_provisional_give_up_code()) {
    const int code = s.reliable_provisional_give_up_code();
    if (code < 500 || code > 599) {
      return at.Child(s, "reliable_provisional_give_up_code")
          .Error("must be a 5xx code, 500-599 (got " + std::to_string(code) + ")");
    }
    out.reliable_provisional_give_up_code = code;
  }
  if (s.has_reliable_provisional_first_retry_at_2t1()) {
    out.reliable_provisional_first_retry_at_2t1 = s.reliable_provisional_first_retry_at_2t1();
  }
  if (s.has_cancel_after_2xx_gets_481()) {
    out.cancel_after_2xx_gets_481 = s.cancel_after_2xx_gets_481();
  }
  if (s.has_cancel_cleanup_s()) {
    if (auto e = Seconds(s.cancel_cleanup_s(), false, at.Child(s, "cancel_cleanup_s"),
                         out.cancel_cleanup)) {
      return e;
    }
  }
  if (s.has_session_expires_s()) {
    const double v = s.session_expires_s();
    if (v != 0 && (!std::isfinite(v) || v < 90 || v > kMaxTimerSeconds || v != std::floor(v))) {
      std::ostringstream os;
      os << "must be 0 (none) or whole seconds from 90 (RFC 4028 Min-SE) to " << kMaxTimerSeconds
         << " (got " << v << ")";
      return at.Child(s, "session_expires_s").Error(os.str());
    }
    out.session_expires = v == 0 ? std::nullopt : std::optional(sim::SecondsToDuration(v));
  }
  return std::nullopt;
}

}  // namespace crankback::topologies
