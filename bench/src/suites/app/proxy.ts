import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A pass-through proxy on 127.0.0.1 that restates the emulator's `anthropic-ratelimit-*-limit`
 * headers per real minute. The emulator compresses time by k and states its limits per provider
 * minute; the summarizer's throttle runs on the wall clock and learns its limits from those headers,
 * so without this it would run k times slower than the emulator allows. Everything else (bodies,
 * status, remaining counts, reset times and retry-after, which are already real time) passes as is.
 */
export interface LimitProxy {
  readonly url: string;
  close(): Promise<void>;
}

export async function startLimitProxy(target: string, timeScale: number): Promise<LimitProxy> {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((request, response) => {
    const forward = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: request.method,
        path: request.url,
        headers: request.headers,
        agent,
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, rescale(answer.headers, timeScale));
        answer.pipe(response);
      },
    );
    forward.on("error", () => {
      // The emulator cut the connection (or closed): the client sees a dropped connection too.
      response.destroy();
    });
    request.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function rescale(headers: http.IncomingHttpHeaders, timeScale: number): http.OutgoingHttpHeaders {
  const result: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const perMinute = Number(value);
    result[name] =
      /^anthropic-ratelimit-[a-z-]+-limit$/.test(name) && Number.isFinite(perMinute)
        ? String(Math.round(perMinute * timeScale))
        : value;
  }
  return result;
}
