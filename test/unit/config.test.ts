import { loadConfig, taskQueues } from '../../src/config';
import { ConfigError } from '../../src/errors';

describe('loadConfig', () => {
  it('applies documented defaults on an empty environment', () => {
    const c = loadConfig({});
    expect(c.VANTA_API_URL).toBe('https://api.vanta.com');
    expect(c.GITHUB_API_URL).toBe('https://api.github.com');
    expect(c.BEDROCK_MODEL_ID).toBe('us.anthropic.claude-opus-4-5-20251101-v1:0');
    expect(c.POLL_INTERVAL_SECONDS).toBe(300);
    expect(c.STATE_RETENTION_DAYS).toBe(7);
    expect(c.HEALTH_PORT).toBe(8080);
    expect(taskQueues(c)).toEqual({
      main: 'terrafix',
      llm: 'terrafix-llm',
      vanta: 'terrafix-vanta',
      github: 'terrafix-github',
    });
  });

  it('lists every bad variable in one error, naming what was expected', () => {
    let err: unknown;
    try {
      loadConfig({
        POLL_INTERVAL_SECONDS: 'soon',
        VANTA_API_URL: 'not a url',
        GITHUB_REPO_MAPPING: '{oops',
        LOG_LEVEL: 'loud',
        REDIS_URL: 'http://hunter2-secret@host',
        VANTA_CLIENT_SECRET: 'super-secret-value',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    for (const name of [
      'POLL_INTERVAL_SECONDS',
      'VANTA_API_URL',
      'GITHUB_REPO_MAPPING',
      'LOG_LEVEL',
      'REDIS_URL',
      'VANTA_CLIENT_ID',
    ]) {
      expect(msg).toContain(name);
    }
    expect(msg).toContain('expected a positive integer');
    expect(msg).toContain('expected JSON');
    expect(msg).not.toContain('hunter2');
    expect(msg).not.toContain('super-secret-value');
  });

  it('validates the repo mapping shape', () => {
    expect(() => loadConfig({ GITHUB_REPO_MAPPING: '{"defaults":"x/y"}' })).toThrow(/GITHUB_REPO_MAPPING/);
    const c = loadConfig({
      GITHUB_REPO_MAPPING: '{"default":"acme/infra","accounts":{"123456789012":"acme/prod"}}',
    });
    expect(c.GITHUB_REPO_MAPPING?.accounts?.['123456789012']).toBe('acme/prod');
  });

  it('GITHUB_ACTIVITY_SLOTS: a positive integer, 4 by default, named in the error', () => {
    expect(loadConfig({}).GITHUB_ACTIVITY_SLOTS).toBe(4);
    expect(loadConfig({ GITHUB_ACTIVITY_SLOTS: '' }).GITHUB_ACTIVITY_SLOTS).toBe(4);
    expect(loadConfig({ GITHUB_ACTIVITY_SLOTS: '8' }).GITHUB_ACTIVITY_SLOTS).toBe(8);
    for (const bad of ['0', '-2', '2.5', 'many']) {
      expect(() => loadConfig({ GITHUB_ACTIVITY_SLOTS: bad })).toThrow(
        /GITHUB_ACTIVITY_SLOTS: expected (a positive integer|an integer)/,
      );
    }
  });

  it('INDEX_CACHE_MB and WORKFLOW_CACHE_SIZE: positive integers with defaults, named in the error', () => {
    expect(loadConfig({}).INDEX_CACHE_MB).toBe(256);
    expect(loadConfig({}).WORKFLOW_CACHE_SIZE).toBe(250);
    expect(loadConfig({ WORKFLOW_CACHE_SIZE: '100' }).WORKFLOW_CACHE_SIZE).toBe(100);
    for (const name of ['INDEX_CACHE_MB', 'WORKFLOW_CACHE_SIZE'])
      for (const bad of ['0', '-1', 'lots'])
        expect(() => loadConfig({ [name]: bad })).toThrow(
          new RegExp(`${name}: expected (a positive integer|an integer)`),
        );
  });

  it('requires mTLS cert and key together', () => {
    expect(() => loadConfig({ TEMPORAL_TLS_CERT_PATH: '/x.pem' })).toThrow(/TEMPORAL_TLS_KEY_PATH/);
  });
});
