"""Server-made markup for large static drawings (the mimic): one Dash component instead of hundreds.

Dash's renderer re-checks every rendered component on every store update (each poll, each callback),
so a drawing of a few hundred elements built from ``html.*`` components costs the browser far more
than its plain HTML: a mimic of 480 components kept its first paint busy for hundreds of ms. ``Markup``
carries escaped HTML built with ``el`` and is drawn by ``window.hmi_components.Markup``
(``assets/load.js``); live values still reach it through their ``data-*`` attributes (hmi.js).
"""

from __future__ import annotations

from html import escape
from typing import ClassVar

from dash.development.base_component import Component


class Html(str):
    """Markup, already escaped."""


def el(tag: str, attrs: dict[str, str | None] | None = None, *children: str) -> Html:
    """``<tag attrs>children</tag>``: attribute values and plain-``str`` children are escaped, ``Html`` ones kept."""
    a = "".join(f' {k}="{escape(v, quote=True)}"' for k, v in (attrs or {}).items() if v is not None)
    inner = "".join(c if isinstance(c, Html) else escape(c, quote=False) for c in children)
    return Html(f"<{tag}{a}>{inner}</{tag}>")


BR = Html("<br>")


class Markup(Component):
    """A ``div`` whose content is ``html`` (made with ``el``: never unescaped text)."""

    _children_props: ClassVar[list[str]] = []
    _base_nodes: ClassVar[list[str]] = []
    _namespace = "hmi_components"
    _type = "Markup"

    def __init__(self, html: Html, id: str | None = None, className: str | None = None) -> None:
        if not isinstance(html, Html):
            raise TypeError("Markup takes Html made with hmi.markup.el, not a plain string")
        self._prop_names = ["id", "html", "className"]
        self._valid_wildcard_attributes: list[str] = []
        self.available_properties = ["id", "html", "className"]
        self.available_wildcard_properties: list[str] = []
        props = {"html": str(html), "id": id, "className": className}
        super().__init__(**{k: v for k, v in props.items() if v is not None})
