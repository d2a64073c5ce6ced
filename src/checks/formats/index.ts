export { probeFormat, type ProbeOptions } from './probe.js';
export { FORMAT_INFO } from './format-info.js';
export { extensionOf, formatsForExtension, isExtensionMismatch } from './extensions.js';
export { qpdfAvailable } from './qpdf.js';
