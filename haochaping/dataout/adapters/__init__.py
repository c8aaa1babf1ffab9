"""Platform adapters: one class per platform specification and version."""

from __future__ import annotations

from django.utils.module_loading import import_string

from haochaping.dataout.adapters.base import PlatformAdapter
from haochaping.dataout.adapters.transport import Transport
from haochaping.dataout.conf import dataout_setting

ADAPTERS = {
    "tibet_v1": "haochaping.dataout.adapters.tibet_v1.TibetV1Adapter",
}


def get_adapter(name: str | None = None) -> PlatformAdapter:
    name = name or dataout_setting("ADAPTER")
    cls = import_string(ADAPTERS.get(name, name))
    return cls(source_system=dataout_setting("SOURCE_SYSTEM"))


def get_transport() -> Transport:
    return Transport(
        dataout_setting("PLATFORM_URL"),
        client_id=dataout_setting("CLIENT_ID"),
        secret=dataout_setting("SECRET"),
        timeout=float(dataout_setting("TIMEOUT_SECONDS")),
    )
