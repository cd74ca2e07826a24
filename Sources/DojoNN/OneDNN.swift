// The residual tower on oneDNN (Debian's libdnnl, its C API): the stem and every block's two 3×3
// convolutions with batch norm folded into weights and bias, ReLU and the residual sum as post-ops,
// layouts chosen by oneDNN (`any`) and kept from layer to layer, reorders only at the tower's
// edges (from and to the channel-major layout the heads read). Everything is made once per batch
// size and kept: primitives, weights reordered into their layouts, activation buffers; a call then
// only sets the two edge buffers' addresses and runs the primitives.
//
// In int8 the activations are u8 (every one follows a ReLU; the inputs are non-negative planes),
// each tensor with one scale from calibration (its largest value over calibration positions, with
// headroom, maps to 255), and the weights s8 with one scale per output channel (the largest
// magnitude maps to 127, or to 63 on CPUs without VNNI: `int8WeightTop`). oneDNN 2.x adds the bias to the s32 sum before the output scale, so the bias is stored in
// the sum's units; the residual sum post-op rescales the block input to the output's scale. The
// last convolution writes f32, so the heads read the tower's output unquantized (measured on a
// trained tic-tac-toe net: a u8 output moved the value by up to 0.18, an f32 one by far less).

import CDNNL

/// A oneDNN call that failed while a tower was being built: names the call and oneDNN's status.
public struct OneDNNError: Error, CustomStringConvertible {
  public var description: String
}

@inline(__always)
func dnnl(_ status: dnnl_status_t, _ call: @autoclosure () -> String) throws(OneDNNError) {
  guard status == dnnl_success else { throw OneDNNError(description: "oneDNN: \(call()) failed with status \(status.rawValue)") }
}

/// The linked oneDNN's version and commit (`2.6.3 (commit 0bcd...)`).
public var oneDNNVersion: String {
  guard let v = dnnl_version()?.pointee else { return "unknown" }
  let hash = v.hash.map { String(cString: $0) } ?? ""
  return "\(v.major).\(v.minor).\(v.patch)" + (hash.isEmpty || hash == "N/A" ? "" : " (commit \(hash.prefix(10)))")
}

/// The instruction set oneDNN dispatches to in this process: the CPU's, capped by
/// `ONEDNN_MAX_CPU_ISA` (or `DNNL_MAX_CPU_ISA`) where set. What Dojo's int8 and `auto` rely on
/// (VNNI's 32-bit sums, AMX) is read here and not from the CPU's flags: with the cap at AVX2 or
/// AVX512_CORE on a VNNI CPU, oneDNN runs its kernels that sum u8 × s8 pairs in 16 bits (measured:
/// 8-bit weights then came out at half of fp32). oneDNN's ISA values are bit sets, each holding the
/// bits of the ISAs below it, so "has" is "holds that ISA's bits".
public struct OneDNNISA: Sendable, Equatable {
  public let isa: dnnl_cpu_isa_t
  public init(_ isa: dnnl_cpu_isa_t) { self.isa = isa }
  /// This process's: read once (oneDNN fixes it at its first use).
  public static let current = OneDNNISA(dnnl_get_effective_cpu_isa())

  func holds(_ other: dnnl_cpu_isa_t) -> Bool { isa.rawValue & other.rawValue == other.rawValue }
  public var hasAVX2: Bool { holds(dnnl_cpu_isa_avx2) }
  /// u8 × s8 products summed in 32 bits (`vpdpbusd`), with AVX-512 or with AVX2.
  public var hasVNNI: Bool { holds(dnnl_cpu_isa_avx512_core_vnni) || holds(dnnl_cpu_isa_avx2_vnni) }
  public var hasAMX: Bool { holds(dnnl_cpu_isa_avx512_core_amx) }
  /// oneDNN's name for it (`avx512_core_bf16`, `avx2`, ...).
  public var name: String {
    let text = dnnl_cpu_isa2str(isa).map { String(cString: $0) } ?? "isa \(isa.rawValue)"
    return text.hasPrefix("cpu_isa_") ? String(text.dropFirst(8)) : text
  }
}

