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
      · <a id="games-link" href="/games/\(source.id)">games</a>
      <span id="updated" class="updated"></span></nav>
      <main id="main" data-kind="\(source.kind.rawValue)" data-api="/api/\(source.kind.rawValue)/\(source.id)"></main>
      """
    return document(title: "Dojo: \(source.name)", body: body, script: script)
  }

  /// The stored games of a run, league or tournament: filters, a table, pages of 50.
  static func games(_ source: DashboardSource) -> String {
    let body = """
      <nav><a href="/">Dojo</a> › <a href="/\(source.kind.rawValue)/\(source.id)">\(escape(source.name))</a> › <span>games</span>
      <span id="updated" class="updated"></span></nav>
      <main id="main" data-kind="games" data-id="\(source.id)" data-api="/api/games/\(source.id)"></main>
      """
    return document(title: "Dojo: \(source.name) games", body: body, script: script)
  }

  /// One game replayed on its board, move by move.
  static func game(_ source: DashboardSource, id: Int64) -> String {
    let body = """
      <nav><a href="/">Dojo</a> › <a href="/\(source.kind.rawValue)/\(source.id)">\(escape(source.name))</a> ›
      <a href="/games/\(source.id)">games</a> › <span>game \(id)</span><span id="updated" class="updated"></span></nav>
      <main id="main" data-kind="game" data-api="/api/game/\(source.id)/\(id)"></main>
      """
    return document(title: "Dojo: \(source.name) game \(id)", body: body, script: script)
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
    form.filters { margin: 8px 0; } form.filters label { margin-right: 12px; }
    .viewer { display: flex; gap: 24px; flex-wrap: wrap; align-items: flex-start; }
    .controls button { font-size: 16px; min-width: 40px; margin-right: 4px; }
    .controls input[type=range] { width: 260px; vertical-align: middle; }
    .side { min-width: 300px; }
    .narrow { max-width: 620px; margin-top: 12px; }
    .bar { height: 10px; background: #eee; border-radius: 3px; width: 160px; display: inline-block; vertical-align: middle; }
    .bar i { display: block; height: 100%; background: #1f77b4; border-radius: 3px; }
    .lanes text.agent { font-size: 12px; fill: #222; }
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
    // range (optional): {x: [lo, hi], y: [lo, hi]} fixes an axis instead of fitting it to the points.
    function lineChart(id, title, xLabel, yLabel, series, range) {
      const W = 460, H = 240, L = 62, R = 12, T = 10, B = 40;
      const pts = series.flatMap(s => s.points);
      if (pts.length === 0) { return `<figure id="${id}"><figcaption>${esc(title)}</figcaption><p class="empty">no data yet</p></figure>`; }
      let [x0, x1] = [Math.min(...pts.map(p => p[0])), Math.max(...pts.map(p => p[0]))];
      let [y0, y1] = [Math.min(...pts.map(p => p[1])), Math.max(...pts.map(p => p[1]))];
      if (range && range.x) { [x0, x1] = range.x; }
      if (x1 === x0) { x1 = x0 + 1; }
      if (y1 === y0) { const d = Math.abs(y0) * 0.1 || 1; y0 -= d; y1 += d; }
      if (range && range.y) { [y0, y1] = range.y; }
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
      html += `</table>` + drawPFSP(d) + drawLineage(d) + drawHyperparameters(d);
      html += `<h2>Decisions</h2><table id="events"><tr><th>kind</th><th>agents</th><th>step</th><th>reason</th></tr>`;
      for (const e of d.events) { html += `<tr><td class="text">${esc(e.kind)}</td><td class="text">${esc(e.agents)}</td><td>${e.step}</td><td class="text">${esc(e.reason)}</td></tr>`; }
      main.innerHTML = html + "</table>";
    }

    // Each learner's current PFSP distribution: a bar per opponent, largest first.
    function drawPFSP(d) {
      let html = `<h2>PFSP: where each learner's games against past players go now</h2>`;
      if (d.pfspNote) { return html + `<p class="empty">${esc(d.pfspNote)}</p>`; }
      html += `<div class="charts" id="pfsp">`;
      for (const a of d.learners) {
        const choices = (d.pfsp[a.name] || []).slice().sort((x, y) => y.probability - x.probability).slice(0, 12);
        const W = 460, row = 18, L = 170, H = Math.max(1, choices.length) * row + 8;
        let svg = `<svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="PFSP of ${esc(a.name)}">`;
        const top = Math.max(1e-9, ...choices.map(c => c.probability));  // the longest bar spans the chart
        choices.forEach((c, i) => {
          const y = 4 + i * row, w = c.probability / top * (W - L - 50);
          svg += `<text x="${L - 6}" y="${y + 12}" text-anchor="end">${esc(c.opponent)}</text>`
            + `<rect class="pfsp-bar" data-opponent="${esc(c.opponent)}" x="${L}" y="${y + 2}" width="${w.toFixed(1)}" height="${row - 5}" fill="#1f77b4"/>`
            + `<text x="${L + w + 4}" y="${y + 12}">${(100 * c.probability).toFixed(0)} %</text>`;
        });
        if (!choices.length) { svg += `<text x="8" y="14">no past players to choose from yet</text>`; }
        html += `<figure class="pfsp" data-agent="${esc(a.name)}" data-choices="${choices.length}"><figcaption>${esc(a.name)} <span class="kind">${esc(a.role)}</span></figcaption>${svg}</svg></figure>`;
      }
      return html + `</div>`;
    }

    // The PBT lineage: a lane per learner over its optimizer steps; snapshots as dots, resets as
    // bars, and each exploit as an arrow from the donor's lane to the member that copied it.
    function drawLineage(d) {
      const names = d.learners.map(a => a.name);
      if (!names.length) { return ""; }
      const W = 940, lane = 34, L = 170, R = 20, T = 16, H = T + names.length * lane + 26;
      const maxStep = Math.max(1, ...d.lineage.map(e => e.step), ...d.learners.map(a => a.steps));
      const sx = s => L + s / maxStep * (W - L - R), sy = n => T + names.indexOf(n) * lane + lane / 2;
      let svg = `<svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="PBT lineage"><defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0L10,5L0,10z" fill="#d62728"/></marker></defs>`;
      names.forEach((n, i) => {
        svg += `<line x1="${L}" x2="${W - R}" y1="${sy(n)}" y2="${sy(n)}" stroke="${palette[i % palette.length]}" stroke-width="2" opacity="0.35"/>`
          + `<text class="agent" x="${L - 8}" y="${sy(n) + 4}" text-anchor="end">${esc(n)}</text>`;
      });
      let exploits = 0;
      for (const e of d.lineage) {
        const [who, other] = e.agents.split(",");
        if (!names.includes(who)) { continue; }
        const x = sx(e.step), y = sy(who);
        if (e.kind === "snapshot") { svg += `<circle class="snapshot" cx="${x}" cy="${y}" r="4" fill="#2ca02c"><title>${esc(other)}: ${esc(e.reason)}</title></circle>`; }
        if (e.kind === "reset") { svg += `<rect class="reset" x="${x - 2}" y="${y - 9}" width="4" height="18" fill="#ff7f0e"><title>reset: ${esc(e.reason)}</title></rect>`; }
        if (e.kind === "exploit" && names.includes(other)) {
          exploits++;
          svg += `<path class="exploit" d="M${x},${sy(other)}L${x},${y + (sy(other) < y ? -6 : 6)}" stroke="#d62728" stroke-width="1.5" marker-end="url(#arrow)"><title>${esc(who)} copied ${esc(other)}: ${esc(e.reason)}</title></path>`;
        }
      }
      for (const t of niceTicks(0, maxStep, 8)) { svg += `<text x="${sx(t)}" y="${H - 8}" text-anchor="middle">${fmt(t)}</text>`; }
      const legend = `<span class="key"><i style="background:#2ca02c"></i>snapshot</span><span class="key"><i style="background:#ff7f0e"></i>reset</span><span class="key"><i style="background:#d62728"></i>exploit (donor → member)</span>`;
      return `<h2>Lineage (PBT): who copied whom, and when</h2><figure id="lineage" data-exploits="${exploits}">${svg}</svg><div class="legend">${legend} x: optimizer steps</div></figure>`;
    }

    // Each hyperparameter over the learners' steps: a step line per learner.
    function drawHyperparameters(d) {
      const keys = [...new Set(d.hyperparameters.flatMap(h => Object.keys(h.values)))].sort();
      if (!keys.length) { return ""; }
      const names = d.learners.map(a => a.name);
      let html = `<h2>Hyperparameters over time</h2><div class="charts" id="hyperparameters">`;
      for (const k of keys) {
        const series = names.map(n => {
          const points = [];
          for (const h of d.hyperparameters.filter(h => h.agent === n && k in h.values)) {
            if (points.length) { points.push([h.step, points[points.length - 1][1]]); }
            points.push([h.step, h.values[k]]);
          }
          const now = d.learners.find(a => a.name === n);
          if (points.length && now && now.steps > points[points.length - 1][0]) { points.push([now.steps, points[points.length - 1][1]]); }
          return {name: n, points};
        }).filter(s => s.points.length);
        html += lineChart("hp-" + k, k, "optimizer steps", k, series);
      }
      html += `</div><table id="learners"><tr><th>learner</th><th>role</th><th>steps</th><th>rating</th><th>hyperparameters</th><th>copied</th></tr>`;
      for (const a of d.learners) {
        const hp = Object.keys(a.hyperparameters).sort().map(k => `${k}=${fmt(a.hyperparameters[k])}`).join(" ");
        html += `<tr><td class="text">${esc(a.name)}</td><td class="text">${esc(a.role)}</td><td>${a.steps}</td><td>${a.rating == null ? "" : fmt(a.rating)}</td>`
          + `<td class="text">${esc(hp)}</td><td class="text">${esc(a.lineage.join(", "))}</td></tr>`;
      }
      return html + `</table>`;
    }

    // The games page: filters (a plain GET form), the list, links to each game.
    function drawGames(d) {
      const q = new URLSearchParams(location.search);
      const option = (value, label, current) => `<option value="${esc(value)}"${String(current) === String(value) ? " selected" : ""}>${esc(label)}</option>`;
      let html = `<form class="filters" method="get">`;
      const agents = d.kind === "tournament" ? d.players : d.tables;
      if (agents.length > 1 || d.kind !== "run") {
        html += `<label>${d.kind === "tournament" ? "player" : "agent"} <select name="agent">${option("", "all", q.get("agent") || "")}${agents.map(a => option(a, a, q.get("agent"))).join("")}</select></label>`;
      }
      if (d.generations.length) {
        html += `<label>generation <select name="generation">${option("", "all", q.get("generation") || "")}${d.generations.map(g => option(g, g, q.get("generation"))).join("")}</select></label>`;
      }
      html += `<label>result <select name="result">${option("", "all", q.get("result") || "")}${option("first", "first player won", q.get("result"))}${option("second", "second player won", q.get("result"))}${option("draw", "draw", q.get("result"))}</select></label>`;
      html += `<button>show</button></form>`;
      html += `<div class="cards">${card("games", d.total, "total")}</div>`;
      html += `<table id="games"><tr><th>game</th><th>${d.kind === "tournament" ? "round" : d.kind === "league" ? "agent" : "replay table"}</th>${d.kind === "tournament" ? "<th>first</th><th>second</th>" : "<th>generation</th>"}<th>plies</th><th>result</th><th>how</th><th>finished</th></tr>`;
      for (const g of d.games) {
        html += `<tr><td><a class="game" href="/game/${main.dataset.id}/${g.id}">${g.id}</a></td><td class="text">${esc(g.table)}</td>`
          + (d.kind === "tournament" ? `<td class="text">${esc(g.first)}</td><td class="text">${esc(g.second)}</td>` : `<td>${g.generation}</td>`)
          + `<td>${g.plies}</td><td>${esc(g.result)}</td><td class="text">${esc(g.how)}</td><td>${g.at ? new Date(g.at * 1000).toLocaleTimeString() : ""}</td></tr>`;
      }
      html += `</table>`;
      const page = (offset, label) => { const p = new URLSearchParams(location.search); p.set("offset", offset); return `<a href="?${p}">${label}</a> `; };
      if (d.offset > 0) { html += page(Math.max(0, d.offset - 50), "← newer"); }
      if (d.offset + d.games.length < d.total) { html += page(d.offset + 50, "older →"); }
      main.innerHTML = html;
    }

    // The game viewer: the board at a ply, the search there, a value chart over the game; buttons,
    // a slider and the arrow keys step through it (?ply=N opens at ply N; ?play=1 plays it through).
    function drawGame(d) {
      const q = new URLSearchParams(location.search);
      let ply = Math.min(d.frames.length - 1, Math.max(0, Number(q.get("ply") || 0)));
      const n = d.frames.length - 1;
      main.innerHTML = `<h2>${esc(d.title)}</h2><p><code>${esc(d.game)}</code> · result <b id="result">${esc(d.result)}</b> (${esc(d.how)}) · ${n} plies`
        + (d.sgf ? ` · <a id="sgf" href="${d.sgf}" download>SGF</a>` : "") + `</p>`
        + `<div class="controls"><button id="first" title="start">«</button><button id="prev" title="back (←)">‹</button><button id="next" title="forward (→)">›</button><button id="last" title="end">»</button>`
        + `<input id="slider" type="range" min="0" max="${n}" value="${ply}"> <span id="ply-label"></span></div>`
        + `<div class="viewer"><div id="board"></div><div class="side" id="side"></div></div><div id="value-chart" class="narrow"></div>`;
      const show = p => {
        ply = Math.min(n, Math.max(0, p));
        const f = d.frames[ply];
        document.getElementById("board").innerHTML = drawBoard(d, f);
        document.getElementById("slider").value = ply;
        document.getElementById("ply-label").textContent = `ply ${ply} of ${n}`;
        let side = `<p id="caption">${esc(f.caption)}</p>`;
        if (f.next) { side += `<p>next: <b id="next-move">${esc(f.next)}</b> by ${esc(d.glyphs[f.mover - 1])}</p>`; }
        if (f.value != null) {
          side += `<p>search (${f.simulations} simulations): value <b id="value">${f.value.toFixed(2)}</b> for ${esc(d.glyphs[f.mover - 1])}`
            + ` <span class="bar"><i style="width:${((f.value + 1) * 50).toFixed(0)}%"></i></span></p>`
            + `<table id="top"><tr><th>move</th><th>share of the search</th></tr>`
            + f.top.map(t => `<tr><td class="text">${esc(t.move)}${t.move === f.next ? " ◀" : ""}</td><td><span class="bar"><i style="width:${(t.share * 100).toFixed(0)}%"></i></span> ${(t.share * 100).toFixed(0)} %</td></tr>`).join("") + `</table>`;
        } else if (f.next) { side += `<p class="empty">no full search at this move</p>`; }
        document.getElementById("side").innerHTML = side;
        const values = d.frames.map((f, i) => [i, f.valueForFirst]).filter(p => p[1] != null);
        document.getElementById("value-chart").innerHTML = !values.length ? `<p class="empty">no searched moves in this record (tournaments keep the moves alone)</p>` : lineChart("game-value", `The search's value for ${d.glyphs[0]} (first player) at each ply`, "ply", "value",
          [{name: "value for " + d.glyphs[0], points: values}, {name: "this ply", color: "#d62728", points: [[ply, -1], [ply, 1]]}], {x: [0, Math.max(1, n)], y: [-1, 1]});
        main.dataset.ply = String(ply);
        main.dataset.stones = String(f.cells.flat().filter(c => c > 0).length);
      };
      document.getElementById("first").onclick = () => show(0);
      document.getElementById("prev").onclick = () => show(ply - 1);
      document.getElementById("next").onclick = () => show(ply + 1);
      document.getElementById("last").onclick = () => show(n);
      document.getElementById("slider").oninput = e => show(Number(e.target.value));
      document.onkeydown = e => { if (e.key === "ArrowLeft") { show(ply - 1); } if (e.key === "ArrowRight") { show(ply + 1); } };
      show(ply);
      if (q.get("play")) { const timer = setInterval(() => { if (ply >= n) { clearInterval(timer); } else { show(ply + 1); } }, 200); }
    }

    // A board as SVG from a frame: cells (Hex's rows shifted by half a cell each), stones, the last
    // move ringed, coordinates on every side.
    function drawBoard(d, f) {
      const rows = f.cells.length, cols = f.cells[0].length, s = Math.min(64, Math.floor(480 / cols)), m = 24;
      const shift = d.indent * s / 2, W = 2 * m + cols * s + rows * shift, H = 2 * m + rows * s;
      const x = (r, c) => m + c * s + r * shift + s / 2, y = r => m + r * s + s / 2;
      let svg = `<svg id="board-svg" viewBox="0 0 ${W} ${H}" width="${Math.min(W, 560)}" role="img" aria-label="board">`;
      svg += `<rect x="0" y="0" width="${W}" height="${H}" fill="#e8c886" rx="6"/>`;
      for (let r = 0; r < rows; r++) {
        svg += `<text x="${x(r, 0) - s / 2 - 6}" y="${y(r) + 4}" text-anchor="end">${esc(d.rowLabels[r])}</text>`;
        for (let c = 0; c < cols; c++) {
          svg += `<rect x="${x(r, c) - s / 2 + 1}" y="${y(r) - s / 2 + 1}" width="${s - 2}" height="${s - 2}" fill="#f3dca6" rx="3"/>`;
          const v = f.cells[r][c];
          if (v) { svg += `<circle class="stone p${v}" cx="${x(r, c)}" cy="${y(r)}" r="${s * 0.4}" fill="${v === 1 ? "#222" : "#fafafa"}" stroke="#333"/>`; }
        }
      }
      for (let c = 0; c < cols; c++) { svg += `<text x="${x(0, c)}" y="${m - 8}" text-anchor="middle">${esc(d.columnLabels[c])}</text>`; }
      if (f.last) { svg += `<circle class="last" cx="${x(f.last[0], f.last[1])}" cy="${y(f.last[0])}" r="${s * 0.18}" fill="none" stroke="#d62728" stroke-width="2.5"/>`; }
      const keys = `<div class="legend"><span class="key"><i style="background:#222"></i>${esc(d.glyphs[0])} (first)</span><span class="key"><i style="background:#fafafa;border:1px solid #333"></i>${esc(d.glyphs[1])} (second)</span></div>`;
      return svg + `</svg>` + keys;
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
        const api = main.dataset.api + (main.dataset.kind === "games" ? location.search : "");
        const response = await fetch(api, {cache: "no-store"});
        if (!response.ok) { throw new Error(`${main.dataset.api}: ${response.status} ${await response.text()}`); }
        const body = await response.text();
        if (body !== lastBody) {
          lastBody = body;
          const d = JSON.parse(body);
          ({run: drawRun, league: drawLeague, tournament: drawTournament, games: drawGames, game: drawGame})[main.dataset.kind](d);
          // For tests and scripts: how often the page redrew, and the newest record's time then.
          main.dataset.draws = String(Number(main.dataset.draws || 0) + 1);
          if (d.updated !== undefined) {
            if (!main.dataset.firstUpdated) { main.dataset.firstUpdated = String(d.updated); }
            main.dataset.lastUpdated = String(d.updated);
            document.getElementById("updated").textContent = "newest record " + new Date(d.updated * 1000).toLocaleTimeString();
          }
        }
      } catch (e) {
        document.getElementById("updated").textContent = "cannot reach the dashboard: " + e.message;
      }
    }
    refresh();
    // A stored game does not change: the viewer is drawn once; everything else follows the run.
    if (main.dataset.kind !== "game") { setInterval(refresh, 2000); }
    """#
}
