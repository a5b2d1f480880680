/** The rule catalog: one file per control. Order matters only for keyword matching (first wins). */
import type { Rule } from '../types';
import * as albHttpsRedirect from './albHttpsRedirect';
import * as cloudtrailKms from './cloudtrailKms';
import * as cloudtrailLogValidation from './cloudtrailLogValidation';
import * as cloudtrailMultiRegion from './cloudtrailMultiRegion';
import * as cloudwatchLogKms from './cloudwatchLogKms';
import * as cloudwatchLogRetention from './cloudwatchLogRetention';
import * as dynamodbCmk from './dynamodbCmk';
import * as dynamodbPitr from './dynamodbPitr';
import * as ebsDefaultEncryption from './ebsDefaultEncryption';
import * as ebsVolumeEncryption from './ebsVolumeEncryption';
import * as ec2Imdsv2 from './ec2Imdsv2';
import * as ecrImmutableTags from './ecrImmutableTags';
import * as ecrScanOnPush from './ecrScanOnPush';
import * as efsEncryption from './efsEncryption';
import * as eksPrivateEndpoint from './eksPrivateEndpoint';
import * as elasticacheAtRest from './elasticacheAtRest';
import * as elasticacheInTransit from './elasticacheInTransit';
import * as guarddutyEnabled from './guarddutyEnabled';
import * as iamPasswordPolicy from './iamPasswordPolicy';
import * as kmsKeyRotation from './kmsKeyRotation';
import * as rdsBackupRetention from './rdsBackupRetention';
import * as rdsDeletionProtection from './rdsDeletionProtection';
import * as rdsEncryption from './rdsEncryption';
import * as rdsMultiAz from './rdsMultiAz';
import * as rdsNotPublic from './rdsNotPublic';
import * as s3AccessLogging from './s3AccessLogging';
import * as s3BucketEncryption from './s3BucketEncryption';
import * as s3PublicAccessBlock from './s3PublicAccessBlock';
import * as s3TlsOnly from './s3TlsOnly';
import * as s3Versioning from './s3Versioning';
import * as sgRdpOpen from './sgRdpOpen';
import * as sgSshOpen from './sgSshOpen';
import * as snsEncryption from './snsEncryption';
import * as sqsEncryption from './sqsEncryption';
import * as vpcFlowLogs from './vpcFlowLogs';
import { MODULES as COMPUTE } from './families/compute';
import { MODULES as DATA } from './families/data';
import { MODULES as PLATFORM } from './families/platform';
import { MODULES as STORAGE } from './families/storage';

/** What every rule file exports: the rule and the imperative phrase PR titles start with. */
export interface RuleModule {
  rule: Rule;
  /** Short imperative phrase naming the change, e.g. "Block public access" (title: "<prAction> on <kind> <name>"). */
  prAction: string;
}

const MODULES: readonly RuleModule[] = [
  s3PublicAccessBlock,
  s3BucketEncryption,
  s3Versioning,
  s3AccessLogging,
  s3TlsOnly,
  rdsEncryption,
  rdsBackupRetention,
  rdsDeletionProtection,
  rdsMultiAz,
  rdsNotPublic,
  sgSshOpen,
  sgRdpOpen,
  ebsVolumeEncryption,
  ebsDefaultEncryption,
  ec2Imdsv2,
  cloudtrailLogValidation,
  cloudtrailKms,
  cloudtrailMultiRegion,
  kmsKeyRotation,
  vpcFlowLogs,
  cloudwatchLogKms,
  cloudwatchLogRetention,
  dynamodbPitr,
  dynamodbCmk,
  iamPasswordPolicy,
  guarddutyEnabled,
  albHttpsRedirect,
  sqsEncryption,
  snsEncryption,
  ecrScanOnPush,
  ecrImmutableTags,
  elasticacheAtRest,
  elasticacheInTransit,
  efsEncryption,
  eksPrivateEndpoint,
  // Families of further Checkov checks, one file per rule, registered by family.
  ...STORAGE,
  ...DATA,
  ...COMPUTE,
  ...PLATFORM,
];

/** Every rule, in a stable order. */
export const RULES: readonly Rule[] = MODULES.map((m) => m.rule);

const ACTIONS = new Map(MODULES.map((m) => [m.rule.id, m.prAction]));

/** The imperative PR-title phrase of a rule ("Block public access"), undefined for an unknown id. */
export function prActionFor(ruleId: string): string | undefined {
  return ACTIONS.get(ruleId);
}
