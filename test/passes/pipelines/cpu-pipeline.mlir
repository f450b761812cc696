// RUN: tessel-opt %s --tessel-cpu-pipeline | FileCheck %s

// The whole CPU pipeline (what tesselc -o X.tsl compiles): only the LLVM and
// OpenMP dialects remain, the op's loops are a step of their own that the
// function calls, they run in an omp.parallel region, exp is a polynomial
// (no libm call), and each public function gets its C-interface wrapper and
// a uniform tessel_entry_NAME(ptr) entry, into which both are inlined (they
// become internal).

// CHECK-NOT: tessel.
// CHECK-NOT: linalg.
// CHECK-NOT: func.func
// CHECK-LABEL: llvm.func internal @silu(
// CHECK-SAME:    always_inline
// CHECK-SAME:    tessel.steps = [#tessel.step<function = @silu_s0, op = "linalg.generic">]
// CHECK:         llvm.call @silu_s0(
// CHECK-LABEL: llvm.func internal @_mlir_ciface_silu(%{{.+}}: !llvm.ptr, %{{.+}}: !llvm.ptr)
// CHECK-SAME:    always_inline
// CHECK-LABEL: llvm.func internal @silu_s0(
// CHECK-SAME:    no_inline
// CHECK:         omp.parallel
// CHECK-NOT:     llvm.call @expf
// CHECK-LABEL: llvm.func @tessel_entry_silu(
// CHECK:         %[[P0:.+]] = llvm.load %{{.+}} : !llvm.ptr -> !llvm.ptr
// CHECK:         %[[P1:.+]] = llvm.load %{{.+}} : !llvm.ptr -> !llvm.ptr
// CHECK:         llvm.call @_mlir_ciface_silu(%[[P0]], %[[P1]])
// CHECK-NEXT:    llvm.return
func.func @silu(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %y = tessel.silu %x : tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}
