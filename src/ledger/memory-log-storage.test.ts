import { runLogStorageSuite } from './log-storage.suite.js';
import { MemoryLogStorage } from './log-storage.js';

runLogStorageSuite('memory', () => new MemoryLogStorage());
