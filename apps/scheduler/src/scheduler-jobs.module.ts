import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';

import { ScopeScheduleService } from './scope-schedule.service';

/** Cron ticks that enqueue scans. Needs PlatformModule. */
@Module({
  imports: [ScheduleModule.forRoot()],
  providers: [ScopeScheduleService],
  exports: [ScopeScheduleService],
})
export class SchedulerJobsModule {}
