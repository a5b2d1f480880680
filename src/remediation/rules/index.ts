/** The rule catalog: one file per control. Order matters only for keyword matching (first wins). */
import type { Rule } from '../types';
import { rule as albHttpsRedirect } from './albHttpsRedirect';
import { rule as cloudtrailKms } from './cloudtrailKms';
import { rule as cloudtrailLogValidation } from './cloudtrailLogValidation';
import { rule as cloudtrailMultiRegion } from './cloudtrailMultiRegion';
import { rule as cloudwatchLogKms } from './cloudwatchLogKms';
import { rule as cloudwatchLogRetention } from './cloudwatchLogRetention';
import { rule as dynamodbCmk } from './dynamodbCmk';
import { rule as dynamodbPitr } from './dynamodbPitr';
import { rule as ebsDefaultEncryption } from './ebsDefaultEncryption';
import { rule as ebsVolumeEncryption } from './ebsVolumeEncryption';
import { rule as ec2Imdsv2 } from './ec2Imdsv2';
import { rule as ecrImmutableTags } from './ecrImmutableTags';
import { rule as ecrScanOnPush } from './ecrScanOnPush';
import { rule as efsEncryption } from './efsEncryption';
import { rule as eksPrivateEndpoint } from './eksPrivateEndpoint';
import { rule as elasticacheAtRest } from './elasticacheAtRest';
import { rule as elasticacheInTransit } from './elasticacheInTransit';
import { rule as guarddutyEnabled } from './guarddutyEnabled';
import { rule as iamPasswordPolicy } from './iamPasswordPolicy';
import { rule as kmsKeyRotation } from './kmsKeyRotation';
import { rule as rdsBackupRetention } from './rdsBackupRetention';
import { rule as rdsDeletionProtection } from './rdsDeletionProtection';
import { rule as rdsEncryption } from './rdsEncryption';
import { rule as rdsMultiAz } from './rdsMultiAz';
import { rule as rdsNotPublic } from './rdsNotPublic';
import { rule as s3AccessLogging } from './s3AccessLogging';
import { rule as s3BucketEncryption } from './s3BucketEncryption';
import { rule as s3PublicAccessBlock } from './s3PublicAccessBlock';
import { rule as s3TlsOnly } from './s3TlsOnly';
import { rule as s3Versioning } from './s3Versioning';
import { rule as sgRdpOpen } from './sgRdpOpen';
import { rule as sgSshOpen } from './sgSshOpen';
import { rule as snsEncryption } from './snsEncryption';
import { rule as sqsEncryption } from './sqsEncryption';
import { rule as vpcFlowLogs } from './vpcFlowLogs';

/** Every rule, in a stable order. */
export const RULES: readonly Rule[] = [
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
];
