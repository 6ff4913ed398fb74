// Test helpers for the sans-IO SIP transactions: a virtual-time driver that
// holds one machine's running timers (name -> deadline), advances to the
// earliest event, feeds timer firings and scripted inputs, and records every
// wire send and TU notification with its time.
//
//   Driver<ClientInviteTransaction> ict(profile, /*reliable=*/false, Invite());
//   ict.Start(); ict.RunToEnd();   // then look at ict.SendTimesMs(), ict.told()
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "models/sip/message.h"
#include "models/sip/timer_profile.h"
#include "models/sip/transaction.h"
#include "sim/time.h"

namespace crankback::sip::testing {

inline sim::SimTime Sec(double s) { return sim::SimTime::FromNanos(std::llround(s * 1e9)); }
inline int64_t Ms(sim::SimTime t) { return t.nanos() / 1'000'000; }
inline int64_t Ms(sim::Duration d) { return d.nanos() / 1'000'000; }

// Expected times in milliseconds, written in seconds.
inline std::vector<int64_t> Seconds(std::initializer_list<double> s) {
  std::vector<int64_t> ms;
  for (double v : s) ms.push_back(std::llround(v * 1000));
  return ms;
}
// Expected times that scale with T1, written in units of T1.
inline std::vector<int64_t> InT1(std::initializer_list<int64_t> k, int64_t t1_ms) {
  std::vector<int64_t> ms;
  for (int64_t v : k) ms.push_back(v * t1_ms);
  return ms;
}

inline TimerProfile WithT1(TimerProfile p, int64_t t1_ms) {
  p.t1 = sim::Duration::Millis(t1_ms);
  return p;
}

inline Message Invite() {
  Message m = Message::Request(Method::kInvite, /*call_id=*/42, /*cseq=*/1);
  m.destination = 7;
  m.from = 1;
  m.to = 2;
  return m;
}
inline Message Bye() {
  Message m = Message::Request(Method::kBye, /*call_id=*/42, /*cseq=*/2);
  m.from = 1;
  m.to = 2;
  return m;
}
inline Message AckOf(const Message& invite) {
  return Message::Request(Method::kAck, invite.call_id, invite.cseq);
}

// Inputs, short.
inline Input Rx(const Message& m) { return Input::Received(m); }
inline Input RxResponse(const Message& request, int status) {
  return Input::Received(Message::ResponseTo(request, status));
}
inline Input Tu(const Message& request, int status) {
  return Input::FromTu(Message::ResponseTo(request, status));
}
inline Input Fire(TimerName t) { return Input::Timer(t); }
inline Input Err() { return Input::TransportError(); }

// "send INVITE", "resend 486", "start A 500", "stop B", "tu 180",
// "timeout B", "transport-error", "no-ack H", "terminated".
inline std::string Describe(const Effect& e) {
  const std::string what =
      e.message.is_request() ? MethodName(e.message.method) : std::to_string(e.message.status);
  const std::string timer = TimerNameString(e.timer);
  switch (e.kind) {
    case Effect::Kind::kStopTimer:
      return "stop " + timer;
    case Effect::Kind::kSend:
      return (e.message.retransmission ? "resend " : "send ") + what;
    case Effect::Kind::kStartTimer:
      return "start " + timer + " " + std::to_string(Ms(e.delay));
    case Effect::Kind::kPassToTu:
      return "tu " + what;
    case Effect::Kind::kTimeout:
      return "timeout " + timer;
    case Effect::Kind::kTransportError:
      return "transport-error";
    case Effect::Kind::kNoAck:
      return "no-ack " + timer;
    case Effect::Kind::kTerminated:
      return "terminated";
  }
  return "?";
}
inline std::vector<std::string> Describe(const Effects& out) {
  std::vector<std::string> lines;
  for (const Effect& e : out) lines.push_back(Describe(e));
  return lines;
}

struct Sent {
  sim::SimTime at;
  Message message;
};
struct Told {
  sim::SimTime at;
  Effect effect;
};

template <class Machine>
class Driver {
 public:
  Driver(const TimerProfile& profile, bool reliable, const Message& request)
      : profile_(profile), machine_(profile_, reliable, request) {}
  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;

