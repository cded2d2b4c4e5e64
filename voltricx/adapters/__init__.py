"""Adapters between the framework-neutral core and each Discord library.

Each module here implements [`voltricx.VoiceGateway`][voltricx.VoiceGateway] and
[`voltricx.EventSink`][voltricx.EventSink] for one library and is imported only when a
client of that library is passed to ``voltricx.Pool.connect``.
[`voltricx.adapters.fake_discord_clients`][voltricx.adapters.fake_discord_clients] points each library at the
testing kit's ``FakeDiscord``.
"""

__all__: list[str] = []
