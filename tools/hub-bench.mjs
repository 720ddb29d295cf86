// Hub benchmark (not a test): RSS per idle Pusher connection and fan-out
// latency of one Redis broadcast to N subscribers of one channel.
//   node tools/hub-bench.mjs [connections=2000]
import fs from "node:fs";
import WebSocket from "ws";
import { startServer, waitFor } from "../tests/integration/lib/harness.mjs";
import { startRedis } from "../tests/integration/lib/redis.mjs";

const N = Number(process.argv[2] || 2000);
const rssKb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))[1]);

const redis = await startRedis();
const server = await startServer({ env: { REDIS_HOST: "127.0.0.1", REDIS_PORT: String(redis.port), LOG_LEVEL: "info" } });
await waitFor(async () => (await (await fetch(`${server.url}/health`)).json()).broadcast_redis === "subscribed", 10000, "subscribed");
const before = rssKb(server.proc.pid);
let subscribed = 0;
let received = 0;
let t0 = 0;
const latencies = [];
const sockets = [];
for (let i = 0; i < N; i++) {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/app/dev-key?protocol=7`);
  ws.on("message", (m) => {
    const msg = JSON.parse(m.toString());
    if (msg.event === "pusher:connection_established") ws.send(JSON.stringify({ event: "pusher:subscribe", data: { channel: "bench" } }));
    else if (msg.event === "pusher_internal:subscription_succeeded") subscribed++;
    else if (msg.event === "tick") { received++; latencies.push(performance.now() - t0); }
  });
  sockets.push(ws);
}
await waitFor(() => subscribed === N, 60000, "all subscribed");
const after = rssKb(server.proc.pid);
const rounds = 5;
const fanout = [];
for (let r = 0; r < rounds; r++) {
  received = 0;
  latencies.length = 0;
  t0 = performance.now();
  await redis.command("PUBLISH", "laravel_database_bench", JSON.stringify({ event: "tick", data: { r }, socket: null }));
  await waitFor(() => received === N, 30000, "fan-out");
  latencies.sort((a, b) => a - b);
  fanout.push({ p50: latencies[Math.floor(N / 2)], max: latencies[N - 1] });
}
console.log(JSON.stringify({
  connections: N,
  rss_before_kb: before,
  rss_after_kb: after,
  rss_per_connection_kb: ((after - before) / N).toFixed(2),
  fanout_ms: fanout.map((f) => ({ p50: f.p50.toFixed(1), last: f.max.toFixed(1) })),
}, null, 1));
for (const ws of sockets) ws.terminate();
await server.stop();
await redis.destroy();
