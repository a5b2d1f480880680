/** Rule modules of the platform family (registered in ../index.ts after the core catalog). */
import type { RuleModule } from '../index';
import * as apigwAccessLogging from '../apigwAccessLogging';
import * as apigwCacheEncryption from '../apigwCacheEncryption';
import * as apigwStageXray from '../apigwStageXray';
import * as apigwWaf from '../apigwWaf';
import * as cloudfrontLogging from '../cloudfrontLogging';
import * as cloudfrontTls12 from '../cloudfrontTls12';
import * as cloudfrontViewerHttps from '../cloudfrontViewerHttps';
import * as cloudfrontWaf from '../cloudfrontWaf';
import * as codebuildArtifactEncryption from '../codebuildArtifactEncryption';
import * as codebuildCmk from '../codebuildCmk';
import * as codebuildLogging from '../codebuildLogging';
import * as codebuildS3LogsEncryption from '../codebuildS3LogsEncryption';
import * as ecrKmsEncryption from '../ecrKmsEncryption';
import * as eksControlPlaneLogging from '../eksControlPlaneLogging';
import * as eksSecretsEncryption from '../eksSecretsEncryption';
import * as firehoseCmk from '../firehoseCmk';
import * as firehoseEncryption from '../firehoseEncryption';
import * as kinesisStreamEncryption from '../kinesisStreamEncryption';
import * as kmsKeyPolicy from '../kmsKeyPolicy';
import * as secretsManagerCmk from '../secretsManagerCmk';
import * as secretsManagerRotation from '../secretsManagerRotation';
import * as sfnLogging from '../sfnLogging';
import * as sfnXrayTracing from '../sfnXrayTracing';
import * as ssmParameterCmk from '../ssmParameterCmk';
import * as vpcDefaultSgRestricted from '../vpcDefaultSgRestricted';

export const MODULES: readonly RuleModule[] = [
  eksControlPlaneLogging,
  eksSecretsEncryption,
  ecrKmsEncryption,
  apigwStageXray,
  apigwAccessLogging,
  apigwCacheEncryption,
  apigwWaf,
  cloudfrontViewerHttps,
  cloudfrontTls12,
  cloudfrontWaf,
  cloudfrontLogging,
  kinesisStreamEncryption,
  firehoseEncryption,
  firehoseCmk,
  kmsKeyPolicy,
  secretsManagerCmk,
  secretsManagerRotation,
  ssmParameterCmk,
  codebuildArtifactEncryption,
  codebuildCmk,
  codebuildS3LogsEncryption,
  codebuildLogging,
  sfnXrayTracing,
  sfnLogging,
  vpcDefaultSgRestricted,
];
