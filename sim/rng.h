// Random streams keyed by stable names, never by creation order.
//
//   RngFactory rng(seed, replication);
//   RngStream arrivals = rng.Stream("caller1", "arrivals");
//
// A stream's state is a hash of (seed, replication, owner, purpose[, index]), so
// adding a node or a purpose leaves every other stream's draws unchanged, and
// every policy compared in one replication sees the same arrivals (common random
// numbers). The generator is xoshiro256++ (Blackman & Vigna), seeded through
// SplitMix64; both are written out here, so draws are identical on any platform.
#pragma once

#include <cstdint>
#include <string_view>

namespace crankback::sim {

// FNV-1a, 64 bit: a stable hash of a name.
constexpr uint64_t HashName(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

// SplitMix64 finalizer: mixes one word into a well-spread word.
constexpr uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

class RngStream {
 public:
  explicit RngStream(uint64_t key);

  uint64_t NextU64() {
    const uint64_t result = Rotl(s_[0] + s_[3], 23) + s_[0];
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  // Uniform on the open interval (0, 1): never 0, never 1, so log(u) is finite.
  // (The largest 53-bit value plus 0.5 rounds to 2^53, hence the clamp below 1.)
  double NextOpenUniform() {
    const double u = (static_cast<double>(NextU64() >> 11) + 0.5) * 0x1.0p-53;
    return u < 1.0 ? u : 0x1.fffffffffffffp-1;
  }
  // Uniform integer in [0, n), n > 0 (Lemire's multiply-shift with rejection).
  uint64_t NextBelow(uint64_t n);
  // True with probability p.
  bool NextBernoulli(double p) { return p > 0 && NextOpenUniform() < p; }

 private:
  static constexpr uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

class RngFactory {
 public:
  RngFactory(uint64_t seed, uint64_t replication)
      : base_(Mix64(Mix64(seed) ^ (replication * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL))) {}

  RngStream Stream(std::string_view owner, std::string_view purpose) const {
    return RngStream(Key(owner, purpose));
  }
  // A sub-stream per entity (a call, a link direction), cheap to create on demand.
  RngStream Stream(std::string_view owner, std::string_view purpose, uint64_t index) const {
    return RngStream(Mix64(Key(owner, purpose) ^ Mix64(index + 0x2545f4914f6cdd1dULL)));
  }
  uint64_t Key(std::string_view owner, std::string_view purpose) const {
    return Mix64(base_ ^ Mix64(HashName(owner)) ^ (Mix64(HashName(purpose)) * 3));
  }

 private:
  uint64_t base_;
};

}  // namespace crankback::sim
