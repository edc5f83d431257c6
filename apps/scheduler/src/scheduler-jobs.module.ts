import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';

import { ScopeScheduleService } from './scope-schedule.service';
import { WaiverSweepService } from './waiver-sweep.service';
import { WebhookSweepService } from './webhook-sweep.service';

/** Cron ticks that enqueue scans, and the waiver-expiry sweep. Needs PlatformModule. */
@Module({
  imports: [ScheduleModule.forRoot()],
  providers: [ScopeScheduleService, WaiverSweepService, WebhookSweepService],
  exports: [ScopeScheduleService, WaiverSweepService, WebhookSweepService],
})
export class SchedulerJobsModule {}
