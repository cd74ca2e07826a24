// Search settings. Each field: its meaning, Dojo's default, and the reference value where the
// literature has one.

public struct SearchConfig: Sendable, Equatable, Codable {
  /// How the root chooses which action to simulate.
  public enum RootPolicy: String, Sendable, Codable {
    /// PUCT with Dirichlet noise (AlphaZero).
    case puct
    /// Gumbel-top-k with sequential halving (Gumbel AlphaZero, Danihelka et al. 2022); sound with
    /// very few simulations.
    case gumbel
  }

  /// Simulations per move (a full search). AlphaZero: 800; Gumbel AlphaZero works from 2.
  public var simulations = 64
  public var rootPolicy = RootPolicy.gumbel

  // PUCT (AlphaZero's pseudocode): c(s) = log((1 + N(s) + cBase) / cBase) + cInit.
  /// AlphaZero: 1.25.
  public var cPuctInit: Float = 1.25
  /// AlphaZero: 19652.
  public var cPuctBase: Float = 19652
  /// First-play urgency: an unvisited child's Q is the parent's value minus this times the square
  /// root of the prior mass already visited (Leela Zero: 0.25 in self-play, 0 at the root with noise).
  public var fpuReduction: Float = 0.25
  /// Dirichlet noise at the root in self-play: α = dirichletScale / legal actions (AlphaZero's
  /// 0.3 / 0.15 / 0.03 for chess / shogi / Go are about 10 / typical legal moves). ε: AlphaZero 0.25.
  public var dirichletScale: Float = 10
  public var dirichletEpsilon: Float = 0.25
  /// Forced playouts at the root and policy target pruning (KataGo): a child gets at least
  /// sqrt(k · P · total visits) visits; those are removed from the target afterwards. KataGo: k = 2.
  /// 0 turns both off.
  public var forcedPlayoutFactor: Float = 0

  // Gumbel (Danihelka et al. 2022, and DeepMind's mctx defaults).
  /// Actions considered at the root (m). Paper: 16.
  public var gumbelConsidered = 16
  /// σ(q) = (cVisit + max visits) · cScale · q, with q mapped from [-1, 1] to [0, 1]. Paper: 50, 1.0.
  public var gumbelCVisit: Float = 50
  public var gumbelCScale: Float = 1

  /// Leaves gathered per tree per step, spread apart by virtual loss. 1 is plain MCTS.
  public var leavesPerTree = 1

  public init() {}
}
