/**
 * The two guards every encoder call goes through (STYLE.md "Drivers"): a timeout whose
 * error is created when the wait starts, so it carries the caller's stack, and a queue
 * that lets one call at a time reach the card.
 */
import { DeviceTimeoutError } from '../errors.js';

/** Resolve or reject with `work`, or reject with DEVICE_TIMEOUT after `timeoutMs`. */
export function withTimeout<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  const timeoutError = new DeviceTimeoutError(what, timeoutMs);
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(timeoutError), timeoutMs);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** Runs tasks one after another, in the order they were queued; a failure does not stop the queue. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
