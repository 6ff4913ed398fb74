// A hash table for the per-node state that a simulation creates and destroys
// millions of times: values live in a pool of fixed-size chunks (addresses
// stay put while the table grows, and a freed slot is reused without a heap
// allocation), and the index is a flat open-addressing array of 8-byte
// buckets (linear probing, backward-shift deletion, no tombstones).
//
//   FlatTable<Key, Tx, KeyHash> txs;
//   auto [it, inserted] = txs.emplace(key, Tx{...});   // it->first, it->second
//   if (auto f = txs.find(key); f != txs.end()) txs.erase(f);
//
// The interface is the part of std::unordered_map that the stack uses, with
// the same guarantees: a value's address is stable until it is erased, and
// find/insert/erase never invalidate iterators or pointers to other values.
// There is no iteration over the table, so its order can never reach a result.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <new>
#include <utility>
#include <vector>

#include "sim/rng.h"

namespace crankback::sim {

// A hash for integer keys such as Call-IDs, which are often sequential: the
// table indexes by the low bits, so every bit of the key must reach them.
struct Mix64Hash {
  size_t operator()(uint64_t key) const { return Mix64(key); }
};

template <class K, class V, class Hash>
class FlatTable {
 public:
  struct Entry {
    K first;
    V second;
  };
  // Names one value by its pool slot; stays valid until that value is erased.
  class iterator {
   public:
    iterator() = default;
    Entry* operator->() const { return table_->At(slot_); }
    Entry& operator*() const { return *table_->At(slot_); }
    bool operator==(const iterator& o) const { return slot_ == o.slot_; }
    uint32_t slot() const { return slot_; }

   private:
    friend class FlatTable;
    iterator(FlatTable* table, uint32_t slot) : table_(table), slot_(slot) {}
    FlatTable* table_ = nullptr;
    uint32_t slot_ = kNone;
  };

  FlatTable() = default;
  FlatTable(const FlatTable&) = delete;
  FlatTable& operator=(const FlatTable&) = delete;
  ~FlatTable() {
    for (Bucket b : buckets_) {
      if (b.slot_plus1 != 0) At(b.slot_plus1 - 1)->~Entry();
    }
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  iterator end() { return iterator(this, kNone); }

  iterator find(const K& key) {
    if (size_ == 0) return end();
    const uint32_t h = HashOf(key);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Bucket b = buckets_[i];
      if (b.slot_plus1 == 0) return end();
      if (b.hash == h && At(b.slot_plus1 - 1)->first == key)
        return iterator(this, b.slot_plus1 - 1);
    }
  }
  size_t count(const K& key) { return find(key) == end() ? 0 : 1; }
  // The value of `key`, which must be in the table (a missing key aborts).
  V& at(const K& key) {
    const iterator it = find(key);
    if (it == end()) [[unlikely]] {
      std::fputs("crankback: internal error: FlatTable::at: no such key\n", stderr);
      std::abort();
    }
    return it->second;
  }
  // The entry (key and value) at `slot` if that slot holds one, else nullptr.
  Entry* entry_at(uint32_t slot) { return slot < live_.size() && live_[slot] ? At(slot) : nullptr; }
  V* value_at(uint32_t slot) {
    Entry* e = entry_at(slot);
    return e != nullptr ? &e->second : nullptr;
  }
  // Asks the cache for the entry at `slot` (if the slot exists), ahead of its use.
  // Always inlined: a call that only prefetches looks pure to GCC, which then
  // drops it.
  [[gnu::always_inline]] void prefetch(uint32_t slot) const {
    if ((slot >> kChunkBits) >= chunks_.size()) return;
    const char* p = reinterpret_cast<const char*>(At(slot));
    for (size_t line = 0; line < sizeof(Entry); line += 64) __builtin_prefetch(p + line);
  }
  // Asks the cache for the index bucket of the live entry at `slot`, whose key
  // is read: call it once prefetch(slot) has had time to load the entry.
  [[gnu::always_inline]] void prefetch_bucket(uint32_t slot) const {
    if ((slot >> kChunkBits) >= chunks_.size() || buckets_.empty()) return;
    __builtin_prefetch(&buckets_[HashOf(At(slot)->first) & mask_]);
  }
  // Asks the cache for the index bucket where a lookup of `key` starts, ahead
  // of a find or emplace of it.
  [[gnu::always_inline]] void prefetch_key(const K& key) const {
    if (!buckets_.empty()) __builtin_prefetch(&buckets_[HashOf(key) & mask_]);
  }
  iterator iterator_at(uint32_t slot) {
    return entry_at(slot) != nullptr ? iterator(this, slot) : end();
  }
  // The value at `slot` if it is live and holds `key`; else find(key). For
  // callbacks that remember where their value was.
  iterator find_at(uint32_t slot, const K& key) {
    if (const Entry* e = entry_at(slot); e != nullptr && e->first == key)
      return iterator(this, slot);
    return find(key);
  }

