import { Injectable } from '@nestjs/common';

/** The clock is I/O: tests replace it to control time. */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
