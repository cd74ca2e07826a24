// Training's 3×3 convolutions on oneDNN: forward, backward data and backward weights for one shape
// (batch, input and output channels), reading and writing the training network's channel-major
// buffers (batch norm, ReLU and the heads stay in Swift and OpenBLAS). oneDNN picks its layouts;
// reorders convert at each call's edges. Everything is made once per shape and kept.

import CDNNL

/// An engine and a stream for one network (a network trains on one thread at a time).
final class OneDNNContext {
  let engine: dnnl_engine_t
  let stream: dnnl_stream_t

  init() throws(OneDNNError) {
    var engine: dnnl_engine_t?
    try dnnl(dnnl_engine_create(&engine, dnnl_cpu, 0), "dnnl_engine_create")
    var stream: dnnl_stream_t?
    try dnnl(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags.rawValue), "dnnl_stream_create")
    self.engine = engine!
    self.stream = stream!
  }

  deinit {
    dnnl_stream_destroy(stream)
    dnnl_engine_destroy(engine)
  }
}

final class OneDNNTrainingConvolution {
  let objects: DNNLObjects
  let weightCount: Int
  // The caller's buffers, their addresses set on every call.
  let x: dnnl_memory_t, y: dnnl_memory_t, w: dnnl_memory_t, dy: dnnl_memory_t, dx: dnnl_memory_t
  var forwardSteps: [DNNLStep] = []
  var dataSteps: [DNNLStep] = []
  var weightSteps: [DNNLStep] = []
  /// The weight gradient of the last backward call, [out, in, 3, 3] (oihw), added to the caller's.
  let weightGradient: UnsafeMutablePointer<Float>
  private(set) var implementation = ""

  init(_ context: OneDNNContext, batch: Int, inputs: Int, outputs: Int, height: Int, width: Int) throws(OneDNNError) {
    // oneDNN fixes a primitive's work split at creation from the thread count then in force: create
    // with the one thread it runs on, or the reductions' order (and the last bits) depend on whether
    // this thread had run a convolution before (measured: two identical training runs differed).
    omp_set_num_threads(1)
    let o = DNNLObjects(engine: context.engine, stream: context.stream)
    objects = o
    weightCount = outputs * inputs * 9
    weightGradient = .allocate(capacity: weightCount)
    let source = [batch, inputs, height, width], destination = [batch, outputs, height, width]
    let weightDims = [outputs, inputs, 3, 3]
    let userX = try DNNLObjects.descriptor(source, dnnl_bacd), userY = try DNNLObjects.descriptor(destination, dnnl_bacd)
    let userW = try DNNLObjects.descriptor(weightDims, dnnl_oihw)
    x = try o.memory(userX, nil)
    y = try o.memory(userY, nil)
    w = try o.memory(userW, nil)
    dy = try o.memory(userY, nil)
    dx = try o.memory(userX, nil)
    let dw = try o.memory(userW, UnsafeMutableRawPointer(weightGradient))

    var srcAny = try DNNLObjects.descriptor(source, dnnl_format_tag_any), dstAny = try DNNLObjects.descriptor(destination, dnnl_format_tag_any)
    var wAny = try DNNLObjects.descriptor(weightDims, dnnl_format_tag_any)
    let strides: [Int64] = [1, 1], padding: [Int64] = [1, 1]

    /// `memory` (in `md`) as `wanted`: itself when the layouts agree, else a buffer of oneDNN's
    /// that `steps` first reorders it into (or, for an output, out of which `steps` then reorders).
    func bring(_ memory: dnnl_memory_t, _ md: dnnl_memory_desc_t, as wanted: dnnl_memory_desc_t, into steps: inout [DNNLStep]) throws(OneDNNError) -> dnnl_memory_t {
      var (a, b) = (md, wanted)
      if dnnl_memory_desc_equal(&a, &b) != 0 { return memory }
      let converted = try o.memory(wanted, DNNLObjects.allocate)
      steps.append(try o.reorder(from: memory, md, to: converted, wanted))
      return converted
    }
    func send(_ md: dnnl_memory_desc_t, to memory: dnnl_memory_t, _ userMD: dnnl_memory_desc_t, after steps: inout [DNNLStep],
              _ run: (dnnl_memory_t) -> DNNLStep) throws(OneDNNError) {
      var (a, b) = (md, userMD)
      if dnnl_memory_desc_equal(&a, &b) != 0 {
        steps.append(run(memory))
      } else {
        let produced = try o.memory(md, DNNLObjects.allocate)
        steps.append(run(produced))
        steps.append(try o.reorder(from: produced, md, to: memory, userMD))
      }
    }

    // Forward.
    var forward = dnnl_convolution_desc_t()
    try dnnl(dnnl_convolution_forward_desc_init(&forward, dnnl_forward_training, dnnl_convolution_direct, &srcAny, &wAny, nil, &dstAny,
                                                strides, padding, padding), "dnnl_convolution_forward_desc_init")
    var fpd: dnnl_primitive_desc_t?
    try dnnl(dnnl_primitive_desc_create(&fpd, &forward, nil, context.engine, nil), "dnnl_primitive_desc_create (training convolution)")
    o.keep(fpd!)
    implementation = implementationName(fpd!)
    let forwardPrimitive = try o.primitive(fpd!, "training convolution")
    let fx = try bring(x, userX, as: DNNLObjects.query(fpd!, dnnl_query_src_md), into: &forwardSteps)
    let fw = try bring(w, userW, as: DNNLObjects.query(fpd!, dnnl_query_weights_md), into: &forwardSteps)
    try send(DNNLObjects.query(fpd!, dnnl_query_dst_md), to: y, userY, after: &forwardSteps) { out in
      DNNLStep(primitive: forwardPrimitive, args: [dnnl_exec_arg_t(arg: DNNL_ARG_SRC, memory: fx), dnnl_exec_arg_t(arg: DNNL_ARG_WEIGHTS, memory: fw),
                                                   dnnl_exec_arg_t(arg: DNNL_ARG_DST, memory: out)])
    }

    // Backward data: dx = convolution of dy with the weights transposed.
    var data = dnnl_convolution_desc_t()
    try dnnl(dnnl_convolution_backward_data_desc_init(&data, dnnl_convolution_direct, &srcAny, &wAny, &dstAny, strides, padding, padding),
             "dnnl_convolution_backward_data_desc_init")
    var dpd: dnnl_primitive_desc_t?
    try dnnl(dnnl_primitive_desc_create(&dpd, &data, nil, context.engine, fpd), "dnnl_primitive_desc_create (backward data)")
    o.keep(dpd!)
    let dataPrimitive = try o.primitive(dpd!, "backward data")
    let ddy = try bring(dy, userY, as: DNNLObjects.query(dpd!, dnnl_query_diff_dst_md), into: &dataSteps)
    let dw2 = try bring(w, userW, as: DNNLObjects.query(dpd!, dnnl_query_weights_md), into: &dataSteps)
    try send(DNNLObjects.query(dpd!, dnnl_query_diff_src_md), to: dx, userX, after: &dataSteps) { out in
      DNNLStep(primitive: dataPrimitive, args: [dnnl_exec_arg_t(arg: DNNL_ARG_DIFF_DST, memory: ddy), dnnl_exec_arg_t(arg: DNNL_ARG_WEIGHTS, memory: dw2),
                                                dnnl_exec_arg_t(arg: DNNL_ARG_DIFF_SRC, memory: out)])
    }

    // Backward weights: dW = dy ⋆ x.
    var weights = dnnl_convolution_desc_t()
    try dnnl(dnnl_convolution_backward_weights_desc_init(&weights, dnnl_convolution_direct, &srcAny, &wAny, nil, &dstAny, strides, padding, padding),
             "dnnl_convolution_backward_weights_desc_init")
    var wpd: dnnl_primitive_desc_t?
    try dnnl(dnnl_primitive_desc_create(&wpd, &weights, nil, context.engine, fpd), "dnnl_primitive_desc_create (backward weights)")
    o.keep(wpd!)
    let weightsPrimitive = try o.primitive(wpd!, "backward weights")
    let wx = try bring(x, userX, as: DNNLObjects.query(wpd!, dnnl_query_src_md), into: &weightSteps)
    let wdy = try bring(dy, userY, as: DNNLObjects.query(wpd!, dnnl_query_diff_dst_md), into: &weightSteps)
    try send(DNNLObjects.query(wpd!, dnnl_query_diff_weights_md), to: dw, userW, after: &weightSteps) { out in
      DNNLStep(primitive: weightsPrimitive, args: [dnnl_exec_arg_t(arg: DNNL_ARG_SRC, memory: wx), dnnl_exec_arg_t(arg: DNNL_ARG_DIFF_DST, memory: wdy),
                                                   dnnl_exec_arg_t(arg: DNNL_ARG_DIFF_WEIGHTS, memory: out)])
    }
  }

