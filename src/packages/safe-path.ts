import { packageError, printable } from './package-error.js';

/**
 * Deposit-relative names come from zip central directories, tar headers and
 * directory listings the depositor made: they are attacker-controlled. Every
 * name is checked here before a byte is written under it.
 */
export interface SafePathOptions {
  /** Treat '\' as a separator (zip written on Windows, APPNOTE 4.4.17.1 forbids it but tools do it). Default false: reject. */
  readonly backslashIsSeparator?: boolean;
  /** Strip leading "./" (what `tar -cf x.tar .` writes). Default true. */
  readonly stripDotSlash?: boolean;
}

// C0, DEL and C1 controls: never meaningful in a file name, and a terminal escape risk in reports.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;
const DRIVE = /^[a-zA-Z]:/;

/**
 * Normalise a name to '/'-separated, NFC, relative form, or throw.
 * A trailing '/' (directory entry) is removed; the caller knows it was a directory.
 * Returns '' for the root itself ("./" in a tar).
 */
export function safeRelativePath(raw: string, options: SafePathOptions = {}): string {
  const shown = printable(raw);
  if (CONTROL.test(raw)) {
    throw packageError(
      'E_BAD_NAME',
      {
        zh: `文件名含有控制字符：“${shown}”；请重命名后重新打包`,
        en: `file name contains control characters: "${shown}"; rename it and package again`,
      },
      { path: shown },
    );
  }
  let name = raw;
  if (name.includes('\\')) {
    if (!options.backslashIsSeparator) {
      throw packageError(
        'E_BAD_NAME',
        {
          zh: `文件名含有反斜杠“\\”：“${shown}”，在 Windows 上无法还原；请重命名后重新打包`,
          en: `file name contains a backslash: "${shown}", which cannot be restored on Windows; rename it and package again`,
        },
        { path: shown },
      );
    }
    name = name.replace(/\\/g, '/');
  }
  if (name.startsWith('/') || DRIVE.test(name)) {
    throw packageError(
      'E_ABSOLUTE_PATH',
      {
        zh: `包内文件使用了绝对路径：“${shown}”；请以相对路径重新打包`,
        en: `entry has an absolute path: "${shown}"; package it again with relative paths`,
      },
      { path: shown },
    );
  }
  if (options.stripDotSlash ?? true) while (name.startsWith('./')) name = name.slice(2);
  if (name.endsWith('/')) name = name.slice(0, -1);
  if (name === '' || name === '.') return '';
  const segments = name.split('/');
  for (const seg of segments) {
    if (seg === '..') {
      throw packageError(
        'E_PATH_TRAVERSAL',
        {
          zh: `包内路径试图跳出目录：“${shown}”；已拒收整个包，请检查打包工具`,
          en: `entry path escapes the package: "${shown}"; the whole package was refused — check the packaging tool`,
        },
        { path: shown },
      );
    }
    if (seg === '' || seg === '.') {
      throw packageError(
        'E_BAD_NAME',
        {
          zh: `包内路径含有空的或“.”路径段：“${shown}”；请重新打包`,
          en: `entry path has an empty or "." segment: "${shown}"; package it again`,
        },
        { path: shown },
      );
    }
  }
  // NFC: the same visible name typed on macOS (NFD) and Windows (NFC) must be one name (UAX #15).
  return segments.join('/').normalize('NFC');
}

export interface NameWarning {
  readonly code: string;
  readonly message: { readonly zh: string; readonly en: string };
  readonly path: string;
}

/**
 * Tracks every file and directory name of one deposit and rejects names that
 * collide. Exact duplicates after NFC are an error (one would silently replace
 * the other). Names that differ only in case are legal on the Linux store but
 * collide when restored to Windows or macOS: that is a warning, not a refusal,
 * because archives do hold such pairs (e.g. README and readme) on purpose.
 */
export class NameRegistry {
  private readonly kinds = new Map<string, 'file' | 'dir'>();
  private readonly folded = new Map<string, string>();
  readonly warnings: NameWarning[] = [];

  /** Register a file (or an explicit directory); its parents are registered as directories. */
  add(path: string, kind: 'file' | 'dir'): void {
    const segments = path.split('/');
    for (let i = 1; i < segments.length; i++) this.put(segments.slice(0, i).join('/'), 'dir', path);
    this.put(path, kind, path);
  }

  private put(path: string, kind: 'file' | 'dir', full: string): void {
    const seen = this.kinds.get(path);
    if (seen === undefined) {
      this.kinds.set(path, kind);
      const key = path.toLowerCase();
      const other = this.folded.get(key);
      if (other === undefined) this.folded.set(key, path);
      else {
        this.warnings.push({
          code: 'W_CASE_COLLISION',
          message: {
            zh: `“${printable(path)}”与“${printable(other)}”仅大小写不同，还原到 Windows/macOS 时会冲突`,
            en: `"${printable(path)}" and "${printable(other)}" differ only in case and will collide when restored to Windows/macOS`,
          },
          path,
        });
      }
      return;
    }
    if (seen === 'dir' && kind === 'dir') return;
    const shown = printable(full);
    throw packageError(
      'E_DUPLICATE_NAME',
      {
        zh: `包内名称重复或冲突（Unicode NFC 规范化后相同，或文件与目录同名）：“${shown}”；请重命名后重新打包`,
        en: `duplicate or conflicting name (identical after Unicode NFC normalisation, or a file and a directory share it): "${shown}"; rename and package again`,
      },
      { path: shown },
    );
  }

  /** All directories seen (explicit or implied by a file), sorted. */
  directories(): string[] {
    return [...this.kinds]
      .filter(([, k]) => k === 'dir')
      .map(([p]) => p)
      .sort();
  }
}
