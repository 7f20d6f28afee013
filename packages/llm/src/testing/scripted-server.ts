import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A loopback HTTP server that answers with exactly the responses a test scripts, for the wire cases
 * the emulator has no fault for: a status or body a provider rarely sends (a 504, a 502 with HTML, a
 * local server's own error shape), a 429 without headers, a stream cut at a chosen point, a server
 * that echoes the key. The adapter under test talks to it over real HTTP, as it talks to the emulator.
 */

/** One request the server received, body parsed as JSON when it is JSON. */
export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  /** Lower-cased names, as Node's `IncomingHttpHeaders` (declared plainly so consumers need no Node types). */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: unknown;
}

/** One piece of a scripted event stream. */
export type ScriptedEvent =
  /**
   * One server-sent event: an `event: <event>` line when `event` is given, then `data: <data>` (a
   * string as it is, anything else as JSON) and a blank line.
   */
  | { readonly event?: string; readonly data: unknown }
  /** Written exactly as given: framing a parser must cope with (CRLF, comments, a broken line). */
  | { readonly raw: string };

export type ScriptedResponse =
  | { readonly status: number; readonly headers?: Record<string, string>; readonly json: unknown }
  | { readonly status: number; readonly headers?: Record<string, string>; readonly text: string }
  /**
   * An event stream (status 200 unless given). `end`: "close" (the default) ends the response
   * normally after the last event; "reset" drops the connection instead, as a network cut would.
   */
  | {
      readonly status?: number;
      readonly headers?: Record<string, string>;
      readonly events: readonly ScriptedEvent[];
      readonly end?: "close" | "reset";
    };

export interface ScriptedServer {
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  readonly url: string;
  /** Every request received so far, oldest first. */
  readonly requests: readonly RecordedRequest[];
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/**
 * Starts a scripted server on a free loopback port; `respond` picks the answer to each request.
 *
 * @example
 * let script: ScriptedResponse = { status: 504, text: "Gateway timeout" };
 * const server = await startScriptedServer(() => script);
 * const model = createAcmeModel({ baseURL: server.url, apiKey: "sk-test-0123456789" });
 * await expect(model.generate(request)).rejects.toMatchObject({ code: "timeout" });
 * await server.close();
 */
export async function startScriptedServer(
  respond: (request: RecordedRequest) => ScriptedResponse,
): Promise<ScriptedServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const recorded: RecordedRequest = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: parsedBody(Buffer.concat(chunks).toString("utf8")),
      };
      requests.push(recorded);
      send(res, respond(recorded));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function parsedBody(raw: string): unknown {
  if (raw === "") return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function send(res: ServerResponse, response: ScriptedResponse): void {
  if ("events" in response) {
    res.writeHead(response.status ?? 200, { "content-type": "text/event-stream", ...response.headers });
    for (const event of response.events) res.write(serialized(event));
    // Let the written events reach the client first, then drop the connection.
    if (response.end === "reset") setTimeout(() => res.socket?.resetAndDestroy(), 20);
    else res.end();
    return;
  }
  if ("json" in response) {
    res.writeHead(response.status, { "content-type": "application/json", ...response.headers });
    res.end(JSON.stringify(response.json));
    return;
  }
  res.writeHead(response.status, { "content-type": "text/plain", ...response.headers });
  res.end(response.text);
}

function serialized(event: ScriptedEvent): string {
  if ("raw" in event) return event.raw;
  const name = event.event === undefined ? "" : `event: ${event.event}\n`;
  const data = typeof event.data === "string" ? event.data : JSON.stringify(event.data);
  return `${name}data: ${data}\n\n`;
}
