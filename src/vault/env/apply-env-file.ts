import { mapWithConcurrency } from '../../common/async';
import {
  EnvReferenceUnresolvedError,
  EnvSecretAlreadyExistsError,
  EnvValueNotRepresentableError,
  PayloadTooLargeError,
  ProblemDetail,
  SecretNotFoundError,
  ValidationFailedError,
} from '../../common/errors';
import { isReservedName, RESERVED_NAME_RULE } from '../../common/names';
import { directiveOf, EnvEntry, parseEnv, quoteForDotenv, renderEnv, SECRET_NAME_PATTERN } from '../../env-file';
import { MAX_SECRET_BYTES } from '../../shamir';
import { MAX_ITEMS_PER_TRANSACTION } from '../protocol';
import { IdempotencyRequest } from '../secrets/idempotency';
import { ItemProblem, WriteIntent } from '../secrets/secret-transaction';
import { SecretTransactions } from '../secrets/secret-transactions';
import { SecretReader } from '../secrets/secret-reader';

/** How many secret(...) references are read at once. */
const READ_CONCURRENCY = 32;

/**
 * The most entries one `.env` request may hold (every enc(...) secret of a file is created
 * by one transaction, and every reference locked by it). Checked right after parsing,
 * before any read or split: a larger file is 413 at once (docs/env.md).
 */
export const MAX_ENV_ENTRIES = MAX_ITEMS_PER_TRANSACTION;

export interface ApplyEnvCommand {
  content: string;
  gatewayTime: number;
  idempotency?: IdempotencyRequest;
  /**
   * Checks the caller may read every secret(...) name and write every enc(...) name, all
   * at once, before anything is read or split (docs/security.md); throws 403 otherwise.
   */
  authorize?: (needs: { read: string[]; write: string[] }) => void;
}

export interface AppliedEnvFile {
  content: string;
  created: string[];
  resolved: string[];
}

interface EncLine {
  entry: EnvEntry;
  value: string;
}

interface RefLine {
  entry: EnvEntry;
  name: string;
}

/**
 * POST /v1/env (docs/env.md). All or nothing: the file is checked, every reference read
 * and every output value quoted BEFORE anything is written; then all enc(...) secrets are
 * created by one two-phase commit that also holds the referenced names' locks and checks
 * they still exist, so a reference deleted meanwhile fails the whole request too.
 */
export class ApplyEnvFile {
  constructor(
    private readonly transactions: SecretTransactions,
    private readonly reader: SecretReader,
  ) {}

  async apply(command: ApplyEnvCommand): Promise<AppliedEnvFile> {
    const { document, problems } = parseEnv(command.content);
    if (document.entries.length > MAX_ENV_ENTRIES) {
      throw new PayloadTooLargeError(`A .env request holds at most ${MAX_ENV_ENTRIES} entries; this one holds ${document.entries.length}.`);
    }
    const details: ProblemDetail[] = problems.map((p) => ({ line: p.line, message: p.message }));
    const encs: EncLine[] = [];
    const refs: RefLine[] = [];
    const oversized: ProblemDetail[] = [];
    for (const entry of document.entries) {
      const directive = directiveOf(entry.value);
      if (directive?.kind === 'enc') {
        if (!SECRET_NAME_PATTERN.test(entry.key)) {
          details.push({ line: entry.line, name: entry.key, message: `${entry.key} is not a valid secret name, so enc(...) cannot create it` });
        } else if (isReservedName(entry.key)) {
          details.push({ line: entry.line, name: entry.key, message: `enc(...) cannot create ${entry.key}: ${RESERVED_NAME_RULE}` });
        } else if (Buffer.byteLength(directive.value, 'utf8') > MAX_SECRET_BYTES) {
          oversized.push({ line: entry.line, name: entry.key, message: `the enc(...) value of ${entry.key} is larger than ${MAX_SECRET_BYTES} bytes` });
        } else {
          encs.push({ entry, value: directive.value });
        }
      } else if (directive?.kind === 'secret') {
        if (!SECRET_NAME_PATTERN.test(directive.name)) {
          details.push({ line: entry.line, message: `secret(...) on ${entry.key} does not name a valid secret` });
        } else if (isReservedName(directive.name)) {
          details.push({ line: entry.line, name: directive.name, message: `secret(...) on ${entry.key} cannot read ${directive.name}: ${RESERVED_NAME_RULE}` });
        } else {
          refs.push({ entry, name: directive.name });
        }
      }
    }
    if (details.length > 0) throw new ValidationFailedError(sortByLine(details), 'The .env content is invalid.');
    if (oversized.length > 0) throw new PayloadTooLargeError('An enc(...) value is too large.', oversized);
    command.authorize?.({ read: unique(refs.map((r) => r.name)), write: encs.map((e) => e.entry.key) });

    const encValues = new Map(encs.map((e) => [e.entry.key, e.value]));
    const external = unique(refs.map((r) => r.name).filter((name) => !encValues.has(name)));
    const { values, unresolved } = await this.resolve(external);

    // Quote every output value now: a value dotenv cannot read back fails the request
    // before anything is created.
    const replacements = new Map<number, string>();
    const notRepresentable: string[] = [];
    for (const enc of encs) replacements.set(enc.entry.index, quoteForDotenv(`secret(${enc.entry.key})`)!);
    for (const ref of refs) {
      const value = encValues.get(ref.name) ?? values.get(ref.name);
      if (value === undefined) continue;
      const token = quoteForDotenv(value);
      if (token === null) notRepresentable.push(ref.name);
      else replacements.set(ref.entry.index, token);
    }

    const knownProblems: ItemProblem[] = [
      ...unresolved.map((name): ItemProblem => ({ name, kind: 'not-found' })),
      ...unique(notRepresentable).map((name): ItemProblem => ({ name, kind: 'rejected' })),
    ];
    let created: string[] = [];
    if (encs.length > 0) created = await this.createAll(command, encs, external, knownProblems, refs);
    else if (knownProblems.length > 0) throw this.problemsError(knownProblems, encs, refs);

    return { content: renderEnv(document, replacements), created, resolved: unique(refs.map((r) => r.name)) };
  }

