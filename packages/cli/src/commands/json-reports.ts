/**
 * The JSON documents `--json` prints on stdout (exactly one per run, nothing else on stdout;
 * messages stay on stderr). Field names are stable: new fields may be added, none renamed or
 * removed without a major version. Numbers that were not measured (NaN) are `null`. A
 * command that fails as a whole (a usage error, a model that does not load) prints a
 * {@link JsonFailure}.
 */
import type { SummaryRow } from './eval-report.js';
import type { EvalResults } from './eval-results.js';

/** Fields every document has. */
export interface JsonReportBase {
  /** The command: `compress`, `decompress`, `info` or `eval`. */
  readonly command: string;
  /** Whether everything succeeded (the exit code is 0). */
  readonly ok: boolean;
}

/** The document of a command that failed as a whole (nothing was done, or it stopped). */
export interface JsonFailure extends JsonReportBase {
  /** Always false. */
  readonly ok: false;
  /** The one-line message (the same as on stderr). */
  readonly error: string;
  /** The exit code (1 a failure, 2 a usage error). */
  readonly exitCode: number;
}

/** An input that failed (the others went on). */
export interface JsonFileFailure {
  /** The input as given (`-` for stdin). */
  readonly input: string;
  /** Where its output was to go (`-` for stdout; absent for info). */
  readonly output?: string;
  /** Always false. */
  readonly ok: false;
  /** The one-line message (the same as on stderr). */
  readonly error: string;
  /** The exit code it stands for alone (1 or 2). */
  readonly exitCode: number;
}

/** How many inputs succeeded and failed. */
export interface JsonCounts {
  /** Inputs in all. */
  readonly inputs: number;
  /** Inputs done. */
  readonly succeeded: number;
  /** Inputs that failed. */
  readonly failed: number;
}

/** `ncomp compress --json`. */
export interface CompressReport extends JsonReportBase {
  /** `compress`. */
  readonly command: 'compress';
  /** The model used. */
  readonly model: {
    /** Architecture name. */
    readonly name: string;
    /** The model file. */
    readonly file: string;
    /** The rate level every image was compressed at. */
    readonly quality: number;
  };
  /** One entry per input, in order. */
  readonly files: readonly (CompressedFileReport | JsonFileFailure)[];
  /** Counts. */
  readonly counts: JsonCounts;
}

/** One compressed image. */
export interface CompressedFileReport {
  /** The input as given (`-` for stdin). */
  readonly input: string;
  /** The .ncomp written (`-` for stdout). */
  readonly output: string;
  /** Always true. */
  readonly ok: true;
  /** Image width in pixels. */
  readonly width: number;
  /** Image height in pixels. */
  readonly height: number;
  /** Size of the .ncomp file in bytes (container included). */
  readonly bytes: number;
  /** Bits per pixel of the whole file: `8 · bytes / (width · height)`. */
  readonly bpp: number;
  /** Compression time in milliseconds (reading and writing excluded). */
  readonly ms: number;
}

/** `ncomp decompress --json`. */
export interface DecompressReport extends JsonReportBase {
  /** `decompress`. */
  readonly command: 'decompress';
  /** The model used. */
  readonly model: {
    /** Architecture name. */
    readonly name: string;
    /** The model file. */
    readonly file: string;
    /** The decode-time control (`beta`, `alpha`) and its value, for models that have one. */
    readonly control?: {
      /** `beta` or `alpha`. */
      readonly name: string;
      /** The value decoded at. */
      readonly value: number;
    };
  };
  /** One entry per input, in order. */
  readonly files: readonly (DecompressedFileReport | JsonFileFailure)[];
  /** Counts. */
  readonly counts: JsonCounts;
}

/** One decoded file. */
export interface DecompressedFileReport {
  /** The input as given (`-` for stdin). */
  readonly input: string;
  /** The PNG written (`-` for stdout). */
  readonly output: string;
  /** Always true. */
  readonly ok: true;
  /** Image width in pixels. */
  readonly width: number;
  /** Image height in pixels. */
  readonly height: number;
  /** Size of the PNG in bytes. */
  readonly bytes: number;
  /** Decoding time in milliseconds (reading and PNG encoding excluded). */
  readonly ms: number;
}

/** `ncomp info <file.ncomp...> --json`. */
export interface InfoFilesReport extends JsonReportBase {
  /** `info`. */
  readonly command: 'info';
  /** One entry per file, in order. */
  readonly files: readonly (ContainerReport | JsonFileFailure)[];
  /** Counts. */
  readonly counts: JsonCounts;
}

/** What an .ncomp file holds (its header, stream sizes, totals). */
export interface ContainerReport {
  /** The file as given. */
  readonly input: string;
  /** Always true. */
  readonly ok: true;
  /** Container format version. */
  readonly format: number;
  /** Model architecture name. */
  readonly model: string;
  /** Weights digest, 32 hex digits (first 16 bytes of the weights file's SHA-256). */
  readonly weightsDigest: string;
  /** Image width in pixels. */
  readonly width: number;
  /** Image height in pixels. */
  readonly height: number;
  /** Coded width (padded) in pixels. */
  readonly paddedWidth: number;
  /** Coded height (padded) in pixels. */
  readonly paddedHeight: number;
  /** Channel layout of the source: `gray`, `gray-alpha`, `rgb`, `rgba`. */
  readonly channels: string;
  /** Bits per sample of the source: 8 or 16. */
  readonly bitDepth: number;
  /** Rate level. */
  readonly quality: number;
  /** Extra header values by key. */
  readonly extras: Readonly<Record<string, number>>;
  /** Byte length of each stream, in order. */
  readonly streams: readonly number[];
  /** File size in bytes. */
  readonly bytes: number;
  /** Bits per pixel of the whole file over `width · height`. */
  readonly bpp: number;
}

/** `ncomp info --json` without files: the backend `--backend` selects. */
export interface InfoBackendReport extends JsonReportBase {
  /** `info`. */
  readonly command: 'info';
  /** The backend. */
  readonly backend: {
    /** The backend chosen (`wasm`, `tensorflow`, ...). */
    readonly chosen: string;
    /** The package that provides it. */
    readonly package: string;
    /** Why it was chosen. */
    readonly reason: string;
    /** What it reports (TensorFlow.js flags, WebGPU adapter, ...). */
    readonly details: unknown;
  };
}

/** `ncomp eval --json`: the results document (as results.json) and the table's rows. */
export interface EvalReport extends JsonReportBase, EvalResults {
  /** `eval`. */
  readonly command: 'eval';
  /** The printed table: means over images per quality and control value, classical codecs beside. */
  readonly table: readonly SummaryRow[];
  /** With --out: the folder and the files written there. */
  readonly out?: {
    /** The `--out` folder. */
    readonly folder: string;
    /** The names of the files written there. */
    readonly files: readonly string[];
  };
}
