/**
 * What the root provides once to every element below it (home-assistant style): the API client
 * and, inside the staff console, the live event stream. Leaves consume; none builds its own.
 */
import { createContext } from '@lit/context';
import type { ApiClient } from './api-client.js';
import type { StaffEventStream } from './event-stream.js';

export const apiContext = createContext<ApiClient>(Symbol('kiosk-api'));
export const staffEventsContext = createContext<StaffEventStream>(Symbol('kiosk-staff-events'));
