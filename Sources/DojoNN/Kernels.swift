// The numerical kernels, on raw pointers. Activations are channel-major: a tensor of C channels over
// a batch of B boards of H×W cells is a C × (B·H·W) row-major matrix, column b·H·W + h·W + w.
// Index arithmetic uses wrapping operators: overflow checks stop vectorisation (PLATFORM.md).

import CBLAS

/// Sets OpenBLAS's thread count for the whole process. Dojo uses 1 per worker (see README).
public func setBLASThreadCount(_ n: Int) {
  BLASCore.select()
  openblas_set_num_threads(Int32(n))
}

/// C = alpha · op(A) · op(B) + beta · C, all row-major.
@inline(__always)
func gemm(
  transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
  alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
  beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
) {
  cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
              Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// The board geometry a layer works over.
public struct Geometry: Sendable, Equatable {
  public let height: Int
  public let width: Int
  public var cells: Int { height &* width }
}

/// im2col for a 3×3 convolution with padding 1: `col` is (C·9) × (B·H·W), row c·9 + kh·3 + kw.
/// Each output row is the input shifted by (kh−1, kw−1): copied a board row at a time, with the
/// cells that fall outside the board zeroed.
func im2col3x3(_ x: UnsafePointer<Float>, channels: Int, batch: Int, _ g: Geometry, _ col: UnsafeMutablePointer<Float>) {
  let h = g.height, w = g.width, hw = g.cells, n = batch &* hw
  for c in 0..<channels {
    let xc = x + c &* n
    for kh in 0..<3 {
      let dy = kh &- 1
      for kw in 0..<3 {
        let dx = kw &- 1
        let row = col + ((c &* 9) &+ kh &* 3 &+ kw) &* n
        // Columns [lo, hi) of an output row read input columns [lo+dx, hi+dx).
        let lo = max(0, -dx), hi = min(w, w &- dx), span = hi &- lo
        for b in 0..<batch {
          let src = xc + b &* hw
          let dst = row + b &* hw
          for y in 0..<h {
            let out = dst + y &* w
            let sy = y &+ dy
            if sy < 0 || sy >= h {
              out.update(repeating: 0, count: w)
              continue
            }
            if lo > 0 { out[0] = 0 }
            if hi < w { out[w &- 1] = 0 }
            (out + lo).update(from: src + (sy &* w &+ lo &+ dx), count: span)
          }
        }
      }
    }
  }
}

/// The adjoint of `im2col3x3`: adds each column entry back to the input cell it came from.
func col2im3x3(_ col: UnsafePointer<Float>, channels: Int, batch: Int, _ g: Geometry, _ dx: UnsafeMutablePointer<Float>) {
  let h = g.height, w = g.width, hw = g.cells, n = batch &* hw
  dx.update(repeating: 0, count: channels &* n)
  for c in 0..<channels {
    let dxc = dx + c &* n
    for kh in 0..<3 {
      for kw in 0..<3 {
        let row = col + ((c &* 9) &+ kh &* 3 &+ kw) &* n
        let oy = kh &- 1, ox = kw &- 1
        for b in 0..<batch {
          let src = row + b &* hw
          let dst = dxc + b &* hw
          for y in 0..<h {
            let sy = y &+ oy
            if sy < 0 || sy >= h { continue }
            let inRow = src + y &* w
            let outRow = dst + sy &* w
            for xx in 0..<w {
              let sx = xx &+ ox
              if sx >= 0 && sx < w { outRow[sx] += inRow[xx] }
            }
          }
        }
      }
    }
  }
}

/// y = max(x, 0), in place allowed.
@inline(__always)
func relu(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int) {
  for i in 0..<count { y[i] = max(x[i], 0) }
}

/// dx = dy where y > 0, else 0.
@inline(__always)
func reluBackward(_ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ count: Int) {
  for i in 0..<count { dx[i] = y[i] > 0 ? dy[i] : 0 }
}

/// Adds `bias[c]` to every entry of row c of a C × n matrix.
@inline(__always)
func addRowBias(_ x: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, rows: Int, n: Int) {
  for c in 0..<rows {
    let r = x + c &* n, b = bias[c]
    for i in 0..<n { r[i] += b }
  }
}

/// Adds `bias[j]` to column j of every row of a rows × n matrix.
@inline(__always)
func addColumnBias(_ x: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, rows: Int, n: Int) {
  for r in 0..<rows {
    let row = x + r &* n
    for j in 0..<n { row[j] += bias[j] }
  }
}

/// Batch normalisation over each row of a C × n matrix, with batch statistics (training).
/// Saves the normalised values in `xhat` and 1/σ per channel in `invStd` for the backward pass,
/// and moves the running averages toward the batch's (momentum `m`, unbiased variance).
func batchNormTrain(
  _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, channels: Int, n: Int,
  gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, xhat: UnsafeMutablePointer<Float>,
  invStd: UnsafeMutablePointer<Float>, runningMean: UnsafeMutablePointer<Float>, runningVar: UnsafeMutablePointer<Float>,
  momentum m: Float, epsilon: Float
) {
  let inv = 1 / Float(n)
  for c in 0..<channels {
    let xr = x + c &* n, yr = y + c &* n, hr = xhat + c &* n
    var sum: Float = 0
    for i in 0..<n { sum += xr[i] }
    let mean = sum * inv
    var sq: Float = 0
    for i in 0..<n {
      let d = xr[i] - mean
      sq += d * d
    }
    let variance = sq * inv
    let s = 1 / (variance + epsilon).squareRoot()
    invStd[c] = s
    let g = gamma[c], b = beta[c]
    for i in 0..<n {
      let h = (xr[i] - mean) * s
      hr[i] = h
      yr[i] = g * h + b
    }
    runningMean[c] = (1 - m) * runningMean[c] + m * mean
    runningVar[c] = (1 - m) * runningVar[c] + m * variance * Float(n) / Float(max(n - 1, 1))
  }
}

/// Backward of `batchNormTrain`: dx from dy; accumulates dgamma, dbeta.
func batchNormBackward(
  _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, channels: Int, n: Int,
  gamma: UnsafePointer<Float>, xhat: UnsafePointer<Float>, invStd: UnsafePointer<Float>,
  dgamma: UnsafeMutablePointer<Float>, dbeta: UnsafeMutablePointer<Float>
) {
  let inv = 1 / Float(n)
  for c in 0..<channels {
    let dyr = dy + c &* n, dxr = dx + c &* n, hr = xhat + c &* n
    var sumDy: Float = 0, sumDyH: Float = 0
    for i in 0..<n {
      sumDy += dyr[i]
      sumDyH += dyr[i] * hr[i]
    }
    dgamma[c] += sumDyH
    dbeta[c] += sumDy
    let k = gamma[c] * invStd[c]
    let meanDy = sumDy * inv, meanDyH = sumDyH * inv
    for i in 0..<n { dxr[i] = k * (dyr[i] - meanDy - hr[i] * meanDyH) }
  }
}

/// [C, B·S] channel-major → [B, C·S] sample-major (the flatten before a fully connected layer).
func channelMajorToSampleMajor(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, channels: Int, batch: Int, cells: Int) {
  for c in 0..<channels {
    for b in 0..<batch {
      (y + b &* channels &* cells + c &* cells).update(from: x + c &* batch &* cells + b &* cells, count: cells)
    }
  }
}

/// The inverse of `channelMajorToSampleMajor`.
func sampleMajorToChannelMajor(_ y: UnsafePointer<Float>, _ x: UnsafeMutablePointer<Float>, channels: Int, batch: Int, cells: Int) {
  for c in 0..<channels {
    for b in 0..<batch {
      (x + c &* batch &* cells + b &* cells).update(from: y + b &* channels &* cells + c &* cells, count: cells)
    }
  }
}

/// Softmax of each row of `logits` (rows × n) over the entries where `mask` is nonzero (all if nil);
/// masked entries get probability 0.
func maskedSoftmax(_ logits: UnsafePointer<Float>, mask: UnsafePointer<Float>?, _ out: UnsafeMutablePointer<Float>, rows: Int, n: Int) {
  for r in 0..<rows {
    let l = logits + r &* n, o = out + r &* n
    let mk = mask.map { $0 + r &* n }
    var mx = -Float.infinity
    for j in 0..<n where mk == nil || mk![j] != 0 { mx = max(mx, l[j]) }
    var sum: Float = 0
    for j in 0..<n {
      if let mk, mk[j] == 0 {
        o[j] = 0
      } else {
        let e = expf(l[j] - mx)
        o[j] = e
        sum += e
      }
    }
    let inv = sum > 0 ? 1 / sum : 0
    for j in 0..<n { o[j] *= inv }
  }
}

#if canImport(Glibc)
import Glibc
#endif
