/** Chooses the media stage for commands that analyze captures (filled in by the media issue). */
import type { MediaStage } from '../analyze.js';
import type { Warning } from '../model.js';

export interface MediaChoice {
  heuristic: boolean;
}

export function mediaStageFactory(_choice: MediaChoice): ((warn: (w: Warning) => void) => MediaStage) | undefined {
  return undefined;
}
