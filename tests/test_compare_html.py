"""compare.html in headless Chromium: offline (no script or style from a URL), no JavaScript
error, every town on the agreement map and each alternative's map, the side-by-side maps
panning and zooming together. Skips (with the reason) when no Chromium is installed."""

from __future__ import annotations

import html
import json
import re

import pytest
from test_maps_browser import CAPTURE, CHROMIUM, run_chromium

from spatial_towns import config, pipeline
from spatial_towns.render import compare_html
from spatial_towns.scenarios import compare

REPORT = """<script>
window.addEventListener('load', function () {
  setTimeout(function () {
    var r = {};
    try {
      var divs = Array.from(document.querySelectorAll('.folium-map'));
      r.maps = divs.length;
      function count(sel) { return document.querySelectorAll(sel).length; }
      r.agree = {};
      document.querySelectorAll('#' + divs[0].id + ' path.agree').forEach(function (p) {
        p.classList.forEach(function (c) {
          if (c.indexOf('agree-') === 0) { r.agree[c] = (r.agree[c] || 0) + 1; }
        });
      });
      r.agree_changed = count('#' + divs[0].id + ' path.agree.town-changed');
      r.side = [];
      for (var k = 1; k < divs.length; k++) {
        var out = {};
        document.querySelectorAll('#' + divs[k].id + ' path.side-' + (k - 1)).forEach(function (p) {
          p.classList.forEach(function (c) {
            if (c.indexOf('side-' + (k - 1) + '-') === 0) { out[c] = (out[c] || 0) + 1; }
          });
        });
        out.changed = count('#' + divs[k].id + ' path.town-changed');
        r.side.push(out);
      }
      r.tables = count('table.cmp');
      // Pan and zoom the last side map; every other side map must follow.
      var maps = divs.map(function (d) { return window[d.id]; });
      var last = maps[maps.length - 1];
      last.setView([43.5, 126.0], 9, {animate: false});
      r.views = maps.slice(1).map(function (m) {
        var c = m.getCenter();
        return [Math.round(c.lat * 100) / 100, Math.round(c.lng * 100) / 100, m.getZoom()];
      });
      var z0 = maps[0].getZoom();
      r.agreement_zoom = z0;
    } catch (err) {
      window.__errors.push('report failed: ' + err);
    }
    setTimeout(function () {
      r.errors = window.__errors;
      var pre = document.createElement('pre');
      pre.id = '__report';
      pre.textContent = JSON.stringify(r);
      document.body.appendChild(pre);
    }, 500);
  }, 500);
});
</script>"""


@pytest.fixture(scope="module")
def comparison(default_run):
    raw = config.load().to_dict()
    raw["run_name"] = "cumulative"
    for t in raw["tiers"]:
        t["minimums"] = "this_tier_or_higher"
    other = pipeline.run(config.from_dict(raw), output_dir=None, progress=False)
    return compare([default_run, other], names=["方案一", "方案二"])


@pytest.fixture(scope="module")
def page(comparison):
    return compare_html.render(comparison)


def test_offline(page):
    assert not re.search(r'<script[^>]+src="https?://', page)
    assert not re.search(r'<link[^>]+href="https?://', page)
    assert "L.Map.Sync" in page or ".sync(" in page


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH (Debian: apt-get install chromium)")
def test_in_chromium(page, comparison, tmp_path):
    head = page.index("<head>") + len("<head>")
    end = page.rindex("</body>")
    test_copy = tmp_path / "compare_instrumented.html"
    test_copy.write_text(page[:head] + CAPTURE + page[head:end] + REPORT + page[end:],
                         encoding="utf-8")
    proc = run_chromium(["--dump-dom", test_copy.as_uri()], tmp_path)
    found = re.search(r'<pre id="__report">(.*?)</pre>', proc.stdout, re.S)
    assert found, f"no report; chromium exit {proc.returncode}: {proc.stderr[-2000:]}"
    r = json.loads(html.unescape(found.group(1)))

    assert r["errors"] == []
    n = len(comparison.names)
    assert r["maps"] == 1 + n
    tiers, towns = comparison.tiers, comparison.towns
    located = towns.geometry.notna() & ~towns.geometry.is_empty
    # agreement map: each town selected somewhere under its majority tier and vote count,
    # the eligible towns in no tier grey; ringed = tier differs
    expected: dict[str, int] = {}
    for code in tiers.index[located]:
        row = tiers.loc[code]
        votes = [((row == t).sum(), -k, t) for k, t in enumerate(comparison.tier_names)]
        v, _, t = max(votes)
        if v:
            key = f"agree-{t}-{v}"
        elif comparison.eligible.loc[code].all():
            key = f"agree-none-{n}"
        else:
            continue
        expected[key] = expected.get(key, 0) + 1
    assert r["agree"] == expected
    assert r["agree_changed"] == int((comparison.changed & located).sum())
    for k, alt in enumerate(comparison.names):
        shown = {f"side-{k}-{t}": int(((tiers[alt] == t) & located).sum())
                 for t in comparison.tier_names}
        gone = (tiers[alt] == "") & (tiers[comparison.names[0]] != "") & located
        if gone.any():
            shown[f"side-{k}-none"] = int(gone.sum())
        assert {c: v for c, v in r["side"][k].items() if c != "changed"} == shown
        moved = (tiers[alt] != tiers[comparison.names[0]]) & located
        assert r["side"][k]["changed"] == int(moved.sum())
    # the side-by-side maps moved together; the agreement map is not tied to them
    assert all(v == [43.5, 126.0, 9] for v in r["views"]), r["views"]
    assert r["agreement_zoom"] != 9
    assert r["tables"] >= 6
