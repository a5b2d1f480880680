/**
 * Cost of the `hcl-reparse` check (src/terraform/hcl2json.ts): milliseconds per file for HashiCorp's
 * parser (WASM, in its worker thread) next to tree-sitter's parseHcl on the same text, for a small
 * file and for files up to the 2 MiB limit, plus the thread's start-up and the process RSS.
 * Usage: tsx bench/hcl2json.ts [sizes in KiB...]   (default 1 64 512 2048)
 */
import { authoritativeParse, stopAuthoritativeParser } from '../src/terraform/hcl2json';
import { getParser, parseHcl } from '../src/terraform';

/** Realistic Terraform: buckets with tags, lifecycle, a policy heredoc, locals and a for expression. */
function terraformText(bytes: number): string {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const block =
      `resource "aws_s3_bucket" "logs_${i}" {\n` +
      `  bucket        = "acme-logs-\${var.env}-${i}"\n` +
      `  force_destroy = false\n\n` +
      `  tags = merge(local.tags, {\n    Name = "logs-${i}"\n    Tier = var.tier\n  })\n\n` +
      `  lifecycle {\n    ignore_changes = [tags["LastScan"]]\n  }\n}\n\n` +
      `resource "aws_s3_bucket_policy" "logs_${i}" {\n` +
      `  bucket = aws_s3_bucket.logs_${i}.id\n` +
      `  policy = <<-EOT\n    {\n      "Version": "2012-10-17",\n      "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*",\n` +
      `        "Resource": "arn:aws:s3:::acme-logs-${i}/*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]\n    }\n  EOT\n}\n\n` +
      `locals {\n  names_${i} = [for k, v in var.buckets : "\${k}-\${v.suffix}" if v.enabled]\n}\n\n`;
    parts.push(block);
    size += Buffer.byteLength(block);
  }
  return parts.join('');
}

const rssMb = (): number => Math.round(process.memoryUsage().rss / 1048576);

async function timeIt(reps: number, fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) await fn();
  return (performance.now() - t0) / reps;
}

async function main(): Promise<void> {
  const args = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => n > 0);
  const sizesKiB = args.length > 0 ? args : [1, 64, 512, 2048];
  await getParser();
  console.log(`node ${process.version}, rss at start ${rssMb()} MB`);
  const t0 = performance.now();
  const first = await authoritativeParse([{ path: 'warmup.tf', content: 'a = 1\n' }]);
  console.log(
    `thread start + WASM load + first parse: ${(performance.now() - t0).toFixed(0)} ms (rss ${rssMb()} MB)`,
  );
  if (first[0].error || first[0].skipped) throw new Error(JSON.stringify(first));
  console.log('size\treps\thcl2json_ms/file\ttree-sitter_ms/file\trss_after_hcl2json_mb');
  for (const kib of sizesKiB) {
    const text = terraformText(kib * 1024 - 200).slice(0, kib * 1024);
    const content = text.slice(0, text.lastIndexOf('\n\n') + 2); // whole blocks only, under the limit
    const reps = kib <= 4 ? 200 : kib <= 64 ? 20 : 3;
    const check = await authoritativeParse([{ path: 'main.tf', content }]);
    if (check[0].error || check[0].skipped) throw new Error(JSON.stringify(check[0]));
    const hcl = await timeIt(reps, () => authoritativeParse([{ path: 'main.tf', content }]));
    // Files over 256 KiB recycle the thread after each parse: give its isolate time to be freed.
    if (kib > 256) await new Promise((r) => setTimeout(r, 1500));
    const rss = rssMb(); // before tree-sitter, whose own WASM memory (main thread) also only grows
    const ts = await timeIt(reps, () => parseHcl(content, 'main.tf'));
    const shown = kib >= 1024 ? `${(Buffer.byteLength(content) / 1048576).toFixed(2)} MiB` : `${kib} KiB`;
    console.log(`${shown}\t${reps}\t${hcl.toFixed(1)}\t${ts.toFixed(1)}\t${rss}`);
  }
  await stopAuthoritativeParser();
  await new Promise((r) => setTimeout(r, 1500)); // the thread's isolate (and its WASM memory) is freed asynchronously
  console.log(`rss 1.5 s after the thread is stopped: ${rssMb()} MB`);
}

void main();
