/** A reason the content is not valid `.env` text. The message never quotes a value. */
export interface EnvProblem {
  /** 1-based physical line (CRLF, LF and a lone CR each end a line). */
  line: number;
  message: string;
}

export interface EnvEntry {
  /** Position in `EnvDocument.entries`; the key of a replacement in `renderEnv`. */
  index: number;
  key: string;
  /** The value after dotenv's unquoting and unescaping: what `dotenv.parse` returns. */
  value: string;
  /** 1-based physical line where the entry starts. */
  line: number;
}

/** Where an entry's value token (quotes included) sits in the source: `[start, end)`. */
export interface ValueSpan {
  start: number;
  end: number;
}

export interface EnvDocument {
  entries: EnvEntry[];
  /** The content exactly as parsed; rendering splices new value tokens into it. */
  readonly source: string;
  /** The span of each entry's value token, in the same order as `entries`. */
  readonly valueSpans: readonly ValueSpan[];
}

export type EnvDirective = { kind: 'enc'; value: string } | { kind: 'secret'; name: string };