/// What oneDNN chose for a convolution: its implementation (e.g. `brgconv:avx512_core`).
func implementationName(_ pd: const_dnnl_primitive_desc_t) -> String {
  var text: UnsafePointer<CChar>?
  guard dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &text) == dnnl_success, let text else { return "?" }
  return String(cString: text)
}

final class OneDNNTower {
  /// One convolution's folded parameters: weights [out, in, 3, 3] (oihw) and bias [out].
  struct Convolution {
    var weights: UnsafeMutablePointer<Float>
    var bias: UnsafeMutablePointer<Float>
    var outputs: Int
    var inputs: Int
  }

  /// Its engine and stream (one per network engine: one worker thread).
  let context: OneDNNContext
  var engine: dnnl_engine_t { context.engine }
  var stream: dnnl_stream_t { context.stream }
  let convolutions: [Convolution]
  let blocks: Int
  let height: Int, width: Int
  let threads: Int
  /// The activations' and weights' data type inside the tower (f32 or bf16; u8/s8 when
  /// `activationScales` is set); the edges are f32.
  let dataType: dnnl_data_type_t
  /// int8: the scale of each activation tensor (the tower input, then each convolution's output),
  /// real value = scale × u8 value.
  let activationScales: [Float]?
  /// The plans made so far, by batch size (primitives and buffers; see `makeRoom`).
  var plans: [Int: Plan] = [:]
  /// At most this many plans are kept.
  static let maxPlans = 64
  /// At most this many positions are planned for in all (the kept plans' batch sizes summed): a
  /// plan's buffers grow with its batch, so a bound on plans alone is not one on memory. Measured:
  /// `dojo eval` of 5,500 positions at 200 simulations (every search step a new, slightly smaller
  /// batch) grew to 12.5 GB under the bound of 64 plans alone, and two at once were killed for
  /// want of memory on a 24 GB machine.
  static let maxPlannedPositions = 4096
  var plannedPositions: Int { plans.keys.reduce(0, +) }

  /// The top of the s8 weights' range: 127 where oneDNN's kernels have VNNI (`vpdpbusd` sums u8 × s8
  /// products in 32 bits), else 63. Without VNNI oneDNN multiplies u8 by s8 in pairs into a saturating
  /// 16-bit sum (`vpmaddubsw`), which 255 × 127 × 2 overflows and 255 × 63 × 2 = 32,130 does not
  /// (measured: the all-maximal case came out at about half of fp32 with 127, on an AVX2 EPYC and,
  /// with oneDNN capped to AVX512_CORE, on an AVX-512 VNNI one). Read from the ISA oneDNN dispatches
  /// to (`OneDNNISA`), so a cap set by `ONEDNN_MAX_CPU_ISA` is followed.
  static let int8WeightTop = int8WeightTop(isa: .current)

  static func int8WeightTop(isa: OneDNNISA) -> Float { isa.hasVNNI ? 127 : 63 }

  /// The implementation oneDNN chose for the tower's convolutions at the last batch size planned.
  private(set) var implementation = ""

  init(convolutions: [Convolution], blocks: Int, height: Int, width: Int, threads: Int, dataType: dnnl_data_type_t = dnnl_f32,
       activationScales: [Float]? = nil) throws(OneDNNError) {
    precondition(activationScales == nil || activationScales!.count == convolutions.count + 1)
    context = try OneDNNContext()
    self.activationScales = activationScales
    self.convolutions = convolutions
    self.blocks = blocks
    self.height = height
    self.width = width
    self.threads = threads
    self.dataType = dataType
  }

  deinit { plans.removeAll() }  // the plans' objects go before the engine they were made on

