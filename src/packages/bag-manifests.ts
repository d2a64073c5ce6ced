import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { MultiHasher, isDigestAlgorithm, type DigestAlgorithm, type Digests } from '../digest/index.js';
import { finding } from './bag-checks.js';
import { manifestAlgorithm, readManifest, type BagFinding } from './bag-text.js';

export interface Manifest {
  readonly name: string;
  readonly algorithm: DigestAlgorithm;
  /** A tag manifest (tagmanifest-<alg>.txt) rather than a payload manifest. */
  readonly tag: boolean;
  /** Decoded path → expected lower-case hex. */
  readonly entries: Map<string, string>;
}

/** Read every manifest-<alg>.txt and tagmanifest-<alg>.txt at the bag root (RFC 8493 §2.1.3, §2.2.1). */
export async function loadManifests(
  root: string,
  topLevel: readonly string[],
  violations: BagFinding[],
  warnings: BagFinding[],
): Promise<Manifest[]> {
  const manifests: Manifest[] = [];
  for (const name of [...topLevel].sort()) {
    const tag = name.startsWith('tagmanifest-');
    const alg = manifestAlgorithm(name, tag);
    if (alg === undefined) continue;
    if (!isDigestAlgorithm(alg)) {
      warnings.push(
        finding(
          'BAG_UNSUPPORTED_ALGORITHM',
          `不支持的算法 ${alg}，${name} 未校验`,
          `unsupported algorithm ${alg}; ${name} not checked`,
          name,
        ),
      );
      continue;
    }
    const parsed = await readManifest(join(root, name), name, alg);
    violations.push(...parsed.problems);
    manifests.push({ name, algorithm: alg, tag, entries: parsed.entries });
  }
  if (!manifests.some((m) => !m.tag))
    violations.push(
      finding('BAG_NO_MANIFEST', '缺少载荷清单 manifest-<算法>.txt', 'no payload manifest (manifest-<alg>.txt)'),
    );
  return manifests;
}

/** Hash each file once with every algorithm any manifest asks of it. */
export async function hashFiles(
  root: string,
  want: ReadonlyMap<string, ReadonlySet<DigestAlgorithm>>,
  options: { signal?: AbortSignal; onProgress?: (bytes: number, files: number) => void },
): Promise<Map<string, Digests>> {
  const actual = new Map<string, Digests>();
  let bytes = 0;
  let done = 0;
  for (const [p, algs] of want) {
    options.signal?.throwIfAborted();
    const hasher = new MultiHasher([...algs]);
    await pipeline(
      createReadStream(join(root, p), { highWaterMark: 1 << 20, signal: options.signal }),
      async (src: AsyncIterable<Buffer>) => {
        for await (const chunk of src) {
          hasher.update(chunk);
          options.onProgress?.((bytes += chunk.length), done);
        }
      },
    );
    actual.set(p, hasher.digest().digests);
    options.onProgress?.(bytes, ++done);
  }
  return actual;
}
