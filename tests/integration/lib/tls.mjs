// Test certificates made with the openssl CLI: a CA of our own, and server
// certificates for 127.0.0.1 signed by it, so that clients verify them for
// real (the `ca` option), never with verification turned off.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";

function openssl(args, cwd) {
  return execFileSync("openssl", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

// A CA in a new temporary directory: { dir, caFile, ca (PEM text), issue(name), remove() }.
// issue(name) writes name.crt and name.key, a certificate for 127.0.0.1 and
// localhost, and returns { cert, key, fingerprint } (paths, and the SHA-256
// fingerprint as "AB:CD:…", as Node's fingerprint256 and roomcastd's log say).
export function makeCa(prefix = "roomcast-tls-") {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  openssl(["req", "-x509", ...EC, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
           "-subj", "/CN=roomcast test CA",
           "-addext", "basicConstraints=critical,CA:true",
           "-addext", "keyUsage=critical,keyCertSign,cRLSign"], dir);
  fs.writeFileSync(path.join(dir, "server.ext"),
                   "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n" +
                   "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  const caFile = path.join(dir, "ca.crt");
  return {
    dir,
    caFile,
    ca: fs.readFileSync(caFile, "utf8"),
    issue(name) {
      openssl(["req", ...EC, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`], dir);
      openssl(["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
               "-days", "2", "-extfile", "server.ext", "-out", `${name}.crt`], dir);
      return { cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`),
               fingerprint: fingerprint(path.join(dir, `${name}.crt`)) };
    },
    remove() { fs.rmSync(dir, { recursive: true, force: true }); },
  };
}

// openssl's own reading of a certificate file's SHA-256 fingerprint.
export function fingerprint(certFile) {
  const out = openssl(["x509", "-noout", "-fingerprint", "-sha256", "-in", certFile]);
  return out.trim().replace(/^.*Fingerprint=/i, "");
}

// A TLS handshake with 127.0.0.1:port trusting `ca`: resolves with the
// server certificate's fingerprint256; rejects with the handshake error.
export function peerFingerprint(port, ca) {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: "127.0.0.1", port, ca, servername: "localhost" }, () => {
      const fp = socket.getPeerCertificate().fingerprint256;
      socket.end();
      resolve(fp);
    });
    socket.once("error", reject);
  });
}

// fetch() for a server whose certificate `ca` signed (Node's fetch has no
// such option): { status, headers, text(), json() } of the whole answer.
export function fetchTrusting(ca) {
  return (url, { method = "GET", headers = {}, body } = {}) => new Promise((resolve, reject) => {
    const req = https.request(url, { method, headers, ca }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode, headers: res.headers, text: async () => text,
                  json: async () => JSON.parse(text) });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}
