import { Controller, Get, HttpCode, Inject, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiErrors } from '../api/openapi-decorators';
import { SkipBearerAuth } from '../common/auth-metadata';
import { VaultConfig } from '../config';
import { InternalServer } from '../coordination/channel/internal-server';
import { PeerHealth } from '../coordination/peer-health';
import { PeerProber } from '../coordination/peer-prober';
import { DatabaseHealth } from '../vault/database-health';
import { ReadStats } from '../vault/secrets/read-stats';
import { REPLICA_STATE, ReplicaState } from '../vault/state/replica-state';

class LiveDto {
  @ApiProperty({ example: 'ok' }) status: string;
  @ApiProperty({ example: 'vault-1' }) nodeId: string;
}

class ReadyDto {
  @ApiProperty({ example: 'ready', enum: ['ready', 'not-ready'] }) status: string;
  @ApiProperty() database: boolean;
  @ApiProperty({ description: 'False while this replica rebuilds lost state from its peers (or a new cluster forms).' }) caughtUp: boolean;
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

class InternalCountersDto {
  @ApiProperty({ description: 'Authenticated peer batches this replica served since it started.' }) batches: number;
  @ApiProperty({ description: 'Peer messages in those batches.' }) messages: number;
  @ApiProperty({ description: 'Peer requests refused (unauthenticated, malformed, too large, ...).' }) refused: number;
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
  @ApiProperty({ type: InternalCountersDto }) internal: InternalCountersDto;
}

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    private readonly config: VaultConfig,
    private readonly peerHealth: PeerHealth,
    private readonly prober: PeerProber,
    private readonly internal: InternalServer,
    private readonly database: DatabaseHealth,
    private readonly stats: ReadStats,
    @Inject(REPLICA_STATE) private readonly state: ReplicaState,
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
  @ApiOperation({ summary: 'Readiness: the database answers and at least k replicas (this one included) answer, as last probed in the background' })
  @ApiOkResponse({ type: ReadyDto })
  @ApiServiceUnavailableResponse({ type: ReadyDto })
  ready(@Res({ passthrough: true }) response: Response): ReadyDto {
    const database = this.database.isUp();
    const reachable = this.prober.reachableCount();
    const caughtUp = this.state.meta().caughtUp;
    const ok = database && caughtUp && reachable >= this.config.k;
    if (!ok) response.status(503);
    return { status: ok ? 'ready' : 'not-ready', database, caughtUp, reachable, required: this.config.k };
  }

  @Get('status')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'This replica, the cluster shape, every replica\'s reachability, and read/repair counters (any valid token)' })
  @ApiOkResponse({ type: StatusDto })
  @ApiErrors('UNAUTHENTICATED', 'RATE_LIMITED', 'AUDIT_UNAVAILABLE', 'INSUFFICIENT_SHARDS')
  status(): StatusDto {
    const { nodeId, n, k, m, b } = this.config;
    const peers = this.config.peers.map((p) => ({ id: p.id, url: p.url, reachable: this.peerHealth.reachable(p.id), latencyMs: this.peerHealth.latencyMs(p.id) }));
    return { nodeId, n, k, m, b, peers, ...this.stats.snapshot(), internal: { ...this.internal.counters } };
  }
}
