"""The library-specific half of the testing kit: point each real Discord library at a fake Discord.

Only ``voltricx/adapters/`` imports Discord libraries, so the patches and client
builders that the testing kit offers as
[`voltricx.testing.discord.clients`][voltricx.testing.discord.clients] live here and
are re-exported there; read that module's documentation. Nothing here imports the
testing kit: the fake is described by the structural type `FakeDiscord`. Each
helper imports its own library when called, so importing this module imports
no Discord library.
"""

from __future__ import annotations

import logging
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Protocol, Self, TypeAlias, TypeVar, overload

if TYPE_CHECKING:
    import discord
    import disnake
    import hikari
    import nextcord


__all__ = [
    "DiscordpyClient",
    "DiscordpyClientT",
    "DiscordpyIntents",
    "DisnakeClient",
    "DisnakeClientT",
    "DisnakeIntents",
    "HikariBot",
    "LibraryPatch",
    "NextcordClient",
    "NextcordClientT",
    "NextcordIntents",
    "configure_discordpy",
    "configure_disnake",
    "configure_hikari",
    "configure_nextcord",
    "discordpy_client",
    "disnake_client",
    "hikari_bot",
    "nextcord_client",
    "start_hikari",
]

_log = logging.getLogger("voltricx.testing.discord")


class FakeDiscord(Protocol):
    """What the builders need of [`FakeDiscord`][voltricx.testing.FakeDiscord] (read structurally, so
    this module never imports the testing kit)."""

    @property
    def api_url(self) -> str: ...
    @property
    def gateway_url(self) -> str: ...
    @property
    def bot_token(self) -> str: ...
    def keep_patch(self, patch: LibraryPatch) -> LibraryPatch: ...


# Library types under names that library-neutral modules can import for
# their annotations without importing the library itself (the values are
# strings at run time).
DiscordpyClient: TypeAlias = "discord.Client"
"""``discord.Client``."""
DiscordpyIntents: TypeAlias = "discord.Intents"
"""``discord.Intents``."""
NextcordClient: TypeAlias = "nextcord.Client"
"""``nextcord.Client``."""
NextcordIntents: TypeAlias = "nextcord.Intents"
"""``nextcord.Intents``."""
DisnakeClient: TypeAlias = "disnake.Client"
"""``disnake.Client``."""
DisnakeIntents: TypeAlias = "disnake.Intents"
"""``disnake.Intents``."""
HikariBot: TypeAlias = "hikari.GatewayBot"
"""``hikari.GatewayBot``."""

DiscordpyClientT = TypeVar("DiscordpyClientT", bound="discord.Client")
"""A ``discord.Client`` subclass passed to [`discordpy_client()`][voltricx.testing.discord.clients.discordpy_client]."""
NextcordClientT = TypeVar("NextcordClientT", bound="nextcord.Client")
"""A ``nextcord.Client`` subclass passed to [`nextcord_client()`][voltricx.testing.discord.clients.nextcord_client]."""
DisnakeClientT = TypeVar("DisnakeClientT", bound="disnake.Client")
"""A ``disnake.Client`` subclass passed to [`disnake_client()`][voltricx.testing.discord.clients.disnake_client]."""

# The fake sends every guild right after READY, so waiting longer for more is pointless.
_GUILD_READY_TIMEOUT: Final = 0.5


# --------------------------------------------------------------------------
# Patches
# --------------------------------------------------------------------------


class LibraryPatch:
    """A reversible set of attribute overrides that points one library at a fake.

    Call [`undo()`][voltricx.testing.discord.clients.LibraryPatch.undo] (or use it as a context manager) to restore the library.
    Undoing twice is harmless. An attribute that someone else changed since the
    patch was applied is left alone and a warning is logged.
    """

    def __init__(self, library: str) -> None:
        self.library: Final = library
        self._changes: list[tuple[object, str, object, object]] = []
        self._active = True

    @property
    def active(self) -> bool:
        """Whether the patch is still applied."""
        return self._active

    def set(self, target: object, name: str, value: object) -> None:
        """Override ``target.name`` with ``value``, remembering the old value."""
        old = getattr(target, name)
        setattr(target, name, value)
        self._changes.append((target, name, old, value))

    def undo(self) -> None:
        """Restore every overridden attribute, in reverse order."""
        if not self._active:
            return
        self._active = False
        while self._changes:
            target, name, old, new = self._changes.pop()
            if getattr(target, name) is new:
                setattr(target, name, old)
            else:
                _log.warning(
                    "%s: %r.%s was changed by someone else; not restoring it",
                    self.library,
                    target,
                    name,
                )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.undo()


def configure_discordpy(fake: FakeDiscord) -> LibraryPatch:
    """Point discord.py at ``fake``: REST base URL and the default gateway URL.

    discord.py never asks the REST API for the gateway URL, and falls back to
    its default URL after an invalidated session, so both are overridden.
    """
    import discord.gateway
    import discord.http
    import yarl

    patch = LibraryPatch("discord.py")
    patch.set(discord.http.Route, "BASE", fake.api_url)
    patch.set(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(fake.gateway_url))
    return patch


def configure_nextcord(fake: FakeDiscord) -> LibraryPatch:
    """Point nextcord at ``fake``: REST base URL (it finds the gateway via ``GET /gateway``)."""
    import nextcord.http

    patch = LibraryPatch("nextcord")
    patch.set(nextcord.http.Route, "BASE", fake.api_url)
    return patch


def configure_disnake(fake: FakeDiscord) -> LibraryPatch:
    """Point disnake at ``fake``: REST base URL (it finds the gateway via ``GET /gateway/bot``)."""
    import disnake.http

    patch = LibraryPatch("disnake")
    patch.set(disnake.http.Route, "BASE", fake.api_url)
    return patch


