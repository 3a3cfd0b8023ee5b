/**
 * Kubernetes resource quantities as the declarations write them (`100m`, `1`,
 * `128Mi`): as numbers, so environments can scale them, and as the
 * cdk8s-plus values a container's resources take.
 */
import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';

const binarySuffixes: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 };

function parseCpu(quantity: string): { readonly value: number; readonly inMillis: boolean } {
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(quantity);
  if (!m) throw new Error(`unsupported CPU quantity "${quantity}"`);
  return { value: Number(m[1]), inMillis: m[2] === 'm' };
}

/** CPU quantity (`250m`, `1`, `1.5`) in millicores. */
export function cpuMillis(quantity: string): number {
  const { value, inMillis } = parseCpu(quantity);
  return inMillis ? value : Math.round(value * 1000);
}

/** Memory quantity (`128Mi`, `1Gi`) in mebibytes. */
export function memoryMebibytes(quantity: string): number {
  const m = /^(\d+)(Ki|Mi|Gi)$/.exec(quantity);
  if (!m) throw new Error(`unsupported memory quantity "${quantity}" (use Ki, Mi or Gi)`);
  return (Number(m[1]) * (binarySuffixes[m[2]!] ?? 1)) / 2 ** 20;
}

/** CPU quantity for a container, rendered in the unit it was written in (`250m` stays millicores, `1` cores). */
export function containerCpu(quantity: string): kplus.Cpu {
  const { value, inMillis } = parseCpu(quantity);
  return inMillis ? kplus.Cpu.millis(value) : kplus.Cpu.units(value);
}

/** Memory quantity for a container (cdk8s-plus renders it in Mi). */
export function containerMemory(quantity: string): Size {
  return Size.mebibytes(memoryMebibytes(quantity));
}
