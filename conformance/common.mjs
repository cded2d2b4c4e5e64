// Shared helpers for the conformance clients: the environment run.py sets, a
// control channel to the fake, and small bounded waits (no fixed sleeps).
import assert from "node:assert/strict";

export const env = {
  port: Number(process.env.FAKE_PORT),
  password: process.env.FAKE_PASSWORD,
  profile: process.env.FAKE_PROFILE,
  version: process.env.FAKE_VERSION,
  voiceEndpoint: process.env.VOICE_ENDPOINT,
  control: process.env.CONTROL_URL,
  smallPlaylist: process.env.SMALL_PLAYLIST_URL,
};
export const nodelink = env.profile === "nodelink";
export const USER_ID = "170000000000000001";
export const GUILD = "300000000000000000";
export const CHANNEL = "400000000000000001";
export { assert };

export async function control(method, path) {
  const response = await fetch(env.control + path, { method });
  return response.json();
}

export const fakePlayer = (guild = GUILD) => control("GET", `/player/${guild}`);

// Resolve when check() is truthy; re-checked on every emitted event and every 20 ms.
export function until(check, what, timeoutMs = 15000) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = async () => {
      let value;
      try {
        value = await check();
      } catch (error) {
        return reject(error);
      }
      if (value) return resolve(value);
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

export function step(name) {
  console.log(`ok ${name}`);
}

// Answer a voice join (gateway op 4) the way Discord does: a state and a server update.
export function voicePackets(guildId, channelId) {
  return [
    {
      t: "VOICE_STATE_UPDATE",
      d: { guild_id: guildId, channel_id: channelId, user_id: USER_ID, session_id: "voice-session", self_deaf: false, self_mute: false },
    },
    { t: "VOICE_SERVER_UPDATE", d: { guild_id: guildId, token: "voice-token", endpoint: env.voiceEndpoint } },
  ];
}

export function run(main) {
  const timer = setTimeout(() => {
    console.error("FAIL: no result within 50 s");
    process.exit(2);
  }, 50000);
  main().then(
    () => {
      clearTimeout(timer);
      process.exit(0);
    },
    (error) => {
      console.error("FAIL:", error?.stack ?? error);
      process.exit(1);
    },
  );
}
