"""Adapters between the framework-neutral core and each Discord library.

Each module here implements [`voltricx.VoiceGateway`][voltricx.VoiceGateway] and
[`voltricx.EventSink`][voltricx.EventSink] for one library and is imported only when a
client of that library is passed to ``voltricx.Pool.connect``. The builders that
point each library at the testing kit's ``FakeDiscord`` live with the kit, in
``voltricx.testing.discord.clients``; nothing here imports the testing kit.
"""

__all__: list[str] = []
