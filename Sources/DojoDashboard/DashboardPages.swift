// The dashboard's pages: one HTML document per page with its style and script inline (no CDN, no
// file beside the binary: it works offline). The script fetches the page's JSON, draws the charts
// as SVG and the tables, and fetches again every few seconds, so a page follows a run that is
// still training without being reloaded.

enum DashboardPages {
  static func index(_ sources: [DashboardSource]) -> String {
    let items = sources.map { s in
      "<li><a href=\"/\(s.kind.rawValue)/\(s.id)\">\(escape(s.name))</a> <span class=\"kind\">\(s.kind.rawValue)</span> <code>\(escape(s.path))</code></li>"
    }.joined(separator: "\n")
    return document(title: "Dojo", body: "<h1>Dojo</h1><ul class=\"sources\">\(items)</ul>", script: "")
  }

  static func page(_ source: DashboardSource, sources: [DashboardSource]) -> String {
    let body = """
      <nav><a href="/">Dojo</a> › <span>\(escape(source.name))</span> <span class="kind">\(source.kind.rawValue)</span>
      <span id="updated" class="updated"></span></nav>
      <main id="main" data-kind="\(source.kind.rawValue)" data-api="/api/\(source.kind.rawValue)/\(source.id)"></main>
      """
    return document(title: "Dojo: \(source.name)", body: body, script: script)
  }

