// A cluster of roomcastd nodes on one real redis-server, and a client that
// follows room_elsewhere as data/web/roomcast-client.js does
// (docs/operations.md#several-nodes).
//
//   const cluster = await startCluster(3, { env });
//   const { socket, node } = await joinFollowing(cluster.urls()[0], "dev:1:A", roomId);
//   await cluster.stop();
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { SOURCE_ROOT, startServer, connect, request, waitFor } from "./harness.mjs";
import { startRedis } from "./redis.mjs";

// Start @n nodes named n1..n@n on one Redis (started here unless given).
export async function startCluster(n, { env = {}, redis } = {}) {
  const ownRedis = !redis;
  redis ??= await startRedis();
  const base = { REDIS_HOST: "127.0.0.1", REDIS_PORT: String(redis.port), ...env };
  const nodes = await Promise.all(Array.from({ length: n }, (_, i) =>
    startServer({ env: { ...base, WORKER_ID: `n${i + 1}` } })));
  for (const node of nodes) node.id = `n${nodes.indexOf(node) + 1}`;
  const cluster = {
    redis,
    nodes,
    env: base,
    urls: () => cluster.nodes.filter((s) => s.proc.exitCode === null && s.proc.signalCode === null).map((s) => s.url),
    byUrl: (url) => cluster.nodes.find((s) => s.url === url),
    // Another node, named @id (a restart, or a duplicate).
    start: (id, extraEnv = {}) => startServer({ env: { ...base, WORKER_ID: id, ...extraEnv } }),
    async stop() {
      for (const node of cluster.nodes) await node.stop("SIGKILL");
      if (ownRedis) await redis.destroy();
    },
  };
  // Every node sees every other in Redis before the tests start.
  await waitFor(async () => {
    const ids = await redis.command("SMEMBERS", "cluster:nodes");
    return nodes.every((s) => ids.includes(s.id));
  }, 10000, "every node registered");
  return cluster;
}

// Connect to @url and join @roomId, following room_elsewhere (at most 3
// times). Resolves with {socket, ack, url, hops}; rejects with a refusal.
export async function joinFollowing(url, token, roomId, opts = {}) {
  for (let hops = 0; hops <= 3; hops++) {
    const socket = await connect({ url }, token, opts);
    const ack = await request(socket, "room:join", { roomId });
    if (ack.ok) return { socket, ack, url, hops };
    socket.close();
    if (ack.error.code !== "room_elsewhere") {
      const err = new Error(`room:join refused: ${ack.error.code}`);
      err.ack = ack;
      throw err;
    }
    url = ack.error.url;
  }
  throw new Error("room_elsewhere more than 3 times");
}

// GET /admin/nodes of @url (--dev: open on loopback).
export async function adminNodes(url) {
  return (await fetch(`${url}/admin/nodes`)).json();
}

// The open rooms of a node (GET /admin/rooms).
export async function adminRooms(url) {
  return (await (await fetch(`${url}/admin/rooms`)).json()).rooms.map((r) => r.id);
}

// data/web/roomcast-client.js (and the modules beside it that it imports) in
// Node: a copy beside a vendor/ module that re-exports socket.io-client's
// Node build in place of the browser bundle.
// Resolves with the RoomcastClient class; cleanup() removes the copy.
export async function loadRoomcastClient() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "roomcast-client-"));
  fs.mkdirSync(path.join(dir, "vendor"));
  for (const name of fs.readdirSync(path.join(SOURCE_ROOT, "data/web"))) {
    if (name.startsWith("roomcast-") && name.endsWith(".js"))
      fs.copyFileSync(path.join(SOURCE_ROOT, "data/web", name), path.join(dir, name));
  }
  const sio = pathToFileURL(path.join(SOURCE_ROOT, "node_modules/socket.io-client/build/esm-debug/index.js"));
  fs.writeFileSync(path.join(dir, "vendor/socket.io.esm.min.js"), `export { io } from "${sio.href}";\n`);
  const { RoomcastClient } = await import(pathToFileURL(path.join(dir, "roomcast-client.js")).href);
  return { RoomcastClient, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
