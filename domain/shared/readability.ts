/**
 * Flesch–Kincaid grade level: 0.39 × (words / sentences) + 11.8 × (syllables / words) − 15.59.
 * Hand-written (a few lines) because no readability package is installed; syllables are counted by the usual
 * vowel-group heuristic (a silent final "e" dropped, at least one per word), which is what the formula's
 * published tools do too.
 */
export function fleschKincaidGrade(text: string): number {
  const words = text.match(/[A-Za-z]+(?:['’][A-Za-z]+)*|\d+(?:[.,]\d+)*/g) ?? [];
  if (words.length === 0) return 0;
  const sentences = Math.max(1, (text.match(/[.!?]+(?=\s|$)|\n\s*\n|\n(?=\s*[-•*])/g) ?? []).length);
  const syllables = words.reduce((n, w) => n + countSyllables(w), 0);
  return 0.39 * (words.length / sentences) + 11.8 * (syllables / words.length) - 15.59;
}

export function countSyllables(word: string): number {
  const w = word.toLowerCase().replace(/[^a-z]/g, "");
  if (w === "") return 1; // a number is read as one word of about one syllable
  if (w.length <= 3) return 1;
  const trimmed = w.replace(/(?:[^laeiouy]es|[^laeiouy]ed|[^laeiouy]e)$/, "").replace(/^y/, "");
  const groups = trimmed.match(/[aeiouy]{1,2}/g);
  return Math.max(1, groups?.length ?? 1);
}
