import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Metafile } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { sdkCoreCopies } from '../../bench/bundles.js';

const root = mkdtempSync(join(tmpdir(), 'bundles-test-'));

/** A package folder under `root` with a package.json of `version`. */
function installed(folder: string, version: string): void {
  mkdirSync(join(root, folder), { recursive: true });
  writeFileSync(join(root, folder, 'package.json'), JSON.stringify({ version }));
}

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('sdkCoreCopies', () => {
  it("counts each folder of an SDK core package the bundle read, by the folder's version", () => {
    // Prepare: the top-level copies, and a nested second @aws-sdk/core under one client.
    installed('node_modules/@aws-sdk/core', '3.981.2');
    installed('node_modules/@smithy/core', '3.41.1');
    installed('node_modules/@aws-sdk/credential-provider-node', '3.972.99');
    installed('node_modules/@aws-sdk/client-medical-imaging/node_modules/@aws-sdk/core', '3.957.0');
    const input = { bytesInOutput: 1 };
    const metafile = {
      inputs: {},
      outputs: {
        'out/index.mjs.map': { bytes: 1, inputs: {}, imports: [], exports: [] },
        'out/index.mjs': {
          bytes: 1,
          imports: [],
          exports: [],
          inputs: {
            'node_modules/@aws-sdk/core/dist-es/index.js': input,
            'node_modules/@aws-sdk/core/dist-es/submodules/client/index.js': input,
            'node_modules/@aws-sdk/client-medical-imaging/node_modules/@aws-sdk/core/dist-es/index.js': input,
            'node_modules/@smithy/core/dist-es/index.js': input,
            'node_modules/@aws-sdk/credential-provider-node/dist-es/index.js': input,
            'lambdas/handlers/publisher.ts': input,
          },
        },
      },
    } as unknown as Metafile;

    // Act
    const copies = sdkCoreCopies(metafile, root);

    // Assess
    expect(copies).toEqual({
      '@aws-sdk/core': ['3.957.0', '3.981.2'],
      '@smithy/core': ['3.41.1'],
      '@aws-sdk/credential-provider-node': ['3.972.99'],
    });
  });

  it('reports no copy of a package the bundle does not hold', () => {
    const metafile = {
      inputs: {},
      outputs: {
        'out/index.mjs': { bytes: 1, imports: [], exports: [], inputs: { 'a.ts': { bytesInOutput: 1 } } },
      },
    } as unknown as Metafile;
    expect(sdkCoreCopies(metafile, root)['@aws-sdk/core']).toEqual([]);
  });
});
