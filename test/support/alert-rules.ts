import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { runTool, ToolRun } from './run-tool';

const REPO = join(__dirname, '..', '..');
const PROMTOOL = join(REPO, '.tools', 'bin', 'promtool');
const WORK = join(REPO, '.tmp', 'alert-rules');

/** The alerting rules the chart ships (helm/vault/files/vault-alerts.yaml; docs/operations.md, "Alerts"). */
export const ALERT_RULES_FILE = join(REPO, 'helm', 'vault', 'files', 'vault-alerts.yaml');

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export function alertRules(): AlertRule[] {
  const file = parse(readFileSync(ALERT_RULES_FILE, 'utf8')) as { groups: Array<{ rules: AlertRule[] }> };
  return file.groups.flatMap((group) => group.rules);
}

/**
 * The metric families of our own that the rules read (`vault_...`; a histogram's
 * `_bucket` series counted as its family), each as a replica's /metrics names it in its
 * `# TYPE` line.
 */
export function metricFamiliesInAlertRules(): string[] {
  const names = alertRules().flatMap((rule) => rule.expr.match(/\bvault_[a-z_]+/g) ?? []);
  return [...new Set(names.map((name) => name.replace(/_bucket$/, '')))].sort();
}

/** Writes a rule file or a `promtool test rules` file under .tmp/alert-rules/; returns its path. */
export function writeRulesFile(name: string, content: unknown): string {
  mkdirSync(WORK, { recursive: true });
  const path = join(WORK, name);
  writeFileSync(path, stringify(content));
  return path;
}

/** Runs the pinned promtool (.tools/bin, scripts/tools/promtool.sh) to completion. */
export function promtool(args: string[]): Promise<ToolRun> {
  if (!existsSync(PROMTOOL)) throw new Error(`promtool is missing at ${PROMTOOL}: run \`bash scripts/install-tools.sh\``);
  return runTool(PROMTOOL, args, { cwd: REPO });
}
