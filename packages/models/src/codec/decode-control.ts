import { InvalidArgumentError } from '@ncomp/core';
import type * as tf from '@tensorflow/tfjs-core';

/**
 * A number the receiver chooses when decoding, which changes the reconstruction but never
 * the bitstream: MRIC's realism weight `beta`, EGIC's residual weight `alpha`. Codecs that
 * have one describe it with this, so tools (the `ncomp` command, evaluations) can offer it,
 * check it and sweep it without knowing the model.
 */
export interface DecodeControl {
  /** Its name, as the command-line option spells it (`beta`, `alpha`). */
  readonly name: string;
  /** Smallest accepted value. */
  readonly min: number;
  /** Largest accepted value. */
  readonly max: number;
  /** The value `decompress` uses when none is given. */
  readonly defaultValue: number;
  /** Values an evaluation sweeps by default (within the model's intended range). */
  readonly sweep: readonly number[];
  /** One line on what the value does, for help texts and tables. */
  readonly description: string;
}

/**
 * Checks `value` against `control` and returns it (the default when undefined).
 * @throws InvalidArgumentError when the codec has no control but a value was given, or
 *   the value is outside [min, max].
 */
export function resolveControl(control: DecodeControl | undefined, value: number | undefined): number | undefined {
  if (control === undefined) {
    if (value !== undefined)
      throw new InvalidArgumentError(`this codec has no decode-time control; it decodes one reconstruction per bitstream (got ${value})`);
    return undefined;
  }
  const v = value ?? control.defaultValue;
  if (!(Number.isFinite(v) && v >= control.min && v <= control.max)) {
    throw new InvalidArgumentError(`${control.name} must be a number in [${control.min}, ${control.max}], found ${v}`);
  }
  return v;
}

/** The synthesis of one control value and what to release after it ran. */
export interface ControlledSynthesis {
  /** ŷ -> image (runs inside a tf.tidy). */
  readonly synthesize: (y: tf.Tensor4D) => tf.Tensor4D;
  /** Releases tensors the synthesis holds (e.g. conditioning features). */
  readonly dispose: () => void;
}