  private async resolve(names: string[]): Promise<{ values: Map<string, string>; unresolved: string[] }> {
    const values = new Map<string, string>();
    const missing = new Set<string>();
    await mapWithConcurrency(names, READ_CONCURRENCY, async (name) => {
      try {
        values.set(name, (await this.reader.read(name)).value);
      } catch (error) {
        if (error instanceof SecretNotFoundError) missing.add(name);
        else throw error;
      }
    });
    // In file order, whatever order the reads finished in.
    return { values, unresolved: names.filter((name) => missing.has(name)) };
  }

  private async createAll(command: ApplyEnvCommand, encs: EncLine[], external: string[], knownProblems: ItemProblem[], refs: RefLine[]): Promise<string[]> {
    const splits = await Promise.all(encs.map((e) => this.transactions.split(e.value)));
    const intents: WriteIntent[] = [
      ...encs.map((e, i): WriteIntent => ({ name: e.entry.key, op: 'create', split: splits[i] })),
      ...external.map((name): WriteIntent => ({ name, op: 'check' })),
    ];
    try {
      return await this.transactions.run<string[]>({
        intents,
        gatewayTime: command.gatewayTime,
        idempotency: command.idempotency,
        knownProblems,
        onProblems: (problems) => this.problemsError(problems, encs, refs),
        response: () => ({ created: encs.map((e) => e.entry.key) }),
        finish: (response) => response.created as string[],
      });
    } finally {
      for (const split of splits) split.wipe();
    }
  }

  /**
   * One error for every problem of the file. Its code is the first that applies of
   * ENV_SECRET_ALREADY_EXISTS, ENV_REFERENCE_UNRESOLVED, ENV_VALUE_NOT_REPRESENTABLE;
   * `names` lists every name of that kind and `details` every problem with its line.
   */
  private problemsError(problems: ItemProblem[], encs: EncLine[], refs: RefLine[]): Error {
    // Names in the order the file first mentions them, so the answer is stable.
    const firstLine = new Map<string, number>();
    for (const { entry, name } of [...encs.map((e) => ({ entry: e.entry, name: e.entry.key })), ...refs]) {
      if (!firstLine.has(name) || entry.line < firstLine.get(name)!) firstLine.set(name, entry.line);
    }
    const namesOf = (kind: ItemProblem['kind']) =>
      unique(problems.filter((p) => p.kind === kind).map((p) => p.name)).sort((a, b) => (firstLine.get(a) ?? 0) - (firstLine.get(b) ?? 0));
    const existing = namesOf('exists');
    const unresolved = namesOf('not-found');
    const rejected = namesOf('rejected');
    const details: ProblemDetail[] = [
      ...encs.filter((e) => existing.includes(e.entry.key)).map((e) => ({ line: e.entry.line, name: e.entry.key, message: `secret ${e.entry.key} already exists` })),
      ...refs.filter((r) => unresolved.includes(r.name)).map((r) => ({ line: r.entry.line, name: r.name, message: `secret ${r.name} cannot be resolved` })),
      ...refs.filter((r) => rejected.includes(r.name)).map((r) => ({ line: r.entry.line, name: r.name, message: `the value of ${r.name} cannot be written so that dotenv reads it back exactly` })),
    ];
    if (existing.length > 0) return new EnvSecretAlreadyExistsError(existing, sortByLine(details));
    if (unresolved.length > 0) return new EnvReferenceUnresolvedError(unresolved, sortByLine(details));
    return new EnvValueNotRepresentableError(rejected, sortByLine(details));
  }
}

function unique(names: string[]): string[] {
  return [...new Set(names)];
}

function sortByLine(details: ProblemDetail[]): ProblemDetail[] {
  return [...details].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}
