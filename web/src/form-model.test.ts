import {
  defaultSocketRequest,
  type InterfaceInfo,
  type SocketFeatures,
  type SocketRequest,
  type UmemLimits,
  validateSocket,
} from '@ringside/shared';
import { describe, expect, it } from 'vitest';
import { checkDraft, draftFrom, problemsFor, shareUmem } from './form-model.ts';

const limits: UmemLimits = {
  pageSize: 4096,
  alignedChunkSizes: [2048, 4096],
  unalignedChunkRange: { min: 64, max: 4096 },
  maxHeadroom: { '2048': 1344, '4096': 3392 },
};

const veth: InterfaceInfo = {
  name: 'rs-app',
  ifindex: 5,
  driver: 'veth',
  rxQueues: 1,
  txQueues: 1,
  mtu: 1500,
  xdpFeatures: {
    basic: true,
    redirect: true,
    ndoXmit: true,
    xskZeroCopy: false,
    hwOffload: false,
    rxSg: true,
    ndoXmitSg: true,
    zeroCopyMaxSegments: 0,
  },
  attachedXdp: null,
};

const request: SocketRequest = defaultSocketRequest('rs-app');

describe('checking the socket form', () => {
  it('turns a valid draft back into the request it came from', () => {
    const checked = checkDraft(draftFrom(request), limits, [veth], false);
    expect(checked.problems).toEqual([]);
    expect(checked.request).toEqual({ ...request, checks: 'ringside' });
  });

  it('refuses a ring size that is not a power of two with the agent’s own words', () => {
    const checked = checkDraft({ ...draftFrom(request), rxSize: '1000' }, limits, [veth], false);
    expect(checked.request).toBeNull();
    expect(problemsFor(checked.problems, 'rxSize')).toEqual([
      'RX ring size must be a power of two (kernel rule): try 512 or 1024',
    ]);
  });

  it('refuses zero-copy on a driver without it, exactly as validateSocket words it', () => {
    const draft = { ...draftFrom(request), copy: false, zeroCopy: true };
    const checked = checkDraft(draft, limits, [veth], false);
    const expected = validateSocket({ ...request.socket, copy: false, zeroCopy: true }, 'rxdrop', veth);
    expect(problemsFor(checked.problems, 'zeroCopy')).toEqual(problemsFor(expected, 'zeroCopy'));
    expect(problemsFor(checked.problems, 'zeroCopy')).toHaveLength(1);
  });

  it('leaves the kernel to judge when asked to, as the agent does', () => {
    const draft = { ...draftFrom(request), copy: false, zeroCopy: true, checks: 'kernel' as const };
    const checked = checkDraft(draft, limits, [veth], false);
    expect(checked.problems).toEqual([]);
    expect(checked.request?.socket.zeroCopy).toBe(true);
    expect(checked.request?.checks).toBe('kernel');
  });

  it('refuses half-typed numbers instead of guessing', () => {
    const checked = checkDraft({ ...draftFrom(request), frameCount: '40x', headroom: '' }, limits, [veth], false);
    expect(checked.request).toBeNull();
    expect(checked.problems.map((problem) => problem.field).sort()).toEqual(['frameCount', 'headroom']);
  });

  it('checks the headroom against the probed limit for the chunk size', () => {
    const checked = checkDraft({ ...draftFrom(request), frameSize: '2048', headroom: '2000' }, limits, [veth], false);
    expect(problemsFor(checked.problems, 'headroom')[0]).toContain('at most 1344');
  });

  it('sends traffic only for a workload that sends, within the protocol’s range', () => {
    const txonly = { ...draftFrom(request), workload: 'txonly' as const, ratePps: '0' };
    expect(problemsFor(checkDraft(txonly, limits, [veth], false).problems, 'ratePps')).toHaveLength(1);
    const fixed = checkDraft({ ...txonly, ratePps: '2000' }, limits, [veth], false);
    expect(fixed.request?.traffic).toEqual({ ratePps: 2000, frameLength: 128 });
    expect(checkDraft(draftFrom(request), limits, [veth], false).request?.traffic).toBeUndefined();
  });

  it('asks a new socket’s id to be one the agent accepts', () => {
    const checked = checkDraft({ ...draftFrom(request), socketId: 'Bad id' }, limits, [veth], true);
    expect(problemsFor(checked.problems, 'socketId')).toHaveLength(1);
  });

  it('shares a UMEM by taking its configuration, and asks for it by id', () => {
    const shared = { id: 'xsk0-umem', config: { ...request.umem, frameCount: 2048, headroom: 256 } };
    const draft = shareUmem({ ...draftFrom(request), socketId: 'twin' }, shared);
    expect(draft).toMatchObject({ umemId: 'xsk0-umem', frameCount: '2048', headroom: '256' });
    const checked = checkDraft(draft, limits, [veth], true);
    expect(checked.request?.umemId).toBe('xsk0-umem');
    expect(checked.request?.umem).toEqual(shared.config);
    // Leaving the UMEM again drops the id: the request then registers a UMEM of its own.
    expect(checkDraft(shareUmem(draft, null), limits, [veth], true).request).not.toHaveProperty('umemId');
  });

  it('sends an XSKMAP index only when one is typed, and only one the map has', () => {
    expect(checkDraft(draftFrom(request), limits, [veth], false).request).not.toHaveProperty('xskmapIndex');
    expect(checkDraft({ ...draftFrom(request), xskmapIndex: '3' }, limits, [veth], false).request?.xskmapIndex).toBe(3);
    const refused = checkDraft({ ...draftFrom(request), xskmapIndex: '64' }, limits, [veth], false);
    expect(refused.request).toBeNull();
    expect(problemsFor(refused.problems, 'xskmapIndex')[0]).toMatch(/from 0 to 63/);
  });

  it('reads a shared socket’s request back into the same draft', () => {
    const sharing: SocketRequest = { ...request, umemId: 'xsk0-umem', xskmapIndex: 1 };
    expect(checkDraft(draftFrom(sharing), limits, [veth], false).request).toEqual({ ...sharing, checks: 'ringside' });
  });
});

