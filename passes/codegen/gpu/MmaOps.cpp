//===- MmaOps.cpp - building tensor-core kernels --------------------------===//

#include "passes/codegen/gpu/MmaOps.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace tessel::mma {

FailureOr<Type> mmaElementType(Operation *scope, StringRef pass,
                               StringRef name) {
  Builder b(scope->getContext());
  if (name == "bf16")
    return Type(b.getBF16Type());
  if (name == "f16")
    return Type(b.getF16Type());
  return scope->emitError() << pass << ": element-type must be bf16 or f16, "
                            << "got '" << name << "'";
}

void launchNamed(OpBuilder &b, Location loc, StringRef name,
                 ArrayRef<Value> grid, ArrayRef<Value> block, Value sharedBytes,
                 function_ref<void(mlir::gpu::LaunchOp)> build) {
  auto symbol = FlatSymbolRefAttr::get(b.getContext(), name);
  auto launch = mlir::gpu::LaunchOp::create(
      b, loc, grid[0], grid[1], grid[2], block[0], block[1], block[2],
      sharedBytes, Type(), ValueRange{}, TypeRange{}, TypeRange{}, Value(),
      Value(), Value(), symbol, symbol);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&launch.getBody().front());
  build(launch);
  mlir::gpu::TerminatorOp::create(b, loc);
}

Value MmaOps::i32(int64_t v) {
  return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(v));
}

SmallVector<Value> MmaOps::ldmatrix(Value tileBuffer, Value at,
                                    bool transpose) {
  auto type = VectorType::get({4, 2}, element);
  Value m = nvgpu::LdMatrixOp::create(b, loc, type, tileBuffer, ValueRange{at},
                                      transpose, 4);
  SmallVector<Value> regs;
  for (int64_t i = 0; i < 4; ++i) {
    Value pairV = vector::ExtractOp::create(b, loc, m, i);
    regs.push_back(packed(pairV));
  }
  return regs;
}

Value MmaOps::packed(Value pairV) {
  if (element.isF16())
    return pairV;
  Value asInt = vector::BitCastOp::create(
      b, loc, VectorType::get({1}, b.getI32Type()), pairV);
  return vector::ExtractOp::create(b, loc, asInt, 0);
}

Value MmaOps::pack(Value x, Value y) {
  Value v = vector::FromElementsOp::create(b, loc, VectorType::get({2}, f32),
                                           ValueRange{x, y});
  return packed(
      arith::TruncFOp::create(b, loc, VectorType::get({2}, element), v));
}

void MmaOps::mma(ArrayRef<Value> a, ArrayRef<Value> bRegs,
                 MutableArrayRef<Value> acc) {
  auto type = element.isBF16() ? NVVM::MMATypes::bf16 : NVVM::MMATypes::f16;
  auto result = LLVM::LLVMStructType::getLiteral(b.getContext(),
                                                 SmallVector<Type>(4, f32));
  Value r = NVVM::MmaOp::create(
      b, loc, result, a, bRegs, SmallVector<Value>(acc.begin(), acc.end()),
      {16, 8, 16}, std::nullopt, std::nullopt,
      std::array<NVVM::MMATypes, 2>{type, type},
      std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                     NVVM::MMALayout::col});
  for (int64_t i = 0; i < 4; ++i)
    acc[i] = LLVM::ExtractValueOp::create(b, loc, r, i);
}

Value MmaOps::shuffleXor(Value v, int64_t offset) {
  return mlir::gpu::ShuffleOp::create(b, loc, v, i32(offset), i32(32),
                                      mlir::gpu::ShuffleMode::XOR)
      .getShuffleResult();
}

SmallVector<Value> MmaOps::swizzledOffsets(Value row, Value x, int64_t width,
                                           int64_t sw) {
  SmallVector<Value> byU;
  Value swizzled = ix.xorI(x, ix.rem(row, sw));
  for (int64_t u = 0; u < sw; u += 2)
    byU.push_back(ix.add(ix.mul(row, width), ix.mul(ix.xorI(swizzled, u), 8)));
  return byU;
}

Value MmaOps::swizzledAt(ArrayRef<Value> byU, int64_t t, int64_t sw,
                         int64_t width, int64_t rowStep) {
  int64_t u = (2 * t) % sw;
  return ix.add(byU[u / 2], rowStep * width + (2 * t - u) * 8);
}

} // namespace tessel::mma
