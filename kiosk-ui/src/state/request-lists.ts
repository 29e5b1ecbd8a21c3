/**
 * Requests in some states, each with its person and card, for the staff lists. The list
 * route returns requests only; the detail route adds the person, so this fetches each.
 */
import type { ApiClient } from '../data/api-client.js';
import type { RequestDetail, RequestState } from '../data/api-types.js';

export const LIST_LIMIT = 25;

export async function requestsWithPeople(
  api: ApiClient,
  state: RequestState,
): Promise<RequestDetail[]> {
  const { items } = await api.requests({ state, limit: LIST_LIMIT });
  const details = await Promise.all(items.map((r) => api.request(r.id)));
  // A request may move on between the list and its detail; it belongs to another list now,
  // and the change's own event brings a reload that puts it there.
  return details.filter((d) => d.request.state === state);
}
