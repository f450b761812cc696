//===- Shape.cpp - reference kernels that move data without arithmetic ----===//

#include "runtime/reference/Kernels.h"

namespace tessel::reference {

/// Views `shape` as [outer, shape[axis], inner] around `axis`.
static void splitAround(const std::vector<int64_t> &shape, int64_t axis,
                        int64_t &outer, int64_t &inner) {
  outer = numElements({shape.begin(), shape.begin() + axis});
  inner = numElements({shape.begin() + axis + 1, shape.end()});
}

/// Copies element `from` of `src` to element `to` of `dst` (same dtype kind).
static void copyElement(const Tensor &src, int64_t from, Tensor &dst,
                        int64_t to) {
  if (isFloat(src.dtype))
    dst.floats[to] = src.floats[from];
  else
    dst.ints[to] = src.ints[from];
}

Status slice(const Tensor &x, int64_t axis, int64_t given, int64_t size,
             Tensor &y) {
  bool ok = axis >= 0 && axis < x.rank() && size >= 0 && given > INT64_MIN &&
            size <= x.shape[axis];
  // A negative offset counts from the end, ending inside the axis.
  int64_t offset = ok && given < 0 ? x.shape[axis] + given : given;
  if (!ok || offset < 0 || offset > x.shape[axis] - size ||
      (given < 0 && size > -given))
    return errorf("slice: offset ", given, " with size ", size, " on axis ",
                  axis, " is outside input shape ", formatShape(x.shape));
  std::vector<int64_t> shape = x.shape;
  shape[axis] = size;
  y = Tensor::zeros(x.dtype, shape);
  int64_t outer, inner;
  splitAround(x.shape, axis, outer, inner);
  // y[o, i, n] = x[o, offset + i, n]
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < size; ++i)
      for (int64_t n = 0; n < inner; ++n)
        copyElement(x, (o * x.shape[axis] + offset + i) * inner + n, y,
                    (o * size + i) * inner + n);
  return Status::ok();
}

/// The first position of row `b` of cache positions [S] or [B, S] (rows
/// consecutive; an error otherwise), for `s` positions of a cache of
/// `capacity`. `name`: the op, for the messages.
static Status cacheStart(const char *name, const Tensor &positions, int64_t b,
                         int64_t s, int64_t capacity, int64_t &start) {
  int64_t row = positions.rank() == 2 ? b : 0;
  const int64_t *p = positions.ints.data() + row * s;
  start = p[0];
  for (int64_t j = 0; j < s; ++j)
    if (p[j] != start + j)
      return errorf(name, ": positions must follow one another, got ", p[j],
                    " at index ", j);
  if (start < 0 || start + s > capacity)
    return errorf(name, ": positions ", start, "..", start + s - 1,
                  " do not fit a cache of ", capacity);
  return Status::ok();
}

/// One past the furthest last position of the rows of positions [S] or
/// [B, S]: how far a read of the cache reaches.
static int64_t readLength(const Tensor &positions) {
  int64_t s = positions.shape.back(), last = -1;
  for (int64_t at = s - 1; at < positions.numel(); at += s)
    last = std::max(last, positions.ints[at]);
  return last + 1;
}

Status cacheWrite(const Tensor &update, const Tensor &cache,
                  const Tensor &positions, Tensor &y) {
  bool perBatch = positions.rank() == 2 && update.rank() == 4 &&
                  positions.shape[0] == update.shape[0];
  if (update.rank() != 4 || cache.rank() != 4 ||
      (positions.rank() != 1 && !perBatch) ||
      positions.shape.back() != update.shape[2] || update.shape[2] == 0)
    return errorf("cache_write: update ", formatShape(update.shape), ", cache ",
                  formatShape(cache.shape), " and positions ",
                  formatShape(positions.shape), " do not fit");
  for (int64_t d : {0, 1, 3})
    if (update.shape[d] != cache.shape[d])
      return errorf("cache_write: update ", formatShape(update.shape),
                    " and cache ", formatShape(cache.shape), " differ");
  int64_t s = update.shape[2], heads = cache.shape[1],
          capacity = cache.shape[2];
  int64_t inner = cache.shape[3];
  y = cache;
  for (int64_t b = 0; b < cache.shape[0]; ++b) {
    int64_t start = 0;
    TESSEL_RETURN_IF_ERROR(
        cacheStart("cache_write", positions, b, s, capacity, start));
    for (int64_t h = 0; h < heads; ++h) {
      int64_t o = b * heads + h;
      for (int64_t j = 0; j < s; ++j)
        for (int64_t n = 0; n < inner; ++n)
          copyElement(update, (o * s + j) * inner + n, y,
                      (o * capacity + start + j) * inner + n);
    }
  }
  return Status::ok();
}

