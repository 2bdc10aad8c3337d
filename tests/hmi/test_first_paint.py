"""What makes a screen's first paint fast (issue 8: under 1 s, bench/hmi.py), checked without a browser.

The layout a page load asks for brings that page with its first live values (no round trip to the route
callback or to the first poll) — within the user's scope like every callback; assets are cached by
version; plotly.js is the basic bundle of the plotly package's own version, loaded only by graphs; the
mimic's drawing is escaped markup in one component.
"""

from __future__ import annotations

import json
import re

import pytest
from hmi_rig import Env
from plotly.offline import get_plotlyjs_version
from services import service_missing

from hmi.app import ASSETS, PLOTLY_BASIC_JS, PLOTLY_FULL_JS
from hmi.markup import Markup, el

HOST = "http://localhost"


def layout(client, referer: str | None):  # type: ignore[no-untyped-def]
    headers = {"Referer": referer} if referer is not None else {}
    r = client.get("/_dash-layout", headers=headers)
    assert r.status_code == 200
    return r.get_data(as_text=True)


def _find(node):  # type: ignore[no-untyped-def]
    """The data-live0 attribute anywhere in a Dash layout."""
    if isinstance(node, dict):
        if "data-live0" in node:
            return node["data-live0"]
        for v in node.values():
            found = _find(v)
            if found is not None:
                return found
    elif isinstance(node, list):
        for v in node:
            found = _find(v)
            if found is not None:
                return found
    return None


def _by_id(node, id_: str):  # type: ignore[no-untyped-def]
    """The component with this id in a Dash layout."""
    if isinstance(node, dict):
        if node.get("props", {}).get("id") == id_:
            return node
        nodes = list(node.values())
    elif isinstance(node, list):
        nodes = node
    else:
        return None
    return next((found for v in nodes if (found := _by_id(v, id_)) is not None), None)


def test_the_layout_brings_the_loading_page_with_its_live_values(env: Env) -> None:
    e01 = env.client("e01")
    text = layout(e01, f"{HOST}/mimic?hs=E01-HS1")
    tree = json.loads(text)
    first = json.loads(_find(tree))
    assert first["v"]["E01.T101.LT"][0].endswith(" m") and first["t"] == env.clock()
    assert _by_id(tree, "mimic")["type"] == "Markup" and "E01.T101.LT" in _by_id(tree, "mimic")["props"]["html"]
    url = _by_id(tree, "url")["props"]
    assert (url["pathname"], url["search"]) == ("/mimic", "?hs=E01-HS1")  # the route then runs only on navigation
    # Without the page's address (no Referer, another site) the layout is the bare shell: the route draws the page.
    for referer in (None, "http://elsewhere.example/mimic?hs=E01-HS1"):
        assert _find(json.loads(layout(e01, referer))) is None


def test_the_layout_keeps_to_the_users_scope(env: Env) -> None:
    e01, fs = env.client("e01"), env.client("fs")
    name = env.services.plant.enterprise("E02").enterprise.name
    for page in ("/mimic?hs=E02-HS1", "/enterprise?e=E02", "/alarms?e=E02", "/video?e=E02"):
        tree = json.loads(layout(e01, f"{HOST}{page}"))
        shown = json.dumps(_by_id(tree, "page"), ensure_ascii=False)
        assert "forbidden" in shown and "E02" not in shown and name not in shown, (page, shown[:300])
        assert _find(tree) is None  # no live payload either
    assert "E02.A101.LT" in layout(fs, f"{HOST}/mimic?hs=E02-HS1")  # the control: the district sees it


def test_assets_are_cached_by_version_and_plotly_is_the_packages_own(env: Env) -> None:
    client = env.client("e01")
    index = client.get("/mimic?hs=E01-HS1").get_data(as_text=True)
    versioned = re.findall(r'src="(/assets/[^"]+\?m=[^"]+)"', index)
    assert versioned and all(client.get(u).headers["Cache-Control"] == "max-age=31536000, immutable" for u in versioned)
    assert "immutable" not in (client.get("/assets/beep.wav").headers.get("Cache-Control") or "")  # unversioned: revalidated
    # plotly.js: not on every page; the plotly package's own bundle, of the version it renders figures for.
    assert not re.findall(r'<script src="[^"]*plotly', index)
    url = re.search(r'"(/vendor/plotly-[^"]+\.min\.js)"', (ASSETS / "load.js").read_text(encoding="utf-8")).group(1)
    assert url == f"/vendor/plotly-{get_plotlyjs_version()}.min.js"
    r = client.get(url)
    assert f"v{get_plotlyjs_version()}" in r.get_data(as_text=True)[:400]
    assert r.status_code == 200 and r.headers["Cache-Control"] == "max-age=31536000, immutable"


def test_the_basic_plotly_bundle_is_served_when_setup_fetched_it(env: Env) -> None:
    if not PLOTLY_BASIC_JS.is_file():
        service_missing(f"plotly.js basic bundle {PLOTLY_BASIC_JS} (scripts/setup fetches it from the npm registry)")
    body = env.client("e01").get(f"/vendor/plotly-{get_plotlyjs_version()}.min.js").get_data()
    assert body == PLOTLY_BASIC_JS.read_bytes()
    assert len(body) < PLOTLY_FULL_JS.stat().st_size / 3  # the point of it: a quarter of the full bundle to load


def test_markup_is_escaped() -> None:
    html = el("div", {"title": '"><script>', "data-x": None}, "<b>", el("i", None, "&"))
    assert html == '<div title="&quot;&gt;&lt;script&gt;">&lt;b&gt;<i>&amp;</i></div>'
    assert Markup(html, id="m").to_plotly_json()["props"] == {"html": str(html), "id": "m"}
    with pytest.raises(TypeError):
        Markup("<b>raw</b>")  # type: ignore[arg-type]  # a plain string is never taken as markup
    drawn_by = (ASSETS / "load.js").read_text(encoding="utf-8")  # the browser side of the component
    assert f"window.{Markup._namespace} = " in drawn_by and f"{Markup._type}: function" in drawn_by
