import { describe, expect, it } from 'vitest';
import { formatText } from '../../cli/text-format.js';

/** Expected lines are what awscli/text.py (aws-cli 1.45.11) writes for the same data. */
describe('formatText, as the AWS CLI writes --output text', () => {
  it('writes the top-level scalars, then each item with its nested values on their own lines', () => {
    // Prepare
    const data = {
      Items: [
        {
          jobKey: 'a/b',
          version: 2,
          snapshot: { status: 'RUNNING', progress: { files: 7 } },
          flag: true,
          none: null,
        },
        { jobKey: 'c/d', version: 1, extra: 'x', snapshot: { status: 'QUEUED' } },
      ],
      NextToken: 'tok',
    };

    // Act
    const text = formatText(data);

    // Assess: a list of objects shares one sorted set of scalar columns; a missing one is empty.
    expect(text).toBe(
      [
        'tok',
        'ITEMS\t\tTrue\ta/b\tNone\t2',
        'SNAPSHOT\tRUNNING',
        'PROGRESS\t7',
        'ITEMS\tx\t\tc/d\t\t1',
        'SNAPSHOT\tQUEUED',
        '',
      ].join('\n'),
    );
  });

  it('writes lists of lists as rows, scalar lists on one line, scalars alone', () => {
    expect(
      formatText([
        ['a', 1],
        ['b', 2],
      ]),
    ).toBe('a\t1\nb\t2\n');
    expect(formatText(['x', 'y'])).toBe('x\ty\n');
    expect(formatText('s')).toBe('s\n');
    expect(formatText(3)).toBe('3\n');
    expect(formatText([])).toBe('');
    expect(formatText({ a: [1, 2], b: 'x' })).toBe('x\nA\t1\nA\t2\n');
    expect(formatText([[1, [2, 3]], 4])).toBe('4\n1\n2\t3\n');
    expect(formatText(null)).toBe('None\n');
  });
});
