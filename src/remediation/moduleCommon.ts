/**
 * Shared helpers of the module-target rules: the module block, its resolved inputs, and edits that set
 * an input's new expression text on the module block (never anywhere else).
 */
import type { PatchEdit } from '../contracts';
import { attributeValue, type HclBlock } from '../terraform';
import { dedentContinuation, nestedObjectText, setObjectKey } from './hclLiteral';
import type { ModuleInputs } from './modules';
import type { RuleContext } from './types';

/** The module block of a module target (rules need it). */
export function moduleBlock(ctx: RuleContext): HclBlock {
  const b = ctx.block;
  if (!b || b.kind !== 'module') throw new Error(`no module call found for ${ctx.target.address}`);
  return b;
}

/** The inputs of a module call, resolved in the caller's scope. */
export function moduleInputs(ctx: RuleContext, block: HclBlock): ModuleInputs {
  return {
    has: (n) => n in block.attributes,
    value: (n) => {
      if (!(n in block.attributes)) return undefined;
      const r = attributeValue(ctx.index, block, n, ctx.instance);
      return r.known ? r.value : undefined;
    },
  };
}

/** Indentation of the line an attribute starts on (its continuation lines carry it). */
function attrIndent(ctx: RuleContext, block: HclBlock, input: string): string {
  const text = ctx.index.files[block.file]?.text ?? '';
  const at = block.attributes[input].range.startByte;
  const ls = text.lastIndexOf('\n', at - 1) + 1;
  const ind = text.slice(ls, at);
  return /^[ \t]*$/.test(ind) ? ind : '';
}

/**
 * The new expression text of one input after writing `keys` = `value` into it (HCL relative to the
 * attribute's own column, as set_attribute expects). Keeps the rest of an object literal byte for byte;
 * an input set by another expression is merged (one key) or refused (deeper keys).
 */
export function inputValueText(
  ctx: RuleContext,
  block: HclBlock,
  input: string,
  current: string | undefined,
  write: { keys: string[]; value: string },
): string {
  if (current === undefined) {
    if (!(input in block.attributes)) return nestedObjectText(write.keys, write.value);
    current = dedentContinuation(block.attributes[input].exprText, attrIndent(ctx, block, input));
  }
  if (write.keys.length === 0) return write.value;
  const merged = setObjectKey(current, write.keys, write.value);
  if (merged !== null) return merged;
  if (write.keys.length === 1) return `merge(${current}, { ${write.keys[0]} = ${write.value} })`;
  throw new Error(
    `${input} is set by an expression (${current.slice(0, 60)}); set ${[input, ...write.keys].join('.')} = ${write.value} where its value is defined`,
  );
}

/** set_attribute edits for the given new input texts on the module block. */
export function inputEdits(block: HclBlock, values: Map<string, string>): PatchEdit[] {
  return [...values].map(([input, value]) => ({
    kind: 'set_attribute' as const,
    file: block.file,
    address: block.localAddress,
    path: [input],
    value,
  }));
}