  /// Makes the plan for `batch` positions now (the first call at that size would otherwise).
  func prepare(batch: Int) throws(OneDNNError) {
    guard plans[batch] == nil else { return }
    makeRoom(for: batch)
    omp_set_num_threads(Int32(threads))  // the work split is fixed at creation: create with the threads it runs on
    let plan = try Plan(self, batch: batch)
    plans[batch] = plan
    implementation = plan.implementation
  }

  /// Runs the tower on `batch` positions: `input` is inputs × (batch·height·width), channel-major,
  /// `output` receives channels × (batch·height·width), channel-major.
  func run(batch: Int, input: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>) throws(OneDNNError) {
    omp_set_num_threads(Int32(threads))
    try prepare(batch: batch)
    try plans[batch]!.run(input: input, output: output)
  }

  /// Drops plans, the largest batches first, until one for `batch` positions fits both bounds
  /// (a batch larger than `maxPlannedPositions` is planned alone). Self-play's batches are small
  /// and recur, so they stay; an evaluation's large, ever-smaller batches do not pile up.
  func makeRoom(for batch: Int) {
    while let largest = plans.keys.max(), plans.count >= Self.maxPlans || plannedPositions + batch > Self.maxPlannedPositions {
      plans.removeValue(forKey: largest)
    }
  }

  /// The primitives and buffers for one batch size.
  final class Plan {
    let objects: DNNLObjects
    var steps: [DNNLStep] = []
    var input: dnnl_memory_t?
    var output: dnnl_memory_t?
    var implementation = ""

    func run(input: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>) throws(OneDNNError) {
      try dnnl(dnnl_memory_set_data_handle(self.input, input), "dnnl_memory_set_data_handle")
      try dnnl(dnnl_memory_set_data_handle(self.output, output), "dnnl_memory_set_data_handle")
      for step in steps { try objects.execute(step, wait: false) }
      try dnnl(dnnl_stream_wait(objects.stream), "dnnl_stream_wait")
    }

