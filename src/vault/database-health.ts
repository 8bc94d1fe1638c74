import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { BackgroundLoop } from '../common/async';

const CHECK_INTERVAL_MS = 1000;
const CHECK_TIMEOUT_MS = 1000;

/**
 * Whether this replica's database answers, checked in the background about once a second:
 * /health/ready reads the last result and costs nothing per request.
 */
@Injectable()
export class DatabaseHealth implements OnApplicationBootstrap, OnApplicationShutdown {
  private up = false;
  private readonly loop = new BackgroundLoop(CHECK_INTERVAL_MS, async () => {
    this.up = await this.check();
  }, () => {
    this.up = false;
  });

  constructor(private readonly db: DataSource) {}

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  isUp(): boolean {
    return this.up;
  }

  private async check(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.db.query('SELECT 1'),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('database check timed out')), CHECK_TIMEOUT_MS);
        }),
      ]);
      return true;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
}
