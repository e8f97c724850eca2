// Owns: what the run knows of its model use without calling the model: the price table and cost estimates, the transcript of every exchange, and cassettes (their format, and recording turns into one); the client is the entry model/client/index.ts, loaded on demand.
// Must never: run a tool or choose a worker's next step (that is agent/'s loop), or write a transcript or cassette line that has not passed the run's Redactor.

export { type Cassette, checkCassettePlaybooks, loadCassette } from "./cassette.ts";
export { createCassetteRecorder, type TurnRecorder } from "./cassette-recorder.ts";
export {
  bundledPriceFile,
  loadBundledPriceTables,
  loadPriceTable,
  type PricingTable,
} from "./price-table.ts";
export { defaultPricing, estimateCostUsd, openAiPricesFor, type TurnUsage, turnUsageOf } from "./pricing.ts";
export { createTranscriptWriter, type TranscriptWriter } from "./transcript.ts";
