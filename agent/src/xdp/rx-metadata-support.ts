import {
  judgeRxMetadataSupport,
  type KernelRxMetadata,
  RX_METADATA_FIELDS,
  RX_METADATA_KFUNCS,
  type RxMetadataField,
  type RxMetadataSupport,
} from '@ringside/shared';
import { NativeError } from '../native/errors.ts';
import { xdpHelperAllowed } from '../native/helper-probe.ts';
import { kernelFunctionsPresent } from '../native/kernel-btf.ts';
import { ifNameToIndex } from '../native/libc.ts';
import { readNetdevDevice } from '../native/netdev-features.ts';
import { inNetworkNamespace } from '../native/netns.ts';

/**
 * Which RX metadata kfuncs the running kernel and its interfaces offer, for
 * the rx-metadata program: the kernel's from its BTF (what libbpf resolves
 * the program's calls against), an interface's from the netdev family's
 * xdp-rx-metadata-features (its driver's xdp_metadata_ops); and whether the
 * kernel's verifier lets the program make room for them (bpf_xdp_adjust_meta).
 */

type Offered = Record<RxMetadataField, boolean>;

let inKernel: KernelRxMetadata | null = null;

function readKernelKfuncs(): Offered {
  const kfuncs = RX_METADATA_FIELDS.map((field) => RX_METADATA_KFUNCS[field].kfunc);
  let present: Record<string, boolean> = {};
  try {
    present = kernelFunctionsPresent(kfuncs);
  } catch (error) {
    // A kernel without BTF: it resolves no kfunc, so it has none of them.
    if (!(error instanceof NativeError)) throw error;
  }
  return Object.fromEntries(
    RX_METADATA_FIELDS.map((field) => [field, present[RX_METADATA_KFUNCS[field].kfunc] === true]),
  ) as Offered;
}

/**
 * A probe that could not run (its load failed for another reason than the helper) greys nothing out: the
 * program's own load then says what failed.
 */
function probeAdjustMeta(): boolean {
  try {
    return xdpHelperAllowed('xdp_adjust_meta');
  } catch (error) {
    if (error instanceof NativeError) return true;
    throw error;
  }
}

/** Read once: the running kernel's functions and helpers do not change under the agent. */
export function kernelRxMetadata(): KernelRxMetadata {
  inKernel ??= { kfuncs: readKernelKfuncs(), adjustMeta: probeAdjustMeta() };
  return inKernel;
}

/**
 * What `ifname`'s driver implements, in the namespace at `namespacePath`
 * (null: the agent's own); null when the kernel does not say or the
 * interface is gone. Asked afresh each time, like the interface facts: an
 * ifindex is reused (a namespace made again, `ip link add ... index N`), so a
 * cache by ifindex could answer for another device, and one netdev dev-get
 * at a program load or a state change costs nothing worth keeping.
 */
export function interfaceRxMetadata(namespacePath: string | null, ifname: string): Offered | null {
  return inNetworkNamespace(namespacePath, () => {
    const ifindex = ifNameToIndex(ifname);
    return ifindex === 0 ? null : (readNetdevDevice(ifindex)?.rxMetadata ?? null);
  });
}

/** The kernel's kfuncs and each interface's, judged for the page (shared/src/rx-metadata.ts). */
export function probeRxMetadataSupport(namespacePath: string | null, ifnames: readonly string[]): RxMetadataSupport {
  return judgeRxMetadataSupport(
    kernelRxMetadata(),
    ifnames.map((ifname) => ({ ifname, offered: interfaceRxMetadata(namespacePath, ifname) })),
  );
}
