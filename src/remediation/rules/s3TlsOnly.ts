/** S3 bucket policies deny requests that do not use TLS. */
import type { PatchEdit } from '../../contracts';
import { collectRefs, findBlock } from '../../terraform';
import type { Rule, RuleContext } from '../types';
import { insertAfterTarget, instanceRef, moduleBlocks, need, newLabel, patch, referencing } from './helpers';

const DENY_STATEMENT = (bucketArn: string) =>
  `statement {\n  sid     = "DenyInsecureTransport"\n  effect  = "Deny"\n  actions = ["s3:*"]\n  resources = [\n    ${bucketArn},\n    "\${${bucketArn}}/*",\n  ]\n\n  principals {\n    type        = "*"\n    identifiers = ["*"]\n  }\n\n  condition {\n    test     = "Bool"\n    variable = "aws:SecureTransport"\n    values   = ["false"]\n  }\n}`;

/** The policy text that matters: the policy attribute or the policy document it points to. */
function policySources(ctx: RuleContext): { policyBlock: string; docAddress: string | null; text: string }[] {
  const out: { policyBlock: string; docAddress: string | null; text: string }[] = [];
  for (const p of referencing(ctx, 'aws_s3_bucket_policy')) {
    const expr = p.attributes.policy;
    if (!expr) continue;
    const doc = collectRefs(expr.expr).find((r) => r.startsWith('data.aws_iam_policy_document.'));
    const docAddr = doc ? doc.split('.').slice(0, 3).join('.') : null;
    const docBlock = docAddr ? moduleBlocks(ctx, 'data').find((d) => d.localAddress === docAddr) : undefined;
    const text = docBlock
      ? ctx.index.files[docBlock.file].text.slice(docBlock.range.startByte, docBlock.range.endByte)
      : expr.exprText;
    out.push({ policyBlock: p.localAddress, docAddress: docBlock ? docAddr : null, text });
  }
  return out;
}

const requiresTls = (text: string) => /aws:SecureTransport/.test(text) && /deny/i.test(text);

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Require TLS';

export const rule: Rule = {
  id: 's3-tls-only',
  title: 'S3 bucket policy requires TLS',
  requirement: 'The bucket policy denies requests where aws:SecureTransport is false.',
  vantaTestIds: [],
  checkovIds: [],
  resourceTypes: ['aws_s3_bucket'],
  keywords: /\b(s3|bucket)\b.*(tls|ssl|secure transport|https|in transit)/i,
  responseTypes: /s3/i,
  breaking: true,
  check(ctx) {
    const b = need(ctx);
    const inline = b.attributes.policy;
    const sources = policySources(ctx);
    if ((inline && requiresTls(inline.exprText)) || sources.some((s) => requiresTls(s.text)))
      return { status: 'compliant', reasons: ['the bucket policy denies non-TLS requests'] };
    return {
      status: 'non_compliant',
      reasons: [
        sources.length || inline
          ? 'the bucket policy does not deny aws:SecureTransport = false'
          : 'the bucket has no policy',
      ],
    };
  },
  fix(ctx) {
    const b = need(ctx);
    if (b.attributes.policy)
      throw new Error('the bucket has an inline policy attribute; merge the TLS statement by hand');
    const sources = policySources(ctx);
    const { meta, ref } = instanceRef(ctx);
    const bucketArn = `${ref}.arn`;
    let edits: PatchEdit[];
    let how: string;
    if (sources.length) {
      const withDoc = sources.find((s) => s.docAddress);
      if (!withDoc)
        throw new Error(
          `the existing ${sources[0].policyBlock} is not built from an aws_iam_policy_document; merge the TLS statement by hand`,
        );
      const doc = findBlock(ctx.index, withDoc.docAddress!, undefined);
      const docBlock = moduleBlocks(ctx, 'data').find((d) => d.localAddress === withDoc.docAddress) ?? doc!;
      edits = [
        {
          kind: 'add_nested_block',
          file: docBlock.file,
          address: docBlock.localAddress,
          path: [],
          text: DENY_STATEMENT(
            b.attributes.for_each || b.attributes.count ? `${b.localAddress}[0].arn` : bucketArn,
          ),
        },
      ];
      how = `Adds a deny statement to ${docBlock.localAddress}, used by ${withDoc.policyBlock}.`;
    } else {
      const doc = newLabel(ctx, 'aws_iam_policy_document', '_tls_only');
      const pol = newLabel(ctx, 'aws_s3_bucket_policy');
      const docText = `data "aws_iam_policy_document" "${doc}" {\n  ${meta ? meta + '  ' : ''}${DENY_STATEMENT(bucketArn).replace(/\n/g, '\n  ')}\n}`;
      const docRef = meta
        ? meta.startsWith('count')
          ? `data.aws_iam_policy_document.${doc}[count.index].json`
          : `data.aws_iam_policy_document.${doc}[each.key].json`
        : `data.aws_iam_policy_document.${doc}.json`;
      const polText = `resource "aws_s3_bucket_policy" "${pol}" {\n  ${meta ? meta + '  ' : ''}bucket = ${ref}.id\n  policy = ${docRef}\n}`;
      edits = [insertAfterTarget(ctx, [docText, polText])];
      how = `Adds data.aws_iam_policy_document.${doc} and aws_s3_bucket_policy.${pol}.`;
    }
    return patch({
      edits,
      explanation: `Denies every request to the bucket that does not use TLS (aws:SecureTransport = false). ${how}`,
      changedAttributes: ['policy'],
      confidence: 'medium',
      breakingChanges: [
        'Clients that call S3 over plain HTTP are refused after the change; confirm none do (S3 website endpoints are HTTP-only).',
      ],
      additionalRequirements: [],
    });
  },
};
