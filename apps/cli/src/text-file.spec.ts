import { firstInvalidUtf8 } from './text-file';

describe('firstInvalidUtf8', () => {
  it('points at the first byte that neither starts nor continues a UTF-8 sequence', () => {
    expect(firstInvalidUtf8(Buffer.from('plain ascii'))).toBe(11);
    expect(firstInvalidUtf8(Buffer.from('é ✓ 😀 ok'))).toBe(Buffer.byteLength('é ✓ 😀 ok'));
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xe9, 0x62]))).toBe(1); // latin1 é
    expect(firstInvalidUtf8(Buffer.from([0x61, 0x62, 0x80]))).toBe(2); // a stray continuation byte
    expect(firstInvalidUtf8(Buffer.from([0xe2, 0x9c]))).toBe(0); // a sequence cut short
    expect(firstInvalidUtf8(Buffer.from([0xc0, 0xaf]))).toBe(0); // an overlong lead
  });
});
