// Debian's nginx for tests, running the shipped data/nginx/roomcast.conf:
// its placeholders (ports, upstream, certificate) replaced, everything on
// 127.0.0.1 with free ports and a temporary prefix (pid, logs, temp files),
// and unprivileged (as nobody when the tests run as root).
//
//   const proxy = await startNginx({ upstreamPort: server.port, cert, key });
//   proxy.url  // https://127.0.0.1:<port>
//   await proxy.stop();
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { SOURCE_ROOT, TIME_SCALE, waitFor } from "./harness.mjs";

export const SHIPPED_CONF = path.join(SOURCE_ROOT, "data/nginx/roomcast.conf");
const NGINX = process.env.NGINX || "/usr/sbin/nginx";
const NOBODY = 65534;

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// The shipped file with `replacements` ([from, to] pairs) applied; each
// `from` must occur exactly once, so an edit of the shipped file that the
// test no longer matches fails here rather than testing something else.
export function substitute(text, replacements) {
  for (const [from, to] of replacements) {
    const n = text.split(from).length - 1;
    if (n !== 1) throw new Error(`${SHIPPED_CONF}: "${from}" found ${n} times, expected once`);
    text = text.replace(from, to);
  }
  return text;
}

function mainConf(prefix) {
  return `daemon off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log info;
events { worker_connections 512; }
http {
    access_log ${prefix}/access.log;
    client_body_temp_path ${prefix}/tmp/body;
    proxy_temp_path ${prefix}/tmp/proxy;
    fastcgi_temp_path ${prefix}/tmp/fastcgi;
    uwsgi_temp_path ${prefix}/tmp/uwsgi;
    scgi_temp_path ${prefix}/tmp/scgi;
    include ${prefix}/roomcast.conf;
}
`;
}

function chownTree(dir, uid, gid) {
  fs.chownSync(dir, uid, gid);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) chownTree(p, uid, gid);
    else fs.chownSync(p, uid, gid);
  }
}

// Start nginx in front of roomcastd on 127.0.0.1:upstreamPort, with the
// certificate `cert` and key `key` (copied into its prefix).
export async function startNginx({ upstreamPort, cert, key, timeoutMs = 10000 }) {
  if (!fs.existsSync(NGINX)) throw new Error(`${NGINX} not found: install Debian's nginx (scripts/lib/setup.sh)`);
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), "roomcast-nginx-"));
  fs.mkdirSync(path.join(prefix, "tmp"));
  fs.copyFileSync(cert, path.join(prefix, "cert.pem"));
  fs.copyFileSync(key, path.join(prefix, "key.pem"));
  const [httpsPort, httpPort] = [await freePort(), await freePort()];
  const conf = substitute(fs.readFileSync(SHIPPED_CONF, "utf8"), [
    ["server 127.0.0.1:3030;", `server 127.0.0.1:${upstreamPort};`],
    ["listen 80;", `listen 127.0.0.1:${httpPort};`],
    ["listen [::]:80;\n", ""],
    ["listen 443 ssl;", `listen 127.0.0.1:${httpsPort} ssl;`],
    ["listen [::]:443 ssl;\n", ""],
    ["/etc/letsencrypt/live/roomcast.example.com/fullchain.pem", path.join(prefix, "cert.pem")],
    ["/etc/letsencrypt/live/roomcast.example.com/privkey.pem", path.join(prefix, "key.pem")],
  ]);
  fs.writeFileSync(path.join(prefix, "roomcast.conf"), conf);
  fs.writeFileSync(path.join(prefix, "nginx.conf"), mainConf(prefix));
  const root = process.getuid() === 0;
  if (root) {
    fs.chmodSync(prefix, 0o755);
    chownTree(prefix, NOBODY, NOBODY);
  }
  const args = ["-p", prefix, "-e", path.join(prefix, "error.log"), "-c", path.join(prefix, "nginx.conf")];
  const ids = root ? { uid: NOBODY, gid: NOBODY } : {};

  const check = spawnSync(NGINX, [...args, "-t", "-q"], { encoding: "utf8", ...ids });
  if (check.status !== 0) throw new Error(`nginx -t refused the configuration:\n${check.stderr}\n${conf}`);

  const proc = spawn(NGINX, args, { stdio: ["ignore", "pipe", "pipe"], ...ids });
  let output = "";
  proc.stdout.on("data", (c) => { output += c; });
  proc.stderr.on("data", (c) => { output += c; });
  const exited = once(proc, "exit");
  let gone = false;
  exited.then(() => { gone = true; });
  const logs = () => {
    try { return output + fs.readFileSync(path.join(prefix, "error.log"), "utf8"); } catch { return output; }
  };
  const listening = () => new Promise((resolve) => {
    const s = net.connect(httpsPort, "127.0.0.1", () => { s.destroy(); resolve(true); });
    s.once("error", () => resolve(false));
  });
  await waitFor(async () => gone || await listening(), timeoutMs, "nginx listening");
  if (gone) throw new Error(`nginx exited:\n${logs()}`);

  return {
    url: `https://127.0.0.1:${httpsPort}`,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    port: httpsPort,
    prefix,
    logs,
    async stop() {
      if (!gone) {
        proc.kill("SIGTERM"); // fast shutdown: open WebSockets are closed too
        const timer = setTimeout(() => proc.kill("SIGKILL"), 10000 * TIME_SCALE);
        await exited;
        clearTimeout(timer);
      }
      fs.rmSync(prefix, { recursive: true, force: true });
    },
  };
}
