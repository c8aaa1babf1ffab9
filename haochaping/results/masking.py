"""Masking of a citizen's identity on staff pages (the full value is never sent to the browser)."""

from __future__ import annotations


def mask_name(name: str) -> str:
    """卓玛 -> 卓*; 扎西顿珠 -> 扎***; empty stays empty."""
    return name[:1] + "*" * (len(name) - 1) if name else ""


def mask_mobile(mobile: str) -> str:
    """13912345678 -> 139****5678."""
    if len(mobile) < 7:
        return "*" * len(mobile)
    return mobile[:3] + "*" * (len(mobile) - 7) + mobile[-4:]


def mask_cert(cert: str) -> str:
    """An ID number or credit code: first 4 and last 2 characters kept."""
    if len(cert) <= 6:
        return "*" * len(cert)
    return cert[:4] + "*" * (len(cert) - 6) + cert[-2:]
