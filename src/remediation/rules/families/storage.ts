/** Rule modules of the storage family (registered in ../index.ts after the core catalog). */
import type { RuleModule } from '../index';
import * as backupVaultKms from '../backupVaultKms';
import * as dynamodbReplicaCmk from '../dynamodbReplicaCmk';
import * as ebsBackupPlan from '../ebsBackupPlan';
import * as ebsSnapshotCopyCmk from '../ebsSnapshotCopyCmk';
import * as ebsVolumeCmk from '../ebsVolumeCmk';
import * as efsBackupPlan from '../efsBackupPlan';
import * as efsCmkEncryption from '../efsCmkEncryption';
import * as fsxLustreCmk from '../fsxLustreCmk';
import * as fsxOntapCmk from '../fsxOntapCmk';
import * as fsxOpenzfsCmk from '../fsxOpenzfsCmk';
import * as fsxWindowsCmk from '../fsxWindowsCmk';
import * as s3EventNotifications from '../s3EventNotifications';
import * as s3KmsDefault from '../s3KmsDefault';
import * as s3Lifecycle from '../s3Lifecycle';
import * as s3ObjectCmk from '../s3ObjectCmk';
import * as s3ObjectCopyCmk from '../s3ObjectCopyCmk';

export const MODULES: readonly RuleModule[] = [
  s3Lifecycle,
  s3KmsDefault,
  s3ObjectCmk,
  s3ObjectCopyCmk,
  s3EventNotifications,
  efsCmkEncryption,
  ebsVolumeCmk,
  backupVaultKms,
  ebsSnapshotCopyCmk,
  fsxOntapCmk,
  fsxWindowsCmk,
  fsxLustreCmk,
  fsxOpenzfsCmk,
  dynamodbReplicaCmk,
  ebsBackupPlan,
  efsBackupPlan,
];
