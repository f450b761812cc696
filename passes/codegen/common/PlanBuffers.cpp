//===- PlanBuffers.cpp - one workspace for a function's temporaries ------===//
//
// After bufferization every intermediate tensor of a function is a
// `memref.alloc` at the top level of its body. This pass plans their memory:
//
// 1. A buffer is live from its allocation to the last top-level op that
//    touches it or a view of it. Buffers a function returns are not planned.
// 2. Linear scan: a buffer takes a slot whose last buffer died before it is
//    allocated (preferring one whose buffers have the same dynamic sizes, so
//    that the slot does not grow), else a new slot.
// 3. A slot is as large as its largest buffer, rounded up to 64 bytes; the
//    slots lie one after another in one workspace. Sizes may depend on the
//    function's dynamic dimensions (batch, sequence), so they are computed at
//    the start of the function from its arguments.
// 4. Each planned alloc becomes a `memref.view` of the workspace.
//
// The workspace is either allocated by the function, or (workspace-argument)
// passed in by the caller as a trailing `memref<?xi8>` argument, whose size
// the generated function NAME_workspace(args..., memref<2xi64>) writes
// (with reuse, and what the buffers would take without it).
//
//===----------------------------------------------------------------------===//

#include "passes/codegen/common/ModelParts.h"
#include "passes/codegen/common/Passes.h"

#include "dialect/TesselDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace tessel {
#define GEN_PASS_DEF_TESSELPLANBUFFERS
#include "passes/codegen/common/Passes.h.inc"
} // namespace tessel

using namespace mlir;

namespace {

constexpr int64_t kAlignment = 64;

/// One planned buffer.
struct Buffer {
  memref::AllocOp alloc;
  unsigned start = 0, end = 0; ///< Top-level op indices, inclusive.
  int64_t staticBytes = 1;     ///< Element bytes times the static sizes.
  SmallVector<Value> dynamicSizes;
  unsigned slot = 0;
};

struct Slot {
  unsigned end = 0;
  SmallVector<Value> dynamicSizes; ///< Of its first buffer.
  int64_t staticBytes = 0;         ///< Largest, among same-shaped buffers.
};

/// Whether `v` can be recomputed at the start of the function from the
/// arguments of `entry` alone (constants, dims of arguments, arithmetic).
bool computableAtEntry(Value v, Block &entry, DenseMap<Value, bool> &memo) {
  if (auto arg = dyn_cast<BlockArgument>(v))
    return arg.getOwner() == &entry;
  auto it = memo.find(v);
  if (it != memo.end())
    return it->second;
  Operation *def = v.getDefiningOp();
  bool ok = def->getBlock() == &entry && def->getNumRegions() == 0;
  if (ok) {
    if (auto dim = dyn_cast<memref::DimOp>(def))
      ok = isa<BlockArgument>(dim.getSource());
    else
      ok = isMemoryEffectFree(def);
  }
  for (Value operand : def->getOperands())
    ok = ok && computableAtEntry(operand, entry, memo);
  memo[v] = ok;
  return ok;
}

/// `v` rebuilt at the builder's insertion point (arguments through `map`).
Value materialize(Value v, OpBuilder &b, IRMapping &map) {
  if (Value mapped = map.lookupOrNull(v))
    return mapped;
  if (isa<BlockArgument>(v))
    return v;
  Operation *def = v.getDefiningOp();
  for (Value operand : def->getOperands())
    materialize(operand, b, map);
  b.clone(*def, map);
  return map.lookup(v);
}

/// The index of the last top-level op of `entry` that uses the buffer of
/// `alloc` or a view of it; nullopt when the buffer escapes the function
/// (returned, or passed to an op the analysis cannot follow).
std::optional<unsigned> lastUse(memref::AllocOp alloc, Block &entry,
                                const DenseMap<Operation *, unsigned> &index) {
  unsigned end = index.lookup(alloc);
  SmallVector<Value> work{alloc.getResult()};
  DenseSet<Value> seen;
  while (!work.empty()) {
    Value v = work.pop_back_val();
    if (!seen.insert(v).second)
      continue;
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      if (isa<func::ReturnOp>(user) ||
          isa<bufferization::BufferizationDialect>(user->getDialect()))
        return std::nullopt;
      Operation *top = entry.findAncestorOpInBlock(*user);
      if (!top)
        return std::nullopt;
      end = std::max(end, index.lookup(top));
      // Whatever memref the top-level op produces may alias the buffer:
      // a view of it, or a value yielded out of a loop.
      for (Value result : top->getResults())
        if (isa<BaseMemRefType>(result.getType()))
          work.push_back(result);
    }
  }
  return end;
}

