import { countTokens } from "../text.js";

/** A Messages API request, validated and reduced to what the emulator acts on. */
export interface MessageRequest {
  readonly model: string;
  /** 0 for count_tokens, which takes no max_tokens. */
  readonly maxTokens: number;
  readonly stream: boolean;
  readonly stopSequences: readonly string[];
  /** ceil(chars / 4) over the system prompt and every message. */
  readonly inputTokens: number;
  /** The text the response summarises: the last user message. */
  readonly prompt: string;
}

export type ParseResult =
  | { readonly ok: true; readonly request: MessageRequest }
  | { readonly ok: false; readonly message: string };

/** The API version from which sampling parameters are refused. */
export const SAMPLING_REJECTED_FROM = "2026-10-21";
const SAMPLING_PARAMETERS = ["temperature", "top_p", "top_k"] as const;

export interface ParseOptions {
  /** Messages needs max_tokens; count_tokens does not. */
  readonly requireMaxTokens: boolean;
  /** The request's `anthropic-version`; older versions still accept sampling parameters. */
  readonly anthropicVersion?: string | undefined;
}

/**
 * Validates a Messages (or count_tokens) body the way the API does, with its `field: problem`
 * messages, and counts its input tokens.
 */
export function parseMessageRequest(body: unknown, options: ParseOptions): ParseResult {
  if (!isRecord(body)) return fail("The request body must be a JSON object.");
  if (typeof body.model !== "string" || body.model === "")
    return fail("model: Field required (a non-empty string).");

  let maxTokens = 0;
  if (options.requireMaxTokens || body.max_tokens !== undefined) {
    if (body.max_tokens === undefined) return fail("max_tokens: Field required.");
    if (!Number.isInteger(body.max_tokens) || (body.max_tokens as number) < 1) {
      return fail("max_tokens: Input should be an integer greater than or equal to 1.");
    }
    maxTokens = body.max_tokens as number;
  }

  const version = options.anthropicVersion;
  if (version === undefined || version >= SAMPLING_REJECTED_FROM) {
    for (const name of SAMPLING_PARAMETERS) {
      if (body[name] !== undefined) {
        return fail(
          `${name}: This parameter is not supported with anthropic-version ${version ?? SAMPLING_REJECTED_FROM}; ` +
            "remove it from the request.",
        );
      }
    }
  }

  if (body.stream !== undefined && typeof body.stream !== "boolean")
    return fail("stream: Input should be a boolean.");

  let stopSequences: string[] = [];
  if (body.stop_sequences !== undefined) {
    if (!Array.isArray(body.stop_sequences) || body.stop_sequences.some((s) => typeof s !== "string")) {
      return fail("stop_sequences: Input should be an array of strings.");
    }
    stopSequences = body.stop_sequences as string[];
  }

  let systemText = "";
  if (body.system !== undefined) {
    const system = contentText(body.system, "system");
    if ("error" in system) return fail(system.error);
    systemText = system.counted;
  }

  if (!Array.isArray(body.messages)) return fail("messages: Field required (an array of messages).");
  if (body.messages.length === 0) return fail("messages: at least one message is required.");
  let counted = systemText;
  let prompt = "";
  let last = "";
  for (const [index, message] of body.messages.entries()) {
    if (!isRecord(message)) return fail(`messages.${index}: Input should be an object.`);
    if (message.role !== "user" && message.role !== "assistant" && message.role !== "system") {
      return fail(`messages.${index}.role: Input should be 'user', 'assistant' or 'system'.`);
    }
    const content = contentText(message.content, `messages.${index}.content`);
    if ("error" in content) return fail(content.error);
    counted += content.counted;
    last = content.text;
    if (message.role === "user") prompt = content.text;
  }

  return {
    ok: true,
    request: {
      model: body.model,
      maxTokens,
      stream: body.stream === true,
      stopSequences,
      inputTokens: Math.max(1, countTokens(counted)),
      prompt: prompt === "" ? last : prompt,
    },
  };
}

/**
 * The text of a `content` (a string or an array of blocks): `text` joins the text blocks, `counted`
 * adds every other block as its JSON, since images and tool results cost input tokens too.
 */
function contentText(content: unknown, path: string): { text: string; counted: string } | { error: string } {
  if (typeof content === "string") return { text: content, counted: content };
  if (!Array.isArray(content))
    return { error: `${path}: Input should be a string or an array of content blocks.` };
  const texts: string[] = [];
  let counted = "";
  for (const [index, block] of content.entries()) {
    if (!isRecord(block) || typeof block.type !== "string") {
      return { error: `${path}.${index}: Input should be a content block with a \`type\`.` };
    }
    if (block.type === "text") {
      if (typeof block.text !== "string") return { error: `${path}.${index}.text: Field required.` };
      texts.push(block.text);
      counted += block.text;
    } else {
      counted += JSON.stringify(block);
    }
  }
  return { text: texts.join("\n"), counted };
}

function fail(message: string): ParseResult {
  return { ok: false, message };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
