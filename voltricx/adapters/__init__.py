"""Adapters between the framework-neutral core and each Discord library.

Each module here implements [`voltricx.VoiceGateway`][voltricx.VoiceGateway] and
[`voltricx.EventSink`][voltricx.EventSink] for one library and is imported only when a
client of that library is passed to ``voltricx.Pool.connect``. The builders that
point each library at the testing kit's ``FakeDiscord`` are written here too
(``_fake_clients``, since only this package imports Discord libraries) and offered
to users as ``voltricx.testing.discord.clients``; nothing here imports the testing kit.
"""

__all__: list[str] = []
