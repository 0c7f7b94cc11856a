"""Jinja rendering of the packs' HTML pieces (templates/sketket/pack/*.html.j2). Autoescape is on for every
template, so text from submissions is escaped by the template engine, never by hand; a piece already
rendered is passed on as `Markup` so it is not escaped twice."""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from sketket.clean import visible_controls

PIECES = "pack/pieces.html.j2"


def _visible(value: Any) -> Any:
    """Control characters of a plain text shown as their Unicode pictures before autoescape (a page would hide
    them, or choke on them); a rendered piece (Markup) passes as it is. Runs for every cell of every table:
    printable text (nearly all) is told apart by str.isprintable, in C."""
    if isinstance(value, str) and not value.isprintable() and not isinstance(value, Markup):
        return visible_controls(value)
    return value


@cache
def environment() -> Environment:
    return Environment(loader=PackageLoader("sketket", "templates/sketket"), autoescape=True, finalize=_visible,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def render(name: str, **values: Any) -> str:
    """A whole template rendered to a plain string."""
    return environment().get_template(name).render(**values)


def piece(macro: str, *args: Any, **kwargs: Any) -> str:
    """One macro of pack/pieces.html.j2 rendered to a plain string (so that `+` joins pieces as strings)."""
    return str(getattr(environment().get_template(PIECES).module, macro)(*args, **kwargs))


def safe(html: str) -> Markup:
    """A piece this module rendered, to be inserted unescaped into another template."""
    return Markup(html)


def emphasised(text: str) -> list[tuple[str, bool]]:
    """Config text with *word* marking emphasis, as (segment, emphasised) pairs; whitespace collapsed."""
    parts = " ".join(text.split()).split("*")
    if len(parts) % 2 == 0:  # an unmatched star is a star, not emphasis
        parts = [*parts[:-2], parts[-2] + "*" + parts[-1]]
    return [(p, i % 2 == 1) for i, p in enumerate(parts) if p]
