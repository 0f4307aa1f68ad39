/**
 * `Module`: a tree of named TensorFlow.js variables, in the manner of `torch.nn.Module`
 * and `tf.Module`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ModelMismatchError } from '../errors/index.js';
import { uniqueVariableName } from './variable-name.js';

/** Tensor dtypes a module weight may have (those a state dict can store). */
export type WeightDtype = 'float32' | 'int32' | 'bool';

/** A flat map from dotted parameter path (`"encoder.conv1.kernel"`) to tensor. */
export type StateDict = Record<string, tf.Tensor>;

/** Options of {@link Module.addWeight}. */
export interface AddWeightOptions {
  /** Whether optimizers should update the weight (`variable.trainable`). Default `true`. */
  readonly trainable?: boolean;
  /** Cast the initial value to this dtype. Default: the initial value's dtype. */
  readonly dtype?: WeightDtype;
}

/** Options of {@link Module.loadStateDict}. */
export interface LoadStateDictOptions {
  /**
   * When `true` (the default), every variable of the module must have an entry and every
   * entry must name a variable. When `false`, missing and unexpected keys are reported in
   * the result instead. Shape and dtype mismatches are refused either way.
   */
  readonly strict?: boolean;
}

/** What {@link Module.loadStateDict} did not match (always empty lists in strict mode). */
export interface LoadStateDictResult {
  /** Variable paths that had no entry in the dict (left unchanged). */
  readonly missingKeys: readonly string[];
  /** Dict keys that name no variable (ignored). */
  readonly unexpectedKeys: readonly string[];
}

/** Options of {@link Module.numParameters}. */
export interface NumParametersOptions {
  /** Count only trainable variables. Default `false` (count all). */
  readonly trainableOnly?: boolean;
}

// Identifier-like segments (letters, digits, "_", "-"): paths then split unambiguously on
// "." and stay valid keys in safetensors and PyTorch checkpoints ("features.0.weight").
const NAME_PATTERN = /^[A-Za-z0-9_-]+$/;

function describeTensor(t: tf.Tensor): string {
  return `${t.dtype} [${t.shape.join(', ')}]`;
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value !== 'object') return typeof value;
  const ctor = (value as { constructor?: { name?: unknown } }).constructor;
  return typeof ctor?.name === 'string' ? `a ${ctor.name}` : 'an object';
}

/**
 * Base class of every ncomp layer and model: owns named `tf.Variable`s and child modules,
 * addressed by dotted paths (`"analysis.conv1.kernel"`).
 *
 * Subclasses create their parameters in the constructor with {@link Module.addWeight}
 * and register sub-layers with {@link Module.addModule}, keeping the returned objects
 * in fields for their forward computation. Enumeration order is registration order:
 * a module's own weights first, then each child's, depth first (as PyTorch does).
 *
 * Ownership: the module owns its variables; {@link Module.dispose} frees them and those
 * of every descendant.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { Module, setBackend } from '@ncomp/core';
 *
 * class Dense extends Module {
 *   readonly kernel: tf.Variable;
 *   readonly bias: tf.Variable;
 *   constructor(inputs: number, units: number) {
 *     super();
 *     this.kernel = this.addWeight('kernel', () => tf.randomNormal([inputs, units], 0, 0.1));
 *     this.bias = this.addWeight('bias', () => tf.zeros([units]));
 *   }
 *   forward(x: tf.Tensor2D): tf.Tensor2D {
 *     return tf.tidy(() => tf.add(tf.matMul(x, this.kernel), this.bias));
 *   }
 * }
 *
 * await setBackend('auto');
 * const layer = new Dense(4, 2);
 * assert.equal(layer.numParameters(), 4 * 2 + 2);
 * const state = layer.stateDict(); // path -> tensor copy, as saved in safetensors files
 * assert.deepEqual(Object.keys(state), ['kernel', 'bias']);
 * tf.dispose(Object.values(state));
 * const x = tf.ones([3, 4]) as tf.Tensor2D;
 * const y = layer.forward(x);
 * assert.deepEqual(y.shape, [3, 2]);
 * tf.dispose([x, y]);
 * layer.dispose();
 * ```
 */
