"""Open the run's map.html in headless Chromium: no JavaScript errors, layers and markers in
the DOM. Skips (with the reason) when no Chromium is installed.

A test copy of the page gets two injected scripts: one first in <head> that records
JavaScript errors, failed resource loads and console.error calls, and one at the end of
<body> that, after the page has loaded, writes a JSON report of what is in the DOM into a
<pre id="__report">; Chromium's --dump-dom prints the DOM, from which the report is read.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(n)), None)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium on PATH (Debian: apt-get install chromium)")

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars", "--virtual-time-budget=8000"]

CAPTURE = """<script>
window.__errors = [];
window.addEventListener('error', function (e) {
  if (e.target && e.target !== window && (e.target.src || e.target.href)) {
    window.__errors.push('resource failed: ' + (e.target.src || e.target.href));
  } else {
    window.__errors.push('js error: ' + e.message + ' at ' + e.filename + ':' + e.lineno);
  }
}, true);
window.addEventListener('unhandledrejection', function (e) {
  window.__errors.push('unhandled rejection: ' + e.reason);
});
(function () {
  var orig = console.error;
  console.error = function () {
    window.__errors.push('console.error: ' + Array.prototype.join.call(arguments, ' '));
    return orig.apply(console, arguments);
  };
})();
</script>"""

REPORT = """<script>
window.addEventListener('load', function () {
  setTimeout(function () {
    var r = {};
    function count(sel) { return document.querySelectorAll(sel).length; }
    function markers() {
      var out = {};
      document.querySelectorAll('.town-marker').forEach(function (el) {
        el.classList.forEach(function (c) {
          if (c.indexOf('town-') === 0 && c !== 'town-marker') { out[c] = (out[c] || 0) + 1; }
        });
      });
      return out;
    }
    try {
      r.base_layers = Array.from(document.querySelectorAll(
        '.leaflet-control-layers-base label')).map(function (l) { return l.textContent.trim(); });
      r.overlays = Array.from(document.querySelectorAll(
        '.leaflet-control-layers-overlays label')).map(function (l) { return l.textContent.trim(); });
      r.markers_default = markers();
      r.county_paths = count('path.county-polygon');
      r.metro_paths = count('path.outline-metro');
      r.border_paths = count('path.outline-border');
      r.scale = Array.from(document.querySelectorAll('.leaflet-control-scale-line'))
        .map(function (e) { return e.textContent; });
      r.search = count('.leaflet-control-search');
      r.fullscreen = count('.leaflet-control-zoom-fullscreen');
      r.legend = (document.getElementById('map-legend') || {}).textContent || '';
      // Switch every overlay on, then count every marker.
      document.querySelectorAll('.leaflet-control-layers-overlays input').forEach(function (i) {
        if (!i.checked) { i.click(); }
      });
      r.markers_all = markers();
      // Choose the last indicator and check the legend follows.
      var radios = document.querySelectorAll('.leaflet-control-layers-base input');
      if (radios.length) { radios[radios.length - 1].click(); }
      r.legend_shown = Array.from(document.querySelectorAll('.choro-legend'))
        .filter(function (d) { return d.style.display !== 'none'; })
        .map(function (d) { return d.getAttribute('data-layer'); });
      // Open one popup of the top tier.
      var first = document.querySelector('.town-marker');
      if (first) { first.click(); }
      r.popup = (document.querySelector('.leaflet-popup-content') || {}).textContent || '';
      // Type a pinyin query into the search box (leaflet-search's own searchText).
      var ctrl = Object.keys(window).filter(function (k) { return /searchControl$/.test(k); });
      r.search_controls = ctrl.length;
      if (ctrl.length) { window[ctrl[0]].searchText(window.__query); }
    } catch (err) {
      window.__errors.push('report failed: ' + err);
    }
    setTimeout(function () {
      r.search_tips = Array.from(document.querySelectorAll('.search-tip'))
        .map(function (t) { return t.textContent; });
      r.errors = window.__errors;
      var pre = document.createElement('pre');
      pre.id = '__report';
      pre.textContent = JSON.stringify(r);
      document.body.appendChild(pre);
    }, 1500);
  }, 500);
});
</script>"""


def instrument(page: str, query: str) -> str:
    """The page with the error capture first in <head> and the report script last; the
    report types ``query`` into the search box."""
    head = page.index("<head>") + len("<head>")
    page = page[:head] + CAPTURE + page[head:]
    end = page.rindex("</body>")
    return (page[:end] + f"<script>window.__query = {json.dumps(query)};</script>" + REPORT
            + page[end:])


def run_chromium(args: list[str], tmp_path, timeout: int = 120) -> subprocess.CompletedProcess:
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    env = {**os.environ, "HOME": str(tmp_path)}
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=timeout, env=env)


def dom_report(html_path, tmp_path, query: str = "") -> dict:
    """Load ``html_path`` (instrumented copy) in headless Chromium; the report as a dict."""
    test_copy = tmp_path / "map_instrumented.html"
    test_copy.write_text(instrument(html_path.read_text(encoding="utf-8"), query),
                         encoding="utf-8")
    proc = run_chromium(["--dump-dom", test_copy.as_uri()], tmp_path)
    found = re.search(r'<pre id="__report">(.*?)</pre>', proc.stdout, re.S)
    assert found, f"no report in the DOM; chromium exit {proc.returncode}: {proc.stderr[-2000:]}"
    import html as _html
    return json.loads(_html.unescape(found.group(1)))


def _top(run):
    return run.towns.sort_values("rank").iloc[0]


@pytest.fixture(scope="module")
def report(default_run, tmp_path_factory):
    from spatial_towns.render import maps

    query = maps.pinyin([_top(default_run)["name"]])[0]
    return dom_report(default_run.files["map.html"], tmp_path_factory.mktemp("chromium"),
                      query=query)


def test_no_javascript_errors(report):
    assert report["errors"] == []


def test_every_plotted_town_is_a_marker(report, default_run):
    towns = default_run.towns
    located = towns[towns.geometry.notna() & ~towns.geometry.is_empty]
    expected = {f"town-{t.name}": int((located["tier"] == t.name).sum())
                for t in default_run.cfg.tiers}
    expected["town-unselected"] = int(((located["status"] == "eligible")
                                       & (located["tier"] == "")).sum())
    shown = dict(expected)
    expected["town-excluded"] = int((located["status"] == "excluded").sum())
    assert report["markers_default"] == shown          # excluded towns are off by default
    assert report["markers_all"] == expected
    assert sum(expected.values()) == len(located)


def test_layers_and_controls(report, default_run):
    assert len(report["base_layers"]) == 3
    assert any("最高得分" in b for b in report["base_layers"])
    overlays = " ".join(report["overlays"])
    for t in default_run.cfg.tiers:
        assert f"{t.label}示范镇" in overlays
    assert "长春都市圈" in overlays and "边境地区县" in overlays
    assert report["county_paths"] == len(default_run.counties)
    assert report["metro_paths"] >= 1 and report["border_paths"] >= 1
    assert len(report["scale"]) == 1 and re.fullmatch(r"\d+ k?m", report["scale"][0].strip())
    assert report["search"] == 1 and report["fullscreen"] == 1
    assert "示范镇等级" in report["legend"]
    assert report["legend_shown"] == [report["base_layers"][-1]]
    assert "得分" in report["popup"] and "排名" in report["popup"]


def test_search_by_pinyin_finds_the_town(report, default_run):
    top = _top(default_run)
    assert report["search_controls"] == 1
    assert any(tip.startswith(f"{top['name']}（{top['county_name']}）") for tip in
               report["search_tips"]), report["search_tips"]