    init(_ tower: OneDNNTower, batch: Int) throws(OneDNNError) {
      let o = DNNLObjects(engine: tower.engine, stream: tower.stream)
      objects = o
      func descriptor(_ dims: [Int], _ tag: dnnl_format_tag_t, _ type: dnnl_data_type_t = dnnl_f32) throws(OneDNNError) -> dnnl_memory_desc_t {
        try DNNLObjects.descriptor(dims, tag, type)
      }
      func memory(_ md: UnsafePointer<dnnl_memory_desc_t>, _ handle: UnsafeMutableRawPointer?) throws(OneDNNError) -> dnnl_memory_t {
        try o.memory(md.pointee, handle)
      }
      func reorder(from source: dnnl_memory_t, _ sourceMD: UnsafePointer<dnnl_memory_desc_t>, to target: dnnl_memory_t,
                   _ targetMD: UnsafePointer<dnnl_memory_desc_t>) throws(OneDNNError) -> DNNLStep {
        try o.reorder(from: source, sourceMD.pointee, to: target, targetMD.pointee)
      }
      func runOnce(_ step: DNNLStep) throws(OneDNNError) { try o.execute(step, wait: true) }
      let allocate = DNNLObjects.allocate

      let (h, w) = (tower.height, tower.width)
      let first = tower.convolutions[0]
      // The edges: the heads' channel-major layout, dims (N, C, H, W) stored C-first ("bacd").
      var inputMD = try descriptor([batch, first.inputs, h, w], dnnl_bacd)
      var outputMD = try descriptor([batch, first.outputs, h, w], dnnl_bacd)
      input = try memory(&inputMD, nil)
      output = try memory(&outputMD, nil)

      // The current activation: its memory and descriptor (a copy of oneDNN's).
      var current = input!
      var currentMD = inputMD
      // The block input's memory, for the residual sum.
      var skip: (memory: dnnl_memory_t, md: dnnl_memory_desc_t)?

      let scales = tower.activationScales
      for (index, conv) in tower.convolutions.enumerated() {
        let isSecondOfBlock = index > 0 && index % 2 == 0
        let activationType = scales == nil ? tower.dataType : dnnl_u8, weightsType = scales == nil ? tower.dataType : dnnl_s8
        // int8: the last convolution's output in f32 (real values: its scale is 1).
        let floatOutput = scales != nil && index == tower.convolutions.count - 1
        let outputScale: Float = floatOutput ? 1 : scales?[index + 1] ?? 1
        var srcAny = try descriptor([batch, conv.inputs, h, w], dnnl_format_tag_any, activationType)
        var dstAny = try descriptor([batch, conv.outputs, h, w], dnnl_format_tag_any, floatOutput ? dnnl_f32 : activationType)
        var weightsAny = try descriptor([conv.outputs, conv.inputs, 3, 3], dnnl_format_tag_any, weightsType)
        var biasMD = try descriptor([conv.outputs], dnnl_a)
        // int8: per output channel, the weights' scale and the output scale (input × weights / output).
        var weightScales: [Float] = [], outputScales: [Float] = []
        if let scales {
          for o in 0..<conv.outputs {
            var largest: Float = 0
            for i in 0..<(conv.inputs * 9) { largest = max(largest, abs(conv.weights[o * conv.inputs * 9 + i])) }
            weightScales.append(largest > 0 ? largest / OneDNNTower.int8WeightTop : 1)
          }
          outputScales = weightScales.map { scales[index] * $0 / outputScale }
        }
        let strides: [Int64] = [1, 1], padding: [Int64] = [1, 1]
        // Post-ops: the block's second convolution adds its input (sum), then every one applies ReLU.
        var postOps: dnnl_post_ops_t?
        try dnnl(dnnl_post_ops_create(&postOps), "dnnl_post_ops_create")
        defer { dnnl_post_ops_destroy(postOps) }
        if isSecondOfBlock {
          // int8: the block input (scale of the tensor before the block's first convolution) in the output's scale.
          let sumScale = floatOutput ? 1 : scales.map { $0[index - 1] / outputScale } ?? 1
          try dnnl(dnnl_post_ops_append_sum(postOps, sumScale), "dnnl_post_ops_append_sum")
        }
        try dnnl(dnnl_post_ops_append_eltwise(postOps, 1, dnnl_eltwise_relu, 0, 0), "dnnl_post_ops_append_eltwise")
        var attr: dnnl_primitive_attr_t?
        try dnnl(dnnl_primitive_attr_create(&attr), "dnnl_primitive_attr_create")
        defer { dnnl_primitive_attr_destroy(attr) }
        try dnnl(dnnl_primitive_attr_set_post_ops(attr, postOps), "dnnl_primitive_attr_set_post_ops")
        if scales != nil {
          try dnnl(dnnl_primitive_attr_set_output_scales(attr, Int64(conv.outputs), 1 << 1, outputScales), "dnnl_primitive_attr_set_output_scales")
        }
        var pd: dnnl_primitive_desc_t?
        // Direct, not Winograd: measured on AVX-512 (Sapphire Rapids, one core), oneDNN's fp32 Winograd
        // (jit_fp32_wino_2x3) ran the Connect Four tower 0.92-1.17x direct's speed by batch size, within noise.
        var desc = dnnl_convolution_desc_t()
        try dnnl(dnnl_convolution_forward_desc_init(&desc, dnnl_forward_inference, dnnl_convolution_direct, &srcAny, &weightsAny, &biasMD,
                                                    &dstAny, strides, padding, padding), "dnnl_convolution_forward_desc_init")
        try dnnl(dnnl_primitive_desc_create(&pd, &desc, attr, tower.engine, nil), "dnnl_primitive_desc_create (convolution \(index))")
        o.keep(pd!)
        implementation = implementationName(pd!)
        var srcMD = dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0)!.pointee
        var dstMD = dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0)!.pointee
        var weightsMD = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0)!.pointee

