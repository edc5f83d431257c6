import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';

import {
  CreateWebhookDto,
  ListWebhookDeliveriesQueryDto,
  type Principal,
  RotateWebhookSecretDto,
  UpdateWebhookDto,
  WebhookCreatedResponseDto,
  WebhookDeliveryListResponseDto,
  WebhookDeliveryResponseDto,
  WebhookListResponseDto,
  WebhookResponseDto,
  WebhookService,
} from '@driftwatch/application';

import { Authorize, READERS } from '@driftwatch/api/auth/authorize.decorator';
import { CurrentPrincipal } from '@driftwatch/api/auth/principal.decorator';
import { ParseUuidPipe } from '@driftwatch/api/http/parse-pattern.pipe';

/**
 * Webhooks of a scope. Admins manage them (a webhook sends compliance data out of the system)
 * and see their URLs; readers may read the deliveries, whose payloads hold what they can read anyway.
 */
@ApiTags('webhooks')
@ApiBearerAuth()
@Controller()
export class WebhooksController {
  constructor(private readonly webhooks: WebhookService) {}

  /** Add a webhook; the answer carries its signing secret, shown this once. */
  @Post('scopes/:id/webhooks')
  @Authorize('admin')
  create(
    @Param('id', ParseUuidPipe) scopeId: string,
    @Body() dto: CreateWebhookDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<WebhookCreatedResponseDto> {
    return this.webhooks.create(scopeId, dto, principal);
  }

  @Get('scopes/:id/webhooks')
  @Authorize('admin')
  list(@Param('id', ParseUuidPipe) scopeId: string): Promise<WebhookListResponseDto> {
    return this.webhooks.list(scopeId);
  }

  /** Change the URL or the events, or pause (enabled: false) and resume a webhook. */
  @Patch('webhooks/:id')
  @Authorize('admin')
  update(
    @Param('id', ParseUuidPipe) id: string,
    @Body() dto: UpdateWebhookDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<WebhookResponseDto> {
    return this.webhooks.update(id, dto, principal);
  }

  /** A new signing secret, shown this once; the old one stops at once, or after `overlapHours`. */
  @Post('webhooks/:id/secret')
  @Authorize('admin')
  rotateSecret(
    @Param('id', ParseUuidPipe) id: string,
    @Body() dto: RotateWebhookSecretDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<WebhookCreatedResponseDto> {
    return this.webhooks.rotateSecret(id, dto, principal);
  }

  /** Stop a webhook: it receives nothing more, pending deliveries fail, the history stays. */
  @Delete('webhooks/:id')
  @Authorize('admin')
  delete(
    @Param('id', ParseUuidPipe) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<WebhookResponseDto> {
    return this.webhooks.delete(id, principal);
  }

  @Get('webhooks/:id/deliveries')
  @Authorize(...READERS)
  deliveries(
    @Param('id', ParseUuidPipe) id: string,
    @Query() query: ListWebhookDeliveriesQueryDto,
  ): Promise<WebhookDeliveryListResponseDto> {
    return this.webhooks.listDeliveries(id, query);
  }

  /** Send a signed `ping` through the queue; follow it in the deliveries. */
  @Post('webhooks/:id/test')
  @HttpCode(202)
  @Authorize('admin')
  test(@Param('id', ParseUuidPipe) id: string): Promise<WebhookDeliveryResponseDto> {
    return this.webhooks.test(id);
  }
}
