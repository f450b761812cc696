//===- DeviceCall.cpp - entry points of a CUDA artifact -------------------===//
//
// Artifact's GPU side: the manifest's "cuda" section, and a call of an entry
// point whose buffers are device memory (runtime/cuda/Device.h).
//
//===----------------------------------------------------------------------===//

#include "runtime/Artifact.h"

#include "runtime/Descriptors.h"
#include "runtime/Files.h"
#include "runtime/cuda/Device.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace tessel {

using nlohmann::json;

std::vector<Artifact::KernelProfile> Artifact::kernelProfile() const {
  std::vector<KernelProfile> out;
  if (!device)
    return out;
  const auto &times = device->kernelTimes();
  for (size_t k = 0; k < times.size(); ++k)
    if (times[k].launches)
      out.push_back(
          {device->kernels()[k], times[k].launches, times[k].seconds});
  return out;
}

std::string Artifact::deviceName() const {
  return device ? device->name() : std::string();
}

Status Artifact::openDevice(const json &m) {
  std::string path = directory + "/manifest.json";
  const json &c = m.value("cuda", json());
  bool typed = c.is_object() && c.value("sm", json()).is_number_integer() &&
               c.value("cubin", json()).is_string() &&
               c.value("ptx", json()).is_string() &&
               c.value("kernels", json()).is_array();
  if (!typed)
    return errorf(path, ": a CUDA artifact's \"cuda\" section needs sm, "
                        "cubin, ptx and kernels");
  std::vector<cuda::KernelSpec> kernels;
  for (const json &k : c["kernels"]) {
    cuda::KernelSpec spec;
    if (!k.is_object() || !k.value("name", json()).is_string() ||
        !k.value("block", json()).is_array() || k["block"].size() != 3)
      return errorf(path, ": each CUDA kernel needs a name and a block size");
    spec.name = k["name"].get<std::string>();
    for (size_t i = 0; i < 3; ++i) {
      if (!k["block"][i].is_number_integer() ||
          k["block"][i].get<int64_t>() < 1 ||
          k["block"][i].get<int64_t>() > 1024)
        return errorf(path, ": kernel ", spec.name, ": bad block size");
      spec.block[i] = k["block"][i].get<int64_t>();
    }
    spec.dynamicSharedBytes = k.value("dynamic_shared_bytes", int64_t(0));
    kernels.push_back(spec);
  }
  int sm = c["sm"].get<int>();
  std::string cubin = directory + "/" + c["cubin"].get<std::string>();
  std::string ptx = directory + "/" + c["ptx"].get<std::string>();
  // The kernels this manifest was written for, not another compile's.
  if (c.contains("cubin_fingerprint")) {
    std::string fingerprint;
    TESSEL_RETURN_IF_ERROR(fingerprintFile(cubin, fingerprint));
    if (c["cubin_fingerprint"] != fingerprint)
      return errorf(cubin, ": is not the cubin ", path,
                    " describes (its fingerprint differs: from another "
                    "compile?); recompile the model");
  }
  Status opened = cuda::Device::open(cubin, ptx, sm, kernels, device);
  if (!opened.isOk())
    return errorf(directory, ": a CUDA artifact (sm_", sm,
                  ") cannot run here: ", opened.message());
  return Status::ok();
}

void Artifact::keepOnDevice(const Tensor &t) const {
  if (device && t.dtype == DType::F32 && !t.floats.empty())
    resident[t.floats.data()] = {0, t.floats.size() * sizeof(float), false,
                                 false};
}

Status Artifact::fetch(Tensor &t) const {
  auto it = device ? resident.find(t.floats.data()) : resident.end();
  if (it == resident.end() || !it->second.deviceNewer)
    return Status::ok();
  TESSEL_RETURN_IF_ERROR(
      device->download(t.floats.data(), it->second.ptr, it->second.bytes));
  it->second.deviceNewer = false;
  return Status::ok();
}

void Artifact::changedOnHost(const Tensor &t) const {
  auto it = device ? resident.find(t.floats.data()) : resident.end();
  if (it != resident.end())
    it->second.uploaded = false;
}

