import { LoggerService } from '@nestjs/common';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * Structured logging: one JSON object per line, with the node id. Callers pass names and
 * counts, never request bodies or secret values. A request's own line (the audit trail's,
 * the access log's, an unhandled error's) carries its request id as a field; lines from
 * deeper down do not: following the id through every await took AsyncLocalStorage, whose
 * promise hooks cost about a fifth of a replica's read throughput on Node 20
 * (docs/benchmarks.md).
 */
export class JsonLogger implements LoggerService {
  constructor(
    private readonly nodeId: string,
    private readonly minLevel: LogLevel = 'info',
    private readonly write: (line: string) => void = (line) => process.stdout.write(line + '\n'),
  ) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.emit('info', message, rest);
  }

  error(message: unknown, ...rest: unknown[]): void {
    this.emit('error', message, rest);
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.emit('warn', message, rest);
  }

  debug(message: unknown, ...rest: unknown[]): void {
    this.emit('debug', message, rest);
  }

  verbose(message: unknown, ...rest: unknown[]): void {
    this.emit('debug', message, rest);
  }

  /** Structured event with explicit fields. */
  event(level: LogLevel, msg: string, fields: Record<string, unknown> = {}): void {
    if (RANK[level] < RANK[this.minLevel]) return;
    const line: Record<string, unknown> = {
      time: new Date().toISOString(),
      level,
      node: this.nodeId,
      msg,
      ...fields,
    };
    this.write(JSON.stringify(line));
  }

  private emit(level: LogLevel, message: unknown, rest: unknown[]): void {
    // Nest passes the context (a class name) as the last string argument.
    const context = typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    const fields: Record<string, unknown> = {};
    if (context) fields.context = context;
    if (message instanceof Error) {
      fields.error = message.name;
      this.event(level, message.message, fields);
      return;
    }
    if (level === 'error' && typeof rest[0] === 'string') fields.stack = rest[0];
    this.event(level, typeof message === 'string' ? message : JSON.stringify(message), fields);
  }
}
