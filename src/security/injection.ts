/**
 * Prompt-injection markers in untrusted text (repository blocks and their comments, Vanta fields):
 * text that addresses an assistant, gives it instructions or fakes a chat role. Such text is not
 * removed (the model is told to treat it as data, and guardrails hold either way), but reviewers
 * are told: the PR gets a label and a warning naming the file and line.
 */

export interface InjectionSource {
  /** Where the text comes from: a repository path, or "Vanta <field>". */
  source: string;
  text: string;
  /** Line number of the text's first line in its file (1 for a whole file or a field). */
  firstLine?: number;
}

export interface InjectionFinding {
  source: string;
  line: number;
  /** The matching line, trimmed and cut to 120 characters. */
  excerpt: string;
}

const PATTERNS: RegExp[] = [
  /\b(ignore|disregard|forget)\b[^.\n]{0,40}\b(previous|prior|above|earlier|all|your|the system)\b[^.\n]{0,20}\b(instructions?|prompts?|guidelines|directions)\b/i,
  /\b(note|message|instructions?|attention)\s+(to|for)\s+(the\s+)?(ai|assistants?|llms?|models?|claude|chatgpt|gpt|copilot|bots?)\b/i,
  /\b(you are|you're|act as|pretend to be)\s+(now\s+)?(an?\s+)?(ai|assistant|language model|llm|claude|chatgpt|system)\b/i,
  /\b(dear|hey|hi)\s+(ai|assistant|claude|chatgpt|llm|model)\b/i,
  /<\/?\s*(system|assistant|user|human|instructions?)\s*>/i,
  /^\s*(#|\/\/)?\s*(system|assistant|human)\s*:/im,
  /\[\/?INST\]|<\|im_start\|>|<\|im_end\|>|<\|system\|>/i,
  /\bnew (system )?instructions\b|\bdo not (tell|inform|mention (this )?to) the (user|human|reviewer)\b/i,
];

/** Lines of the sources that address an assistant (at most one finding per line). */
export function findInjections(sources: InjectionSource[]): InjectionFinding[] {
  const out: InjectionFinding[] = [];
  for (const s of sources) {
    const lines = s.text.split(/\r?\n/);
    lines.forEach((l, i) => {
      if (!PATTERNS.some((p) => p.test(l))) return;
      const t = l.trim();
      out.push({
        source: s.source,
        line: (s.firstLine ?? 1) + i,
        excerpt: t.length > 120 ? `${t.slice(0, 117)}...` : t,
      });
    });
  }
  return out;
}

/** One warning line for a PR, naming where the text is. */
export function injectionWarning(f: InjectionFinding): string {
  const where = f.source.startsWith('Vanta ') ? f.source : `${f.source} line ${f.line}`;
  return `Possible prompt injection in ${where}: text addressed to an AI assistant ("${f.excerpt}"). TerraFix treated it as data; review the change with that in mind.`;
}

/** The label a PR gets when its inputs contain prompt-injection text. */
export const INJECTION_LABEL = {
  name: 'terrafix:prompt-injection',
  color: 'b60205',
  description: 'The repository or Vanta text of this failure addresses an AI assistant',
};
