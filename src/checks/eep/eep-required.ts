import { E } from './eep-names.js';

/**
 * Structural children DA/T 48-2009 Annex A requires (minOccurs ≥ 1). Only the
 * skeleton is checked here, what a reader needs to find content, metadata and
 * signatures; whether metadata fields are filled is the metadata items' job.
 * Each entry lists alternatives: one of them must be present.
 */
const REQUIRED: Readonly<Record<string, readonly (readonly string[])[]>> = {
  [E.root]: [[E.formatDescription], [E.version], [E.signedObject]],
  [E.signedObject]: [[E.packageType], [E.createdAt], [E.creator], [E.content, E.modifiedContent]],
  [E.modifiedContent]: [[E.originalPackage], [E.revisedContent]],
  [E.originalPackage]: [[E.signedObject]],
  [E.content]: [[E.recordBlock]],
  [E.revisedContent]: [[E.recordBlock]],
  [E.recordBlock]: [[E.record]],
  [E.record]: [[E.fileData]],
  [E.fileData]: [['文档']],
  文档: [['文档数据']],
  文档数据: [[E.encoding]],
  [E.encoding]: [[E.encodedData]],
};

/** Required children of `element` missing from `children` (alternatives shown as "a|b"). */
export function missingChildren(element: string, children: ReadonlySet<string>): string[] {
  const rules = REQUIRED[element];
  if (rules === undefined) return [];
  return rules.filter((any) => !any.some((name) => children.has(name))).map((any) => any.join('|'));
}
