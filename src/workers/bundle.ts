/** Prebuilds the workflow bundle (Docker image build step): writes dist/workflow-bundle.js. */
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

/** Bundles src/workflows (or dist/workflows) into one file for `workflowBundle`. */
export async function writeWorkflowBundle(outFile: string): Promise<void> {
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows') });
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, code);
}

if (require.main === module) {
  const out = process.argv[2] ?? path.join(__dirname, '..', 'workflow-bundle.js');
  writeWorkflowBundle(out).then(
    () => process.stdout.write(`workflow bundle written to ${out}\n`),
    (err: Error) => {
      process.stderr.write(`bundle failed: ${err.message}\n`);
      process.exit(1);
    },
  );
}
