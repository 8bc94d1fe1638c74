import { readTlsMaterial, summarizeCertificate, TlsMaterial } from './tls-files';

export type ReloadTrigger = 'signal' | 'timer';
export type ReloadOutcome = 'unchanged' | 'reloaded' | 'refused';

type Log = (level: 'info' | 'warn', msg: string, fields: Record<string, unknown>) => void;

/**
 * Picks up a renewed certificate without a restart (docs/operations.md, "TLS certificates").
 * cert-manager, or any other renewer, rewrites the files of VAULT_TLS_CERT, VAULT_TLS_KEY and
 * VAULT_TLS_CA in place; this reads them again on SIGHUP and every VAULT_TLS_RELOAD_SECONDS,
 * and when they changed and make a usable context, hands them to `apply` (the listeners
 * and the peer channel). New connections then use them; open ones keep what they shook
 * hands with. Files that do not make a context (half written, a key that is not the
 * certificate's) are refused with a warning, and the replica keeps what it has.
 */
export class TlsReloader {
  private timer: NodeJS.Timeout | null = null;
  /** Since start: re-reads that applied changed files, and re-reads that found files it could not use (vault_tls_reloads_total). */
  readonly outcomes = { reloaded: 0, refused: 0 };

  constructor(
    private current: TlsMaterial,
    private readonly apply: (material: TlsMaterial) => void,
    private readonly log: Log,
  ) {}

  /** The material in use now. */
  get material(): TlsMaterial {
    return this.current;
  }

  reload(trigger: ReloadTrigger): ReloadOutcome {
    let next: TlsMaterial;
    try {
      next = readTlsMaterial(this.current.files);
    } catch (error) {
      return this.refuse(trigger, error);
    }
    if (next.cert === this.current.cert && next.key === this.current.key && next.ca === this.current.ca) return 'unchanged';
    try {
      this.apply(next);
    } catch (error) {
      return this.refuse(trigger, error);
    }
    const previous = this.current;
    this.current = next;
    this.outcomes.reloaded++;
    this.log('info', 'tls files reloaded', {
      trigger,
      certificate: summarizeCertificate(next.cert),
      previousFingerprint256: summarizeCertificate(previous.cert).fingerprint256,
      caChanged: next.ca !== previous.ca,
    });
    return 'reloaded';
  }

  /** When the certificate in use expires (ms since the epoch). */
  get expiresAt(): number {
    return Date.parse(summarizeCertificate(this.current.cert).validTo);
  }

  private refuse(trigger: ReloadTrigger, error: unknown): ReloadOutcome {
    this.outcomes.refused++;
    this.log('warn', 'tls files not reloaded: keeping the certificate in use', { trigger, reason: error instanceof Error ? error.message : String(error) });
    return 'refused';
  }

  /** Polls every `intervalMs` (0: never; SIGHUP still reloads). */
  start(intervalMs: number): void {
    if (intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => this.reload('timer'), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
