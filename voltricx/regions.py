"""A player's region from Discord's voice server endpoint.

When a player is created without ``region=`` and the adapter relays the
voice server endpoint (``c-fra12-8a4f1c2e.discord.media:443``, or the
older ``rotterdam1234.discord.gg``), the player prefers the region that
[VOICE_REGIONS][voltricx.regions.VOICE_REGIONS] maps the endpoint's
location code (``fra``, ``rotterdam``) to. The region is then compared,
case-insensitively, with each node's ``NodeConfig.region``.

The map is yours to change: name your nodes' regions after its values
(``"us"``, ``"eu"``, ``"asia"``, ``"southamerica"``, ``"oceania"``,
``"africa"``, ``"middleeast"``), or edit it to match yours:

```python
import voltricx.regions

voltricx.regions.VOICE_REGIONS["fra"] = "eu-central"  # one code
voltricx.regions.VOICE_REGIONS.clear()                 # or none: derive nothing
```
"""

from __future__ import annotations

__all__ = ["VOICE_REGIONS", "region_from_endpoint"]

_EU = "eu"
_US = "us"
_ASIA = "asia"

VOICE_REGIONS: dict[str, str] = {
    # Europe
    "ams": _EU, "arn": _EU, "ber": _EU, "bru": _EU, "cdg": _EU, "dub": _EU, "fra": _EU,
    "hel": _EU, "lhr": _EU, "lon": _EU, "mad": _EU, "mil": _EU, "par": _EU, "rot": _EU,
    "sto": _EU, "waw": _EU, "europe": _EU, "rotterdam": _EU, "amsterdam": _EU,
    "frankfurt": _EU, "london": _EU, "madrid": _EU, "milan": _EU, "stockholm": _EU,
    # North America
    "atl": _US, "chi": _US, "dfw": _US, "ewr": _US, "iad": _US, "lax": _US, "mia": _US,
    "ord": _US, "sea": _US, "sjc": _US, "yyz": _US, "yul": _US, "us-east": _US,
    "us-west": _US, "us-central": _US, "us-south": _US, "atlanta": _US, "newark": _US,
    "seattle": _US, "santa-clara": _US,
    # Asia
    "bom": _ASIA, "hkg": _ASIA, "icn": _ASIA, "nrt": _ASIA, "sin": _ASIA, "tyo": _ASIA,
    "singapore": _ASIA, "hongkong": _ASIA, "japan": _ASIA, "india": _ASIA, "south-korea": _ASIA,
    # elsewhere
    "gru": "southamerica", "scl": "southamerica", "brazil": "southamerica",
    "santiago": "southamerica", "buenos-aires": "southamerica",
    "syd": "oceania", "mel": "oceania", "sydney": "oceania",
    "jnb": "africa", "southafrica": "africa",
    "dxb": "middleeast", "tlv": "middleeast", "dubai": "middleeast", "tel-aviv": "middleeast",
}  # fmt: skip
"""Discord voice location code (lower case) -> region name. Edit it to match your nodes."""


def region_from_endpoint(endpoint: str | None) -> str | None:
    """The region [VOICE_REGIONS][voltricx.regions.VOICE_REGIONS] gives ``endpoint``, if any.

    ``c-fra12-8a4f1c2e.discord.media:443`` is looked up as ``fra``,
    ``us-east1234.discord.gg`` as ``us-east``; anything else gives ``None``.
    """
    if not endpoint:
        return None
    host = endpoint.lower().removeprefix("wss://").split(":", 1)[0].split(".", 1)[0]
    parts = host.split("-")
    if len(parts) >= 2 and parts[0] == "c":
        code = parts[1].rstrip("0123456789")
    else:
        code = host.rstrip("0123456789")
    return VOICE_REGIONS.get(code) if code else None
