/**
 * Small helpers for Kubernetes resource quantities as the declarations write
 * them (`100m`, `1`, `128Mi`), so environments can scale them.
 */

const binarySuffixes: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 };

/** CPU quantity (`250m`, `1`, `1.5`) in millicores. */
export function cpuMillis(quantity: string): number {
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(quantity);
  if (!m) throw new Error(`unsupported CPU quantity "${quantity}"`);
  const value = Number(m[1]);
  return m[2] === 'm' ? value : Math.round(value * 1000);
}

/** Memory quantity (`128Mi`, `1Gi`) in mebibytes. */
export function memoryMebibytes(quantity: string): number {
  const m = /^(\d+)(Ki|Mi|Gi)$/.exec(quantity);
  if (!m) throw new Error(`unsupported memory quantity "${quantity}" (use Ki, Mi or Gi)`);
  return (Number(m[1]) * (binarySuffixes[m[2]!] ?? 1)) / 2 ** 20;
}
