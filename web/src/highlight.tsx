import { Fragment, type ReactNode } from 'react';

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'" };

/**
 * The search API's highlighted text (HTML-escaped, <mark> around matches)
 * as React nodes: only <mark> becomes an element and everything else is
 * text, so a hostile title cannot inject markup even if the escaping failed.
 */
export function Highlighted({ html }: { html: string }): ReactNode {
  const parts = html.split(/(<mark>|<\/mark>)/);
  let marked = false;
  return parts.map((part, i) => {
    if (part === '<mark>' || part === '</mark>') {
      marked = part === '<mark>';
      return null;
    }
    const text = part.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_, name: string) => ENTITIES[name] ?? '');
    return marked ? <mark key={i}>{text}</mark> : <Fragment key={i}>{text}</Fragment>;
  });
}
