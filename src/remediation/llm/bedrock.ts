/**
 * The Bedrock Converse client of the LLM generator. One forced tool (the Patch schema), the stable
 * system prompt followed by a cachePoint, a token limit and no sampling parameters (Claude 4.5 rejects
 * temperature with top_p, and the defaults are fine for a forced tool call).
 *
 * The endpoint follows the SDK's own `AWS_ENDPOINT_URL_BEDROCK_RUNTIME` (read by the SDK from the
 * environment); when it is a plain http:// URL (the local emulator) the client uses an HTTP/1.1
 * request handler, because the SDK's default for this service is HTTP/2 (TLS only).
 */
import {
  BedrockRuntimeClient,
  ConverseCommand,
  type ContentBlock,
  type ConverseCommandInput,
  type Message,
} from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { TerraFixError } from '../../errors';
import type { TokenUsage } from '../../contracts';
import { PATCH_TOOL_NAME, patchToolJsonSchema } from './patchSchema';

export const DEFAULT_MODEL_ID = 'us.anthropic.claude-opus-4-5-20251101-v1:0';

/** Bedrock throttled or was unavailable after the SDK's retries: retry the activity later. */
export class LlmThrottledError extends TerraFixError {}
/** Bedrock refused the request for a permanent reason (validation, access). Not retryable. */
export class LlmRequestError extends TerraFixError {}

export interface LlmClientOptions {
  modelId?: string;
  region?: string;
  /** Overrides AWS_ENDPOINT_URL_BEDROCK_RUNTIME. */
  endpoint?: string;
  maxTokens?: number;
  /** SDK attempts per call, including throttling retries (default 4). */
  maxAttempts?: number;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  env?: NodeJS.ProcessEnv;
}

export interface ToolCallRequest {
  system: string;
  user: string;
  /** The repair round: the previous tool input and the errors it produced. */
  repair?: { previousInput: Record<string, unknown>; errorsText: string };
}

export type ToolCallResult =
  | { ok: true; input: unknown; tokens: TokenUsage; stopReason: string }
  | { ok: false; reason: string; tokens: TokenUsage; stopReason: string | undefined };

/** What the generator needs from an LLM: one forced tool call. Tests may pass a fake. */
export interface PatchModel {
  readonly modelId: string;
  callPatchTool(req: ToolCallRequest): Promise<ToolCallResult>;
}

const RETRYABLE = new Set([
  'ThrottlingException',
  'ServiceUnavailableException',
  'ModelNotReadyException',
  'InternalServerException',
  'ModelTimeoutException',
  'TimeoutError',
  'ECONNRESET',
  'ECONNREFUSED',
]);

/** Builds the Converse input (exported for tests and the benchmark). */
export function buildConverseInput(
  modelId: string,
  maxTokens: number,
  req: ToolCallRequest,
): ConverseCommandInput {
  const messages: Message[] = [{ role: 'user', content: [{ text: req.user }] }];
  if (req.repair) {
    const toolUseId = 'tooluse_previous_attempt';
    messages.push({
      role: 'assistant',
      content: [{ toolUse: { toolUseId, name: PATCH_TOOL_NAME, input: req.repair.previousInput as never } }],
    });
    messages.push({
      role: 'user',
      content: [
        { toolResult: { toolUseId, status: 'error', content: [{ text: req.repair.errorsText }] } },
        { text: 'Call the tool again with a corrected patch.' },
      ],
    });
  }
  return {
    modelId,
    system: [{ text: req.system }, { cachePoint: { type: 'default' } }],
    messages,
    inferenceConfig: { maxTokens },
    toolConfig: {
      tools: [
        {
          toolSpec: {
            name: PATCH_TOOL_NAME,
            description: 'Submit the Terraform patch that fixes the compliance failure.',
            inputSchema: { json: patchToolJsonSchema() as never },
          },
        },
      ],
      toolChoice: { tool: { name: PATCH_TOOL_NAME } },
    },
  };
}

function usageOf(
  u:
    | {
        inputTokens?: number;
        outputTokens?: number;
        cacheReadInputTokens?: number;
        cacheWriteInputTokens?: number;
      }
    | undefined,
): TokenUsage {
  return {
    input: u?.inputTokens ?? 0,
    output: u?.outputTokens ?? 0,
    cacheRead: u?.cacheReadInputTokens ?? 0,
    cacheWrite: u?.cacheWriteInputTokens ?? 0,
  };
}

/** Creates the Bedrock-backed client from options and the environment (BEDROCK_MODEL_ID, AWS_REGION). */
export function createBedrockPatchModel(opts: LlmClientOptions = {}): PatchModel {
  const env = opts.env ?? process.env;
  const modelId = opts.modelId ?? env.BEDROCK_MODEL_ID ?? DEFAULT_MODEL_ID;
  const maxTokens = opts.maxTokens ?? (Number(env.LLM_MAX_TOKENS) || 4096);
  const endpoint = opts.endpoint ?? env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME ?? env.AWS_ENDPOINT_URL;
  const plainHttp = endpoint?.startsWith('http://') ?? false;
  const client = new BedrockRuntimeClient({
    region: opts.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    // The SDK reads AWS_ENDPOINT_URL_BEDROCK_RUNTIME itself; pass it only when given explicitly.
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    ...(plainHttp ? { requestHandler: new NodeHttpHandler({ requestTimeout: 120_000 }) } : {}),
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
    maxAttempts: opts.maxAttempts ?? 4,
  });
  return {
    modelId,
    async callPatchTool(req) {
      let out;
      try {
        out = await client.send(new ConverseCommand(buildConverseInput(modelId, maxTokens, req)));
      } catch (err) {
        const name = (err as { name?: string; code?: string }).name ?? '';
        const code = (err as { code?: string }).code ?? '';
        const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        const msg = `Bedrock ${name || code || 'error'}${status ? ` (HTTP ${status})` : ''}: ${(err as Error).message}`;
        if (RETRYABLE.has(name) || RETRYABLE.has(code) || (status !== undefined && status >= 500))
          throw new LlmThrottledError(msg, { cause: err });
        throw new LlmRequestError(msg, { cause: err });
      }
      const tokens = usageOf(out.usage);
      const stopReason = out.stopReason;
      const content: ContentBlock[] = out.output?.message?.content ?? [];
      if (stopReason === 'max_tokens')
        return {
          ok: false,
          reason: `the answer was cut off by max_tokens (${maxTokens})`,
          tokens,
          stopReason,
        };
      if (stopReason === 'malformed_tool_use' || stopReason === 'malformed_model_output')
        return {
          ok: false,
          reason: `the model produced a malformed tool call (${stopReason})`,
          tokens,
          stopReason,
        };
      if (stopReason === 'guardrail_intervened' || stopReason === 'content_filtered')
        return { ok: false, reason: `the answer was blocked (${stopReason})`, tokens, stopReason };
      const tool = content.find((c) => c.toolUse)?.toolUse;
      if (!tool)
        return {
          ok: false,
          reason: `the model did not call the tool (stopReason ${stopReason})`,
          tokens,
          stopReason,
        };
      if (tool.name !== PATCH_TOOL_NAME)
        return {
          ok: false,
          reason: `the model called an unknown tool "${String(tool.name).slice(0, 60)}"`,
          tokens,
          stopReason,
        };
      return { ok: true, input: tool.input, tokens, stopReason: stopReason ?? 'tool_use' };
    },
  };
}
