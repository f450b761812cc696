//===- CudaTarget.cpp - PTX and cubin of a CUDA artifact ------------------===//

#include "passes/backend/CudaTarget.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

using namespace mlir;

namespace tessel {

namespace {

std::string toolPath(const std::string &toolkit,
                     std::initializer_list<llvm::StringRef> parts) {
  llvm::SmallString<256> path(toolkit);
  for (llvm::StringRef part : parts)
    llvm::sys::path::append(path, part);
  return path.str().str();
}

/// The first integer in `text` after `from`, before `key` ("12 registers":
/// key "registers"); -1 when absent.
int64_t numberBefore(llvm::StringRef text, llvm::StringRef key) {
  size_t at = text.find(key);
  if (at == llvm::StringRef::npos)
    return -1;
  llvm::StringRef before = text.take_front(at).rtrim();
  size_t start = before.find_last_not_of("0123456789");
  int64_t value = -1;
  if (before.drop_front(start == llvm::StringRef::npos ? 0 : start + 1)
          .getAsInteger(10, value))
    return -1;
  return value;
}

} // namespace

LogicalResult checkCudaToolkit(const std::string &toolkit, std::string &error) {
  std::string libdevice =
      toolPath(toolkit, {"nvvm", "libdevice", "libdevice.10.bc"});
  std::string ptxas = toolPath(toolkit, {"bin", "ptxas"});
  if (!llvm::sys::fs::exists(libdevice))
    error = "no CUDA toolkit at " + toolkit + " (" + libdevice +
            " is missing); name one with --cuda-path or CUDA_HOME";
  else if (!llvm::sys::fs::can_execute(ptxas))
    error = "the CUDA toolkit at " + toolkit + " has no ptxas (" + ptxas + ")";
  else
    return success();
  return failure();
}

LogicalResult takePtx(ModuleOp module, std::string &ptx) {
  auto binary = module.lookupSymbol<gpu::BinaryOp>("tessel_kernels");
  if (!binary)
    return module.emitError("the CUDA pipeline made no kernels");
  auto objects = binary.getObjects().getAsRange<gpu::ObjectAttr>();
  if (std::distance(objects.begin(), objects.end()) != 1 ||
      (*objects.begin()).getFormat() != gpu::CompilationTarget::Assembly)
    return binary.emitError("expected one PTX object");
  ptx = (*objects.begin()).getObject().getValue().str();
  binary.erase();
  for (llvm::StringRef line : llvm::split(ptx, '\n'))
    if (line.trim().starts_with(".extern .func"))
      return module.emitError("the kernels call a function that was not "
                              "linked: ")
             << line.trim() << " (is libdevice in the CUDA toolkit?)";
  return success();
}

std::vector<CudaKernelInfo> kernelsOfPtx(llvm::StringRef ptx) {
  std::vector<CudaKernelInfo> kernels;
  for (llvm::StringRef line : llvm::split(ptx, '\n')) {
    line = line.trim();
    if (line.consume_front(".visible .entry ")) {
      kernels.emplace_back();
      kernels.back().name = line.take_until([](char c) { return c == '('; });
    } else if (line.consume_front(".maxntid ") && !kernels.empty()) {
      llvm::SmallVector<llvm::StringRef, 3> sizes;
      line.split(sizes, ',');
      for (auto [i, size] : llvm::enumerate(sizes))
        if (i < 3)
          size.trim().getAsInteger(10, kernels.back().block[i]);
    }
  }
  return kernels;
}

LogicalResult assembleCubin(ModuleOp module, const std::string &toolkit, int sm,
                            const std::string &ptxPath,
                            const std::string &cubinPath,
                            std::vector<CudaKernelInfo> &kernels) {
  std::string ptxas = toolPath(toolkit, {"bin", "ptxas"});
  std::string log = cubinPath + ".log";
  std::string arch = "sm_" + std::to_string(sm);
  llvm::SmallVector<llvm::StringRef> args = {
      ptxas, "-v", "-O3", "--gpu-name", arch, ptxPath, "-o", cubinPath};
  std::optional<llvm::StringRef> redirects[] = {
      std::nullopt, llvm::StringRef(log), llvm::StringRef(log)};
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(ptxas, args, std::nullopt, redirects, 0, 0,
                                     &message);
  auto text = llvm::MemoryBuffer::getFile(log);
  llvm::sys::fs::remove(log);
  std::string report = text ? (*text)->getBuffer().str() : message;
  if (rc != 0) {
    std::string oneLine;
    for (llvm::StringRef line : llvm::split(report, '\n'))
      if (line.contains("error") || line.contains("fatal"))
        oneLine += (oneLine.empty() ? "" : "; ") + line.trim().str();
    return module.emitError("ptxas failed on the kernels: ")
           << (oneLine.empty() ? message : oneLine);
  }
  CudaKernelInfo *current = nullptr;
  for (llvm::StringRef line : llvm::split(report, '\n')) {
    if (size_t at = line.find("Compiling entry function '");
        at != llvm::StringRef::npos) {
      llvm::StringRef name =
          line.drop_front(at + strlen("Compiling entry function '"))
              .take_until([](char c) { return c == '\''; });
      current = nullptr;
      for (CudaKernelInfo &kernel : kernels)
        if (kernel.name == name)
          current = &kernel;
      continue;
    }
    if (!current)
      continue;
    if (line.contains("bytes stack frame")) {
      current->stackBytes =
          std::max<int64_t>(0, numberBefore(line, "bytes stack"));
      current->spillStores =
          std::max<int64_t>(0, numberBefore(line, "bytes spill stores"));
      current->spillLoads =
          std::max<int64_t>(0, numberBefore(line, "bytes spill loads"));
    } else if (line.contains("Used ") && line.contains(" registers")) {
      current->registers =
          std::max<int64_t>(0, numberBefore(line, "registers"));
      current->sharedBytes =
          std::max<int64_t>(0, numberBefore(line, "bytes smem"));
    }
  }
  return success();
}

LogicalResult takeEmulatedKernels(ModuleOp module,
                                  OwningOpRef<ModuleOp> &kernels) {
  auto emulated = module.lookupSymbol<ModuleOp>("tessel_kernels_emulated");
  if (!emulated)
    return module.emitError("no emulated kernels (--cuda-emulate)");
  MLIRContext *ctx = module.getContext();
  kernels = ModuleOp::create(module.getLoc());
  kernels->getBody()->getOperations().splice(
      kernels->getBody()->begin(), emulated.getBody()->getOperations());
  emulated.erase();
  auto ptr = LLVM::LLVMPointerType::get(ctx);
  auto i64 = IntegerType::get(ctx, 64);
  SmallVector<LLVM::LLVMFuncOp> bodies;
  for (auto func : kernels->getOps<LLVM::LLVMFuncOp>())
    if (!func.isExternal())
      bodies.push_back(func);
  OpBuilder b(ctx);
  for (LLVM::LLVMFuncOp body : bodies) {
    std::string name = body.getName().str();
    body.setName("tessel_emulated_" + name);
    body.setLinkage(LLVM::Linkage::Internal);
    LLVM::LLVMFunctionType type = body.getFunctionType();
    // Block and thread ids, sizes, and the shared memory's address.
    constexpr unsigned kIds = 13;
    if (type.getNumParams() < kIds)
      return body.emitError("an emulated kernel takes its ids last");
    b.setInsertionPointToEnd(kernels->getBody());
    Location loc = body.getLoc();
    auto wrapper = LLVM::LLVMFuncOp::create(
        b, loc, name,
        LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx), {ptr, ptr}));
    Block *block = wrapper.addEntryBlock(b);
    b.setInsertionPointToStart(block);
    SmallVector<Value> args;
    unsigned params = type.getNumParams() - kIds;
    for (unsigned i = 0; i < type.getNumParams(); ++i) {
      bool isParam = i < params;
      Value base = block->getArgument(isParam ? 0 : 1);
      int32_t at = static_cast<int32_t>(isParam ? i : i - params);
      if (isParam) {
        Value slot = LLVM::GEPOp::create(b, loc, ptr, ptr, base,
                                         ArrayRef<LLVM::GEPArg>{at});
        Value value = LLVM::LoadOp::create(b, loc, ptr, slot);
        args.push_back(
            LLVM::LoadOp::create(b, loc, type.getParamType(i), value));
      } else {
        Value slot = LLVM::GEPOp::create(b, loc, ptr, i64, base,
                                         ArrayRef<LLVM::GEPArg>{at});
        args.push_back(LLVM::LoadOp::create(b, loc, i64, slot));
      }
    }
    LLVM::CallOp::create(b, loc, body, args);
    LLVM::ReturnOp::create(b, loc, ValueRange());
  }
  return success();
}

} // namespace tessel