async def _no_update_check(*_args: object, **_kwargs: object) -> None:
    """Stand-in for hikari's package-index update check."""


def configure_hikari(fake: FakeDiscord) -> LibraryPatch:
    """Turn off hikari's startup update check, which would reach the package index.

    hikari needs no URL patch: pass ``rest_url=fake.api_url`` to the bot (as
    [`hikari_bot()`][voltricx.testing.discord.clients.hikari_bot] does); it finds the gateway via ``GET /gateway/bot``.
    ``fake`` is accepted for symmetry with the other helpers.
    """
    del fake
    import hikari.internal.ux

    patch = LibraryPatch("hikari")
    patch.set(hikari.internal.ux, "check_for_updates", _no_update_check)
    return patch


# --------------------------------------------------------------------------
# Client builders
# --------------------------------------------------------------------------


@overload
def discordpy_client(
    fake: FakeDiscord, *, intents: discord.Intents | None = None, **options: Any
) -> discord.Client: ...
@overload
def discordpy_client(
    fake: FakeDiscord,
    client_class: type[DiscordpyClientT],
    *,
    intents: discord.Intents | None = None,
    **options: Any,
) -> DiscordpyClientT: ...
def discordpy_client(
    fake: FakeDiscord,
    client_class: type[discord.Client] | None = None,
    *,
    intents: discord.Intents | None = None,
    **options: Any,
) -> discord.Client:
    """Patch discord.py to use ``fake`` and build a client (default ``discord.Client``).

    ``intents`` default to ``Intents.default()``; ``guild_ready_timeout``
    defaults to 0.5 s because the fake sends every guild right after READY.
    The patch is undone when the fake closes (or via ``fake.undo_patches()``).
    Start the client with ``await client.start(fake.bot_token)``.

    Tip: the library sleeps 5 s before every non-initial IDENTIFY (after
    an invalidated session, or for shards after the first). Override the
    client's ``before_identify_hook`` to skip that in tests.
    """
    import discord

    fake.keep_patch(configure_discordpy(fake))
    options.setdefault("guild_ready_timeout", _GUILD_READY_TIMEOUT)
    cls = client_class if client_class is not None else discord.Client
    return cls(intents=intents if intents is not None else discord.Intents.default(), **options)


@overload
def nextcord_client(
    fake: FakeDiscord, *, intents: nextcord.Intents | None = None, **options: Any
) -> nextcord.Client: ...
@overload
def nextcord_client(
    fake: FakeDiscord,
    client_class: type[NextcordClientT],
    *,
    intents: nextcord.Intents | None = None,
    **options: Any,
) -> NextcordClientT: ...
def nextcord_client(
    fake: FakeDiscord,
    client_class: type[nextcord.Client] | None = None,
    *,
    intents: nextcord.Intents | None = None,
    **options: Any,
) -> nextcord.Client:
    """Patch nextcord to use ``fake`` and build a client (default ``nextcord.Client``).

    Same defaults and patch lifetime as [`discordpy_client()`][voltricx.testing.discord.clients.discordpy_client].
    """
    import nextcord

    fake.keep_patch(configure_nextcord(fake))
    options.setdefault("guild_ready_timeout", _GUILD_READY_TIMEOUT)
    cls = client_class if client_class is not None else nextcord.Client
    return cls(intents=intents if intents is not None else nextcord.Intents.default(), **options)


@overload
def disnake_client(
    fake: FakeDiscord, *, intents: disnake.Intents | None = None, **options: Any
) -> disnake.Client: ...
@overload
def disnake_client(
    fake: FakeDiscord,
    client_class: type[DisnakeClientT],
    *,
    intents: disnake.Intents | None = None,
    **options: Any,
) -> DisnakeClientT: ...
def disnake_client(
    fake: FakeDiscord,
    client_class: type[disnake.Client] | None = None,
    *,
    intents: disnake.Intents | None = None,
    **options: Any,
) -> disnake.Client:
    """Patch disnake to use ``fake`` and build a client (default ``disnake.Client``).

    Same defaults and patch lifetime as [`discordpy_client()`][voltricx.testing.discord.clients.discordpy_client].
    """
    import disnake

    fake.keep_patch(configure_disnake(fake))
    options.setdefault("guild_ready_timeout", _GUILD_READY_TIMEOUT)
    cls = client_class if client_class is not None else disnake.Client
    return cls(intents=intents if intents is not None else disnake.Intents.default(), **options)


def hikari_bot(fake: FakeDiscord, **options: Any) -> hikari.GatewayBot:
    """Build a ``hikari.GatewayBot`` that talks to ``fake``.

    Uses ``fake.bot_token`` and ``rest_url=fake.api_url``; turns off the
    banner, hikari's own logging setup and its update check (the patch is
    undone when the fake closes). Start it with [`start_hikari()`][voltricx.testing.discord.clients.start_hikari] or
    ``bot.start(check_for_updates=False)``.
    """
    import hikari

    fake.keep_patch(configure_hikari(fake))
    options.setdefault("banner", None)
    options.setdefault("logs", None)
    options.setdefault("suppress_optimization_warning", True)
    options.setdefault("rest_url", fake.api_url)
    return hikari.GatewayBot(fake.bot_token, **options)


async def start_hikari(bot: hikari.GatewayBot, **options: Any) -> None:
    """Start ``bot`` with the update check off; returns once its shards are up."""
    options.setdefault("check_for_updates", False)
    await bot.start(**options)
