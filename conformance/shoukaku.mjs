// Shoukaku 4.3.0, unmodified, against FakeLavalink (both profiles).
import { Connector, Shoukaku } from "shoukaku";
import { assert, CHANNEL, control, env, fakePlayer, GUILD, nodelink, run, step, until, USER_ID, voicePackets } from "./common.mjs";

// A Discord library stand-in: op 4 is answered with Discord's two voice events.
class FakeDiscordConnector extends Connector {
  getId() {
    return USER_ID;
  }
  sendPacket(shardId, payload) {
    if (payload.op !== 4 || payload.d.channel_id === null) return;
    setTimeout(() => voicePackets(payload.d.guild_id, payload.d.channel_id).forEach((p) => this.raw(p)), 0);
  }
  listen(nodes) {
    setTimeout(() => this.ready(nodes), 0);
  }
}

run(async () => {
  const ready = [];
  const shoukaku = new Shoukaku(
    new FakeDiscordConnector({}),
    [{ name: "fake", url: `127.0.0.1:${env.port}`, auth: env.password }],
    { resume: !nodelink, resumeTimeout: 60, reconnectTries: 100, reconnectInterval: 0.1, moveOnDisconnect: false },
  );
  shoukaku.on("ready", (name, resumed) => ready.push(resumed));
  shoukaku.on("error", () => {}); // connection errors while the node is killed are expected
  // Shoukaku 4.3.0 throws away a reconnect that succeeds after a failed attempt
  // (connectError is never cleared: shipgirlproject/Shoukaku#247), drops the node
  // from its map and stops trying. Whether an attempt falls between kill and
  // restart is a matter of timing, so when it gives up that way during the
  // restart step the script puts the node back and connects it again, as a bot
  // with that version has to.
  let restarting = false;
  await until(() => ready.length === 1, "ready");
  const node = shoukaku.nodes.get("fake");
  const firstSession = node.sessionId;
  node.on("disconnect", () => {
    if (!restarting) return;
    console.log("note: reconnected by hand (Shoukaku#247)");
    shoukaku.nodes.set(node.name, node);
    setTimeout(() => void node.connect().catch(() => {}), 0);
  });
  step("connect");

  const info = await node.rest.getLavalinkInfo();
  assert.equal(info.version.semver, env.version);
  const stats = await node.rest.stats();
  assert.equal(stats.players, 0);
  assert.equal("frameStats" in stats, nodelink);
  if (nodelink) {
    await assert.rejects(node.rest.getRoutePlannerStatus(), /route was not found|404/i);
  } else {
    assert.equal((await node.rest.getRoutePlannerStatus()).class, "RotatingIpRoutePlanner");
  }
  step("info, stats, route planner");

  const search = await node.rest.resolve("ytsearch:conformance");
  assert.equal(search.loadType, "search");
  assert.equal(search.data.length, 10);
  assert.equal((await node.rest.resolve(env.smallPlaylist)).loadType, "playlist");
  assert.equal((await node.rest.resolve(search.data[0].info.uri)).loadType, "track");
  assert.equal((await node.rest.resolve("ytsearch:nomatch")).loadType, "empty");
  assert.equal((await node.rest.resolve("ytsearch:error")).loadType, "error");
  if (nodelink) {
    // Shoukaku asks /v4/decodetrack?track=..., which real NodeLink 2.3.0 refuses (400).
    await assert.rejects(node.rest.decode(search.data[0].encoded), /No track to decode/);
  } else {
    const decoded = await node.rest.decode(search.data[0].encoded);
    assert.equal(decoded.info.title, search.data[0].info.title);
  }
  step("every load type, decode");

  const player = await shoukaku.joinVoiceChannel({ guildId: GUILD, channelId: CHANNEL, shardId: 0 });
  const events = [];
  for (const name of ["start", "end", "exception", "stuck", "closed"]) player.on(name, (data) => events.push([name, data]));
  const server = await until(async () => (await fakePlayer())?.connected && (await fakePlayer()), "voice on the server");
  assert.equal(server.connected, true);
  step("voice with channelId");

  await player.playTrack({ track: { encoded: search.data[0].encoded } });
  await until(() => events.some(([name]) => name === "start"), "TrackStartEvent");
  await player.setPaused(true);
  assert.equal((await fakePlayer()).paused, true);
  await player.setPaused(false);
  await player.seekTo(30000);
  assert.ok((await fakePlayer()).position >= 30000);
  await player.setGlobalVolume(150);
  assert.equal((await fakePlayer()).volume, 150);
  await player.setTimescale({ speed: 1.25 });
  assert.equal((await fakePlayer()).filters.timescale.speed, 1.25);
  await player.clearFilters(); // sends every filter as null: "off"
  const cleared = (await fakePlayer()).filters;
  assert.equal(cleared.timescale, undefined);
  assert.equal(cleared.karaoke, undefined);
  await player.playTrack({ track: { encoded: search.data[1].encoded } });
  await until(() => events.some(([name, data]) => name === "end" && data.reason === "replaced"), "TrackEndEvent(replaced)");
  step("play, pause, seek, volume, filters, events");

  restarting = true;
  await control("POST", "/kill");
  await control("POST", "/restart");
  // A connection thrown away by that bug may still have delivered its ready, so
  // the step waits for the node to be connected and reads the last ready.
  await until(() => ready.length >= 2 && node.state === 1, "ready after restart", 20000);
  restarting = false;
  const resumedAfterRestart = ready[ready.length - 1];
  if (nodelink) {
    assert.equal(resumedAfterRestart, false);
    assert.notEqual(node.sessionId, firstSession);
  } else {
    assert.equal(resumedAfterRestart, true);
    assert.equal(node.sessionId, firstSession);
    assert.equal((await fakePlayer()).session, firstSession);
  }
  step("kill, restart, resume with Session-Id");

  if (!nodelink) {
    await shoukaku.leaveVoiceChannel(GUILD);
    await until(async () => (await fakePlayer()) === null, "player destroyed");
    step("destroy");
  }
  for (const n of shoukaku.nodes.values()) n.disconnect(1000, "done");
});
