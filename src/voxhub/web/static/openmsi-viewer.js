// voxhub OpenMSI viewer: an RGB ion image from three m/z windows and the spectra at two
// cursors. Everything is read through /openmsi/qmz, qslice and qspectrum; the state lives in
// the query string (OpenMSI's parameter names) and is written back as it changes.
"use strict";

(() => {
  const page = new URL(window.location.href);
  const api = new URL("../../", page);
  const params = page.searchParams;
  const state = {
    file: params.get("file"),
    expIndex: intParam("expIndex", 0),
    dataIndex: intParam("dataIndex", 0),
    anaIndex: intParam("anaIndex", null), // an analysis output instead of a data item
    channels: [1, 2, 3].map((i) => floatParam(`channel${i}Value`)),
    range: floatParam("rangeValue"),
    cursors: [1, 2].map((i) => ({ row: intParam(`cursorRow${i}`, null), col: intParam(`cursorCol${i}`, null) })),
    mz: null, rows: 0, cols: 0, scale: 1,
    spectra: [null, null],
    zoom: null, // [low, high] m/z shown in the plot
  };
  window.viewerState = state;
  const $ = (id) => document.getElementById(id);
  const image = $("ion-image");
  const overlay = $("cursor-layer");
  const plot = $("spectrum-plot");
  const PLOT = { width: 800, height: 320, left: 10, right: 10, top: 10, bottom: 28 };

  function intParam(name, fallback) {
    const value = params.get(name);
    return value === null || value === "" || isNaN(parseInt(value, 10)) ? fallback : parseInt(value, 10);
  }
  function floatParam(name) {
    const value = params.get(name);
    return value === null || value === "" || isNaN(parseFloat(value)) ? null : parseFloat(value);
  }

  function status(text, isError = false) {
    $("status").textContent = text;
    $("status").classList.toggle("error", isError);
  }

  async function query(name, extra) {
    const url = new URL(name, api);
    url.searchParams.set("file", state.file);
    url.searchParams.set("expIndex", state.expIndex);
    url.searchParams.set("dataIndex", state.dataIndex);
    if (state.anaIndex !== null) url.searchParams.set("anaIndex", state.anaIndex);
    if (params.get("token")) url.searchParams.set("token", params.get("token"));
    for (const [key, value] of Object.entries(extra || {})) url.searchParams.set(key, value);
    const response = await fetch(url);
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      throw new Error(body.detail || response.statusText);
    }
    return url.searchParams.get("format") === "NPY" ? parseNpy(await response.arrayBuffer()) : response.json();
  }

  // Images and spectra come as NPY (binary, a fraction of JSON's size): {shape, data}.
  const NPY_TYPES = {
    "|u1": Uint8Array, "|i1": Int8Array, "<u2": Uint16Array, "<i2": Int16Array,
    "<u4": Uint32Array, "<i4": Int32Array, "<f4": Float32Array, "<f8": Float64Array,
    "<u8": BigUint64Array, "<i8": BigInt64Array,
  };
  function parseNpy(buffer) {
    const bytes = new Uint8Array(buffer);
    const major = bytes[6];
    const view = new DataView(buffer);
    const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
    const start = major === 1 ? 10 : 12;
    const header = new TextDecoder().decode(bytes.subarray(start, start + headerLength));
    const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
    if (/'fortran_order':\s*True/.test(header)) throw new Error("Fortran-ordered NPY");
    const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(",").filter((v) => v.trim()).map(Number);
    const Type = NPY_TYPES[descr === "<b1" || descr === "|b1" ? "|u1" : descr];
    if (!Type) throw new Error(`unsupported NPY dtype ${descr}`);
    const offset = start + headerLength;
    const raw = new Type(buffer.slice(offset));
    const data = raw instanceof BigInt64Array || raw instanceof BigUint64Array ? Float64Array.from(raw, Number) : raw;
    return { shape, data };
  }

  function writeUrl() {
    const next = new URL(window.location.href);
    const q = next.searchParams;
    q.set("file", state.file);
    q.set("expIndex", state.expIndex);
    q.set("dataIndex", state.dataIndex);
    if (state.anaIndex !== null) q.set("anaIndex", state.anaIndex);
    state.channels.forEach((value, i) => q.set(`channel${i + 1}Value`, value));
    q.set("rangeValue", state.range);
    state.cursors.forEach((c, i) => {
      q.set(`cursorRow${i + 1}`, c.row);
      q.set(`cursorCol${i + 1}`, c.col);
    });
    window.history.replaceState(null, "", next);
  }

  // The index window [lo, hi) of m/z values within value ± range (the nearest one if none).
  function window_(value) {
    const mz = state.mz;
    let lo = mz.findIndex((m) => m >= value - state.range);
    let hi = mz.length - 1;
    while (hi >= 0 && mz[hi] > value + state.range) hi -= 1;
    if (lo < 0 || hi < lo) {
      let best = 0;
      mz.forEach((m, i) => { if (Math.abs(m - value) < Math.abs(mz[best] - value)) best = i; });
      lo = best; hi = best;
    }
    return [lo, hi + 1];
  }

  // One channel (flat, row-major) scaled to 0..255 between its minimum and maximum.
  function stretch(values) {
    let low = Infinity, high = -Infinity;
    for (const v of values) { if (v < low) low = v; if (v > high) high = v; }
    const span = high > low ? high - low : 1;
    return Array.from(values, (v) => Math.round(((v - low) / span) * 255));
  }

  async function drawImage() {
    const planes = await Promise.all(state.channels.map((value) => {
      const [lo, hi] = window_(value);
      return query("qslice", { mz: `${lo}:${hi}`, format: "NPY" });
    }));
    const rgb = planes.map((plane) => stretch(plane.data));
    const raw = document.createElement("canvas");
    raw.width = state.cols; raw.height = state.rows;
    const context = raw.getContext("2d");
    const pixels = context.createImageData(state.cols, state.rows);
    for (let r = 0; r < state.rows; r++) {
      for (let c = 0; c < state.cols; c++) {
        const i = r * state.cols + c, at = i * 4;
        pixels.data[at] = rgb[0][i];
        pixels.data[at + 1] = rgb[1][i];
        pixels.data[at + 2] = rgb[2][i];
        pixels.data[at + 3] = 255;
      }
    }
    context.putImageData(pixels, 0, 0);
    const visible = image.getContext("2d");
    visible.imageSmoothingEnabled = false;
    visible.clearRect(0, 0, image.width, image.height);
    visible.drawImage(raw, 0, 0, image.width, image.height);
  }

  function drawCursors() {
    const context = overlay.getContext("2d");
    context.clearRect(0, 0, overlay.width, overlay.height);
    const colours = ["#ff9f1c", "#2ec4b6"];
    state.cursors.forEach((c, i) => {
      const x = (c.col + 0.5) * state.scale, y = (c.row + 0.5) * state.scale;
      context.strokeStyle = colours[i];
      context.lineWidth = 2;
      context.beginPath();
      context.arc(x, y, Math.max(4, state.scale * 0.6), 0, 2 * Math.PI);
      context.moveTo(x - 2 * state.scale, y); context.lineTo(x + 2 * state.scale, y);
      context.moveTo(x, y - 2 * state.scale); context.lineTo(x, y + 2 * state.scale);
      context.stroke();
    });
    $("cursor-info").textContent = state.cursors
      .map((c, i) => `cursor ${i + 1}: row ${c.row}, col ${c.col}`).join(" · ");
  }

  async function loadSpectrum(i) {
    const c = state.cursors[i];
    const body = await query("qspectrum", { row: c.row, col: c.col, format: "NPY" });
    state.spectra[i] = Array.from(body.data, Number);
  }

  function xOf(m) {
    const [low, high] = state.zoom;
    return PLOT.left + ((m - low) / (high - low)) * (PLOT.width - PLOT.left - PLOT.right);
  }

  function drawPlot() {
    const [low, high] = state.zoom;
    const inside = [];
    state.mz.forEach((m, i) => { if (m >= low && m <= high) inside.push(i); });
    let top = 0;
    for (const spectrum of state.spectra) {
      if (spectrum) for (const i of inside) top = Math.max(top, spectrum[i]);
    }
    top = top > 0 ? top : 1;
    const usable = PLOT.height - PLOT.top - PLOT.bottom;
    state.spectra.forEach((spectrum, k) => {
      const points = spectrum
        ? inside.map((i) => `${xOf(state.mz[i]).toFixed(2)},${(PLOT.top + usable * (1 - spectrum[i] / top)).toFixed(2)}`)
        : [];
      $(`spectrum${k + 1}`).setAttribute("points", points.join(" "));
    });
    const axis = $("axis-x");
    const base = PLOT.height - PLOT.bottom;
    let ticks = `<line x1="${PLOT.left}" x2="${PLOT.width - PLOT.right}" y1="${base}" y2="${base}"></line>`;
    for (let t = 0; t <= 5; t++) {
      const m = low + ((high - low) * t) / 5;
      const x = xOf(m);
      ticks += `<line x1="${x}" x2="${x}" y1="${base}" y2="${base + 4}"></line>`;
      ticks += `<text x="${x}" y="${base + 17}" text-anchor="middle">${m.toFixed(2)}</text>`;
    }
    axis.innerHTML = ticks;
    const colours = ["#ff6b6b", "#7bd88f", "#6fa8ff"];
    $("channel-marks").innerHTML = state.channels.map((value, i) =>
      value >= low && value <= high
        ? `<line x1="${xOf(value)}" x2="${xOf(value)}" y1="${PLOT.top}" y2="${base}" stroke="${colours[i]}"></line>` : "").join("");
    $("zoom-range").textContent = `m/z ${low.toFixed(3)} – ${high.toFixed(3)}`;
    plot.dataset.low = low;
    plot.dataset.high = high;
  }

  function zoomBy(factor, centre) {
    const [low, high] = state.zoom;
    const full = [state.mz[0], state.mz[state.mz.length - 1]];
    const mid = centre === undefined ? (low + high) / 2 : centre;
    let span = Math.min((high - low) * factor, full[1] - full[0]);
    span = Math.max(span, (full[1] - full[0]) / state.mz.length * 4);
    let next = [mid - (mid - low) * (span / (high - low)), 0];
    next[1] = next[0] + span;
    if (next[0] < full[0]) next = [full[0], full[0] + span];
    if (next[1] > full[1]) next = [full[1] - span, full[1]];
    state.zoom = next;
    drawPlot();
  }

  async function busy(task) {
    document.body.dataset.ready = "false";
    status("loading…");
    try {
      await task();
      status("ready");
      document.body.dataset.ready = "true";
    } catch (error) {
      status(error.message, true);
      document.body.dataset.ready = "error";
    }
  }

  function pixelAt(event) {
    const box = overlay.getBoundingClientRect();
    const col = Math.floor(((event.clientX - box.left) / box.width) * state.cols);
    const row = Math.floor(((event.clientY - box.top) / box.height) * state.rows);
    return { row: Math.min(Math.max(row, 0), state.rows - 1), col: Math.min(Math.max(col, 0), state.cols - 1) };
  }

  function wire() {
    overlay.addEventListener("click", (event) => {
      const which = Number(document.querySelector("input[name=cursor]:checked").value) - 1;
      state.cursors[which] = pixelAt(event);
      drawCursors();
      writeUrl();
      busy(async () => { await loadSpectrum(which); drawPlot(); });
    });
    $("channels").addEventListener("submit", (event) => {
      event.preventDefault();
      state.channels = [1, 2, 3].map((i) => parseFloat($(`channel${i}`).value));
      state.range = Math.max(0, parseFloat($("range").value) || 0);
      writeUrl();
      busy(async () => { await drawImage(); drawPlot(); });
    });
    $("zoom-in").addEventListener("click", () => zoomBy(0.5));
    $("zoom-out").addEventListener("click", () => zoomBy(2));
    $("zoom-reset").addEventListener("click", () => zoomBy(Infinity));
    plot.addEventListener("wheel", (event) => {
      event.preventDefault();
      const box = plot.getBoundingClientRect();
      const fraction = (event.clientX - box.left) / box.width;
      const [low, high] = state.zoom;
      zoomBy(event.deltaY < 0 ? 0.8 : 1.25, low + fraction * (high - low));
    }, { passive: false });
    let drag = null;
    plot.addEventListener("mousedown", (event) => { drag = { x: event.clientX, zoom: state.zoom.slice() }; });
    window.addEventListener("mouseup", () => { drag = null; });
    window.addEventListener("mousemove", (event) => {
      if (!drag) return;
      const box = plot.getBoundingClientRect();
      const shift = ((drag.x - event.clientX) / box.width) * (drag.zoom[1] - drag.zoom[0]);
      const full = [state.mz[0], state.mz[state.mz.length - 1]];
      const span = drag.zoom[1] - drag.zoom[0];
      const low = Math.min(Math.max(drag.zoom[0] + shift, full[0]), full[1] - span);
      state.zoom = [low, low + span];
      drawPlot();
    });
  }

  async function start() {
    if (!state.file) { status("add ?file=organization/name to the address", true); return; }
    $("file-name").textContent = state.file;
    const axes = await query("qmz", {});
    state.mz = axes.values_spectra;
    state.rows = axes.values_x.length;
    state.cols = axes.values_y.length;
    const low = state.mz[0], high = state.mz[state.mz.length - 1];
    state.channels = state.channels.map((v, i) => (v === null ? low + ((high - low) * (i + 1)) / 4 : v));
    if (state.range === null) state.range = (high - low) / state.mz.length;
    state.cursors = state.cursors.map((c, i) => ({
      row: Math.min(Math.max(c.row ?? Math.floor((state.rows * (i + 1)) / 3), 0), state.rows - 1),
      col: Math.min(Math.max(c.col ?? Math.floor((state.cols * (i + 1)) / 3), 0), state.cols - 1),
    }));
    state.zoom = [low, high];
    state.scale = Math.max(1, Math.floor(512 / Math.max(state.rows, state.cols)));
    for (const canvas of [image, overlay]) {
      canvas.width = state.cols * state.scale;
      canvas.height = state.rows * state.scale;
    }
    [1, 2, 3].forEach((i) => { $(`channel${i}`).value = state.channels[i - 1]; });
    $("range").value = state.range;
    writeUrl();
    wire();
    drawCursors();
    await Promise.all([drawImage(), loadSpectrum(0), loadSpectrum(1)]);
    drawPlot();
  }

  busy(start);
})();
