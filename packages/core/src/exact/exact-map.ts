import { InvalidArgumentError, ShapeError } from '../errors/index.js';

/**
 * A feature map of one image in the deterministic evaluation ({@link ExactFn}): `height` x
 * `width` x `channels` values held as float64 (convolution outputs are float32 values),
 * row-major HWC (channels fastest), as one image of an NHWC tensor.
 */
export interface ExactMap {
  /** Rows. */
  readonly height: number;
  /** Columns. */
  readonly width: number;
  /** Channels. */
  readonly channels: number;
  /** `height * width * channels` values, HWC. */
  readonly data: Float64Array;
}

/**
 * Makes an {@link ExactMap}, zero-filled unless `data` is given.
 * @throws InvalidArgumentError for non-integer or negative sizes; ShapeError when `data` has the wrong length.
 */
export function exactMap(height: number, width: number, channels: number, data?: Float64Array): ExactMap {
  for (const [name, v] of [
    ['height', height],
    ['width', width],
    ['channels', channels],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 0) throw new InvalidArgumentError(`exactMap: ${name} must be a non-negative integer, found ${String(v)}`);
  }
  const size = height * width * channels;
  if (data !== undefined && data.length !== size) throw new ShapeError(`exactMap: ${height}x${width}x${channels} needs ${size} values, found ${data.length}`);
  return { height, width, channels, data: data ?? new Float64Array(size) };
}

/**
 * Concatenates maps of one size along channels (`tf.concat(..., 3)` of one image).
 * @throws ShapeError when the maps differ in height or width, or none is given.
 */
export function concatChannels(maps: readonly ExactMap[]): ExactMap {
  if (maps.length === 0) throw new ShapeError('concatChannels: needs at least one map');
  if (maps.length === 1) return maps[0]!;
  const { height, width } = maps[0]!;
  for (const m of maps) {
    if (m.height !== height || m.width !== width) throw new ShapeError(`concatChannels: maps of ${height}x${width} and ${m.height}x${m.width}`);
  }
  const channels = maps.reduce((a, m) => a + m.channels, 0);
  const out = new Float64Array(height * width * channels);
  for (let p = 0, o = 0; p < height * width; p++) {
    for (const m of maps) {
      out.set(m.data.subarray(p * m.channels, (p + 1) * m.channels), o);
      o += m.channels;
    }
  }
  return { height, width, channels, data: out };
}

/**
 * Channels `start .. start + count - 1` of a map.
 * @throws ShapeError for a range outside the map's channels.
 */
export function sliceChannels(map: ExactMap, start: number, count: number): ExactMap {
  if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 0 || start + count > map.channels) {
    throw new ShapeError(`sliceChannels: channels ${start}..${start + count - 1} of a map of ${map.channels}`);
  }
  if (start === 0 && count === map.channels) return map;
  const pixels = map.height * map.width;
  const out = new Float64Array(pixels * count);
  for (let p = 0; p < pixels; p++) out.set(map.data.subarray(p * map.channels + start, p * map.channels + start + count), p * count);
  return { height: map.height, width: map.width, channels: count, data: out };
}

/** Applies `f` to every value (a new map). */
export function mapValues(map: ExactMap, f: (v: number) => number): ExactMap {
  const out = new Float64Array(map.data.length);
  const d = map.data;
  for (let i = 0; i < d.length; i++) out[i] = f(d[i]!);
  return { height: map.height, width: map.width, channels: map.channels, data: out };
}

/**
 * Element-wise sum of two maps of one shape (a new map).
 * @throws ShapeError for different shapes.
 */
export function addMaps(a: ExactMap, b: ExactMap): ExactMap {
  if (a.height !== b.height || a.width !== b.width || a.channels !== b.channels) {
    throw new ShapeError(`addMaps: ${a.height}x${a.width}x${a.channels} and ${b.height}x${b.width}x${b.channels}`);
  }
  const out = new Float64Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = a.data[i]! + b.data[i]!;
  return { height: a.height, width: a.width, channels: a.channels, data: out };
}

/** The values rounded to float32, as TF.js stores them. */
export function toFloat32(map: ExactMap): Float32Array {
  return Float32Array.from(map.data);
}
