// Throwaway redis-servers that ask for credentials (a password, ACL users) or speak TLS with a self-signed certificate, for the Redis error tests.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { Redis } from "ioredis";

import { freePort, startRedis, type RedisServer } from "../../support/redis.js";

export const ADMIN_PASSWORD = "admin-secret";

/** A redis-server whose default user needs ADMIN_PASSWORD (set once it answers: startRedis waits for a PING without one). */
export interface SecuredRedis {
  server: RedisServer;
  /** The default user, authenticated: for setting up users and data. */
  admin: Redis;
  /** Creates (or resets) an ACL user with the password `pw` and the given rules, e.g. `~fsm:*`, `+@all`, `-evalsha`. */
  user(name: string, ...rules: string[]): Promise<void>;
  stop(): Promise<void>;
}

export async function startSecuredRedis(): Promise<SecuredRedis> {
  const server = await startRedis();
  const setup = new Redis({ port: server.port, host: "127.0.0.1", lazyConnect: true });
  await setup.connect();
  await setup.config("SET", "requirepass", ADMIN_PASSWORD);
  setup.disconnect();
  const admin = new Redis({ port: server.port, host: "127.0.0.1", password: ADMIN_PASSWORD, lazyConnect: true });
  await admin.connect();
  return {
    server,
    admin,
    async user(name, ...rules) {
      await admin.call("ACL", "SETUSER", name, "reset", "on", ">pw", ...rules);
    },
    async stop() {
      admin.disconnect();
      await server.stop({ cleanup: true });
    },
  };
}

/** A redis-server that also listens with TLS on `tlsPort`, presenting a self-signed certificate made for it. */
export interface TlsRedis {
  server: RedisServer;
  tlsPort: number;
  /** The certificate (PEM), for a client that trusts it. */
  certificate: string;
  stop(): Promise<void>;
}

export async function startTlsRedis(): Promise<TlsRedis> {
  const certs = mkdtempSync(join(tmpdir(), "fsmc-tls-"));
  const cert = join(certs, "cert.pem");
  const key = join(certs, "key.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=IP:127.0.0.1,DNS:localhost",
    ],
    { stdio: "ignore" },
  );
  const tlsPort = await freePort();
  // The plain port stays open: startRedis waits for it to answer PING.
  const server = await startRedis(["--tls-port", String(tlsPort), "--tls-cert-file", cert, "--tls-key-file", key, "--tls-auth-clients", "no"]);
  return {
    server,
    tlsPort,
    certificate: readFileSync(cert, "utf8"),
    async stop() {
      await server.stop({ cleanup: true });
      rmSync(certs, { recursive: true, force: true });
    },
  };
}