Status cacheRead(const Tensor &cache, const Tensor &positions, Tensor &y) {
  if (cache.rank() != 4 || (positions.rank() != 1 && positions.rank() != 2) ||
      positions.numel() == 0 ||
      (positions.rank() == 2 && positions.shape[0] != cache.shape[0]))
    return errorf("cache_read: cache ", formatShape(cache.shape),
                  " and positions ", formatShape(positions.shape),
                  " do not fit");
  // The furthest row's last position bounds the read.
  return slice(cache, 2, 0, readLength(positions), y);
}

/// Checks a paged cache's pool [N, H, P, D], block table [B, M] and
/// positions [B, S] of `batch` sequences, and that every position of a
/// sequence up to its last maps to a block of the pool.
static Status checkPaged(const char *name, const Tensor &pool,
                         const Tensor &table, const Tensor &positions,
                         int64_t batch) {
  if (pool.rank() != 4 || table.rank() != 2 || positions.rank() != 2 ||
      table.dim(0) != batch || positions.dim(0) != batch ||
      positions.dim(1) == 0 || pool.dim(2) == 0)
    return errorf(name, ": pool ", formatShape(pool.shape), ", block table ",
                  formatShape(table.shape), " and positions ",
                  formatShape(positions.shape), " do not fit a batch of ",
                  batch);
  int64_t s = positions.dim(1), blockSize = pool.dim(2);
  for (int64_t b = 0; b < batch; ++b) {
    int64_t last = positions.ints[b * s + s - 1];
    if (positions.ints[b * s] < 0 || last / blockSize >= table.dim(1))
      return errorf(name, ": positions of sequence ", b,
                    " do not fit its block table of ", table.dim(1),
                    " blocks of ", blockSize);
    for (int64_t e = 0; e <= last / blockSize; ++e)
      if (table.ints[b * table.dim(1) + e] < 0 ||
          table.ints[b * table.dim(1) + e] >= pool.dim(0))
        return errorf(name, ": block table entry ", e, " of sequence ", b,
                      " is not a block of the pool of ", pool.dim(0));
  }
  return Status::ok();
}

Status pagedCacheWrite(const Tensor &update, const Tensor &pool,
                       const Tensor &table, const Tensor &positions,
                       Tensor &y) {
  if (update.rank() != 4)
    return errorf("paged_cache_write: update ", formatShape(update.shape),
                  " is not [B, H, S, D]");
  TESSEL_RETURN_IF_ERROR(
      checkPaged("paged_cache_write", pool, table, positions, update.dim(0)));
  int64_t heads = pool.dim(1), blockSize = pool.dim(2), inner = pool.dim(3);
  int64_t s = update.dim(2);
  if (update.dim(1) != heads || update.dim(3) != inner || positions.dim(1) != s)
    return errorf("paged_cache_write: update ", formatShape(update.shape),
                  " does not fit pool ", formatShape(pool.shape));
  y = pool;
  for (int64_t b = 0; b < update.dim(0); ++b) {
    // (checkPaged saw every position fit the table.)
    int64_t start = 0;
    TESSEL_RETURN_IF_ERROR(cacheStart("paged_cache_write", positions, b, s,
                                      table.dim(1) * blockSize, start));
    for (int64_t j = 0; j < s; ++j) {
      int64_t p = start + j;
      int64_t block = table.ints[b * table.dim(1) + p / blockSize];
      for (int64_t h = 0; h < heads; ++h)
        for (int64_t n = 0; n < inner; ++n)
          copyElement(
              update, ((b * heads + h) * s + j) * inner + n, y,
              ((block * heads + h) * blockSize + p % blockSize) * inner + n);
    }
  }
  return Status::ok();
}

