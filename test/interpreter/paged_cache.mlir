// Reference interpreter: tessel.paged_cache_write and paged_cache_read (a
// pool of blocks read and written through per-sequence block tables)
// against NumPy, and a table entry outside the pool as an error.
// RUN: %oracle check %s paged_cache_write
// RUN: %oracle check %s paged_cache_read
// RUN: not tessel-interpret %s --entry bad_table 2>&1 | FileCheck %s --check-prefix=BAD

func.func @paged_cache_write(%u: tensor<?x2x?x3xf32>, %pool: tensor<?x2x4x3xf32>,
                             %table: tensor<?x?xi64>, %pos: tensor<?x?xi64>)
    -> tensor<?x2x4x3xf32> {
  %w = tessel.paged_cache_write %u into %pool[%table, %pos]
      : tensor<?x2x?x3xf32> into tensor<?x2x4x3xf32>, tensor<?x?xi64>,
        tensor<?x?xi64>
  return %w : tensor<?x2x4x3xf32>
}

func.func @paged_cache_read(%pool: tensor<?x2x4x3xf32>, %table: tensor<?x?xi64>,
                            %pos: tensor<?x?xi64>) -> tensor<?x2x?x3xf32> {
  %r = tessel.paged_cache_read %pool[%table, %pos]
      : tensor<?x2x4x3xf32>, tensor<?x?xi64>, tensor<?x?xi64>
      -> tensor<?x2x?x3xf32>
  return %r : tensor<?x2x?x3xf32>
}

// BAD: error: {{.*}}paged_cache_read: block table entry 0 of sequence 0 is not a block of the pool of 2
func.func @bad_table() -> tensor<1x1x?x2xf32> {
  %pool = arith.constant dense<1.0> : tensor<2x1x4x2xf32>
  %table = arith.constant dense<[[7]]> : tensor<1x1xi64>
  %pos = arith.constant dense<[[1]]> : tensor<1x1xi64>
  %r = tessel.paged_cache_read %pool[%table, %pos]
      : tensor<2x1x4x2xf32>, tensor<1x1xi64>, tensor<1x1xi64>
      -> tensor<1x1x?x2xf32>
  return %r : tensor<1x1x?x2xf32>
}
