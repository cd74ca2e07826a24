// Optimizers over the flat parameter buffer: SGD with (Nesterov) momentum and L2 weight decay, as
// AlphaZero trained; and AdamW (Loshchilov & Hutter), with decoupled weight decay. Learning-rate
// schedules: constant, step, cosine with linear warm-up. Weight decay applies to convolution and
// fully connected weights only (not to batch-norm scales, shifts, or biases).

#if canImport(Glibc)
import Glibc
#endif

/// How the learning rate moves with the step number.
public enum LearningRateSchedule: Codable, Sendable, Equatable {
  /// The same rate throughout.
  case constant(rate: Float)
  /// `rate` multiplied by `factor` at each of `milestones` (AlphaGo Zero: 0.01 → 0.001 → 0.0001).
  case step(rate: Float, factor: Float, milestones: [Int])
  /// Linear warm-up from 0 over `warmupSteps`, then a half cosine from `rate` to `minimumRate` at `totalSteps`.
  case cosine(rate: Float, warmupSteps: Int, totalSteps: Int, minimumRate: Float)

  /// The learning rate at `step` (counting from 0).
  public func rate(at step: Int) -> Float {
    switch self {
    case let .constant(rate):
      return rate
    case let .step(rate, factor, milestones):
      return rate * pow(factor, Float(milestones.filter { step >= $0 }.count))
    case let .cosine(rate, warmup, total, minimum):
      if step < warmup { return rate * Float(step + 1) / Float(warmup) }
      let progress = min(1, Float(step - warmup) / Float(max(1, total - warmup)))
      return minimum + (rate - minimum) * 0.5 * (1 + cos(Float.pi * progress))
    }
  }
}

/// The optimizer and its settings. Reference values from the literature in each comment.
public struct OptimizerConfig: Codable, Sendable, Equatable {
  public enum Kind: String, Codable, Sendable { case sgd, adamw }
  /// `sgd` (AlphaZero) or `adamw`.
  public var kind: Kind
  public var schedule: LearningRateSchedule
  /// SGD momentum. AlphaZero: 0.9.
  public var momentum: Float
  /// Nesterov momentum for SGD.
  public var nesterov: Bool
  /// L2 penalty for SGD (added to the gradient), decoupled decay for AdamW. AlphaZero: 1e-4 (as c‖θ‖²).
  public var weightDecay: Float
  /// AdamW's moment decay rates and epsilon (Kingma & Ba: 0.9, 0.999, 1e-8).
  public var beta1: Float
  public var beta2: Float
  public var epsilon: Float

  public init(kind: Kind = .sgd, schedule: LearningRateSchedule = .constant(rate: 0.02), momentum: Float = 0.9,
              nesterov: Bool = true, weightDecay: Float = 1e-4, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
    self.kind = kind
    self.schedule = schedule
    self.momentum = momentum
    self.nesterov = nesterov
    self.weightDecay = weightDecay
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
  }
}

/// Optimizer state for one network: the step count and one or two moment buffers.
public final class Optimizer {
  public let config: OptimizerConfig
  public let count: Int
  /// Steps taken so far.
  public internal(set) var step = 0
  /// SGD: velocity. AdamW: first moment.
  let first: UnsafeMutablePointer<Float>
  /// AdamW: second moment (unused by SGD).
  let second: UnsafeMutablePointer<Float>
  /// 1 where weight decay applies.
  let decayMask: UnsafeMutablePointer<Float>

  public init(config: OptimizerConfig, layout: TensorLayout) {
    self.config = config
    count = layout.totalCount
    first = .allocate(capacity: count)
    second = .allocate(capacity: count)
    decayMask = .allocate(capacity: count)
    first.initialize(repeating: 0, count: count)
    second.initialize(repeating: 0, count: count)
    for t in layout.tensors { (decayMask + t.offset).initialize(repeating: t.decays ? 1 : 0, count: t.count) }
  }

  /// `other`'s state (its step and moments) under `config` (population-based training changes the
  /// rate or the decay of a copied optimizer). The kinds must match: their moments mean different things.
  public convenience init(config: OptimizerConfig, layout: TensorLayout, copying other: Optimizer) {
    precondition(config.kind == other.config.kind && other.count == layout.totalCount, "an optimizer's state carries over to the same kind and layout only")
    self.init(config: config, layout: layout)
    step = other.step
    first.update(from: other.first, count: count)
    second.update(from: other.second, count: count)
  }

  deinit {
    first.deallocate()
    second.deallocate()
    decayMask.deallocate()
  }

  /// The learning rate the next step will use.
  public var currentRate: Float { config.schedule.rate(at: step) }

  /// One update of `parameters` from `gradients`.
  public func apply(parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>) {
    let lr = currentRate, c = config, n = count
    switch c.kind {
    case .sgd:
      let mu = c.momentum, wd = c.weightDecay
      for i in 0..<n {
        let g = gradients[i] + wd * decayMask[i] * parameters[i]
        let v = mu * first[i] + g
        first[i] = v
        parameters[i] -= lr * (c.nesterov ? g + mu * v : v)
      }
    case .adamw:
      let t = Float(step + 1)
      let b1 = c.beta1, b2 = c.beta2
      let correction1 = 1 - pow(b1, t), correction2 = 1 - pow(b2, t)
      for i in 0..<n {
        let g = gradients[i]
        let m = b1 * first[i] + (1 - b1) * g
        let v = b2 * second[i] + (1 - b2) * g * g
        first[i] = m
        second[i] = v
        let update = (m / correction1) / ((v / correction2).squareRoot() + c.epsilon)
        parameters[i] -= lr * (update + c.weightDecay * decayMask[i] * parameters[i])
      }
    }
    step += 1
  }
}

extension PolicyValueNet {
  /// One training step: forward, backward, and an optimizer update. Returns the batch's losses.
  @discardableResult
  public func trainStep(_ batch: TrainingBatch, optimizer: Optimizer, valueWeight: Float = 1) -> Losses {
    let losses = lossAndGradients(batch, valueWeight: valueWeight)
    optimizer.apply(parameters: parameters, gradients: gradients)
    return losses
  }
}
