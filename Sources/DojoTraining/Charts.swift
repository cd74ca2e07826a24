// Line charts as SVG, for the run directory's loss and rating curves: any browser or image viewer
// shows them, and they are plain text in the repository's tests. Axes with rounded ticks, one
// polyline per series, optional error bars, a legend.

import Foundation

public struct ChartSeries: Sendable {
  public var name: String
  public var color: String
  public var points: [(x: Double, y: Double)]
  /// Half-widths of error bars, one per point (empty: none).
  public var errors: [Double]

  public init(name: String, color: String, points: [(x: Double, y: Double)], errors: [Double] = []) {
    self.name = name
    self.color = color
    self.points = points
    self.errors = errors
  }
}

public struct LineChart: Sendable {
  public var title: String
  public var xLabel: String
  public var yLabel: String
  public var series: [ChartSeries]
  public var width = 720.0
  public var height = 400.0

  public init(title: String, xLabel: String, yLabel: String, series: [ChartSeries]) {
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.series = series
  }

  /// About `count` round tick values covering `lo...hi`.
  static func ticks(_ lo: Double, _ hi: Double, count: Int = 6) -> [Double] {
    let span = max(hi - lo, 1e-9)
    let raw = span / Double(count)
    let magnitude = pow(10, floor(log10(raw)))
    let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
    var out: [Double] = []
    var t = ceil(lo / step) * step
    while t <= hi + step * 1e-6 {
      out.append(abs(t) < step * 1e-9 ? 0 : t)
      t += step
    }
    return out
  }

  public var svg: String {
    let left = 70.0, right = 150.0, top = 40.0, bottom = 50.0
    let plotW = width - left - right, plotH = height - top - bottom
    let all = series.flatMap { s in s.points.indices.map { (s.points[$0], s.errors.indices.contains($0) ? s.errors[$0] : 0) } }
    var xLo = all.map(\.0.x).min() ?? 0, xHi = all.map(\.0.x).max() ?? 1
    var yLo = all.map { $0.0.y - $0.1 }.min() ?? 0, yHi = all.map { $0.0.y + $0.1 }.max() ?? 1
    if xHi - xLo < 1e-9 { xLo -= 1; xHi += 1 }
    if yHi - yLo < 1e-9 { yLo -= 1; yHi += 1 }
    let pad = (yHi - yLo) * 0.05
    yLo -= pad
    yHi += pad
    func px(_ x: Double) -> Double { left + (x - xLo) / (xHi - xLo) * plotW }
    func py(_ y: Double) -> Double { top + (1 - (y - yLo) / (yHi - yLo)) * plotH }
    func f(_ v: Double) -> String { String(format: "%.1f", v) }
    func label(_ v: Double) -> String { abs(v) >= 1000 || v == v.rounded() ? String(format: "%.0f", v) : String(format: "%.3g", v) }
    func esc(_ s: String) -> String { s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;") }
    var out = """
      <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" font-family="sans-serif" font-size="12">
      <rect width="100%" height="100%" fill="white"/>
      <text x="\(f(left + plotW / 2))" y="22" text-anchor="middle" font-size="15">\(esc(title))</text>

      """
    for t in Self.ticks(xLo, xHi) {
      out += "<line x1=\"\(f(px(t)))\" y1=\"\(f(top))\" x2=\"\(f(px(t)))\" y2=\"\(f(top + plotH))\" stroke=\"#eee\"/>"
      out += "<text x=\"\(f(px(t)))\" y=\"\(f(top + plotH + 16))\" text-anchor=\"middle\">\(label(t))</text>\n"
    }
    for t in Self.ticks(yLo, yHi) {
      out += "<line x1=\"\(f(left))\" y1=\"\(f(py(t)))\" x2=\"\(f(left + plotW))\" y2=\"\(f(py(t)))\" stroke=\"#eee\"/>"
      out += "<text x=\"\(f(left - 6))\" y=\"\(f(py(t) + 4))\" text-anchor=\"end\">\(label(t))</text>\n"
    }
    out += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\" fill=\"none\" stroke=\"#444\"/>\n"
    out += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(height - 12))\" text-anchor=\"middle\">\(esc(xLabel))</text>\n"
    out += "<text x=\"16\" y=\"\(f(top + plotH / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 16 \(f(top + plotH / 2)))\">\(esc(yLabel))</text>\n"
    for (k, s) in series.enumerated() {
      for (i, p) in s.points.enumerated() where s.errors.indices.contains(i) && s.errors[i] > 0 {
        out += "<line x1=\"\(f(px(p.x)))\" y1=\"\(f(py(p.y - s.errors[i])))\" x2=\"\(f(px(p.x)))\" y2=\"\(f(py(p.y + s.errors[i])))\" stroke=\"\(s.color)\" stroke-opacity=\"0.4\"/>\n"
      }
      let path = s.points.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
      out += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"1.5\"/>\n"
      if s.points.count <= 60 {
        for p in s.points { out += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"2.5\" fill=\"\(s.color)\"/>" }
        out += "\n"
      }
      let ly = top + 10 + Double(k) * 18
      out += "<line x1=\"\(f(left + plotW + 12))\" y1=\"\(f(ly))\" x2=\"\(f(left + plotW + 32))\" y2=\"\(f(ly))\" stroke=\"\(s.color)\" stroke-width=\"2\"/>"
      out += "<text x=\"\(f(left + plotW + 38))\" y=\"\(f(ly + 4))\">\(esc(s.name))</text>\n"
    }
    return out + "</svg>\n"
  }
}
