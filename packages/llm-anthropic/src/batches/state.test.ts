import { describe, expect, it } from "vitest";
import { fingerprintOf, type MessageBatchesState, parseState, submittedUpTo } from "./state.js";

const state: MessageBatchesState = {
  version: 1,
  fingerprint: fingerprintOf(['{"custom_id":"a"}', '{"custom_id":"b"}', '{"custom_id":"c"}']),
  customIds: ["a", "b", "c"],
  batches: [
    { id: "msgbatch_1", start: 0, end: 2 },
    { id: "msgbatch_2", start: 2, end: 3 },
  ],
  complete: true,
};

describe("parseState", () => {
  it("round-trips through JSON", () => {
    expect(parseState(JSON.stringify(state))).toEqual(state);
    expect(submittedUpTo(state)).toBe(3);
  });

  it("says what is wrong with a damaged state", () => {
    expect(() => parseState("{")).toThrow(/not valid JSON/);
    expect(() => parseState({ ...state, version: 2 })).toThrow(/version/);
    expect(() => parseState({ ...state, customIds: ["a", "a", "c"] })).toThrow(/duplicates/);
    expect(() => parseState({ ...state, customIds: ["a", "b c", "d"] })).toThrow(/valid custom ids/);
    expect(() => parseState({ ...state, batches: [{ id: "x", start: 1, end: 3 }] })).toThrow(/right after/);
    expect(() => parseState({ ...state, batches: [state.batches[0]] })).toThrow(/complete/);
  });

  it("fingerprints differ when the entries differ", () => {
    expect(fingerprintOf(["a"])).not.toBe(fingerprintOf(["b"]));
    expect(fingerprintOf(["a", "b"])).not.toBe(fingerprintOf(["ab"]));
  });
});
