import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';

import { ScanSweepService } from './scan-sweep.service';
import { ScopeScheduleService } from './scope-schedule.service';
import { WaiverSweepService } from './waiver-sweep.service';
import { WebhookSweepService } from './webhook-sweep.service';

/** Cron ticks that enqueue scans, and the sweeps (waiver expiry, lost scan and webhook jobs). Needs PlatformModule. */
@Module({
  imports: [ScheduleModule.forRoot()],
  providers: [ScopeScheduleService, WaiverSweepService, WebhookSweepService, ScanSweepService],
  exports: [ScopeScheduleService, WaiverSweepService, WebhookSweepService, ScanSweepService],
})
export class SchedulerJobsModule {}
