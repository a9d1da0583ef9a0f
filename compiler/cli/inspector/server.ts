// The inspector's HTTP application: read-only pages for anyone who can reach it, operations (replay, purge, unlock) only with the token, a CSRF token and a same-origin request.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

import { Hono, type Context } from "hono";
import type { Redis } from "ioredis";

import {
  assertFlowId,
  forceUnlock,
  inspectFlow,
  listStuckFlows,
  purgeDeadLetters,
  replayDeadLetter,
  type KeySpace,
  type StuckFlows,
} from "@fsmc/runtime/operations";

import type { MachineGraph } from "../../graph/machine-graph.js";
import { flowHref, flowPage, overviewPage, type Overview } from "./html.js";

export interface InspectorOptions {
  redis: Redis;
  keys: KeySpace;
  machines: MachineGraph[];
  /** The operator token; undefined makes the inspector read-only. */
  token: string | undefined;
  /** `host:port` values a request's Host header may name (empty: any, when bound to every interface). */
  allowedHosts: () => readonly string[];
  timerShards: number;
  pendingShards: number;
  /** A note on the specs shown above the diagrams (e.g. diagnostics), as HTML. */
  specNote?: string;
}

const MACHINE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Overview polls from several pages share one scan made at most this often. */
const OVERVIEW_CACHE_MS = 1_000;

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

function summarise(report: StuckFlows): Overview {
  const counts: Record<string, Record<string, number>> = {};
  for (const c of report.census ?? []) (counts[c.machine] ??= {})[c.state] = (counts[c.machine]?.[c.state] ?? 0) + c.flows;
  return {
    at: report.at,
    counts,
    pastDeadline: report.pastDeadline.map(({ machine, flowId, state, overdueMs }) => ({ machine, flowId, state, overdueMs })),
    orphanedQueues: report.orphanedQueues.map(({ machine, flowId, queued }) => ({ machine, flowId, queued })),
    hungHolders: report.hungHolders.map(({ machine, flowId, holder }) => ({ machine, flowId, holder })),
    deadLettered: report.deadLettered.map(({ machine, flowId, events }) => ({ machine, flowId, events: events.length })),
  };
}

