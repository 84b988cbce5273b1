/**
 * The team's shared folder (`../shared` beside the repository): upstream conformance data, tricky
 * cases and benchmark tools. Tests read it in place and never copy it into the project.
 */
import { join } from 'node:path';

/** Absolute path of `../shared` relative to the repository root. */
export const SHARED = join(import.meta.dirname, '..', '..', '..', 'shared');