  template <class... Args>
  std::pair<iterator, bool> emplace(const K& key, Args&&... args) {
    if (iterator it = find(key); it != end()) return {it, false};
    if ((size_ + 1) * 4 > buckets_.size() * 3) Grow();
    const uint32_t slot = AcquireSlot();
    ::new (static_cast<void*>(At(slot))) Entry{key, V(std::forward<Args>(args)...)};
    live_[slot] = true;
    const uint32_t h = HashOf(key);
    size_t i = h & mask_;
    while (buckets_[i].slot_plus1 != 0) i = (i + 1) & mask_;
    buckets_[i] = Bucket{slot + 1, h};
    ++size_;
    return {iterator(this, slot), true};
  }
  V& operator[](const K& key) { return emplace(key).first->second; }

  void erase(iterator it) {
    const uint32_t slot = it.slot_;
    const uint32_t h = HashOf(At(slot)->first);
    size_t i = h & mask_;
    while (buckets_[i].slot_plus1 != slot + 1) i = (i + 1) & mask_;
    // Backward-shift deletion: pull later members of the probe run into the hole.
    for (size_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
      const Bucket b = buckets_[j];
      if (b.slot_plus1 == 0) break;
      const size_t home = b.hash & mask_;
      // Move b into the hole unless its home lies cyclically in (i, j].
      const bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
      if (stays) continue;
      buckets_[i] = b;
      i = j;
    }
    buckets_[i] = Bucket{};
    At(slot)->~Entry();
    live_[slot] = false;
    free_.push_back(slot);
    --size_;
  }
  // Calls f(entry) on every entry, then empties the table (slots are kept for reuse).
  template <class F>
  void Clear(F&& f) {
    for (Bucket& b : buckets_) {
      if (b.slot_plus1 == 0) continue;
      const uint32_t slot = b.slot_plus1 - 1;
      f(*At(slot));
      At(slot)->~Entry();
      live_[slot] = false;
      free_.push_back(slot);
      b = Bucket{};
    }
    size_ = 0;
  }
  void clear() {
    Clear([](Entry&) {});
  }
  size_t erase(const K& key) {
    iterator it = find(key);
    if (it == end()) return 0;
    erase(it);
    return 1;
  }

 private:
  static constexpr uint32_t kNone = UINT32_MAX;
  static constexpr uint32_t kChunkBits = 7;  // 128 values per chunk
  static constexpr uint32_t kChunk = uint32_t{1} << kChunkBits;
  struct Bucket {
    uint32_t slot_plus1 = 0;  // 0: empty
    uint32_t hash = 0;
  };
  struct alignas(Entry) Storage {
    unsigned char bytes[sizeof(Entry)];
  };

  static uint32_t HashOf(const K& key) { return static_cast<uint32_t>(Hash{}(key)); }
  Entry* At(uint32_t slot) const {
    return std::launder(
        reinterpret_cast<Entry*>(chunks_[slot >> kChunkBits][slot & (kChunk - 1)].bytes));
  }
  uint32_t AcquireSlot() {
    if (!free_.empty()) {
      const uint32_t slot = free_.back();
      free_.pop_back();
      return slot;
    }
    if (live_.size() % kChunk == 0) chunks_.push_back(std::make_unique<Storage[]>(kChunk));
    live_.push_back(false);
    return static_cast<uint32_t>(live_.size() - 1);
  }
  void Grow() {
    std::vector<Bucket> old = std::move(buckets_);
    buckets_.assign(old.empty() ? 16 : old.size() * 2, Bucket{});
    mask_ = buckets_.size() - 1;
    for (Bucket b : old) {
      if (b.slot_plus1 == 0) continue;
      size_t i = b.hash & mask_;
      while (buckets_[i].slot_plus1 != 0) i = (i + 1) & mask_;
      buckets_[i] = b;
    }
  }

  std::vector<Bucket> buckets_;
  size_t mask_ = 0;
  size_t size_ = 0;
  std::vector<std::unique_ptr<Storage[]>> chunks_;
  std::vector<bool> live_;  // per slot
  std::vector<uint32_t> free_;
};

}  // namespace crankback::sim
