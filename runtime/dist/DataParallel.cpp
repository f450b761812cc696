//===- DataParallel.cpp - a training step over ranks, ZeRO 0-3 ------------===//

#include "runtime/dist/DataParallel.h"

#include <algorithm>
#include <cmath>

namespace tessel::dist {

namespace {

std::vector<int64_t> sizesOf(const std::vector<Tensor *> &params) {
  std::vector<int64_t> sizes;
  for (const Tensor *p : params)
    sizes.push_back(p->numel());
  return sizes;
}

std::vector<std::pair<int64_t, int64_t>> ownedParts(const ShardLayout &layout,
                                                    int stage, int rank) {
  std::vector<std::pair<int64_t, int64_t>> parts;
  for (size_t i = 0; i < layout.sizes.size(); ++i)
    parts.push_back(stage == 0 ? std::pair<int64_t, int64_t>{0, layout.sizes[i]}
                               : layout.part(i, rank));
  return parts;
}

std::vector<const Tensor *> constant(const std::vector<Tensor *> &params) {
  return {params.begin(), params.end()};
}

void release(std::vector<float> &values) { std::vector<float>().swap(values); }

} // namespace

DataParallel::DataParallel(Communicator &comm, int stage,
                           const std::vector<Tensor *> &params,
                           train::OptimizerOptions options)
    : stage(stage), layout(sizesOf(params), comm.size()),
      optimizer(options, constant(params),
                ownedParts(layout, stage, comm.rank())),
      comm(comm), params(params) {
  if (stage < 3)
    return;
  int rank = comm.rank();
  parameterShard.resize(layout.shardSize(rank));
  for (size_t i = 0; i < params.size(); ++i) {
    auto [lo, hi] = layout.part(i, rank);
    std::copy_n(params[i]->floats.data() + lo, hi - lo,
                parameterShard.data() + layout.offsets[i] + lo -
                    layout.begin(rank));
    release(params[i]->floats);
  }
}

Status DataParallel::gatherParameters() {
  if (stage < 3)
    return Status::ok();
  int rank = comm.rank();
  for (size_t i = 0; i < params.size(); ++i) {
    auto [lo, hi] = layout.part(i, rank);
    params[i]->floats.resize(layout.sizes[i]);
    std::copy_n(parameterShard.data() + layout.offsets[i] + lo -
                    layout.begin(rank),
                hi - lo, params[i]->floats.data() + lo);
    TESSEL_RETURN_IF_ERROR(
        comm.allGather(params[i]->floats.data(), layout.counts(i)));
  }
  return Status::ok();
}

void DataParallel::releaseParameters() {
  if (stage < 3)
    return;
  for (Tensor *p : params)
    release(p->floats);
}

Status DataParallel::reduceGradients(const std::vector<Tensor *> &grads,
                                     double divisor, double &norm) {
  if (grads.size() != params.size())
    return errorf("data parallel: ", grads.size(), " gradients for ",
                  params.size(), " parameters");
  this->divisor = divisor;
  int rank = comm.rank();
  fullGradients.clear();
  if (stage >= 2)
    gradientShard.assign(layout.shardSize(rank), 0.0f);
  std::vector<float> scratch;
  // Each rank sums the squares of its part of the reduced gradients, in
  // the order of the flat layout (with one rank: globalNorm's order).
  double squares = 0.0;
  auto addSquares = [&](const float *g, int64_t n) {
    for (int64_t k = 0; k < n; ++k)
      squares += double(g[k]) * g[k];
  };
  for (size_t i = 0; i < grads.size(); ++i) {
    Tensor &g = *grads[i];
    if (g.numel() != layout.sizes[i] ||
        int64_t(g.floats.size()) != layout.sizes[i])
      return errorf("data parallel: gradient ", i, " has ", g.numel(),
                    " elements, its parameter ", layout.sizes[i]);
    auto [lo, hi] = layout.part(i, rank);
    if (stage == 0) {
      TESSEL_RETURN_IF_ERROR(comm.allReduceSum(g.floats.data(), g.numel()));
      fullGradients.push_back(&g);
      addSquares(g.floats.data() + lo, hi - lo);
    } else if (stage == 1) {
      // The reduced part goes back into this rank's part of the buffer.
      scratch.resize(hi - lo);
      TESSEL_RETURN_IF_ERROR(comm.reduceScatterSum(
          g.floats.data(), scratch.data(), layout.counts(i)));
      std::copy_n(scratch.data(), hi - lo, g.floats.data() + lo);
      fullGradients.push_back(&g);
      addSquares(g.floats.data() + lo, hi - lo);
    } else {
      float *part =
          gradientShard.data() + layout.offsets[i] + lo - layout.begin(rank);
      TESSEL_RETURN_IF_ERROR(
          comm.reduceScatterSum(g.floats.data(), part, layout.counts(i)));
      addSquares(part, hi - lo);
      release(g.floats);
    }
  }
  TESSEL_RETURN_IF_ERROR(comm.allReduceSum(&squares, 1));
  norm = std::sqrt(squares) / divisor;
  return Status::ok();
}

Status DataParallel::update(double lr, double clip) {
  int rank = comm.rank();
  std::vector<float *> values;
  std::vector<const float *> gradients;
  for (size_t i = 0; i < params.size(); ++i) {
    auto [lo, hi] = optimizer.ranges[i];
    int64_t flat = layout.offsets[i] + lo - layout.begin(rank);
    values.push_back(stage >= 3 ? parameterShard.data() + flat
                                : params[i]->floats.data() + lo);
    gradients.push_back(stage >= 2 ? gradientShard.data() + flat
                                   : fullGradients[i]->floats.data() + lo);
  }
  TESSEL_RETURN_IF_ERROR(
      optimizer.stepOwned(values, gradients, lr, clip / divisor));
  if (stage == 1 || stage == 2)
    for (size_t i = 0; i < params.size(); ++i)
      TESSEL_RETURN_IF_ERROR(
          comm.allGather(params[i]->floats.data(), layout.counts(i)));
  return Status::ok();
}

ZeroMemory DataParallel::held() const {
  ZeroMemory m;
  for (const Tensor *p : params)
    m.parameters += sizeof(float) * p->floats.size();
  m.parameters += sizeof(float) * parameterShard.size();
  for (const Tensor *g : fullGradients)
    m.gradients += sizeof(float) * g->floats.size();
  m.gradients += sizeof(float) * gradientShard.size();
  for (size_t i = 0; i < optimizer.first.size(); ++i)
    m.optimizer += sizeof(float) *
                   (optimizer.first[i].size() + optimizer.second[i].size());
  return m;
}

} // namespace tessel::dist
