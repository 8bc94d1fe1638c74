import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuditLog } from '../vault/audit/audit-log';
import { Requires } from './access';
import { AuditPageDto, AuditQueryDto } from './dto/audit.dto';
import { ACCESS_ERRORS, ApiErrors, V1_RESPONSE_HEADERS } from './openapi-decorators';
import { iso } from './time';

const DEFAULT_PAGE = 100;

@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditLog) {}

  @Get()
  @Requires('admin')
  @ApiOperation({
    summary: 'Page through this replica\'s audit trail, oldest first, with filters',
    description: 'Each replica keeps the records of the requests it served: ask each replica (docs/security.md, "Audit").',
  })
  @ApiOkResponse({ type: AuditPageDto, headers: V1_RESPONSE_HEADERS })
  @ApiErrors(...ACCESS_ERRORS, 'VALIDATION_FAILED')
  async listAuditRecords(@Query() query: AuditQueryDto): Promise<AuditPageDto> {
    const page = await this.audit.query({
      from: query.from === undefined ? undefined : Date.parse(query.from),
      to: query.to === undefined ? undefined : Date.parse(query.to),
      tokenId: query.tokenId,
      name: query.name,
      status: query.status,
      outcome: query.outcome,
      stage: query.stage,
      cursor: query.cursor,
      limit: query.limit ?? DEFAULT_PAGE,
    });
    return { records: page.records.map((r) => ({ ...r, time: iso(r.time) })), nextCursor: page.nextCursor };
  }
}
