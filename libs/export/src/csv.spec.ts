import { csvCell, csvHeader, csvLines, csvRecord, csvRow, type CsvColumn } from './csv';

/** A strict RFC 4180 reader, to prove what the writer writes reads back to the same cells. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 2;
      } else if (c === '"') {
        quoted = false;
        i += 1;
      } else {
        cell += c;
        i += 1;
      }
    } else if (c === '"') {
      quoted = true;
      i += 1;
    } else if (c === ',') {
      row.push(cell);
      cell = '';
      i += 1;
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i += 2;
    } else {
      cell += c;
      i += 1;
    }
  }
  if (cell !== '' || row.length > 0) throw new Error('the last record has no CRLF');
  return rows;
}

describe('csv writer', () => {
  it('ends every record with CRLF and separates fields with commas', () => {
    expect(csvRow(['a', 'b', 'c'])).toBe('a,b,c\r\n');
  });

  it.each([
    ['a "quoted" word', '"a ""quoted"" word"'],
    ['one, two', '"one, two"'],
    ['line\nbreak', '"line\nbreak"'],
    ['carriage\rreturn', '"carriage\rreturn"'],
    ['plain', 'plain'],
  ])('quotes %j as RFC 4180 requires', (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it.each([
    ['=HYPERLINK("http://evil","x")', `"'=HYPERLINK(""http://evil"",""x"")"`],
    ['+1+1', "'+1+1"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1:A2)', "'@SUM(A1:A2)"],
    ['\t=1', "'\t=1"],
    ['\r=1', `"'\r=1"`],
  ])('neutralises the formula %j with a leading quote', (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it('leaves text that merely contains formula characters alone', () => {
    expect(csvCell('a=b+c-d@e')).toBe('a=b+c-d@e');
  });

  it('writes numbers, booleans, dates and empty values without a prefix', () => {
    expect(csvRow([-5, 1.5, true, false, new Date('2026-03-31T00:00:00Z'), null, undefined, NaN])).toBe(
      '-5,1.5,true,false,2026-03-31T00:00:00.000Z,,,\r\n',
    );
  });

  it('reads back to the same cells through a strict RFC 4180 parser', () => {
    const cells = ['x', 'with "quotes"', 'a,b', 'multi\r\nline', '', 'ünïcödé'];
    expect(parseCsv(csvRow(cells))).toEqual([cells]);
  });

  it('streams a header and records batch by batch', async () => {
    interface Row {
      id: number;
      name: string;
    }
    const columns: CsvColumn<Row>[] = [
      { header: 'id', value: (r) => r.id },
      { header: 'name', value: (r) => r.name },
    ];
    let pulled = 0;
    async function* batches(): AsyncGenerator<Row[]> {
      for (const batch of [[{ id: 1, name: 'one' }], [], [{ id: 2, name: '=two' }]]) {
        pulled += 1;
        await Promise.resolve();
        yield batch;
      }
    }
    const lines = csvLines(columns, batches());
    expect((await lines.next()).value).toBe(csvHeader(columns));
    expect(pulled).toBe(0);
    const rest: string[] = [];
    for await (const chunk of lines) rest.push(chunk);
    expect(rest).toEqual([csvRecord(columns, { id: 1, name: 'one' }), "2,'=two\r\n"]);
    expect(parseCsv(csvHeader(columns) + rest.join(''))).toEqual([
      ['id', 'name'],
      ['1', 'one'],
      ['2', "'=two"],
    ]);
  });
});
