/** Chooses the media stage for commands that analyze captures. */
import type { MediaStage } from '../analyze.js';
import type { Warning } from '../model.js';
import { createMediaStage } from '../media/stage.js';

export interface MediaChoice {
  heuristic: boolean;
  /** Keep per-stream jitter/delta series (HTML plots). */
  series?: boolean;
}

export function mediaStageFactory(choice: MediaChoice): (warn: (w: Warning) => void) => MediaStage {
  return (warn) => createMediaStage({ heuristic: choice.heuristic, series: choice.series }, warn);
}
