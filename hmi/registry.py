"""The frame's extension points: pages in the navigation and server callbacks that must be scope-checked.

Built-in screens register through the same calls as later issues' screens (warnings 预警,
governance 治理, engineering 工程): ``pages.add`` with a layout, or ``href`` to a Flask blueprint of
their own. Empty slots show greyed in the navigation until their issue fills them.

Every server callback is registered through ``Callbacks.data``: it refuses a request without a
signed-in user, hands the function the user (whose ``scope`` the function must apply), and carries
``probes`` — requests aimed at another enterprise's data — which the scope tests replay for every
callback the app has, so a new callback cannot escape them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from dash import Dash

Layout = Callable[[Any, dict[str, str]], Any]  # (user, query parameters) → components
Probe = dict[str, Any]  # "component.property" → value; "{E}" / "{TAG}" / "{ALARM}" / "{HS}" are filled by the test


@dataclass(frozen=True)
class Page:
    path: str
    nav_key: str  # i18n key of the navigation label
    layout: Layout | None = None  # None and no href: an empty slot for a later issue
    order: int = 100
    nav: bool = True
    href: str | None = None  # a page served by a blueprint outside Dash
    live: Callable[[Any, dict[str, str], Any], dict[str, Any]] | None = None  # (user, params, snapshot) → live payload


@dataclass
class Pages:
    by_path: dict[str, Page] = field(default_factory=dict)

    def add(self, page: Page) -> None:
        self.by_path[page.path] = page

    def nav(self) -> list[Page]:
        return sorted((p for p in self.by_path.values() if p.nav), key=lambda p: p.order)

    def get(self, path: str) -> Page | None:
        return self.by_path.get(path)


class Callbacks:
    def __init__(self, app: Dash) -> None:
        self.app = app

    def data(self, outputs: Any, inputs: Sequence[Any], state: Sequence[Any] = (), *, probes: list[Probe], **kwargs: Any):  # type: ignore[no-untyped-def]
        """A server callback that reads or changes plant data; ``fn(user, *values)``."""

        def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
            from flask_login import current_user
            from werkzeug.exceptions import Unauthorized

            @wraps(fn)
            def wrapped(*args: Any) -> Any:
                if not getattr(current_user, "is_authenticated", False):
                    raise Unauthorized()
                return fn(current_user, *args)

            wrapped.hmi_probes = probes  # type: ignore[attr-defined]
            self.app.callback(outputs, list(inputs), list(state), **kwargs)(wrapped)
            return wrapped

        return decorate