/// The buffer `alloc` describes, if the plan can take it: identity layout,
/// whole-byte elements, sizes computable at the start of the function.
std::optional<Buffer> candidate(memref::AllocOp alloc, Block &entry,
                                DenseMap<Value, bool> &memo) {
  MemRefType type = alloc.getType();
  Type element = type.getElementType();
  if (!type.getLayout().isIdentity() || type.getMemorySpace() ||
      !element.isIntOrFloat() || element.getIntOrFloatBitWidth() % 8 != 0 ||
      !alloc.getSymbolOperands().empty())
    return std::nullopt;
  Buffer buffer;
  buffer.alloc = alloc;
  buffer.staticBytes = element.getIntOrFloatBitWidth() / 8;
  for (int64_t size : type.getShape())
    if (!ShapedType::isDynamic(size))
      buffer.staticBytes *= size;
  for (Value size : alloc.getDynamicSizes()) {
    if (!computableAtEntry(size, entry, memo))
      return std::nullopt;
    buffer.dynamicSizes.push_back(size);
  }
  return buffer;
}

/// Linear scan over buffers in allocation order. Returns the slot count.
unsigned assignSlots(MutableArrayRef<Buffer> buffers) {
  SmallVector<Slot> slots;
  for (Buffer &buffer : buffers) {
    int best = -1;
    std::pair<bool, int64_t> bestCost;
    for (auto [i, slot] : llvm::enumerate(slots)) {
      if (slot.end >= buffer.start)
        continue;
      bool sameShape = slot.dynamicSizes == buffer.dynamicSizes;
      // Same dynamic sizes first, then the smallest change in static size.
      std::pair<bool, int64_t> cost = {
          !sameShape,
          sameShape ? std::abs(slot.staticBytes - buffer.staticBytes) : 0};
      if (best < 0 || cost < bestCost) {
        best = i;
        bestCost = cost;
      }
    }
    if (best < 0) {
      best = slots.size();
      slots.push_back({0, buffer.dynamicSizes, buffer.staticBytes});
    }
    Slot &slot = slots[best];
    slot.end = buffer.end;
    if (slot.dynamicSizes == buffer.dynamicSizes)
      slot.staticBytes = std::max(slot.staticBytes, buffer.staticBytes);
    buffer.slot = best;
  }
  return slots.size();
}

/// The byte offset of every slot, the workspace size, and the size the
/// buffers would take one after another, built at the insertion point.
struct Layout {
  SmallVector<Value> offsets;
  Value total, unplanned;
};

Layout buildLayout(OpBuilder &b, Location loc, ArrayRef<Buffer> buffers,
                   unsigned slotCount, IRMapping &map) {
  auto constant = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v).getResult();
  };
  auto add = [&](Value x, Value y) {
    return b.createOrFold<arith::AddIOp>(loc, x, y);
  };
  auto mul = [&](Value x, Value y) {
    return b.createOrFold<arith::MulIOp>(loc, x, y);
  };
  SmallVector<Value> slotBytes(slotCount);
  Value unplanned = constant(0);
  for (const Buffer &buffer : buffers) {
    Value bytes = constant(buffer.staticBytes);
    for (Value size : buffer.dynamicSizes)
      bytes = mul(bytes, materialize(size, b, map));
    if (buffer.staticBytes % kAlignment != 0) {
      // Rounded up to the alignment.
      Value up = add(bytes, constant(kAlignment - 1));
      Value blocks =
          b.createOrFold<arith::DivUIOp>(loc, up, constant(kAlignment));
      bytes = mul(blocks, constant(kAlignment));
    }
    unplanned = add(unplanned, bytes);
    Value &slot = slotBytes[buffer.slot];
    slot = slot ? b.createOrFold<arith::MaxUIOp>(loc, slot, bytes) : bytes;
  }
  Layout layout;
  Value offset = constant(0);
  for (Value bytes : slotBytes) {
    layout.offsets.push_back(offset);
    offset = add(offset, bytes);
  }
  layout.total = offset;
  layout.unplanned = unplanned;
  return layout;
}

