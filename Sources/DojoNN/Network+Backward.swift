// The backward pass of `PolicyValueNet.forward`: gradients of the mean loss over the batch.

extension PolicyValueNet {
  func backward(_ batch: TrainingBatch, valueWeight: Float) {
    let c = config, b = batch.count, hw = c.geometry.cells, n = b * hw, f = c.channels, a = c.actionCount
    precondition(b == savedBatch, "backward needs the forward pass of the same batch")
    gradients.update(repeating: 0, count: layout.totalCount)
    let inv = 1 / Float(b)
    let trunkOut = c.blocks > 0 ? buf("a.\(c.blocks - 1)", f * n) : buf("a.stem", f * n)
    let dTrunk = buf("d.trunk", f * n)

    // Policy head: d logits = (softmax − target) / B on legal actions.
    let probs = buf("probs", b * a), dLogits = buf("d.logits", b * a)
    batch.policyTargets.withUnsafeBufferPointer { t in
      batch.legalMasks.withUnsafeBufferPointer { m in
        for i in 0..<(b * a) { dLogits[i] = m[i] != 0 ? (probs[i] - t[i]) * inv : 0 }
      }
    }
    let pc = c.policyChannels, fp = buf("fp", b * pc * hw)
    gemm(transA: true, m: a, n: pc * hw, k: b, a: dLogits, lda: a, b: fp, ldb: pc * hw, c: g("policy.fc.weight"), ldc: pc * hw)
    columnSums(dLogits, rows: b, n: a, into: g("policy.fc.bias"))
    let dfp = buf("d.fp", b * pc * hw)
    gemm(m: b, n: pc * hw, k: a, a: dLogits, lda: a, b: p("policy.fc.weight"), ldb: pc * hw, c: dfp, ldc: pc * hw)
    let drp = buf("d.rp", pc * n)
    sampleMajorToChannelMajor(dfp, drp, channels: pc, batch: b, cells: hw)
    let rp = buf("rp", pc * n)
    reluBackward(rp, drp, drp, pc * n)
    let dzp = buf("d.zp", pc * n)
    batchNormBack("policy.bn", drp, dzp, channels: pc, n: n)
    gemm(transB: true, m: pc, n: f, k: n, a: dzp, lda: n, b: trunkOut, ldb: n, c: g("policy.conv.weight"), ldc: f)
    gemm(transA: true, m: f, n: n, k: pc, a: p("policy.conv.weight"), lda: f, b: dzp, ldb: n, c: dTrunk, ldc: n)

    // Value head.
    let vo = c.valueOutputs, vh = c.valueHidden, vc = c.valueChannels
    let vout = buf("vout", b * vo), dOut = buf("d.vout", b * vo)
    for i in 0..<b {
      let z = batch.valueTargets[i]
      if c.valueHead == .tanh {
        dOut[i] = valueWeight * inv * 2 * (vout[i] - z) * (1 - vout[i] * vout[i])
      } else {
        for k in 0..<3 { dOut[i * 3 + k] = valueWeight * inv * (vout[i * 3 + k] - wdlTarget(z, k)) }
      }
    }
    let hidden = buf("hidden", b * vh), pooled = buf("pooled", b * vc)
    gemm(transA: true, m: vo, n: vh, k: b, a: dOut, lda: vo, b: hidden, ldb: vh, c: g("value.fc2.weight"), ldc: vh)
    columnSums(dOut, rows: b, n: vo, into: g("value.fc2.bias"))
    let dHidden = buf("d.hidden", b * vh)
    gemm(m: b, n: vh, k: vo, a: dOut, lda: vo, b: p("value.fc2.weight"), ldb: vh, c: dHidden, ldc: vh)
    reluBackward(hidden, dHidden, dHidden, b * vh)
    gemm(transA: true, m: vh, n: vc, k: b, a: dHidden, lda: vh, b: pooled, ldb: vc, c: g("value.fc1.weight"), ldc: vc)
    columnSums(dHidden, rows: b, n: vh, into: g("value.fc1.bias"))
    let dPooled = buf("d.pooled", b * vc)
    gemm(m: b, n: vc, k: vh, a: dHidden, lda: vh, b: p("value.fc1.weight"), ldb: vc, c: dPooled, ldc: vc)
    let rv = buf("rv", vc * n), drv = buf("d.rv", vc * n)
    let invCells = 1 / Float(hw)
    for ch in 0..<vc {
      for s in 0..<b {
        let d = dPooled[s * vc + ch] * invCells
        let row = drv + ch * n + s * hw, act = rv + ch * n + s * hw
        for i in 0..<hw { row[i] = act[i] > 0 ? d : 0 }
      }
    }
    let dzv = buf("d.zv", vc * n)
    batchNormBack("value.bn", drv, dzv, channels: vc, n: n)
    gemm(transB: true, m: vc, n: f, k: n, a: dzv, lda: n, b: trunkOut, ldb: n, c: g("value.conv.weight"), ldc: f)
    gemm(transA: true, m: f, n: n, k: vc, a: p("value.conv.weight"), lda: f, b: dzv, ldb: n, beta: 1, c: dTrunk, ldc: n)

    // Residual blocks, last first. dA holds the gradient at the block's output.
    let dA = dTrunk, dT = buf("d.t", f * n), dZ = buf("d.z", f * n), dR = buf("d.r", f * n)
    for i in stride(from: c.blocks - 1, through: 0, by: -1) {
      let out = buf("a.\(i)", f * n), r1 = buf("r1.\(i)", f * n)
      let input = i > 0 ? buf("a.\(i - 1)", f * n) : buf("a.stem", f * n)
      reluBackward(out, dA, dT, f * n)  // dT: gradient at bn2's output plus skip, also the skip's
      batchNormBack("blocks.\(i).bn2", dT, dZ, channels: f, n: n)
      convBackward3x3(r1, dZ, inChannels: f, n: n, batch: b, weight: "blocks.\(i).conv2", dInput: dR)
      reluBackward(r1, dR, dR, f * n)
      batchNormBack("blocks.\(i).bn1", dR, dZ, channels: f, n: n)
      convBackward3x3(input, dZ, inChannels: f, n: n, batch: b, weight: "blocks.\(i).conv1", dInput: dA)
      for j in 0..<(f * n) { dA[j] += dT[j] }
    }

    // Stem (no gradient for the input).
    reluBackward(buf("a.stem", f * n), dA, dT, f * n)
    batchNormBack("stem.bn", dT, dZ, channels: f, n: n)
    convBackward3x3(buf("x0", c.inputPlanes * n), dZ, inChannels: c.inputPlanes, n: n, batch: b, weight: "stem.conv", dInput: nil)
  }

