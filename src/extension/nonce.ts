import { randomBytes } from 'node:crypto';

/** A CSP nonce: 128 bits from the operating system's cryptographic source (it must not be guessable). */
export function cspNonce(): string {
  return randomBytes(16).toString('base64');
}
