/**
 * The cached share of model input over a 50-turn worker session, from the requests the real model
 * worker sends (see prompt-cache-model.ts). Cold: the session alone, its first request a full
 * miss. Warm: a second workstream's session after the first, as in a campaign, where the tools and
 * system prompt (which name no workstream) are already cached.
 */
import { recordModelWorkerRequests } from "./model-worker-requests.ts";
import { cachedInputShare, simulatePromptCache } from "./prompt-cache-model.ts";

export async function measureCachedInputShare(
  turns: number,
): Promise<{ coldSession: number; warmSession: number; turns: number }> {
  const first = await recordModelWorkerRequests(turns, "ws-a");
  const second = await recordModelWorkerRequests(turns, "ws-b");
  const coldSession = cachedInputShare(simulatePromptCache(first));
  const campaign = simulatePromptCache([...first, ...second]);
  return { coldSession, warmSession: cachedInputShare(campaign.slice(first.length)), turns };
}
