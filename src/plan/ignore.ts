// Ignore paths (settings.ignore + --ignore): fields whose drift is expected. A top-level name (`firstName`,
// `publicMetadata`, `memberships`) leaves the whole field unmanaged for existing users; a metadata path
// (`publicMetadata.prefs.theme`) keeps that one value as it is live.

import { METADATA_FIELDS } from '../fields/constants.ts';
import type { MetadataField } from '../model/index.ts';

export interface IgnoreRules {
  /** Whole fields: `firstName`, `emailAddresses`, `publicMetadata`, `banned`, `memberships`... */
  fields: ReadonlySet<string>;
  /** Paths inside each metadata object, split on dots. */
  metadata: Readonly<Record<MetadataField, string[][]>>;
}

export function parseIgnore(paths: readonly string[]): IgnoreRules {
  const fields = new Set<string>();
  const metadata: Record<MetadataField, string[][]> = { publicMetadata: [], privateMetadata: [], unsafeMetadata: [] };
  for (const raw of [...new Set(paths)].sort()) {
    const [head, ...rest] = raw.split('.');
    if (head === undefined || head === '') continue;
    const field = METADATA_FIELDS.find((name) => name === head);
    if (field !== undefined && rest.length > 0) metadata[field].push(rest);
    else fields.add(head);
  }
  return { fields, metadata };
}