export class Module {
  readonly #weights = new Map<string, tf.Variable>();
  readonly #children = new Map<string, Module>();
  #parent: Module | undefined;
  #disposed = false;

  /** True after {@link Module.dispose}; a disposed module refuses further use. */
  get isDisposed(): boolean {
    return this.#disposed;
  }

  /**
   * Creates and registers a variable.
   *
   * @param name - Local name: letters, digits, `_` or `-`, unique among this module's
   *   weights and children.
   * @param initial - The initial value, either a tensor, which the caller keeps owning
   *   (the variable shares its data by reference count, so disposing it afterwards is
   *   safe and expected), or a function creating one, which runs inside `tf.tidy` and
   *   whose result is disposed here.
   * @param options - `trainable` (default `true`) and an optional `dtype` cast.
   * @returns The new variable (also reachable as `namedVariables().get(path)`). Its TF.js
   *   engine name is generated to be unique, since the engine refuses duplicate names.
   * @throws InvalidArgumentError for a bad or duplicate name, a non-tensor initial value,
   *   an unsupported dtype (only float32, int32 and bool), or a disposed module.
   */
  protected addWeight(name: string, initial: tf.Tensor | (() => tf.Tensor), options: AddWeightOptions = {}): tf.Variable {
    this.#checkUsable();
    this.#checkNewName(name);
    const owned = typeof initial === 'function';
    const value: unknown = owned ? tf.tidy(initial) : initial;
    try {
      if (!(value instanceof tf.Tensor)) {
        throw new InvalidArgumentError(`${this.#label()}: initial value of weight "${name}" must be a tf.Tensor, found ${describeValue(value)}`);
      }
      const dtype = options.dtype ?? value.dtype;
      if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'bool') {
        throw new InvalidArgumentError(`${this.#label()}: weight "${name}" must be float32, int32 or bool, found ${value.dtype}`);
      }
      // Cast here rather than through tf.variable's dtype argument: that path leaks the
      // intermediate cast tensor in TF.js 4.
      const source = dtype === value.dtype ? value : tf.cast(value, dtype);
      try {
        const variable = tf.variable(source, options.trainable ?? true, uniqueVariableName(this.constructor.name, name));
        this.#weights.set(name, variable);
        return variable;
      } finally {
        if (source !== value) source.dispose();
      }
    } finally {
      if (owned && value instanceof tf.Tensor) value.dispose();
    }
  }

  /**
   * Registers a child module under `name`; its variables then appear under `name.`.
   *
   * @param name - Local name, as for {@link Module.addWeight}.
   * @param child - A module without a parent, not this module or one of its ancestors.
   * @returns `child`, for assignment to a field.
   * @throws InvalidArgumentError for a bad or duplicate name, a child that already has a
   *   parent, a cycle, or a disposed module.
   */
  protected addModule<M extends Module>(name: string, child: M): M {
    this.#checkUsable();
    this.#checkNewName(name);
    if (!(child instanceof Module)) {
      throw new InvalidArgumentError(`${this.#label()}: child "${name}" must be a Module, found ${describeValue(child)}`);
    }
    if (child.#disposed) throw new InvalidArgumentError(`${this.#label()}: child "${name}" has been disposed`);
    if (child.#parent !== undefined) {
      // One parent only: a shared child would be listed (and saved, and counted) twice.
      throw new InvalidArgumentError(`${this.#label()}: child "${name}" is already registered in another module`);
    }
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- walks up from this module to the root
    for (let m: Module | undefined = this; m !== undefined; m = m.#parent) {
      if (m === child) throw new InvalidArgumentError(`${this.#label()}: adding "${name}" would create a cycle`);
    }
    child.#parent = this;
    this.#children.set(name, child);
    return child;
  }

  /**
   * All variables of this module and its descendants by dotted path, in registration
   * order (own weights first, then each child's, depth first). The variables are the
   * module's own (not copies): do not dispose them.
   */
  namedVariables(): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    this.#collect('', out);
    return out;
  }

  /** All variables (trainable and not), in {@link Module.namedVariables} order. */
  variables(): tf.Variable[] {
    return [...this.namedVariables().values()];
  }

  /** Variables whose `trainable` flag is set (what an optimizer should update). */
  trainableVariables(): tf.Variable[] {
    return this.variables().filter((v) => v.trainable);
  }

  /** Variables whose `trainable` flag is cleared (frozen weights, running statistics). */
  nonTrainableVariables(): tf.Variable[] {
    return this.variables().filter((v) => !v.trainable);
  }

  /** Direct child modules by local name, in registration order. */
  children(): Map<string, Module> {
    return new Map(this.#children);
  }

  /**
   * Number of scalar parameters: the summed element counts of the variables.
   *
   * @param options - `trainableOnly` to count only trainable variables.
   */
  numParameters(options: NumParametersOptions = {}): number {
    const vars = options.trainableOnly === true ? this.trainableVariables() : this.variables();
    return vars.reduce((n, v) => n + v.size, 0);
  }

  /**
   * A snapshot of every variable by dotted path.
   *
   * The values are new tensors (`tf.clone`), owned by the caller, who must dispose them
   * (e.g. `tf.dispose(Object.values(dict))`). They share storage with the variables by
   * reference count, so taking a snapshot is cheap, and they keep their values when the
   * variables are later assigned (TF.js assignment rebinds a variable to new storage,
   * it never writes into the old one).
   *
   * @throws InvalidArgumentError if the module or one of its variables was disposed.
   */
  stateDict(): StateDict {
    this.#checkUsable();
    const named = this.namedVariables();
    for (const [path, v] of named) {
      if (v.isDisposed) throw new InvalidArgumentError(`${this.#label()}: variable "${path}" has been disposed`);
    }
    const dict: StateDict = {};
    for (const [path, v] of named) dict[path] = tf.clone(v);
    for (const [prefix, m] of this.#namedModules()) {
      for (const [k, t] of Object.entries(m.extraStateDict())) dict[prefix + k] = t;
    }
    return dict;
  }

  /**
   * State that is not a variable (for example an entropy model's integer CDF tables), by
   * local key, as new tensors owned by the caller. Included, with the module's path prefix,
   * in the {@link Module.stateDict} of this module and of every ancestor. Default: none.
   */
  protected extraStateDict(): StateDict {
    return {};
  }

  /** Local keys {@link Module.extraStateDict} produces and {@link Module.loadExtraState} expects. Default: none. */
  protected extraStateKeys(): readonly string[] {
    return [];
  }

  /**
   * Validates extra state entries (local keys; only those of {@link Module.extraStateKeys}
   * present in the dict) and returns a function that applies them. Called by
   * {@link Module.loadStateDict} of this module or an ancestor before anything is
   * assigned, so a bad entry loads nothing.
   * @throws ModelMismatchError for entries that do not fit.
   */
  protected loadExtraState(entries: Readonly<Record<string, unknown>>): () => void {
    void entries;
    return () => undefined;
  }

  /**
   * Assigns variables from a state dict, all or nothing.
   *
   * Everything is validated before anything is assigned: keys (in strict mode), that
   * each entry is a live `tf.Tensor`, and that its dtype and shape equal the variable's.
   * If anything is wrong, a {@link ModelMismatchError} lists every problem (expected vs
   * found) and no variable changes.
   *
   * Ownership: the caller keeps owning the dict's tensors and may dispose them after the
   * call; the variables share their storage by reference count.
   *
   * @param dict - Tensors by dotted path (as returned by {@link Module.stateDict} or
   *   `safetensorsToStateDict`).
   * @param options - `strict` (default `true`).
   * @returns The missing and unexpected keys (both empty in strict mode).
   * @throws ModelMismatchError for any mismatch; InvalidArgumentError for a disposed module.
   */
  loadStateDict(dict: Readonly<Record<string, unknown>>, options: LoadStateDictOptions = {}): LoadStateDictResult {
    this.#checkUsable();
    const strict = options.strict ?? true;
    const named = this.namedVariables();
    const modules = this.#namedModules();
    const extraKeys = new Set<string>();
    for (const [prefix, m] of modules) for (const k of m.extraStateKeys()) extraKeys.add(prefix + k);
    // Own keys only: inherited names such as "constructor" are not entries.
    const keys = Object.keys(dict);
    const missingKeys = [...named.keys(), ...extraKeys].filter((k) => !Object.hasOwn(dict, k));
    const unexpectedKeys = keys.filter((k) => !named.has(k) && !extraKeys.has(k));
    const problems: string[] = [];
    if (strict) {
      for (const k of missingKeys) {
        const v = named.get(k);
        problems.push(`missing key "${k}": expected ${v ? describeTensor(v) : 'module state that is not a variable'}`);
      }
      for (const k of unexpectedKeys) {
        const value = dict[k];
        const found = value instanceof tf.Tensor ? describeTensor(value) : describeValue(value);
        problems.push(`unexpected key "${k}": found ${found}, but the module has no such variable`);
      }
    }
    const assignments: Array<[tf.Variable, tf.Tensor]> = [];
    for (const [path, variable] of named) {
      if (!Object.hasOwn(dict, path)) continue;
      const value = dict[path];
      if (!(value instanceof tf.Tensor)) {
        problems.push(`"${path}": expected a tf.Tensor ${describeTensor(variable)}, found ${describeValue(value)}`);
      } else if (value.isDisposed) {
        problems.push(`"${path}": expected ${describeTensor(variable)}, found a disposed tensor`);
      } else if (value.dtype !== variable.dtype || !tf.util.arraysEqual(value.shape, variable.shape)) {
        problems.push(`"${path}": expected ${describeTensor(variable)}, found ${describeTensor(value)}`);
      } else {
        assignments.push([variable, value]);
      }
    }
    const commits: Array<() => void> = [];
    for (const [prefix, m] of modules) {
      const local: Record<string, unknown> = {};
      for (const k of m.extraStateKeys()) if (Object.hasOwn(dict, prefix + k)) local[k] = dict[prefix + k];
      if (Object.keys(local).length === 0) continue;
      try {
        commits.push(m.loadExtraState(local));
      } catch (err) {
        if (!(err instanceof ModelMismatchError)) throw err;
        problems.push(`${prefix === '' ? '' : `"${prefix.slice(0, -1)}": `}${err.message}`);
      }
    }
    if (problems.length > 0) {
      throw new ModelMismatchError(
        `${this.#label()}: state dict does not match the module (${problems.length} problem${problems.length === 1 ? '' : 's'}; nothing was loaded):\n` +
          problems.map((p) => `  - ${p}`).join('\n'),
      );
    }
    for (const [variable, value] of assignments) variable.assign(value);
    for (const commit of commits) commit();
    return { missingKeys: strict ? [] : missingKeys, unexpectedKeys: strict ? [] : unexpectedKeys };
  }

  /**
   * Disposes every variable of this module and its descendants. Idempotent. Afterwards
   * the module refuses `addWeight`, `addModule`, `stateDict` and `loadStateDict`.
   */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const v of this.#weights.values()) if (!v.isDisposed) v.dispose();
    for (const child of this.#children.values()) child.dispose();
  }

  /** This module ('') and its descendants by dotted path prefix ('child.', 'child.sub.'). */
  #namedModules(): Map<string, Module> {
    const out = new Map<string, Module>([['', this]]);
    const walk = (m: Module, prefix: string): void => {
      for (const [name, child] of m.#children) {
        out.set(`${prefix}${name}.`, child);
        walk(child, `${prefix}${name}.`);
      }
    };
    walk(this, '');
    return out;
  }

  #collect(prefix: string, out: Map<string, tf.Variable>): void {
    for (const [name, v] of this.#weights) out.set(prefix + name, v);
    for (const [name, child] of this.#children) child.#collect(`${prefix}${name}.`, out);
  }

  #checkNewName(name: string): void {
    if (typeof name !== 'string' || !NAME_PATTERN.test(name) || name === '__proto__') {
      throw new InvalidArgumentError(`${this.#label()}: name ${JSON.stringify(name)} must be non-empty and use only letters, digits, "_" and "-"`);
    }
    if (this.#weights.has(name) || this.#children.has(name)) {
      throw new InvalidArgumentError(`${this.#label()}: name "${name}" is already used by a weight or child module`);
    }
  }

  #checkUsable(): void {
    if (this.#disposed) throw new InvalidArgumentError(`${this.#label()} has been disposed`);
  }

  #label(): string {
    return this.constructor.name || 'Module';
  }
}
