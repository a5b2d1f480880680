/**
 * The Patch as the LLM's forced tool sees it: a zod schema (validation of the untrusted answer) and
 * the JSON schema derived from it (the tool's `inputSchema`). Limits keep a runaway answer small.
 */
import { z } from 'zod';
import type { Patch } from '../../contracts';

export const PATCH_TOOL_NAME = 'submit_terraform_patch';

const file = z
  .string()
  .min(1)
  .max(300)
  .describe('Path of the .tf file relative to the repository root, exactly as shown in the context');
const address = z.string().min(1).max(300).describe('Module-local block address, e.g. aws_s3_bucket.logs');
const hcl = z.string().min(1).max(20_000);
const attrPath = z.array(z.string().min(1).max(100)).min(1).max(8);

export const patchEditSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('replace_block'),
      file,
      address,
      text: hcl.describe('The complete new text of the block, from its first line to its closing brace'),
    })
    .strict(),
  z
    .object({
      kind: z.literal('insert_after'),
      file,
      afterAddress: address.nullable().describe('Insert after this block; null appends to the file'),
      text: hcl.describe('One or more complete new top-level blocks'),
    })
    .strict(),
  z
    .object({
      kind: z.literal('set_attribute'),
      file,
      address,
      path: attrPath.describe(
        'Nested block types then the attribute name, e.g. ["metadata_options", "http_tokens"]',
      ),
      value: z
        .string()
        .min(1)
        .max(2_000)
        .describe('HCL expression text, e.g. "required" with quotes, or true'),
    })
    .strict(),
  z
    .object({
      kind: z.literal('add_nested_block'),
      file,
      address,
      path: z
        .array(z.string().min(1).max(100))
        .max(8)
        .describe('Nested block path of the parent ([] = the block itself)'),
      text: hcl,
    })
    .strict(),
  z
    .object({
      kind: z.literal('remove_nested_block'),
      file,
      address,
      path: attrPath,
      index: z.number().int().min(0).max(1000).optional(),
    })
    .strict(),
]);

export const patchToolInputSchema = z
  .object({
    edits: z.array(patchEditSchema).min(1).max(20),
    explanation: z.string().min(1).max(4_000).describe('What changed and why, for a reviewer'),
    changedAttributes: z.array(z.string().max(200)).max(50),
    confidence: z.enum(['high', 'medium', 'low']),
    breakingChanges: z
      .array(z.string().max(1_000))
      .max(20)
      .describe('Replacement/interruption caused by the change and what the reviewer must do; [] when none'),
    additionalRequirements: z
      .array(z.string().max(1_000))
      .max(20)
      .describe('New resources added or prerequisites outside this patch; [] when none'),
  })
  .strict();

export type PatchToolInput = z.infer<typeof patchToolInputSchema>;

/** JSON schema of the forced tool's input (draft 2020-12 keywords stripped of $schema). */
export function patchToolJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(patchToolInputSchema) as Record<string, unknown>;
  delete schema.$schema;
  return schema;
}

/** Validates an untrusted tool input; returns the Patch or the list of problems. */
export function parsePatchToolInput(
  input: unknown,
): { ok: true; patch: Patch } | { ok: false; errors: string[] } {
  const r = patchToolInputSchema.safeParse(input);
  if (!r.success) {
    return {
      ok: false,
      errors: r.error.issues.slice(0, 20).map((i) => `${i.path.join('.') || 'input'}: ${i.message}`),
    };
  }
  return { ok: true, patch: { ...r.data, edits: r.data.edits } };
}
