import { describe, expect, it } from 'vitest';
import { explainOptionError } from './explain.ts';

describe('explainOptionError', () => {
  it('says what each refusal of a socket option means, and what the socket that asked should change', () => {
    expect(explainOptionError('ENOPROTOOPT', 'XDP_MAX_TX_SKB_BUDGET')).toEqual({
      meaning: 'the kernel does not know the option',
      hint: 'this kernel does not know XDP_MAX_TX_SKB_BUDGET: leave it off',
    });
    expect(explainOptionError('EPERM', 'SO_BUSY_POLL')).toEqual({
      meaning: 'setting it needs CAP_NET_ADMIN',
      hint: 'SO_BUSY_POLL needs CAP_NET_ADMIN: run the agent as root',
    });
    for (const code of ['EACCES', 'EINVAL']) {
      expect(explainOptionError(code, 'SO_BUSY_POLL_BUDGET')).toEqual({
        meaning: 'the kernel refused the value',
        hint: 'the kernel refused this value of SO_BUSY_POLL_BUDGET: see the bounds probed at start',
      });
    }
  });

  it('calls an errno it has no meaning for a refusal of the value, for the socket that asked', () => {
    expect(explainOptionError('ENOMEM', 'SO_BUSY_POLL')).toEqual({
      meaning: 'refused',
      hint: 'the kernel refused this value of SO_BUSY_POLL: see the bounds probed at start',
    });
  });
});
