// The situation map works without JavaScript (GET form, server-drawn SVG). This script adds:
// layer toggles without reload, a month slider that reloads events and incidents through
// /api/v1/layers, and a PNG download drawn from the SVG on a canvas.
(function () {
  "use strict";
  var SVGNS = "http://www.w3.org/2000/svg";

  function project(svg, lon, lat) {
    var d = svg.dataset;
    var scale = parseFloat(d.scale), margin = parseFloat(d.margin);
    return [
      margin + (lon - parseFloat(d.x0)) * parseFloat(d.kx) * scale,
      margin + (parseFloat(d.y1) - lat) * scale
    ];
  }

  function radius(count, unit) {
    return unit * Math.min(3 + 3 * Math.log10(1 + count), 16);
  }

  function element(name, attrs, title) {
    var el = document.createElementNS(SVGNS, name);
    Object.keys(attrs).forEach(function (k) { el.setAttribute(k, attrs[k]); });
    if (title) {
      var t = document.createElementNS(SVGNS, "title");
      t.textContent = title;
      el.appendChild(t);
    }
    return el;
  }

  function draw(svg, layer, collection) {
    var group = svg.querySelector('g[data-layer="' + layer + '"]');
    if (!group) { return; }
    var unit = parseFloat(svg.dataset.unit);
    while (group.firstChild) { group.removeChild(group.firstChild); }
    collection.features.forEach(function (f) {
      if (!f.geometry || f.geometry.type !== "Point") { return; }
      var xy = project(svg, f.geometry.coordinates[0], f.geometry.coordinates[1]);
      var p = f.properties || {};
      var x = xy[0].toFixed(1), y = xy[1].toFixed(1);
      if (layer === "events") {
        var words = svg.dataset;
        var label = p.kind === "cluster" ?
          p.count + " " + words.wordEvents + ", " + p.fatalities + " " + words.wordDeaths :
          (p.date || "") + " " + (p.conflict || "") + ": " + p.fatalities + " " + words.wordDeaths;
        group.appendChild(element("circle", { cx: x, cy: y, r: radius(p.count || 1, unit).toFixed(2) }, label));
      } else {
        var s = unit;
        var d = "M" + x + " " + (xy[1] - 6 * s).toFixed(1) + "l" + (5.5 * s).toFixed(1) + " " +
          (9.5 * s).toFixed(1) + "h" + (-11 * s).toFixed(1) + "z";
        group.appendChild(element("path", { d: d }, (p.date || "") + " " + (p.place_name || p.type || "")));
      }
    });
  }

  function setupToggles(form, svg) {
    form.querySelectorAll("input[data-layer-toggle]").forEach(function (box) {
      box.addEventListener("change", function () {
        var layer = box.getAttribute("data-layer-toggle");
        var groups = svg.querySelectorAll('g[data-layer="' + layer + '"]');
        var loaded = layer !== "risk" && groups.length > 0 &&
          (groups[0].childElementCount > 0 || !groups[0].classList.contains("hidden"));
        if (!loaded) { form.submit(); return; }
        groups.forEach(function (g) { g.classList.toggle("hidden", !box.checked); });
        updateExports(form);
      });
    });
  }

  function updateExports(form) {
    var params = new URLSearchParams(new FormData(form)).toString();
    ["export-geojson", "export-svg"].forEach(function (id) {
      var link = document.getElementById(id);
      if (link) { link.href = link.pathname + "?" + params; }
    });
  }

  function setupSlider(form, svg, figure) {
    var box = document.getElementById("month-slider-box");
    var slider = document.getElementById("month-slider");
    if (!box || !slider) { return; }
    var months = box.dataset.months.split(",");
    var span = parseInt(box.dataset.span, 10) || 1;
    var output = document.getElementById("month-slider-value");
    var status = document.getElementById("situation-status");
    var base = JSON.parse(figure.dataset.query);
    var pending = 0;
    box.classList.remove("hidden");
    slider.addEventListener("input", function () { output.textContent = months[slider.value]; });
    slider.addEventListener("change", function () {
      var i = parseInt(slider.value, 10);
      var until = months[i], since = months[Math.max(0, i - span + 1)];
      form.elements.since.value = since;
      form.elements.until.value = until;
      output.textContent = until;
      updateExports(form);
      var ticket = ++pending;
      status.textContent = "…";
      ["events", "incidents"].forEach(function (layer) {
        if (!svg.querySelector('g[data-layer="' + layer + '"]')) { return; }
        var q = new URLSearchParams({ country: base.country, since: since, until: until });
        if (layer === "events" && base.event_type) { q.set("event_type", base.event_type); }
        if (layer === "incidents" && base.status) { q.set("status", base.status); }
        fetch(figure.dataset.api + "/" + layer + "?" + q.toString(), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
          .then(function (c) {
            if (ticket !== pending) { return; }
            draw(svg, layer, c);
            if (layer === "events") { status.textContent = since + " – " + until + ": " + c.total; }
          })
          .catch(function () { status.textContent = "!"; });
      });
    });
  }

  function setupPng(svg) {
    var button = document.getElementById("export-png");
    if (!button) { return; }
    button.classList.remove("hidden");
    button.addEventListener("click", function () {
      var copy = svg.cloneNode(true);
      copy.querySelectorAll(".hidden").forEach(function (g) { g.parentNode.removeChild(g); });
      var text = new XMLSerializer().serializeToString(copy);
      var image = new Image();
      var width = parseFloat(svg.getAttribute("width")), height = parseFloat(svg.getAttribute("height"));
      image.onload = function () {
        var canvas = document.createElement("canvas");
        canvas.width = width * 2;
        canvas.height = height * 2;
        var ctx = canvas.getContext("2d");
        ctx.scale(2, 2);
        ctx.drawImage(image, 0, 0, width, height);
        var link = document.createElement("a");
        link.download = "situation-map.png";
        link.href = canvas.toDataURL("image/png");
        document.body.appendChild(link);
        link.click();
        document.body.removeChild(link);
      };
      image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(text);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("situation-form");
    var svg = document.getElementById("situation-svg");
    var figure = document.getElementById("situation-figure");
    if (!form || !svg || !figure) { return; }
    setupToggles(form, svg);
    setupSlider(form, svg, figure);
    setupPng(svg);
  });
})();
