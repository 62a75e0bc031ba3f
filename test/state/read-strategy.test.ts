// The choice between a full and a targeted read (src/state/read-strategy.ts): which identifiers a manifest names,
// what each read costs, when targeted is allowed and chosen, and when a full read may start before the manifest;
// and fetchTargetedUsers falling back when a server answers a filter with users that hold none of its values.

import { describe, expect, it } from 'vitest';
import type { DesiredUser, LiveUser } from '../../src/model/index.ts';
import { fetchTargetedUsers } from '../../src/state/fetch-targeted.ts';
import {
  chooseRead,
  type FilterValues,
  filterValues,
  fullReadCertain,
  fullRequests,
  summarizeIdentifiers,
  summaryOf,
  targetedRequests,
} from '../../src/state/index.ts';

const SOURCE = { file: 'users.yaml', line: 1, column: 1 };

function user(key: string, fields: Partial<DesiredUser> = {}): DesiredUser {
  return { key, source: SOURCE, externalId: key, ...fields };
}

function values(counts: Partial<Record<keyof FilterValues, number>>): FilterValues {
  const make = (n = 0, prefix = 'v') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  return {
    external_id: make(counts.external_id),
    email_address: make(counts.email_address),
    phone_number: make(counts.phone_number),
    username: make(counts.username),
  };
}

describe('filterValues', () => {
  it('collects every key and identifier once, emails lower-cased, null usernames left out', () => {
    const users = [
      user('emp-1', { emailAddresses: ['Ada@X.test', 'ada2@x.test'], phoneNumbers: ['+15550001'], username: 'ada' }),
      user('emp-2', { emailAddresses: ['ada@x.test'], username: null }),
      user('emp-3'),
    ];
    expect(filterValues(users, 'externalId')).toStrictEqual({
      external_id: ['emp-1', 'emp-2', 'emp-3'],
      email_address: ['ada@x.test', 'ada2@x.test'],
      phone_number: ['+15550001'],
      username: ['ada'],
    });
  });

  it('reads the key through the filter of the key kind', () => {
    const users = [{ key: 'grace', source: SOURCE, emailAddresses: ['g@x.test'], username: 'grace' }];
    expect(filterValues(users, 'username')).toStrictEqual({
      external_id: [],
      email_address: ['g@x.test'],
      phone_number: [],
      username: ['grace'],
    });
  });
});

describe('summarizeIdentifiers', () => {
  // Users as the duplicate checks let them through: no identifier shared by two users; the key comes from its field.
  function declared(userKey: 'externalId' | 'emailAddress' | 'username', n: number): DesiredUser[] {
    return Array.from({ length: n }, (_, i) => {
      const emails = i % 3 === 0 ? [] : i % 3 === 1 ? [`U${i}@X.test`] : [`u${i}@x.test`, `second${i}@x.test`];
      const fields: Partial<DesiredUser> = {
        emailAddresses: userKey === 'emailAddress' ? [`Key${i}@X.test`, ...emails] : emails,
        ...(i % 4 === 0 ? {} : { phoneNumbers: [`+1555${String(i).padStart(7, '0')}`] }),
        ...(i % 5 === 0 ? { username: null } : { username: `name${i}` }),
        ...(i % 7 === 0 && userKey !== 'externalId' ? {} : { externalId: i === 11 ? `-ext${i}` : `ext${i}` }),
      };
      const key =
        userKey === 'emailAddress'
          ? `key${i}@x.test`
          : userKey === 'username'
            ? `name${i}`
            : (fields.externalId as string);
      if (userKey === 'username') fields.username = key;
      return { key, source: SOURCE, ...fields };
    });
  }

  for (const userKey of ['externalId', 'emailAddress', 'username'] as const) {
    it(`counts what filterValues collects, without collecting it (userKey ${userKey})`, () => {
      const users = declared(userKey, 40);
      expect(summarizeIdentifiers(users, userKey)).toStrictEqual(summaryOf(filterValues(users, userKey)));
      const filterable = users.filter((user) => !user.externalId?.startsWith('-'));
      expect(summarizeIdentifiers(filterable, userKey)).toStrictEqual(summaryOf(filterValues(filterable, userKey)));
      expect(summarizeIdentifiers(filterable, userKey).unfilterable).toBe(false);
    });
  }
});

