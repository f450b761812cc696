// RUN: tessel-opt %s --split-input-file --tessel-cpu-openmp-schedule | FileCheck %s

// A step of threads' tiles (tessel.dynamic_schedule): its OpenMP loop
// hands out iterations dynamically.

// CHECK-LABEL: llvm.func internal @tiles_s0(
// CHECK:         omp.wsloop schedule(dynamic)
llvm.func internal @tiles_s0(%n: i64) attributes {tessel.step, tessel.dynamic_schedule} {
  %c0 = llvm.mlir.constant(0 : i64) : i64
  %c1 = llvm.mlir.constant(1 : i64) : i64
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : i64 = (%c0) to (%n) step (%c1) {
        omp.yield
      }
    }
    omp.terminator
  }
  llvm.return
}

// -----

// Before the LLVM dialect too (a func.func step).

// CHECK-LABEL: func.func private @tiles_s1(
// CHECK:         omp.wsloop schedule(dynamic)
func.func private @tiles_s1(%n: index) attributes {tessel.step, tessel.dynamic_schedule} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%n) step (%c1) {
        omp.yield
      }
    }
    omp.terminator
  }
  return
}

// -----

// An elementwise step keeps OpenMP's static schedule.

// CHECK-LABEL: llvm.func internal @elementwise_s0(
// CHECK:         omp.wsloop {
// CHECK-NOT:     schedule
llvm.func internal @elementwise_s0(%n: i64) attributes {tessel.step} {
  %c0 = llvm.mlir.constant(0 : i64) : i64
  %c1 = llvm.mlir.constant(1 : i64) : i64
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : i64 = (%c0) to (%n) step (%c1) {
        omp.yield
      }
    }
    omp.terminator
  }
  llvm.return
}
