import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Whether this replica's database answers, for /health/ready. */
@Injectable()
export class DatabaseHealth {
  constructor(private readonly db: DataSource) {}

  async isUp(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.db.query('SELECT 1'),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('database check timed out')), timeoutMs);
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
