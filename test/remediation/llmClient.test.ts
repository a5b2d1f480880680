import { startBedrockEmulator, type BedrockEmulator } from '../../src/sandbox/emulators/bedrockEmulator';
import {
  createBedrockPatchModel,
  LlmRequestError,
  LlmThrottledError,
  type PatchModel,
} from '../../src/remediation/llm/bedrock';
import { PATCH_TOOL_NAME } from '../../src/remediation/llm/patchSchema';

const creds = { accessKeyId: 'AKIDEMULATOR', secretAccessKey: 'emulator-secret' };
const goodInput = {
  edits: [
    {
      kind: 'set_attribute',
      file: 'main.tf',
      address: 'aws_db_instance.db',
      path: ['storage_encrypted'],
      value: 'true',
    },
  ],
  explanation: 'Enable encryption.',
  changedAttributes: ['storage_encrypted'],
  confidence: 'high',
  breakingChanges: [],
  additionalRequirements: [],
};

describe('Bedrock client against the emulator (real SDK over loopback)', () => {
  let emu: BedrockEmulator;
  let client: PatchModel;
  beforeAll(async () => {
    emu = await startBedrockEmulator();
    client = createBedrockPatchModel({
      endpoint: emu.url,
      credentials: creds,
      modelId: 'us.anthropic.claude-opus-4-5-20251101-v1:0',
      maxTokens: 2048,
      maxAttempts: 3,
      env: {},
    });
  });
  afterAll(() => emu.stop());

  it('sends a forced tool, a cache point after the system prompt and a token limit; records usage', async () => {
    emu.enqueue({ toolUse: { input: goodInput } }, { toolUse: { input: goodInput } });
    const first = await client.callPatchTool({ system: 'S'.repeat(4000), user: 'fix it' });
    const second = await client.callPatchTool({ system: 'S'.repeat(4000), user: 'fix it again' });
    expect(first).toMatchObject({ ok: true, input: goodInput, stopReason: 'tool_use' });
    const req = emu.requests.at(-2)!;
    expect(req.modelId).toBe('us.anthropic.claude-opus-4-5-20251101-v1:0');
    expect(req.body.toolConfig?.toolChoice).toEqual({ tool: { name: PATCH_TOOL_NAME } });
    expect(req.body.toolConfig?.tools?.[0].toolSpec?.inputSchema?.json).toMatchObject({ type: 'object' });
    expect(req.body.system?.[1]).toEqual({ cachePoint: { type: 'default' } });
    expect(req.body.inferenceConfig).toEqual({ maxTokens: 2048 });
    expect(first.tokens.cacheWrite).toBe(1000);
    expect(second.tokens.cacheRead).toBe(1000);
    expect(second.tokens.input).toBeGreaterThan(0);
    expect(second.tokens.output).toBeGreaterThan(0);
  });

  it('retries throttling transparently, then succeeds', async () => {
    const before = emu.requests.length;
    emu.enqueue(
      { error: 'ThrottlingException', message: 'Too many requests' },
      { toolUse: { input: goodInput } },
    );
    const r = await client.callPatchTool({ system: 'sys', user: 'u' });
    expect(r.ok).toBe(true);
    expect(emu.requests.length - before).toBe(2);
  });

  it('turns persistent throttling into a retryable LlmThrottledError', async () => {
    emu.enqueue(...Array.from({ length: 3 }, () => ({ error: 'ThrottlingException' })));
    await expect(client.callPatchTool({ system: 'sys', user: 'u' })).rejects.toBeInstanceOf(
      LlmThrottledError,
    );
  });

  it('turns validation errors into a permanent LlmRequestError', async () => {
    emu.enqueue({ error: 'AccessDeniedException', message: 'no access' });
    await expect(client.callPatchTool({ system: 'sys', user: 'u' })).rejects.toBeInstanceOf(LlmRequestError);
  });

  it('reports max_tokens and malformed tool use as failures with reasons', async () => {
    emu.enqueue(
      { toolUse: { input: { edits: [] } }, stopReason: 'max_tokens' },
      { toolUse: { input: 'not json' }, stopReason: 'malformed_tool_use' },
      { text: 'I would rather chat', stopReason: 'end_turn' },
    );
    const a = await client.callPatchTool({ system: 'sys', user: 'u' });
    const b = await client.callPatchTool({ system: 'sys', user: 'u' });
    const c = await client.callPatchTool({ system: 'sys', user: 'u' });
    expect(a).toMatchObject({ ok: false, stopReason: 'max_tokens' });
    expect(!a.ok && a.reason).toMatch(/max_tokens/);
    expect(b).toMatchObject({ ok: false, stopReason: 'malformed_tool_use' });
    expect(c).toMatchObject({ ok: false });
    expect(!c.ok && c.reason).toMatch(/did not call the tool/);
  });

  it('sends the previous attempt and its errors in the repair round', async () => {
    emu.enqueue({ toolUse: { input: goodInput } });
    await client.callPatchTool({
      system: 'sys',
      user: 'u',
      repair: { previousInput: goodInput, errorsText: 'main.tf:3: unexpected token' },
    });
    const msgs = emu.requests.at(-1)!.body.messages!;
    expect(msgs.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(JSON.stringify(msgs[2])).toContain('unexpected token');
    expect(msgs[2].content[0]).toMatchObject({ toolResult: { status: 'error' } });
  });

  it('the emulator rejects temperature with topP for Claude 4.5 like Bedrock', async () => {
    const res = await fetch(
      `${emu.url}/model/${encodeURIComponent('us.anthropic.claude-opus-4-5-20251101-v1:0')}/converse`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          messages: [{ role: 'user', content: [{ text: 'x' }] }],
          inferenceConfig: { temperature: 0.2, topP: 0.9 },
        }),
      },
    );
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toMatch(/^ValidationException:/);
  });
});
