import type { ChatModel, ChatRequest, ChatStreamEvent } from "../model.js";
import { ConformanceError } from "./assert.js";
import { collectEvents } from "./fixtures.js";
import type { CheckContext, ConformanceEmulator } from "./types.js";

/** Generous bound for "promptly": a loaded 2-core CI machine must pass, a hang must not. */
export const PROMPTLY_MS = 10_000;

export async function rejectStream(model: ChatModel, request: ChatRequest): Promise<ChatStreamEvent[]> {
  return collectEvents(model.stream(request));
}

export function needEmulator(context: CheckContext): ConformanceEmulator {
  if (!context.emulator) throw new ConformanceError("This check needs the emulator (pass startEmulator).");
  return context.emulator;
}