export function inspectorApp(options: InspectorOptions): Hono {
  const { redis, keys, token } = options;
  const csrf = randomBytes(24).toString("base64url");
  const readOnly = token === undefined;
  let cached: { at: number; overview: Promise<Overview> } | undefined;

  const overview = (): Promise<Overview> => {
    const now = Date.now();
    if (cached && now - cached.at < OVERVIEW_CACHE_MS) return cached.overview;
    const pending = listStuckFlows(redis, { census: true, keyPrefix: keys.prefix, timerShards: options.timerShards }).then(summarise);
    cached = { at: now, overview: pending };
    pending.catch(() => {
      if (cached?.overview === pending) cached = undefined;
    });
    return pending;
  };

  const app = new Hono();

  // Every response: a fresh nonce, and a policy that runs no script and loads nothing but what carries it.
  app.use("*", async (c, next) => {
    const nonce = randomBytes(16).toString("base64");
    c.set("nonce" as never, nonce as never);
    await next();
    c.header(
      "Content-Security-Policy",
      `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
    );
    c.header("X-Content-Type-Options", "nosniff");
    c.header("Referrer-Policy", "same-origin");
    c.header("Cache-Control", "no-store");
  });
  const nonceOf = (c: Context) => c.get("nonce" as never) as unknown as string;

  app.onError((error, c) => {
    const message = error instanceof Error ? error.message : String(error);
    return c.text(`fsmc inspector: ${message}\n`, 500);
  });

  app.get("/", async (c) =>
    c.html(
      overviewPage({
        nonce: nonceOf(c),
        readOnly,
        machines: options.machines.map((graph) => ({ name: graph.name, graph })),
        overview: await overview(),
        specNote: options.specNote ?? "",
      }),
    ),
  );

  app.get("/api/overview", async (c) => c.json(await overview()));

  // The "Open flow" form of the overview.
  app.get("/flows", (c) => c.redirect(flowHref(c.req.query("machine") ?? "", c.req.query("flowId") ?? ""), 303));

  /** The machine and flow id of the path, or an answer saying why they are not acceptable. */
  const flowOf = (c: Context): { machine: string; flowId: string } | Response => {
    const machine = c.req.param("machine") ?? "";
    const flowId = c.req.param("id") ?? "";
    if (!MACHINE_NAME.test(machine)) return c.text("the machine name must be an identifier\n", 400);
    try {
      assertFlowId(flowId);
    } catch (error) {
      return c.text(`${error instanceof Error ? error.message : String(error)}\n`, 400);
    }
    return { machine, flowId };
  };

  app.get("/flows/:machine/:id", async (c) => {
    const target = flowOf(c);
    if (target instanceof Response) return target;
    const flow = await inspectFlow(redis, target.machine, target.flowId, { timerShards: options.timerShards, keyPrefix: keys.prefix });
    const message = c.req.query("message");
    return c.html(flowPage({ nonce: nonceOf(c), readOnly, csrf, flow, ...(message ? { message } : {}) }));
  });

  app.get("/api/flows/:machine/:id", async (c) => {
    const target = flowOf(c);
    if (target instanceof Response) return target;
    return c.json(await inspectFlow(redis, target.machine, target.flowId, { timerShards: options.timerShards, keyPrefix: keys.prefix }));
  });

  /**
   * Whether a POST may act: the inspector has a token; the request comes from a page of this inspector (its Host is
   * one the inspector answers on, and its Origin, when sent, is that host); it carries the token (Bearer, or the form's
   * `token` field) and the CSRF token of this server's pages (the form's `csrf` field, or an X-CSRF-Token header).
   */
  const refusal = async (c: Context): Promise<Response | Record<string, string>> => {
    if (readOnly) return c.text("the inspector is read-only: start it with --token (or $FSMC_INSPECTOR_TOKEN) to allow operations\n", 403);
    const host = c.req.header("host") ?? "";
    const allowed = options.allowedHosts();
    if (allowed.length > 0 && !allowed.includes(host.toLowerCase())) return c.text("request refused: unexpected Host\n", 403);
    const origin = c.req.header("origin");
    if (origin !== undefined && origin !== `http://${host}`) return c.text("request refused: cross-origin\n", 403);
    const contentType = c.req.header("content-type") ?? "";
    const form: Record<string, string> = {};
    if (contentType.startsWith("application/x-www-form-urlencoded") || contentType.startsWith("multipart/form-data")) {
      for (const [name, value] of Object.entries(await c.req.parseBody())) if (typeof value === "string") form[name] = value;
    }
    const bearer = /^Bearer\s+(.+)$/i.exec(c.req.header("authorization") ?? "")?.[1];
    const given = bearer ?? form.token ?? "";
    if (given === "" || !sameSecret(given, token ?? "")) return c.text("the token is missing or wrong\n", 401);
    const givenCsrf = form.csrf ?? c.req.header("x-csrf-token") ?? "";
    if (givenCsrf === "" || !sameSecret(givenCsrf, csrf)) return c.text("request refused: the CSRF token is missing or stale (reload the page)\n", 403);
    return form;
  };

  const done = (c: Context, machine: string, flowId: string, message: string) => {
    if ((c.req.header("accept") ?? "").includes("application/json")) return c.json({ machine, flowId, message });
    return c.redirect(`${flowHref(machine, flowId)}?message=${encodeURIComponent(message)}`, 303);
  };

  const number = (text: string | undefined): number | undefined => (text !== undefined && /^[1-9]\d{0,8}$/.test(text) ? Number(text) : undefined);

  app.post("/flows/:machine/:id/replay", async (c) => {
    const target = flowOf(c);
    if (target instanceof Response) return target;
    const form = await refusal(c);
    if (form instanceof Response) return form;
    const n = number(form.n ?? c.req.query("n"));
    if (n === undefined) return c.text("replay needs n, the dead letter's number (from 1)\n", 400);
    const result = await replayDeadLetter(redis, target.machine, target.flowId, n, { keyPrefix: keys.prefix, pendingShards: options.pendingShards });
    if (result.kind === "refused") return c.text(`${result.reason}\n`, 409);
    const message =
      result.kind === "replayed"
        ? `dead letter ${n} (${result.deadLetter.event.type}, was #${result.deadLetter.seq}) queued again as #${result.seq}, id ${result.eventId}`
        : `dead letter ${n} was already queued again as id ${result.eventId}; removed from the dead letters`;
    return done(c, target.machine, target.flowId, message);
  });

  app.post("/flows/:machine/:id/purge", async (c) => {
    const target = flowOf(c);
    if (target instanceof Response) return target;
    const form = await refusal(c);
    if (form instanceof Response) return form;
    const given = form.n ?? c.req.query("n");
    const n = given === undefined || given === "" ? undefined : number(given);
    if (given !== undefined && given !== "" && n === undefined) return c.text("purge takes no n, or a dead letter's number (from 1)\n", 400);
    const purged = await purgeDeadLetters(redis, target.machine, target.flowId, n, { keyPrefix: keys.prefix });
    return done(c, target.machine, target.flowId, `${purged} dead letter(s) deleted`);
  });

  app.post("/flows/:machine/:id/unlock", async (c) => {
    const target = flowOf(c);
    if (target instanceof Response) return target;
    const form = await refusal(c);
    if (form instanceof Response) return form;
    const result = await forceUnlock(redis, target.machine, target.flowId, { keyPrefix: keys.prefix });
    const message = !result.exists
      ? "no such flow"
      : result.deleted
        ? `lock deleted; epoch is now ${result.epoch}`
        : `the lock was free; epoch is now ${result.epoch}`;
    return done(c, target.machine, target.flowId, message);
  });

  return app;
}
