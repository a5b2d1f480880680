/** Rule modules of the data family (registered in ../index.ts after the core catalog). */
import type { RuleModule } from '../index';
import * as daxEncryption from '../daxEncryption';
import * as docdbAuditLogs from '../docdbAuditLogs';
import * as docdbEncryption from '../docdbEncryption';
import * as docdbLogging from '../docdbLogging';
import * as docdbTls from '../docdbTls';
import * as elasticacheBackup from '../elasticacheBackup';
import * as neptuneAuditLogging from '../neptuneAuditLogging';
import * as neptuneEncryption from '../neptuneEncryption';
import * as opensearchEncryptionAtRest from '../opensearchEncryptionAtRest';
import * as opensearchEnforceHttps from '../opensearchEnforceHttps';
import * as opensearchNodeToNode from '../opensearchNodeToNode';
import * as rdsAutoMinorUpgrade from '../rdsAutoMinorUpgrade';
import * as rdsCopyTagsToSnapshot from '../rdsCopyTagsToSnapshot';
import * as rdsLogExports from '../rdsLogExports';
import * as rdsEnhancedMonitoring from '../rdsEnhancedMonitoring';
import * as rdsIamAuth from '../rdsIamAuth';
import * as rdsPerformanceInsights from '../rdsPerformanceInsights';
import * as redshiftEncryption from '../redshiftEncryption';
import * as redshiftEnhancedVpcRouting from '../redshiftEnhancedVpcRouting';
import * as redshiftLogging from '../redshiftLogging';
import * as redshiftNotPublic from '../redshiftNotPublic';
import * as redshiftVersionUpgrade from '../redshiftVersionUpgrade';

export const MODULES: readonly RuleModule[] = [
  rdsIamAuth,
  rdsCopyTagsToSnapshot,
  rdsAutoMinorUpgrade,
  redshiftEncryption,
  redshiftNotPublic,
  redshiftEnhancedVpcRouting,
  redshiftVersionUpgrade,
  opensearchEncryptionAtRest,
  opensearchNodeToNode,
  opensearchEnforceHttps,
  elasticacheBackup,
  docdbEncryption,
  docdbLogging,
  neptuneEncryption,
  neptuneAuditLogging,
  daxEncryption,
  rdsLogExports,
  redshiftLogging,
  rdsEnhancedMonitoring,
  rdsPerformanceInsights,
  docdbTls,
  docdbAuditLogs,
];
