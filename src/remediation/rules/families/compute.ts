/** Rule modules of the compute family (registered in ../index.ts after the core catalog). */
import type { RuleModule } from '../index';
import * as ec2DetailedMonitoring from '../ec2DetailedMonitoring';
import * as ec2EbsOptimized from '../ec2EbsOptimized';
import * as ec2NoPublicIp from '../ec2NoPublicIp';
import * as ec2RootVolumeEncryption from '../ec2RootVolumeEncryption';
import * as lambdaCodeSigning from '../lambdaCodeSigning';
import * as lambdaDlq from '../lambdaDlq';
import * as lambdaEnvKms from '../lambdaEnvKms';
import * as lambdaFunctionUrlAuth from '../lambdaFunctionUrlAuth';
import * as lambdaXrayTracing from '../lambdaXrayTracing';
import * as launchConfigImdsv2 from '../launchConfigImdsv2';
import * as lbAccessLogs from '../lbAccessLogs';
import * as lbDeletionProtection from '../lbDeletionProtection';
import * as lbDesyncMitigation from '../lbDesyncMitigation';
import * as lbDropInvalidHeaders from '../lbDropInvalidHeaders';
import * as lbListenerTls12 from '../lbListenerTls12';

export const MODULES: readonly RuleModule[] = [
  ec2DetailedMonitoring,
  ec2EbsOptimized,
  ec2RootVolumeEncryption,
  ec2NoPublicIp,
  launchConfigImdsv2,
  lbDropInvalidHeaders,
  lbDeletionProtection,
  lbAccessLogs,
  lbListenerTls12,
  lbDesyncMitigation,
  lambdaXrayTracing,
  lambdaDlq,
  lambdaEnvKms,
  lambdaCodeSigning,
  lambdaFunctionUrlAuth,
];
