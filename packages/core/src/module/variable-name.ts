/**
 * Unique names for TensorFlow.js variables. The engine keeps one global registry of
 * variable names and `tf.variable` throws when a name is taken, so two instances of the
 * same module (or a module created after a disposed one leaked a name) must never ask for
 * the same name.
 */
import * as tf from '@tensorflow/tfjs-core';

// Process-wide counter: names stay unique across every Module instance in this copy of
// the package.
let counter = 0;

/**
 * Returns an engine variable name that is not registered yet, of the form
 * `ncomp/<owner>/<weight>_<n>`. The prefix keeps ncomp's names apart from TF.js's own
 * numeric default names; the registry check guards against names created elsewhere
 * (for example by a second copy of this package sharing the same engine).
 *
 * @param owner - Human-readable owner, typically the module's class name.
 * @param weight - The weight's local name.
 */
export function uniqueVariableName(owner: string, weight: string): string {
  const registered = tf.engine().registeredVariables;
  for (;;) {
    const name = `ncomp/${owner}/${weight}_${counter++}`;
    if (!Object.hasOwn(registered, name)) return name;
  }
}
