// Types of corpus.mjs (plain JS so that bench/ scripts can import it without a build).
export interface PlantedSecret {
  rule: string;
  context: string;
  value: string;
}
export function prng(seed: number): () => number;
export function secretCorpus(seed?: number, rounds?: number): { text: string; secrets: PlantedSecret[] };
export function cleanCorpus(seed?: number, rounds?: number): { text: string };