describe('the socket options in the form', () => {
  const features: SocketFeatures = {
    kernel: '6.18.0',
    busyPoll: { available: true, refusal: null, maxBudget: 65535 },
    txBudget: { available: true, refusal: null, min: 32, max: null },
    multiBuffer: { available: true, refusal: null, maxFragments: 18 },
  };

  it('sends busy polling and the TX budget only when set, and reads them back from a request', () => {
    const plain = checkDraft(draftFrom(request), limits, [veth], false, features).request;
    expect(plain?.socket.busyPoll).toBeUndefined();
    expect(plain?.socket.txBudget).toBeUndefined();
    const draft = { ...draftFrom(request), busyPoll: true, busyPollUsecs: '50', busyPollBudget: '16', txBudget: '64' };
    const checked = checkDraft(draft, limits, [veth], false, features);
    expect(checked.problems).toEqual([]);
    expect(checked.request?.socket).toMatchObject({
      busyPoll: { preferBusyPoll: true, busyPollUsecs: 50, busyPollBudget: 16 },
      txBudget: 64,
    });
    expect(draftFrom(checked.request as SocketRequest)).toMatchObject({ busyPoll: true, txBudget: '64' });
  });

  it('refuses a TX budget outside the probed bounds beside its field, naming them', () => {
    const checked = checkDraft({ ...draftFrom(request), txBudget: '8' }, limits, [veth], false, features);
    expect(problemsFor(checked.problems, 'txBudget')[0]).toContain('from 32 to the TX ring');
  });

  it('refuses an option the kernel lacks, naming the release that brought it', () => {
    const older = {
      ...features,
      kernel: '6.12.0',
      txBudget: { available: false, refusal: 'ENOPROTOOPT (the kernel does not know the option)', min: 0, max: null },
    };
    const checked = checkDraft({ ...draftFrom(request), txBudget: '64' }, limits, [veth], false, older);
    expect(problemsFor(checked.problems, 'txBudget')[0]).toContain('came in Linux 6.17; this kernel (6.12.0)');
  });

  it('sends multi-buffer only when ticked, reads it back, and refuses it where the kernel refused XDP_USE_SG', () => {
    expect(checkDraft(draftFrom(request), limits, [veth], false, features).request?.socket.multiBuffer).toBeUndefined();
    const ticked = checkDraft({ ...draftFrom(request), multiBuffer: true }, limits, [veth], false, features);
    expect(ticked.request?.socket.multiBuffer).toBe(true);
    expect(draftFrom(ticked.request as SocketRequest).multiBuffer).toBe(true);
    const older = {
      ...features,
      kernel: '6.1.0',
      multiBuffer: { available: false, refusal: 'EINVAL (bind refused XDP_USE_SG)', maxFragments: null },
    };
    const refused = checkDraft({ ...draftFrom(request), multiBuffer: true }, limits, [veth], false, older);
    expect(problemsFor(refused.problems, 'multiBuffer')[0]).toContain('came in Linux 6.6; this kernel (6.1.0)');
  });
});

