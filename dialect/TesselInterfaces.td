//===- TesselInterfaces.td - interfaces of tessel ops ------*- tablegen -*-===//
//
// What reverse-mode automatic differentiation asks of an op: its gradient
// rule, beside the op (TesselGradients.cpp implements every rule, each with
// its formula).
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_DIALECT_TESSELINTERFACES_TD
#define TESSEL_DIALECT_TESSELINTERFACES_TD

include "mlir/IR/OpBase.td"

def Tessel_DifferentiableOpInterface : OpInterface<"DifferentiableOp"> {
  let cppNamespace = "::tessel";
  let description = [{
    An op whose results have a gradient rule: given the gradient of a scalar
    loss with respect to each result (dL/dresult), it builds the gradient
    with respect to each operand (dL/doperand, the vector-Jacobian product)
    with tessel ops at the builder's insertion point. Operands with no
    gradient (token ids, positions, targets) get a null value; so do float
    operands the loss does not depend on through this op.
  }];
  let methods = [
    InterfaceMethod<[{
        Builds dL/doperand for every operand into `operandGradients` (one
        entry per operand, null where none), from `resultGradients` (one
        entry per result; null where no gradient flows into that result).
        At least one result gradient is non-null. Fails, with an error on
        the op, when a case has no rule yet.
      }],
      "::mlir::LogicalResult", "buildGradients",
      (ins "::mlir::OpBuilder &":$builder,
           "::mlir::ArrayRef<::mlir::Value>":$resultGradients,
           "::llvm::SmallVectorImpl<::mlir::Value> &":$operandGradients)>
  ];
}

#endif // TESSEL_DIALECT_TESSELINTERFACES_TD
