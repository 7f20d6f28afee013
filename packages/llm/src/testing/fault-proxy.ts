import {
  createServer,
  request as forward,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from "node:http";
import type { AddressInfo, Socket } from "node:net";

/**
 * A loopback HTTP proxy in front of a real server (the emulator) that breaks chosen connections the
 * way networks do, whatever protocol the adapter speaks: it resets the socket before the response
 * head, right after it, or half-way through the body. Everything else passes through unchanged.
 */

export type ProxyFault =
  /** The request arrives, then the connection is reset before any byte of the response. */
  | "reset_before_response"
  /** The upstream's status and headers reach the client, then the connection is reset. */
  | "reset_after_response_head"
  /** The head and the first half of the upstream's body reach the client, then the connection is reset. */
  | "cut_body";

export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: use it as the adapter's base URL in place of the upstream's. */
  readonly url: string;
  /** The next request gets `fault`; later ones pass through (queue several calls for several). */
  failNext(fault: ProxyFault): void;
  /** Requests forwarded to the upstream so far. */
  readonly forwarded: number;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

// Headers about this hop that must not be copied to the next one.
const HOP_BY_HOP = ["connection", "keep-alive", "transfer-encoding", "host"];
// Long enough for the client to read what was written before the reset, on a loaded machine.
const FLUSH_MS = 50;

/**
 * Starts a fault proxy on a free loopback port in front of `upstream` (e.g. the emulator's url).
 *
 * @example
 * const proxy = await startFaultProxy(emulator.url);
 * const model = createMyModel({ baseURL: proxy.url });
 * proxy.failNext("cut_body");
 * await collectEvents(model.stream(request)); // rejects with transportFailure "stream_cut"
 * await proxy.close();
 */
export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  const faults: ProxyFault[] = [];
  let forwarded = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const fault = faults.shift();
      const socket = req.socket;
      if (fault === "reset_before_response") {
        socket.resetAndDestroy();
        return;
      }
      forwarded += 1;
      const outgoing = forward(
        {
          protocol: target.protocol,
          hostname: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...withoutHopByHop(req.headers), host: target.host },
          agent: false,
        },
        (answer) => relay(answer, fault, res, socket),
      );
      outgoing.on("error", () => socket.resetAndDestroy());
      outgoing.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    failNext: (fault) => {
      faults.push(fault);
    },
    get forwarded() {
      return forwarded;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function relay(
  answer: IncomingMessage,
  fault: ProxyFault | undefined,
  res: ServerResponse,
  socket: Socket,
): void {
  const status = answer.statusCode ?? 502;
  const headers = withoutHopByHop(answer.headers);
  if (fault === undefined) {
    res.writeHead(status, headers);
    answer.pipe(res);
    return;
  }
  if (fault === "reset_after_response_head") {
    answer.resume();
    res.writeHead(status, headers);
    res.flushHeaders();
    setTimeout(() => socket.resetAndDestroy(), FLUSH_MS);
    return;
  }
  // cut_body: the whole upstream body first, so the cut falls in the middle of the answer.
  const body: Buffer[] = [];
  answer.on("data", (chunk: Buffer) => body.push(chunk));
  answer.on("end", () => {
    const whole = Buffer.concat(body);
    const { "content-length": _length, ...rest } = headers;
    res.writeHead(status, rest);
    res.write(whole.subarray(0, Math.floor(whole.length / 2)));
    setTimeout(() => socket.resetAndDestroy(), FLUSH_MS);
  });
}

function withoutHopByHop(headers: IncomingMessage["headers"]): OutgoingHttpHeaders {
  const copy: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.includes(name)) copy[name] = value;
  }
  return copy;
}