        // The source in the layout this convolution wants.
        if dnnl_memory_desc_equal(&currentMD, &srcMD) == 0 {
          let converted = try memory(&srcMD, allocate)
          // int8: the f32 input is quantized on its way in.
          let quantize = index == 0 ? scales.map { [1 / $0[0]] } : nil
          steps.append(try o.reorder(from: current, currentMD, to: converted, srcMD, scales: quantize))
          current = converted
          currentMD = srcMD
        }
        if index % 2 == 1 || index == 0 { skip = nil }
        if index % 2 == 1 { skip = (current, currentMD) }  // a block's first convolution: its input is the skip

        // The weights, reordered once into the layout chosen.
        var userWeightsMD = try descriptor([conv.outputs, conv.inputs, 3, 3], dnnl_oihw)
        let userWeights = try memory(&userWeightsMD, UnsafeMutableRawPointer(conv.weights))
        let weights = try memory(&weightsMD, allocate)
        try runOnce(try o.reorder(from: userWeights, userWeightsMD, to: weights, weightsMD, scales: scales == nil ? nil : weightScales.map { 1 / $0 }))
        let bias = try memory(&biasMD, scales == nil ? UnsafeMutableRawPointer(conv.bias) : allocate)
        if let scales {
          // The bias in the s32 sum's units (oneDNN 2.x adds it before the output scale).
          var handle: UnsafeMutableRawPointer?
          try dnnl(dnnl_memory_get_data_handle(bias, &handle), "dnnl_memory_get_data_handle")
          let b = handle!.assumingMemoryBound(to: Float.self)
          for o in 0..<conv.outputs { b[o] = conv.bias[o] / (scales[index] * weightScales[o]) }
        }

        // The destination: for a block's second convolution, the block input's buffer (the sum
        // post-op adds what the destination holds), reordered first if its layout differs.
        let destination: dnnl_memory_t
        if isSecondOfBlock, var s = skip {
          if floatOutput {
            // int8's last block: the f32 destination starts as the block input in real values.
            destination = try memory(&dstMD, allocate)
            steps.append(try o.reorder(from: s.memory, s.md, to: destination, dstMD, scales: [scales![index - 1]]))
          } else if dnnl_memory_desc_equal(&s.md, &dstMD) != 0 {
            destination = s.memory
          } else {
            destination = try memory(&dstMD, allocate)
            steps.append(try reorder(from: s.memory, &s.md, to: destination, &dstMD))
          }
        } else {
          destination = try memory(&dstMD, allocate)
        }
        let p = try o.primitive(pd!, "convolution \(index)")
        steps.append(DNNLStep(primitive: p, args: [
          dnnl_exec_arg_t(arg: DNNL_ARG_SRC, memory: current), dnnl_exec_arg_t(arg: DNNL_ARG_WEIGHTS, memory: weights),
          dnnl_exec_arg_t(arg: DNNL_ARG_BIAS, memory: bias), dnnl_exec_arg_t(arg: DNNL_ARG_DST, memory: destination),
        ]))
        current = destination
        currentMD = dstMD
      }
      // Back to the heads' layout.
      steps.append(try reorder(from: current, &currentMD, to: output!, &outputMD))
    }
  }
}

/// A primitive and its arguments, ready to run.
struct DNNLStep {
  var primitive: dnnl_primitive_t
  var args: [dnnl_exec_arg_t]
}

/// oneDNN objects made together and destroyed together (memories, primitive descriptors,
/// primitives), with the helpers that make them.
final class DNNLObjects {
  let engine: dnnl_engine_t
  let stream: dnnl_stream_t
  private var memories: [dnnl_memory_t] = []
  private var descriptors: [dnnl_primitive_desc_t] = []
  private var primitives: [dnnl_primitive_t] = []

  /// DNNL_MEMORY_ALLOCATE: oneDNN allocates the buffer.
  static var allocate: UnsafeMutableRawPointer? { UnsafeMutableRawPointer(bitPattern: -1) }

