import {
  indexRepository,
  locate,
  relatedBlocks,
  arnToTerraform,
  ARN_RULES,
  responseTypeToTerraform,
} from '../../src/terraform';
import { failure, fixture } from './helpers';

describe('locate', () => {
  it('uses an explicit terraform address (with instance key) first', async () => {
    const idx = await indexRepository(fixture('large'));
    const r = locate(
      idx,
      failure({ terraformAddress: 'aws_subnet.private[1]', displayName: 'something-else' }),
    );
    expect(r.status).toBe('found');
    expect(r.target).toMatchObject({
      address: 'aws_subnet.private[1]',
      matchedBy: 'address',
      confidence: 1,
      file: 'network.tf',
    });
  });

  it('uses an explicit file when it holds one resource of the expected type', async () => {
    const idx = await indexRepository(fixture('large'));
    const r = locate(idx, failure({ file: 'database.tf', responseType: 'RDS instance' }));
    expect(r.status).toBe('found');
    expect(r.target).toMatchObject({ address: 'aws_db_instance.main', matchedBy: 'file' });
  });

  it('maps ARNs to a type and identifier attribute, through modules and for_each', async () => {
    const idx = await indexRepository(fixture('large'));
    const r = locate(idx, failure({ arn: 'arn:aws:s3:::corp-curated' }));
    expect(r.status).toBe('found');
    expect(r.target).toMatchObject({
      address: 'module.data["curated"].aws_s3_bucket.this',
      file: 'modules/storage/main.tf',
      moduleDir: 'modules/storage',
      matchedBy: 'arn',
    });
    expect(r.target!.related).toEqual(['module.data["curated"].aws_s3_bucket_versioning.this']);
    const s = locate(
      idx,
      failure({ arn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:corp/db-password-AbCdEf' }),
    );
    expect(s.target?.address).toBe('aws_secretsmanager_secret.db');
    const l = locate(idx, failure({ arn: 'arn:aws:lambda:us-east-1:123456789012:function:corp-thumbnails' }));
    expect(l.target?.address).toBe('aws_lambda_function.thumbs');
  });

  it('knows at least 40 ARN shapes', () => {
    const types = new Set(ARN_RULES.flatMap((r) => r.types));
    expect(types.size).toBeGreaterThanOrEqual(40);
    expect(arnToTerraform('arn:aws:iam::123456789012:role/service/app-role')).toEqual({
      types: ['aws_iam_role'],
      attribute: 'name',
      identifier: 'app-role',
    });
    expect(arnToTerraform('arn:aws:rds:us-east-1:123456789012:db:prod-db')?.attribute).toBe('identifier');
    expect(arnToTerraform('arn:aws:ec2:us-east-1:123456789012:security-group/sg-0abc')).toMatchObject({
      attribute: null,
    });
    expect(arnToTerraform('arn:aws:logs:us-east-1:123456789012:log-group:/aws/x:*')?.identifier).toBe(
      '/aws/x',
    );
    expect(
      arnToTerraform(
        'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/my-alb/50dc6c495c0c9188',
      ),
    ).toMatchObject({
      types: ['aws_lb', 'aws_alb'],
      identifier: 'my-alb',
    });
    expect(arnToTerraform('not-an-arn')).toBeNull();
  });

  it('maps Vanta responseType + displayName to resolved names', async () => {
    const idx = await indexRepository(fixture('large'));
    const r = locate(idx, failure({ displayName: 'corp-postgres', responseType: 'RDS instance' }));
    expect(r.target).toMatchObject({ address: 'aws_db_instance.main', matchedBy: 'resolved_name' });
    expect(r.reasons.join(' ')).toMatch(/resolves/);
    expect(responseTypeToTerraform('S3 bucket')).toEqual(['aws_s3_bucket']);
    expect(responseTypeToTerraform('EC2 Instances')).toEqual(['aws_instance']);
    expect(responseTypeToTerraform('AWS::S3::Bucket')).toEqual(['aws_s3_bucket']);
    const small = await indexRepository(fixture('small'));
    expect(
      locate(small, failure({ displayName: 'acme-app-logs', responseType: 'S3 bucket' })).target,
    ).toMatchObject({
      address: 'aws_s3_bucket.logs',
      matchedBy: 'display_name',
    });
  });

  it('matches for_each / count instances by their resolved names', async () => {
    const idx = await indexRepository(fixture('medium'));
    expect(
      locate(idx, failure({ displayName: 'acme-prod-backups', responseType: 'S3 bucket' })).target?.address,
    ).toBe('aws_s3_bucket.named["backups"]');
    expect(
      locate(idx, failure({ displayName: 'acme-prod-billing', responseType: 'SQS queue' })).target?.address,
    ).toBe('aws_sqs_queue.q[1]');
  });

  it('matches by Name tag and by any tag value', async () => {
    const idx = await indexRepository(fixture('large'));
    expect(
      locate(idx, failure({ displayName: 'database-sg', responseType: 'Security group' })).target,
    ).toMatchObject({
      address: 'aws_security_group.db',
      matchedBy: 'tag',
    });
    const m = await indexRepository(fixture('medium'));
    expect(
      locate(m, failure({ displayName: 'worker-1', responseType: 'EC2 instance' })).target?.address,
    ).toBe('aws_instance.worker[1]');
    const n = await indexRepository(fixture('nonascii'));
    expect(locate(n, failure({ displayName: 'Zoë Ångström' })).target).toMatchObject({
      address: 'aws_s3_bucket.données',
      matchedBy: 'tag',
    });
  });

  it('falls back to the block label', async () => {
    const idx = await indexRepository(fixture('large'));
    const r = locate(idx, failure({ displayName: 'analytics', responseType: 'RDS cluster' }));
    expect(r.target).toMatchObject({ address: 'aws_rds_cluster.analytics', matchedBy: 'label' });
  });

  it('resolves account id / region names from the failure', async () => {
    const idx = await indexRepository(fixture('medium'));
    const r = locate(
      idx,
      failure({
        displayName: 'trail-999988887777-us-west-2',
        responseType: 'CloudTrail',
        accountId: '999988887777',
        region: 'us-west-2',
      }),
    );
    expect(r.target?.address).toBe('aws_cloudtrail.main');
  });

  it('reports ambiguity with ranked candidates', async () => {
    const idx = await indexRepository(fixture('large'));
    const r = locate(idx, failure({ file: 'network.tf', responseType: 'Security group' }));
    expect(r.status).toBe('ambiguous');
    expect(r.target).toBeNull();
    expect(r.candidates.map((c) => c.target.address).sort()).toEqual([
      'aws_security_group.db',
      'aws_security_group.web',
    ]);
  });

  it('reports not found with the closest candidates', async () => {
    const idx = await indexRepository(fixture('large'));
    const r = locate(idx, failure({ displayName: 'corp-statik-site', responseType: 'S3 bucket' }));
    expect(r.status).toBe('not_found');
    expect(r.target).toBeNull();
    expect(r.candidates[0].target.address).toBe('aws_s3_bucket.static');
    expect(r.reasons.join(' ')).toMatch(/no aws_s3_bucket named or tagged "corp-statik-site"/);
  });

  it('places account-level controls (existing resource or a file to add it to)', async () => {
    const idx = await indexRepository(fixture('large'));
    const r = locate(
      idx,
      failure({ responseType: 'AWS account', displayName: '123456789012' }, 'aws-iam-password-policy'),
    );
    expect(r.status).toBe('found');
    expect(r.target).toMatchObject({
      placeholder: true,
      matchedBy: 'account_level',
      resourceType: 'aws_iam_account_password_policy',
      file: 'versions.tf',
    });
    const t = locate(idx, failure({ responseType: 'AWS account' }, 'cloudtrail-log-file-validation'));
    expect(t.target).toMatchObject({ placeholder: true, resourceType: 'aws_cloudtrail' });
    const m = await indexRepository(fixture('medium'));
    const c = locate(m, failure({ responseType: 'AWS account' }, 'cloudtrail-log-file-validation'));
    expect(c.target).toMatchObject({ address: 'aws_cloudtrail.main', matchedBy: 'account_level' });
  });

  it('finds related blocks that configure a resource', async () => {
    const idx = await indexRepository(fixture('medium'));
    expect(
      relatedBlocks(idx, 'aws_s3_bucket.logs')
        .map((b) => b.address)
        .sort(),
    ).toEqual([
      'aws_cloudtrail.main',
      'aws_s3_bucket_public_access_block.logs',
      'aws_s3_bucket_server_side_encryption_configuration.logs',
    ]);
    const large = await indexRepository(fixture('large'));
    expect(
      relatedBlocks(large, 'aws_security_group.db')
        .map((b) => b.address)
        .sort(),
    ).toEqual(['aws_db_instance.main', 'aws_security_group_rule.db_from_web']);
  });
});
