// Hub benchmark (not a test): idle Pusher connections held by one roomcastd
// (RSS per connection) and fan-out of one Laravel Redis broadcast to S
// subscribers of one channel (deliveries/s, p50/p95 delivery latency), with
// the load client's CPU reported beside the server's.
//
//   node tools/hub-bench.mjs [--idle 10000] [--fanout 1000,5000] [--workers 4]
//                            [--rounds 20] [--burst 20]
//
// Cluster mode: the same C Pusher connections (all subscribed to one
// channel) held by one node, then spread evenly over N nodes on one Redis;
// each round one event published through the first node's Pusher HTTP API
// reaches all C (on the other nodes through the hub's cluster channel):
// p50/p95 delivery latency of both setups, in the same invocation.
//
//   node tools/hub-bench.mjs --cluster 3 [--connections 10000] [--rounds 20]
//                            [--workers 4]
//
// The clients are --workers node processes (forked from this file), so that
// 10,000 sockets fit and one node event loop is not the bottleneck; the
// soft open-files limit is raised to the hard one (re-executing under
// `ulimit -n`) when it is too low for the daemon or a worker.
//
// Latency = receipt time in a worker minus the publish time the event
// carries (performance.timeOrigin + now(): the same wall clock in every
// process). Everything runs on this machine, so the client's CPU competes
// with the daemon's; both are printed (CPU seconds and % of one core).
import { fork, spawnSync, spawn } from "node:child_process";
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";

const self = fileURLToPath(import.meta.url);
const now = () => performance.timeOrigin + performance.now();

/* --- worker: holds a share of the connections ----------------------------- */

