// ${VAR} / ${VAR:-default} / $${ interpolation rules, directly on the function.

import { describe, expect, it } from 'vitest';
import { interpolate } from '../../src/manifest/interpolate.ts';
import { editDistance, suggest } from '../../src/manifest/suggest.ts';

describe('interpolate', () => {
  const env = { NAME: 'Ada', EMPTY: '', PW: 'hunter2-hunter2' };

  it.each([
    ['plain text', 'plain text'],
    ['${NAME}', 'Ada'],
    ['Dr. ${NAME} Lovelace', 'Dr. Ada Lovelace'],
    ['${NAME}${NAME}', 'AdaAda'],
    ['${MISSING:-fallback}', 'fallback'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${MISSING:-}', ''],
    ['${EMPTY}', ''],
    ['${MISSING:-a b:c}', 'a b:c'],
    ['$${NAME}', '${NAME}'],
    // Left to right: a lone `$` is literal, then `$${` is the escape.
    ['$$${NAME}', '$${NAME}'],
    ['cost: $5 and $NAME', 'cost: $5 and $NAME'],
  ])('%s -> %s', (input, expected) => {
    const result = interpolate(input, env);
    expect(result.problems).toEqual([]);
    expect(result.value).toBe(expected);
  });

  it('names the variables used, once each, and says whether the string is one reference', () => {
    expect(interpolate('${PW}', env)).toMatchObject({ variables: ['PW'], single: true });
    expect(interpolate('${MISSING:-default-pw}', env)).toMatchObject({ variables: ['MISSING'], single: true });
    expect(interpolate('x${PW}', env)).toMatchObject({ variables: ['PW'], single: false });
    expect(interpolate('${NAME} ${NAME}', env)).toMatchObject({ variables: ['NAME'], single: false });
    expect(interpolate('$${PW}', env)).toMatchObject({ variables: [], single: false });
  });

  it('reports an unset variable without a default, with the reference to point at', () => {
    const result = interpolate('a ${NOPE} b', env);
    expect(result.problems).toEqual([
      { code: 'unset_variable', message: 'environment variable NOPE is not set', token: '${NOPE}' },
    ]);
  });

  it.each([['${}'], ['${1A}'], ['${A-B}'], ['${A:-x'], ['${A:=x}']])('rejects the malformed reference %s', (input) => {
    const result = interpolate(input, env);
    expect(result.problems.map((problem) => problem.code)).toEqual(['invalid_interpolation']);
    expect(result.single).toBe(false);
  });

  it('never puts a variable value into a problem message', () => {
    const result = interpolate('${PW} ${NOPE} ${9}', env);
    expect(JSON.stringify(result.problems)).not.toContain('hunter2');
  });
});

describe('suggestions', () => {
  it('finds typos, case and snake_case variants and prefixes', () => {
    const fields = ['firstName', 'lastName', 'emailAddresses', 'phoneNumbers', 'memberships'];
    expect(suggest('fristName', fields)).toBe('firstName');
    expect(suggest('first_name', fields)).toBe('firstName');
    expect(suggest('FIRSTNAME', fields)).toBe('firstName');
    expect(suggest('email', fields)).toBe('emailAddresses');
    expect(suggest('membership', fields)).toBe('memberships');
    expect(suggest('zodiac', fields)).toBeUndefined();
    expect(suggest('x', fields)).toBeUndefined();
  });

  it('computes edit distance', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
    expect(editDistance('abcdef', 'uvwxyz', 2)).toBe(3);
  });
});
