import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';

import { canonicalJson, sha256Hex } from '@driftwatch/core';

import {
  ArchiveNameError,
  type ArchiveFile,
  contentChunks,
  tarGz,
  ustarName,
} from '@driftwatch/export/archive/tar';

export const MANIFEST_NAME = 'manifest.json';
export const EVIDENCE_BUNDLE_FORMAT = 'driftwatch-evidence-bundle/1';

export interface EvidenceBundleInput {
  files: readonly ArchiveFile[];
  /** Modification time of every entry: the evidence's own moment (e.g. the evaluation), never "now". */
  mtime: Date;
}

export interface ManifestEntry {
  name: string;
  size: number;
  sha256: string;
}

export interface EvidenceManifest {
  format: typeof EVIDENCE_BUNDLE_FORMAT;
  files: ManifestEntry[];
  /** sha256 of the canonical JSON of `files`: one value that pins every file of the bundle. */
  filesSha256: string;
}

/** The manifest of `files`, sorted by name. */
export function evidenceManifest(files: readonly ArchiveFile[]): EvidenceManifest {
  const entries = [...files]
    .map((f) => {
      const hash = createHash('sha256');
      let size = 0;
      for (const chunk of contentChunks(f.content)) {
        hash.update(chunk);
        size += chunk.length;
      }
      return { name: f.name, size, sha256: hash.digest('hex') };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { format: EVIDENCE_BUNDLE_FORMAT, files: entries, filesSha256: sha256Hex(canonicalJson(entries)) };
}

/**
 * A reproducible evidence archive (tar.gz): `manifest.json` first, listing every file's name,
 * size and sha256, then the files sorted by name. The same files and mtime give the same bytes.
 * It is streamed as it is compressed (see tarGz); a bad file name is refused at the call.
 */
export function evidenceBundle(input: EvidenceBundleInput): Readable {
  for (const f of input.files) {
    if (f.name === MANIFEST_NAME) throw new ArchiveNameError(f.name, 'is reserved for the manifest');
    ustarName(f.name); // refuse unsafe names before any work
  }
  const manifest = evidenceManifest(input.files);
  const sorted = [...input.files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return tarGz([{ name: MANIFEST_NAME, content: `${JSON.stringify(manifest, null, 2)}\n` }, ...sorted], {
    mtime: input.mtime,
  });
}