  /// dW += dOut · im2col(x)ᵀ; dInput = col2im(Wᵀ · dOut) when asked for.
  func convBackward3x3(_ x: UnsafePointer<Float>, _ dOut: UnsafePointer<Float>, inChannels: Int, n: Int, batch: Int,
                       weight: String, dInput: UnsafeMutablePointer<Float>?) {
    let f = config.channels, k = inChannels * 9
    if let conv = oneDNNConvolution(batch: batch, inputs: inChannels, outputs: f) {
      do {
        try conv.backward(x, dOut, weights: p(weight + ".weight"), gradient: g(weight + ".weight"), dInput: dInput)
        return
      } catch { fellBack(error) }
    }
    let col = buf("col", k * n)
    im2col3x3(x, channels: inChannels, batch: batch, config.geometry, col)
    gemm(transB: true, m: f, n: k, k: n, a: dOut, lda: n, b: col, ldb: n, beta: 1, c: g(weight + ".weight"), ldc: k)
    guard let dInput else { return }
    gemm(transA: true, m: k, n: n, k: f, a: p(weight + ".weight"), lda: k, b: dOut, ldb: n, c: col, ldc: n)
    col2im3x3(col, channels: inChannels, batch: batch, config.geometry, dInput)
  }

  func batchNormBack(_ name: String, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, channels: Int, n: Int) {
    batchNormBackward(dy, dx, channels: channels, n: n, gamma: p(name + ".weight"), xhat: buf(name + ".xhat", channels * n),
                      invStd: buf(name + ".invstd", channels), dgamma: g(name + ".weight"), dbeta: g(name + ".bias"))
  }
}

/// out[j] += Σ_r x[r, j].
func columnSums(_ x: UnsafePointer<Float>, rows: Int, n: Int, into out: UnsafeMutablePointer<Float>) {
  for r in 0..<rows {
    let row = x + r &* n
    for j in 0..<n { out[j] += row[j] }
  }
}