describe('TX metadata in the form', () => {
  const features: SocketFeatures = {
    kernel: '6.18.0',
    busyPoll: { available: true, refusal: null, maxBudget: 65535 },
    txBudget: { available: true, refusal: null, min: 32, max: null },
    txMetadata: {
      available: true,
      refusal: null,
      minLength: 16,
      step: 8,
      maxLength: 248,
      swChecksum: { available: true, refusal: null },
    },
  };

  it('sends the UMEM no metadata until a length is typed, then the length and the software checksum, and reads them back', () => {
    expect(checkDraft(draftFrom(request), limits, [veth], false, features).request?.umem.txMetadata).toBeUndefined();
    const draft = { ...draftFrom(request), txMetadataLength: '16', swChecksum: true };
    const checked = checkDraft(draft, limits, [veth], false, features);
    expect(checked.problems).toEqual([]);
    expect(checked.request?.umem.txMetadata).toEqual({ length: 16, swChecksum: true });
    expect(draftFrom(checked.request as SocketRequest)).toMatchObject({ txMetadataLength: '16', swChecksum: true });
  });

  it('refuses a length the kernel does not take beside its field, naming the probed ones', () => {
    const checked = checkDraft({ ...draftFrom(request), txMetadataLength: '12' }, limits, [veth], false, features);
    expect(problemsFor(checked.problems, 'txMetadataLength')).toEqual([
      'tx_metadata_len 12 is not one this kernel accepts (probed at start): from 16 to 248 in steps of 8',
    ]);
  });

  it('asks txonly for a completion stamp and a launch time; on veth, which offers neither, only the kernel is asked', () => {
    const vethOfferingNothing = {
      ...veth,
      xdpFeatures: {
        ...(veth.xdpFeatures as NonNullable<InterfaceInfo['xdpFeatures']>),
        xsk: { txChecksum: false, txTimestamp: false, txLaunchTime: false },
      },
    };
    const draft = {
      ...draftFrom(request),
      workload: 'txonly' as const,
      txSize: '2048',
      txMetadataLength: '24',
      txTimestamp: true,
      launchTimeOffsetNs: '50000',
    };
    const refused = checkDraft(draft, limits, [vethOfferingNothing], false, features);
    expect(problemsFor(refused.problems, 'txTimestamp')).toEqual([
      'rs-app (veth) offers no tx-timestamp in its xsk-features: the completion timestamp (XDP_TXMD_FLAGS_TIMESTAMP) needs a driver that does, such as mlx5, stmmac or igc: leave it out, or let the kernel answer (checks: kernel)',
    ]);
    expect(problemsFor(refused.problems, 'launchTimeOffsetNs')).toHaveLength(1);
    const asked = checkDraft({ ...draft, checks: 'kernel' }, limits, [vethOfferingNothing], false, features);
    expect(asked.problems).toEqual([]);
    expect(asked.request?.txMetadataRequests).toEqual({ timestamp: true, launchTimeOffsetNs: 50_000 });
    expect(draftFrom(asked.request as SocketRequest)).toMatchObject({ txTimestamp: true, launchTimeOffsetNs: '50000' });
    expect(checkDraft(draftFrom(request), limits, [veth], false, features).request?.txMetadataRequests).toBeUndefined();
  });

  it('sends no request once the length is cleared: its inputs are hidden then, and no error may sit on them', () => {
    const draft = {
      ...draftFrom(request),
      workload: 'txonly' as const,
      txSize: '2048',
      checks: 'kernel' as const,
      txMetadataLength: '',
      txTimestamp: true,
      launchTimeOffsetNs: 'soon',
    };
    const checked = checkDraft(draft, limits, [veth], false, features);
    expect(checked.problems).toEqual([]);
    expect(checked.request?.txMetadataRequests).toBeUndefined();
    expect(checkDraft({ ...draft, checks: 'ringside' }, limits, [veth], false, features).problems).toEqual([]);
  });

  it("refuses, before apply and whatever the checks, a length too short for what txonly writes: the agent's own limit", () => {
    const draft = {
      ...draftFrom(request),
      workload: 'txonly' as const,
      txSize: '2048',
      checks: 'kernel' as const,
      txMetadataLength: '16',
      launchTimeOffsetNs: '50000',
    };
    const checked = checkDraft(draft, limits, [veth], false, features);
    expect(checked.request).toBeNull();
    expect(problemsFor(checked.problems, 'launchTimeOffsetNs')).toEqual([
      'txonly writes launch_time up to byte 24 of struct xsk_tx_metadata, past tx_metadata_len 16: it would overwrite the frame itself, whatever the checks. Set tx_metadata_len to 24',
    ]);
    // Under Ringside's checks too, said once beside the field, and gone at the length it names.
    const checkedHere = checkDraft({ ...draft, checks: 'ringside' }, limits, [veth], false, features);
    expect(
      problemsFor(checkedHere.problems, 'launchTimeOffsetNs').filter((message) => message.includes('past')),
    ).toHaveLength(1);
    const fixed = checkDraft({ ...draft, txMetadataLength: '24' }, limits, [veth], false, features);
    expect(fixed.problems).toEqual([]);
    expect(fixed.request?.txMetadataRequests).toEqual({ timestamp: false, launchTimeOffsetNs: 50_000 });
  });

  it('takes the metadata of the UMEM it shares', () => {
    const config = { ...request.umem, txMetadata: { length: 24, swChecksum: false } };
    const draft = shareUmem(draftFrom(request), { id: 'umem-a', config });
    expect(draft).toMatchObject({ umemId: 'umem-a', txMetadataLength: '24', swChecksum: false });
  });
});
