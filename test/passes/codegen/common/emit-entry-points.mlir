// RUN: tessel-opt %s --tessel-emit-entry-points | FileCheck %s
// RUN: tessel-opt %s --tessel-emit-entry-points | FileCheck %s --check-prefix=STEP

// Each defined _mlir_ciface_NAME gets tessel_entry_NAME(ptr args), which
// loads argument i from args[i] and calls it; declarations are left alone.

llvm.func @_mlir_ciface_f(%out: !llvm.ptr, %in: !llvm.ptr) {
  llvm.return
}
llvm.func @_mlir_ciface_external(!llvm.ptr)

// CHECK-LABEL: llvm.func @tessel_entry_f(
// CHECK-SAME:    %[[ARGS:.+]]: !llvm.ptr) {
// CHECK:         %[[S0:.+]] = llvm.getelementptr %[[ARGS]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK-NEXT:    %[[P0:.+]] = llvm.load %[[S0]] : !llvm.ptr -> !llvm.ptr
// CHECK-NEXT:    %[[S1:.+]] = llvm.getelementptr %[[ARGS]][1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK-NEXT:    %[[P1:.+]] = llvm.load %[[S1]] : !llvm.ptr -> !llvm.ptr
// CHECK-NEXT:    llvm.call @_mlir_ciface_f(%[[P0]], %[[P1]]) : (!llvm.ptr, !llvm.ptr) -> ()
// CHECK-NEXT:    llvm.return
// CHECK-NOT:   tessel_entry_external

// A step of tessel-outline-steps stays out of line.

// STEP-LABEL: llvm.func internal @f_s0()
// STEP-SAME:    no_inline
llvm.func internal @f_s0() attributes {tessel.step} {
  llvm.return
}
