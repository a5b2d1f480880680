/** EKS clusters envelope-encrypt Kubernetes secrets with a customer managed KMS key the module has. */
import type { HclValue } from '../../terraform';
import type { Rule } from '../types';
import { local, need, nestedAt, patch, read, result } from './helpers';
import { existingKey } from './platformCommon';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Encrypt Kubernetes secrets with KMS';

const hasSecrets = (v: HclValue): boolean => Array.isArray(v) && v.includes('secrets');

export const rule: Rule = {
  id: 'eks-secrets-encryption',
  title: 'EKS secrets encryption with KMS',
  requirement: 'encryption_config { resources = ["secrets"], provider { key_arn = <existing CMK> } }.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_58'],
  resourceTypes: ['aws_eks_cluster'],
  keywords: /\beks\b.*(secret|envelope|kms)/i,
  responseTypes: /eks|kubernetes/i,
  breaking: false,
  prerequisites: 'An existing customer managed KMS key in the module (none is created).',
  impactNote: 'Online; cannot be turned off later, and the cluster role needs grants on the key.',
  check(ctx) {
    need(ctx);
    const r = read(ctx, 'encryption_config.resources');
    const ok = r.set && (!r.known || hasSecrets(r.value));
    return result(ok ? [] : ['encryption_config does not cover "secrets"'], 'secrets are envelope-encrypted');
  },
  fix(ctx) {
    const b = need(ctx);
    if (nestedAt(b, ['encryption_config']))
      throw new Error('the cluster has an encryption_config without "secrets": review it by hand');
    const found = existingKey(
      ctx,
      ['encryption_config', 'provider', 'key_arn'],
      /eks|kubernetes|cluster|k8s/i,
    );
    if (!found)
      throw new Error(
        "the module has no customer managed KMS key for EKS to reuse; which key encrypts the cluster's secrets is the team's choice",
      );
    const addr = found.block.localAddress;
    const text = `encryption_config {\n  resources = ["secrets"]\n\n  provider {\n    key_arn = ${addr}.arn\n  }\n}`;
    return patch({
      edits: [{ kind: 'add_nested_block', file: b.file, address: local(b), path: [], text }],
      explanation: `Envelope-encrypts Kubernetes secrets in etcd with the existing customer managed key ${addr} (${found.why}). The association happens online; nothing new is created.`,
      changedAttributes: ['encryption_config'],
      confidence: 'medium',
      additionalRequirements: [
        `The cluster role needs kms:Encrypt, kms:Decrypt, kms:DescribeKey and kms:CreateGrant on ${addr}. Secrets encryption cannot be turned off once enabled, and deleting the key makes the cluster unrecoverable.`,
      ],
    });
  },
};
