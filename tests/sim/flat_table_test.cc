#include "sim/flat_table.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "sim/rng.h"

namespace crankback::sim {
namespace {

struct MixHash {
  size_t operator()(uint64_t k) const { return Mix64(k); }
};
struct BadHash {  // every key in one probe run: exercises backward-shift deletion
  size_t operator()(uint64_t k) const { return k % 3; }
};

struct WrapHash {  // homes at the last bucket, runs wrapping to the first; five hashes
  size_t operator()(uint64_t k) const { return 0x10000000u * (k % 5) + 0xFFFFFFu; }
};

template <class Hash>
void MatchesUnorderedMap(uint64_t key_range, int steps) {
  FlatTable<uint64_t, uint64_t, Hash> table;
  std::unordered_map<uint64_t, uint64_t> reference;
  RngStream rng(7);
  for (int i = 0; i < steps; ++i) {
    const uint64_t key = rng.NextBelow(key_range);
    if (rng.NextBelow(3) == 0) {
      EXPECT_EQ(table.erase(key), reference.erase(key)) << "step " << i;
    } else {
      auto [it, inserted] = table.emplace(key, key * 10 + static_cast<uint64_t>(i));
      auto [ref, ref_inserted] = reference.emplace(key, key * 10 + static_cast<uint64_t>(i));
      EXPECT_EQ(inserted, ref_inserted) << "step " << i;
      EXPECT_EQ(it->second, ref->second) << "step " << i;
    }
    ASSERT_EQ(table.size(), reference.size());
  }
  for (uint64_t k = 0; k < key_range; ++k) {
    auto it = table.find(k);
    auto ref = reference.find(k);
    ASSERT_EQ(it == table.end(), ref == reference.end()) << "key " << k;
    if (ref != reference.end()) {
      EXPECT_EQ(it->first, k);
      EXPECT_EQ(it->second, ref->second);
    }
  }
}

TEST(FlatTable, MatchesUnorderedMapUnderRandomInsertsAndErases) {
  MatchesUnorderedMap<MixHash>(5000, 100000);
}

TEST(FlatTable, BackwardShiftDeletionKeepsLongProbeRunsFindable) {
  MatchesUnorderedMap<BadHash>(300, 20000);
}

// Keys that share a home bucket but not a hash, in runs across the end of the array.
TEST(FlatTable, ProbeRunsWrapAroundTheEndOfTheIndex) { MatchesUnorderedMap<WrapHash>(300, 20000); }

TEST(FlatTable, ValuesStayInPlaceWhileTheTableGrowsAndFreedSlotsAreReused) {
  FlatTable<uint64_t, uint64_t, MixHash> table;
  uint64_t* first = &table.emplace(1, 100).first->second;
  for (uint64_t k = 2; k < 10000; ++k) table.emplace(k, k);
  EXPECT_EQ(&table.find(1)->second, first);
  EXPECT_EQ(*first, 100u);
  const uint32_t slot = table.find(5000).slot();
  table.erase(table.find(5000));
  EXPECT_EQ(table.count(5000), 0u);
  EXPECT_EQ(table.emplace(20000, 1).first.slot(), slot);
  // find_at: the remembered slot when it still holds the key, else a lookup.
  EXPECT_EQ(table.find_at(slot, 20000)->second, 1u);
  EXPECT_EQ(table.find_at(slot, 7)->second, 7u);
  EXPECT_TRUE(table.find_at(slot, 5000) == table.end());
  table[30000] = 5;
  EXPECT_EQ(table.find(30000)->second, 5u);
  EXPECT_EQ(table.size(), 10000u);
}

// Call-IDs (a node's serials under its id in the high bits) that differ in
// their low bits or only in their high bits spread over the low bits that pick
// a bucket; at() and clear() as unordered_map's.
TEST(FlatTable, Mix64HashSpreadsCallIdsAndAtAndClearWork) {
  const uint64_t base = uint64_t{3} << 40;
  std::vector<int> serials(64, 0);
  std::vector<int> nodes(64, 0);
  for (uint64_t k = 0; k < 6400; ++k) {
    ++serials[Mix64Hash{}(base + k) & 63];
    ++nodes[Mix64Hash{}(k << 40) & 63];
  }
  for (size_t i = 0; i < 64; ++i) {
    EXPECT_GT(serials[i], 50);
    EXPECT_LT(serials[i], 150);
    EXPECT_GT(nodes[i], 50);
    EXPECT_LT(nodes[i], 150);
  }
  FlatTable<uint64_t, uint64_t, Mix64Hash> table;
  for (uint64_t k = 0; k < 1000; ++k) table.emplace(base + k, k);
  EXPECT_EQ(table.at(base + 777), 777u);
  table.at(base + 777) = 5;
  EXPECT_EQ(table.find(base + 777)->second, 5u);
  EXPECT_DEATH(table.at(base + 1000), "FlatTable::at: no such key");
  const uint32_t slot = table.find(base + 10).slot();
  table.clear();
  EXPECT_TRUE(table.empty());
  EXPECT_EQ(table.count(base + 10), 0u);
  EXPECT_EQ(table.value_at(slot), nullptr);
  table.emplace(1, 2);  // the freed slots are reused, the index starts afresh
  EXPECT_LT(table.find(1).slot(), 1000u);
  EXPECT_EQ(table.size(), 1u);
}

}  // namespace
}  // namespace crankback::sim
