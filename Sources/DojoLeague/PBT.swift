// Population-based training's two steps (Jaderberg et al. 2017): exploit (a weak member takes a
// strong member's weights, optimizer state and hyperparameters) and explore (the copied
// hyperparameters are perturbed or resampled within their bounds).

import DojoGames
import Foundation

public typealias Hyperparameters = [Hyperparameter: Double]

public enum PBT {
  /// The member `member` copies, or nil if it keeps its own weights. `fitness` holds every member
  /// of the population (higher is better). `stronger(a, b)` is the probability that `a` is truly the
  /// fitter of the two (from the ratings' fit; nil: unknown); a donor must be fitter with at least
  /// `config.exploitConfidence` (0: any strictly higher fitness, as in PBT).
  public static func donor(for member: String, fitness: [String: Double], config: PBTConfig, rng: inout SplitMix64,
                           stronger: (_ a: String, _ b: String) -> Double? = { _, _ in nil }) -> String? {
    let ranked = fitness.keys.sorted { (fitness[$0]!, $1) > (fitness[$1]!, $0) }  // best first, ties by name
    guard ranked.count >= 2, let mine = fitness[member] else { return nil }
    func fitter(_ other: String) -> Bool {
      guard other != member, fitness[other]! > mine else { return false }
      return config.exploitConfidence <= 0 || (stronger(other, member) ?? 0) >= config.exploitConfidence
    }
    switch config.exploit {
    case .truncation:
      let k = max(1, Int((Double(ranked.count) * config.truncation).rounded(.up)))
      guard ranked.suffix(k).contains(member) else { return nil }
      let top = Array(ranked.prefix(k)).filter(fitter)
      return top.isEmpty ? nil : top[rng.next(below: top.count)]
    case .binaryTournament:
      let others = ranked.filter { $0 != member }
      let other = others[rng.next(below: others.count)]
      return fitter(other) ? other : nil
    }
  }

  /// `values` explored: each bounded hyperparameter perturbed by one of the factors, or (explore =
  /// resample) resampled uniformly within its bounds (log-uniformly for rates) with the configured
  /// probability; always clamped to the bounds.
  public static func explore(_ values: Hyperparameters, config: PBTConfig, rng: inout SplitMix64) -> Hyperparameters {
    var out = values
    for h in config.bounds.keys.sorted() {
      guard let bounds = config.bounds[h], let v = values[h] else { continue }
      var x: Double
      if config.explore == .resample && Double.random(in: 0..<1, using: &rng) < config.resampleProbability {
        x = h.isLogScale && bounds.lowerBound > 0
          ? exp(Double.random(in: log(bounds.lowerBound)...log(bounds.upperBound), using: &rng))
          : Double.random(in: bounds, using: &rng)
      } else {
        x = v * config.perturbFactors[rng.next(below: config.perturbFactors.count)]
      }
      x = min(max(x, bounds.lowerBound), bounds.upperBound)
      if h.isInteger { x = x.rounded() }
      out[h] = x
    }
    return out
  }
}