  void Start() { Apply(machine_.Start(now_)); }
  // Feeds `in` at virtual time `t` (seconds); at equal times scripted inputs
  // go before timers, in the order scripted.
  void At(double t, const Input& in) { script_.emplace(Sec(t), in); }
  void Feed(const Input& in) { Apply(machine_.OnInput(now_, in)); }

  std::optional<sim::SimTime> NextEvent() const {
    std::optional<sim::SimTime> next;
    if (!script_.empty()) next = script_.begin()->first;
    for (const auto& [name, deadline] : timers_) {
      if (!next || deadline < *next) next = deadline;
    }
    return next;
  }
  // Handles the earliest event: a scripted input, else the earliest timer
  // (the first in TimerName order on a tie).
  void Step() {
    const std::optional<sim::SimTime> next = NextEvent();
    if (!next) return;
    now_ = *next;
    if (!script_.empty() && script_.begin()->first == now_) {
      const Input in = script_.begin()->second;
      script_.erase(script_.begin());
      Feed(in);
      return;
    }
    for (auto it = timers_.begin(); it != timers_.end(); ++it) {
      if (it->second != now_) continue;
      const TimerName name = it->first;
      timers_.erase(it);
      Feed(Input::Timer(name));
      return;
    }
  }
  void RunUntil(double t) {
    for (auto next = NextEvent(); next && *next <= Sec(t); next = NextEvent()) Step();
    if (now_ < Sec(t)) now_ = Sec(t);
  }
  void RunToEnd() { RunUntil(100'000); }

  // For a test that wires two drivers together.
  void set_now(sim::SimTime t) { now_ = t; }
  void set_connected(bool connected) { connected_ = connected; }
  std::vector<Message> TakeOutbox() { return std::exchange(outbox_, {}); }

  Machine& machine() { return machine_; }
  sim::SimTime now() const { return now_; }
  const std::vector<Sent>& sent() const { return sent_; }
  const std::vector<Told>& told() const { return told_; }
  std::optional<sim::SimTime> terminated_at() const { return terminated_at_; }
  bool running(TimerName t) const { return timers_.contains(t); }
  std::optional<int64_t> TerminatedMs() const {
    if (!terminated_at_) return std::nullopt;
    return Ms(*terminated_at_);
  }

  // Times of the sends (all, or those of one request method / status).
  std::vector<int64_t> SendTimesMs() const {
    std::vector<int64_t> ms;
    for (const Sent& s : sent_) ms.push_back(Ms(s.at));
    return ms;
  }
  std::vector<int64_t> SendTimesMs(int status) const {
    std::vector<int64_t> ms;
    for (const Sent& s : sent_) {
      if (s.message.status == status) ms.push_back(Ms(s.at));
    }
    return ms;
  }
  std::vector<int64_t> SendTimesMs(Method request_method) const {
    std::vector<int64_t> ms;
    for (const Sent& s : sent_) {
      if (s.message.is_request() && s.message.method == request_method) ms.push_back(Ms(s.at));
    }
    return ms;
  }
  // TU notifications as "<ms> <description>", e.g. "32000 timeout B".
  std::vector<std::string> ToldLines() const {
    std::vector<std::string> lines;
    for (const Told& t : told_)
      lines.push_back(std::to_string(Ms(t.at)) + " " + Describe(t.effect));
    return lines;
  }

 private:
  void Apply(const Effects& out) {
    if (terminated_at_) {
      EXPECT_TRUE(out.empty()) << "effects after Terminated";
    }
    for (const Effect& e : out) {
      switch (e.kind) {
        case Effect::Kind::kStopTimer:
          EXPECT_EQ(timers_.erase(e.timer), 1u)
              << "stopped timer " << TimerNameString(e.timer) << " that is not running";
          break;
        case Effect::Kind::kStartTimer:
          EXPECT_GT(e.delay, sim::Duration()) << "zero-delay timer " << TimerNameString(e.timer);
          timers_[e.timer] = now_ + e.delay;
          break;
        case Effect::Kind::kSend:
          sent_.push_back({now_, e.message});
          if (connected_) outbox_.push_back(e.message);
          break;
        case Effect::Kind::kTerminated:
          EXPECT_EQ(&e, out.end() - 1) << "Terminated is not the last effect";
          EXPECT_TRUE(timers_.empty()) << "terminated with timers running";
          terminated_at_ = now_;
          break;
        case Effect::Kind::kPassToTu:
        case Effect::Kind::kTimeout:
        case Effect::Kind::kTransportError:
        case Effect::Kind::kNoAck:
          told_.push_back({now_, e});
          break;
      }
    }
  }

  TimerProfile profile_;  // the machine keeps a pointer to it
  Machine machine_;
  sim::SimTime now_;
  std::map<TimerName, sim::SimTime> timers_;
  std::multimap<sim::SimTime, Input> script_;
  std::vector<Sent> sent_;
  std::vector<Told> told_;
  std::vector<Message> outbox_;
  bool connected_ = false;
  std::optional<sim::SimTime> terminated_at_;
};

// Runs a client and a server driver over a zero-delay wire until `until`
// seconds: each step's sends reach the other side after the step.
template <class Client, class Server>
void RunPair(Driver<Client>& client, Driver<Server>& server, double until) {
  client.set_connected(true);
  server.set_connected(true);
  for (;;) {
    const auto c = client.NextEvent();
    const auto s = server.NextEvent();
    const bool client_first = c && (!s || *c <= *s);
    const std::optional<sim::SimTime> next = client_first ? c : s;
    if (!next || *next > Sec(until)) break;
    client.set_now(*next);
    server.set_now(*next);
    if (client_first) {
      client.Step();
    } else {
      server.Step();
    }
    for (;;) {
      const std::vector<Message> up = client.TakeOutbox();
      const std::vector<Message> down = server.TakeOutbox();
      if (up.empty() && down.empty()) break;
      for (const Message& m : up) server.Feed(Input::Received(m));
      for (const Message& m : down) client.Feed(Input::Received(m));
    }
  }
}

// One row of a state x input table: from Start, `path` leads to `from`;
// `input` then leads to `to` with exactly `effects` (see Describe) and grows
// ignored_inputs() by `ignored`.
template <class Machine>
struct Row {
  std::string name;
  bool reliable = false;
  std::vector<Input> path;
  typename Machine::State from;
  Input input;
  typename Machine::State to;
  std::vector<std::string> effects;
  uint64_t ignored = 0;
};

// gtest prints a row by its name.
template <class Machine>
void PrintTo(const Row<Machine>& row, std::ostream* os) {
  *os << row.name;
}

template <class Machine>
Row<Machine> MakeRow(std::string name, std::vector<Input> path, typename Machine::State from,
                     Input input, typename Machine::State to, std::vector<std::string> effects,
                     uint64_t ignored = 0, bool reliable = false) {
  return Row<Machine>{std::move(name), reliable, std::move(path),    from,
                      input,           to,       std::move(effects), ignored};
}

template <class Machine>
void CheckRow(const Row<Machine>& row, const TimerProfile& profile, const Message& request) {
  Machine m(profile, row.reliable, request);
  m.Start(sim::SimTime());
  for (const Input& in : row.path) m.OnInput(sim::SimTime(), in);
  ASSERT_STREQ(StateName(m.state()), StateName(row.from)) << "path does not reach the state";
  const uint64_t ignored = m.ignored_inputs();
  const Effects out = m.OnInput(sim::SimTime(), row.input);
  EXPECT_STREQ(StateName(m.state()), StateName(row.to));
  EXPECT_EQ(Describe(out), row.effects);
  EXPECT_EQ(m.ignored_inputs() - ignored, row.ignored);
}

template <class Machine>
std::string RowName(const ::testing::TestParamInfo<Row<Machine>>& info) {
  return info.param.name;
}

// Timelines run at T1 = 0.5 s and T1 = 1 s (sip-semantics.md §0, A1b):
// INSTANTIATE_TEST_SUITE_P(T1, Suite, ::testing::Values(500, 1000), T1Name).
class T1Param : public ::testing::TestWithParam<int64_t> {
 protected:
  int64_t t1() const { return GetParam(); }
  TimerProfile Rfc() const { return WithT1(Rfc3261Profile(), t1()); }
  // An expectation written out for each T1, where it does not simply scale.
  template <class T>
  T ByT1(T at_t1_500ms, T at_t1_1s) const {
    return t1() == 500 ? at_t1_500ms : at_t1_1s;
  }
};
inline std::string T1Name(const ::testing::TestParamInfo<int64_t>& info) {
  return "T1_" + std::to_string(info.param) + "ms";
}

}  // namespace crankback::sip::testing