describe('costs', () => {
  it('a targeted read is one request per 100 values of each filter kind', () => {
    expect(targetedRequests(summaryOf(values({})).counts)).toBe(0);
    expect(targetedRequests(summaryOf(values({ external_id: 100 })).counts)).toBe(1);
    expect(
      targetedRequests(
        summaryOf(values({ external_id: 101, email_address: 200, phone_number: 1, username: 0 })).counts,
      ),
    ).toBe(5);
  });

  it('a full read is one page per 500 users, plus the bounds of the parallel ranges past two pages', () => {
    expect(fullRequests(0)).toBe(1);
    expect(fullRequests(500)).toBe(1);
    expect(fullRequests(1000)).toBe(2);
    expect(fullRequests(1001)).toBe(5);
    expect(fullRequests(1_000_000)).toBe(2002);
  });
});

describe('chooseRead', () => {
  const base = { option: 'auto' as const, prune: false, count: 1_000_000, declaredUsers: 200 };

  it('chooses targeted when cheaper, and says what each would cost', () => {
    expect(
      chooseRead({ ...base, identifiers: summaryOf(values({ external_id: 200, email_address: 200 })) }),
    ).toStrictEqual({
      strategy: 'targeted',
      reason: 'cost',
      instanceUsers: 1_000_000,
      declaredUsers: 200,
      requests: { full: 2002, targeted: 4 },
    });
  });

  it('chooses full when it is not more expensive', () => {
    const read = chooseRead({
      ...base,
      count: 900,
      identifiers: summaryOf(values({ external_id: 100, email_address: 100 })),
    });
    expect(read).toMatchObject({ strategy: 'full', reason: 'cost', requests: { full: 2, targeted: 2 } });
  });

  it('prune always reads everything, even when --read targeted', () => {
    const read = chooseRead({
      ...base,
      option: 'targeted',
      prune: true,
      identifiers: summaryOf(values({ external_id: 1 })),
    });
    expect(read).toMatchObject({ strategy: 'full', reason: 'prune' });
  });

  it('a drift that fails on unmanaged users reads everything, unless --read targeted says otherwise', () => {
    const cheap = { ...base, unmanaged: true, identifiers: summaryOf(values({ external_id: 1 })) };
    expect(chooseRead(cheap)).toMatchObject({ strategy: 'full', reason: 'unmanaged' });
    expect(chooseRead({ ...cheap, option: 'targeted' })).toMatchObject({ strategy: 'targeted', reason: 'option' });
  });

  it('--read full and --read targeted are followed', () => {
    expect(chooseRead({ ...base, option: 'full', identifiers: summaryOf(values({ external_id: 1 })) })).toMatchObject({
      strategy: 'full',
      reason: 'option',
    });
    expect(
      chooseRead({ ...base, option: 'targeted', count: 10, identifiers: summaryOf(values({ external_id: 900 })) }),
    ).toMatchObject({
      strategy: 'targeted',
      reason: 'option',
    });
  });

  it('an external id starting with + or - cannot be asked for exactly: full', () => {
    for (const id of ['-emp', '+emp']) {
      const read = chooseRead({ ...base, identifiers: summaryOf({ ...values({}), external_id: ['emp-1', id] }) });
      expect(read).toMatchObject({ strategy: 'full', reason: 'unfilterable' });
    }
  });
});

describe('fullReadCertain', () => {
  it('starts a full read early when asked, when one page holds every user, or when the manifest is huge', () => {
    expect(fullReadCertain('full', 1_000_000)).toBe(true);
    expect(fullReadCertain('auto', 500)).toBe(true);
    expect(fullReadCertain('auto', 501)).toBe(false);
    expect(fullReadCertain('targeted', 10)).toBe(false);
    // 100,000 users (202 requests): a 42 MB manifest's keys alone take at least 420 filter requests.
    expect(fullReadCertain('auto', 100_000, 42_000_000)).toBe(true);
    // 200 users' manifest (80 KB) in a million-user instance: wait for the manifest.
    expect(fullReadCertain('auto', 1_000_000, 80_000)).toBe(false);
    // A drift gating on unmanaged users needs every user whatever the manifest holds.
    expect(fullReadCertain('auto', 1_000_000, 80_000, true)).toBe(true);
    expect(fullReadCertain('targeted', 1_000_000, 80_000, true)).toBe(false);
  });
});

describe('fetchTargetedUsers', () => {
  function live(id: string, externalId: string): LiveUser {
    return { id, externalId, emailAddresses: [], phoneNumbers: [], username: null } as unknown as LiveUser;
  }

  it('gives up (undefined) when a filter is answered with users holding none of its values', async () => {
    const read = await fetchTargetedUsers(
      {
        concurrency: 2,
        onPage: () => undefined,
        // A server that ignores external_id and answers its first users.
        getUsers: async () => [live('user_1', 'emp-1'), live('user_2', 'someone-else')],
      },
      { ...values({}), external_id: ['emp-1'] },
    );
    expect(read).toBeUndefined();
  });
});
