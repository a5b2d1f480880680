/** Redshift clusters take engine version upgrades. */
import { attrRule, eq } from './attrRule';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Allow version upgrades';

export const rule = attrRule({
  id: 'redshift-version-upgrade',
  title: 'Redshift version upgrades allowed',
  requirement: 'allow_version_upgrade is not false on the Redshift cluster.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_141'],
  resourceTypes: ['aws_redshift_cluster'],
  keywords: /redshift.*version upgrade|allow.?version.?upgrade/i,
  responseTypes: /redshift|warehouse/i,
  breaking: false,
  settings: [
    {
      path: ['allow_version_upgrade'],
      ok: eq(true),
      value: 'true',
      unsetOk: true,
      expect: 'true (the provider default)',
    },
  ],
  explanation:
    'Lets Redshift apply engine upgrades (security fixes) during the maintenance window; the cluster restarts inside that window.',
});
