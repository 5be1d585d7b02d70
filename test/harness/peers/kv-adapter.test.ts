import fs from 'node:fs';
import path from 'node:path';
import type * as NodePath from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PEER_ADAPTERS } from '../../../harness/peers/index.ts';
import { ADAPTER_NAMES, importPeer } from '../../../harness/peers/kv-adapter.ts';
import { UnsupportedError } from '../../../harness/support/errors.ts';
import { tempDir } from '../helpers.ts';

describe('adapter names', () => {
  it('ours first, the floor last, one adapter each', () => {
    expect(ADAPTER_NAMES).toEqual(['inmem', 'sqlite', 'lmdb', 'floor']);
    expect(PEER_ADAPTERS.map((a) => a.name)).toEqual([...ADAPTER_NAMES]);
    expect(PEER_ADAPTERS.map((a) => a.packageName)).toEqual([null, 'better-sqlite3', 'lmdb', null]);
  });
});

describe('importPeer', () => {
  it("returns the package's module", async () => {
    const mod = await importPeer<typeof NodePath>('x', 'node:path');
    expect(mod.join('a', 'b')).toBe(path.join('a', 'b'));
  });

  it('a missing package: UnsupportedError naming the adapter, the package and the error', async () => {
    const err = await importPeer('sqlite', 'no-such-peer-package-xyz').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedError);
    expect((err as Error).message).toMatch(
      /^peer sqlite could not load its package "no-such-peer-package-xyz": .*no-such-peer-package-xyz/,
    );
  });

  it('a package that throws as it loads: only the first line of its error', async () => {
    const file = path.join(tempDir('peer-import-'), 'broken.mjs');
    fs.writeFileSync(
      file,
      'throw new Error("native binding failed\\n    at dlopen\\n    at x");\n',
    );
    const url = pathToFileURL(file).href;
    const err = await importPeer('lmdb', url).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedError);
    expect((err as Error).message).toBe(
      `peer lmdb could not load its package "${url}": native binding failed`,
    );
  });
});
