// Reference interpreter: tessel.batch_norm. Training: batch mean and biased
// variance normalize, the running stats are updated PyTorch-style with the
// unbiased variance (n / (n - 1)); inference: the running stats normalize and
// are returned unchanged. Rank 2 and 3, explicit and default epsilon and
// momentum, a large mean offset, f16, against NumPy and by hand.
// RUN: %oracle check %s batch_norm_train
// RUN: %oracle check %s batch_norm_train_2d
// RUN: %oracle check %s batch_norm_train_offset
// RUN: %oracle check %s batch_norm_train_f16
// RUN: %oracle check %s batch_norm_eval
// RUN: %oracle check %s batch_norm_eval_eps
// RUN: tessel-interpret %s --entry hand_train --print | FileCheck %s --check-prefix=TRAIN
// RUN: tessel-interpret %s --entry hand_train_rank3 --print | FileCheck %s --check-prefix=RANK3
// RUN: tessel-interpret %s --entry hand_eval --print | FileCheck %s --check-prefix=EVAL

func.func @batch_norm_train(%x: tensor<?x?x8xf32>, %g: tensor<8xf32>,
                            %b: tensor<8xf32>, %rm: tensor<8xf32>,
                            %rv: tensor<8xf32>)
    -> (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) {
  %y, %m, %v = tessel.batch_norm %x, %g, %b, %rm, %rv {training}
      : tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>,
        tensor<8xf32>
  return %y, %m, %v : tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>
}

func.func @batch_norm_train_2d(%x: tensor<?x6xf32>, %g: tensor<6xf32>,
                               %b: tensor<6xf32>, %rm: tensor<6xf32>,
                               %rv: tensor<6xf32>)
    -> (tensor<?x6xf32>, tensor<6xf32>, tensor<6xf32>) {
  %y, %m, %v = tessel.batch_norm %x, %g, %b, %rm, %rv
      {epsilon = 5.000000e-01 : f64, momentum = 3.000000e-01 : f64, training}
      : tensor<?x6xf32>, tensor<6xf32>, tensor<6xf32>, tensor<6xf32>,
        tensor<6xf32>
  return %y, %m, %v : tensor<?x6xf32>, tensor<6xf32>, tensor<6xf32>
}

func.func @batch_norm_train_offset(%x: tensor<?x?x4xf32>, %g: tensor<4xf32>,
                                   %b: tensor<4xf32>, %rm: tensor<4xf32>,
                                   %rv: tensor<4xf32>)
    -> (tensor<?x?x4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %y, %m, %v = tessel.batch_norm %x, %g, %b, %rm, %rv {training}
      : tensor<?x?x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>,
        tensor<4xf32>
  return %y, %m, %v : tensor<?x?x4xf32>, tensor<4xf32>, tensor<4xf32>
}

func.func @batch_norm_train_f16(%x: tensor<?x6x8xf16>, %g: tensor<8xf16>,
                                %b: tensor<8xf16>, %rm: tensor<8xf16>,
                                %rv: tensor<8xf16>)
    -> (tensor<?x6x8xf16>, tensor<8xf16>, tensor<8xf16>) {
  %y, %m, %v = tessel.batch_norm %x, %g, %b, %rm, %rv {training}
      : tensor<?x6x8xf16>, tensor<8xf16>, tensor<8xf16>, tensor<8xf16>,
        tensor<8xf16>
  return %y, %m, %v : tensor<?x6x8xf16>, tensor<8xf16>, tensor<8xf16>
}

func.func @batch_norm_eval(%x: tensor<?x?x5xf32>, %g: tensor<5xf32>,
                           %b: tensor<5xf32>, %rm: tensor<5xf32>,
                           %rv: tensor<5xf32>)
    -> (tensor<?x?x5xf32>, tensor<5xf32>, tensor<5xf32>) {
  %y, %m, %v = tessel.batch_norm %x, %g, %b, %rm, %rv
      : tensor<?x?x5xf32>, tensor<5xf32>, tensor<5xf32>, tensor<5xf32>,
        tensor<5xf32>
  return %y, %m, %v : tensor<?x?x5xf32>, tensor<5xf32>, tensor<5xf32>
}

func.func @batch_norm_eval_eps(%x: tensor<7x3xf32>, %g: tensor<3xf32>,
                               %b: tensor<3xf32>, %rm: tensor<3xf32>,
                               %rv: tensor<3xf32>)
    -> (tensor<7x3xf32>, tensor<3xf32>, tensor<3xf32>) {
  %y, %m, %v = tessel.batch_norm %x, %g, %b, %rm, %rv
      {epsilon = 7.500000e-01 : f64, momentum = 5.000000e-01 : f64}
      : tensor<7x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>,
        tensor<3xf32>
  return %y, %m, %v : tensor<7x3xf32>, tensor<3xf32>, tensor<3xf32>
}

