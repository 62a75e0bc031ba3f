// The realistic fake values of generated users (`{firstName}`...) and of the anonymised export, from
// @faker-js/faker seeded per value, so a value depends only on its seed: the same on every run and on every machine
// with the same faker version. Faker is loaded on demand (loadFakeValues): importing it costs about 60 ms, which
// a manifest without `generate:` (and every other command) does not pay.

import type { Faker, Randomizer } from '@faker-js/faker';
import { InternalError } from '../errors.ts';

let loaded: Faker | undefined;

/**
 * A small, fast generator (mulberry32) for faker: seeding it costs a few operations, where faker's own Mersenne
 * Twister costs about 60 µs per seed, and every fake value is seeded afresh (docs/performance.md, generated users).
 */
function fastRandomizer(): Randomizer {
  let state = 0;
  return {
    seed(seed) {
      let hash = 0x9e3779b9;
      for (const part of Array.isArray(seed) ? seed : [seed]) {
        hash = Math.imul(hash ^ (part >>> 0), 0x85ebca6b) >>> 0;
        hash = (hash ^ (hash >>> 13)) >>> 0;
      }
      state = hash;
    },
    next() {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

/** Loads faker (English locale only: one locale's data, not all of them) once; parsing needs it before it starts. */
export async function loadFakeValues(): Promise<void> {
  if (loaded) return;
  const { faker } = await import('@faker-js/faker/locale/en');
  // The locale module exports an instance only: its class and data make one with the fast generator.
  const FakerClass = faker.constructor as new (options: ConstructorParameters<typeof Faker>[0]) => Faker;
  loaded = new FakerClass({ locale: faker.rawDefinitions, randomizer: fastRandomizer() });
}

/**
 * Whether a manifest text may declare generated users, so its loader loads faker first: any text naming `generate`
 * (a flow mapping or a quoted key too); a false yes costs the load, a false no would be a bug.
 */
export function mayGenerate(text: string): boolean {
  return text.includes('generate');
}

/** 32-bit FNV-1a of a string: turns a template's key (or an export seed) into a number faker can be seeded with. */
export function seedOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** The fake value kinds, each drawn from faker seeded with [base, i, its own number]. */
export const FAKE_VALUES = {
  firstName: (faker: Faker) => faker.person.firstName(),
  lastName: (faker: Faker) => faker.person.lastName(),
  jobTitle: (faker: Faker) => faker.person.jobTitle(),
  city: (faker: Faker) => faker.location.city(),
  companyName: (faker: Faker) => faker.company.name(),
  word: (faker: Faker) => faker.word.noun(),
  uuid: (faker: Faker) => faker.string.uuid(),
} as const;

export type FakeValueName = keyof typeof FAKE_VALUES | 'fullName';
export const FAKE_VALUE_NAMES: readonly FakeValueName[] = [
  ...(Object.keys(FAKE_VALUES) as FakeValueName[]),
  'fullName',
];

/** The numbers that keep each kind's sequence apart: stable (a new kind takes a new number, old ones keep theirs). */
const KIND_SEEDS: Record<keyof typeof FAKE_VALUES, number> = {
  firstName: 1,
  lastName: 2,
  jobTitle: 3,
  city: 4,
  companyName: 5,
  word: 6,
  uuid: 7,
};

function seeded(): Faker {
  if (!loaded) throw new InternalError('fake values were asked for before loadFakeValues() finished');
  return loaded;
}

/** One fake value of `name` for item `index` of the sequence `base`: depends on these three only. */
export function fakeValue(name: FakeValueName, base: number, index: number): string {
  if (name === 'fullName') return `${fakeValue('firstName', base, index)} ${fakeValue('lastName', base, index)}`;
  const faker = seeded();
  faker.seed([base, index, KIND_SEEDS[name]]);
  return FAKE_VALUES[name](faker);
}

/** Digits drawn from faker seeded with [base, index, 100 + salt]: for fake phone numbers of the export. */
export function fakeDigits(base: number, index: number, length: number, salt = 0): string {
  const faker = seeded();
  faker.seed([base, index, 100 + salt]);
  return faker.string.numeric(length);
}
