//===- BlockPoolTest.cpp - the paged KV cache's block pool ----------------===//

#include "runtime/Generator.h"

#include <gtest/gtest.h>

#include <set>

using namespace tessel;

TEST(BlockPoolTest, HandsOutEveryBlockButScratchOnce) {
  BlockPool pool;
  pool.reset(4);
  std::set<int64_t> handed;
  for (int i = 0; i < 3; ++i)
    handed.insert(pool.allocate());
  EXPECT_EQ(handed, (std::set<int64_t>{1, 2, 3}));
  EXPECT_EQ(pool.allocate(), -1); // Full: block 0 is never handed out.
  EXPECT_EQ(pool.used(), 3);
  EXPECT_EQ(pool.peak(), 3);
}

TEST(BlockPoolTest, SharedBlocksFreeAtTheLastRelease) {
  BlockPool pool;
  pool.reset(3);
  int64_t block = pool.allocate();
  pool.retain(block);
  EXPECT_EQ(pool.referencesOf(block), 2);
  pool.release(block);
  EXPECT_EQ(pool.used(), 1); // Still held by its other sequence.
  pool.release(block);
  EXPECT_EQ(pool.used(), 0);
  EXPECT_EQ(pool.peak(), 1);
  // Free again: handed out once more, before the never-used block.
  EXPECT_EQ(pool.allocate(), block);
}

TEST(BlockPoolTest, ReleasingScratchOrAFreeBlockChangesNothing) {
  BlockPool pool;
  pool.reset(3);
  int64_t block = pool.allocate();
  pool.release(0);
  pool.release(block);
  pool.release(block); // A second release of a free block is ignored.
  EXPECT_EQ(pool.used(), 0);
  EXPECT_NE(pool.allocate(), -1);
  EXPECT_NE(pool.allocate(), -1);
  EXPECT_EQ(pool.allocate(), -1);
}
