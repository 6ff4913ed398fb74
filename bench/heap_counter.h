// Counts what operator new hands out in a benchmark binary, so a benchmark can
// report the memory its model holds and check that a steady state allocates
// nothing per event.
//
//   const HeapSnapshot before = HeapNow();
//   BuildModel();  const int64_t model_bytes = HeapNow().live_bytes - before.live_bytes;
//
// Linking heap_counter.cc into a program replaces the global operator new and
// delete with counting versions over malloc/free; bytes are the allocator's
// usable sizes, so vector capacity and allocator rounding are included.
#pragma once

#include <cstdint>

namespace crankback::bench {

struct HeapSnapshot {
  int64_t live_bytes = 0;    // allocated and not yet freed
  uint64_t allocations = 0;  // calls to operator new so far
};

HeapSnapshot HeapNow();

}  // namespace crankback::bench
