import { Body, Controller, HttpCode, Param, Post, Req, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipBearerAuth } from '../common/auth-metadata';
import { PeerAuthGuard, PeerRequest } from './peer-auth.guard';
import { PeerRouter } from './peer-router';

/** The peer API: signed calls only, never in openapi.yaml. */
@ApiExcludeController()
@SkipBearerAuth()
@UseGuards(PeerAuthGuard)
@Controller('internal')
export class InternalController {
  constructor(private readonly router: PeerRouter) {}

  @Post(':group/:action')
  @HttpCode(200)
  dispatch(@Param('group') group: string, @Param('action') action: string, @Body() body: unknown, @Req() request: PeerRequest): Promise<unknown> {
    return this.router.dispatch(`${group}/${action}`, body, request.peerNodeId ?? 'unknown');
  }
}
