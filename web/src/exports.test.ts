import { describe, expect, it } from 'vitest';
import { captureUrl } from './exports.ts';

describe("the packet inspector's pcap link", () => {
  it("names the socket and carries the page's token, encoded", () => {
    expect(captureUrl('?token=ab-_9&view=rings', 'xsk 1')).toBe('/api/capture.pcap?socket=xsk+1&token=ab-_9');
    expect(captureUrl('?token=a%2Bb', 'xsk0')).toBe('/api/capture.pcap?socket=xsk0&token=a%2Bb');
  });
});