  static func escape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
      .replacingOccurrences(of: "\"", with: "&quot;")
  }

  static func document(title: String, body: String, script: String) -> String {
    """
    <!doctype html>
    <html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <link rel="icon" href="data:,">
    <style>\(style)</style></head>
    <body>\(body)<script>\(script)</script></body></html>
    """
  }

  static let style = """
    body { font: 14px/1.4 system-ui, sans-serif; margin: 0 24px 24px; color: #222; background: #fafafa; }
    nav { padding: 12px 0; border-bottom: 1px solid #ddd; margin-bottom: 12px; }
    a { color: #1f5fa8; text-decoration: none; }
    .kind { font-size: 11px; text-transform: uppercase; background: #e6eef8; color: #1f5fa8; padding: 1px 6px; border-radius: 3px; }
    .updated { float: right; color: #888; font-size: 12px; }
    .cards { display: flex; gap: 12px; flex-wrap: wrap; margin-bottom: 12px; }
    .card { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 8px 14px; min-width: 110px; }
    .card b { display: block; font-size: 20px; }
    .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(460px, 1fr)); gap: 12px; }
    figure { margin: 0; background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 8px; }
    figcaption { font-weight: 600; margin-bottom: 4px; }
    svg text { font-size: 11px; fill: #444; }
    table { border-collapse: collapse; background: #fff; margin: 12px 0; }
    th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: right; }
    th { background: #f0f0f0; }
    td.text { text-align: left; }
    .accepted { color: #2a7d2a; } .rejected { color: #b03030; }
    h2 { font-size: 16px; margin: 20px 0 6px; }
    .legend { font-size: 12px; } .key { margin-right: 12px; white-space: nowrap; }
    .key i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
    """

  /// Draws the page from its JSON and polls for changes.
  static let script = #"""
    "use strict";
    const main = document.getElementById("main");
    const palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
    const esc = s => String(s).replace(/[&<>"]/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;"}[c]));
    const fmt = v => Math.abs(v) >= 1000 || v === Math.round(v) ? String(Math.round(v)) : v.toPrecision(3);

    function niceTicks(lo, hi, n) {
      if (!(hi > lo)) { hi = lo + 1; }
      const step = Math.pow(10, Math.floor(Math.log10((hi - lo) / n)));
      const m = [1, 2, 5, 10].find(k => (hi - lo) / (step * k) <= n) * step;
      const out = [];
      for (let t = Math.ceil(lo / m) * m; t <= hi + 1e-9; t += m) { out.push(t); }
      return out;
    }

    // A line chart as SVG: series [{name, points: [[x, y]]}], axes with ticks and a legend.
    function lineChart(id, title, xLabel, yLabel, series) {
      const W = 460, H = 240, L = 62, R = 12, T = 10, B = 40;
      const pts = series.flatMap(s => s.points);
      if (pts.length === 0) { return `<figure id="${id}"><figcaption>${esc(title)}</figcaption><p class="empty">no data yet</p></figure>`; }
      let [x0, x1] = [Math.min(...pts.map(p => p[0])), Math.max(...pts.map(p => p[0]))];
      let [y0, y1] = [Math.min(...pts.map(p => p[1])), Math.max(...pts.map(p => p[1]))];
      if (x1 === x0) { x1 = x0 + 1; }
      if (y1 === y0) { const d = Math.abs(y0) * 0.1 || 1; y0 -= d; y1 += d; }
      const pad = (y1 - y0) * 0.05; y0 -= pad; y1 += pad;
      const sx = x => L + (x - x0) / (x1 - x0) * (W - L - R), sy = y => T + (1 - (y - y0) / (y1 - y0)) * (H - T - B);
      let svg = `<svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${esc(title)}">`;
      for (const t of niceTicks(y0, y1, 5)) {
        svg += `<line x1="${L}" x2="${W - R}" y1="${sy(t)}" y2="${sy(t)}" stroke="#eee"/><text x="${L - 4}" y="${sy(t) + 4}" text-anchor="end">${fmt(t)}</text>`;
      }
      for (const t of niceTicks(x0, x1, 6)) {
        svg += `<text x="${sx(t)}" y="${H - B + 14}" text-anchor="middle">${fmt(t)}</text>`;
      }
      svg += `<line x1="${L}" x2="${L}" y1="${T}" y2="${H - B}" stroke="#999"/><line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" stroke="#999"/>`;
      svg += `<text x="${(L + W - R) / 2}" y="${H - 6}" text-anchor="middle">${esc(xLabel)}</text>`;
      svg += `<text transform="translate(12 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`;
      let legend = "";
      series.forEach((s, i) => {
        const color = s.color || palette[i % palette.length];
        legend += `<span class="key"><i style="background:${color}"></i>${esc(s.name)}</span>`;
        if (s.points.length === 1) {
          svg += `<circle class="point" cx="${sx(s.points[0][0])}" cy="${sy(s.points[0][1])}" r="3" fill="${color}"/>`;
        } else {
          const d = s.points.map((p, j) => `${j ? "L" : "M"}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join("");
          svg += `<path class="series" data-name="${esc(s.name)}" data-points="${s.points.length}" d="${d}" fill="none" stroke="${color}" stroke-width="1.5"/>`;
        }
      });
      return `<figure id="${id}"><figcaption>${esc(title)}</figcaption>${svg}</svg><div class="legend">${legend}</div></figure>`;
    }

    function smooth(points, k) {
      return points.map((p, i) => {
        const w = points.slice(Math.max(0, i - k + 1), i + 1);
        return [p[0], w.reduce((a, q) => a + q[1], 0) / w.length];
      });
    }

    function card(label, value, id) { return `<div class="card" id="${id}">${esc(label)}<b>${esc(value)}</b></div>`; }

    function drawRun(d) {
      const t = d.training, last = t[t.length - 1];
      const start = t.length ? t[0].at : 0;
      let html = `<div class="cards">${card("games", d.games, "games")}${card("positions", d.positions, "positions")}`
        + `${card("optimizer steps", last ? last.step : 0, "steps")}`
        + `${card("policy loss", last ? last.policyLoss.toFixed(3) : "—", "policy-loss")}${card("value loss", last ? last.valueLoss.toFixed(3) : "—", "value-loss")}`
        + `${card("checkpoints gated", d.gates.length, "gated")}</div><div class="charts">`;
      html += lineChart("loss", "Training loss (moving average of 20 records)", "optimizer steps", "loss", [
        {name: "policy", points: smooth(t.map(r => [r.step, r.policyLoss]), 20)},
        {name: "value", points: smooth(t.map(r => [r.step, r.valueLoss]), 20)}]);
      html += lineChart("learning-rate", "Learning rate", "optimizer steps", "rate", [{name: "learning rate", points: t.map(r => [r.step, r.learningRate])}]);
      const accepted = d.gates.filter(g => g.accepted);
      html += lineChart("rating-steps", "Rating of each checkpoint (gating games; generation 1 = 0)", "optimizer steps", "Elo", [
        {name: "all candidates", color: "#999", points: d.gates.map(g => [g.steps, g.rating])},
        {name: "accepted", color: "#2ca02c", points: accepted.map(g => [g.steps, g.rating])}]);
      const minutes = at => (at - start) / 60;
      html += lineChart("rating-time", "Rating of each checkpoint over wall-clock", "minutes", "Elo", [
        {name: "all candidates", color: "#999", points: d.gates.map(g => [minutes(g.at), g.rating])},
        {name: "accepted", color: "#2ca02c", points: accepted.map(g => [minutes(g.at), g.rating])}]);
      const first = d.throughput.length ? d.throughput[0].at : 0;
      html += lineChart("throughput", "Self-play throughput", "minutes", "per minute", [
        {name: "games", points: d.throughput.map(r => [(r.at - first) / 60, r.gamesPerMinute])},
        {name: "positions", points: d.throughput.map(r => [(r.at - first) / 60, r.positionsPerMinute])}]);
      html += lineChart("samples", "Samples trained", "minutes", "samples", [{name: "samples seen", points: t.map(r => [minutes(r.at), r.samplesSeen])}]);
      html += `</div><h2>Gating</h2><table id="gates"><tr><th>candidate</th><th>best</th><th>verdict</th><th>W-D-L</th><th>Elo</th><th>rating</th><th>reason</th></tr>`;
      for (const g of d.gates.slice().reverse()) {
        html += `<tr><td>${g.candidate}</td><td>${g.best}</td><td class="${g.accepted ? "accepted" : "rejected"}">${g.accepted ? "accepted" : "rejected"}</td>`
          + `<td>${g.wins}-${g.draws}-${g.losses}</td><td>${fmt(g.elo)} ± ${fmt(g.eloError)}</td><td>${fmt(g.rating)}</td><td class="text">${esc(g.reason)}</td></tr>`;
      }
      main.innerHTML = html + "</table>";
    }

    function heat(v) {
      if (v === null) { return "#fff"; }
      const r = v < 0.5 ? 255 : Math.round(255 - (v - 0.5) * 2 * 200), g = v > 0.5 ? 255 : Math.round(255 - (0.5 - v) * 2 * 200);
      return `rgb(${r},${g},${Math.min(r, g)})`;
    }

    function drawLeague(d) {
      const players = [...new Set(d.ratings.map(r => r.player))];
      let html = `<div class="cards">${card("agents", d.agents.length, "agents")}${card("players", d.players.length, "players")}`
        + `${card("results", d.results, "results")}${card("rating rounds", new Set(d.ratings.map(r => r.round)).size, "rounds")}</div><div class="charts">`;
      html += lineChart("ratings", "Ratings, anchored", "rating round", "Elo", players.map(p => ({
        name: p, points: d.ratings.filter(r => r.player === p).map(r => [r.round, r.rating])})).filter(s => d.agents.includes(s.name) || s.points.length));
      html += lineChart("league-loss", "Policy loss per agent", "optimizer steps", "loss", d.agents.map(a => ({
        name: a, points: smooth(d.losses.filter(l => l.agent === a).map(l => [l.step, l.policyLoss]), 10)})));
      html += `</div><h2>Payoff (row's score against column)</h2><table id="payoff"><tr><th></th>${d.players.map(p => `<th>${esc(p)}</th>`).join("")}</tr>`;
      d.players.forEach((p, i) => {
        html += `<tr><th>${esc(p)}</th>` + d.payoff[i].map((v, j) => `<td style="background:${heat(v)}" title="${d.games[i][j]} games">${v === null ? "" : v.toFixed(2)}</td>`).join("") + "</tr>";
      });
      html += `</table><h2>Decisions</h2><table id="events"><tr><th>kind</th><th>agents</th><th>step</th><th>reason</th></tr>`;
      for (const e of d.events) { html += `<tr><td class="text">${esc(e.kind)}</td><td class="text">${esc(e.agents)}</td><td>${e.step}</td><td class="text">${esc(e.reason)}</td></tr>`; }
      main.innerHTML = html + "</table>";
    }

    function drawTournament(d) {
      let html = `<div class="cards">${card("game", d.game, "game")}${card("games played", `${d.played} of ${d.scheduled}`, "played")}`
        + `${card("players", d.names.length, "players")}</div>`;
      html += `<h2>Table (ratings anchored at ${esc(d.anchor)} = 0, ± 95 %)</h2><table id="table"><tr><th>rank</th><th>player</th><th>Elo</th><th>±</th><th>games</th><th>score</th><th>W-D-L</th><th>LOS over next</th></tr>`;
      for (const r of d.rows) {
        html += `<tr><td>${r.rank}</td><td class="text">${esc(r.name)}</td><td>${r.name === d.anchor ? "0 (anchor)" : fmt(r.rating)}</td><td>${r.name === d.anchor ? "" : fmt(r.margin)}</td>`
          + `<td>${r.games}</td><td>${(100 * r.score).toFixed(1)} %</td><td>${r.wins}-${r.draws}-${r.losses}</td><td>${r.los == null ? "" : (100 * r.los).toFixed(0) + " %"}</td></tr>`;
      }
      html += `</table><h2>Crosstable (row's W-D-L against column)</h2><table id="crosstable"><tr><th></th>${d.names.map(n => `<th>${esc(n)}</th>`).join("")}</tr>`;
      d.names.forEach((n, i) => {
        html += `<tr><th>${esc(n)}</th>` + d.crosstable[i].map((c, j) => {
          const games = c[0] + c[1] + c[2], score = games ? (c[0] + c[1] / 2) / games : null;
          return `<td style="background:${heat(score)}">${i === j || !games ? "" : `${c[0]}-${c[1]}-${c[2]}`}</td>`;
        }).join("") + "</tr>";
      });
      main.innerHTML = html + "</table>";
    }

    let lastBody = "";
    async function refresh() {
      try {
        const response = await fetch(main.dataset.api, {cache: "no-store"});
        if (!response.ok) { throw new Error(`${main.dataset.api}: ${response.status} ${await response.text()}`); }
        const body = await response.text();
        if (body !== lastBody) {
          lastBody = body;
          const d = JSON.parse(body);
          ({run: drawRun, league: drawLeague, tournament: drawTournament})[main.dataset.kind](d);
          // For tests and scripts: how often the page redrew, and the newest record's time then.
          main.dataset.draws = String(Number(main.dataset.draws || 0) + 1);
          if (!main.dataset.firstUpdated) { main.dataset.firstUpdated = String(d.updated); }
          main.dataset.lastUpdated = String(d.updated);
          document.getElementById("updated").textContent = "newest record " + new Date(d.updated * 1000).toLocaleTimeString();
        }
      } catch (e) {
        document.getElementById("updated").textContent = "cannot reach the dashboard: " + e.message;
      }
    }
    refresh();
    setInterval(refresh, 2000);
    """#
}
