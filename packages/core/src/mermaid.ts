import { BatchFlow, BatchNode } from "./batch.js";
import { Flow } from "./flow.js";
import type { BaseNode } from "./node.js";
import { ParallelBatchFlow, ParallelBatchNode } from "./parallel.js";

export interface MermaidOptions {
  /** Layout direction. Default "TD" (top-down). */
  readonly direction?: "TD" | "LR" | "BT" | "RL";
}

/**
 * Renders a flow (or a single node) as a Mermaid flowchart: one box per node named by `getName()`,
 * one arrow per action (labelled unless it is "default"), nested flows as subgraphs, batch nodes as
 * double-bordered boxes. Paste the result into any Markdown that renders Mermaid.
 *
 * @example
 * console.log(toMermaid(new Flow(load.next(summarize))));
 */
export function toMermaid(root: BaseNode<any, any>, options: MermaidOptions = {}): string {
  const lines = [`flowchart ${options.direction ?? "TD"}`];
  const ids = new Map<BaseNode<any, any>, string>();
  const edges: string[] = [];
  const idOf = (node: BaseNode<any, any>) => {
    let id = ids.get(node);
    if (id === undefined) {
      id = `${node instanceof Flow ? "F" : "N"}${ids.size + 1}`;
      ids.set(node, id);
    }
    return id;
  };
  const declared = new Set<BaseNode<any, any>>();

  const declareGraph = (start: BaseNode<any, any>, indent: string) => {
    const queue = [start];
    for (let node = queue.shift(); node !== undefined; node = queue.shift()) {
      if (declared.has(node)) continue;
      declared.add(node);
      declare(node, indent);
      for (const action of node.getActions()) {
        const successor = node.getNextNode(action);
        if (successor === undefined) continue;
        const label = action === "default" ? "" : `|${escapeLabel(action)}|`;
        edges.push(`  ${idOf(node)} -->${label} ${idOf(successor)}`);
        queue.push(successor);
      }
    }
  };

  const declare = (node: BaseNode<any, any>, indent: string) => {
    const label = escapeLabel(`${node.getName()}${kindSuffix(node)}`);
    if (node instanceof Flow) {
      lines.push(`${indent}subgraph ${idOf(node)}["${label}"]`);
      declareGraph(node.start, `${indent}  `);
      lines.push(`${indent}end`);
    } else {
      const isBatch = node instanceof BatchNode || node instanceof ParallelBatchNode;
      lines.push(`${indent}${idOf(node)}${isBatch ? `[["${label}"]]` : `["${label}"]`}`);
    }
  };

  // The flow passed in is the canvas; flows inside it become subgraphs.
  declareGraph(root instanceof Flow ? root.start : root, "  ");
  return [...lines, ...edges].join("\n");
}

function kindSuffix(node: BaseNode<any, any>): string {
  if (node instanceof ParallelBatchFlow) return " (parallel batch)";
  if (node instanceof BatchFlow) return " (batch)";
  if (node instanceof ParallelBatchNode) return " (parallel)";
  return "";
}

function escapeLabel(text: string): string {
  return text.replace(/"/g, "#quot;").replace(/[<>]/g, (c) => (c === "<" ? "#lt;" : "#gt;"));
}