Status pagedCacheRead(const Tensor &pool, const Tensor &table,
                      const Tensor &positions, Tensor &y) {
  int64_t batch = positions.rank() == 2 ? positions.dim(0) : 0;
  TESSEL_RETURN_IF_ERROR(
      checkPaged("paged_cache_read", pool, table, positions, batch));
  int64_t heads = pool.dim(1), blockSize = pool.dim(2), inner = pool.dim(3);
  int64_t t = readLength(positions);
  y = Tensor::zeros(pool.dtype, {batch, heads, t, inner});
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t p = 0; p < t; ++p) {
      // Past a sequence's table: nothing to read (attention masks it).
      if (p / blockSize >= table.dim(1))
        break;
      int64_t block = table.ints[b * table.dim(1) + p / blockSize];
      if (block < 0 || block >= pool.dim(0))
        continue;
      for (int64_t h = 0; h < heads; ++h)
        for (int64_t n = 0; n < inner; ++n)
          copyElement(
              pool,
              ((block * heads + h) * blockSize + p % blockSize) * inner + n, y,
              ((b * heads + h) * t + p) * inner + n);
    }
  return Status::ok();
}

Status concat(const std::vector<const Tensor *> &inputs, int64_t axis,
              Tensor &y) {
  if (inputs.empty() || axis < 0 || axis >= inputs[0]->rank())
    return errorf("concat: axis ", axis, " is out of range");
  std::vector<int64_t> shape = inputs[0]->shape;
  shape[axis] = 0;
  for (const Tensor *t : inputs) {
    bool ok = t->rank() == inputs[0]->rank();
    for (int64_t d = 0; ok && d < t->rank(); ++d)
      ok = d == axis || t->shape[d] == inputs[0]->shape[d];
    if (!ok)
      return errorf("concat: input shape ", formatShape(t->shape),
                    " does not fit ", formatShape(inputs[0]->shape),
                    " outside axis ", axis);
    shape[axis] += t->shape[axis];
  }
  y = Tensor::zeros(inputs[0]->dtype, shape);
  int64_t outer, inner;
  splitAround(shape, axis, outer, inner);
  // Each input fills the next shape[axis] rows of every outer slab.
  int64_t start = 0;
  for (const Tensor *t : inputs) {
    int64_t rows = t->shape[axis];
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t n = 0; n < inner; ++n)
          copyElement(*t, (o * rows + i) * inner + n, y,
                      (o * shape[axis] + start + i) * inner + n);
    start += rows;
  }
  return Status::ok();
}

Status broadcastTo(const Tensor &x, const std::vector<int64_t> &shape,
                   Tensor &y) {
  std::vector<int64_t> joined;
  Status status = broadcastShape(x.shape, shape, joined);
  if (!status.isOk() || joined != shape)
    return errorf("broadcast: input shape ", formatShape(x.shape),
                  " cannot broadcast to ", formatShape(shape));
  size_t rank = shape.size(), lead = rank - x.shape.size();
  // Strides of x in the result's index space; 0 where an axis is stretched.
  std::vector<int64_t> strides(rank, 0);
  int64_t stride = 1;
  for (size_t d = rank; d-- > lead;) {
    int64_t own = x.shape[d - lead];
    strides[d] = own == 1 ? 0 : stride;
    stride *= own;
  }
  y = Tensor::zeros(x.dtype, shape);
  std::vector<int64_t> index(rank, 0);
  for (int64_t flat = 0; flat < y.numel(); ++flat) {
    int64_t source = 0;
    for (size_t d = 0; d < rank; ++d)
      source += index[d] * strides[d];
    copyElement(x, source, y, flat);
    for (size_t d = rank; d-- > 0;) {
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
  }
  return Status::ok();
}

Status positionIds(const Tensor &x, int64_t axis, int64_t offset, Tensor &y) {
  if (axis < 0 || axis >= x.rank())
    return errorf("position_ids: axis ", axis, " is out of range for shape ",
                  formatShape(x.shape));
  y = Tensor::zeros(DType::I64, {x.shape[axis]});
  for (int64_t i = 0; i < x.shape[axis]; ++i)
    y.ints[i] = offset + i;
  return Status::ok();
}

Status positionMask(const Tensor &positions, int64_t first, int64_t last,
                    Tensor &y) {
  if (positions.rank() < 1 || positions.rank() > 2)
    return errorf("position_mask: positions shape ",
                  formatShape(positions.shape), " is not [S] or [B, S]");
  std::vector<int64_t> shape = positions.shape;
  shape.push_back(1);
  y = Tensor::zeros(DType::F32, shape);
  int64_t count = positions.shape.back();
  for (int64_t i = 0; i < positions.numel(); ++i) {
    int64_t s = i % count;
    y.floats[i] = positions.ints[i] < first || s >= count - last ? 1.0f : 0.0f;
  }
  return Status::ok();
}

} // namespace tessel::reference
