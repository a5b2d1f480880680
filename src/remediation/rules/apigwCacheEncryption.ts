/** API Gateway method settings that cache responses encrypt the cache. */
import { attrRule, eq } from './attrRule';
import { holds, isTrue } from './helpers';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Encrypt the response cache';

export const rule = attrRule({
  id: 'apigw-cache-encryption',
  title: 'API Gateway cache encrypted',
  requirement: 'settings { cache_data_encrypted = true } where settings.caching_enabled = true.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_308'],
  resourceTypes: ['aws_api_gateway_method_settings'],
  keywords: /(api gateway|apigw).*cache.*encrypt|cache.*encrypt.*(api gateway|apigw)/i,
  responseTypes: /api gateway|method settings/i,
  breaking: false,
  impactNote: 'The stage cache is flushed once.',
  settings: [{ path: ['settings', 'cache_data_encrypted'], ok: eq(true), value: 'true', expect: 'true' }],
  notApplicable: (ctx) => (holds(ctx, 'settings.caching_enabled', isTrue) ? null : 'caching is not enabled'),
  explanation: "Encrypts the stage's cached responses at rest.",
  additionalRequirements: [
    'API Gateway flushes the cache when its encryption setting changes: expect a short burst of backend calls.',
  ],
});