void Artifact::release(const Tensor &t) const {
  auto it = device ? resident.find(t.floats.data()) : resident.end();
  if (it == resident.end())
    return;
  device->release(it->second.ptr);
  resident.erase(it);
}

namespace {

/// Device buffers of one call, released when it ends.
struct CallBuffers {
  cuda::Device &device;
  std::vector<uint64_t> onDevice;
  std::vector<void *> mapped;
  ~CallBuffers() {
    for (uint64_t p : onDevice)
      device.release(p);
    for (void *p : mapped)
      device.releaseMapped(p);
  }
};

} // namespace

Status Artifact::callOnDevice(const EntryPoint &point,
                              const std::vector<const Tensor *> &inputs,
                              const std::vector<const void *> &hostData,
                              const std::vector<Tensor *> &updated,
                              std::vector<Tensor> &results) const {
  const std::string &name = point.name;
  cuda::Device &gpu = *device;
  gpu.makeCurrent();
  CallBuffers call{gpu, {}, {}};

  // Parameters: uploaded once, then again only after they may have changed.
  if (!parametersOnDevice) {
    for (const auto &[param, value] : values) {
      auto half = halfValues.find(param);
      const void *data = half != halfValues.end()
                             ? static_cast<const void *>(half->second.data())
                             : value.floats.data();
      size_t bytes = half != halfValues.end()
                         ? half->second.size() * sizeof(uint16_t)
                         : value.floats.size() * sizeof(float);
      uint64_t &ptr = deviceParameters[param];
      if (!ptr)
        TESSEL_RETURN_IF_ERROR(gpu.allocate(std::max<size_t>(bytes, 4), ptr));
      TESSEL_RETURN_IF_ERROR(gpu.upload(ptr, data, bytes));
    }
    parametersOnDevice = true;
  }

  std::vector<std::vector<int64_t>> descriptors;
  std::vector<uint64_t> inputPointers;
  // Inputs kept on the device (keepOnDevice): neither copied in nor out.
  std::vector<Resident *> kept(inputs.size(), nullptr);
  for (size_t i = 0; i < inputs.size(); ++i) {
    DType dtype = point.inputs[i].dtype;
    size_t bytes = size_t(inputs[i]->numel()) * size_t(byteWidth(dtype));
    auto it = updated[i] && hostData[i] == updated[i]->floats.data()
                  ? resident.find(hostData[i])
                  : resident.end();
    if (it != resident.end() && it->second.bytes == bytes) {
      Resident &r = it->second;
      if (!r.ptr)
        TESSEL_RETURN_IF_ERROR(gpu.allocate(bytes, r.ptr));
      if (!r.uploaded)
        TESSEL_RETURN_IF_ERROR(gpu.upload(r.ptr, hostData[i], bytes));
      r.uploaded = true;
      kept[i] = &r;
      inputPointers.push_back(r.ptr);
      descriptors.push_back(
          descriptor(reinterpret_cast<const void *>(r.ptr), inputs[i]->shape));
      continue;
    }
    uint64_t ptr = 0;
    if (dtype == DType::I32 || dtype == DType::I64) {
      void *host = nullptr;
      TESSEL_RETURN_IF_ERROR(gpu.allocateMapped(bytes, host));
      call.mapped.push_back(host);
      std::memcpy(host, hostData[i], bytes);
      ptr = reinterpret_cast<uint64_t>(host);
    } else {
      TESSEL_RETURN_IF_ERROR(gpu.allocate(std::max<size_t>(bytes, 4), ptr));
      call.onDevice.push_back(ptr);
      TESSEL_RETURN_IF_ERROR(gpu.upload(ptr, hostData[i], bytes));
    }
    inputPointers.push_back(ptr);
    descriptors.push_back(
        descriptor(reinterpret_cast<const void *>(ptr), inputs[i]->shape));
  }
  for (const std::string &p : point.parameters) {
    auto it = deviceParameters.find(p);
    if (it == deviceParameters.end())
      return errorf(name, ": parameter ", p, " is not loaded");
    descriptors.push_back(descriptor(reinterpret_cast<const void *>(it->second),
                                     values.at(p).shape));
  }

  CallFrame frame(point, descriptors);
  std::vector<void *> &args = frame.args;
  const std::vector<const TensorSpec *> &returned = frame.returned;
  std::vector<int64_t> workspaceDescriptor;
  if (!point.workspaceSymbol.empty()) {
    // The workspace function reads only the shapes: it runs on the host
    // with the device descriptors.
    int64_t sizes[2];
    TESSEL_RETURN_IF_ERROR(
        frame.sizeWorkspace(workspaceSymbols.at(name), name, sizes));
    size_t bytes = std::max<size_t>(sizes[0], 256);
    if (bytes > deviceWorkspaceCapacity) {
      gpu.release(deviceWorkspace);
      deviceWorkspace = 0;
      deviceWorkspaceCapacity = 0;
      TESSEL_RETURN_IF_ERROR(gpu.allocate(bytes, deviceWorkspace));
      deviceWorkspaceCapacity = bytes;
    }
    workspaceUses[name] = {sizes[0], sizes[1]};
    workspaceDescriptor =
        descriptor(reinterpret_cast<const void *>(deviceWorkspace), {sizes[0]});
    args.push_back(workspaceDescriptor.data());
  }

  reinterpret_cast<void (*)(void **)>(symbols.at(name))(args.data());
  Status finished = gpu.finish(name);
  if (profiling)
    ++runs[name];

  // Results: each allocation once (two results may share one), read back
  // over the extent its strides reach, then freed.
  std::vector<uint64_t> allocations;
  for (size_t r = 0; r < returned.size(); ++r) {
    const int64_t *desc = frame.returnedDescriptor(r);
    if (desc[0] && std::find(allocations.begin(), allocations.end(),
                             uint64_t(desc[0])) == allocations.end())
      allocations.push_back(uint64_t(desc[0]));
  }
  auto freeResults = [&] {
    for (uint64_t p : allocations)
      gpu.release(p);
  };
  if (!finished.isOk()) {
    freeResults();
    return finished;
  }

  for (size_t i = 0; i < inputs.size(); ++i) {
    if (kept[i]) {
      kept[i]->deviceNewer = true;
      continue;
    }
    if (!updated[i])
      continue;
    DType dtype = point.inputs[i].dtype;
    std::vector<char> bytes(size_t(updated[i]->numel()) *
                            size_t(byteWidth(dtype)));
    if (dtype == DType::I32 || dtype == DType::I64)
      std::memcpy(bytes.data(), reinterpret_cast<void *>(inputPointers[i]),
                  bytes.size());
    else if (Status st =
                 gpu.download(bytes.data(), inputPointers[i], bytes.size());
             !st.isOk()) {
      freeResults();
      return errorf(name, ": ", st.message());
    }
    for (int64_t flat = 0, n = updated[i]->numel(); flat < n; ++flat)
      readElement(bytes.data(), flat, dtype, *updated[i], flat);
  }

  std::vector<Tensor> previous = std::move(results);
  results.clear();
  for (size_t r = 0; r < returned.size(); ++r) {
    const TensorSpec &spec = *returned[r];
    const int64_t *desc = frame.returnedDescriptor(r);
    Tensor out = frame.resultTensor(r, previous);
    const std::vector<int64_t> &shape = out.shape;
    size_t rank = shape.size();
    // The elements reached: offset + sum of (size - 1) * stride.
    int64_t extent = numElements(shape) ? desc[2] + 1 : 0;
    for (size_t d = 0; d < rank && extent; ++d)
      extent += (shape[d] - 1) * desc[3 + rank + d];
    std::vector<char> host(size_t(extent) * size_t(byteWidth(spec.dtype)));
    if (Status st = gpu.download(host.data(), uint64_t(desc[1]), host.size());
        !st.isOk()) {
      freeResults();
      return errorf(name, ": result ", spec.name, ": ", st.message());
    }
    if (extent)
      copyOut(host.data(), desc, spec.dtype, out);
    results.push_back(std::move(out));
  }
  freeResults();
  return Status::ok();
}

} // namespace tessel
