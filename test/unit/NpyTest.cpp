//===- NpyTest.cpp - .npy parsing and writing -----------------------------===//

#include "runtime/Npy.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

using namespace tessel;

namespace {

/// A version-1 .npy image with the given header dictionary and payload.
std::string image(const std::string &dict, const std::string &payload) {
  std::string header = dict;
  header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
  header.push_back('\n');
  std::string out("\x93NUMPY\x01\x00", 8);
  uint16_t len = header.size();
  out.append(reinterpret_cast<const char *>(&len), 2);
  return out + header + payload;
}

} // namespace

TEST(NpyTest, RoundTripsEveryDType) {
  for (DType dtype : {DType::F32, DType::F16, DType::I32, DType::I64}) {
    Tensor t = Tensor::zeros(dtype, {2, 3});
    for (int i = 0; i < 6; ++i) {
      if (isFloat(dtype))
        t.floats[i] = i - 2.5f;
      else
        t.ints[i] = (i - 2) * 1000;
    }
    Tensor back;
    Status s = parseNpy(serializeNpy(t), "mem", back);
    ASSERT_TRUE(s.isOk()) << s.message();
    EXPECT_EQ(back.dtype, dtype);
    EXPECT_EQ(back.shape, t.shape);
    EXPECT_EQ(back.floats, t.floats);
    EXPECT_EQ(back.ints, t.ints);
  }
}

TEST(NpyTest, ScalarAndEmptyShapes) {
  Tensor scalar = Tensor::zeros(DType::F32, {});
  scalar.floats[0] = 7.0f;
  Tensor back;
  ASSERT_TRUE(parseNpy(serializeNpy(scalar), "mem", back).isOk());
  EXPECT_TRUE(back.shape.empty());
  EXPECT_EQ(back.floats[0], 7.0f);
  Tensor empty = Tensor::zeros(DType::I64, {0, 4});
  ASSERT_TRUE(parseNpy(serializeNpy(empty), "mem", back).isOk());
  EXPECT_EQ(back.shape, (std::vector<int64_t>{0, 4}));
}

TEST(NpyTest, DataStartsOn64ByteBoundary) {
  std::string bytes = serializeNpy(Tensor::zeros(DType::F32, {3}));
  EXPECT_EQ((bytes.size() - 12) % 64, 0u);
}

TEST(NpyTest, RejectsMalformedImages) {
  struct Case {
    std::string bytes, message;
  } cases[] = {
      {"", "not a .npy file"},
      {"PK\x03\x04 zip file", "not a .npy file"},
      {std::string("\x93NUMPY\x01\x00\xff\x00{", 11), "truncated .npy header"},
      {image("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }",
             std::string(8, '\0')),
       "unsupported dtype '<f8'"},
      {image("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }",
             std::string(4, '\0')),
       "unsupported dtype '>f4'"},
      {image("{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }",
             std::string(4, '\0')),
       "Fortran-ordered"},
      {image("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }",
             std::string(12, '\0')),
       "expected 16 bytes, found 12"},
      {image("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", ""),
       "non-negative integers"},
      {image("{'descr': '<f4', 'fortran_order': False, }", ""), "no 'shape'"},
      {image(
           "{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, "
           "1099511627776), }",
           ""),
       "larger than the file"},
      {std::string("\x93NUMPY\x07\x00\x10\x00", 10), "format version 7"},
  };
  for (const Case &c : cases) {
    Tensor t;
    Status s = parseNpy(c.bytes, "bad.npy", t);
    ASSERT_FALSE(s.isOk()) << c.message;
    EXPECT_NE(s.message().find("bad.npy: "), std::string::npos) << s.message();
    EXPECT_NE(s.message().find(c.message), std::string::npos) << s.message();
  }
}

TEST(NpyTest, ReadsVersionTwoHeaders) {
  std::string dict =
      "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }";
  std::string bytes("\x93NUMPY\x02\x00", 8);
  uint32_t len = dict.size();
  bytes.append(reinterpret_cast<const char *>(&len), 4);
  int32_t values[2] = {-3, 9};
  bytes += dict + std::string(reinterpret_cast<const char *>(values), 8);
  Tensor t;
  ASSERT_TRUE(parseNpy(bytes, "v2", t).isOk());
  EXPECT_EQ(t.dtype, DType::I32);
  EXPECT_EQ(t.ints, (std::vector<int64_t>{-3, 9}));
}

TEST(NpyTest, FileErrorsNameThePath) {
  Tensor t;
  Status s = readNpy("/nonexistent/dir/x.npy", t);
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("/nonexistent/dir/x.npy: cannot open"),
            std::string::npos);
  s = writeNpy("/nonexistent/dir/y.npy", Tensor::zeros(DType::F32, {1}));
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("/nonexistent/dir/y.npy"), std::string::npos);
}

TEST(NpyTest, WriteLeavesNoTemporaryBehind) {
  std::string path = ::testing::TempDir() + "tessel_npy_test.npy";
  ASSERT_TRUE(writeNpy(path, Tensor::zeros(DType::F16, {4})).isOk());
  Tensor back;
  ASSERT_TRUE(readNpy(path, back).isOk());
  EXPECT_EQ(back.dtype, DType::F16);
  EXPECT_FALSE(std::ifstream(path + ".tmp").good());
  std::remove(path.c_str());
}
