import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { quote } from './env-reader';

/** Where a replica's TLS material lives (VAULT_TLS_CERT, VAULT_TLS_KEY, VAULT_TLS_CA). */
export interface TlsFiles {
  cert: string;
  key: string;
  ca: string;
}

/** The PEM text of those files, as read at one moment, and where it came from. */
export interface TlsMaterial {
  cert: string;
  key: string;
  ca: string;
  files: TlsFiles;
}

/** A TLS file that cannot be used; the message names the file, never its content. */
export class TlsFileError extends Error {}

/** One PEM file's text: readable, and PEM at all. */
export function readPemFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new TlsFileError(`cannot read ${quote(path)} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (!text.includes('-----BEGIN ')) throw new TlsFileError(`${quote(path)} is not a PEM file`);
  return text;
}

/**
 * Reads all three files and checks that they make a usable TLS context: the key belongs to
 * the certificate and every PEM parses. A half-written renewal (a new certificate next to
 * the old key, as a file-by-file copy leaves it for a moment) fails here, not in a handshake.
 */
export function readTlsMaterial(files: TlsFiles): TlsMaterial {
  const material = { cert: readPemFile(files.cert), key: readPemFile(files.key), ca: readPemFile(files.ca), files };
  try {
    createSecureContext({ cert: material.cert, key: material.key, ca: material.ca });
  } catch (error) {
    // OpenSSL's reason ("key values mismatch", "no start line"), which holds no key material.
    throw new TlsFileError(`${quote(files.cert)}, ${quote(files.key)} and ${quote(files.ca)} do not make a TLS context: ${error instanceof Error ? error.message : 'unknown error'}`);
  }
  return material;
}

/** What an operator needs to tell certificates apart: public facts only. */
export interface CertificateSummary {
  subject: string;
  serialNumber: string;
  fingerprint256: string;
  validTo: string;
}

/** The first certificate of a PEM chain (the replica's own), summarised. */
export function summarizeCertificate(pem: string): CertificateSummary {
  const certificate = new X509Certificate(pem);
  return {
    subject: certificate.subject,
    serialNumber: certificate.serialNumber,
    fingerprint256: certificate.fingerprint256,
    validTo: new Date(certificate.validTo).toISOString(),
  };
}
