// lavalink-client 2.11.0 (npm), unmodified, against FakeLavalink (both profiles).
import { LavalinkManager } from "lavalink-client";
import { assert, CHANNEL, control, env, fakePlayer, GUILD, nodelink, run, step, until, USER_ID, voicePackets } from "./common.mjs";

// lavalink-client sends the bot's username as Client-Name; NodeLink refuses any value that is
// not NAME/VERSION (a real server's rule), so the username here has that form.
const CLIENT_NAME = "conformance/1.0";

function makeManager(sessionId) {
  const manager = new LavalinkManager({
    nodes: [{ id: "fake", host: "127.0.0.1", port: env.port, authorization: env.password, retryAmount: 200, retryDelay: 100, sessionId,
      // The fake answers ytsearch: on every profile; NodeLink lists no youtube source.
      autoChecks: { sourcesValidations: false, pluginValidations: false } }],
    // A Discord library stand-in: op 4 is answered with Discord's two voice events.
    sendToShard: (guildId, payload) => {
      if (payload.op !== 4 || payload.d.channel_id === null) return;
      setTimeout(() => voicePackets(payload.d.guild_id, payload.d.channel_id).forEach((p) => manager.sendRawData(p)), 0);
    },
    client: { id: USER_ID, username: CLIENT_NAME },
    autoSkip: false,
  });
  manager.nodeManager.on("error", () => {}); // connection errors while the node is killed are expected
  return manager;
}

run(async () => {
  const log = [];
  const manager = makeManager(undefined);
  manager.nodeManager.on("connect", () => log.push("connect"));
  manager.nodeManager.on("resumed", () => log.push("resumed"));
  manager.nodeManager.on("disconnect", () => log.push("disconnect"));
  manager.on("trackStart", (player, track) => log.push(`start:${track?.encoded}`));
  manager.on("trackEnd", (player, track, payload) => log.push(`end:${payload.reason}`));
  await manager.init({ id: USER_ID, username: CLIENT_NAME });
  const node = manager.nodeManager.nodes.get("fake");
  await until(() => node.sessionId, "ready");
  const firstSession = node.sessionId;
  step("connect");

  const info = await node.fetchInfo();
  assert.equal(info.version.semver, env.version);
  const stats = await node.fetchStats();
  assert.equal(stats.players, 0);
  assert.equal(await node.fetchVersion(), env.version);
  if (nodelink) {
    await assert.rejects(node.routePlannerApi.getStatus());
  } else {
    assert.equal((await node.routePlannerApi.getStatus()).class, "RotatingIpRoutePlanner");
  }
  step("info, stats, version, route planner");

  const search = await node.search({ query: "conformance", source: "ytsearch" }, "tester");
  assert.equal(search.loadType, "search");
  assert.equal(search.tracks.length, 10);
  assert.equal((await node.search(env.smallPlaylist, "tester")).loadType, "playlist");
  assert.equal((await node.search(search.tracks[0].info.uri, "tester")).loadType, "track");
  assert.equal((await node.search({ query: "nomatch", source: "ytsearch" }, "tester")).loadType, "empty");
  const failed = await node.search({ query: "error", source: "ytsearch" }, "tester");
  assert.equal(failed.loadType, "error");
  const decoded = await node.decode.singleTrack(search.tracks[0].encoded, "tester");
  assert.equal(decoded.info.title, search.tracks[0].info.title);
  const many = await node.decode.multipleTracks(search.tracks.slice(0, 3).map((t) => t.encoded), "tester");
  assert.equal(many.length, 3);
  step("every load type, decode");

  const player = manager.createPlayer({ guildId: GUILD, voiceChannelId: CHANNEL, node: "fake", volume: 100 });
  await player.connect();
  await until(async () => (await fakePlayer())?.connected, "voice on the server");
  step("voice with channelId");

  await player.queue.add(search.tracks[0]);
  await player.play();
  await until(() => log.includes(`start:${search.tracks[0].encoded}`), "TrackStartEvent");
  await player.pause();
  assert.equal((await fakePlayer()).paused, true);
  await player.resume();
  await player.seek(30000);
  assert.ok((await fakePlayer()).position >= 30000);
  await player.setVolume(150);
  assert.equal((await fakePlayer()).volume, 150);
  await player.filterManager.setSpeed(1.25);
  assert.equal((await fakePlayer()).filters.timescale.speed, 1.25);
  await player.filterManager.resetFilters();
  assert.equal((await fakePlayer()).filters.timescale, undefined);
  await player.play({ clientTrack: search.tracks[1] });
  await until(() => log.includes("end:replaced"), "TrackEndEvent(replaced)");
  step("play, pause, seek, volume, filters, events");

  await player.destroy();
  await until(async () => (await fakePlayer()) === null, "player destroyed");
  step("destroy");

  // lavalink-client reconnects without Session-Id; it resumes when given the session id
  // (a restarted bot), so the second half is a new manager with that option.
  const other = manager.createPlayer({ guildId: "300000000000000002", voiceChannelId: CHANNEL, node: "fake" });
  await other.connect();
  await until(async () => (await fakePlayer("300000000000000002"))?.connected, "second player's voice");
  if (!nodelink) await node.updateSession(true, 60);
  await control("POST", "/kill");
  await until(() => log.includes("disconnect"), "disconnect");
  node.destroy("bot restarts", true, false);
  await control("POST", "/restart");
  const again = makeManager(firstSession);
  again.nodeManager.on("resumed", () => log.push("resumed-again"));
  await again.init({ id: USER_ID, username: CLIENT_NAME });
  const node2 = again.nodeManager.nodes.get("fake");
  if (nodelink) {
    await until(() => node2.sessionId && node2.sessionId !== firstSession && node2.connected, "a new session", 20000);
    assert.equal(await fakePlayer("300000000000000002"), null);
  } else {
    await until(() => log.includes("resumed-again"), "resumed", 20000);
    assert.equal(node2.sessionId, firstSession);
    assert.equal((await fakePlayer("300000000000000002")).session, firstSession);
  }
  step("kill, restart, resume with Session-Id");

  node2.destroy("done", true, false);
});
