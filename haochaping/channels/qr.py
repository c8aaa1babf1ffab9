"""QR codes (segno) for rating links: SVG for pages and receipts, PNG for printers and apps."""

from __future__ import annotations

import base64
import io

import segno


def qr_svg(url: str, *, scale: int = 4, title: str = "") -> str:
    """An inline SVG (no XML declaration), black on white with the quiet zone."""
    out = io.BytesIO()
    segno.make(url, error="m").save(
        out,
        kind="svg",
        scale=scale,
        xmldecl=False,
        svgns=True,
        title=title or None,
        dark="#000",
        light="#fff",
        svgclass="qr",
        lineclass=None,
    )
    return out.getvalue().decode()


def qr_png(url: str, *, scale: int = 6) -> bytes:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=scale, dark="#000", light="#fff")
    return out.getvalue()


def qr_png_base64(url: str, *, scale: int = 6) -> str:
    return base64.b64encode(qr_png(url, scale=scale)).decode()
