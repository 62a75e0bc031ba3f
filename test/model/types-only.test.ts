// src/model is the domain's types and nothing else: any runtime export belongs in src/fields (or its stage).

import { expect, test } from 'vitest';
import * as model from '../../src/model/index.ts';

test('src/model exports no runtime values', () => {
  expect(Object.keys(model)).toEqual([]);
});
