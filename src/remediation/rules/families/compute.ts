/** Rule modules of the compute family (registered in ../index.ts after the core catalog). */
import type { RuleModule } from '../index';

export const MODULES: readonly RuleModule[] = [];
