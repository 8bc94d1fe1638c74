import { ALERT_RULES_FILE, alertRules, promtool, writeRulesFile } from '../support/alert-rules';
import { eventually, TestCluster } from '../support/cluster';
import { request } from '../support/http';

/**
 * The shipped alert rules (helm/vault/files/vault-alerts.yaml) on what real replicas
 * export. Each replica's /metrics, as scraped, becomes series that promtool holds for 15
 * minutes (with the `namespace`, `job` and `instance` a Prometheus adds), and promtool
 * evaluates every rule on them: a healthy cluster fires nothing; with one replica stopped,
 * the others' metrics fire VaultReplicaUnreachable for it and nothing about the quorum;
 * with two stopped, the last one's fire VaultWriteQuorumLost, and the failed write it
 * then counts is one VaultWritesFailing reads.
 */
describe('the alert rules on real replicas (3 replicas, k=2, m=2)', () => {
  let cluster: TestCluster;
  const TARGET = { namespace: 'vault-e2e', job: 'vault-metrics' };
  type Expected = Record<string, Array<{ exp_labels: Record<string, string>; exp_annotations: Record<string, string> }>>;

  beforeAll(async () => {
    cluster = await TestCluster.start({ n: 3, k: 2, m: 2, metrics: true });
  });

  afterAll(async () => {
    await cluster?.shutdown();
  });

  const scrape = async (i: number): Promise<string> => {
    const answer = await request(cluster.metricsUrl(i));
    expect(answer.status).toBe(200);
    return answer.text as string;
  };

  /** Our samples of one scrape as promtool series notation, with the labels a Prometheus scraping replica i adds. */
  const asSeries = (text: string, i: number): Array<{ series: string; value: number }> => {
    const added = `namespace="${TARGET.namespace}",job="${TARGET.job}",instance="replica-${i}"`;
    return text
      .split('\n')
      .filter((line) => line.startsWith('vault_'))
      .map((line) => {
        const at = line.lastIndexOf(' ');
        const [series, value] = [line.slice(0, at), Number(line.slice(at + 1))];
        return { series: series.endsWith('}') ? `${series.slice(0, -1)},${added}}` : `${series}{${added}}`, value };
      })
      .filter((sample) => Number.isFinite(sample.value));
  };

  /** Holds the scraped values for 15 minutes and checks, at the end, that exactly the expected alerts fire. */
  const alertsOn = async (name: string, scrapes: Array<{ text: string; replica: number }>, expected: Expected, extraSeries: Array<{ series: string; values: string }> = []) => {
    const series = scrapes.flatMap(({ text, replica }) => asSeries(text, replica)).map(({ series, value }) => ({ series, values: `${value}x15` }));
    const file = writeRulesFile(`${name}.test.yaml`, {
      rule_files: [ALERT_RULES_FILE],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [...series, ...extraSeries],
          alert_rule_test: alertRules().map(({ alert }) => ({ eval_time: '15m', alertname: alert, exp_alerts: expected[alert] ?? [] })),
        },
      ],
    });
    const result = await promtool(['test', 'rules', file]);
    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);
    return series.length;
  };

  const unreachable = (peer: string) => ({
    exp_labels: { severity: 'warning', ...TARGET, peer },
    exp_annotations: {
      summary: `No replica reaches ${peer}`,
      description: 'It is down or cut off from all the others. The cluster serves while at least m replicas reach each other; one more lost may stop writes.',
    },
  });

  /** What a scrape says of one peer: 1 reached, 0 not, NaN not listed. */
  const peerUp = (text: string, peer: string): number => {
    const line = text.split('\n').find((l) => l.startsWith('vault_peer_up{') && l.includes(`peer="${peer}"`));
    return line === undefined ? NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
  };

  it('fire nothing on a healthy cluster', async () => {
    await eventually(async () => {
      const texts = await Promise.all([0, 1, 2].map(scrape));
      return texts.every((text, i) => ['n1', 'n2', 'n3'].filter((_, j) => j !== i).every((peer) => peerUp(text, peer) === 1));
    });
    expect(await cluster.client(0).create('alerts.one', 'alerts-value-1')).toMatchObject({ status: 201 });
    const scrapes = await Promise.all([0, 1, 2].map(async (replica) => ({ text: await scrape(replica), replica })));
    // Real data, not a handful of lines: every replica's peers, queues, counters and histograms.
    expect(await alertsOn('healthy', scrapes, {})).toBeGreaterThan(100);
  });

  it('fire VaultReplicaUnreachable for a stopped replica, from the metrics of the others, and nothing about the quorum', async () => {
    await cluster.stop(2);
    await eventually(async () => peerUp(await scrape(0), 'n3') === 0 && peerUp(await scrape(1), 'n3') === 0);
    const scrapes = [
      { text: await scrape(0), replica: 0 },
      { text: await scrape(1), replica: 1 },
    ];
    await alertsOn('one-down', scrapes, { VaultReplicaUnreachable: [unreachable('n3')] });
  });

  it('fire VaultWriteQuorumLost when the last replica reaches fewer than m, and count the write it refuses as VaultWritesFailing reads it', async () => {
    await cluster.stop(1);
    await eventually(async () => peerUp(await scrape(0), 'n2') === 0);
    const refused = await cluster.client(0).create('alerts.two', 'alerts-value-2');
    expect(refused.status).toBe(503);
    expect(refused.body.code).toBe('VOTING_PHASE_FAILED');
    const text = await scrape(0);
    // The counter line that refusal moved, as scraped, rising by one a minute from here on.
    const failed = asSeries(text, 0).find(({ series }) => series.startsWith('vault_transactions_total{') && series.includes('phase="voting"') && series.includes('outcome="failed"'));
    expect(failed?.value).toBe(1);
    const others = { text: text.split('\n').filter((line) => !line.startsWith('vault_transactions_total{')).join('\n'), replica: 0 };
    await alertsOn(
      'two-down',
      [others],
      {
        VaultReplicaUnreachable: [unreachable('n2'), unreachable('n3')],
        VaultWriteQuorumLost: [
          {
            exp_labels: { severity: 'critical', ...TARGET, node: 'n1' },
            exp_annotations: {
              summary: 'Writes through n1 fail: it reaches 1 replicas, itself included, fewer than the write quorum',
              description:
                'Its creates, updates and deletes answer 503 VOTING_PHASE_FAILED, and reads of names it has not cached may fail too. Bring replicas back or mend the network between them.',
            },
          },
        ],
        VaultWritesFailing: [
          {
            exp_labels: { severity: 'warning', ...TARGET, node: 'n1' },
            exp_annotations: {
              summary: 'Writes coordinated by n1 keep failing',
              description: 'Too few yes votes, or outcomes a quorum did not confirm in time: replicas down, or a slow quorum. vault_transactions_total by phase and outcome says which.',
            },
          },
        ],
      },
      [{ series: failed!.series, values: '1+1x15' }],
    );
  });
});