  init(engine: dnnl_engine_t, stream: dnnl_stream_t) {
    self.engine = engine
    self.stream = stream
  }

  deinit {
    for p in primitives { dnnl_primitive_destroy(p) }
    for d in descriptors { dnnl_primitive_desc_destroy(d) }
    for m in memories { dnnl_memory_destroy(m) }
  }

  static func descriptor(_ dims: [Int], _ tag: dnnl_format_tag_t, _ type: dnnl_data_type_t = dnnl_f32) throws(OneDNNError) -> dnnl_memory_desc_t {
    var md = dnnl_memory_desc_t()
    let d = dims.map(Int64.init)
    try dnnl(dnnl_memory_desc_init_by_tag(&md, Int32(dims.count), d, type, tag), "dnnl_memory_desc_init_by_tag")
    return md
  }

  /// A memory over `handle` (nil: none yet, set before each use; `allocate`: oneDNN's own).
  func memory(_ md: dnnl_memory_desc_t, _ handle: UnsafeMutableRawPointer?) throws(OneDNNError) -> dnnl_memory_t {
    var md = md
    var m: dnnl_memory_t?
    try dnnl(dnnl_memory_create(&m, &md, engine, handle), "dnnl_memory_create")
    memories.append(m!)
    return m!
  }

  func keep(_ pd: dnnl_primitive_desc_t) { descriptors.append(pd) }

  func primitive(_ pd: dnnl_primitive_desc_t, _ what: String) throws(OneDNNError) -> dnnl_primitive_t {
    var p: dnnl_primitive_t?
    try dnnl(dnnl_primitive_create(&p, pd), "dnnl_primitive_create (\(what))")
    primitives.append(p!)
    return p!
  }

  /// A reorder from `source` to `target`, multiplying by `scales` on the way: one for all values,
  /// or one per index of the first dimension (weights' output channels).
  func reorder(from source: dnnl_memory_t, _ sourceMD: dnnl_memory_desc_t, to target: dnnl_memory_t, _ targetMD: dnnl_memory_desc_t,
               scales: [Float]? = nil) throws(OneDNNError) -> DNNLStep {
    var (a, b) = (sourceMD, targetMD)
    var pd: dnnl_primitive_desc_t?
    var attr: dnnl_primitive_attr_t?
    if let scales {
      try dnnl(dnnl_primitive_attr_create(&attr), "dnnl_primitive_attr_create")
      try dnnl(dnnl_primitive_attr_set_output_scales(attr, Int64(scales.count), scales.count == 1 ? 0 : 1, scales),
               "dnnl_primitive_attr_set_output_scales (reorder)")
    }
    defer { if attr != nil { dnnl_primitive_attr_destroy(attr) } }
    try dnnl(dnnl_reorder_primitive_desc_create(&pd, &a, engine, &b, engine, attr), "dnnl_reorder_primitive_desc_create")
    keep(pd!)
    let p = try primitive(pd!, "reorder")
    return DNNLStep(primitive: p, args: [dnnl_exec_arg_t(arg: DNNL_ARG_FROM, memory: source), dnnl_exec_arg_t(arg: DNNL_ARG_TO, memory: target)])
  }

  func execute(_ step: DNNLStep, wait: Bool) throws(OneDNNError) {
    try step.args.withUnsafeBufferPointer { args throws(OneDNNError) in
      try dnnl(dnnl_primitive_execute(step.primitive, stream, Int32(args.count), args.baseAddress), "dnnl_primitive_execute")
    }
    if wait { try dnnl(dnnl_stream_wait(stream), "dnnl_stream_wait") }
  }

  /// What `pd` wants for `what` (its source, weights, destination...).
  static func query(_ pd: dnnl_primitive_desc_t, _ what: dnnl_query_t) -> dnnl_memory_desc_t {
    dnnl_primitive_desc_query_md(pd, what, 0)!.pointee
  }
}
