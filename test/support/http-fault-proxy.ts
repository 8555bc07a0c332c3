import { createServer, request as forward, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A reverse proxy on 127.0.0.1 in front of a real server (Radicale) that injects the faults of the provider
 * contract matrix the way a hosted CalDAV server shows them: a throttling storm (429 with Retry-After, as iCloud
 * and Fastmail answer), an answer lost after the server committed the request (the connection is cut once the
 * upstream answered), and slow answers. Everything else passes through untouched, redirects and errors included.
 */
export interface FaultProxy {
  url: string;
  /** The next `count` requests are answered 429 `Retry-After: 1` without reaching the server. */
  throttle(count: number): void;
  pendingThrottles(): number;
  /** The next request that `matches` reaches the server; its answer is then cut off (the client sees a reset). */
  loseNextAnswer(matches: (request: IncomingMessage) => boolean): void;
  /** Whether an armed loss is still waiting for its request. */
  lossArmed(): boolean;
  /** Delay before each forwarded request (ms); `hold` picks requests held longer (a long listing answer). */
  setLatency(ms: number, hold?: { matches: (request: IncomingMessage) => boolean; ms: number }): void;
  /** Whether a request that `matches` is being answered right now. */
  inFlight(matches: (request: IncomingMessage) => boolean): boolean;
  close(): Promise<void>;
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  let throttles = 0;
  let latencyMs = 0;
  let lose: ((request: IncomingMessage) => boolean) | undefined;
  let hold: { matches: (request: IncomingMessage) => boolean; ms: number } | undefined;
  const open = new Set<IncomingMessage>();
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    if (throttles > 0) {
      throttles--;
      request.resume();
      response.writeHead(429, { "retry-after": "1", "content-type": "text/plain" });
      response.end("Too Many Requests");
      return;
    }
    open.add(request);
    response.on("close", () => open.delete(request));
    const cut = lose?.(request) === true;
    if (cut) lose = undefined;
    const send = () => {
      const outbound = forward(
        {
          host: target.hostname,
          port: target.port,
          method: request.method,
          path: request.url,
          headers: { ...request.headers, host: target.host },
        },
        (answer) => {
          if (cut) {
            // The server has committed the request: read its answer and drop the connection instead.
            answer.resume();
            answer.on("end", () => response.socket?.destroy());
            return;
          }
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
        },
      );
      outbound.on("error", () => response.socket?.destroy());
      request.pipe(outbound);
    };
    const delay = hold?.matches(request) ? hold.ms : latencyMs;
    if (delay > 0) setTimeout(send, delay);
    else send();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    throttle(count) {
      throttles += count;
    },
    pendingThrottles: () => throttles,
    loseNextAnswer(matches) {
      lose = matches;
    },
    lossArmed: () => lose !== undefined,
    setLatency(ms, held) {
      latencyMs = ms;
      hold = held;
    },
    inFlight: (matches) => [...open].some(matches),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
