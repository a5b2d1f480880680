/**
 * zod schemas for the parts of Vanta's responses TerraFix reads. Unknown fields pass through
 * (Vanta adds fields over time); the fields we rely on are checked, and a mismatch names the field.
 */
import { z } from 'zod';
import { ApiShapeError } from '../errors';

/** `POST /oauth/token` response. */
export const tokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  expires_in: z.number().positive(),
  token_type: z.string().optional(),
});

/** Vanta's list envelope: `{results: {pageInfo, data}}`. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.looseObject({
    results: z.looseObject({
      pageInfo: z.looseObject({
        hasNextPage: z.boolean(),
        endCursor: z.string().nullish(),
        hasPreviousPage: z.boolean().optional(),
        startCursor: z.string().nullish(),
      }),
      data: z.array(item),
    }),
  });
}

/** A test from `GET /v1/tests`. */
export const vantaTestSchema = z.looseObject({
  id: z.string().min(1),
  name: z.string(),
  description: z.string().nullish(),
  failureDescription: z.string().nullish(),
  remediationDescription: z.string().nullish(),
  category: z.string().nullish(),
  status: z.string(),
  integrations: z.array(z.string()).nullish(),
  lastTestRunDate: z.string().nullish(),
  latestFlipDate: z.string().nullish(),
  owner: z.looseObject({ id: z.string().nullish(), displayName: z.string().nullish() }).nullish(),
  remediationStatusInfo: z
    .looseObject({
      status: z.string().nullish(),
      soonestRemediateByDate: z.string().nullish(),
      itemCount: z.number().nullish(),
    })
    .nullish(),
});
export type VantaTest = z.infer<typeof vantaTestSchema>;

/** A test entity from `GET /v1/tests/{testId}/entities`. */
export const vantaEntitySchema = z.looseObject({
  id: z.string().min(1),
  entityStatus: z.string(),
  displayName: z.string().nullish(),
  responseType: z.string().nullish(),
  createdDate: z.string().nullish(),
  lastUpdatedDate: z.string().nullish(),
  deactivatedReason: z.string().nullish(),
});
export type VantaEntity = z.infer<typeof vantaEntitySchema>;

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || '(root)';
}

/** Parses `value` or throws ApiShapeError naming the first offending field(s). */
export function parseShape<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const details = r.error.issues
    .slice(0, 3)
    .map((i) => `${formatPath(i.path)}: ${i.message}`)
    .join('; ');
  throw new ApiShapeError(`${what} returned an unexpected shape: ${details}`);
}
