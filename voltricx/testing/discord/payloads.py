"""The JSON ``FakeDiscord`` sends: users, members, roles, channels, guilds."""

from __future__ import annotations

from typing import Final

from voltricx.testing.discord._base import DiscordState
from voltricx.testing.discord._records import JSON, FakeGuild, VoiceStateRecord
from voltricx.testing.discord.chat import FakeUser

__all__: list[str] = []

JOINED_AT: Final = "2024-01-01T00:00:00.000000+00:00"
ALL_PERMISSIONS: Final = str((1 << 50) - 1)
DEFAULT_PERMISSIONS: Final = "1071698660929"


class PayloadsMixin(DiscordState):
    """Builds the Discord payloads of the scripted guilds and users."""

    def _own_user_payload(self) -> JSON:
        user = self._user_payload()
        user.update(
            {
                "verified": True,
                "mfa_enabled": False,
                "email": None,
                "locale": "en-US",
                "banner": None,
                "accent_color": None,
            }
        )
        return user

    def _application_payload(self) -> JSON:
        owner = {
            "id": str(self.owner_id),
            "username": "fake-owner",
            "discriminator": "0",
            "global_name": None,
            "avatar": None,
            "flags": 0,
            "public_flags": 0,
        }
        return {
            "id": str(self.application_id),
            "name": self.bot_name,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": owner,
            "team": None,
            "verify_key": "0" * 64,
            "flags": 0,
            "tags": [],
            "rpc_origins": [],
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "approximate_guild_count": len(self._member_of),
            "bot": self._user_payload(),
        }

    @staticmethod
    def _role_payload(
        role_id: int, name: str, position: int, permissions: str, *, bot_id: int | None = None
    ) -> JSON:
        role: JSON = {
            "id": str(role_id),
            "name": name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": position,
            "permissions": permissions,
            "managed": bot_id is not None,
            "mentionable": False,
            "flags": 0,
        }
        if bot_id is not None:
            role["tags"] = {"bot_id": str(bot_id)}
        return role

    def _roles_payload(self, guild: FakeGuild) -> list[JSON]:
        return [
            self._role_payload(guild.everyone_role_id, "@everyone", 0, DEFAULT_PERMISSIONS),
            self._role_payload(
                guild.bot_role_id, self.bot_name, 1, ALL_PERMISSIONS, bot_id=self.bot_id
            ),
        ]

    def _channels_payload(self, guild: FakeGuild) -> list[JSON]:
        common: JSON = {
            "guild_id": str(guild.id),
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "rate_limit_per_user": 0,
            "last_message_id": None,
            "flags": 0,
        }
        text: JSON = {
            **common,
            "id": str(guild.text_channel_id),
            "type": 0,
            "name": "general",
            "position": 0,
            "topic": None,
            "last_pin_timestamp": None,
            "default_auto_archive_duration": 1440,
        }
        voice = [
            {
                **common,
                "id": str(channel_id),
                "type": 2,
                "name": f"Voice {n}",
                "position": n,
                "bitrate": 64000,
                "user_limit": 0,
                "rtc_region": None,
                "video_quality_mode": 1,
            }
            for n, channel_id in enumerate(guild.voice_channel_ids, start=1)
        ]
        return [text, *voice]

    def _member_payload(self, guild: FakeGuild) -> JSON:
        # Optional fields (premium_since, communication_disabled_until, ...) are
        # omitted rather than null: discord.py converts some of them with int().
        return {
            "user": self._user_payload(),
            "nick": None,
            "avatar": None,
            "roles": [str(guild.bot_role_id)],
            "joined_at": JOINED_AT,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
        }

    def _voice_state_payload(self, guild: FakeGuild, state: VoiceStateRecord) -> JSON:
        return {
            "guild_id": str(guild.id),
            "channel_id": str(state.channel_id) if state.channel_id is not None else None,
            "user_id": str(self.bot_id),
            "member": self._member_payload(guild),
            "session_id": state.session_id,
            "deaf": False,
            "mute": False,
            "self_deaf": state.self_deaf,
            "self_mute": state.self_mute,
            "self_stream": False,
            "self_video": False,
            "suppress": False,
            "request_to_speak_timestamp": None,
        }

    def _guild_payload(self, guild: FakeGuild) -> JSON:
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "icon_hash": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "widget_enabled": False,
            "widget_channel_id": None,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": self._roles_payload(guild),
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": str(guild.text_channel_id),
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "max_presences": None,
            "max_members": 250000,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "public_updates_channel_id": None,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "safety_alerts_channel_id": None,
        }

    def _guild_create_payload(self, guild: FakeGuild) -> JSON:
        payload = self._guild_payload(guild)
        state = self._voice.get(guild.id)
        payload.update(
            {
                "joined_at": JOINED_AT,
                "large": False,
                "unavailable": False,
                "member_count": 1 + len(self.chat.users),
                "members": [
                    self._member_payload(guild),
                    *(user.member_payload() for user in self.chat.users.values()),
                ],
                "channels": self._channels_payload(guild),
                "threads": [],
                "presences": [],
                "voice_states": [
                    *([self._voice_state_payload(guild, state)] if state else []),
                    *(
                        self._user_voice_payload(guild, self.chat.users[user_id], channel_id)
                        for (guild_id, user_id), channel_id in self._user_voice.items()
                        if guild_id == guild.id
                    ),
                ],
                "stage_instances": [],
                "guild_scheduled_events": [],
                "soundboard_sounds": [],
            }
        )
        return payload

    def _gateway_bot_payload(self) -> JSON:
        return {
            "url": self.gateway_url,
            "shards": self.shard_count,
            "session_start_limit": {
                "total": 1000,
                "remaining": 1000,
                "reset_after": 86_400_000,
                "max_concurrency": min(self.shard_count, 16),
            },
        }

    def _user_voice_payload(self, guild: FakeGuild, user: FakeUser, channel_id: int | None) -> JSON:
        return {
            "guild_id": str(guild.id),
            "channel_id": str(channel_id) if channel_id is not None else None,
            "user_id": str(user.id),
            "member": user.member_payload(),
            "session_id": f"user-voice-{user.id}",
            "deaf": False,
            "mute": False,
            "self_deaf": False,
            "self_mute": False,
            "self_stream": False,
            "self_video": False,
            "suppress": False,
            "request_to_speak_timestamp": None,
        }