  deinit { weightGradient.deallocate() }

  /// Points `memory` at the caller's buffer for this call.
  private func bind(_ memory: dnnl_memory_t, _ buffer: UnsafeMutableRawPointer) throws(OneDNNError) {
    try dnnl(dnnl_memory_set_data_handle(memory, buffer), "dnnl_memory_set_data_handle")
  }

  private func run(_ steps: [DNNLStep]) throws(OneDNNError) {
    omp_set_num_threads(1)
    for step in steps { try objects.execute(step, wait: false) }
    try dnnl(dnnl_stream_wait(objects.stream), "dnnl_stream_wait")
  }

  /// out = W ⋆ x (no bias), both channel-major.
  func forward(_ input: UnsafePointer<Float>, weights: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>) throws(OneDNNError) {
    try bind(x, UnsafeMutableRawPointer(mutating: input))
    try bind(w, UnsafeMutableRawPointer(mutating: weights))
    try bind(y, out)
    try run(forwardSteps)
  }

  /// gradient += dW; dInput = the input's gradient, when asked for.
  func backward(_ input: UnsafePointer<Float>, _ dOut: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                gradient: UnsafeMutablePointer<Float>, dInput: UnsafeMutablePointer<Float>?) throws(OneDNNError) {
    try bind(x, UnsafeMutableRawPointer(mutating: input))
    try bind(dy, UnsafeMutableRawPointer(mutating: dOut))
    try bind(w, UnsafeMutableRawPointer(mutating: weights))
    try run(weightSteps)
    if let dInput {
      try bind(dx, dInput)
      try run(dataSteps)
    }
    // Only once everything ran: a failure leaves the caller's gradient as it was.
    for i in 0..<weightCount { gradient[i] += weightGradient[i] }
  }
}
