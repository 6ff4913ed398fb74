#include "bench/heap_counter.h"

#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <new>

namespace crankback::bench {
namespace {

std::atomic<int64_t> live_bytes{0};
std::atomic<uint64_t> allocations{0};
std::atomic<int64_t> peak_live_bytes{0};

void* Counted(void* p) {
  if (p == nullptr) throw std::bad_alloc();
  const auto size = static_cast<int64_t>(malloc_usable_size(p));
  const int64_t live = live_bytes.fetch_add(size, std::memory_order_relaxed) + size;
  allocations.fetch_add(1, std::memory_order_relaxed);
  int64_t peak = peak_live_bytes.load(std::memory_order_relaxed);
  while (live > peak &&
         !peak_live_bytes.compare_exchange_weak(peak, live, std::memory_order_relaxed)) {
  }
  return p;
}

void Uncount(void* p) {
  if (p == nullptr) return;
  live_bytes.fetch_sub(static_cast<int64_t>(malloc_usable_size(p)), std::memory_order_relaxed);
  std::free(p);
}

void* AlignedAlloc(std::size_t n, std::align_val_t al) {
  const std::size_t align = static_cast<std::size_t>(al);
  return std::aligned_alloc(align, (n + align - 1) / align * align);
}

}  // namespace

HeapSnapshot HeapNow() {
  return HeapSnapshot{live_bytes.load(std::memory_order_relaxed),
                      allocations.load(std::memory_order_relaxed),
                      peak_live_bytes.load(std::memory_order_relaxed)};
}

void ResetHeapPeak() {
  peak_live_bytes.store(live_bytes.load(std::memory_order_relaxed), std::memory_order_relaxed);
}

}  // namespace crankback::bench

// The replaceable global allocation functions ([new.delete]); the array and
// nothrow forms that are not listed here forward to these in libstdc++.
void* operator new(std::size_t n) { return crankback::bench::Counted(std::malloc(n ? n : 1)); }
void* operator new(std::size_t n, std::align_val_t al) {
  return crankback::bench::Counted(crankback::bench::AlignedAlloc(n ? n : 1, al));
}
void operator delete(void* p) noexcept { crankback::bench::Uncount(p); }
void operator delete(void* p, std::size_t) noexcept { crankback::bench::Uncount(p); }
void operator delete(void* p, std::align_val_t) noexcept { crankback::bench::Uncount(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  crankback::bench::Uncount(p);
}
