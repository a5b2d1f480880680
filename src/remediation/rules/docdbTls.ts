/** DocumentDB cluster parameter groups keep TLS on. */
import { docdbParameterRule } from './docdbParameterCommon';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Require TLS';

export const rule = docdbParameterRule({
  id: 'docdb-tls',
  title: 'DocumentDB TLS not disabled',
  requirement: 'The DocumentDB cluster parameter group does not set tls = disabled.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_90'],
  keywords: /(documentdb|docdb).*(tls|ssl|transit)/i,
  responseTypes: /documentdb|docdb/i,
  breaking: true,
  impactNote: 'Clients without TLS are refused; applies after each instance reboots.',
  parameter: 'tls',
  accepted: ['enabled', 'fips-140-3', 'tls1.2+', 'tls1.3+'],
  value: 'enabled',
  absentOk: true,
  explanation: 'Requires TLS for every connection to the clusters using this parameter group.',
  breakingChanges: [
    'Clients that connect without TLS are refused: give them the Amazon DocumentDB CA bundle and tls=true first. tls is a static parameter: it applies after each instance reboots.',
  ],
});
