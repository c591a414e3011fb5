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
from maicro.delivery.message import Email, InlineImage, idempotency_key

NEUTRAL = "#202124"


def fmt(value: Any, kind: str = "money") -> str:
    """One figure as text, by kind: the same in the HTML and the plain-text part."""
    if kind == "money":
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


def cell(
    key: str, value: Any, kind: str = "money", *, toned: bool | None = None, change: bool = False
) -> Markup:
    """`<span data-k=key>` with the formatted figure; gains green, losses red for toned kinds."""
    text = fmt_change(value, kind) if change else fmt(value, kind)
    if toned is None:
        toned = kind in ("money", "pct")
    colour = formatting.tone(value).colour if toned else NEUTRAL
    return Markup(f'<span data-k="{escape(key)}" style="color:{colour}">{escape(text)}</span>')


def tone_word(value: Any) -> str:
    return formatting.tone(value).word


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("maicro.reports", "templates"),
        autoescape=select_autoescape(["html.j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(cell=cell, tone_word=tone_word, fmt_change=fmt_change)
    env.filters.update(fmt=fmt, fmt_change=fmt_change, tone=tone_word)
    return env


_INLINER = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)


def render_email(
    kind: str, context: dict[str, Any], subject: str, images: tuple[InlineImage, ...] = ()
) -> Email:
    config = settings.get()
    context = {**context, "subject": subject, "tz": config.maicro_report_timezone_label}
    html = environment().get_template(f"{kind}_report.html.j2").render(**context)
    text = environment().get_template(f"{kind}_report.txt.j2").render(**context)
    recipients = tuple(config.maicro_report_recipients)
    period = context["period"].label
    return Email(
        subject=subject,
        html=_INLINER.inline(html),
        text=text,
        recipients=recipients,
        sender=config.maicro_email_from,
        images=images,
        idempotency_key=idempotency_key(f"{kind}_report", period, recipients),
    )
