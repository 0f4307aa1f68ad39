import { ModelMismatchError } from '@ncomp/core';
import * as tf from '@tensorflow/tfjs-core';

/** What {@link Adam.stateDict} returns. */
export interface AdamState {
  /** Moments by `m.<name>` / `v.<name>` (clones, owned by the caller). */
  readonly tensors: Record<string, tf.Tensor>;
  /** Steps taken. */
  readonly step: number;
}

/** Options of {@link Adam}. */
export interface AdamOptions {
  /** β1, default 0.9. */
  readonly beta1?: number;
  /** β2, default 0.999. */
  readonly beta2?: number;
  /** ε, default 1e-8. */
  readonly epsilon?: number;
}

/**
 * Adam (Kingma & Ba 2015) over named parameters, with its moments keyed by the
 * parameters' state-dict names, so optimizer state saves and resumes across processes
 * (TF.js's own optimizers key state by auto-generated variable names, which depend on
 * creation order). The learning rate is given per step, so schedules stay outside.
 */
export class Adam {
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  /** Steps taken (for bias correction). */
  step = 0;

  /** @param options - See {@link AdamOptions}. */
  constructor(options: AdamOptions = {}) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
  }

  /**
   * Applies one update.
   * @param params - Variables by name.
   * @param grads - Gradients by the same names (missing: not updated).
   * @param learningRate - Step size.
   * @param multiplier - Optional per-parameter factor on the step size.
   */
  apply(
    params: ReadonlyMap<string, tf.Variable>,
    grads: Readonly<Record<string, tf.Tensor>>,
    learningRate: number,
    multiplier?: (name: string) => number,
  ): void {
    this.step += 1;
    const c1 = 1 - this.beta1 ** this.step;
    const c2 = 1 - this.beta2 ** this.step;
    for (const [name, p] of params) {
      const g = grads[name];
      if (!g) continue;
      const m = this.moment(this.m, name, p);
      const v = this.moment(this.v, name, p);
      tf.tidy(() => {
        const m1 = tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1));
        const v1 = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        m.assign(m1);
        v.assign(v1);
        const update = tf.div(tf.div(m1, c1), tf.add(tf.sqrt(tf.div(v1, c2)), this.epsilon));
        p.assign(tf.sub(p, tf.mul(update, learningRate * (multiplier ? multiplier(name) : 1))));
      });
    }
  }

  private moment(store: Map<string, tf.Variable>, name: string, p: tf.Variable): tf.Variable {
    let t = store.get(name);
    if (!t) {
      const zeros = tf.zerosLike(p);
      t = tf.variable(zeros, false);
      zeros.dispose();
      store.set(name, t);
    }
    return t;
  }

  /** Moments as a state dict (`m.<name>`, `v.<name>`, clones) and the step count. */
  stateDict(): AdamState {
    const tensors: Record<string, tf.Tensor> = {};
    for (const [k, t] of this.m) tensors[`m.${k}`] = tf.clone(t);
    for (const [k, t] of this.v) tensors[`v.${k}`] = tf.clone(t);
    return { tensors, step: this.step };
  }

  /**
   * Restores moments saved by {@link Adam.stateDict} for the given parameters.
   * @throws ModelMismatchError when a moment is missing or mis-shaped.
   */
  loadStateDict(params: ReadonlyMap<string, tf.Variable>, tensors: Readonly<Record<string, tf.Tensor>>, step: number): void {
    for (const [name, p] of params) {
      for (const prefix of ['m', 'v']) {
        const t = tensors[`${prefix}.${name}`];
        if (!t) throw new ModelMismatchError(`optimizer state lacks ${prefix}.${name}`);
        if (!tf.util.arraysEqual(t.shape, p.shape))
          throw new ModelMismatchError(`optimizer state ${prefix}.${name} has shape [${t.shape.join(', ')}], expected [${p.shape.join(', ')}]`);
      }
    }
    this.dispose();
    for (const name of params.keys()) {
      this.m.set(name, tf.variable(tensors[`m.${name}`]!, false));
      this.v.set(name, tf.variable(tensors[`v.${name}`]!, false));
    }
    this.step = step;
  }

  /** Frees the moments. */
  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}