// Training, epsilon = 0, default momentum 0.1. x = [[1, 10], [3, 14]], n = 2.
// Feature 0: mean 2, biased var 1, x_hat = [-1, 1];
// feature 1: mean 12, biased var 4, x_hat = [-2, 2] / 2 = [-1, 1].
// gamma = [1, 2], beta = [0, 1]: y = [[-1, -1], [1, 3]].
// running mean [0, 0] -> 0.9 * 0 + 0.1 * [2, 12] = [0.2, 1.2];
// unbiased var = biased * 2 / 1 = [2, 8]; running var [1, 1] ->
// 0.9 * 1 + 0.1 * [2, 8] = [1.1, 1.7]  (biased would give [1, 1.3]).
// TRAIN: result 0: tensor<2x2xf32> = {{\[\[}}-1, -1], [1, 3]]{{$}}
// TRAIN: result 1: tensor<2xf32> = [0.2, 1.2]{{$}}
// TRAIN: result 2: tensor<2xf32> = [1.1, 1.7]{{$}}
func.func @hand_train() -> (tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>) {
  %x = arith.constant dense<[[1.0, 10.0], [3.0, 14.0]]> : tensor<2x2xf32>
  %g = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %b = arith.constant dense<[0.0, 1.0]> : tensor<2xf32>
  %rm = arith.constant dense<0.0> : tensor<2xf32>
  %rv = arith.constant dense<1.0> : tensor<2xf32>
  %y, %m, %v = tessel.batch_norm %x, %g, %b, %rm, %rv
      {epsilon = 0.0 : f64, training}
      : tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>,
        tensor<2xf32>
  return %y, %m, %v : tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>
}

// Training on [B, S, C] = [2, 2, 1], statistics over all four rows,
// epsilon = 0, momentum = 1 (the new stats are the batch's).
// x = [0, 3, 6, 3]: mean 3, biased var (9 + 0 + 9 + 0) / 4 = 4.5,
// x_hat = [-3, 0, 3, 0] / 2.12132 = [-1.41421, 0, 1.41421, 0];
// unbiased var = 4.5 * 4 / 3 = 6.
// RANK3: result 0: tensor<2x2x1xf32> = {{\[\[\[}}-1.41421], [0]], {{\[\[}}1.41421], [0]]]{{$}}
// RANK3: result 1: tensor<1xf32> = [3]{{$}}
// RANK3: result 2: tensor<1xf32> = [6]{{$}}
func.func @hand_train_rank3()
    -> (tensor<2x2x1xf32>, tensor<1xf32>, tensor<1xf32>) {
  %x = arith.constant dense<[[[0.0], [3.0]], [[6.0], [3.0]]]> : tensor<2x2x1xf32>
  %g = arith.constant dense<1.0> : tensor<1xf32>
  %b = arith.constant dense<0.0> : tensor<1xf32>
  %rm = arith.constant dense<-7.0> : tensor<1xf32>
  %rv = arith.constant dense<9.0> : tensor<1xf32>
  %y, %m, %v = tessel.batch_norm %x, %g, %b, %rm, %rv
      {epsilon = 0.0 : f64, momentum = 1.0 : f64, training}
      : tensor<2x2x1xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>,
        tensor<1xf32>
  return %y, %m, %v : tensor<2x2x1xf32>, tensor<1xf32>, tensor<1xf32>
}

// Inference, epsilon = 0, momentum 0.5 (unused): running mean [1, 10], var
// [4, 1]; x = [[1, 10], [3, 12]] -> x_hat = [[0, 0], [2 / 2, 2 / 1]]
// = [[0, 0], [1, 2]]; gamma = [2, 1], beta = [0, -1]: y = [[0, -1], [2, 1]].
// The running stats come back unchanged (the batch mean [2, 11] is ignored).
// EVAL: result 0: tensor<2x2xf32> = {{\[\[}}0, -1], [2, 1]]{{$}}
// EVAL: result 1: tensor<2xf32> = [1, 10]{{$}}
// EVAL: result 2: tensor<2xf32> = [4, 1]{{$}}
func.func @hand_eval() -> (tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>) {
  %x = arith.constant dense<[[1.0, 10.0], [3.0, 12.0]]> : tensor<2x2xf32>
  %g = arith.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %b = arith.constant dense<[0.0, -1.0]> : tensor<2xf32>
  %rm = arith.constant dense<[1.0, 10.0]> : tensor<2xf32>
  %rv = arith.constant dense<[4.0, 1.0]> : tensor<2xf32>
  %y, %m, %v = tessel.batch_norm %x, %g, %b, %rm, %rv
      {epsilon = 0.0 : f64, momentum = 0.5 : f64}
      : tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>,
        tensor<2xf32>
  return %y, %m, %v : tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>
}
