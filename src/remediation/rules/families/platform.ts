/** Rule modules of the platform family (registered in ../index.ts after the core catalog). */
import type { RuleModule } from '../index';

export const MODULES: readonly RuleModule[] = [];
