/** The module-local address of a top-level block (aws_s3_bucket.logs, data.x.y, module.m, var.v…). */
export function localAddressOf(kind: string, labels: string[]): string {
  switch (kind) {
    case 'resource':
      return `${labels[0] ?? ''}.${labels[1] ?? ''}`;
    case 'data':
      return `data.${labels[0] ?? ''}.${labels[1] ?? ''}`;
    case 'module':
      return `module.${labels[0] ?? ''}`;
    case 'variable':
      return `var.${labels[0] ?? ''}`;
    case 'output':
      return `output.${labels[0] ?? ''}`;
    case 'provider':
      return `provider.${labels[0] ?? ''}`;
    default:
      return [kind, ...labels].join('.');
  }
}
