"""From a report's content to an `Email`: jinja2 templates (HTML table layout + plain text),
styles inlined by css-inline (mail clients drop <style>), charts as cid: PNG attachments.

Every figure goes through `maicro.formatting`, and every figure in the HTML sits in an element
with a `data-k` key naming what it is (tests read the sent HTML back through these keys).
"""

from __future__ import annotations

import functools
from typing import Any

import css_inline
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from maicro import formatting, settings
from maicro.delivery.message import Email, InlineImage

NEUTRAL = "#202124"


def fmt(value: Any, kind: str = "money") -> str:
    """One figure as text, by kind: the same in the HTML and the plain-text part."""
    if kind in ("money", "net"):  # net: signed, but not good or bad news (net exposure)
        return formatting.money(value)
    if kind == "level":
        return formatting.money(value, sign=False)
    if kind == "pct":
        return formatting.pct(value)
    if kind == "share":
        return formatting.pct(value, sign=False)
    if kind == "weight":
        return formatting.weight(value)
    if kind == "bps":
        return formatting.bps(value)
    if kind == "ratio":
        return formatting.MISSING if value is None else f"{value:,.2f}×"
    if kind == "count":
        return formatting.number(value)
    raise ValueError(f"unknown figure kind {kind!r}")


def fmt_change(value: Any, kind: str) -> str:
    """A change between two weeks: always signed (levels and shares too)."""
    signed = {"level": "money", "share": "pct", "count": "count"}.get(kind, kind)
    if kind == "count" and value is not None:
        return ("+" if value > 0 else "") + formatting.number(value)
    if kind == "ratio" and value is not None:
        return ("+" if value > 0 else "") + f"{value:,.2f}×"
    return fmt(value, signed)


# Kinds whose sign is good or bad news: coloured, and followed by the word (gain/loss/flat).
TONED_KINDS = ("money", "pct")


def tone_of(value: Any, kind: str = "money") -> formatting.Tone:
    """Gain, loss or flat as displayed: a percent shows the fraction to 4 decimals (0.12%)."""
    return formatting.tone(value, decimals=4 if kind in ("pct", "share") else 2)


def cell(
    key: str, value: Any, kind: str = "money", *, toned: bool | None = None, change: bool = False
) -> Markup:
    """`<span data-k=key>` with the formatted figure. A toned figure (gain green, loss red) is
    followed by its word, so the meaning never rests on colour alone; grid rows colour only
    their headline figure (the others pass toned=False and keep their sign)."""
    text = fmt_change(value, kind) if change else fmt(value, kind)
    if toned is None:
        toned = kind in TONED_KINDS
    tone = tone_of(value, kind)
    html = f'<span data-k="{escape(key)}" style="color:{tone.colour if toned else NEUTRAL}">'
    html += f"{escape(text)}</span>"
    if toned and value is not None:
        html += f' <span class="word">({tone.word})</span>'
    return Markup(html)


def tone_word(value: Any, kind: str = "money") -> str:
    return tone_of(value, kind).word


def signed(value: Any, kind: str = "money") -> str:
    """The plain-text form of a figure: a toned one with its word, `+$1,234.56 (gain)`, as in
    the HTML; other kinds and missing values as `fmt` shows them."""
    text = fmt(value, kind)
    if kind not in TONED_KINDS or value is None:
        return text
    return f"{text} ({tone_word(value, kind)})"


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("maicro.reports", "templates"),
        autoescape=select_autoescape(["html.j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(cell=cell, fmt_change=fmt_change)
    env.filters.update(fmt=fmt, fmt_change=fmt_change, signed=signed)
    return env


_INLINER = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)


def render_email(
    name: str, context: dict[str, Any], subject: str, images: tuple[InlineImage, ...] = ()
) -> Email:
    """Report `name` (templates `<name>.html.j2` and `<name>.txt.j2`) as an Email; its
    idempotency key is made by `deliver_once` from the same name."""
    config = settings.get()
    context = {**context, "subject": subject, "tz": config.maicro_report_timezone_label}
    html = environment().get_template(f"{name}.html.j2").render(**context)
    text = environment().get_template(f"{name}.txt.j2").render(**context)
    return Email(
        subject=subject,
        html=_INLINER.inline(html),
        text=text,
        recipients=tuple(config.maicro_report_recipients),
        sender=config.maicro_email_from,
        images=images,
    )
