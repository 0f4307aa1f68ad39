/**
 * A `Module` that holds frozen weights under dotted paths, so that an imported network
 * keeps its original parameter names (`features.3.squeeze.weight`).
 */
import type * as tf from '@tensorflow/tfjs-core';
import { Module } from '@ncomp/core';

/**
 * A module of non-trainable weights addressed by dotted paths; intermediate path
 * segments become child modules.
 *
 * @internal
 */
export class WeightTree extends Module {
  readonly #children = new Map<string, WeightTree>();

  /**
   * Adds a non-trainable weight at `path` below this module, creating the child
   * modules on the way.
   *
   * @param path - Dotted path, e.g. `features.3.squeeze.weight`.
   * @param initial - Creates the initial value (run inside `tf.tidy`, then disposed).
   * @returns The new variable.
   */
  put(path: string, initial: () => tf.Tensor): tf.Variable {
    const dot = path.indexOf('.');
    if (dot < 0) return this.addWeight(path, initial, { trainable: false });
    const head = path.slice(0, dot);
    let child = this.#children.get(head);
    if (child === undefined) {
      child = this.addModule(head, new WeightTree());
      this.#children.set(head, child);
    }
    return child.put(path.slice(dot + 1), initial);
  }
}
