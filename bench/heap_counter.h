// Counts what operator new hands out in a benchmark binary, so a benchmark can
// report the memory its model holds, the most it held at once, and check that a
// steady state allocates nothing per event.
//
//   const HeapSnapshot before = HeapNow();
//   BuildModel();  const int64_t model_bytes = HeapNow().live_bytes - before.live_bytes;
//   ResetHeapPeak();  RunModel();
//   const int64_t peak_bytes = HeapNow().peak_live_bytes - before.live_bytes;
//
// Linking heap_counter.cc into a program replaces the global operator new and
// delete with counting versions over malloc/free; bytes are the allocator's
// usable sizes, so vector capacity and allocator rounding are included.
#pragma once

#include <cstdint>

namespace crankback::bench {

struct HeapSnapshot {
  int64_t live_bytes = 0;       // allocated and not yet freed
  uint64_t allocations = 0;     // calls to operator new so far
  int64_t peak_live_bytes = 0;  // the most live at once since the last ResetHeapPeak()
};

HeapSnapshot HeapNow();
// Starts a new peak from the bytes live now.
void ResetHeapPeak();

}  // namespace crankback::bench
