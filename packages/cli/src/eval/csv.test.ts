import { describe, expect, it } from 'vitest';
import { toCsv } from './csv.js';

describe('toCsv', () => {
  it('writes a header and CRLF-terminated records', () => {
    expect(
      toCsv([
        { image: 'kodim01.png', bpp: 0.5, psnr: 31.25 },
        { image: 'kodim02.png', bpp: 0.25, psnr: 33 },
      ]),
    ).toBe('image,bpp,psnr\r\nkodim01.png,0.5,31.25\r\nkodim02.png,0.25,33\r\n');
  });

  it('quotes fields with commas, quotes and line breaks (RFC 4180)', () => {
    const csv = toCsv([{ name: 'a,b', note: 'say "hi"', text: 'two\nlines', plain: 'x y' }]);
    expect(csv).toBe('name,note,text,plain\r\n"a,b","say ""hi""","two\nlines",x y\r\n');
  });

  it('takes the union of keys and leaves missing fields empty', () => {
    expect(toCsv([{ a: 1 }, { b: 2 }, { a: 3, b: 4 }])).toBe('a,b\r\n1,\r\n,2\r\n3,4\r\n');
    expect(toCsv([{ a: 1, b: 2 }], { columns: ['b', 'a', 'c'] })).toBe('b,a,c\r\n2,1,\r\n');
  });

  it('quotes header names too and handles no rows', () => {
    expect(toCsv([{ 'x,y': 1 }])).toBe('"x,y"\r\n1\r\n');
    expect(toCsv([])).toBe('');
    expect(toCsv([], { columns: ['a'] })).toBe('a\r\n');
  });
});