struct PlanBuffers : tessel::impl::TesselPlanBuffersBase<PlanBuffers> {
  using TesselPlanBuffersBase::TesselPlanBuffersBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> funcs(module.getOps<func::FuncOp>());
    for (func::FuncOp func : funcs)
      if (!func.isExternal() && failed(plan(func)))
        return signalPassFailure();
  }

  LogicalResult plan(func::FuncOp func) {
    if (!func.getBody().hasOneBlock())
      return success();
    Block &entry = func.getBody().front();
    DenseMap<Operation *, unsigned> index;
    for (Operation &op : entry)
      index[&op] = index.size();
    DenseMap<Value, bool> memo;
    SmallVector<Buffer> buffers;
    for (auto alloc : entry.getOps<memref::AllocOp>()) {
      std::optional<Buffer> buffer = candidate(alloc, entry, memo);
      std::optional<unsigned> end = lastUse(alloc, entry, index);
      if (!buffer || !end)
        continue;
      buffer->start = index.lookup(alloc);
      buffer->end = *end;
      buffers.push_back(std::move(*buffer));
    }
    if (buffers.empty())
      return success();
    unsigned slotCount = assignSlots(buffers);

    MLIRContext *ctx = func.getContext();
    Location loc = func.getLoc();
    auto workspaceType =
        MemRefType::get({ShapedType::kDynamic}, IntegerType::get(ctx, 8));
    bool external = workspaceArgument && func.isPublic();
    if (external && failed(buildSizeFunction(func, buffers, slotCount)))
      return failure();

    OpBuilder b = OpBuilder::atBlockBegin(&entry);
    IRMapping map;
    Layout layout = buildLayout(b, loc, buffers, slotCount, map);
    Value workspace;
    if (external) {
      unsigned position = func.getNumArguments();
      if (failed(func.insertArgument(position, workspaceType, DictionaryAttr(),
                                     loc)))
        return func.emitError("cannot add the workspace argument");
      workspace = func.getArgument(position);
    } else {
      workspace = memref::AllocOp::create(b, loc, workspaceType,
                                          ValueRange{layout.total},
                                          b.getI64IntegerAttr(kAlignment));
    }
    SmallVector<Attribute> described;
    for (Buffer &buffer : buffers) {
      std::string at = tessel::modelPartOf(buffer.alloc.getLoc());
      described.push_back(tessel::PlannedBufferAttr::get(
          b.getContext(), buffer.alloc.getType(), buffer.slot,
          at.empty() ? StringAttr() : b.getStringAttr(at)));
      b.setInsertionPoint(buffer.alloc);
      Value view = memref::ViewOp::create(
          b, buffer.alloc.getLoc(), buffer.alloc.getType(), workspace,
          layout.offsets[buffer.slot], buffer.alloc.getDynamicSizes());
      buffer.alloc.replaceAllUsesWith(view);
      buffer.alloc.erase();
    }
    tessel::TesselDialect::BufferPlanAttrHelper(b.getContext())
        .setAttr(func, tessel::BufferPlanAttr::get(b.getContext(), slotCount,
                                                   b.getArrayAttr(described)));
    return success();
  }

  /// NAME_workspace(args..., %sizes: memref<2xi64>) stores the workspace
  /// size in bytes, then the bytes the buffers would take without reuse.
  LogicalResult buildSizeFunction(func::FuncOp func, ArrayRef<Buffer> buffers,
                                  unsigned slotCount) {
    MLIRContext *ctx = func.getContext();
    std::string name = (func.getSymName() + "_workspace").str();
    auto module = func->getParentOfType<ModuleOp>();
    if (module.lookupSymbol(name))
      return func.emitError("cannot name its workspace-size function: ")
             << name << " already exists";
    Location loc = func.getLoc();
    auto i64 = IntegerType::get(ctx, 64);
    SmallVector<Type> inputs(func.getArgumentTypes());
    inputs.push_back(MemRefType::get({2}, i64));
    OpBuilder b(func);
    auto sizeFunc =
        func::FuncOp::create(b, loc, name, FunctionType::get(ctx, inputs, {}));
    sizeFunc->setAttr("llvm.emit_c_interface", UnitAttr::get(ctx));
    Block *body = sizeFunc.addEntryBlock();
    b.setInsertionPointToStart(body);
    IRMapping map;
    for (auto [from, to] : llvm::zip(func.getArguments(), body->getArguments()))
      map.map(from, to);
    Layout layout = buildLayout(b, loc, buffers, slotCount, map);
    Value out = body->getArguments().back();
    Value sizes[] = {layout.total, layout.unplanned};
    for (auto [i, bytes] : llvm::enumerate(sizes)) {
      Value cast = arith::IndexCastOp::create(b, loc, i64, bytes);
      Value position = arith::ConstantIndexOp::create(b, loc, i);
      memref::StoreOp::create(b, loc, cast, out, position);
    }
    func::ReturnOp::create(b, loc);
    return success();
  }
};

} // namespace
