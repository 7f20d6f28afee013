import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A loopback HTTP server that answers with exactly the responses a test scripts, for the few wire
 * shapes the emulator has no fault for (a 504, a 429 without any headers, a server that echoes the
 * key…). The real SDK talks to it over real HTTP, like it talks to the emulator.
 */

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
}

export type ScriptedResponse =
  | { readonly status: number; readonly headers?: Record<string, string>; readonly json: unknown }
  | { readonly status: number; readonly headers?: Record<string, string>; readonly text: string }
  /** A 200 event stream: each entry is one `event: name` + `data: JSON` pair. */
  | { readonly headers?: Record<string, string>; readonly events: readonly (readonly [string, unknown])[] };

export interface ScriptedServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startScriptedServer(
  respond: (request: RecordedRequest) => ScriptedResponse,
): Promise<ScriptedServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      let body: unknown = raw;
      try {
        body = raw === "" ? undefined : JSON.parse(raw);
      } catch {
        // Keep the text.
      }
      const recorded: RecordedRequest = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body,
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

function send(res: ServerResponse, response: ScriptedResponse): void {
  if ("events" in response) {
    res.writeHead(200, { "content-type": "text/event-stream", ...response.headers });
    for (const [event, data] of response.events)
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    res.end();
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

/** An Anthropic error body. */
export function errorBody(type: string, message: string, errorCode?: string): unknown {
  return {
    type: "error",
    error: { type, message, ...(errorCode === undefined ? {} : { details: { error_code: errorCode } }) },
    request_id: "req_scripted",
  };
}

/** The events of a successful stream that answers `text`. */
export function messageEvents(text: string, model = "claude-scripted"): (readonly [string, unknown])[] {
  return [
    [
      "message_start",
      {
        type: "message_start",
        message: {
          id: "msg_scripted",
          type: "message",
          role: "assistant",
          model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 7, output_tokens: 1 },
        },
      },
    ],
    [
      "content_block_start",
      { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
    ],
    ["content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text } }],
    ["content_block_stop", { type: "content_block_stop", index: 0 }],
    [
      "message_delta",
      {
        type: "message_delta",
        delta: { stop_reason: "end_turn", stop_sequence: null },
        usage: { output_tokens: 3 },
      },
    ],
    ["message_stop", { type: "message_stop" }],
  ];
}

/** A complete JSON `message` that answers `text`. */
export function messageJson(text: string, model = "claude-scripted"): unknown {
  return {
    id: "msg_scripted",
    type: "message",
    role: "assistant",
    model,
    content: [{ type: "text", text }],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage: { input_tokens: 7, output_tokens: 3, cache_read_input_tokens: 2, cache_creation_input_tokens: 1 },
  };
}
