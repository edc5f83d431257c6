import { Injectable } from '@nestjs/common';

/** The clock is I/O: tests replace it to control time. */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}

/**
 * How far ahead of this clock evidence may say it was taken: collectors' and scanners' clocks
 * drift. Further ahead is a mistake, refused: a snapshot's time never goes backwards, so one
 * future-dated snapshot would date every later one of its scope.
 */
export const FUTURE_SKEW_MS = 5 * 60_000;
