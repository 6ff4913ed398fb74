#include "sim/rng.h"

namespace crankback::sim {

__extension__ using Uint128 = unsigned __int128;

RngStream::RngStream(uint64_t key) {
  uint64_t x = key;
  for (uint64_t& word : s_) {
    x += 0x9e3779b97f4a7c15ULL;
    word = Mix64(x);
  }
}

uint64_t RngStream::NextBelow(uint64_t n) {
  Uint128 m = static_cast<Uint128>(NextU64()) * n;
  uint64_t low = static_cast<uint64_t>(m);
  if (low < n) {
    const uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<Uint128>(NextU64()) * n;
      low = static_cast<uint64_t>(m);
    }
  }
  return static_cast<uint64_t>(m >> 64);
}

}  // namespace crankback::sim
