/** EC2 instances and launch configurations encrypt their root and EBS block devices. */
import type { Rule, RuleContext } from '../types';
import { attrRule, eq } from './attrRule';
import { need, nestedAll } from './helpers';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Encrypt the root volume';

const base = attrRule({
  id: 'ec2-root-volume-encryption',
  title: 'EC2 root and EBS block devices encrypted',
  requirement:
    'root_block_device { encrypted = true } and every ebs_block_device encrypted (or from a snapshot) on the instance or launch configuration.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_8'],
  resourceTypes: ['aws_instance', 'aws_launch_configuration'],
  keywords: /(root|ebs) (block device|volume).*encrypt|encrypt.*(root|ebs) (block device|volume)/i,
  responseTypes: /ec2|instance|launch configuration/i,
  breaking: true,
  settings: [{ path: ['root_block_device', 'encrypted'], ok: eq(true), value: 'true', expect: 'true' }],
  explanation: "Encrypts the root volume with the account's EBS key (aws/ebs unless a default key is set).",
  breakingChanges: [
    'Encryption of a root volume cannot be changed in place: Terraform replaces the instance (new instance, root disk data lost unless it is rebuilt from the AMI) or the launch configuration (only new instances get encrypted volumes).',
  ],
});

/** Unencrypted ebs_block_device blocks not restored from a snapshot (Checkov fails on these too). */
function plainEbsDevices(ctx: RuleContext): number[] {
  const out: number[] = [];
  nestedAll(need(ctx), 'ebs_block_device').forEach((d, i) => {
    const enc = d.attributes.encrypted?.value;
    const encrypted = enc?.known && (enc.value === true || enc.value === 'true');
    if (!encrypted && !d.attributes.snapshot_id) out.push(i);
  });
  return out;
}

export const rule: Rule = {
  ...base,
  check(ctx) {
    const r = base.check(ctx);
    const plain = plainEbsDevices(ctx);
    if (!plain.length || r.reasons[0]?.startsWith('not applicable')) return r;
    const more = plain.map((i) => `ebs_block_device[${i}].encrypted is not true`);
    return {
      status: 'non_compliant',
      reasons: [...(r.status === 'non_compliant' ? r.reasons : []), ...more],
    };
  },
  fix(ctx) {
    // Encrypting extra data volumes replaces them with empty ones: that is the team's migration.
    if (plainEbsDevices(ctx).length)
      throw new Error(
        'an ebs_block_device is not encrypted: encrypting it replaces the volume with an empty one, so its data must be migrated (snapshot, encrypted copy, snapshot_id) by the team',
      );
    return base.fix(ctx);
  },
};