if (process.argv[2] === "--worker") {
  const conns = []; // { ws, subscribed: Set }
  let expect = 0;
  let latencies = [];
  let pending = null; // subscription waiters: channel -> { left, resolve }

  function open(port, n, channel) {
    return new Promise((resolve, reject) => {
      let ready = 0;
      for (let i = 0; i < n; i++) {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/app/dev-key?protocol=7&client=js&version=8.6.0`,
          { perMessageDeflate: false });
        const c = { ws, subscribed: new Set() };
        ws.on("message", (m) => {
          const msg = JSON.parse(m.toString());
          if (msg.event === "tick") {
            latencies.push(now() - JSON.parse(msg.data).t);
            if (latencies.length === expect) process.send({ done: latencies });
          } else if (msg.event === "pusher:ping") {
            ws.send(JSON.stringify({ event: "pusher:pong", data: {} })); // as pusher-js does
          } else if (msg.event === "pusher:connection_established") {
            ws.send(JSON.stringify({ event: "pusher:subscribe", data: { channel } }));
          } else if (msg.event === "pusher_internal:subscription_succeeded") {
            c.subscribed.add(msg.channel);
            if (msg.channel === channel && ++ready === n) resolve();
            const w = pending?.[msg.channel];
            if (w && --w.left === 0) w.resolve();
          }
        });
        ws.on("error", reject);
        ws.on("close", (code) => { if (process.env.HUB_BENCH_VERBOSE) console.error(`closed ${code}`); });
        ws.on("unexpected-response", (req, res) => console.error(`HTTP ${res.statusCode}`));
        conns.push(c);
      }
    });
  }

  process.on("message", async (cmd) => {
    if (cmd.cmd === "open") {
      // In slices (cmd.slice in flight per worker), so that the listen
      // backlog never overflows into SYN retries of 1, 3, 7 s...
      for (let done = 0; done < cmd.n; done += cmd.slice) {
        await open(cmd.port, Math.min(cmd.slice, cmd.n - done), cmd.channel);
        if (process.env.HUB_BENCH_VERBOSE)
          console.error(`${new Date().toISOString()} worker ${process.pid}: ${conns.length} open`);
      }
      process.send({ opened: conns.length });
    } else if (cmd.cmd === "subscribe") {
      const todo = conns.slice(0, cmd.count);
      await new Promise((resolve) => {
        if (todo.length === 0) return resolve();
        pending = { [cmd.channel]: { left: todo.length, resolve } };
        for (const c of todo)
          c.ws.send(JSON.stringify({ event: "pusher:subscribe", data: { channel: cmd.channel } }));
      });
      process.send({ subscribed: todo.length });
    } else if (cmd.cmd === "expect") {
      expect = cmd.count;
      latencies = [];
      process.send({ expecting: expect });
      if (expect === 0) process.send({ done: [] });
    } else if (cmd.cmd === "cpu") {
      const u = process.cpuUsage();
      process.send({ cpu: (u.user + u.system) / 1e6 });
    } else if (cmd.cmd === "close") {
      for (const c of conns) c.ws.terminate();
      process.exit(0);
    }
  });
  process.on("disconnect", () => process.exit(0)); // the parent is gone
  process.send({ ready: true });
} else if (process.argv.includes("--cluster")) {
  await clusterMain();
} else {
  await main();
}

/* --- parent ---------------------------------------------------------------- */

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

// Raise the soft open-files limit to @needFds by re-running this script
// under `ulimit -n`; TRUE when the caller must stop (the child runs).
function raiseFileLimit(needFds) {
  const soft = Number(spawnSync("sh", ["-c", "ulimit -n"]).stdout.toString());
  const hard = spawnSync("sh", ["-c", "ulimit -Hn"]).stdout.toString().trim();
  if (soft >= needFds || process.env.HUB_BENCH_ULIMIT) return false;
  if (hard !== "unlimited" && Number(hard) < needFds) {
    console.error(`open-files hard limit ${hard} < ${needFds}: ask for fewer connections or raise it`);
    process.exit(2);
  }
  const limit = hard === "unlimited" ? needFds : hard;
  const child = spawn("sh", ["-c", `ulimit -n ${limit} && exec "$0" "$@"`, process.execPath, self,
    ...process.argv.slice(2)], { stdio: "inherit", env: { ...process.env, HUB_BENCH_ULIMIT: "1" } });
  child.on("exit", (code) => process.exit(code ?? 1));
  return true;
}

// Forked clients and a request/answer helper over IPC.
function forkWorkers(n) {
  const workers = [];
  for (let i = 0; i < n; i++) {
    const w = fork(self, ["--worker"], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    w.inbox = [];
    w.waiters = [];
    w.on("message", (m) => {
      const k = w.waiters.findIndex((x) => x.key in m);
      if (k >= 0) w.waiters.splice(k, 1)[0].resolve(m);
      else w.inbox.push(m);
    });
    workers.push(w);
  }
  const reply = (w, key) => {
    const k = w.inbox.findIndex((m) => key in m);
    if (k >= 0) return Promise.resolve(w.inbox.splice(k, 1)[0]);
    return new Promise((resolve) => w.waiters.push({ key, resolve }));
  };
  const all = (cmd, key) => Promise.all(workers.map((w) => { if (cmd) w.send(cmd); return reply(w, key); }));
  const share = (total, i) => Math.floor(total / n) + (i < total % n ? 1 : 0);
  const close = async () => {
    for (const w of workers) w.send({ cmd: "close" });
    await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode !== null ? r() : w.once("exit", r)))));
  };
  return { workers, reply, all, share, close };
}

function pctl(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function procCpu(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, seconds (USER_HZ 100)
}

async function clusterMain() {
  const NODES = Number(arg("cluster", 3));
  const C = Number(arg("connections", 10000));
  const WORKERS = Number(arg("workers", 4));
  const ROUNDS = Number(arg("rounds", 20));
  if (raiseFileLimit(C + 512)) return;
  const { startServer, waitFor } = await import("../tests/integration/lib/harness.mjs");
  const { startRedis } = await import("../tests/integration/lib/redis.mjs");
  const { pusherApi } = await import("../tests/integration/lib/pusher.mjs");
  const redis = await startRedis();
  const load = () => fs.readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  const result = { date: new Date().toISOString(), connections: C, rounds: ROUNDS, workers: WORKERS, runs: [] };

  for (const n of [1, NODES]) {
    const nodes = await Promise.all(Array.from({ length: n }, (_, i) => startServer({
      env: { REDIS_HOST: "127.0.0.1", REDIS_PORT: String(redis.port), LOG_LEVEL: "info",
             HTTP_MAX_CONNECTIONS_PER_IP: "0", WORKER_ID: `bench-${n}-${i}` },
    })));
    for (const node of nodes)
      await waitFor(async () => (await (await fetch(`${node.url}/health`)).json()).hub_cluster === "subscribed",
        10000, "cluster channel");
    const run = { nodes: n, loadavg_at_start: load() };
    const { workers, reply, all, share, close } = forkWorkers(WORKERS);
    await all(null, "ready");
    // Each worker spreads its connections evenly over the nodes.
    let t = now();
    await Promise.all(workers.map(async (w, i) => {
      const mine = share(C, i);
      for (let j = 0; j < n; j++) {
        const k = Math.floor(mine / n) + (j < mine % n ? 1 : 0);
        if (k === 0) continue;
        w.send({ cmd: "open", port: nodes[j].port, n: k, channel: "all", slice: Math.ceil(200 / WORKERS) });
        await reply(w, "opened");
      }
    }));
    run.connect_and_subscribe_s = +((now() - t) / 1000).toFixed(1);
    // The cluster's count (Redis), asked of the first node, says all are in.
    const subs = async () => (await pusherApi(nodes[0], "GET", "/apps/dev/channels/all", undefined,
      { query: { info: "subscription_count" } })).body.subscription_count;
    await waitFor(async () => (await subs()) === C, 60000, "every subscription counted");
    run.subscription_count_reported = await subs();

    const lat = [];
    const lastOfRound = [];
    const rounds = []; // per round: the last receipt (ms)
    const cpu0 = nodes.map((x) => procCpu(x.proc.pid));
    t = now();
    for (let r = 0; r < ROUNDS; r++) {
      await Promise.all(workers.map((w, i) => { w.send({ cmd: "expect", count: share(C, i) }); return reply(w, "expecting"); }));
      await pusherApi(nodes[0], "POST", "/apps/dev/events",
        { name: "tick", channel: "all", data: JSON.stringify({ t: now(), r }) });
      const round = (await all(null, "done")).flatMap((d) => d.done);
      lat.push(...round);
      lastOfRound.push(Math.max(...round));
      rounds.push(Math.round(Math.max(...round)));
      await new Promise((res) => setTimeout(res, 50));
    }
    const wall = (now() - t) / 1000;
    lat.sort((a, b) => a - b);
    lastOfRound.sort((a, b) => a - b);
    run.latency_ms = { p50: +pctl(lat, 50).toFixed(1), p95: +pctl(lat, 95).toFixed(1), max: +lat[lat.length - 1].toFixed(1) };
    run.deliveries = lat.length;
    run.last_receipt_ms_median_of_rounds = +pctl(lastOfRound, 50).toFixed(1);
    run.rounds_cpu_s_per_node = nodes.map((x, i) => +(procCpu(x.proc.pid) - cpu0[i]).toFixed(2));
    run.rounds_wall_s = +wall.toFixed(1);
    run.last_receipt_ms_per_round = rounds;
    result.runs.push(run);
    console.error(JSON.stringify(run));
    await close();
    for (const node of nodes) await node.stop();
  }
  const [one, many] = result.runs;
  result.p95_cluster_over_single = +(many.latency_ms.p95 / one.latency_ms.p95).toFixed(2);
  result.p50_cluster_over_single = +(many.latency_ms.p50 / one.latency_ms.p50).toFixed(2);
  console.log(JSON.stringify(result, null, 1));
  await redis.destroy();
}

async function main() {
  const IDLE = Number(arg("idle", 10000));
  const FANOUT = String(arg("fanout", "1000,5000")).split(",").map(Number).filter((n) => n > 0);
  const WORKERS = Number(arg("workers", 4));
  const ROUNDS = Number(arg("rounds", 20));
  const BURST = Number(arg("burst", 20));
  const needFds = IDLE + 512;

  // Open files: the daemon holds IDLE sockets; raise the soft limit once.
  if (raiseFileLimit(needFds)) return;
  if (Math.max(...FANOUT, 0) > IDLE) {
    console.error("--fanout sizes must not exceed --idle (subscribers are idle connections)");
    process.exit(2);
  }

  const { startServer, waitFor } = await import("../tests/integration/lib/harness.mjs");
  const { startRedis } = await import("../tests/integration/lib/redis.mjs");
  const procStat = procCpu;
  const rssKb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))[1]);

  const redis = await startRedis();
  const server = await startServer({
    // Thousands of connections from one address: no per-address limit.
    env: { REDIS_HOST: "127.0.0.1", REDIS_PORT: String(redis.port), LOG_LEVEL: "info",
           HTTP_MAX_CONNECTIONS_PER_IP: "0" },
  });
  const pid = server.proc.pid;
  // A stuck phase prints the daemon's last words instead of hanging.
  const watchdog = setTimeout(() => {
    console.error("hub-bench: stuck; daemon log tail:\n" + server.logs().slice(-3000));
    server.proc.kill("SIGKILL");
    redis.destroy().finally(() => process.exit(3));
  }, Number(process.env.HUB_BENCH_TIMEOUT_S || 400) * 1000);
  await waitFor(async () => (await (await fetch(`${server.url}/health`)).json()).broadcast_redis === "subscribed",
    10000, "Redis subscriber");

  const { workers, reply, all, share, close } = forkWorkers(WORKERS);
  const clientCpu = async () => (await all({ cmd: "cpu" }, "cpu")).reduce((s, m) => s + m.cpu, 0) +
    (process.cpuUsage().user + process.cpuUsage().system) / 1e6;
  await all(null, "ready");

  const load = fs.readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  const result = { date: new Date().toISOString(), machine: { cpus: (await import("node:os")).cpus().length, loadavg_at_start: load }, workers: WORKERS };

  // 1. Idle connections, each subscribed to one public channel.
  await new Promise((r) => setTimeout(r, 1000));
  const rssBefore = rssKb(pid);
  let t = now(), sCpu = procStat(pid), cCpu = await clientCpu();
  await Promise.all(workers.map((w, i) => {
    w.send({ cmd: "open", port: server.port, n: share(IDLE, i), channel: "idle",
             slice: Math.ceil(200 / WORKERS) });
    return reply(w, "opened");
  }));
  const connectS = (now() - t) / 1000;
  const connectCpu = { server_s: procStat(pid) - sCpu, client_s: (await clientCpu()) - cCpu };
  await new Promise((r) => setTimeout(r, 2000));
  const rssIdle = rssKb(pid);
  // Ten seconds of holding them: what idle costs.
  t = now(); sCpu = procStat(pid); cCpu = await clientCpu();
  await new Promise((r) => setTimeout(r, 10000));
  const holdS = (now() - t) / 1000;
  const pct = (cpu, s) => `${((100 * cpu) / s).toFixed(1)}%`;
  const health = await (await fetch(`${server.url}/health`)).json();
  result.idle = {
    connections: health.hub?.connections,
    rss_daemon_alone_mb: +(rssBefore / 1024).toFixed(1),
    rss_with_connections_mb: +(rssIdle / 1024).toFixed(1),
    rss_per_connection_kb: +((rssIdle - rssBefore) / IDLE).toFixed(2),
    connect_and_subscribe_s: +connectS.toFixed(1),
    connect_cpu: { server_s: +connectCpu.server_s.toFixed(2), client_s: +connectCpu.client_s.toFixed(2) },
    holding_10s_cpu: { server: pct(procStat(pid) - sCpu, holdS), client: pct((await clientCpu()) - cCpu, holdS) },
  };

  // 2. Fan-out: S of the idle connections also subscribe to fan-S.
  const publish = (channel, data) => redis.command("PUBLISH", `laravel_database_${channel}`,
    JSON.stringify({ event: "tick", data, socket: null }));
  result.fanout = [];
  for (const S of FANOUT) {
    const channel = `fan-${S}`;
    await Promise.all(workers.map((w, i) => { w.send({ cmd: "subscribe", channel, count: share(S, i) }); return reply(w, "subscribed"); }));
    // One event at a time, ROUNDS times.
    const lat = [];
    const lastOfRound = [];
    t = now(); sCpu = procStat(pid); cCpu = await clientCpu();
    let busy = 0;
    for (let r = 0; r < ROUNDS; r++) {
      await Promise.all(workers.map((w, i) => { w.send({ cmd: "expect", count: share(S, i) }); return reply(w, "expecting"); }));
      const start = now();
      await publish(channel, { t: now(), r });
      const done = await all(null, "done");
      busy += now() - start;
      const round = done.flatMap((d) => d.done);
      lat.push(...round);
      lastOfRound.push(Math.max(...round));
      await new Promise((res) => setTimeout(res, 50));
    }
    const wall = (now() - t) / 1000;
    const roundCpu = { server: procStat(pid) - sCpu, client: (await clientCpu()) - cCpu };
    lat.sort((a, b) => a - b);
    lastOfRound.sort((a, b) => a - b);
    // A burst: BURST events back to back.
    await Promise.all(workers.map((w, i) => { w.send({ cmd: "expect", count: share(S, i) * BURST }); return reply(w, "expecting"); }));
    const b0 = now();
    const bS = procStat(pid), bC = await clientCpu();
    for (let e = 0; e < BURST; e++) await publish(channel, { t: now(), e });
    const burstDone = await all(null, "done");
    const burstS = (now() - b0) / 1000;
    const burstCpu = { server: procStat(pid) - bS, client: (await clientCpu()) - bC };
    const burstLat = burstDone.flatMap((d) => d.done).sort((a, b) => a - b);
    result.fanout.push({
      subscribers: S,
      single_event_rounds: ROUNDS,
      latency_ms: { p50: +pctl(lat, 50).toFixed(1), p95: +pctl(lat, 95).toFixed(1), max: +lat[lat.length - 1].toFixed(1) },
      last_receipt_ms_median_of_rounds: +pctl(lastOfRound, 50).toFixed(1),
      deliveries_per_s_within_one_fanout: Math.round(S / (pctl(lastOfRound, 50) / 1000)),
      // CPU over the whole rounds phase (50 ms pauses included), % of one core.
      rounds_cpu: {
        server_s: +roundCpu.server.toFixed(2), client_s: +roundCpu.client.toFixed(2), wall_s: +wall.toFixed(1),
        server: pct(roundCpu.server, wall), client: pct(roundCpu.client, wall),
        fanout_busy_s: +(busy / 1000).toFixed(2),
      },
      burst: {
        events: BURST,
        deliveries: S * BURST,
        seconds: +burstS.toFixed(2),
        events_per_s: +(BURST / burstS).toFixed(1),
        deliveries_per_s: Math.round((S * BURST) / burstS),
        latency_ms: { p50: +pctl(burstLat, 50).toFixed(1), p95: +pctl(burstLat, 95).toFixed(1) },
        cpu: { server: pct(burstCpu.server, burstS), client: pct(burstCpu.client, burstS) },
      },
    });
  }
  result.rss_after_fanout_mb = +(rssKb(pid) / 1024).toFixed(1);
  clearTimeout(watchdog);
  console.log(JSON.stringify(result, null, 1));

  await close();
  await server.stop();
  await redis.destroy();
}
