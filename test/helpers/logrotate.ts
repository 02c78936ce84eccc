/**
 * A log file written the way a syslog daemon and logrotate treat it: appends through one open fd;
 * rotation by rename (`create`: the writer reopens the path) or by copytruncate (same fd, file cut to 0);
 * five generations kept, `.2` onwards gzip'd (delaycompress), the oldest deleted. The gzip goes to a temp
 * name first, so a reader never sees a half-written `.gz`.
 */
import {
  closeSync,
  copyFileSync,
  existsSync,
  ftruncateSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { gzipSync } from 'node:zlib';

export class RotatingLog {
  private fd: number;
  constructor(readonly path: string) {
    this.fd = openSync(path, 'a');
  }
  append(text: string): void {
    if (text) writeSync(this.fd, text);
  }
  rotateRename(): void {
    this.shift();
    renameSync(this.path, `${this.path}.1`);
    closeSync(this.fd);
    this.fd = openSync(this.path, 'a');
  }
  rotateCopyTruncate(): void {
    this.shift();
    copyFileSync(this.path, `${this.path}.1`);
    ftruncateSync(this.fd, 0);
  }
  close(): void {
    closeSync(this.fd);
  }
  private shift(): void {
    const p = this.path;
    if (existsSync(`${p}.5.gz`)) unlinkSync(`${p}.5.gz`);
    for (let i = 4; i >= 2; i--)
      if (existsSync(`${p}.${i}.gz`)) renameSync(`${p}.${i}.gz`, `${p}.${i + 1}.gz`);
    if (existsSync(`${p}.1`)) {
      writeFileSync(`${p}.2.gz.tmp`, gzipSync(readFileSync(`${p}.1`)));
      renameSync(`${p}.2.gz.tmp`, `${p}.2.gz`);
      unlinkSync(`${p}.1`);
    }
  }
}
