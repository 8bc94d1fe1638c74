import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { SkipBearerAuth } from '../common/auth-metadata';
import { VaultConfig } from '../config';
import { PeerDirectory } from '../coordination/peer-directory';
import { DatabaseHealth } from '../vault/database-health';
import { ReadStats } from '../vault/secrets/read-stats';

class LiveDto {
  @ApiProperty({ example: 'ok' }) status: string;
  @ApiProperty({ example: 'vault-1' }) nodeId: string;
}

class ReadyDto {
  @ApiProperty({ example: 'ready', enum: ['ready', 'not-ready'] }) status: string;
  @ApiProperty() database: boolean;
  @ApiProperty({ description: 'Replicas that answered, this one included.' }) reachable: number;
  @ApiProperty({ description: 'k: how many must answer.' }) required: number;
}

class PeerStatusDto {
  @ApiProperty() id: string;
  @ApiProperty() url: string;
  @ApiProperty() reachable: boolean;
  @ApiProperty({ type: Number, nullable: true }) latencyMs: number | null;
}

class RepairCountersDto {
  @ApiProperty({ description: 'Shares this replica tried to restore on other replicas.' }) attempted: number;
  @ApiProperty() succeeded: number;
  @ApiProperty({ description: 'Skipped because a newer version or a delete won.' }) skippedNewer: number;
  @ApiProperty({ description: 'Skipped because a write held the name.' }) skippedLocked: number;
  @ApiProperty() failed: number;
}

class ShareCountersDto {
  @ApiProperty({ description: 'Shares skipped on reads for a bad digest or x-coordinate.' }) corruptSkipped: number;
  @ApiProperty({ description: 'Shares skipped on reads for belonging to another split.' }) foreignSkipped: number;
}

class StatusDto {
  @ApiProperty() nodeId: string;
  @ApiProperty() n: number;
  @ApiProperty() k: number;
  @ApiProperty() m: number;
  @ApiProperty() b: number;
  @ApiProperty({ type: [PeerStatusDto] }) peers: PeerStatusDto[];
  @ApiProperty({ type: RepairCountersDto }) repair: RepairCountersDto;
  @ApiProperty({ type: ShareCountersDto }) shares: ShareCountersDto;
}

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    private readonly config: VaultConfig,
    private readonly peers: PeerDirectory,
    private readonly database: DatabaseHealth,
    private readonly stats: ReadStats,
  ) {}

  @Get('health')
  @SkipBearerAuth()
  @ApiOperation({ summary: 'Liveness: 200 while the process serves' })
  @ApiOkResponse({ type: LiveDto })
  health(): LiveDto {
    return { status: 'ok', nodeId: this.config.nodeId };
  }

  @Get('health/ready')
  @SkipBearerAuth()
  @HttpCode(200)
  @ApiOperation({ summary: 'Readiness: the database answers and at least k replicas (this one included) answer' })
  @ApiOkResponse({ type: ReadyDto })
  @ApiServiceUnavailableResponse({ type: ReadyDto })
  async ready(@Res({ passthrough: true }) response: Response): Promise<ReadyDto> {
    const timeout = Math.min(this.config.peerTimeoutMs, 1000);
    const [database, probes] = await Promise.all([this.database.isUp(timeout), this.peers.probeAll(timeout)]);
    const reachable = probes.filter((p) => p.reachable).length;
    const ok = database && reachable >= this.config.k;
    if (!ok) response.status(503);
    return { status: ok ? 'ready' : 'not-ready', database, reachable, required: this.config.k };
  }

  @Get('status')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'This replica, the cluster shape, every replica\'s reachability, and read/repair counters' })
  @ApiOkResponse({ type: StatusDto })
  async status(): Promise<StatusDto> {
    const { nodeId, n, k, m, b } = this.config;
    const peers = await this.peers.probeAll();
    return { nodeId, n, k, m, b, peers, ...this.stats.snapshot() };
  }
}
