import { type BaseNode, InvalidArgumentError, isNode } from "@sluice/core";
import { UnknownNodeError } from "./errors.js";

/** A node or flow class built with no arguments, or a function that builds one (to pass options). */
export type NodeSource = (new () => BaseNode<any, any>) | (() => BaseNode<any, any>);

/** The node classes a worker can run, by the name producers send (the class name by default). */
export class NodeRegistry {
  private readonly sources: Map<string, NodeSource>;

  constructor(nodes: Readonly<Record<string, NodeSource>>) {
    if (typeof nodes !== "object" || nodes === null || Object.keys(nodes).length === 0) {
      throw new InvalidArgumentError(
        "startWorker needs the node classes it may run: startWorker({ nodes: { SummarizeAll } }).",
      );
    }
    this.sources = new Map(Object.entries(nodes));
    for (const [name, source] of this.sources) {
      if (typeof source !== "function") {
        throw new InvalidArgumentError(
          `nodes.${name} must be a node class or a function returning a node, not ${typeof source}.`,
        );
      }
    }
  }

  /** A fresh instance per job: nothing one item's exec leaves on the node reaches the next. */
  create(name: string): BaseNode<any, any> {
    const source = this.sources.get(name);
    if (!source) throw new UnknownNodeError(name, [...this.sources.keys()]);
    const node = isNodeClass(source) ? new source() : (source as () => BaseNode<any, any>)();
    if (!isNode(node)) {
      throw new InvalidArgumentError(`nodes.${name} did not build a Sluice node (got ${typeof node}).`);
    }
    return node;
  }
}

function isNodeClass(source: NodeSource): source is new () => BaseNode<any, any> {
  return typeof source.prototype === "object" && source.prototype !== null && isNode(source.prototype);
}
