// RUN: tessel-opt %s --tessel-emit-entry-points | FileCheck %s
// RUN: tessel-opt %s --tessel-emit-entry-points | FileCheck %s --check-prefix=STEP

// Each defined _mlir_ciface_NAME gets tessel_entry_NAME(ptr args), which
// loads argument i from args[i] and calls it; declarations are left alone.
// The wrapper and NAME, which it calls, become internal and always inlined:
// tessel_entry_NAME is the only way in, and NAME takes each buffer as its
// descriptor's fields (thousands of arguments at 7B).

// CHECK-LABEL: llvm.func internal @f(
// CHECK-SAME:    always_inline
llvm.func @f(%a: i64, %b: i64) {
  llvm.return
}
// CHECK-LABEL: llvm.func internal @_mlir_ciface_f(
// CHECK-SAME:    always_inline
llvm.func @_mlir_ciface_f(%out: !llvm.ptr, %in: !llvm.ptr) {
  %c = llvm.mlir.constant(0 : i64) : i64
  llvm.call @f(%c, %c) : (i64, i64) -> ()
  llvm.return
}
// CHECK-LABEL: llvm.func @_mlir_ciface_external(
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

// Each call of a step is bracketed by calls through tessel_step_hook (the
// call's index among the function's step calls, its place in tessel.steps,
// even where calls share a step function; 0 before, 1 after), a global that
// points at a function doing nothing until a profiling runtime sets it.

// STEP-LABEL: llvm.func @f_host()
// STEP:         %[[H0:.+]] = llvm.mlir.addressof @tessel_step_hook : !llvm.ptr
// STEP-NEXT:    %[[F0:.+]] = llvm.load %[[H0]] : !llvm.ptr -> !llvm.ptr
// STEP-NEXT:    %[[N0:.+]] = llvm.mlir.constant(0 : i32) : i32
// STEP-NEXT:    %[[B0:.+]] = llvm.mlir.constant(0 : i32) : i32
// STEP-NEXT:    llvm.call %[[F0]](%[[N0]], %[[B0]]) : !llvm.ptr, (i32, i32) -> ()
// STEP-NEXT:    llvm.call @f_s0() : () -> ()
// STEP-NEXT:    %[[H1:.+]] = llvm.mlir.addressof @tessel_step_hook : !llvm.ptr
// STEP-NEXT:    %[[F1:.+]] = llvm.load %[[H1]] : !llvm.ptr -> !llvm.ptr
// STEP-NEXT:    %[[N1:.+]] = llvm.mlir.constant(0 : i32) : i32
// STEP-NEXT:    %[[E1:.+]] = llvm.mlir.constant(1 : i32) : i32
// STEP-NEXT:    llvm.call %[[F1]](%[[N1]], %[[E1]]) : !llvm.ptr, (i32, i32) -> ()
// STEP:         llvm.mlir.constant(1 : i32) : i32
// STEP-NEXT:    llvm.mlir.constant(0 : i32) : i32
// STEP-NEXT:    llvm.call
// STEP-NEXT:    llvm.call @f_s1() : () -> ()
// STEP:         llvm.mlir.constant(2 : i32) : i32
// STEP-NEXT:    llvm.mlir.constant(0 : i32) : i32
// STEP-NEXT:    llvm.call
// STEP-NEXT:    llvm.call @f_s0() : () -> ()
// STEP-LABEL: llvm.func internal @tessel_step_nothing(
// STEP-NEXT:    llvm.return
// STEP:       llvm.mlir.global external @tessel_step_hook() {{.*}} : !llvm.ptr {
// STEP-NEXT:    %[[NOTHING:.+]] = llvm.mlir.addressof @tessel_step_nothing : !llvm.ptr
// STEP-NEXT:    llvm.return %[[NOTHING]] : !llvm.ptr
llvm.func @f_host() {
  llvm.call @f_s0() : () -> ()
  llvm.call @f_s1() : () -> ()
  llvm.call @f_s0() : () -> ()
  llvm.return
}
llvm.func internal @f_s1() attributes {tessel.step} {
  llvm.return
}
