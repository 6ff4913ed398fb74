// Records the messages of the first calls of a run, for traces and captures.
//
//   TraceRecorder recorder(/*calls=*/20);   sip.SetObserver(&recorder);
//   engine.Run();   std::vector<TraceEvent> trace = recorder.Take();
//
// A call is its user agent's serial: the recorder keeps every transmission
// (retransmissions and lost messages included) whose Message::origin_call is
// first..calls, i.e. calls first to `calls` of each user agent, on every leg.
// A message built without origin_call (the transaction layer's ACK for a
// non-2xx) is attributed through the leg's Call-ID.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "models/sip/message.h"
#include "models/sip/transport.h"

namespace crankback::sip {

struct TraceEvent {
  sim::SimTime sent;
  sim::SimTime arrival;        // when it reached `message.to`; equals `sent` when lost
  bool lost = false;           // lost on the link (UDP)
  bool ack_for_2xx = false;    // an ACK confirming a 2xx: a transaction of its own
  sim::NodeId leg_caller = 0;  // the node that sent this leg's INVITE (owns the From tag)
  uint32_t call = 0;           // the call's serial at its user agent
  Message message;             // `from` and `to` set
};

class TraceRecorder : public TransmissionObserver {
 public:
  explicit TraceRecorder(uint32_t calls, uint32_t first = 1) : calls_(calls), first_(first) {}

  void OnTransmission(const WireTransmission& t) override;
  // The events so far, in the order they were sent.
  std::vector<TraceEvent> Take() { return std::move(events_); }

 private:
  struct Leg {
    uint32_t call = 0;
    sim::NodeId caller = 0;
    uint32_t invite_cseq = 0;  // the leg's latest INVITE transaction ...
    int16_t invite_final = 0;  // ... and the final status sent for it (0: none yet)
  };

  uint32_t calls_;
  uint32_t first_;
  std::unordered_map<uint64_t, Leg> legs_;  // by leg Call-ID
  std::vector<TraceEvent> events_;
};

}  // namespace crankback::sip
